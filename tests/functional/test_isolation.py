"""Two companies signed up side by side never see or change each other's data.

The sweep is generated from the app's route table: a new route with an id in
its path fails here until the sweep knows whose id to try.
"""

from __future__ import annotations

import re
from typing import Any

from tests.support import TenantSession

# A valid body per route family, so a refusal cannot come from validation.
VALID_BODIES = {
    "families": {"label": "Pirate", "metal_2093": False},
    "suppliers": {"last_name": "Pirate"},
    "clients": {"last_name": "Pirate"},
    "users": {"first_name": "Pirate"},
}


def _owned_ids(owner: TenantSession) -> dict[str, str]:
    return {
        "families": owner.api.post("/api/families", {"label": "Secret"}).body["id"],
        "suppliers": owner.api.post("/api/suppliers", {"last_name": "Secret"}).body["id"],
        "clients": owner.api.post("/api/clients", {"last_name": "Secret"}).body["id"],
        "users": owner.api.post("/api/users", {"email": f"secret-{owner.tenant_id[:8]}@example.fr",
                                               "profile": "collaborator",
                                               "password": "motdepasse-1"}).body["id"],
    }


def _state(owner: TenantSession) -> dict[str, Any]:
    return {
        path: owner.api.get(path).body
        for path in ("/api/company", "/api/families", "/api/suppliers", "/api/clients", "/api/users")
    }


def _routes() -> dict[str, list[str]]:
    from app import app

    return {path: sorted(methods) for path, methods in app.routes.items()}


def test_every_route_with_an_id_refuses_another_tenants_ids(
    tenant: TenantSession, other_tenant: TenantSession
) -> None:
    ids = _owned_ids(tenant)
    before = _state(tenant)
    swept = 0
    for path, methods in _routes().items():
        params = re.findall(r"{(\w+)}", path)
        if not params:
            continue
        area = path.split("/")[2]
        assert area in ids, f"the isolation sweep does not know the ids of {path}: add them"
        concrete = re.sub(r"{\w+}", ids[area], path)
        for method in methods:
            body = VALID_BODIES[area] if method in ("PUT", "PATCH", "POST") else None
            reply = other_tenant.api.call(method, concrete, body)
            assert reply.status in (403, 404), (method, concrete, reply)
            swept += 1
    assert swept >= 12
    assert _state(tenant) == before


def test_lists_and_creations_stay_within_the_tenant(
    tenant: TenantSession, other_tenant: TenantSession
) -> None:
    ids = _owned_ids(tenant)
    before = _state(tenant)
    for path, methods in _routes().items():
        if "{" in path or path in ("/api/signup", "/api/auth/login", "/api/auth/refresh"):
            continue
        area = path.split("/")[2]
        if "GET" in methods:
            reply = other_tenant.api.get(path)
            assert reply.status in (200, 403), (path, reply)
            text = str(reply.body)
            assert tenant.tenant_id not in text
            assert not any(i in text for i in ids.values()), path
        if "POST" in methods and area in VALID_BODIES and area != "users":
            assert other_tenant.api.post(path, VALID_BODIES[area]).status == 201
    other_company = other_tenant.api.put("/api/company", {"company_name": "Pirate"})
    assert other_company.status == 200
    assert _state(tenant) == before
    assert tenant.api.get("/api/company").body["company_name"] == "Antiquités Test"
