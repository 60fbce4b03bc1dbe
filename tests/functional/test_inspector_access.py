"""Inspector access (DOMAIN.md "Audit trail and the authorities", issue 18 item 5): a manager
grants a named inspector a read-only access (a link and a one-time code, a few days,
revocable); the inspector's session reaches the register, receipts, closings, events,
consultations, archives and verification, appends an inspection report (e-mailed with its
seal), writes nothing else, sees no other tenant, and every request it makes is a
consultation of the register.

Locally the bridge seals each journal write inside the write: after a call, its
consultation or event is in its chain's index.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.pdfs import all_text
from tests.support import IDENTIFIED_SELLER, Api, TenantSession, commit_lot, mails_to

GRANT = {"inspector": "Capitaine Marie Dupuis", "service": "gendarmerie",
         "purpose": "Contrôle du registre de police", "days": 3, "email": "m.dupuis@gendarmerie.interieur.gouv.fr"}

# What the inspector's session reaches (DOMAIN.md "Inspector access"); every other route of
# the app must refuse it. Routes of the list that are not built yet are simply not walked.
INSPECTOR_ROUTES = {
    "GET /api/me",
    "GET /api/compliance/police-files", "GET /api/compliance/police-files/{id}",
    "GET /api/lots/{ref}/police-files", "GET /api/lots/{ref}/police-sheet.pdf", "GET /api/lots/police-sheets.pdf",
    "GET /api/compliance/receipts", "GET /api/compliance/receipts/{number}",
    "GET /api/compliance/training-receipts",  # training mode's fictitious receipts, sealed apart
    "GET /api/compliance/closings", "GET /api/compliance/closings/{number}",
    "GET /api/compliance/events", "GET /api/compliance/consultations",
    "GET /api/compliance/archives", "GET /api/compliance/archives/{period}",
    "GET /api/compliance/verify", "GET /api/compliance/sealing",
    "GET /api/compliance/inspections", "POST /api/compliance/inspections",
}


@pytest.fixture(autouse=True)
def _fresh_limits() -> Iterator[None]:
    from chalicelib.services import inspectors

    inspectors.forget_limits()
    yield
    inspectors.forget_limits()


@pytest.fixture
def shop(tenant: TenantSession) -> dict[str, Any]:
    """A company with one lot in its register and one sale (a sealed receipt)."""
    api = tenant.api
    family = api.post("/api/families", {"label": "Mobilier", "metal_2093": False}).body["id"]
    supplier = api.post("/api/suppliers", IDENTIFIED_SELLER).body["id"]
    lot = commit_lot(api, family_id=family, supplier_id=supplier, prices=["40.00", "60.00"])
    refs = [a["ref"] for a in lot["articles"]]
    sold = api.post("/api/actions/sell", {"refs": refs[:1], "date": datetime.now(UTC).date().isoformat(),
                                          "payment_method": "card", "prices": {refs[0]: "80.00"}})
    assert sold.status == 200, sold.body
    return {"api": api, "tenant": tenant, "lot": lot["lot"]["ref"], "refs": refs, "sale": sold.body["sale"]}


def raw(api: Api, method: str, path: str, body: bytes = b"", content_type: str = "application/json"
        ) -> tuple[int, bytes]:
    """A call whose answer may be a PDF: the status and the bytes."""
    from chalice.test import Client

    from app import app

    reply = Client(app).http.request(method, path, body=body, headers={
        "Authorization": f"Bearer {api.token}", "Content-Type": content_type,
        "Accept": "application/pdf, application/json, text/csv"})
    return int(reply.status_code), bytes(reply.body or b"")


def grant(api: Api, **changes: Any) -> dict[str, Any]:
    reply = api.post("/api/inspector-access", {**GRANT, **changes}, headers={"Origin": "https://lotbook.example"})
    assert reply.status == 201, reply.body
    return dict(reply.body)


def login(anonymous: Api, code: str) -> Any:
    return anonymous.as_(None).post("/api/inspector/login", {"code": code})


def inspector_session(tenant: TenantSession, **changes: Any) -> tuple[Api, dict[str, Any]]:
    access = grant(tenant.api, **changes)
    reply = login(tenant.api, access["code"])
    assert reply.status == 200, reply.body
    return tenant.api.as_(reply.body["id_token"]), access


def chain(tenant_id: str, name: str) -> list[Any]:
    from chalicelib.adapters.repositories import sealed_records

    return sealed_records.chain_entries(tenant_id, name)


def journal_kinds(tenant_id: str) -> Counter[str]:
    """Every journal entry of the tenant by kind (events by their own kind)."""
    from chalicelib.adapters.aws import ensure_models_bound
    from chalicelib.adapters.models import JournalModel

    ensure_models_bound()
    return Counter(f"{i.kind}:{i.subject}" if i.kind == "event" else i.kind
                   for i in JournalModel.query(tenant_id, consistent_read=True))


def expire(tenant_id: str, grant_id: str) -> None:
    """The grant's days are over (its stored end moved to the past)."""
    from chalicelib.adapters.aws import ensure_models_bound
    from chalicelib.adapters.models import CounterModel
    from chalicelib.auth import forget_all_users

    ensure_models_bound()
    item = CounterModel.get(tenant_id, f"inspector#{grant_id}", consistent_read=True)
    state = dict(item.state)
    state["expires_at"] = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    item.state = state
    item.save()
    forget_all_users()


