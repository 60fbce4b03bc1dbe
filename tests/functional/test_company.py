"""Company settings."""

from __future__ import annotations

from tests.support import TenantSession, store_lot


def test_settings_are_updated_field_by_field(tenant: TenantSession) -> None:
    reply = tenant.api.put("/api/company", {
        "siren": "812345678", "siret": "81234567800017", "vat_number": "FR12812345678",
        "street_number": "12", "street_type": "PL", "street_name": "du Marché", "postcode": "54000",
        "city": "Nancy", "invoicing": {"prefix": "FA"}, "price_code_cipher": "brocanteus",
        "strict_police_register": True,
    })
    assert reply.status == 200, reply.body
    company = tenant.api.get("/api/company").body
    assert company["siren"] == "812345678"
    assert company["city"] == "Nancy"
    assert company["invoicing"] == {"auto": True, "prefix": "FA", "year_digits": 4}
    assert company["price_code_cipher"] == "BROCANTEUS"
    assert company["strict_police_register"] is True
    assert company["company_name"] == "Antiquités Test"  # untouched


def test_invalid_settings_are_refused_and_nothing_changes(tenant: TenantSession) -> None:
    before = tenant.api.get("/api/company").body
    reply = tenant.api.put("/api/company", {
        "company_name": "Nouveau nom", "siren": "12345", "invoicing": {"year_digits": 3},
        "price_code_cipher": "AABBCCDDEE", "subscriber_ref": "LB-HACK-HACK",
    })
    assert reply.status == 400
    details = reply.body["error"]["details"]
    assert {"siren", "invoicing.year_digits", "price_code_cipher", "subscriber_ref"} <= set(details)
    assert "10 lettres" in details["price_code_cipher"]
    assert tenant.api.get("/api/company").body == before


def test_the_creation_year_is_locked_once_a_lot_exists(tenant: TenantSession) -> None:
    assert tenant.api.put("/api/company", {"creation_year": 2012}).status == 200
    store_lot(tenant.tenant_id)
    reply = tenant.api.put("/api/company", {"creation_year": 2010, "city": "Metz"})
    assert reply.status == 409
    assert reply.error_code == "creation_year_locked"
    company = tenant.api.get("/api/company").body
    assert company["creation_year"] == 2012
    assert company["city"] is None
    # the same year again is not a change
    assert tenant.api.put("/api/company", {"creation_year": 2012, "city": "Metz"}).status == 200


def test_the_shop_reads_the_company_but_never_its_price_code(tenant: TenantSession) -> None:
    tenant.api.put("/api/company", {"price_code_cipher": "BROCANTEUS"})
    shop = tenant.add_user("shop")
    company = shop.get("/api/company").body
    assert company["company_name"] == "Antiquités Test"
    assert "price_code_cipher" not in company
    refused = shop.put("/api/company", {"city": "Metz"})
    assert refused.status == 403


def test_a_collaborator_edits_the_settings(tenant: TenantSession) -> None:
    collaborator = tenant.add_user("collaborator")
    assert collaborator.put("/api/company", {"city": "Épinal"}).status == 200
    assert tenant.api.get("/api/company").body["city"] == "Épinal"
