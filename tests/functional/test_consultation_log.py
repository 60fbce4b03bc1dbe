"""The police register's consultation log (arrêté of 15 May 2020, art. 3; DOMAIN.md "Audit
trail and the authorities"): every read of the register — sealed files, sheets, lists,
exports, the lot page, backups and the 2093 file — leaves exactly one record, sealed in the
tenant's ``consultation`` chain, with who, when, what and why; the manager lists them.

Locally the bridge seals each journal write inside the write, so after a call its
consultation is already in the chain's index and in the vault.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import boto3
import botocore.client
import pytest

from tests.functional.test_fiscal_archives import month_of_business  # noqa: F401 - a fixture
from tests.functional.test_year_end import COMPANY, SELLER, wait_job
from tests.support import Api, TenantSession, commit_lot

ROUTINE = "Gestion courante"


@pytest.fixture(scope="module")
def http(aws_stack: Any) -> Any:
    from chalice.test import Client

    from app import app

    return Client(app).http


@pytest.fixture
def shop(tenant: TenantSession) -> dict[str, Any]:
    """A company whose register holds one metal lot of an identified seller."""
    api = tenant.api
    assert api.put("/api/company", COMPANY).status == 200
    gold = api.post("/api/families", {"label": "Or", "metal_2093": True}).body["id"]
    seller = api.post("/api/suppliers", SELLER).body["id"]
    lot = commit_lot(api, family_id=gold, supplier_id=seller, prices=["100.20"], purchase_date="2025-03-14")
    return {"api": api, "tenant": tenant, "ref": lot["lot"]["ref"], "email": tenant.email}


def read(http: Any, api: Api, path: str) -> int:
    """GET ``path`` as the site does (PDFs asked for as PDFs); the status."""
    reply = http.request("GET", path, headers={"Authorization": f"Bearer {api.token}",
                                                "Accept": "application/pdf, application/json"}, body=b"")
    return int(reply.status_code)


def entries(tenant_id: str) -> list[Any]:
    from chalicelib.adapters.repositories import sealed_records

    return sealed_records.chain_entries(tenant_id, "consultation")


def sealed_content(aws_stack: Any, entry: Any) -> dict[str, Any]:
    s3 = boto3.client("s3", endpoint_url=aws_stack.endpoint, region_name=aws_stack.region)
    body = s3.get_object(Bucket=entry.bucket, Key=entry.key, VersionId=entry.version_id)["Body"].read()
    return dict(json.loads(body))


@contextmanager
def one_more(tenant_id: str) -> Iterator[list[Any]]:
    """The consultations the block leaves (asserted to be exactly one by the caller)."""
    before = len(entries(tenant_id))
    added: list[Any] = []
    yield added
    added.extend(entries(tenant_id)[before:])


# ---------------------------------------------------------------- every read path


def test_each_read_of_the_register_leaves_exactly_one_sealed_consultation_naming_it(
        shop: dict[str, Any], http: Any, aws_stack: Any) -> None:
    api, ref, tenant_id = shop["api"], shop["ref"], shop["tenant"].tenant_id
    police_id = api.get("/api/compliance/police-files").body["items"][0]["id"]
    reads = {
        "/api/compliance/police-files": "police_files",
        "/api/compliance/police-files?date_from=2026-11-01&date_to=2026-11-30":
            "police_files?date_from=2026-11-01&date_to=2026-11-30",
        f"/api/compliance/police-files/{police_id}": f"police_file:{police_id}",
        f"/api/lots/{ref}/police-files": f"lot_police_files:{ref}",
        f"/api/lots/{ref}/police-sheet.pdf": f"police_sheet:{ref}",
        "/api/lots/police-sheets.pdf?purchase_from=2025-01-01": "police_sheets?purchase_from=2025-01-01",
        "/api/lots/list.pdf": "lots_list_pdf",
        "/api/lots/export.csv": "lots_csv",
        "/api/lots?page=1": "lots?page=1",
        f"/api/lots/{ref}": f"lot:{ref}",
    }
    for path, what in reads.items():
        with one_more(tenant_id) as added:
            assert read(http, api, path) == 200, path
        assert [e.summary["what"] for e in added] == [what], path
        (entry,) = added
        assert entry.kind == "consultation" and entry.chain == "consultation"
        assert (entry.summary["who"], entry.summary["purpose"], entry.summary["inspector"]) == (
            shop["email"], ROUTINE, None), path

    # sealed and chained in the vault like any legal record, the content saying who/when/what/why
    chain = entries(tenant_id)
    assert [e.rank for e in chain] == list(range(1, len(chain) + 1))
    assert all(b.prev_sha256 == a.sha256 for a, b in zip(chain, chain[1:], strict=False))
    last = sealed_content(aws_stack, chain[-1])
    assert (last["chain"], last["rank"]) == ("consultation", len(chain))
    content = last["content"]
    assert {k: content[k] for k in ("record", "who", "what", "purpose", "inspector")} == {
        "record": "consultation", "who": shop["email"], "what": f"lot:{ref}", "purpose": ROUTINE,
        "inspector": None}
    assert abs(datetime.fromisoformat(content["at"]) - datetime.now(UTC)) < timedelta(minutes=1)
    verification = api.get("/api/compliance/verify").body
    assert verification["ok"] is True, verification
    assert "consultation" in {c["chain"] for c in verification["chains"]}


def test_a_backup_and_the_2093_file_handed_out_are_consultations_a_running_job_is_not(
        shop: dict[str, Any]) -> None:
    api, tenant_id = shop["api"], shop["tenant"].tenant_id
    with one_more(tenant_id) as added:
        job = wait_job(api, api.post("/api/backups", {}))  # polls until done: one view with the links
    archive_id = job["result"]["archive_id"]
    assert [e.summary["what"] for e in added] == [f"backup:{archive_id}"]
    with one_more(tenant_id) as added:
        assert api.get(f"/api/backups/{archive_id}").body["url"]
    assert [e.summary["what"] for e in added] == [f"backup:{archive_id}"]
    with one_more(tenant_id) as added:
        job = wait_job(api, api.post("/api/declarations/2093", {"year": 2025}))
    assert job["status"] == "succeeded", job
    assert [e.summary["what"] for e in added] == ["dmet_2093:2025"]
    with one_more(tenant_id) as added:
        assert api.get("/api/backups").status == 200  # the list hands out no link
        assert api.get("/api/declarations/2093/precheck?year=2025").status == 200
    assert added == []


# ---------------------------------------------------------------- the purpose


def test_the_purpose_typed_is_logged_and_a_bad_one_is_refused_before_anything_is_read(
        shop: dict[str, Any], http: Any) -> None:
    api, ref, tenant_id = shop["api"], shop["ref"], shop["tenant"].tenant_id
    purpose = "Réquisition OPJ n° 2026/118 — commissariat de Nancy"
    with one_more(tenant_id) as added:
        assert read(http, api, f"/api/lots/{ref}/police-sheet.pdf?purpose={urllib.parse.quote(purpose)}") == 200
    assert [(e.summary["what"], e.summary["purpose"]) for e in added] == [(f"police_sheet:{ref}", purpose)]

    with one_more(tenant_id) as added:
        too_long = api.get(f"/api/compliance/police-files?purpose={'x' * 201}")
        two_lines = api.get(f"/api/lots/{ref}?purpose=a%0Ab")
    assert added == []
    assert (too_long.status, too_long.error_code) == (400, "invalid_input")
    assert too_long.body["error"]["details"] == {"purpose": "200 caractères au plus."}
    assert two_lines.status == 400 and "purpose" in two_lines.body["error"]["details"]

    blank = api.get(f"/api/lots/{ref}?purpose=%20%20")
    assert blank.status == 200
    assert entries(tenant_id)[-1].summary["purpose"] == ROUTINE


def test_an_inspector_session_logs_the_purpose_of_its_grant_and_its_name(shop: dict[str, Any]) -> None:
    from chalicelib.auth import Principal
    from chalicelib.domain.profiles import Profile
    from chalicelib.services import audit

    inspector = {"id": "grant-1", "name": "Lt Marchal", "service": "Gendarmerie de Toul",
                 "purpose": "Contrôle du registre, PV 2026-12"}
    who = Principal(shop["tenant"].tenant_id, "insp-1", "inspecteur@gendarmerie.fr", Profile.MANAGER,
                    inspector=inspector)
    # a service's own call for an inspector's request records nothing: its guard logged it
    assert audit.consulted(who, "police_files", "ignored: the grant says why") == ""
    assert not [i for i in shop["api"].get("/api/compliance/consultations").body["items"]
                if i["what"] == "police_files"]
    audit.consulted(who, "police_files", "ignored: the grant says why", access="register_read")  # the guard's
    (item,) = [i for i in shop["api"].get("/api/compliance/consultations").body["items"] if i["what"] == "police_files"]
    assert (item["who"], item["purpose"], item["inspector"]) == (
        "inspecteur@gendarmerie.fr", "Contrôle du registre, PV 2026-12",
        {"name": "Lt Marchal", "service": "Gendarmerie de Toul", "service_label": "Gendarmerie de Toul"})


# ---------------------------------------------------------------- refused reads


def test_a_refused_or_missing_read_read_nothing_and_leaves_no_consultation_but_the_shop_lot_page_does(
        shop: dict[str, Any], http: Any) -> None:
    api, ref, tenant = shop["api"], shop["ref"], shop["tenant"]
    till = tenant.add_user("shop")
    with one_more(tenant.tenant_id) as added:
        assert read(http, till, f"/api/lots/{ref}/police-sheet.pdf") == 403
        assert read(http, till, "/api/compliance/police-files") == 403
        assert read(http, till, "/api/lots/export.csv") == 403
        assert read(http, api, "/api/lots/9999999/police-sheet.pdf") == 404
        assert read(http, api, "/api/lots/9999999") == 404
        refused = http.request("GET", f"/api/lots/{ref}/police-sheet.pdf",
                               headers={"Authorization": f"Bearer {api.token}", "Accept": "text/html"}, body=b"")
        assert refused.status_code == 406
    assert added == []
    # the till's lot page shows the seller as registered: a read of the register
    with one_more(tenant.tenant_id) as added:
        page = till.get(f"/api/lots/{ref}")
    assert page.status == 200 and page.body["supplier"]
    assert [(e.summary["what"], e.summary["who"]) for e in added] == [(f"lot:{ref}", till_email(till))]


def till_email(api: Api) -> str:
    return str(api.get("/api/me").body["email"])


# ---------------------------------------------------------------- the list


def test_the_manager_lists_the_log_newest_first_filtered_by_day_and_nobody_else_may(
        shop: dict[str, Any], http: Any) -> None:
    api, ref, tenant = shop["api"], shop["ref"], shop["tenant"]
    assert read(http, api, f"/api/lots/{ref}/police-sheet.pdf?purpose=Inventaire") == 200
    assert read(http, api, f"/api/lots/{ref}") == 200
    listed = api.get("/api/compliance/consultations")
    assert listed.status == 200
    first, second = listed.body["items"][:2]
    assert (first["what"], first["purpose"]) == (f"lot:{ref}", ROUTINE)
    assert (second["what"], second["purpose"]) == (f"police_sheet:{ref}", "Inventaire")
    assert first["who"] == shop["email"] and first["inspector"] is None
    assert first["rank"] == second["rank"] + 1 and len(first["sha256"]) == 64
    assert first["storage"]["retention_mode"] == "COMPLIANCE"
    assert listed.body["total"] == len(entries(tenant.tenant_id))
    # listing the log reads no register: it leaves no consultation of its own
    assert api.get("/api/compliance/consultations").body["total"] == listed.body["total"]

    today = datetime.now(ZoneInfo("Europe/Paris")).date()
    day = api.get(f"/api/compliance/consultations?from={today}&to={today}").body
    assert day["total"] == listed.body["total"]
    assert api.get(f"/api/compliance/consultations?from={today + timedelta(days=1)}").body["total"] == 0
    assert api.get(f"/api/compliance/consultations?to={today - timedelta(days=1)}").body["total"] == 0
    bad = api.get("/api/compliance/consultations?from=hier")
    assert (bad.status, bad.body["error"]["details"]) == (400, {"from": "Date attendue au format AAAA-MM-JJ."})

    assert tenant.add_user("collaborator").get("/api/compliance/consultations").status == 403
    assert tenant.add_user("shop").get("/api/compliance/consultations").status == 403


def test_another_company_sees_none_of_the_log(shop: dict[str, Any], other_tenant: TenantSession,
                                              http: Any) -> None:
    assert read(http, shop["api"], f"/api/lots/{shop['ref']}") == 200
    assert other_tenant.api.get("/api/compliance/consultations").body["total"] == 0


# ---------------------------------------------------------------- cost


class _Calls:
    """AWS calls made by this thread only (the sealer runs in moto's server thread locally,
    in its own Lambda in the cloud: not the request's cost)."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    @contextmanager
    def counting(self) -> Iterator[Counter[str]]:
        original = botocore.client.BaseClient._make_api_call
        me = threading.get_ident()
        counts = self.counts

        def counted(client: Any, operation: str, params: Any) -> Any:
            if threading.get_ident() == me:
                counts[operation] += 1
            return original(client, operation, params)

        botocore.client.BaseClient._make_api_call = counted  # type: ignore[method-assign]
        try:
            yield counts
        finally:
            botocore.client.BaseClient._make_api_call = original  # type: ignore[method-assign]


def test_the_lot_page_costs_one_write_more_than_without_the_log(
        shop: dict[str, Any], http: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    api, ref = shop["api"], shop["ref"]
    assert read(http, api, f"/api/lots/{ref}") == 200  # warm: the token's standing is cached
    with _Calls().counting() as logged:
        assert read(http, api, f"/api/lots/{ref}") == 200
    from chalicelib.api import routing

    monkeypatch.setattr(routing, "log_register_read", lambda *args, **kwargs: None)
    with _Calls().counting() as unlogged:
        assert read(http, api, f"/api/lots/{ref}") == 200
    assert logged - unlogged == Counter({"PutItem": 1}), (logged, unlogged)
    assert unlogged - logged == Counter()
    print(f"GET /api/lots/{{ref}}: {sum(unlogged.values())} AWS calls without the log {dict(unlogged)}, "
          f"{sum(logged.values())} with it {dict(logged)}")


# ---------------------------------------------------------------- listing a year of reads


def test_the_list_reads_the_page_asked_or_the_days_asked_not_the_whole_log(
        aws_stack: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A year of reads (every lot page view is one): without a day asked, a page costs the
    head's count and that page's ranks; with ``from``, the index is read newest first and
    stops a day before it — the answers (items, ``total``) are those of the whole log."""
    import uuid

    from bench.consultations import seed_consultations
    from chalicelib.adapters.repositories import sealed_records
    from chalicelib.auth import Principal
    from chalicelib.domain.profiles import Profile
    from chalicelib.services import compliance

    who = Principal(f"t-{uuid.uuid4().hex}", "usr-1", "gerant@example.fr", Profile.MANAGER)
    times = seed_consultations(who.tenant_id, 600, 60)  # 10 a day over 60 days, oldest first
    monkeypatch.setattr(sealed_records, "NEWEST_PAGE", 20)
    paris = ZoneInfo("Europe/Paris")

    def days(*bounds: Any) -> list[int]:
        low, high = bounds
        return [rank for rank, at in enumerate(times, 1)
                if (low is None or datetime.fromisoformat(at).astimezone(paris).date() >= low)
                and (high is None or datetime.fromisoformat(at).astimezone(paris).date() <= high)][::-1]

    calls = _Calls()
    with calls.counting() as counts:
        items, total = compliance.consultations(who, {}, 3, 25)
    assert ([i["rank"] for i in items], total) == (list(range(550, 525, -1)), 600)
    assert counts == Counter({"GetItem": 1, "Query": 1}), counts  # whatever the log's length
    assert items[0]["what"] == "lot:2600550" and items[0]["access"] == "register_read"
    assert compliance.consultations(who, {}, 25, 25) == ([], 600)  # past the last page

    today = datetime.now(paris).date()
    week = today - timedelta(days=7)
    with _Calls().counting() as counts:
        items, total = compliance.consultations(who, {"from": week}, 1, 500)
    assert ([i["rank"] for i in items], total) == (days(week, None), len(days(week, None)))
    assert 60 <= total <= 90
    # a week and the day before it (the margin) read, 20 a page: not the 30 pages of the log
    assert counts["Query"] <= (total + 30) // 20 + 2, counts

    day = today - timedelta(days=30)
    items, total = compliance.consultations(who, {"from": day, "to": day}, 1, 50)
    assert [i["rank"] for i in items] == days(day, day) and total == len(days(day, day)) >= 9
    items, total = compliance.consultations(who, {"to": day}, 2, 50)
    assert ([i["rank"] for i in items], total) == (days(None, day)[50:100], len(days(None, day)))


def test_an_inspector_request_is_marked_a_read_of_the_register_or_another_access_and_refused_or_not(
        shop: dict[str, Any]) -> None:
    from chalicelib.services import inspectors
    from tests.functional.test_inspector_access import inspector_session, raw

    inspectors.forget_limits()
    api, ref, tenant = shop["api"], shop["ref"], shop["tenant"]
    assert api.get(f"/api/lots/{ref}").status == 200  # the staff's own read
    inspector, access = inspector_session(tenant)
    asked = [("GET", "/api/compliance/police-files", 200), ("GET", f"/api/lots/{ref}/police-sheet.pdf", 200),
             ("GET", "/api/me", 200), ("GET", "/api/compliance/events", 200),
             ("POST", "/api/actions/sell", 403), ("GET", "/api/articles", 403)]
    for method, path, status in asked:
        assert raw(inspector, method, path, body=b"{}")[0] == status, path
    items = api.get("/api/compliance/consultations?page_size=20").body["items"]
    logged = [(i["what"], i["access"], i["refused"]) for i in reversed(items)][-(len(asked) + 2):]
    assert logged == [
        (f"lot:{ref}", "register_read", False),
        ("inspector_login", "access", False),
        ("GET /api/compliance/police-files", "register_read", False),
        (f"GET /api/lots/{ref}/police-sheet.pdf", "register_read", False),
        ("GET /api/me", "access", False),
        ("GET /api/compliance/events", "access", False),
        ("POST /api/actions/sell", "access", True),
        ("GET /api/articles", "access", True),
    ], logged
    assert items[0]["inspector"] == {"name": access["inspector"], "service": "gendarmerie",
                                     "service_label": "Gendarmerie nationale"}
    # in French, as the screen shows them (newest first: the refused read of the articles)
    assert (items[0]["label"], items[0]["access_label"]) == ("Lecture : Articles", "Autre accès — refusée")
    # the marks are sealed with the record, not only listed
    refused = entries(tenant.tenant_id)[-1]
    from chalicelib.adapters.repositories import journal

    content = journal.decode_payload(journal.get_journal(tenant.tenant_id, refused.seq).payload)
    assert (content["what"], content["access"], content["refused"]) == ("GET /api/articles", "access", True)


@pytest.mark.usefixtures("month_of_business")  # the tenant's month of sales, lots and a refund
def test_a_fiscal_archive_downloaded_is_one_consultation_by_the_staff_and_one_by_an_inspector(
        tenant: TenantSession) -> None:
    from chalicelib.services import inspectors
    from chalicelib.services.closings import close_tenant
    from tests.functional.test_fiscal_archives import _periods, _ready
    from tests.functional.test_inspector_access import inspector_session

    api = tenant.api
    period, next_month = _periods()
    close_tenant(tenant.tenant_id, next_month)
    _ready(api, period)

    with one_more(tenant.tenant_id) as added:
        assert api.get(f"/api/compliance/archives/{period}").status == 200
    assert [(e.summary["what"], e.summary["who"]) for e in added] == [(f"archive:{period}", tenant.email)]
    assert added[0].summary["purpose"] == ROUTINE
    # the staff's purpose is the download's too; an unreadable one reads nothing
    with one_more(tenant.tenant_id) as added:
        assert api.get(f"/api/compliance/archives/{period}?purpose=Contr%C3%B4le%20URSSAF").status == 200
    assert [e.summary["purpose"] for e in added] == ["Contrôle URSSAF"]
    with one_more(tenant.tenant_id) as added:
        assert api.get(f"/api/compliance/archives/{period}?purpose=%E2%80%AE").status == 400
    assert added == []

    inspectors.forget_limits()
    inspector, _ = inspector_session(tenant)
    with one_more(tenant.tenant_id) as added:
        assert inspector.get(f"/api/compliance/archives/{period}").status == 200
    assert [(e.summary["what"], e.summary["access"]) for e in added] == [
        (f"GET /api/compliance/archives/{period}", "register_read")]


@pytest.mark.parametrize("chain", ["receipt", "closing"])
def test_the_receipts_and_closings_lists_read_their_page_in_order_too(aws_stack: Any, chain: str) -> None:
    import uuid

    from bench.consultations import seed_consultations
    from chalicelib.auth import Principal
    from chalicelib.domain.profiles import Profile
    from chalicelib.services import compliance

    who = Principal(f"t-{uuid.uuid4().hex}", "usr-1", "gerant@example.fr", Profile.MANAGER)
    times = seed_consultations(who.tenant_id, 300, 30, chain=chain)  # 10 a day over 30 days
    listing = compliance.receipts_page if chain == "receipt" else compliance.closings_page
    with _Calls().counting() as counts:
        items, total = listing(who, {}, 2, 50)
    assert ([i["rank"] for i in items], total) == (list(range(51, 101)), 300)  # oldest first, as before
    assert counts == Counter({"GetItem": 1, "Query": 1}), counts
    sealed = [(datetime.fromisoformat(at) + timedelta(seconds=1)).astimezone(UTC).date() for at in times]
    day = sealed[-45]  # the lists filter on the sealing day (UTC)
    expected = [rank for rank, on in enumerate(sealed, 1) if on >= day]
    items, total = listing(who, {"date_from": day}, 1, 500)
    assert [i["rank"] for i in items] == expected and total == len(expected) < 100
    assert [i["rank"] for i in listing(who, {"date_from": day, "date_to": day}, 1, 500)[0]] == [
        rank for rank in expected if sealed[rank - 1] == day]


def test_me_hands_the_site_the_reads_of_the_register_from_the_routes_own_declarations(tenant: TenantSession) -> None:
    """The site sends the purpose with these (static-site/js/purpose.js keeps no copy): each GET
    route matches iff it reads the register (``register_read=`` or its service logs the read)."""
    import re

    from app import app
    from chalicelib.api.routing import reads_register

    patterns = [re.compile(p) for p in tenant.api.get("/api/me").body["register_reads"]]

    def sent_with_purpose(path: str) -> bool:
        return any(p.search(path) for p in patterns)

    for path, methods in app.routes.items():
        if "GET" in methods:
            sample = re.sub(r"{\w+}", "x1", path).removeprefix("/api")
            assert sent_with_purpose(sample) == reads_register("GET", path, methods["GET"].view_function), path
    assert sent_with_purpose("/lots/2612001") and sent_with_purpose("/compliance/archives/2026-11")
    assert sent_with_purpose("/lots/2612001/police-sheet.pdf") and sent_with_purpose("/suppliers/sup_1")
    assert not any(sent_with_purpose(path) for path in ("/lots/draft", "/lots/pending", "/lots/summary",
                                                         "/suppliers/export.csv/x", "/clients", "/lots/x/history"))
