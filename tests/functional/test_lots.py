"""Purchases: the draft lot, its commit, references, corrections and retraction."""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import pytest

from tests.support import Api, TenantSession, commit_lot, sign_up


@pytest.fixture
def desk(tenant: TenantSession) -> dict[str, Any]:
    """A tenant with families and a supplier whose identity is complete."""
    api = tenant.api
    gold = api.post("/api/families", {"label": "Bijoux or", "metal_2093": True}).body["id"]
    furniture = api.post("/api/families", {"label": "Mobilier", "metal_2093": False}).body["id"]
    supplier = api.post("/api/suppliers", {
        "title": "M", "last_name": "Lefèvre", "first_names": "Jean", "street_number": "3",
        "street_name": "rue des Tanneurs", "postcode": "54000", "city": "Nancy",
        "id_document_type": "CNI", "id_document_number": "880254301234", "id_document_date": "2018-06-11",
        "id_document_authority": "Préfecture de Meurthe-et-Moselle"}).body["id"]
    return {"api": api, "tenant": tenant, "gold": gold, "furniture": furniture, "supplier": supplier}


def _journal(tenant_id: str) -> list[dict[str, Any]]:
    from chalicelib.adapters.aws import ensure_models_bound
    from chalicelib.adapters.models import JournalModel
    from chalicelib.adapters.repositories._common import unpack

    ensure_models_bound()
    # The event log and the register's consultation log (logins, reads) are chains of their own.
    return [{"kind": i.kind, "subject": i.subject, "payload": unpack(i.payload)}
            for i in JournalModel.query(tenant_id) if i.kind not in ("event", "consultation")]


def _header(desk: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"supplier_id": desk["supplier"], "purchase_date": "2020-03-14", "purchase_price": "300.00",
            "payment_method": "card", **extra}


# ---------------------------------------------------------------- the draft


def test_the_draft_is_kept_server_side_per_user(desk: dict[str, Any]) -> None:
    api, tenant = desk["api"], desk["tenant"]
    api.put("/api/lots/draft", _header(desk, comment="Succession Martin"))
    api.post("/api/lots/draft/lines", {"description": "Chaise Louis XV", "family_id": desk["furniture"],
                                       "purchase_price": "100.00", "quantity": 3})
    again = tenant.login(tenant.email)  # a new session, as after a logout
    draft = again.get("/api/lots/draft").body
    assert draft["comment"] == "Succession Martin"
    assert [line["n"] for line in draft["lines"]] == [1, 2, 3]
    assert draft["lines_total"] == "300.00"
    assert draft["difference"] == "0.00"
    colleague = tenant.add_user("collaborator")
    assert colleague.get("/api/lots/draft").body["lines"] == []


def test_lines_are_edited_and_deleted_and_the_difference_follows(desk: dict[str, Any]) -> None:
    api = desk["api"]
    api.put("/api/lots/draft", _header(desk))
    api.post("/api/lots/draft/lines", {"description": "Bague", "family_id": desk["gold"],
                                       "purchase_price": "100.00", "quantity": 2})
    edited = api.put("/api/lots/draft/lines/2", {"description": "Bague chevalière", "family_id": desk["gold"],
                                                  "purchase_price": "150.50"})
    assert edited.status == 200
    assert edited.body["lines"][1]["description"] == "Bague chevalière"
    assert edited.body["difference"] == "49.50"
    removed = api.delete("/api/lots/draft/lines/1")
    assert [line["description"] for line in removed.body["lines"]] == ["Bague chevalière"]
    assert api.delete("/api/lots/draft/lines/5").status == 404
    bad = api.post("/api/lots/draft/lines", {"description": "", "purchase_price": 12.5, "quantity": 0})
    assert bad.status == 400
    assert {"description", "purchase_price", "quantity"} <= set(bad.body["error"]["details"])
    unknown = api.post("/api/lots/draft/lines", {"description": "X", "family_id": "fam_nope"})
    assert unknown.status == 400
    assert len(api.get("/api/lots/draft").body["lines"]) == 1


def test_the_lot_price_is_spread_by_weight_to_the_cent(desk: dict[str, Any]) -> None:
    api = desk["api"]
    api.put("/api/lots/draft", _header(desk, purchase_price="100.00"))
    for grams in ("1", "1", "1"):
        api.post("/api/lots/draft/lines", {"description": "Alliance", "family_id": desk["gold"], "weight_g": grams})
    spread = api.post("/api/lots/draft/distribute-by-weight").body
    assert [line["purchase_price"] for line in spread["lines"]] == ["33.34", "33.33", "33.33"]
    assert spread["difference"] == "0.00"
    api.put("/api/lots/draft/lines/1", {"description": "Lingot", "family_id": desk["gold"], "weight_g": "7.5"})
    spread = api.post("/api/lots/draft/distribute-by-weight").body
    prices = [Decimal(line["purchase_price"]) for line in spread["lines"]]
    assert sum(prices) == Decimal("100.00")
    assert prices == [Decimal("78.95"), Decimal("10.53"), Decimal("10.52")]


