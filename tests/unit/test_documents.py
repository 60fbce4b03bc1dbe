"""Renderers fed plain views, and the words and numbers they print: no AWS, no HTTP."""

from __future__ import annotations

from decimal import Decimal

import pytest

from chalicelib.documents import text
from chalicelib.documents.views import CompanyBlock, Label, Receipt, ReceiptLine
from chalicelib.domain.price_code import price_code
from tests.pdfs import BarcodeError, all_text, barcodes, decode_code128, page_size_mm, reader

REFS = ["0510016009", "0510C016009", "1312999001", "01-00000042", "V210301-ABC234", "AV-00001", "7", "12345"]


@pytest.mark.parametrize(("price", "code"), [("123.00", "RIC"), ("123.50", "RIC,LB"), ("0.05", "B,BL"),
                                              ("1000.00", "RBBB"), ("7.99", "G,XX")])
def test_the_price_code_writes_each_digit_with_the_company_letter(price: str, code: str) -> None:
    assert price_code(Decimal(price), "BRICOLAGEX") == code


def test_amounts_weights_and_dates_read_the_french_way() -> None:
    assert text.euros("1250.5").replace(text.NBSP, " ") == "1 250,50 €"
    assert text.euros("-45.00").replace(text.NBSP, " ") == "-45,00 €"
    assert text.euros("1234567.89").replace(text.NBSP, " ") == "1 234 567,89 €"
    assert text.euros(None) == ""
    assert text.weight("3.250").replace(text.NBSP, " ") == "3,25 g"
    assert text.weight("100.000").replace(text.NBSP, " ") == "100 g"
    assert text.fineness(750).replace(text.NBSP, " ") == "750 ‰"
    assert text.percent("5.500").replace(text.NBSP, " ") == "5,5 %"
    assert text.percent("20.00").replace(text.NBSP, " ") == "20 %"
    assert text.day("2021-03-01") == "01/03/2021"
    assert text.moment("2021-03-01T13:05:59+00:00") == "01/03/2021 14:05"  # Paris time
    assert text.moment("2021-07-01T14:05+0200") == "01/07/2021 14:05"
    assert text.person_name({"title": "MME", "last_name": "Durand", "first_names": "Hélène"}) == "Mme DURAND Hélène"
    assert text.person_name({"company_name": "Or & Co", "last_name": "Roux"}) == "Or & Co (représentée par ROUX)"


def test_labels_are_32_by_57_mm_and_their_barcodes_decode_to_the_references() -> None:
    from chalicelib.documents.labels import LabelRenderer

    content = LabelRenderer().render([Label(ref) for ref in REFS])
    pages = reader(content).pages
    assert len(pages) == len(REFS)
    assert {page_size_mm(page) for page in pages} == {(32.0, 57.0)}
    assert barcodes(content) == REFS


def test_a_bar_drawn_wrong_does_not_decode(monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.documents import barcode
    from chalicelib.documents.labels import LabelRenderer

    good = barcode.bars("0510016009")
    widened = ((good[0][0], good[0][1] + 1), *good[1:])  # the first bar one module too wide
    monkeypatch.setattr(barcode, "bars", lambda value: widened)
    with pytest.raises(BarcodeError):
        barcodes(LabelRenderer().render([Label("0510016009")]))


def test_the_decoder_checks_the_checksum() -> None:
    # START C, 05, 10, then a wrong check symbol, STOP
    widths = [int(c) for c in "211232" + "131222" + "221312" + "212222" + "2331112"]
    with pytest.raises(BarcodeError):
        decode_code128(widths)


def test_a_description_too_long_for_the_label_ends_with_an_ellipsis() -> None:
    from chalicelib.documents.labels import LabelRenderer, wrap

    long = "Commode sauteuse Louis XV en marqueterie de bois de rose et de violette " * 4
    lines = wrap(long, "Lotbook", 6.5, 29 * 72 / 25.4, 5)
    assert len(lines) == 5 and lines[-1].endswith("…")
    assert wrap("Bague", "Lotbook", 6.5, 80, 5) == ["Bague"]
    assert wrap("Anticonstitutionnellementissime", "Lotbook", 6.5, 40, 5)[0] != "Anticonstitutionnellementissime"
    content = LabelRenderer().render([Label("0510016009", long, "12,00 €", "RI")])
    printed = all_text(content)
    assert "…" in printed and "12,00 €" in printed and "RI" in printed


def _receipt(count: int) -> Receipt:
    line = ReceiptLine("Bague en or", "0510016001", "1", "25,00 €", "20,83 €", "20 %")
    return Receipt(company=CompanyBlock("Brocante du Quai", ("1 quai Rambaud", "69002 Lyon")), title="TICKET DE CAISSE",
                   ticket_number="01-00000042", register="01", at="01/03/2021 14:05", lines=(line,) * count,
                   vat=(("20 %", "20,83 €", "4,17 €"),), total="25,00 €", payment=(("Espèces", "25,00 €"),),
                   running_totals=(("Total du jour (01/03/2021)", "25,00 €"),), legal_mention="Merci !")


def test_the_receipt_is_a_68_mm_roll_as_long_as_its_lines() -> None:
    from chalicelib.documents.receipt import ReceiptRenderer

    short, long = (ReceiptRenderer().render(_receipt(n)) for n in (1, 60))
    short_page, = reader(short).pages
    long_page, = reader(long).pages  # one page, however long
    assert page_size_mm(short_page)[0] == page_size_mm(long_page)[0] == 68.0
    assert page_size_mm(long_page)[1] > page_size_mm(short_page)[1] + 200
    assert barcodes(long) == ["01-00000042"]
    assert "Merci !" in all_text(long)


def test_the_renderers_import_nothing_until_a_pdf_is_asked_for() -> None:
    import subprocess
    import sys

    code = ("import sys\n"
            "import chalicelib.services.documents, chalicelib.api.documents\n"
            "assert not {'reportlab', 'barcode', 'PIL'} & set(sys.modules), 'imported at cold start'\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_addresses_print_the_street_type_in_words() -> None:
    from chalicelib.documents.text import address_lines

    assert address_lines({"street_number": "12", "street_type": "PL", "street_name": "du Marché",
                          "postcode": "54000", "city": "Nancy"}) == ["12 place du Marché", "54000 Nancy"]
    assert address_lines({"street_number": "5", "street_type": "R", "street_name": "Stanislas"})[0] == "5 rue Stanislas"
    assert address_lines({"street_type": "Quai", "street_name": "de la Loire"})[0] == "quai de la Loire"
    assert address_lines({"street_type": "XY", "street_name": "des Lilas"})[0] == "XY des Lilas"  # kept as typed