# ---------------------------------------------------------------- grants


def test_a_manager_grants_an_access_shown_once_and_listed_without_its_code(tenant: TenantSession) -> None:
    api = tenant.api
    access = grant(api)
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", access["code"])
    assert access["url"] == f"https://lotbook.example/#/inspection/acces?id={access['id']}"
    expires = datetime.fromisoformat(access["expires_at"])
    assert timedelta(days=2, hours=23) < expires - datetime.now(UTC) <= timedelta(days=3)
    reply = api.get("/api/inspector-access").body
    listed = reply["items"]
    assert [(g["id"], g["inspector"], g["service"], g["service_label"], g["state"]) for g in listed] == [
        (access["id"], GRANT["inspector"], "gendarmerie", "Gendarmerie nationale", "waiting")]
    # the services the form offers, in French, from the API (the site keeps no copy)
    assert reply["services"] == {"police": "Police nationale", "gendarmerie": "Gendarmerie nationale",
                                 "dgfip": "DGFiP (Finances publiques)",
                                 "dgccrf": "DGCCRF (Concurrence, consommation et répression des fraudes)"}
    assert "code" not in listed[0]
    # the code is kept only as a keyed hash: it appears in no stored item
    from chalicelib.adapters.aws import ensure_models_bound
    from chalicelib.adapters.models import CounterModel, RegistryModel

    ensure_models_bound()
    stored = [str(i.attribute_values) for i in CounterModel.query(tenant.tenant_id)]
    stored += [str(i.attribute_values) for i in RegistryModel.scan()]
    plain = access["code"].replace("-", "")
    assert not any(access["code"] in s or plain in s for s in stored)
    # and the grant is an event of the log
    assert any(e.subject == "inspector_access_granted" for e in chain(tenant.tenant_id, "event"))


@pytest.mark.parametrize("body", [
    {**GRANT, "days": 8}, {**GRANT, "days": 0}, {**GRANT, "service": "douane"}, {**GRANT, "inspector": ""},
    {**GRANT, "email": "pas-une-adresse"}, {k: v for k, v in GRANT.items() if k != "purpose"},
])
def test_a_grant_outside_the_rules_is_refused_in_french_and_changes_nothing(tenant: TenantSession,
                                                                           body: dict[str, Any]) -> None:
    reply = tenant.api.post("/api/inspector-access", body)
    assert reply.status == 400 and reply.error_code == "invalid_input"
    assert re.search(r"[a-zé]", reply.body["error"]["message"])
    assert tenant.api.get("/api/inspector-access").body["total"] == 0


def test_only_the_manager_grants_lists_and_revokes(tenant: TenantSession) -> None:
    access = grant(tenant.api)
    for profile in ("collaborator", "shop"):
        staff = tenant.add_user(profile)
        assert staff.post("/api/inspector-access", GRANT).status == 403
        assert staff.get("/api/inspector-access").status == 403
        assert staff.delete(f"/api/inspector-access/{access['id']}").status == 403
    # nor can a manager make a user account an inspector
    reply = tenant.api.post("/api/users", {"email": "agent@example.fr", "profile": "inspector",
                                           "password": "motdepasse-1"})
    assert reply.status == 400


# ---------------------------------------------------------------- the inspector's session