def test_spreading_without_any_weight_is_refused(desk: dict[str, Any]) -> None:
    api = desk["api"]
    api.put("/api/lots/draft", _header(desk))
    api.post("/api/lots/draft/lines", {"description": "Tableau", "family_id": desk["furniture"]})
    reply = api.post("/api/lots/draft/distribute-by-weight")
    assert reply.status == 422
    assert reply.error_code == "no_weight"


def test_tmp_links_the_price_with_and_without_the_tax(desk: dict[str, Any]) -> None:
    api = desk["api"]
    with_tax = api.put("/api/lots/draft", _header(desk, tmp=True, purchase_price="100.00")).body
    assert with_tax["price_incl_tmp"] == "111.50"
    back = api.put("/api/lots/draft", {"price_incl_tmp": "223.00"}).body
    assert back["purchase_price"] == "200.00"
    assert back["price_incl_tmp"] == "223.00"
    api.post("/api/lots/draft/lines", {"description": "Pièces 20 F", "family_id": desk["gold"],
                                       "purchase_price": "200.00"})
    lot = api.post("/api/lots/draft/commit", {"mode": "purchase"}).body["lot"]
    assert (lot["tmp"], lot["price_incl_tmp"], lot["tmp_due"]) == (True, "223.00", "23.00")
    summary = api.get("/api/lots/summary").body
    assert summary["tmp_due"] == "23.00"
    assert summary["purchase_total"] == "200.00"


# ---------------------------------------------------------------- CSV injection

CSV_OK = (
    "\ufeffdescription;family;weight_g;fineness;serial;purchase_price;reserve_price;label_price;vat_rate;comment\n"
    "Bague or jaune;bijoux OR;3,250;750;;120,00;;250;normal;poinçon\n"
    "Commode Louis-Philippe;{furniture};;;;80.5;;;;\n"
    "Gourmette;Bijoux or;12.1;750;G-12;99.50;;;;\n"
)


def test_a_csv_file_is_injected_into_the_draft(desk: dict[str, Any]) -> None:
    api = desk["api"]
    body = CSV_OK.format(furniture=desk["furniture"]).encode("utf-8")
    reply = api.post("/api/lots/draft/import?separator=;&skip=1", raw=body, headers={"Content-Type": "text/csv"})
    assert reply.status == 200, reply.body
    assert reply.body["imported"] == 3
    lines = reply.body["lines"]
    assert lines[0]["family_id"] == desk["gold"]
    assert (lines[0]["weight_g"], lines[0]["fineness"], lines[0]["purchase_price"]) == ("3.25", 750, "120.00")
    assert lines[1]["family_id"] == desk["furniture"]
    assert lines[1]["vat_rate"] == "normal"
    assert lines[2]["serial"] == "G-12"
    assert reply.body["lines_total"] == "300.00"


def test_a_csv_file_with_bad_rows_imports_nothing_and_lists_them(desk: dict[str, Any]) -> None:
    api = desk["api"]
    api.post("/api/lots/draft/lines", {"description": "Déjà là", "family_id": desk["gold"]})
    body = (
        b"description;family;weight_g;fineness;serial;purchase_price;reserve_price;label_price;vat_rate;comment\n"
        b"Bague;Bijoux or;3;750;;12,00;;;;\n"
        b"Bague;Inconnue;3;750;;12,00;;;;\n"
        b"Bague;Bijoux or;trois;750;;12,00;;;;\n"
        b"Bague;Bijoux or;3;750\n"
    ) + "Bague;Bijoux or;3;750;;12,00;;;;é\n".encode("latin-1") + b";Bijoux or;1;;;1;;;super;\n"
    reply = api.post("/api/lots/draft/import?skip=1", raw=body, headers={"Content-Type": "text/csv"})
    assert reply.status == 400
    assert reply.error_code == "invalid_csv"
    by_line = {e["line"]: e["reason"] for e in reply.body["error"]["details"]["lines"]}
    assert set(by_line) == {3, 4, 5, 6, 7}
    assert "Inconnue" in by_line[3]
    assert "Poids" in by_line[4]
    assert "colonnes" in by_line[5]
    assert "UTF-8" in by_line[6]
    assert "Désignation" in by_line[7] and "TVA" in by_line[7]
    assert [line["description"] for line in api.get("/api/lots/draft").body["lines"]] == ["Déjà là"]


def test_a_999_line_file_imports_in_one_request_and_a_1000th_is_refused(desk: dict[str, Any]) -> None:
    api = desk["api"]
    rows = "".join(f"Pièce {n};Bijoux or;1,5;750;S{n};1,00;;;;\n" for n in range(999))
    reply = api.post("/api/lots/draft/import?skip=0", raw=rows.encode(), headers={"Content-Type": "text/csv"})
    assert reply.status == 200
    assert reply.body["article_count"] == 999
    one_more = api.post("/api/lots/draft/lines", {"description": "De trop", "family_id": desk["gold"]})
    assert one_more.status == 422
    assert one_more.error_code == "too_many_articles"


