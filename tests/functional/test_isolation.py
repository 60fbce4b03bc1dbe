"""Two companies signed up side by side never see or change each other's data.

The sweep is generated from the app's route table: a new route with an id in
its path fails here until the sweep knows whose id to try.
"""

from __future__ import annotations

import re
from typing import Any

from chalicelib.domain.transfers import PUBLIC_COMPANY_FIELDS
from tests.support import PASSWORD, TenantSession, commit_lot, sign_up

# A valid body per (area, method), so a refusal cannot come from validation.
VALID_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("families", "PUT"): {"label": "Pirate", "metal_2093": False},
    ("suppliers", "PUT"): {"last_name": "Pirate"},
    ("clients", "PUT"): {"last_name": "Pirate"},
    ("users", "PATCH"): {"first_name": "Pirate"},
    ("lots", "PATCH"): {"comment": "Pirate", "purchase_price": "1.00", "reason": "Pirate"},
    ("lots", "POST"): {"comment": "Pirate"},
    ("lots", "PUT"): {"description": "Pirate"},
    ("articles", "PATCH"): {"description": "Pirate", "reason": "Pirate"},
    ("media", "POST"): {"type": "image", "filename": "pirate.png", "content_type": "image/png"},
    ("media", "PATCH"): {"title": "Pirate", "default": True},
}


def _body(area: str, method: str, ids: dict[tuple[str, str], str], path: str = "") -> dict[str, Any] | None:
    if path.endswith("/finalize"):  # a received lot, with valid families
        return {"family_id": ids[("families", "family_id")]}
    if area == "actions":  # the other tenant's article, named explicitly
        return {"refs": [ids[("articles", "ref")]], "date": "2021-01-06", "payment_method": "card"}
    return VALID_BODIES.get((area, method))


def _owned_ids(owner: TenantSession) -> dict[tuple[str, str], str]:
    family = owner.api.post("/api/families", {"label": "Secret"}).body["id"]
    supplier = owner.api.post("/api/suppliers", {"last_name": "Secret"}).body["id"]
    committed = commit_lot(owner.api, family_id=family, supplier_id=supplier, prices=["5.00", "7.00", "9.00"])
    sold = committed["articles"][2]["ref"]
    sale = owner.api.post("/api/actions/sell", {"refs": [sold], "date": "2021-01-05", "payment_method": "card",
                                                "prices": {sold: "20.00"}}).body["sale"]
    owner.api.post("/api/selection/add", {"refs": [committed["articles"][1]["ref"]]})
    return {
        ("actions", "action"): "sell",
        ("sales", "transaction_ref"): sale["transaction_ref"],
        ("families", "family_id"): family,
        ("suppliers", "party_id"): supplier,
        ("clients", "party_id"): owner.api.post("/api/clients", {"last_name": "Secret"}).body["id"],
        ("users", "user_id"): owner.api.post("/api/users", {
            "email": f"secret-{owner.tenant_id[:8]}@example.fr", "profile": "collaborator",
            "password": PASSWORD}).body["id"],
        ("lots", "ref"): committed["lot"]["ref"],
        ("articles", "ref"): committed["articles"][0]["ref"],
        ("lots", "n"): "1",
        ("compliance", "id"): "1",  # the police register's first entry: the lot above
        ("compliance", "number"): str(sale.get("receipt_number") or "1"),
        **_year_end_ids(owner),
        **_fiscal_archive_ids(owner),
        **_media_ids(owner, committed["articles"][0]["ref"]),
        **_pending_ids(owner),
        ("inspector-access", "grant_id"): owner.api.post("/api/inspector-access", {
            "inspector": "Agent Secret", "service": "police", "purpose": "Contrôle"}).body["id"],
    }


def _pending_ids(owner: TenantSession) -> dict[tuple[str, str], str]:
    """A lot the owner received from another subscriber (tests/functional/test_transfers.py)."""
    seller = sign_up(owner.api.as_(None), company="Vendeur Secret")
    family = seller.api.post("/api/families", {"label": "Divers"}).body["id"]
    source = seller.api.post("/api/suppliers", {"last_name": "Source"}).body["id"]
    ref = commit_lot(seller.api, family_id=family, supplier_id=source, prices=["3.00"])["articles"][0]["ref"]
    client = seller.api.post("/api/clients", {"company_name": "Client", "subscriber_ref": owner.subscriber_ref})
    owner.api.post("/api/suppliers", {"company_name": "Vendeur Secret", "subscriber_ref": seller.subscriber_ref})
    seller.api.post("/api/actions/sell", {"refs": [ref], "client_id": client.body["id"], "date": "2021-01-06",
                                          "payment_method": "card", "prices": {ref: "4.00"}})
    [pending] = owner.api.get("/api/lots/pending").body["items"]
    return {("lots", "pending_id"): pending["id"], ("subscribers", "subscriber_ref"): owner.subscriber_ref}


