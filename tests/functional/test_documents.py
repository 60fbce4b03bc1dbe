"""Printed documents, read back as the dealer, the client and the scanner would:
page sizes, texts and amounts, VAT notes by case, legal mentions, the barcodes
decoded from the bars drawn, and what the shop profile may not see or print."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.pdfs import all_text, barcodes, page_size_mm, page_text, reader
from tests.support import Api, TenantSession, commit_lot

CIPHER = "BRICOLAGEX"  # 0=B 1=R 2=I 3=C 4=O 5=L 6=A 7=G 8=E 9=X
COMPANY = {
    "company_name": "Antiquités Lefèvre & Fils", "legal_form": "SARL", "siret": "12345678900017",
    "vat_number": "FR12123456789", "rcs": "RCS Lyon 123 456 789", "street_number": "12", "street_type": "rue",
    "street_name": "de la Poulaillerie", "postcode": "69002", "city": "Lyon", "phone": "04 78 00 00 00",
    "price_code_cipher": CIPHER,
    "label_options": {"show_price": True, "show_description": True, "show_price_code": True},
    "receipt_options": {"legal_mention": "Retours acceptés sous 14 jours avec ce ticket."},
    "invoice_legal_comment": "Pénalités de retard : trois fois le taux d'intérêt légal.",
    "contract_legal_comment": "Médiateur de la consommation : CM2C, 14 rue Saint-Jean, 75017 Paris.",
}
SELLER = {
    "title": "MME", "last_name": "Durand", "first_names": "Hélène Marie", "birth_date": "1961-05-04",
    "birth_city": "Mâcon", "street_number": "3", "street_type": "PL", "street_name": "Bellecour",
    "postcode": "69002", "city": "Lyon", "id_document_type": "Carte nationale d'identité",
    "id_document_number": "123456789012", "id_document_date": "2015-02-01",
    "id_document_authority": "Préfecture du Rhône",
}


@dataclass
class Pdf:
    status: int
    content: bytes
    headers: dict[str, str]

    @property
    def error(self) -> dict[str, Any]:
        return dict(json.loads(self.content)["error"])


@pytest.fixture(scope="module")
def http(aws_stack: Any) -> Any:
    from chalice.test import Client

    from app import app

    return Client(app).http


def fetch(http: Any, api: Api, path: str, accept: str | None = "application/pdf") -> Pdf:
    headers = {"Authorization": f"Bearer {api.token}"}
    if accept is not None:
        headers["Accept"] = accept
    response = http.request("GET", path, headers=headers, body=b"")
    return Pdf(response.status_code, response.body, dict(response.headers))


def ok(http: Any, api: Api, path: str) -> bytes:
    reply = fetch(http, api, path)
    assert reply.status == 200, reply.content[:300]
    assert reply.headers["Content-Type"] == "application/pdf"
    return reply.content


@pytest.fixture
def shop(tenant: TenantSession) -> dict[str, Any]:
    api = tenant.api
    assert api.put("/api/company", COMPANY).status == 200
    jewels = api.post("/api/families", {"label": "Bijoux or", "metal_2093": True}).body["id"]
    furniture = api.post("/api/families", {"label": "Mobilier"}).body["id"]
    seller = api.post("/api/suppliers", SELLER).body["id"]
    client = api.post("/api/clients", {"title": "M", "last_name": "Garnier", "first_names": "Paul",
                                       "street_name": "rue Mercière", "postcode": "69002", "city": "Lyon"}).body["id"]
    committed = commit_lot(api, family_id=furniture, supplier_id=seller, prices=["10.00", "120.50", "30.00"])
    refs = [a["ref"] for a in committed["articles"]]
    for ref, label in zip(refs, ("25.00", "1250.00", "60.00"), strict=True):
        assert api.patch(f"/api/articles/{ref}", {"label_price": label}).status == 200
    return {"api": api, "tenant": tenant, "jewels": jewels, "furniture": furniture, "seller": seller,
            "client": client, "lot": committed["lot"]["ref"], "refs": refs}


def _sell(api: Api, refs: list[str], **params: Any) -> dict[str, Any]:
    reply = api.post("/api/actions/sell", {"refs": refs, "date": "2021-03-01", "payment_method": "card", **params})
    assert reply.status == 200, reply.body
    return dict(reply.body["sale"])


# ---------------------------------------------------------------- labels


def test_lot_labels_are_32_by_57_mm_one_page_per_article_with_a_barcode_of_the_reference(
        shop: dict[str, Any], http: Any) -> None:
    content = ok(http, shop["api"], f"/api/lots/{shop['lot']}/labels.pdf")
    pages = reader(content).pages
    assert len(pages) == 3
    assert {page_size_mm(page) for page in pages} == {(32.0, 57.0)}
    assert barcodes(content) == shop["refs"]
    second = page_text(pages[1])
    assert shop["refs"][1] in second
    assert "1 250,00 €" in second
    assert "Article 2" in second
    assert "RIB,LB" in second  # 120.50 in the company's cipher
    assert "120,50" not in second


def test_the_shop_gets_labels_without_any_price_code(shop: dict[str, Any], http: Any) -> None:
    till = shop["tenant"].add_user("shop")
    content = ok(http, till, f"/api/lots/{shop['lot']}/labels.pdf")
    text = all_text(content)
    assert "1 250,00 €" in text
    assert not re.search(r"\b[BRICOLAGEX]{2,},[BRICOLAGEX]{2}\b", text)
    assert "RIB,LB" not in text and "RB" not in text.split()
    single = ok(http, till, f"/api/articles/{shop['refs'][1]}/labels.pdf")
    assert "RIB,LB" not in all_text(single)
    assert barcodes(single) == [shop["refs"][1]]


def test_label_options_hide_the_price_and_the_description(shop: dict[str, Any], http: Any) -> None:
    api = shop["api"]
    api.put("/api/company", {"label_options": {"show_price": False, "show_description": False,
                                               "show_price_code": False}})
    text = all_text(ok(http, api, f"/api/articles/{shop['refs'][1]}/labels.pdf"))
    assert shop["refs"][1] in text
    assert "€" not in text and "Article" not in text and "RIC" not in text


def test_a_long_description_is_wrapped_and_cut_with_an_ellipsis(shop: dict[str, Any], http: Any) -> None:
    api, ref = shop["api"], shop["refs"][0]
    long = ("Commode sauteuse Louis XV en marqueterie de bois de rose et de violette, dessus de marbre brèche "
            "d'Alep, bronzes ciselés et dorés, estampillée, vers 1760, restaurations d'usage au placage")
    assert api.patch(f"/api/articles/{ref}", {"description": long, "reason": "Description complète"}).status == 200
    text = page_text(reader(ok(http, api, f"/api/articles/{ref}/labels.pdf")).pages[0])
    assert text.startswith("Commode sauteuse")
    assert "…" in text
    assert "placage" not in text


def test_selection_labels_print_the_selection_or_the_given_references(shop: dict[str, Any], http: Any) -> None:
    api, refs = shop["api"], shop["refs"]
    empty = fetch(http, api, "/api/selection/labels.pdf")
    assert (empty.status, empty.error["code"]) == (400, "empty_selection")
    api.post("/api/selection/add", {"refs": [refs[2], refs[0]]})
    assert barcodes(ok(http, api, "/api/selection/labels.pdf")) == [refs[2], refs[0]]
    assert barcodes(ok(http, api, f"/api/selection/labels.pdf?refs={refs[1]}")) == [refs[1]]
    unknown = fetch(http, api, "/api/selection/labels.pdf?refs=0000000001")
    assert unknown.status == 404


# ---------------------------------------------------------------- receipt


def test_the_receipt_prints_the_sealed_receipt_on_a_68_mm_roll(shop: dict[str, Any], http: Any) -> None:
    api, refs = shop["api"], shop["refs"]
    sale = _sell(api, refs[:2], vat_rates={refs[0]: "reduced"})
    content = ok(http, api, f"/api/sales/{sale['transaction_ref']}/receipt.pdf")
    (page,) = reader(content).pages
    width, height = page_size_mm(page)
    assert width == 68.0 and 60 < height < 400
    text = page_text(page)
    for expected in ("TICKET DE CAISSE", "N° 01-00000001", "Antiquités Lefèvre & Fils", "Article 1", "Article 2",
                     "25,00 €", "1 250,00 €", "1 275,00 €", "Carte bancaire", "Total du jour (",
                     "Total de la période", "Grand total perpétuel", "Retours acceptés sous 14 jours avec ce ticket.",
                     sale["invoice_number"], sale["transaction_ref"], "TOTAL TTC 1 275,00 €",
                     "Régime particulier – Biens d'occasion – TVA sur marge, art. 297 A du C.G.I."):
        assert expected in text, expected
    assert barcodes(content) == ["01-00000001"]
    # the receipt is the sealed record: a later change of the company does not rewrite it
    api.put("/api/company", {"company_name": "Nouveau Nom"})
    assert "Antiquités Lefèvre & Fils" in all_text(ok(http, api, f"/api/sales/{sale['transaction_ref']}/receipt.pdf"))


def test_a_used_goods_receipt_shows_neither_vat_nor_an_excl_vat_figure(shop: dict[str, Any], http: Any) -> None:
    """Art. 297 E CGI: from the VAT of a margin-scheme line the buyer would work out the margin."""
    api, refs = shop["api"], shop["refs"]
    sale = _sell(api, refs[:2], vat_rates={refs[0]: "reduced"})
    text = page_text(reader(ok(http, api, f"/api/sales/{sale['transaction_ref']}/receipt.pdf")).pages[0])
    # bought 10.00, sold 25.00 at 5.5 %: VAT 0.78 on a margin of 15.00 (14.22 excl. VAT);
    # bought 120.50, sold 1 250.00 at 20 %: VAT 188.25 on a margin of 1 129.50 (941.25 excl. VAT)
    for revealing in ("0,78", "14,22", "188,25", "941,25", "1 086,75", "TVA par taux", "5,5 %", "20 %"):
        assert revealing not in text, revealing
    assert not re.search(r"\bHT\b", text)
    assert "Régime particulier – Biens d'occasion – TVA sur marge, art. 297 A du C.G.I." in text
    assert "TOTAL TTC 1 275,00 €" in text and "marge" in text


def test_a_new_goods_receipt_shows_excl_vat_and_vat_per_rate(shop: dict[str, Any], http: Any) -> None:
    api = shop["api"]
    committed = commit_lot(api, family_id=shop["furniture"], supplier_id=shop["seller"], prices=["50.00", "20.00"],
                           condition="new")
    refs = [a["ref"] for a in committed["articles"]]
    sale = _sell(api, [*refs, shop["refs"][0]], prices={refs[0]: "120.00", refs[1]: "55.00"},
                 vat_rates={refs[1]: "intermediate"})
    text = page_text(reader(ok(http, api, f"/api/sales/{sale['transaction_ref']}/receipt.pdf")).pages[0])
    for expected in ("Total HT", "TVA par taux", "Base HT", "20 % 100,00 € 20,00 €", "10 % 50,00 € 5,00 €",
                     "TOTAL TTC 200,00 €",  # with the used article at 25.00
                     "Régime particulier – Biens d'occasion"):
        assert expected in text, expected
    assert "2,50" not in text and "22,50" not in text  # the used line's VAT and excl.-VAT figure stay hidden


def test_a_second_print_of_a_receipt_or_an_invoice_is_a_numbered_duplicate(
        shop: dict[str, Any], other_tenant: TenantSession, http: Any) -> None:
    api = shop["api"]
    sale = _sell(api, shop["refs"][:1])
    receipt_path = f"/api/sales/{sale['transaction_ref']}/receipt.pdf"
    invoice_path = f"/api/sales/{sale['transaction_ref']}/invoice.pdf"
    first = all_text(ok(http, api, receipt_path))
    assert "DUPLICATA" not in first
    assert fetch(http, other_tenant.api, receipt_path).status == 404  # another company counts nothing here
    second = all_text(ok(http, api, receipt_path))
    assert "DUPLICATA n° 2" in second and "TICKET DE CAISSE" in second
    assert "DUPLICATA n° 3" in all_text(ok(http, shop["tenant"].add_user("shop"), receipt_path))
    # the invoice keeps its own count
    assert "DUPLICATA" not in all_text(ok(http, api, invoice_path))
    assert "DUPLICATA n° 2" in all_text(ok(http, api, invoice_path))


def test_the_shop_prints_receipts_and_invoices(shop: dict[str, Any], http: Any) -> None:
    till = shop["tenant"].add_user("shop")
    sale = _sell(till, shop["refs"][:1])
    assert barcodes(ok(http, till, f"/api/sales/{sale['transaction_ref']}/receipt.pdf")) == [sale["receipt_number"]]
    invoice = all_text(ok(http, till, f"/api/sales/{sale['transaction_ref']}/invoice.pdf"))
    assert sale["invoice_number"] in invoice
    assert "10,00" not in invoice  # the purchase price appears nowhere


def test_an_unknown_sale_has_no_documents(shop: dict[str, Any], http: Any) -> None:
    for name in ("receipt.pdf", "invoice.pdf", "credit-note.pdf"):
        reply = fetch(http, shop["api"], f"/api/sales/V210301-NOPE23/{name}")
        assert (reply.status, reply.error["code"]) == (404, "not_found")


# ---------------------------------------------------------------- invoice, credit note


def test_invoice_notes_follow_the_vat_case(shop: dict[str, Any], http: Any) -> None:
    api, refs = shop["api"], shop["refs"]
    used = _sell(api, [refs[0]], client_id=shop["client"])
    melt = _sell(api, [refs[1]], vat_rates={refs[1]: "exempt_melt"})
    export = _sell(api, [refs[2]], vat_rates={refs[2]: "exempt_export"})
    content = ok(http, api, f"/api/sales/{used['transaction_ref']}/invoice.pdf")
    pages = reader(content).pages
    assert page_size_mm(pages[0]) == (210.0, 297.0)
    text = all_text(content)
    for expected in ("FACTURE", f"N° {used['invoice_number']}", "Date : 01/03/2021", "M. GARNIER Paul",
                     "rue Mercière", "Antiquités Lefèvre & Fils", "SIRET 12345678900017", "RCS Lyon 123 456 789",
                     "N° TVA intracommunautaire FR12123456789", "Article 1", "25,00 €", "Total TTC", "marge (1)",
                     "(1) Régime particulier – Biens d'occasion – TVA sur marge, art. 297 A du C.G.I.",
                     "Pénalités de retard : trois fois le taux d'intérêt légal."):
        assert expected in text, expected
    assert not re.search(r"\bHT\b", text)  # the margin scheme shows no excl.-VAT figure
    assert "2,50" not in text  # nor the VAT of the margin (25.00 - 10.00 at 20 %)
    assert "283-2 sexies" not in text and "262 I" not in text
    melt_text = all_text(ok(http, api, f"/api/sales/{melt['transaction_ref']}/invoice.pdf"))
    assert "TVA non applicable selon art. 283-2 sexies du C.G.I." in melt_text
    assert "297 A" not in melt_text and "1 250,00 €" in melt_text
    export_text = all_text(ok(http, api, f"/api/sales/{export['transaction_ref']}/invoice.pdf"))
    assert "TVA exonérée selon art. 262 I du C.G.I." in export_text


def test_an_invoice_for_new_goods_shows_vat_per_rate(shop: dict[str, Any], http: Any) -> None:
    api = shop["api"]
    committed = commit_lot(api, family_id=shop["furniture"], supplier_id=shop["seller"], prices=["50.00", "20.00"],
                           condition="new")
    refs = [a["ref"] for a in committed["articles"]]
    sale = _sell(api, refs, prices={refs[0]: "120.00", refs[1]: "55.00"}, vat_rates={refs[1]: "intermediate"})
    text = all_text(ok(http, api, f"/api/sales/{sale['transaction_ref']}/invoice.pdf"))
    assert "Total HT" in text and "Total TVA" in text and "175,00 €" in text
    assert "100,00 €" in text and "20,00 €" in text  # 20 %: 120.00 = 100.00 + 20.00
    assert "50,00 €" in text and "5,00 €" in text  # 10 %: 55.00 = 50.00 + 5.00
    assert "P.U. HT" in text
    assert f"{refs[0]} Article 1 1 100,00 € 120,00 € 20 % 120,00 €" in text  # unit price excl. VAT, then incl.
    assert "297 A" not in text and "Régime particulier" not in text


def test_the_family_margin_category_chooses_the_invoice_mention(shop: dict[str, Any], http: Any) -> None:
    """Art. 242 nonies A, I-12° annexe II CGI: the margin scheme's mention names the kind of goods."""
    api = shop["api"]
    assert api.get(f"/api/families/{shop['furniture']}").body["margin_category"] == "second_hand"
    created = api.post("/api/families", {"label": "Tableaux", "margin_category": "art"})
    assert created.status == 201 and created.body["margin_category"] == "art"
    paintings = created.body["id"]
    wrong = api.post("/api/families", {"label": "Divers", "margin_category": "brocante"})
    assert (wrong.status, wrong.body["error"]["code"]) == (400, "invalid_input")
    clocks = api.post("/api/families", {"label": "Pendules"}).body["id"]
    renamed = api.put(f"/api/families/{clocks}", {"label": "Pendules anciennes",
                                                   "margin_category": "collection_antique"})
    assert renamed.status == 200 and renamed.body["margin_category"] == "collection_antique"
    kept = api.put(f"/api/families/{clocks}", {"label": "Pendules et horloges"})  # not sent: unchanged
    assert kept.body["margin_category"] == "collection_antique"
    painting = commit_lot(api, family_id=paintings, supplier_id=shop["seller"], prices=["200.00"])["articles"][0]
    clock = commit_lot(api, family_id=clocks, supplier_id=shop["seller"], prices=["90.00"])["articles"][0]
    art = _sell(api, [painting["ref"]], prices={painting["ref"]: "450.00"})
    text = all_text(ok(http, api, f"/api/sales/{art['transaction_ref']}/invoice.pdf"))
    assert "(1) Régime particulier – Objets d'art – TVA sur marge, art. 297 A du C.G.I." in text
    assert "Biens d'occasion" not in text and "41,67" not in text  # 250.00 of margin: 41.67 VAT, never shown
    both = _sell(api, [clock["ref"], shop["refs"][0]], prices={clock["ref"]: "150.00"})
    text = all_text(ok(http, api, f"/api/sales/{both['transaction_ref']}/invoice.pdf"))
    assert "Régime particulier – Objets de collection et d'antiquité – TVA sur marge" in text
    assert "Régime particulier – Biens d'occasion – TVA sur marge" in text
    receipt = all_text(ok(http, api, f"/api/sales/{art['transaction_ref']}/receipt.pdf"))
    assert "Régime particulier – Objets d'art" in receipt
    # The mention is the one in force at the sale: a later change of the family changes no reprint.
    assert api.put(f"/api/families/{paintings}", {"label": "Tableaux", "margin_category": "second_hand"}).status == 200
    reprint = all_text(ok(http, api, f"/api/sales/{art['transaction_ref']}/invoice.pdf"))
    assert "DUPLICATA" in reprint and "Régime particulier – Objets d'art" in reprint
    assert "Biens d'occasion" not in reprint