def test_the_csv_template_names_the_columns(desk: dict[str, Any]) -> None:
    reply = desk["api"].get("/api/lots/draft/template.csv")
    assert reply.status == 200
    assert reply.headers["Content-Type"].startswith("text/csv")
    first = reply.body.splitlines()[0]
    assert first.split(";") == ["description", "family", "weight_g", "fineness", "serial", "purchase_price",
                                "reserve_price", "label_price", "vat_rate", "comment"]


def test_csv_options_are_checked(desk: dict[str, Any]) -> None:
    reply = desk["api"].post("/api/lots/draft/import?separator=;;&skip=x", raw=b"a",
                             headers={"Content-Type": "text/csv"})
    assert reply.status == 400
    assert set(reply.body["error"]["details"]) == {"separator", "skip"}


# ---------------------------------------------------------------- commit and references


def test_references_follow_the_year_of_activity_month_and_rank(anonymous: Api) -> None:
    """DOMAIN.md's example: created 2013, 16th purchase lot of October 2017 → 0510016."""
    tenant = sign_up(anonymous, creation_year=2013)
    api = tenant.api
    family = api.post("/api/families", {"label": "Vaisselle"}).body["id"]
    supplier = api.post("/api/suppliers", {"last_name": "Durand"}).body["id"]
    for _ in range(15):
        commit_lot(api, family_id=family, supplier_id=supplier, purchase_date="2017-10-02")
    sixteenth = commit_lot(api, family_id=family, supplier_id=supplier, purchase_date="2017-10-28",
                           prices=["1.00"] * 9)
    assert sixteenth["lot"]["ref"] == "0510016"
    assert sixteenth["articles"][8]["ref"] == "0510016009"
    consigned = commit_lot(api, family_id=family, supplier_id=supplier, purchase_date="2017-10-28",
                           kind="consignment")
    assert consigned["lot"]["ref"] == "0510C001"
    assert consigned["articles"][0]["ref"] == "0510C001001"
    november = commit_lot(api, family_id=family, supplier_id=supplier, purchase_date="2017-11-01")
    assert november["lot"]["ref"] == "0511001"


def test_a_committed_purchase_lands_in_the_inventory(desk: dict[str, Any]) -> None:
    api = desk["api"]
    api.put("/api/lots/draft", _header(desk, condition="used", purchase_price="150.00"))
    api.post("/api/lots/draft/lines", {"description": "Bague saphir", "family_id": desk["gold"],
                                       "weight_g": "4.2", "fineness": 750, "serial": "BS-1", "vat_rate": "normal",
                                       "purchase_price": "100.00", "label_price": "290.00"})
    api.post("/api/lots/draft/lines", {"description": "Buffet", "family_id": desk["furniture"],
                                       "purchase_price": "50.00"})
    reply = api.post("/api/lots/draft/commit", {"mode": "purchase"})
    assert reply.status == 201
    lot, articles = reply.body["lot"], reply.body["articles"]
    assert lot["kind"] == "purchase" and lot["article_count"] == 2
    assert reply.body["warnings"] == []
    first = api.get(f"/api/articles/{articles[0]['ref']}").body
    assert first["status"] == "stock"
    assert (first["description"], first["weight_g"], first["fineness"], first["serial"]) == (
        "Bague saphir", "4.2", 750, "BS-1")
    assert (first["purchase_price"], first["label_price"], first["condition"]) == ("100.00", "290.00", "used")
    assert (first["supplier_id"], first["family_id"], first["lot_ref"]) == (desk["supplier"], desk["gold"], lot["ref"])
    assert api.get("/api/lots/draft").body["lines"] == []
    stored = api.get(f"/api/lots/{lot['ref']}").body
    assert [a["ref"] for a in stored["articles"]] == [a["ref"] for a in articles]
    journal = _journal(desk["tenant"].tenant_id)
    assert [(j["kind"], j["subject"]) for j in journal] == [("lot_committed", lot["ref"])]
    version = journal[0]["payload"]
    assert version["seller"]["id_document_number"] == "880254301234"
    assert [a["family"] for a in version["articles"]] == ["Bijoux or", "Mobilier"]
    assert version["lot"]["purchase_price"] == "150.00"


def test_a_consignment_lot_carries_reserve_prices(desk: dict[str, Any]) -> None:
    api = desk["api"]
    api.put("/api/lots/draft", {"supplier_id": desk["supplier"], "purchase_date": "2020-05-01"})
    api.post("/api/lots/draft/lines", {"description": "Vase Gallé", "family_id": desk["furniture"]})
    refused = api.post("/api/lots/draft/commit", {"mode": "consignment"})
    assert refused.status == 400
    assert refused.body["error"]["details"]["lines"] == [
        {"line": 1, "reason": "Prix de réserve manquant (lot en confié)."}]
    api.put("/api/lots/draft/lines/1", {"description": "Vase Gallé", "family_id": desk["furniture"],
                                        "reserve_price": "800.00"})
    committed = api.post("/api/lots/draft/commit", {"mode": "consignment"}).body
    assert committed["lot"]["purchase_price"] is None
    assert committed["articles"][0]["status"] == "consigned"
    assert committed["articles"][0]["reserve_price"] == "800.00"
    assert committed["articles"][0]["purchase_price"] is None