def test_the_inspector_reads_the_register_receipts_closings_and_verification(shop: dict[str, Any],
                                                                             aws_stack: Any) -> None:
    tenant: TenantSession = shop["tenant"]
    inspector, access = inspector_session(tenant)
    me = inspector.get("/api/me")
    assert me.status == 200, me.body
    assert me.body["profile"] == "inspector" and me.body["tenant_id"] == tenant.tenant_id
    # the service's French name comes with it (domain/inspector.py's one table: the site keeps no copy)
    assert me.body["inspector"] == {"id": access["id"], "name": GRANT["inspector"], "service": "gendarmerie",
                                    "service_label": "Gendarmerie nationale", "purpose": GRANT["purpose"]}
    assert "read_register" in me.body["permissions"] and "read_inventory" not in me.body["permissions"]

    files = inspector.get("/api/compliance/police-files")
    assert files.status == 200 and files.body["total"] == 1
    assert inspector.get(f"/api/compliance/police-files/{files.body['items'][0]['id']}").status == 200
    assert inspector.get(f"/api/lots/{shop['lot']}/police-files").body["total"] == 1
    status, sheet = raw(inspector, "GET", f"/api/lots/{shop['lot']}/police-sheet.pdf")
    assert status == 200
    assert shop["lot"] in all_text(sheet)
    receipts = inspector.get("/api/compliance/receipts")
    assert receipts.status == 200 and receipts.body["total"] == 1
    number = receipts.body["items"][0]["number"]
    assert inspector.get(f"/api/compliance/receipts/{number}").status == 200
    assert inspector.get("/api/compliance/closings").status == 200
    verdict = inspector.get("/api/compliance/verify")
    assert verdict.status == 200 and verdict.body["ok"] is True, verdict.body
    # the stock itself is not the register
    assert inspector.get("/api/articles").status == 403
    assert inspector.get(f"/api/lots/{shop['lot']}").status == 403
    # the manager sees the access as used
    assert tenant.api.get("/api/inspector-access").body["items"][0]["state"] == "used"


def _dummy_path(path: str) -> str:
    return re.sub(r"{action}", "sell", re.sub(r"{(?!action)\w+}", "x0000001", path))


def _snapshot(api: Api, tenant_id: str) -> dict[str, Any]:
    """What a write of any route would change (the journal without its consultations)."""
    views = {path: api.get(path).body for path in (
        "/api/company", "/api/users", "/api/families", "/api/suppliers", "/api/clients", "/api/lots",
        "/api/articles", "/api/selection", "/api/lots/draft", "/api/backups", "/api/inspector-access",
        "/api/compliance/inspections", "/api/lots/pending")}
    kinds = journal_kinds(tenant_id)
    kinds.pop("consultation", None)
    return {"views": views, "journal": kinds}


def test_the_inspector_session_is_refused_on_every_other_route_and_changes_nothing(shop: dict[str, Any]) -> None:
    from app import app

    tenant: TenantSession = shop["tenant"]
    inspector, _ = inspector_session(tenant)
    before = _snapshot(tenant.api, tenant.tenant_id)
    walked, allowed_seen = 0, set()
    for path, methods in app.routes.items():
        for method, entry in methods.items():
            if getattr(entry.view_function, "lotbook_public", False):
                continue
            route = f"{method} {path}"
            status, body = raw(inspector, method, _dummy_path(path), b"{}" if method in ("POST", "PUT", "PATCH")
                               else b"", entry.content_types[0])
            walked += 1
            if route in INSPECTOR_ROUTES:
                allowed_seen.add(route)
                assert status not in (401, 403), (route, status, body[:200])
            else:
                assert status == 403, (route, status, body[:200])
                assert json.loads(body)["error"]["code"] == "forbidden", (route, body)
    assert walked > 100
    assert {"GET /api/compliance/police-files", "GET /api/compliance/receipts", "GET /api/compliance/closings",
            "GET /api/compliance/verify", "POST /api/compliance/inspections"} <= allowed_seen
    assert _snapshot(tenant.api, tenant.tenant_id) == before


def test_the_inspector_sees_no_other_tenant(shop: dict[str, Any], other_tenant: TenantSession) -> None:
    inspector, _ = inspector_session(other_tenant)  # the other company has an empty register
    api = shop["api"]
    police_id = api.get("/api/compliance/police-files").body["items"][0]["id"]
    number = api.get("/api/compliance/receipts").body["items"][0]["number"]
    assert inspector.get("/api/compliance/police-files").body["total"] == 0
    assert inspector.get("/api/compliance/receipts").body["total"] == 0
    assert inspector.get(f"/api/compliance/police-files/{police_id}").status == 404
    assert inspector.get(f"/api/compliance/receipts/{number}").status == 404
    assert raw(inspector, "GET", f"/api/lots/{shop['lot']}/police-sheet.pdf")[0] == 404
    versions = inspector.get(f"/api/lots/{shop['lot']}/police-files")
    assert versions.status == 404 or versions.body["total"] == 0
    assert inspector.get("/api/me").body["tenant_id"] == other_tenant.tenant_id


def test_a_revoked_access_ends_the_session_and_its_refresh(tenant: TenantSession) -> None:
    access = grant(tenant.api)
    tokens = login(tenant.api, access["code"]).body
    inspector = tenant.api.as_(tokens["id_token"])
    assert inspector.get("/api/compliance/police-files").status == 200
    revoked = tenant.api.delete(f"/api/inspector-access/{access['id']}")
    assert revoked.status == 200 and revoked.body["state"] == "revoked"
    reply = inspector.get("/api/compliance/police-files")
    assert reply.status == 401 and reply.error_code == "token_revoked"
    assert "révoqué" in reply.body["error"]["message"]
    refreshed = tenant.api.as_(None).post("/api/auth/refresh", {"refresh_token": tokens["refresh_token"]})
    assert refreshed.status == 401
    assert tenant.api.get("/api/inspector-access").body["items"][0]["state"] == "revoked"
    assert any(e.subject == "inspector_access_revoked" for e in chain(tenant.tenant_id, "event"))
    assert tenant.api.delete("/api/inspector-access/inconnu").status == 404