def test_a_credit_note_has_its_own_number_and_names_the_original_invoice(shop: dict[str, Any], http: Any) -> None:
    api, refs = shop["api"], shop["refs"]
    sale = _sell(api, refs[:2], client_id=shop["client"])
    returned = api.post("/api/actions/customer_return", {"refs": [refs[0]], "date": "2021-03-05",
                                                          "reason": "Rayure non signalée"})
    assert returned.status == 200, returned.body
    number = returned.body["credit_note_number"]
    content = ok(http, api, f"/api/sales/{number}/credit-note.pdf")
    assert page_size_mm(reader(content).pages[0]) == (210.0, 297.0)
    text = all_text(content)
    for expected in ("AVOIR", f"N° {number}", "Date : 05/03/2021", f"Avoir sur la facture : {sale['invoice_number']}",
                     f"Transaction d'origine : {sale['transaction_ref']}", "Rayure non signalée", "Article 1",
                     "-25,00 €", "Total de l'avoir TTC", "M. GARNIER Paul",
                     f"Ticket remboursé : {sale['receipt_number']}",
                     f"Ticket de remboursement : {returned.body['receipt_number']}",
                     "Antiquités Lefèvre & Fils", "12 rue de la Poulaillerie", "69002 Lyon",
                     "Régime particulier – Biens d'occasion – TVA sur marge, art. 297 A du C.G.I."):
        assert expected in text, expected
    assert sale["receipt_number"] != returned.body["receipt_number"]
    # the refund ticket (68 mm) of the return: the ticket it refunds, the company and its address
    ticket = ok(http, api, f"/api/sales/{number}/receipt.pdf")
    (page,) = reader(ticket).pages
    assert page_size_mm(page)[0] == 68.0
    refund = page_text(page)
    for expected in ("TICKET DE REMBOURSEMENT", f"N° {returned.body['receipt_number']}",
                     f"Rembourse le ticket : {sale['receipt_number']}", f"Avoir : {number}",
                     "Antiquités Lefèvre & Fils", "12 rue de la Poulaillerie 69002 Lyon", "Article 1", "-25,00 €",
                     "Remboursement", "Rayure non signalée", "Régime particulier – Biens d'occasion"):
        assert expected in refund, expected
    assert "Article 2" not in refund and "DUPLICATA" not in refund
    assert barcodes(ticket) == [returned.body["receipt_number"]]
    assert "DUPLICATA n° 2" in all_text(ok(http, api, f"/api/sales/{number}/receipt.pdf"))
    sealed = api.get(f"/api/compliance/receipts/{returned.body['receipt_number']}")
    assert sealed.status == 200, sealed.body
    content = sealed.body["content"]
    assert content["refunds"] == [sale["receipt_number"]]
    assert (content["company"]["street_name"], content["company"]["city"]) == ("de la Poulaillerie", "Lyon")
    assert "Article 2" not in text
    assert fetch(http, api, f"/api/sales/{number}/invoice.pdf").status == 404
    assert fetch(http, api, f"/api/sales/{sale['transaction_ref']}/credit-note.pdf").status == 404


