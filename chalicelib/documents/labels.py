"""Article labels: 32 × 57 mm (Dymo 11354, « Multi-usages »), one page per article.

Top to bottom: the description (wrapped, cut with an ellipsis), the label price,
the purchase-price code, the Code 128 of the reference and the reference in clear.
Drawn straight on the canvas, without platypus: a 999-article lot prints in a
blink (bench/labels.py).
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from chalicelib.documents.barcode import QUIET_ZONE_MODULES, draw_code128, modules
from chalicelib.documents.base import FONT, FONT_BOLD, metadata, register_fonts
from chalicelib.documents.views import Label


def wrap(text: str, font: str, size: float, width: float, max_lines: int) -> list[str]:
    """Greedy word wrap; a word wider than the line is cut; past ``max_lines`` an ellipsis ends it."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if stringWidth(candidate, font, size) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = word
        while stringWidth(current, font, size) > width:  # a very long word: cut it
            cut = len(current) - 1
            while cut > 1 and stringWidth(current[:cut], font, size) > width:
                cut -= 1
            lines.append(current[:cut])
            current = current[cut:]
        if len(lines) > max_lines:
            break
    if current:
        lines.append(current)
    if len(lines) <= max_lines:
        return lines
    kept = lines[:max_lines]
    last = kept[-1]
    while last and stringWidth(last + "…", font, size) > width:
        last = last[:-1].rstrip()
    kept[-1] = last + "…"
    return kept


class LabelRenderer:
    WIDTH = 32 * mm
    HEIGHT = 57 * mm
    MARGIN = 1.5 * mm

    # description, from the top
    DESCRIPTION_TOP = 2.2 * mm
    DESCRIPTION_SIZE = 6.5
    DESCRIPTION_LEADING = 7.6
    DESCRIPTION_LINES = 5

    # label price, centred
    PRICE_BASELINE = 31 * mm
    PRICE_SIZE = 12

    # purchase-price code, right-aligned above the barcode
    PRICE_CODE_BASELINE = 25.5 * mm
    PRICE_CODE_SIZE = 7

    # Code 128 of the reference, centred, quiet zones inside the label
    BARCODE_BOTTOM = 8 * mm
    BARCODE_HEIGHT = 15 * mm
    MAX_MODULE = 0.33 * mm

    # the reference in clear
    REF_BASELINE = 4 * mm
    REF_SIZE = 8

    def render(self, labels: Iterable[Label], title: str = "Étiquettes", author: str = "") -> bytes:
        register_fonts()
        buffer = io.BytesIO()
        canvas = Canvas(buffer, pagesize=(self.WIDTH, self.HEIGHT), pageCompression=1)
        metadata(canvas, title, author)
        for label in labels:
            self.draw(canvas, label)
            canvas.showPage()
        canvas.save()
        return buffer.getvalue()

    def draw(self, canvas: Canvas, label: Label) -> None:
        if label.description:
            self._description(canvas, label.description)
        if label.price:
            canvas.setFont(FONT_BOLD, self.PRICE_SIZE)
            canvas.drawCentredString(self.WIDTH / 2, self.PRICE_BASELINE, label.price)
        if label.price_code:
            canvas.setFont(FONT, self.PRICE_CODE_SIZE)
            canvas.drawRightString(self.WIDTH - self.MARGIN, self.PRICE_CODE_BASELINE, label.price_code)
        self._barcode(canvas, label.ref)
        canvas.setFont(FONT_BOLD, self.REF_SIZE)
        canvas.drawCentredString(self.WIDTH / 2, self.REF_BASELINE, label.ref)

    def _description(self, canvas: Canvas, description: str) -> None:
        canvas.setFont(FONT, self.DESCRIPTION_SIZE)
        width = self.WIDTH - 2 * self.MARGIN
        y = self.HEIGHT - self.DESCRIPTION_TOP - self.DESCRIPTION_SIZE
        for line in wrap(description, FONT, self.DESCRIPTION_SIZE, width, self.DESCRIPTION_LINES):
            canvas.drawString(self.MARGIN, y, line)
            y -= self.DESCRIPTION_LEADING

    def _barcode(self, canvas: Canvas, ref: str) -> None:
        count = len(modules(ref))
        module = min(self.MAX_MODULE, self.WIDTH / (count + 2 * QUIET_ZONE_MODULES))
        width = module * count
        draw_code128(canvas, ref, (self.WIDTH - width) / 2, self.BARCODE_BOTTOM, width, self.BARCODE_HEIGHT)