def _draft_and_inventory(api: Api) -> tuple[Any, Any]:
    return api.get("/api/lots/draft").body, api.get("/api/lots").body


@pytest.mark.parametrize(
    ("header", "lines", "status", "code"),
    [
        ({"purchase_price": "300.00"}, [("furniture", "250.00")], 422, "lot_total_mismatch"),
        ({"purchase_date": "2014-12-31"}, [("furniture", "300.00")], 422, "date_before_creation_year"),
        ({"purchase_date": "2999-01-01"}, [("furniture", "300.00")], 422, "date_in_future"),
        ({"payment_method": "cash"}, [("furniture", "100.00"), ("gold", "200.00")], 422, "cash_metal_purchase"),
        ({"supplier_id": None}, [("furniture", "300.00")], 400, "incomplete_draft"),
        ({}, [(None, "300.00")], 400, "incomplete_draft"),
    ],
)
def test_a_refused_commit_changes_neither_draft_nor_inventory(
    desk: dict[str, Any], header: dict, lines: list, status: int, code: str
) -> None:
    api = desk["api"]
    api.put("/api/lots/draft", _header(desk, **header))
    for family, price in lines:
        api.post("/api/lots/draft/lines", {"description": "Objet", "purchase_price": price,
                                           **({"family_id": desk[family]} if family else {})})
    before = _draft_and_inventory(api)
    reply = api.post("/api/lots/draft/commit", {"mode": "purchase"})
    assert reply.status == status, reply.body
    assert reply.error_code == code
    assert reply.body["error"]["message"]
    assert _draft_and_inventory(api) == before
    assert before[1]["total"] == 0


def test_the_mismatch_says_the_difference(desk: dict[str, Any]) -> None:
    api = desk["api"]
    api.put("/api/lots/draft", _header(desk, purchase_price="300.00"))
    api.post("/api/lots/draft/lines", {"description": "Objet", "family_id": desk["furniture"],
                                       "purchase_price": "250.10"})
    reply = api.post("/api/lots/draft/commit", {"mode": "purchase"})
    assert reply.body["error"]["details"]["difference"] == "49.90"
    assert "49.90" in reply.body["error"]["message"]


def test_cash_is_fine_when_no_metal_is_bought(desk: dict[str, Any]) -> None:
    committed = commit_lot(desk["api"], family_id=desk["furniture"], supplier_id=desk["supplier"],
                           payment_method="cash")
    assert committed["lot"]["payment_method"] == "cash"


def test_missing_register_identity_is_a_warning_or_a_refusal(desk: dict[str, Any]) -> None:
    api = desk["api"]
    anonymous_seller = api.post("/api/suppliers", {"last_name": "Inconnu"}).body["id"]
    warned = commit_lot(api, family_id=desk["furniture"], supplier_id=anonymous_seller)
    assert any("pièce d'identité" in w for w in warned["warnings"])
    api.put("/api/company", {"strict_police_register": True})
    api.put("/api/lots/draft", {"supplier_id": anonymous_seller, "purchase_date": "2020-03-14",
                                "purchase_price": "10.00", "payment_method": "card"})
    api.post("/api/lots/draft/lines", {"description": "Objet", "family_id": desk["furniture"],
                                       "purchase_price": "10.00"})
    refused = api.post("/api/lots/draft/commit", {"mode": "purchase"})
    assert refused.status == 422
    assert refused.error_code == "police_identity_incomplete"
    assert "id_document_number" in refused.body["error"]["details"]["missing"]


def test_metal_is_never_bought_from_an_unidentified_seller_even_when_the_register_is_not_strict(
        desk: dict[str, Any]) -> None:
    api = desk["api"]
    assert not api.get("/api/company").body.get("strict_police_register")
    seller = api.post("/api/suppliers", {"last_name": "Inconnu", "street_name": "rue Haute",
                                         "postcode": "54000", "city": "Nancy"}).body["id"]
    api.put("/api/lots/draft", _header(desk, supplier_id=seller, purchase_price="300.00"))
    api.post("/api/lots/draft/lines", {"description": "Chaîne", "family_id": desk["gold"], "purchase_price": "200.00"})
    api.post("/api/lots/draft/lines", {"description": "Table", "family_id": desk["furniture"],
                                       "purchase_price": "100.00"})
    before = _draft_and_inventory(api)

    refused = api.post("/api/lots/draft/commit", {"mode": "purchase"})
    assert refused.status == 422, refused.body
    assert refused.error_code == "metal_seller_unidentified"
    missing = refused.body["error"]["details"]["missing"]
    assert set(missing) == {"first_names", "id_document_type", "id_document_number", "id_document_date",
                            "id_document_authority"}
    assert "métaux" in refused.body["error"]["message"]
    assert "numéro de la pièce d'identité" in refused.body["error"]["message"]
    assert _draft_and_inventory(api) == before  # nothing changed, no reference taken

    api.put(f"/api/suppliers/{seller}", {
        "last_name": "Inconnu", "first_names": "Paul", "street_name": "rue Haute", "postcode": "54000",
        "city": "Nancy", "id_document_type": "CNI", "id_document_number": "110254301234",
        "id_document_date": "2019-02-01", "id_document_authority": "Préfecture de Meurthe-et-Moselle"})
    committed = api.post("/api/lots/draft/commit", {"mode": "purchase"})
    assert committed.status == 201, committed.body
    assert committed.body["lot"]["ref"] == "0603001"  # the refusal burnt no rank
    assert committed.body["warnings"] == []