# ---------------------------------------------------------------- purchase contract


@pytest.fixture
def gold_lot(shop: dict[str, Any]) -> str:
    api = shop["api"]
    api.put("/api/lots/draft", {"supplier_id": shop["seller"], "purchase_date": "2021-02-10",
                                "payment_method": "transfer", "purchase_price": "400.00", "tmp": True})
    api.post("/api/lots/draft/lines", {"description": "Gourmette maille forçat", "family_id": shop["jewels"],
                                       "weight_g": "12.5", "fineness": 750, "purchase_price": "300.00"})
    api.post("/api/lots/draft/lines", {"description": "Alliance", "family_id": shop["jewels"],
                                       "weight_g": "3.25", "fineness": 585, "purchase_price": "100.00"})
    reply = api.post("/api/lots/draft/commit", {"mode": "purchase"})
    assert reply.status == 201, reply.body
    return str(reply.body["lot"]["ref"])


def test_the_purchase_contract_names_both_parties_the_goods_and_the_prices(
        shop: dict[str, Any], gold_lot: str, http: Any) -> None:
    content = ok(http, shop["api"], f"/api/lots/{gold_lot}/contract.pdf?legal=both&agreement=1&withdrawal=1")
    assert page_size_mm(reader(content).pages[0]) == (210.0, 297.0)
    text = all_text(content)
    for expected in (
        "BORDEREAU D'ACHAT", gold_lot, "conclu à 12 rue de la Poulaillerie, 69002 Lyon, le ",
        "Date d'achat inscrite au registre : 10/02/2021",
        "Mme DURAND Hélène Marie", "Date et lieu de naissance : 04/05/1961 à Mâcon", "3 place Bellecour",
        "Carte nationale d'identité n° 123456789012 délivrée le 01/02/2015 par Préfecture du Rhône",
        "Gourmette maille forçat", "Bijoux or", "12,5 g", "750", "585", "3,25 g", "300,00 €", "100,00 €",
        "Prix d'achat des biens", "400,00 €", "TMP 11,5 %", "46,00 €", "Prix TMP incluse", "446,00 €", "Virement",
        # default legal mentions, then the company's own
        "Antiquités Lefèvre & Fils, 12 rue de la Poulaillerie, 69002 Lyon.", "RCS Lyon 123 456 789",
        "N° individuel d'identification à la TVA : FR12123456789",
        "Médiateur de la consommation : CM2C",
        "Accord du vendeur", "Lu et approuvé", "Signature du vendeur",
        "FORMULAIRE DE RÉTRACTATION", "48 heures",
    ):
        assert expected in text, expected
    assert "Titre (‰)" in text


