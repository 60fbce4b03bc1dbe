"""Families, suppliers and clients."""

from __future__ import annotations

import pytest

from tests.support import TenantSession, store_article

FULL_SUPPLIER = {
    "title": "M", "last_name": "Lefèvre", "birth_name": "Lefèvre", "first_names": "Jean Pierre",
    "street_number": "25", "street_index": "B", "street_type": "R", "street_name": "des Tanneurs",
    "address_complement": "Bât. B", "postcode": "54000", "city": "Nancy", "country": "France",
    "birth_date": "1961-04-02", "birth_city": "Metz", "birth_department": "57", "birth_insee": "57463",
    "id_document_type": "Carte nationale d'identité", "id_document_number": "880254301234",
    "id_document_date": "2018-06-11", "id_document_authority": "Préfecture de Meurthe-et-Moselle",
    "phone": "0611223344", "email": "jp.lefevre@example.fr", "comment": "Vend la collection de son père",
}


def test_families_are_created_listed_renamed_and_deleted(tenant: TenantSession) -> None:
    created = tenant.api.post("/api/families", {"label": "Bijoux or", "metal_2093": True})
    assert created.status == 201
    family_id = created.body["id"]
    tenant.api.post("/api/families", {"label": "Argenterie", "metal_2093": True})
    tenant.api.post("/api/families", {"label": "Mobilier"})
    listed = tenant.api.get("/api/families").body
    assert [f["label"] for f in listed["items"]] == ["Argenterie", "Bijoux or", "Mobilier"]
    assert tenant.api.get("/api/families?q=BIJOU").body["total"] == 1

    renamed = tenant.api.put(f"/api/families/{family_id}", {"label": "Bijoux en or", "metal_2093": True})
    assert renamed.body == {"id": family_id, "label": "Bijoux en or", "metal_2093": True,
                            "margin_category": "second_hand"}
    assert tenant.api.delete(f"/api/families/{family_id}").status == 204
    assert tenant.api.get(f"/api/families/{family_id}").status == 404


def test_a_family_holding_articles_cannot_be_deleted(tenant: TenantSession) -> None:
    family_id = tenant.api.post("/api/families", {"label": "Montres"}).body["id"]
    store_article(tenant.tenant_id, family_id=family_id)
    reply = tenant.api.delete(f"/api/families/{family_id}")
    assert reply.status == 409
    assert reply.error_code == "family_in_use"
    assert tenant.api.get(f"/api/families/{family_id}").status == 200


def test_the_shop_reads_families_but_does_not_edit_them(tenant: TenantSession) -> None:
    family_id = tenant.api.post("/api/families", {"label": "Montres"}).body["id"]
    shop = tenant.add_user("shop")
    assert shop.get("/api/families").body["total"] == 1
    assert shop.post("/api/families", {"label": "Autre"}).status == 403
    assert shop.put(f"/api/families/{family_id}", {"label": "Autre"}).status == 403
    assert shop.delete(f"/api/families/{family_id}").status == 403


def test_a_supplier_keeps_every_identity_field_of_the_register(tenant: TenantSession) -> None:
    created = tenant.api.post("/api/suppliers", FULL_SUPPLIER)
    assert created.status == 201
    fetched = tenant.api.get(f"/api/suppliers/{created.body['id']}").body
    for name, value in FULL_SUPPLIER.items():
        assert fetched[name] == value, name
    assert fetched["police_register_missing"] == {}
    assert fetched["display_name"] == "Lefèvre Jean Pierre"


def test_a_supplier_missing_register_data_says_what_is_missing(tenant: TenantSession) -> None:
    created = tenant.api.post("/api/suppliers", {"last_name": "Sans Papiers"}).body
    missing = created["police_register_missing"]
    assert {"first_names", "id_document_number", "id_document_authority", "postcode"} <= set(missing)
    company = tenant.api.post("/api/suppliers", {"company_name": "Débarras Express"}).body
    assert "company_name" not in company["police_register_missing"]
    assert "last_name" in company["police_register_missing"]  # its representative


