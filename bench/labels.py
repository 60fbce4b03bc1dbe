"""Labels of a 999-article lot: our renderer against a bare ReportLab script.

Goal (issue "Documents"): under 2 s, and within 1.5× of the bare script, which
draws the same 999 labels (same fonts, same text, same vector Code 128) with no
views, no classes, no options. Both run in this one process, alternately, after
one warm-up each (font registration and imports are paid once per Lambda).
Also shown: the whole use case through the service (lot and articles read from
an in-process moto account), and the PDF's size against the 6 MB a Lambda may answer.
"""

from __future__ import annotations

import io
import statistics
import time
from collections.abc import Callable
from decimal import Decimal

from chalicelib.documents.views import Label

ARTICLES = 999
ROUNDS = 5
CIPHER = "BRICOLAGEX"


def _labels() -> list[Label]:
    from chalicelib.documents import text
    from chalicelib.domain.price_code import price_code

    return [Label(ref=f"0510016{n:03d}", description=f"Bague or jaune 18 carats n° {n}, poinçon tête d'aigle, "
                                                     f"sertie d'un grenat, vers 1900",
                  price=text.euros(Decimal("250.00") + n), price_code=price_code(Decimal("10.50") + n, CIPHER))
            for n in range(1, ARTICLES + 1)]


def renderer(labels: list[Label]) -> bytes:
    from chalicelib.documents.labels import LabelRenderer

    return LabelRenderer().render(labels)


def bare(labels: list[Label]) -> bytes:
    """What anyone would write with ReportLab alone: one canvas, straight drawing."""
    from barcode.codex import Code128
    from reportlab.lib.units import mm
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen.canvas import Canvas

    from chalicelib.documents.base import FONT, FONT_BOLD, register_fonts

    register_fonts()
    width, height, margin = 32 * mm, 57 * mm, 1.5 * mm
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(width, height), pageCompression=1)
    for label in labels:
        # description: greedy wrap, at most 5 lines
        canvas.setFont(FONT, 6.5)
        y = height - 2.2 * mm - 6.5
        line, lines = "", []
        for word in (label.description or "").split():
            candidate = f"{line} {word}" if line else word
            if stringWidth(candidate, FONT, 6.5) <= width - 2 * margin:
                line = candidate
            else:
                lines.append(line)
                line = word
        lines.append(line)
        for text in lines[:5]:
            canvas.drawString(margin, y, text)
            y -= 7.6
        canvas.setFont(FONT_BOLD, 12)
        canvas.drawCentredString(width / 2, 31 * mm, label.price or "")
        canvas.setFont(FONT, 7)
        canvas.drawRightString(width - margin, 25.5 * mm, label.price_code or "")
        bits = Code128(label.ref).build()[0]
        module = min(0.33 * mm, width / (len(bits) + 20))
        x0 = (width - module * len(bits)) / 2
        path = canvas.beginPath()
        start = None
        for n, bit in enumerate(bits + "0"):
            if bit == "1" and start is None:
                start = n
            elif bit == "0" and start is not None:
                path.rect(x0 + start * module, 8 * mm, (n - start) * module, 15 * mm)
                start = None
        canvas.drawPath(path, stroke=0, fill=1)
        canvas.setFont(FONT_BOLD, 8)
        canvas.drawCentredString(width / 2, 4 * mm, label.ref)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _time(function: Callable[[list[Label]], bytes], labels: list[Label]) -> tuple[float, int]:
    started = time.perf_counter()
    content = function(labels)
    return time.perf_counter() - started, len(content)


def through_the_service() -> None:
    """GET /api/lots/{ref}/labels.pdf minus HTTP: the lot read from moto, views, PDF."""
    from bench._inprocess import moto_account, new_tenant
    from chalicelib.services import accounts, catalog, documents, lots

    with moto_account():
        who = new_tenant()
        accounts.update_company(who, {"price_code_cipher": CIPHER, "label_options": {"show_price_code": True}})
        family = catalog.create_family(who, "Bijoux or", True)
        supplier = catalog.create_party(who, "supplier", {  # identified: metals are never bought otherwise
            "last_name": "Durand", "first_names": "Marc", "street_name": "rue Haute", "postcode": "54000",
            "city": "Nancy", "id_document_type": "CNI", "id_document_number": "880254301234",
            "id_document_date": "2018-06-11", "id_document_authority": "Préfecture de Meurthe-et-Moselle"})
        from datetime import date

        lots.update_draft_header(who, {"supplier_id": supplier.id, "purchase_date": date(2020, 3, 14),
                                       "purchase_price": Decimal(f"{ARTICLES}.00"), "payment_method": "card"})
        rows = "".join(f"Bague or jaune 18 carats n° {n};{family.label};3,25;750;S-{n};1,00;;250,00;normal;\n"
                       for n in range(ARTICLES)).encode()
        lots.import_csv(who, rows, ";", 0, None, "normal")
        ref = lots.commit(who, "purchase")["lot"]["ref"]
        documents.lot_labels(who, ref)  # warm: moto's and botocore's first calls
        started = time.perf_counter()
        pdf = documents.lot_labels(who, ref)
        print(f"through the service (moto in-process, warm): {time.perf_counter() - started:.3f} s, "
              f"{len(pdf.content) / 1e6:.2f} MB")


def main() -> None:
    import_started = time.perf_counter()
    import chalicelib.documents.labels  # noqa: F401 - ReportLab and python-barcode, once per cold start

    print(f"first import of the renderer (ReportLab, python-barcode): {time.perf_counter() - import_started:.3f} s")
    labels = _labels()
    renderer(labels[:1])  # warm-up: font registration, caches
    bare(labels[:1])
    ours, theirs = [], []
    size = 0
    for _ in range(ROUNDS):
        seconds, size = _time(renderer, labels)
        ours.append(seconds)
        seconds, _ = _time(bare, labels)
        theirs.append(seconds)
    best_ours, best_bare = min(ours), min(theirs)
    print(f"{ARTICLES} labels, best of {ROUNDS} (median): renderer {best_ours:.3f} s "
          f"({statistics.median(ours):.3f} s), bare ReportLab {best_bare:.3f} s ({statistics.median(theirs):.3f} s), "
          f"ratio {best_ours / best_bare:.2f}× (goal < 2 s and <= 1.5×)")
    print(f"PDF size: {size / 1e6:.2f} MB, base64 {size * 4 / 3 / 1e6:.2f} MB (Lambda answers at most 6 MB)")
    through_the_service()


if __name__ == "__main__":
    main()