def _signed(api: Api, lot_ref: str) -> datetime:
    """The lot's commit, in Paris time: the day and hour the contract is signed."""
    stored = api.get(f"/api/lots/{lot_ref}").body["committed_at"]
    return datetime.fromisoformat(stored).astimezone(ZoneInfo("Europe/Paris"))


def _sizes(page: Any) -> list[tuple[float, str]]:
    """Every run of text of a page with its font size in points (text matrix included)."""
    runs: list[tuple[float, str]] = []

    def visit(text: str, cm: Any, tm: Any, font: Any, size: float) -> None:
        if text.strip():
            runs.append((abs(size * tm[3]) or size, text.strip()))

    page.extract_text(visitor_text=visit)
    return runs


def test_the_contract_states_the_hour_of_signature_and_the_48_hour_withdrawal_right(
        shop: dict[str, Any], gold_lot: str, http: Any) -> None:
    """Code de la consommation L224-97 to L224-99, R224-5 to R224-7."""
    api = shop["api"]
    signed = _signed(api, gold_lot)
    content = ok(http, api, f"/api/lots/{gold_lot}/contract.pdf?legal=default&withdrawal=1")
    pdf = reader(content)
    text = all_text(content)
    hour = signed.strftime("%d/%m/%Y à %H h %M")
    for expected in (
        f"Date et heure de la signature : {hour}", f"conclu à 12 rue de la Poulaillerie, 69002 Lyon, le {hour}",
        "RCS Lyon 123 456 789", "FR12123456789", "Mme DURAND Hélène Marie", "3 place Bellecour",
        "Gourmette maille forçat", "12,5 g", "750", "300,00 €", "TMP 11,5 %",
        # the R224-7 reminder, in the contract itself
        "Droit de rétractation du vendeur (art. L. 224-99 et R. 224-7 du code de la consommation)",
        "quarante-huit heures) à compter du jour et de l'heure de la signature du contrat",
        "expire un samedi, un dimanche ou un jour férié ou chômé, il est prorogé jusqu'au premier jour ouvrable "
        "suivant, à la même heure", "a pour effet d'annuler l'opération d'achat",
        "double du prix de vente", f"Contrat signé le {hour} : rétractation possible jusqu'au ",
    ):
        assert expected in text, expected
    # the withdrawal form of the official model, on its own detachable page, in 12 points at least
    form = pdf.pages[-1]
    form_text = page_text(form)
    assert "FORMULAIRE DE RÉTRACTATION" not in page_text(pdf.pages[0])
    for expected in ("✂", "Partie détachable", "FORMULAIRE DE RÉTRACTATION", "ACHAT DE MÉTAUX PRÉCIEUX",
                     "À l'attention de : Antiquités Lefèvre & Fils, 12 rue de la Poulaillerie, 69002 Lyon",
                     "Je/Nous (*) vous notifie/notifions (*) par la présente ma/notre (*) rétractation du contrat "
                     f"conclu le {hour}", "ayant pour objet la vente du (des) bien(s) suivant(s) : "
                     "Gourmette maille forçat — 12,5 g — 750 ‰", "Alliance — 3,25 g — 585 ‰",
                     "Nom du (des) consommateur(s)-vendeur(s)", "Adresse du (des) consommateur(s)-vendeur(s)",
                     "Signature du (des) consommateur(s)-vendeur(s)", "Date :", "(*) Rayez la mention inutile.",
                     "Conformément à l'article R. 224-7"):
        assert expected in form_text, expected
    sizes = [(size, run) for size, run in _sizes(form) if not run.startswith(("Page ", "Bordereau d'achat"))]
    assert sizes and min(size for size, _ in sizes) >= 12, sorted(sizes)[:3]
    assert any(run.startswith("Je/Nous (*) vous notifie") for _, run in sizes)