def test_other_lots_from_an_unidentified_seller_follow_the_strict_setting(desk: dict[str, Any]) -> None:
    api = desk["api"]
    seller = api.post("/api/suppliers", {"last_name": "Inconnu"}).body["id"]
    warned = commit_lot(api, family_id=desk["furniture"], supplier_id=seller)
    assert warned["lot"]["ref"] == "0603001"
    assert any("pièce d'identité" in w for w in warned["warnings"])
    api.put("/api/company", {"strict_police_register": True})
    api.put("/api/lots/draft", _header(desk, supplier_id=seller, purchase_price="10.00"))
    api.post("/api/lots/draft/lines", {"description": "Bague", "family_id": desk["gold"], "purchase_price": "10.00"})
    refused = api.post("/api/lots/draft/commit", {"mode": "purchase"})
    assert (refused.status, refused.error_code) == (422, "metal_seller_unidentified")


def test_a_correction_cannot_make_a_metal_purchase_from_an_unidentified_seller(desk: dict[str, Any]) -> None:
    api = desk["api"]
    seller = api.post("/api/suppliers", {"last_name": "Inconnu"}).body["id"]
    metal = commit_lot(api, family_id=desk["gold"], supplier_id=desk["supplier"])["lot"]
    moved = api.patch(f"/api/lots/{metal['ref']}", {"supplier_id": seller, "reason": "Mauvais vendeur"})
    assert (moved.status, moved.error_code) == (422, "metal_seller_unidentified"), moved.body
    assert "id_document_number" in moved.body["error"]["details"]["missing"]
    stored = api.get(f"/api/lots/{metal['ref']}").body
    assert stored["supplier_id"] == desk["supplier"] and stored["register_version"] == 1

    furniture = commit_lot(api, family_id=desk["furniture"], supplier_id=seller)
    turned = api.patch(f"/api/articles/{furniture['articles'][0]['ref']}",
                       {"family_id": desk["gold"], "reason": "Or en fait"})
    assert (turned.status, turned.error_code) == (422, "metal_seller_unidentified"), turned.body
    assert api.get(f"/api/articles/{furniture['articles'][0]['ref']}").body["family_id"] == desk["furniture"]


def test_the_sellers_identity_is_frozen_at_commit(desk: dict[str, Any]) -> None:
    api = desk["api"]
    lot = commit_lot(api, family_id=desk["furniture"], supplier_id=desk["supplier"])["lot"]
    api.put(f"/api/suppliers/{desk['supplier']}", {"last_name": "Autre", "city": "Metz"})
    stored = api.get(f"/api/lots/{lot['ref']}").body
    assert stored["supplier"]["last_name"] == "Lefèvre"
    assert stored["supplier"]["city"] == "Nancy"


def test_lots_are_filtered_and_summed(desk: dict[str, Any]) -> None:
    api = desk["api"]
    commit_lot(api, family_id=desk["furniture"], supplier_id=desk["supplier"], purchase_date="2020-01-10",
               prices=["10.00", "20.00"])
    other = api.post("/api/suppliers", {"last_name": "Autre"}).body["id"]
    commit_lot(api, family_id=desk["furniture"], supplier_id=other, purchase_date="2020-02-10", prices=["5.00"])
    commit_lot(api, family_id=desk["furniture"], supplier_id=other, purchase_date="2020-03-10", kind="consignment",
               prices=["50.00"])
    assert api.get("/api/lots").body["total"] == 3
    assert api.get(f"/api/lots?supplier_id={other}").body["total"] == 2
    assert api.get("/api/lots?kind=consignment").body["total"] == 1
    window = api.get("/api/lots?purchase_from=2020-01-01&purchase_to=2020-01-31").body
    assert [lot["purchase_date"] for lot in window["items"]] == ["2020-01-10"]
    summary = api.get(f"/api/lots/summary?supplier_id={desk['supplier']}").body
    assert summary == {"count": 1, "article_count": 2, "purchase_total": "30.00", "price_incl_tmp_total": "0.00",
                       "tmp_due": "0.00"}


# ---------------------------------------------------------------- corrections