def _media_ids(owner: TenantSession, ref: str) -> dict[tuple[str, str], str]:
    """A medium of one of the owner's articles (a link: its listing holds no expiring URL)."""
    medium = owner.api.post(f"/api/media/article/{ref}", {"type": "external_video", "url": "https://x.fr/secret"})
    return {("media", "owner_kind"): "article", ("media", "owner_id"): ref, ("media", "media_id"): medium.body["id"]}


def _fiscal_archive_ids(owner: TenantSession) -> dict[tuple[str, str], str]:
    """A fiscal archive of the owner's, built (a past month without tickets is closed)."""
    import time

    job_id = owner.api.post("/api/compliance/archives", {"period": "2025-06"}).body["job_id"]
    deadline = time.monotonic() + 30
    while owner.api.get(f"/api/jobs/{job_id}").body["status"] == "running" and time.monotonic() < deadline:
        time.sleep(0.2)
    return {("compliance", "period"): "2025-06"}


def _year_end_ids(owner: TenantSession) -> dict[tuple[str, str], str]:
    backup = owner.api.post("/api/backups", {}).body
    return {("jobs", "job_id"): backup["job_id"], ("backups", "archive_id"): backup["archive_id"]}


def _state(owner: TenantSession, ids: dict[tuple[str, str], str]) -> dict[str, Any]:
    paths = ["/api/company", "/api/families", "/api/suppliers", "/api/clients", "/api/users", "/api/lots",
             f"/api/lots/{ids[('lots', 'ref')]}", "/api/lots/draft", "/api/articles", "/api/selection",
             f"/api/sales/{ids[('sales', 'transaction_ref')]}", "/api/articles/summary",
             f"/api/media/article/{ids[('media', 'owner_id')]}",
             # the legal records and an article's history: nothing sealed, journaled or traced meanwhile
             "/api/compliance/police-files", "/api/compliance/receipts", "/api/compliance/inspections",
             f"/api/articles/{ids[('articles', 'ref')]}/history", "/api/lots/pending"]
    return {path: owner.api.get(path).body for path in paths}


# Routes another tenant may read on purpose, and the only fields they answer.
PUBLIC_BY_DESIGN = {
    # a colleague's card from their subscriber reference (DOMAIN.md "Between subscribers")
    "/api/subscribers/{subscriber_ref}": {*PUBLIC_COMPANY_FIELDS, "subscriber_ref"},
}


def _routes() -> dict[str, list[str]]:
    from app import app

    # PDF routes need "Accept: application/pdf": tests/functional/test_documents.py sweeps them
    return {path: sorted(methods) for path, methods in app.routes.items() if not path.endswith(".pdf")}


def test_every_route_with_an_id_refuses_another_tenants_ids(
    tenant: TenantSession, other_tenant: TenantSession
) -> None:
    ids = _owned_ids(tenant)
    before = _state(tenant, ids)
    swept = 0
    for path, methods in _routes().items():
        params = re.findall(r"{(\w+)}", path)
        if not params:
            continue
        area = path.split("/")[2]
        concrete = path
        for param in params:
            assert (area, param) in ids, f"the isolation sweep does not know the ids of {path}: add them"
            concrete = concrete.replace("{" + param + "}", ids[(area, param)])
        for method in methods:
            body = _body(area, method, ids, path) if method in ("PUT", "PATCH", "POST") else None
            reply = other_tenant.api.call(method, concrete, body)
            if path in PUBLIC_BY_DESIGN:
                assert reply.status == 200 and set(reply.body) <= PUBLIC_BY_DESIGN[path], (method, concrete, reply)
            else:
                assert reply.status in (403, 404), (method, concrete, reply)
            swept += 1
    assert swept >= 22
    assert _state(tenant, ids) == before


def test_lists_and_creations_stay_within_the_tenant(
    tenant: TenantSession, other_tenant: TenantSession
) -> None:
    ids = _owned_ids(tenant)
    before = _state(tenant, ids)
    creations = {"families": {"label": "Pirate"}, "suppliers": {"last_name": "Pirate"},
                 "clients": {"last_name": "Pirate"}}
    for path, methods in _routes().items():
        # the OpenAPI document is the same text for everyone (its enums hold words like "sell")
        if "{" in path or path in ("/api/signup", "/api/auth/login", "/api/auth/refresh", "/api/openapi.json"):
            continue
        area = path.split("/")[2]
        if "GET" in methods:
            reply = other_tenant.api.get(path)
            assert reply.status in (200, 403), (path, reply)
            text = str(reply.body)
            assert tenant.tenant_id not in text
            # values any answer may hold ("1", "article"; "sell" in the permissions of GET /api/me)
            words = ("n", "id", "number", "owner_kind", "action")
            assert not any(i in text for key, i in ids.items() if key[1] not in words), path
        if "POST" in methods and area in creations and path == f"/api/{area}":
            assert other_tenant.api.post(path, creations[area]).status == 201
    assert other_tenant.api.put("/api/company", {"company_name": "Pirate"}).status == 200
    assert _state(tenant, ids) == before
    assert tenant.api.get("/api/company").body["company_name"] == "Antiquités Test"