def test_contract_options_choose_the_mentions_and_the_boxes(shop: dict[str, Any], gold_lot: str, http: Any) -> None:
    api = shop["api"]
    plain = all_text(ok(http, api, f"/api/lots/{gold_lot}/contract.pdf"))
    assert "N° individuel d'identification à la TVA" in plain  # default mentions by default
    assert "Médiateur" not in plain
    assert "FORMULAIRE DE RÉTRACTATION" not in plain and "Accord du vendeur" not in plain
    own = all_text(ok(http, api, f"/api/lots/{gold_lot}/contract.pdf?legal=own&withdrawal=1"))
    assert "Médiateur de la consommation" in own and "N° individuel d'identification" not in own
    assert "FORMULAIRE DE RÉTRACTATION" in own and "Accord du vendeur" not in own
    none = all_text(ok(http, api, f"/api/lots/{gold_lot}/contract.pdf?legal=none&agreement=1"))
    assert "Mentions légales" not in none and "Médiateur" not in none
    assert "Accord du vendeur" in none
    bad = fetch(http, api, f"/api/lots/{gold_lot}/contract.pdf?legal=tout")
    assert (bad.status, bad.error["code"]) == (400, "invalid_input")
    assert fetch(http, api, "/api/lots/9999001/contract.pdf").status == 404