@pytest.mark.parametrize(
    ("field", "value"),
    [("title", "Dr"), ("birth_date", "02/04/1961"), ("siret", "123"), ("street_index", "X"),
     ("birth_department", "ABC"), ("email", "pas-un-email"), ("id_document_date", "2999-01-01"),
     ("nickname", "Jeannot")],
)
def test_bad_party_fields_are_refused_and_nothing_is_stored(
    tenant: TenantSession, field: str, value: str
) -> None:
    reply = tenant.api.post("/api/suppliers", {"last_name": "Durand", field: value})
    assert reply.status == 400
    assert field in reply.body["error"]["details"]
    assert reply.body["error"]["message"]
    assert tenant.api.get("/api/suppliers").body["total"] == 0


def test_put_replaces_the_party_and_search_ignores_accents_and_case(tenant: TenantSession) -> None:
    supplier_id = tenant.api.post("/api/suppliers", FULL_SUPPLIER).body["id"]
    tenant.api.post("/api/suppliers", {"last_name": "Martin", "city": "Metz"})
    assert tenant.api.get("/api/suppliers?q=lefevre").body["total"] == 1
    assert tenant.api.get("/api/suppliers?q=NANCY jean").body["total"] == 1
    replaced = tenant.api.put(f"/api/suppliers/{supplier_id}", {"last_name": "Lefèvre", "city": "Toul"})
    assert replaced.status == 200
    assert replaced.body["city"] == "Toul"
    assert replaced.body["id_document_number"] is None


def test_suppliers_and_clients_are_separate_lists(tenant: TenantSession) -> None:
    supplier_id = tenant.api.post("/api/suppliers", {"last_name": "Vendeur"}).body["id"]
    client_id = tenant.api.post("/api/clients", {"last_name": "Acheteuse", "title": "MME"}).body["id"]
    assert [c["id"] for c in tenant.api.get("/api/clients").body["items"]] == [client_id]
    assert tenant.api.get(f"/api/clients/{supplier_id}").status == 404
    assert tenant.api.delete(f"/api/clients/{supplier_id}").status == 404
    assert tenant.api.get(f"/api/suppliers/{supplier_id}").status == 200


@pytest.mark.parametrize("kind", ["suppliers", "clients"])
def test_a_party_linked_to_an_article_cannot_be_deleted(tenant: TenantSession, kind: str) -> None:
    party_id = tenant.api.post(f"/api/{kind}", {"last_name": "Lié"}).body["id"]
    free_id = tenant.api.post(f"/api/{kind}", {"last_name": "Libre"}).body["id"]
    link = {"supplier_id": party_id} if kind == "suppliers" else {"client_id": party_id}
    store_article(tenant.tenant_id, **link)

    reply = tenant.api.delete(f"/api/{kind}/{party_id}")
    assert reply.status == 409
    assert reply.error_code == "party_in_use"
    assert "articles" in reply.body["error"]["message"]
    assert tenant.api.get(f"/api/{kind}/{party_id}").status == 200
    assert tenant.api.delete(f"/api/{kind}/{free_id}").status == 204


def test_the_shop_creates_parties_at_the_desk_but_does_not_delete_them(tenant: TenantSession) -> None:
    shop = tenant.add_user("shop")
    created = shop.post("/api/clients", {"last_name": "Passant"})
    assert created.status == 201
    assert shop.delete(f"/api/clients/{created.body['id']}").status == 403


def test_lists_are_paginated(tenant: TenantSession) -> None:
    for n in range(7):
        tenant.api.post("/api/clients", {"last_name": f"Client {n}"})
    page = tenant.api.get("/api/clients?page=2&page_size=3").body
    assert page["total"] == 7
    assert page["page"] == 2
    assert [c["last_name"] for c in page["items"]] == ["Client 3", "Client 4", "Client 5"]
    bad = tenant.api.get("/api/clients?page_size=501")
    assert bad.status == 400
    assert "page_size" in bad.body["error"]["details"]