def test_a_correction_needs_a_reason_and_leaves_a_trace(desk: dict[str, Any]) -> None:
    api = desk["api"]
    committed = commit_lot(api, family_id=desk["furniture"], supplier_id=desk["supplier"], prices=["10.00", "20.00"])
    ref = committed["lot"]["ref"]
    missing = api.patch(f"/api/lots/{ref}", {"purchase_date": "2020-03-15"})
    assert missing.status == 400
    assert missing.error_code == "reason_required"
    corrected = api.patch(f"/api/lots/{ref}", {"purchase_date": "2020-03-15", "reason": "Erreur de saisie"})
    assert corrected.status == 200
    assert corrected.body["purchase_date"] == "2020-03-15"
    trace = corrected.body["traces"][-1]
    assert {k: trace[k] for k in ("field", "old", "new", "reason", "user")} == {
        "field": "purchase_date", "old": "2020-03-14", "new": "2020-03-15", "reason": "Erreur de saisie",
        "user": desk["tenant"].email}
    assert corrected.body["register_version"] == 2
    assert all(a["purchase_date"] == "2020-03-15" for a in corrected.body["articles"])
    assert api.get("/api/lots?has_traces=true").body["total"] == 1
    kinds = [j["kind"] for j in _journal(desk["tenant"].tenant_id)]
    assert kinds == ["lot_committed", "lot_corrected"]


def test_an_article_correction_is_traced_and_registered(desk: dict[str, Any]) -> None:
    api = desk["api"]
    committed = commit_lot(api, family_id=desk["furniture"], supplier_id=desk["supplier"], prices=["10.00"])
    ref = committed["articles"][0]["ref"]
    free = api.patch(f"/api/articles/{ref}", {"label_price": "45.00"})
    assert free.status == 200 and free.body["label_price"] == "45.00"
    assert len(_journal(desk["tenant"].tenant_id)) == 1  # the label price is not in the register
    refused = api.patch(f"/api/articles/{ref}", {"family_id": desk["gold"]})
    assert refused.error_code == "reason_required"
    corrected = api.patch(f"/api/articles/{ref}", {"family_id": desk["gold"], "weight_g": "2.5",
                                                   "reason": "Objet en or, pesé"}).body
    assert (corrected["family_id"], corrected["weight_g"]) == (desk["gold"], "2.5")
    assert [t["field"] for t in corrected["traces"]] == ["label_price", "family_id", "weight_g"]
    journal = _journal(desk["tenant"].tenant_id)
    assert journal[-1]["kind"] == "lot_corrected"
    assert journal[-1]["payload"]["articles"][0]["family"] == "Bijoux or"
    assert journal[-1]["payload"]["reason"] == "Objet en or, pesé"


def test_a_correction_cannot_break_the_cash_metal_rule(desk: dict[str, Any]) -> None:
    api = desk["api"]
    committed = commit_lot(api, family_id=desk["furniture"], supplier_id=desk["supplier"], payment_method="cash")
    reply = api.patch(f"/api/articles/{committed['articles'][0]['ref']}",
                      {"family_id": desk["gold"], "reason": "Or en fait"})
    assert reply.status == 422
    assert reply.error_code == "cash_metal_purchase"


# ---------------------------------------------------------------- retraction


def _set_status(tenant_id: str, ref: str, status: str) -> None:
    from chalicelib.adapters.aws import ensure_models_bound
    from chalicelib.adapters.models import ArticleModel

    ensure_models_bound()
    item = ArticleModel.get(tenant_id, ref)
    item.status = status
    item.save()


def test_a_retraction_zeroes_the_prices_and_burns_the_references(desk: dict[str, Any]) -> None:
    api = desk["api"]
    committed = commit_lot(api, family_id=desk["gold"], supplier_id=desk["supplier"], prices=["40.00", "60.00"])
    ref = committed["lot"]["ref"]
    assert api.post(f"/api/lots/{ref}/retract", {"comment": ""}).status == 400
    reply = api.post(f"/api/lots/{ref}/retract", {"comment": "Rétractation du vendeur sous 48 h"})
    assert reply.status == 200
    lot = reply.body
    assert (lot["status"], lot["purchase_price"]) == ("retracted", "0.00")
    assert all(a["status"] == "retracted" and a["purchase_price"] == "0.00" for a in lot["articles"])
    assert lot["traces"][0]["reason"] == "Rétractation du vendeur sous 48 h"
    assert api.post(f"/api/lots/{ref}/retract", {"comment": "encore"}).error_code == "already_retracted"
    following = commit_lot(api, family_id=desk["gold"], supplier_id=desk["supplier"])
    assert following["lot"]["ref"] == ref[:4] + f"{int(ref[4:]) + 1:03d}"
    assert _journal(desk["tenant"].tenant_id)[1]["kind"] == "lot_retracted"


def test_a_lot_with_an_article_out_of_stock_cannot_be_retracted(desk: dict[str, Any]) -> None:
    api = desk["api"]
    committed = commit_lot(api, family_id=desk["gold"], supplier_id=desk["supplier"], prices=["40.00", "60.00"])
    sold = committed["articles"][1]["ref"]
    _set_status(desk["tenant"].tenant_id, sold, "sold")
    reply = api.post(f"/api/lots/{committed['lot']['ref']}/retract", {"comment": "Double saisie"})
    assert reply.status == 409
    assert reply.error_code == "wrong_status"
    assert reply.body["error"]["details"]["refs"] == [sold]
    lot = api.get(f"/api/lots/{committed['lot']['ref']}").body
    assert lot["status"] == "committed" and lot["purchase_price"] == "100.00"