def test_the_shop_may_not_print_contracts_nor_back_office_documents(
        shop: dict[str, Any], gold_lot: str, http: Any) -> None:
    till = shop["tenant"].add_user("shop")
    for path in (f"/api/lots/{gold_lot}/contract.pdf", f"/api/lots/{gold_lot}/police-sheet.pdf",
                 "/api/lots/police-sheets.pdf", "/api/lots/list.pdf", "/api/articles/list.pdf",
                 "/api/articles/summary.pdf", f"/api/selection/deposit-list.pdf?refs={shop['refs'][0]}"):
        reply = fetch(http, till, path)
        assert (reply.status, reply.error["code"]) == (403, "forbidden"), path


def test_a_consigned_lot_has_no_purchase_contract(shop: dict[str, Any], http: Any) -> None:
    api = shop["api"]
    consigned = commit_lot(api, family_id=shop["furniture"], supplier_id=shop["seller"], kind="consignment",
                           prices=["80.00"])
    reply = fetch(http, api, f"/api/lots/{consigned['lot']['ref']}/contract.pdf")
    assert (reply.status, reply.error["code"]) == (409, "not_a_purchase_lot")


# ---------------------------------------------------------------- police register


def test_the_police_sheet_shows_the_lot_its_seller_and_its_corrections(
        shop: dict[str, Any], gold_lot: str, http: Any) -> None:
    api = shop["api"]
    article = f"{gold_lot}002"
    fixed = api.patch(f"/api/articles/{article}", {"description": "Alliance gravée", "reason": "Gravure oubliée"})
    assert fixed.status == 200
    content = ok(http, api, f"/api/lots/{gold_lot}/police-sheet.pdf")
    assert page_size_mm(reader(content).pages[0]) == (210.0, 297.0)
    text = all_text(content)
    for expected in (f"Livre de police — lot {gold_lot}", "Mme DURAND Hélène Marie", "Préfecture du Rhône",
                     "10/02/2021", "Virement", "400,00 €", "Gourmette maille forçat", "Alliance gravée", "750 ‰",
                     "Gravure oubliée", "de « Alliance » à « Alliance gravée »", article, "Version du registre"):
        assert expected in text, expected