def test_an_expired_access_is_refused_at_login_and_in_session(tenant: TenantSession) -> None:
    used, _ = inspector_session(tenant)
    grant_id = used.get("/api/me").body["inspector"]["id"]
    expire(tenant.tenant_id, grant_id)
    assert used.get("/api/compliance/police-files").status == 401
    waiting = grant(tenant.api)
    expire(tenant.tenant_id, waiting["id"])
    reply = login(tenant.api, waiting["code"])
    assert reply.status == 401 and reply.error_code == "invalid_inspector_code"


def test_the_code_opens_one_session_only(tenant: TenantSession) -> None:
    access = grant(tenant.api)
    assert login(tenant.api, access["code"]).status == 200
    again = login(tenant.api, access["code"])
    assert again.status == 401 and again.error_code == "invalid_inspector_code"
    assert "déjà utilisé" in again.body["error"]["message"]
    # typed loosely (lower case, spaces) a fresh code still works
    other = grant(tenant.api)
    assert login(tenant.api, " " + other["code"].lower().replace("-", " ")).status == 200


def test_wrong_codes_are_throttled(tenant: TenantSession) -> None:
    access = grant(tenant.api)
    for _ in range(5):
        assert login(tenant.api, "AAAA-BBBB-CCCC").status == 401
    locked = login(tenant.api, access["code"])  # even the right code waits
    assert locked.status == 429 and int(locked.headers["Retry-After"]) >= 1
    from chalicelib.services import inspectors

    inspectors.forget_limits()
    assert login(tenant.api, access["code"]).status == 200


def test_each_inspector_request_leaves_exactly_one_consultation(shop: dict[str, Any]) -> None:
    tenant: TenantSession = shop["tenant"]
    before = len(chain(tenant.tenant_id, "consultation"))
    inspector, access = inspector_session(tenant)
    logged = chain(tenant.tenant_id, "consultation")[before:]
    assert [e.subject for e in logged] == ["inspector_login"]  # the access itself
    paths = ["/api/compliance/police-files", f"/api/lots/{shop['lot']}/police-sheet.pdf",
             "/api/compliance/receipts?page=1", "/api/articles"]  # the last one refused, logged all the same
    for path in paths:
        count = len(chain(tenant.tenant_id, "consultation"))
        raw(inspector, "GET", path)
        added = chain(tenant.tenant_id, "consultation")[count:]
        assert [e.subject for e in added] == [f"GET {path}"], path
    from chalicelib.adapters.repositories import journal

    content = journal.decode_payload(journal.get_journal(tenant.tenant_id, added[0].seq).payload)
    assert content["inspector"] == {"id": access["id"], "name": GRANT["inspector"], "service": "gendarmerie"}
    assert content["purpose"] == GRANT["purpose"]
    assert any(e.subject == "inspector_login" for e in chain(tenant.tenant_id, "event"))


def test_the_inspection_report_is_signed_by_the_grant_and_emailed_with_its_seal(tenant: TenantSession,
                                                                                anonymous: Api) -> None:
    inspector, access = inspector_session(tenant)
    text = "Registre tenu à jour. Aucune anomalie constatée — contrôle du 7 décembre."
    reply = inspector.post("/api/compliance/inspections", {"text": text, "inspector": "Quelqu'un d'autre"})
    assert reply.status == 201, reply.body
    report = reply.body
    assert (report["inspector"], report["email"]) == (GRANT["inspector"], GRANT["email"])
    assert report["service"].startswith("Gendarmerie")
    assert report["md5"] == hashlib.md5(text.encode()).hexdigest()  # noqa: S324 - the seal DOMAIN.md names
    assert report["sha256"] == hashlib.sha256(text.encode()).hexdigest()
    assert report["emailed"] is True
    (mail,) = mails_to(anonymous.mailbox, GRANT["email"])  # type: ignore[arg-type]
    assert text in mail and f"MD5 : {report['md5']}" in mail and f"SHA-256 : {report['sha256']}" in mail
    assert tenant.api.get("/api/compliance/inspections").body["items"][0]["id"] == report["id"]
    sent = [e for e in chain(tenant.tenant_id, "event") if e.subject == "email_sent"]
    assert sent, "the e-mail is an event of the log"
    # without a grant the staff still types who wrote it
    assert tenant.api.post("/api/compliance/inspections", {"text": "x"}).status == 400