def test_a_supplier_with_committed_articles_cannot_be_deleted(desk: dict[str, Any]) -> None:
    commit_lot(desk["api"], family_id=desk["furniture"], supplier_id=desk["supplier"])
    reply = desk["api"].delete(f"/api/suppliers/{desk['supplier']}")
    assert reply.status == 409
    assert reply.error_code == "party_in_use"


# ---------------------------------------------------------------- profiles


def test_the_shop_enters_lots_but_never_sees_purchase_prices_afterwards(desk: dict[str, Any]) -> None:
    shop = desk["tenant"].add_user("shop")
    typed = shop.put("/api/lots/draft", _header(desk, purchase_price="30.00")).body
    assert typed["purchase_price"] == "30.00"  # its own draft shows what it typed
    shop.post("/api/lots/draft/lines", {"description": "Miroir", "family_id": desk["furniture"],
                                        "purchase_price": "30.00"})
    committed = shop.post("/api/lots/draft/commit", {"mode": "purchase"}).body
    ref = committed["lot"]["ref"]
    assert "purchase_price" not in committed["lot"]
    assert "purchase_price" not in committed["articles"][0]
    for body in (shop.get(f"/api/lots/{ref}").body, shop.get("/api/lots").body["items"][0]):
        assert "purchase_price" not in body and "price_incl_tmp" not in body
    assert "purchase_price" not in shop.get(f"/api/articles/{committed['articles'][0]['ref']}").body
    assert shop.get("/api/lots/summary").status == 403
    assert shop.patch(f"/api/lots/{ref}", {"comment": "x"}).status == 403
    assert shop.post(f"/api/lots/{ref}/retract", {"comment": "x"}).status == 403
    desk["api"].patch(f"/api/articles/{committed['articles'][0]['ref']}",
                      {"purchase_price": "31.00", "reason": "Erreur"})
    traces = shop.get(f"/api/articles/{committed['articles'][0]['ref']}").body["traces"]
    assert all(t["field"] != "purchase_price" for t in traces)


# ---------------------------------------------------------------- concurrency


def test_twenty_concurrent_commits_get_unique_gap_free_references(anonymous: Api) -> None:
    from chalicelib.adapters.aws import ensure_models_bound
    from chalicelib.adapters.models import TenantModel

    tenant = sign_up(anonymous)
    ensure_models_bound()
    # the seat limit is the operator's setting: this subscriber has 20 seats
    TenantModel(tenant.tenant_id).update(actions=[TenantModel.max_users.set(20)])
    family = tenant.api.post("/api/families", {"label": "Divers"}).body["id"]
    supplier = tenant.api.post("/api/suppliers", {"last_name": "Durand"}).body["id"]
    # drafts are per user: twenty users, each with a draft ready to commit
    sessions = [tenant.api] + [tenant.add_user("collaborator") for _ in range(19)]
    for api in sessions:
        api.put("/api/lots/draft", {"supplier_id": supplier, "purchase_date": "2021-06-01",
                                    "purchase_price": "3.00", "payment_method": "card"})
        api.post("/api/lots/draft/lines", {"description": "Objet", "family_id": family,
                                           "purchase_price": "1.00", "quantity": 3})
    start = threading.Barrier(len(sessions))
    replies: list[Any] = []

    def commit(api: Api) -> None:
        start.wait()
        replies.append(api.post("/api/lots/draft/commit", {"mode": "purchase"}))

    threads = [threading.Thread(target=commit, args=(api,)) for api in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.status for r in replies] == [201] * 20
    refs = sorted(r.body["lot"]["ref"] for r in replies)
    assert refs == [f"0706{n:03d}" for n in range(1, 21)]
    articles = sorted(a["ref"] for r in replies for a in r.body["articles"])
    assert len(set(articles)) == 60


def test_a_commit_finding_its_draft_claimed_waits_until_the_claim_is_done_or_stale(desk: dict[str, Any]) -> None:
    from datetime import UTC, datetime, timedelta

    from chalicelib.adapters.aws import ensure_models_bound
    from chalicelib.adapters.models import DraftModel

    api = desk["api"]
    api.put("/api/lots/draft", _header(desk, purchase_price="10.00"))
    api.post("/api/lots/draft/lines", {"description": "Chaise", "family_id": desk["furniture"],
                                       "purchase_price": "10.00"})
    ensure_models_bound()
    [item] = list(DraftModel.query(desk["tenant"].tenant_id))

    def claim(at: datetime) -> None:  # as another request's commit in progress (or a dead one) left it
        item.reserved = {"counter": "lot#purchase#2020-03", "claimed_at": at.isoformat()}
        item.save()

    claim(datetime.now(UTC))
    busy = api.post("/api/lots/draft/commit", {"mode": "purchase"})
    assert (busy.status, busy.error_code) == (409, "concurrent_change"), busy.body
    assert "en cours d'enregistrement" in busy.body["error"]["message"]
    assert api.get("/api/lots").body["total"] == 0
    claim(datetime.now(UTC) - timedelta(minutes=5))  # a process that died mid-commit
    done = api.post("/api/lots/draft/commit", {"mode": "purchase"})
    assert done.status == 201, done.body
    assert done.body["lot"]["ref"] == "0603001"