def test_police_sheets_make_a_book_one_lot_per_section(shop: dict[str, Any], gold_lot: str, http: Any) -> None:
    api = shop["api"]
    content = ok(http, api, "/api/lots/police-sheets.pdf")
    pdf = reader(content)
    firsts = [n for n, page in enumerate(pdf.pages) if "Livre de police — lot" in page_text(page)]
    assert len(firsts) == 2
    text = all_text(content)
    assert text.index(f"lot {shop['lot']}") < text.index(f"lot {gold_lot}")  # register order: by purchase date
    only = all_text(ok(http, api, "/api/lots/police-sheets.pdf?purchase_from=2021-01-01"))
    assert f"lot {gold_lot}" in only and f"lot {shop['lot']}" not in only
    none = fetch(http, api, "/api/lots/police-sheets.pdf?purchase_from=2030-01-01")
    assert (none.status, none.error["code"]) == (409, "nothing_to_print")


# ---------------------------------------------------------------- lists, summary, deposit list


def test_the_deposit_list_names_the_depositary_and_the_deposit_prices(shop: dict[str, Any], http: Any) -> None:
    api, refs = shop["api"], shop["refs"]
    placed = api.post("/api/actions/deposit", {"refs": refs[:2], "client_id": shop["client"], "date": "2021-03-01",
                                               "prices": {refs[0]: "30.00"}})
    assert placed.status == 200, placed.body
    api.post("/api/selection/add", {"refs": refs[:2]})
    content = ok(http, api, "/api/selection/deposit-list.pdf")
    assert page_size_mm(reader(content).pages[0]) == (210.0, 297.0)
    text = all_text(content)
    for expected in ("Liste des articles en dépôt", "M. GARNIER Paul", refs[0], refs[1], "30,00 €", "1 250,00 €",
                     "1 280,00 €", "01/03/2021", "Le dépositaire"):
        assert expected in text, expected
    wrong = fetch(http, api, f"/api/selection/deposit-list.pdf?refs={refs[2]}")
    assert (wrong.status, wrong.error["code"]) == (409, "wrong_status")


def test_article_and_lot_lists_and_the_summary_follow_the_filters(
        shop: dict[str, Any], gold_lot: str, http: Any) -> None:
    api, refs = shop["api"], shop["refs"]
    _sell(api, [refs[0]])
    listed = all_text(ok(http, api, "/api/articles/list.pdf?status=stock"))
    assert "Liste des articles" in listed and "status = stock" in listed
    assert refs[1] in listed and refs[0] not in listed and f"{gold_lot}001" in listed
    assert "5 article(s)" not in listed and "4 article(s)" in listed
    lots_text = all_text(ok(http, api, "/api/lots/list.pdf"))
    assert gold_lot in lots_text and shop["lot"] in lots_text and "DURAND" in lots_text
    assert "560,50 €" in lots_text  # 160.50 + 400.00
    summary = all_text(ok(http, api, "/api/articles/summary.pdf"))
    for expected in ("Synthèse des articles", "Nombre d'articles", "5", "Total des achats", "560,50 €",
                     "Total des ventes", "25,00 €", "Marge totale", "15,00 €", "TVA par taux", "20 %", "2,50 €"):
        assert expected in summary, expected


