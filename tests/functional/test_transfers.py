"""Between subscribers: V sells or deposits to A, A receives a pending lot and
finalizes it (or deletes it); nothing crosses without the mutual references."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import Api, TenantSession, commit_lot, sign_up

# Metals are never bought from an unidentified seller (R321-3): what the register needs.
ADDRESS = {"street_name": "du Port", "postcode": "13002", "city": "Marseille"}
IDENTIFIED = {"first_names": "Jules", **ADDRESS, "id_document_type": "CNI", "id_document_number": "130254301234",
              "id_document_date": "2019-04-02", "id_document_authority": "Préfecture des Bouches-du-Rhône"}
REPRESENTED = {"last_name": "Vendeur", "first_names": "Victor", **ADDRESS}  # a company: its seat, its representative


def _pending(api: Api) -> list[dict[str, Any]]:
    reply = api.get("/api/lots/pending")
    assert reply.status == 200, reply.body
    return list(reply.body["items"])


@pytest.fixture
def dealers(anonymous: Api) -> dict[str, Any]:
    """V (seller) and A (buyer), each knowing the other by subscriber reference."""
    seller = sign_up(anonymous, company="Brocante du Vendeur", creation_year=2012)
    buyer = sign_up(anonymous, company="Or et Argent Acheteur", creation_year=2014)
    v, a = seller.api, buyer.api
    assert v.put("/api/company", {"siren": "812345678", "street_name": "du Port", "postcode": "13002",
                                  "city": "Marseille"}).status == 200
    family = v.post("/api/families", {"label": "Argenterie", "metal_2093": True}).body["id"]
    source = v.post("/api/suppliers", {"last_name": "Moreau", **IDENTIFIED}).body["id"]
    committed = commit_lot(v, family_id=family, supplier_id=source, prices=["40.00", "60.00", "15.00"],
                           payment_method="transfer")
    refs = [art["ref"] for art in committed["articles"]]
    v.patch(f"/api/articles/{refs[0]}", {"serial": "SN-77", "reason": "Numéro relevé", "fineness": 925})
    for ref, label in zip(refs, ("90.00", "120.00", "30.00"), strict=True):
        assert v.patch(f"/api/articles/{ref}", {"label_price": label}).status == 200
    client_a = v.post("/api/clients", {"company_name": "Or et Argent Acheteur",
                                       "subscriber_ref": buyer.subscriber_ref.lower()}).body["id"]
    supplier_v = a.post("/api/suppliers", {"company_name": "Brocante du Vendeur", **REPRESENTED,
                                           "subscriber_ref": seller.subscriber_ref}).body["id"]
    a_family = a.post("/api/families", {"label": "Orfèvrerie", "metal_2093": True}).body["id"]
    return {"seller": seller, "buyer": buyer, "v": v, "a": a, "refs": refs, "client_a": client_a,
            "supplier_v": supplier_v, "a_family": a_family}


def test_a_sale_to_a_subscriber_becomes_a_pending_purchase_lot_that_finalizes(dealers: dict[str, Any]) -> None:
    v, a, refs = dealers["v"], dealers["a"], dealers["refs"]
    sold = v.post("/api/actions/sell", {"refs": refs[:2], "client_id": dealers["client_a"], "date": "2021-06-10",
                                        "payment_method": "cheque", "prices": {refs[1]: "110.00"}})
    assert sold.status == 200, sold.body

    [pending] = _pending(a)
    assert pending["kind"] == "purchase"
    assert pending["from_subscriber_ref"] == dealers["seller"].subscriber_ref
    assert pending["date"] == "2021-06-10"
    assert pending["supplier_id"] == dealers["supplier_v"]
    assert pending["payment_method"] == "cheque"
    assert pending["total"] == "200.00"
    first, second = pending["articles"]
    assert (first["description"], first["serial"], first["fineness"], first["weight_g"]) == (
        "Article 1", "SN-77", 925, "1.5")
    assert (first["purchase_price"], second["purchase_price"]) == ("90.00", "110.00")
    assert first["family_id"] is None and second["family_id"] is None
    # V's articles are sold, as for any client
    assert {v.get(f"/api/articles/{r}").body["status"] for r in refs[:2]} == {"sold"}

    # without every family the commit is refused and nothing changes
    refused = a.post(f"/api/lots/pending/{pending['id']}/finalize", {"families": {"0": dealers["a_family"]},
                                                                    "payment_method": "card"})
    assert refused.status == 400 and refused.error_code == "incomplete_draft"
    assert refused.body["error"]["details"]["lines"] == [{"line": 2, "reason": "Famille manquante."}]
    assert refused.body["error"]["message"].startswith("Le lot reçu est incomplet")
    assert a.get("/api/lots").body["total"] == 0
    assert _pending(a) == [pending]

    done = a.post(f"/api/lots/pending/{pending['id']}/finalize",
                  {"families": {"0": dealers["a_family"]}, "family_id": dealers["a_family"]})
    assert done.status == 201, done.body
    lot = done.body["lot"]
    assert lot["ref"] == "0806001" and lot["kind"] == "purchase"  # A's own reference (2021 is its 8th year)
    assert lot["supplier_id"] == dealers["supplier_v"] and lot["purchase_price"] == "200.00"
    assert [x["ref"] for x in done.body["articles"]] == ["0806001001", "0806001002"]
    assert {x["status"] for x in done.body["articles"]} == {"stock"}
    assert _pending(a) == []
    # a police-register version was written for A's new lot (sealed from the journal)
    files = a.get("/api/lots/0806001/police-files").body
    assert files["items"] if isinstance(files, dict) else files
    # finalizing again finds nothing
    again = a.post(f"/api/lots/pending/{pending['id']}/finalize", {"family_id": dealers["a_family"]})
    assert again.status == 404


def test_a_received_metal_lot_is_not_finalized_while_the_seller_is_unidentified(dealers: dict[str, Any]) -> None:
    v, a, refs = dealers["v"], dealers["a"], dealers["refs"]
    assert v.post("/api/actions/sell", {"refs": refs[:1], "client_id": dealers["client_a"], "date": "2021-06-10",
                                        "payment_method": "cheque"}).status == 200
    [pending] = _pending(a)
    # A's card of V lost its representative: the register would not know who sold the metal
    assert a.put(f"/api/suppliers/{dealers['supplier_v']}", {
        "company_name": "Brocante du Vendeur", **ADDRESS, "subscriber_ref": dealers["seller"].subscriber_ref,
    }).status == 200
    refused = a.post(f"/api/lots/pending/{pending['id']}/finalize", {"family_id": dealers["a_family"]})
    assert (refused.status, refused.error_code) == (422, "metal_seller_unidentified"), refused.body
    assert set(refused.body["error"]["details"]["missing"]) == {"last_name", "first_names"}
    assert a.get("/api/lots").body["total"] == 0
    assert _pending(a) == [pending]  # the received lot is as it was

    a.put(f"/api/suppliers/{dealers['supplier_v']}", {
        "company_name": "Brocante du Vendeur", **REPRESENTED, "subscriber_ref": dealers["seller"].subscriber_ref})
    done = a.post(f"/api/lots/pending/{pending['id']}/finalize", {"family_id": dealers["a_family"]})
    assert done.status == 201, done.body
    assert done.body["lot"]["ref"] == "0806001"  # the refusal burnt no rank


def test_a_deposit_becomes_a_pending_consignment_lot(dealers: dict[str, Any]) -> None:
    v, a, refs = dealers["v"], dealers["a"], dealers["refs"]
    placed = v.post("/api/actions/deposit", {"refs": [refs[2]], "client_id": dealers["client_a"],
                                             "date": "2021-07-01", "prices": {refs[2]: "28.00"}})
    assert placed.status == 200, placed.body
    [pending] = _pending(a)
    assert pending["kind"] == "consignment" and pending["date"] == "2021-07-01"
    [article] = pending["articles"]
    assert (article["reserve_price"], article["purchase_price"]) == ("28.00", None)
    done = a.post(f"/api/lots/pending/{pending['id']}/finalize", {"families": {"0": dealers["a_family"]}})
    assert done.status == 201, done.body
    assert done.body["lot"]["ref"] == "0807C001" and done.body["lot"]["kind"] == "consignment"
    assert done.body["articles"][0]["status"] == "consigned"
    assert v.get(f"/api/articles/{refs[2]}").body["status"] == "on_deposit"


def test_a_pending_lot_can_be_deleted_and_v_is_unaffected(dealers: dict[str, Any]) -> None:
    v, a, refs = dealers["v"], dealers["a"], dealers["refs"]
    v.post("/api/actions/sell", {"refs": [refs[0]], "client_id": dealers["client_a"], "date": "2021-06-11",
                                 "payment_method": "card"})
    [pending] = _pending(a)
    assert a.delete(f"/api/lots/pending/{pending['id']}").status == 204
    assert _pending(a) == []
    assert a.delete(f"/api/lots/pending/{pending['id']}").status == 404
    assert v.get(f"/api/articles/{refs[0]}").body["status"] == "sold"


def test_nothing_is_sent_without_the_mutual_references(anonymous: Api, dealers: dict[str, Any]) -> None:
    v, a, refs = dealers["v"], dealers["a"], dealers["refs"]
    # A no longer lists V as a supplier with V's reference
    assert a.delete(f"/api/suppliers/{dealers['supplier_v']}").status == 204
    sold = v.post("/api/actions/sell", {"refs": [refs[0]], "client_id": dealers["client_a"], "date": "2021-06-12",
                                        "payment_method": "card"})
    assert sold.status == 200
    assert _pending(a) == []
    # a client without a subscriber reference sends nothing either
    plain = v.post("/api/clients", {"last_name": "Durand"}).body["id"]
    v.post("/api/actions/sell", {"refs": [refs[1]], "client_id": plain, "date": "2021-06-12",
                                 "payment_method": "card"})
    assert _pending(a) == []


def test_redelivery_does_not_duplicate(dealers: dict[str, Any]) -> None:
    from chalicelib.adapters.aws import ensure_models_bound
    from chalicelib.adapters.models import TransferModel
    from chalicelib.services import transfers

    v, a, refs = dealers["v"], dealers["a"], dealers["refs"]
    v.post("/api/actions/sell", {"refs": refs[:2], "client_id": dealers["client_a"], "date": "2021-06-13",
                                 "payment_method": "card"})
    assert len(_pending(a)) == 1
    ensure_models_bound()
    [outgoing] = list(TransferModel.query(dealers["seller"].tenant_id, TransferModel.id.startswith("out#")))
    assert outgoing.status == "delivered"
    record = {"eventName": "INSERT", "dynamodb": {"Keys": {"tenant_id": {"S": dealers["seller"].tenant_id},
                                                           "id": {"S": outgoing.id}}}}
    # the same stream record again, and again after a lost "delivered" mark
    assert transfers.deliver_stream_records([record]) == {"delivered": 0, "not_delivered": 0,
                                                              "already_done": 1, "ignored": 0}
    TransferModel(dealers["seller"].tenant_id, outgoing.id).update(actions=[TransferModel.status.set("new")])
    transfers.deliver_stream_records([record])
    assert len(_pending(a)) == 1
    # and once finalized, a redelivery does not bring it back
    [pending] = _pending(a)
    assert a.post(f"/api/lots/pending/{pending['id']}/finalize", {"family_id": dealers["a_family"]}).status == 201
    TransferModel(dealers["seller"].tenant_id, outgoing.id).update(actions=[TransferModel.status.set("new")])
    transfers.deliver_stream_records([record])
    assert _pending(a) == []


def test_a_third_tenant_sees_nothing(anonymous: Api, dealers: dict[str, Any], other_tenant: TenantSession) -> None:
    v, a, refs = dealers["v"], dealers["a"], dealers["refs"]
    v.post("/api/actions/sell", {"refs": [refs[0]], "client_id": dealers["client_a"], "date": "2021-06-14",
                                 "payment_method": "card"})
    [pending] = _pending(a)
    third = other_tenant.api
    assert _pending(third) == []
    assert third.get(f"/api/lots/pending/{pending['id']}").status == 404
    assert third.post(f"/api/lots/pending/{pending['id']}/finalize", {}).status == 404
    assert third.delete(f"/api/lots/pending/{pending['id']}").status == 404
    assert len(_pending(a)) == 1
    # V sees nothing of A's pending lots either
    assert _pending(v) == []


def test_a_subscriber_reference_fills_the_party_form_with_public_data_only(dealers: dict[str, Any]) -> None:
    a = dealers["a"]
    card = a.get(f"/api/subscribers/{dealers['seller'].subscriber_ref.lower()}")
    assert card.status == 200, card.body
    assert card.body["company_name"] == "Brocante du Vendeur"
    assert (card.body["siren"], card.body["city"], card.body["postcode"]) == ("812345678", "Marseille", "13002")
    assert card.body["subscriber_ref"] == dealers["seller"].subscriber_ref
    assert "creation_year" not in card.body and "invoicing" not in card.body and "price_code_cipher" not in card.body
    assert a.get("/api/subscribers/LB-ZZZZ-ZZZZ").status == 404


def test_the_shop_profile_cannot_see_pending_lots(dealers: dict[str, Any]) -> None:
    shop = dealers["buyer"].add_user("shop")
    assert shop.get("/api/lots/pending").status == 403