# ---------------------------------------------------------------- large lots


def _big_draft(desk: dict[str, Any], count: int) -> None:
    rows = "".join(f"Pièce {n};Bijoux or;1;750;S{n};1,00;;;;\n" for n in range(count))
    desk["api"].put("/api/lots/draft", _header(desk, purchase_price=f"{count}.00"))
    reply = desk["api"].post("/api/lots/draft/import", raw=rows.encode(), headers={"Content-Type": "text/csv"})
    assert reply.status == 200


def _articles_of(tenant_id: str, lot_ref: str) -> list[dict[str, Any]]:
    """The lot's articles as stored (``"1.00"``, ISO dates)."""
    from chalicelib.adapters.repositories.articles import lot_articles

    return [a.to_record() for a in lot_articles(tenant_id, lot_ref)]


def test_a_999_article_lot_commits_whole(desk: dict[str, Any]) -> None:
    _big_draft(desk, 999)
    reply = desk["api"].post("/api/lots/draft/commit", {"mode": "purchase"})
    assert reply.status == 201
    ref = reply.body["lot"]["ref"]
    stored = _articles_of(desk["tenant"].tenant_id, ref)
    assert [a["ref"] for a in stored] == [f"{ref}{n:03d}" for n in range(1, 1000)]
    version = _journal(desk["tenant"].tenant_id)[0]["payload"]
    assert len(version["articles"]) == 999


def test_a_commit_failing_halfway_leaves_nothing_and_the_retry_keeps_the_reference(
    desk: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.adapters import unit_of_work

    _big_draft(desk, 250)
    draft_before = desk["api"].get("/api/lots/draft").body
    real_put = unit_of_work._write_chunk
    calls = []

    def failing_second_chunk(tenant_id: str, articles: list[dict[str, Any]], *rest: Any) -> None:
        calls.append(len(articles))
        if len(calls) == 2:
            raise RuntimeError("DynamoDB unavailable")
        real_put(tenant_id, articles, *rest)

    monkeypatch.setattr(unit_of_work, "_write_chunk", failing_second_chunk)
    failed = desk["api"].post("/api/lots/draft/commit", {"mode": "purchase"})
    assert failed.status == 500
    # the second chunk failed, after the first was written (the last transaction keeps 94 articles:
    # room for the lot, journal, search document, draft, pending record and the lot's Σ bucket)
    assert calls == [100, 56]
    assert failed.error_code == "internal_error"
    assert "Traceback" not in str(failed.body)
    assert desk["api"].get("/api/lots").body["total"] == 0
    reserved_ref = "0603001"  # created 2015, bought March 2020
    assert _articles_of(desk["tenant"].tenant_id, reserved_ref) == []
    assert desk["api"].get("/api/lots/draft").body == draft_before
    assert _journal(desk["tenant"].tenant_id) == []

    monkeypatch.setattr(unit_of_work, "_write_chunk", real_put)
    retried = desk["api"].post("/api/lots/draft/commit", {"mode": "purchase"})
    assert retried.status == 201
    assert retried.body["lot"]["ref"] == reserved_ref
    assert len(_articles_of(desk["tenant"].tenant_id, reserved_ref)) == 250


def test_retracting_a_lot_larger_than_a_transaction_is_all_or_nothing(
    desk: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.adapters import unit_of_work

    _big_draft(desk, 150)
    ref = desk["api"].post("/api/lots/draft/commit", {"mode": "purchase"}).body["lot"]["ref"]
    real_change = unit_of_work._write_last

    def failing_last_step(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("throttled")

    monkeypatch.setattr(unit_of_work, "_write_last", failing_last_step)
    assert desk["api"].post(f"/api/lots/{ref}/retract", {"comment": "Double saisie"}).status == 500
    stored = _articles_of(desk["tenant"].tenant_id, ref)
    assert {a["status"] for a in stored} == {"stock"}
    assert {a["purchase_price"] for a in stored} == {"1.00"}
    monkeypatch.setattr(unit_of_work, "_write_last", real_change)
    done = desk["api"].post(f"/api/lots/{ref}/retract", {"comment": "Double saisie"}).body
    assert {a["status"] for a in done["articles"]} == {"retracted"}
    assert len(done["articles"]) == 150


def test_a_correction_cannot_empty_a_field_the_police_register_keeps(desk: dict[str, Any]) -> None:
    api = desk["api"]
    committed = commit_lot(api, family_id=desk["furniture"], supplier_id=desk["supplier"], prices=["10.00", "20.00"])
    ref = committed["lot"]["ref"]
    for field in ("purchase_date", "purchase_price", "supplier_id", "payment_method"):
        reply = api.patch(f"/api/lots/{ref}", {field: None, "reason": "Erreur"})
        assert (reply.status, reply.error_code) == (400, "invalid_input"), (field, reply.body)
        assert "ne peut pas être vidé" in reply.body["error"]["details"][field]
    lot = api.get(f"/api/lots/{ref}").body
    assert (lot["purchase_date"], lot["purchase_price"], lot["register_version"]) == ("2020-03-14", "30.00", 1)