# ---------------------------------------------------------------- the HTTP side


def test_pdf_routes_answer_a_client_that_accepts_pdf(shop: dict[str, Any], http: Any) -> None:
    api, path = shop["api"], f"/api/lots/{shop['lot']}/labels.pdf"
    for accept in ("application/pdf", "*/*", "text/html,application/xhtml+xml,*/*;q=0.8"):
        reply = fetch(http, api, path, accept=accept)
        assert reply.status == 200, accept
        assert reply.content.startswith(b"%PDF-")
        assert reply.headers["Content-Disposition"] == f'inline; filename="etiquettes-{shop["lot"]}.pdf"'
    for accept in (None, "application/json"):
        refused = fetch(http, api, path, accept=accept)
        assert (refused.status, refused.error["code"]) == (406, "not_acceptable")
    anonymous = http.request("GET", path, headers={"Accept": "application/pdf"}, body=b"")
    assert anonymous.status_code == 401


def test_the_local_server_sends_the_pdf_bytes(shop: dict[str, Any]) -> None:
    """infrastructure/local/server.py decodes Chalice's base64 body like API Gateway does."""
    import urllib.request
    from pathlib import Path

    from app import app
    from infrastructure.local.server import LocalServer
    from tests.support import free_port

    port = free_port()
    server = LocalServer(app, Path(__file__).resolve().parents[2] / "static-site", "127.0.0.1", port)
    server.start()
    try:
        request = urllib.request.Request(f"http://127.0.0.1:{port}/api/lots/{shop['lot']}/labels.pdf", headers={
            "Authorization": f"Bearer {shop['api'].token}", "Accept": "application/pdf"})
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.headers["Content-Type"] == "application/pdf"
            content = response.read()
    finally:
        server.stop()
    assert barcodes(content) == shop["refs"]


# ---------------------------------------------------------------- every PDF route, swept
# (the JSON sweeps of test_isolation.py and test_articles.py send no Accept: application/pdf)


def _pdf_routes() -> dict[str, list[str]]:
    from app import app

    return {path: list(methods) for path, methods in app.routes.items() if path.endswith(".pdf")}


def test_another_company_gets_nothing_from_this_one_s_documents(
        shop: dict[str, Any], gold_lot: str, other_tenant: TenantSession, http: Any) -> None:
    api, refs = shop["api"], shop["refs"]
    sale = _sell(api, [refs[0]])
    note = api.post("/api/actions/customer_return", {"refs": [refs[0]], "date": "2021-03-02", "reason": "x"})
    ids = {"ref": gold_lot, "transaction_ref": sale["transaction_ref"]}
    other = other_tenant.api
    swept = 0
    for path in _pdf_routes():
        concrete = re.sub(r"{(\w+)}", lambda m: ids[m.group(1)], path)
        if "{transaction_ref}/credit-note" in path:
            concrete = path.replace("{transaction_ref}", note.body["credit_note_number"])
        if "articles/{ref}" in path:
            concrete = path.replace("{ref}", f"{gold_lot}001")
        mine = fetch(http, api, concrete)
        theirs = fetch(http, other, concrete + (f"?refs={gold_lot}001" if "selection" in path else ""))
        if "{" in path:
            assert mine.status == 200, (concrete, mine.content[:200])
            assert theirs.status == 404, (concrete, theirs.status)
        else:
            assert theirs.status in (200, 400, 404, 409), (concrete, theirs.status)
            if theirs.status == 200:
                text = all_text(theirs.content)
                assert gold_lot not in text and "Lefèvre" not in text, concrete
        swept += 1
    assert swept == 13


def test_nothing_the_shop_prints_shows_a_purchase_price(shop: dict[str, Any], gold_lot: str, http: Any) -> None:
    till = shop["tenant"].add_user("shop")
    sale = _sell(till, [shop["refs"][0], f"{gold_lot}001"], prices={f"{gold_lot}001": "390.00"})
    ids = {"ref": shop["lot"], "transaction_ref": sale["transaction_ref"]}
    printed = 0
    for path in _pdf_routes():
        concrete = re.sub(r"{(\w+)}", lambda m: ids[m.group(1)], path)
        if "articles/{ref}" in path:
            concrete = path.replace("{ref}", shop["refs"][1])
        if path.endswith("selection/labels.pdf"):
            concrete += f"?refs={','.join(shop['refs'])}"
        reply = fetch(http, till, concrete)
        if reply.status == 200:
            text = all_text(reply.content)
            # purchase prices: 10.00, 120.50, 30.00 (lot 1) and 300.00, 100.00, 400.00, TMP (gold lot)
            for price in ("10,00 €", "120,50 €", "30,00 €", "300,00 €", "400,00 €", "446,00 €"):
                assert price not in text, (concrete, price)
            assert not re.search(r"\b[BRICOLAGEX]+,[BRICOLAGEX]{2}\b", text) and "RB" not in text.split(), concrete
            printed += 1
        else:
            assert reply.status in (403, 404), (concrete, reply.status)
    assert printed == 5  # labels (lot, article, selection), receipt, invoice
