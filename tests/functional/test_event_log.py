"""The event log (DOMAIN.md "Audit trail and the authorities"): each event recorded once
at its source, sealed in the tenant's ``event`` chain (the vault object read back and
hashed, its link to the previous one checked), listed by ``GET /api/compliance/events``.

Locally the bridge seals each journal write inside it: after an API call its events are
in the vault.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import date, timedelta
from typing import Any

import boto3
import pytest

from bench._inprocess import RequestCounter
from tests.functional.test_year_end import wait_job
from tests.support import IDENTIFIED_SELLER, PASSWORD, Api, TenantSession, commit_lot


def _events(api: Api, query: str = "") -> list[dict[str, Any]]:
    reply = api.get(f"/api/compliance/events?page_size=500{'&' + query if query else ''}")
    assert reply.status == 200, reply.body
    return list(reply.body["items"])


def _kinds(api: Api) -> list[str]:
    """Event kinds, oldest first."""
    return [e["kind"] for e in reversed(_events(api))]


def _new(api: Api, before: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Events recorded since ``before`` was listed, oldest first."""
    seen = {e["rank"] for e in before}
    return [e for e in reversed(_events(api)) if e["rank"] not in seen]


def _assert_sealed(aws_stack: Any, events: list[dict[str, Any]]) -> None:
    """Each listed event is in the vault as listed: its bytes hash to its SHA-256, its
    content says its kind, and it links to the record before it in the chain."""
    s3 = boto3.client("s3", endpoint_url=aws_stack.endpoint, region_name=aws_stack.region)
    by_rank = {e["rank"]: e for e in events}
    for event in events:
        storage = event["storage"]
        body = s3.get_object(Bucket=storage["bucket"], Key=storage["key"], VersionId=storage["version_id"])["Body"]
        raw = body.read()
        assert hashlib.sha256(raw).hexdigest() == event["sha256"]
        sealed = json.loads(raw)
        assert (sealed["chain"], sealed["rank"], sealed["kind"]) == ("event", event["rank"], "event")
        assert sealed["content"]["event"] == event["kind"]
        assert sealed["content"]["at"] == event["at"] and sealed["content"]["user"] == event["user"]
        assert sealed["prev_sha256"] == event["prev_sha256"]
        if event["rank"] == 1:
            assert event["prev_sha256"] == "0" * 64
        elif event["rank"] - 1 in by_rank:
            assert event["prev_sha256"] == by_rank[event["rank"] - 1]["sha256"]
        assert storage["retention_mode"] == "COMPLIANCE"


@pytest.fixture
def stock(tenant: TenantSession) -> dict[str, Any]:
    api = tenant.api
    family = api.post("/api/families", {"label": "Brocante"}).body["id"]
    supplier = api.post("/api/suppliers", IDENTIFIED_SELLER).body["id"]
    committed = commit_lot(api, family_id=family, supplier_id=supplier, prices=["10.00", "20.00", "30.00"])
    refs = [a["ref"] for a in committed["articles"]]
    for ref in refs:
        api.patch(f"/api/articles/{ref}", {"label_price": "50.00"})
    return {"api": api, "tenant": tenant, "refs": refs, "family": family, "supplier": supplier}


# ---------------------------------------------------------------- logins, version


def test_a_new_company_logs_its_software_version_then_its_managers_login_sealed_and_chained(
        tenant: TenantSession, aws_stack: Any) -> None:
    events = list(reversed(_events(tenant.api)))
    assert [e["kind"] for e in events] == ["software_version", "login"]
    version, login = events
    assert version["details"] == {"from": None, "to": os.environ["LOTBOOK_VERSION"]}
    assert version["software_version"] == os.environ["LOTBOOK_VERSION"] != "unknown"  # the commit
    assert (login["user"], login["label"]) == (tenant.email, "Connexion")
    assert [e["rank"] for e in events] == [1, 2]
    _assert_sealed(aws_stack, events)


def test_refused_logins_are_logged_in_the_company_of_the_address_only(tenant: TenantSession, aws_stack: Any) -> None:
    anonymous = tenant.api.as_(None)
    before = _events(tenant.api)
    assert anonymous.post("/api/auth/login", {"email": tenant.email, "password": "mauvais-mdp"}).status == 401
    assert anonymous.post("/api/auth/login", {"email": "personne-ici@example.fr", "password": "x" * 10}).status == 401
    new = _new(tenant.api, before)
    assert [(e["kind"], e["user"], e["details"]["reason"]) for e in new] == [
        ("login_refused", tenant.email, "invalid_credentials")]
    assert new[0]["label"] == "Connexion refusée"
    tenant.login(tenant.email)
    assert [e["kind"] for e in _new(tenant.api, before)] == ["login_refused", "login"]
    _assert_sealed(aws_stack, _events(tenant.api))


def test_a_new_software_version_is_logged_once_per_company_whatever_the_containers(
        tenant: TenantSession, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.config import reset_settings
    from chalicelib.services import audit

    old = os.environ["LOTBOOK_VERSION"]
    monkeypatch.setenv("LOTBOOK_VERSION", "v-next-42")
    reset_settings()
    try:
        audit.forget_versions()  # a new deploy: a new container
        before = _events(tenant.api)
        tenant.login(tenant.email)
        audit.forget_versions()  # a second container of the same deploy
        tenant.login(tenant.email)
        new = _new(tenant.api, before)
        assert [e["kind"] for e in new] == ["software_version", "login", "login"]
        assert new[0]["details"] == {"from": old, "to": "v-next-42"}
        assert {e["software_version"] for e in new} == {"v-next-42"}
    finally:
        monkeypatch.setenv("LOTBOOK_VERSION", old)
        reset_settings()
        audit.forget_versions()


# ---------------------------------------------------------------- users and settings


def test_users_created_changed_and_deleted_are_logged_with_old_and_new_profiles(
        tenant: TenantSession, aws_stack: Any) -> None:
    api = tenant.api
    before = _events(api)
    created = api.post("/api/users", {"email": "vendeuse@example.fr", "profile": "shop", "password": PASSWORD,
                                      "first_name": "Léa"})
    assert created.status == 201
    user_id = created.body["id"]
    assert api.patch(f"/api/users/{user_id}", {"profile": "collaborator", "password": "nouveau-mdp-9"}).status == 200
    assert api.patch(f"/api/users/{user_id}", {"first_name": "Léa"}).status == 200  # nothing changes: no event
    assert api.delete(f"/api/users/{user_id}").status == 204
    new = _new(api, before)
    assert [e["kind"] for e in new] == ["user_created", "user_changed", "user_deleted"]
    made, changed, deleted = (e["details"] for e in new)
    assert (made["email"], made["profile"], made["status"]) == ("vendeuse@example.fr", "shop", "active")
    assert changed["changes"]["profile"] == {"from": "shop", "to": "collaborator"}
    assert changed["changes"]["password"] == {"from": None, "to": "modifié"}
    assert (changed["before"]["profile"], changed["after"]["profile"]) == ("shop", "collaborator")
    assert "nouveau-mdp-9" not in json.dumps(new) and PASSWORD not in json.dumps(new)
    assert (deleted["email"], deleted["status"]) == ("vendeuse@example.fr", "deleted")
    assert {e["user"] for e in new} == {tenant.email}
    _assert_sealed(aws_stack, _events(api))


def test_settings_changes_are_logged_field_by_field_with_old_and_new_values(
        tenant: TenantSession, aws_stack: Any) -> None:
    api = tenant.api
    before = _events(api)
    reply = api.put("/api/company", {"vat_number": "FR32123456789", "strict_police_register": True,
                                     "invoicing": {"prefix": "FA"}, "invoice_legal_comment": "TVA sur marge"})
    assert reply.status == 200, reply.body
    assert api.put("/api/company", {"vat_number": "FR32123456789"}).status == 200  # same value: nothing logged
    family = api.post("/api/families", {"label": "Tableaux"}).body["id"]
    assert api.put(f"/api/families/{family}", {"label": "Tableaux", "metal_2093": False,
                                               "margin_category": "art"}).status == 200
    new = _new(api, before)
    assert [e["kind"] for e in new] == ["settings_changed", "settings_changed"]
    company, families = (e["details"] for e in new)
    assert company["scope"] == "company"
    assert company["changes"] == {
        "vat_number": {"from": None, "to": "FR32123456789"},
        "strict_police_register": {"from": False, "to": True},
        "invoicing.prefix": {"from": "F", "to": "FA"},
        "invoice_legal_comment": {"from": None, "to": "TVA sur marge"},
    }
    assert families["changes"] == {"margin_category": {"from": "second_hand", "to": "art"}}
    _assert_sealed(aws_stack, _events(api))


# ---------------------------------------------------------------- exports and prints


def test_each_csv_export_is_logged_once(stock: dict[str, Any]) -> None:
    api = stock["api"]
    before = _events(api)
    for path in ("/api/suppliers/export.csv", "/api/clients/export.csv", "/api/families/export.csv",
                 "/api/lots/export.csv", "/api/articles/export.csv?status=stock"):
        assert api.get(path).status == 200, path
    new = _new(api, before)
    assert [(e["kind"], e["details"]["export"]) for e in new] == [
        ("export", "suppliers"), ("export", "clients"), ("export", "families"), ("export", "lots"),
        ("export", "articles")]
    assert new[0]["details"]["rows"] == 1 and new[-1]["details"]["rows"] == 3
    assert new[-1]["details"]["filters"] == {"status": "stock"}


def _pdf(api: Api, path: str) -> None:
    from chalice.test import Client

    from app import app

    reply = Client(app).http.request("GET", path, headers={"Authorization": f"Bearer {api.token}",
                                                           "Accept": "application/pdf"}, body=b"")
    assert reply.status_code == 200, reply.body[:300]


def test_prints_then_reprints_of_receipts_invoices_and_credit_notes(stock: dict[str, Any], aws_stack: Any) -> None:
    api, refs = stock["api"], stock["refs"]
    sale = api.post("/api/actions/sell", {"refs": refs[:1], "date": "2021-03-01", "payment_method": "card"})
    assert sale.status == 200, sale.body
    transaction = sale.body["sale"]["transaction_ref"]
    note = api.post("/api/actions/customer_return", {"refs": refs[:1], "date": "2021-03-02", "reason": "Rayure"})
    assert note.status == 200, note.body
    before = _events(api)
    _pdf(api, f"/api/sales/{transaction}/receipt.pdf")
    _pdf(api, f"/api/sales/{transaction}/receipt.pdf")
    _pdf(api, f"/api/sales/{transaction}/receipt.pdf")
    _pdf(api, f"/api/sales/{transaction}/invoice.pdf")
    _pdf(api, f"/api/sales/{note.body['credit_note_number']}/credit-note.pdf")
    _pdf(api, f"/api/sales/{note.body['credit_note_number']}/credit-note.pdf")
    new = _new(api, before)
    assert [(e["kind"], e["details"]["document"], e["details"]["copy"]) for e in new] == [
        ("print", "receipt", 1), ("reprint", "receipt", 2), ("reprint", "receipt", 3), ("print", "invoice", 1),
        ("print", "credit_note", 1), ("reprint", "credit_note", 2)]
    assert new[0]["details"]["number"] == sale.body["sale"]["receipt_number"]
    assert new[3]["details"]["number"] == sale.body["sale"]["invoice_number"]
    assert new[1]["label"] == "Réimpression (duplicata)"
    _assert_sealed(aws_stack, _events(api))


# ---------------------------------------------------------------- closings, backups, closures, 2093


def test_a_cash_register_closing_is_logged_once(stock: dict[str, Any]) -> None:
    from chalicelib.services.closings import close_tenant

    api, tenant_id = stock["api"], stock["tenant"].tenant_id
    today = date.today()
    assert api.post("/api/actions/sell", {"refs": stock["refs"][:1], "date": today.isoformat(),
                                          "payment_method": "card"}).status == 200
    before = _events(api)
    tomorrow = today + timedelta(days=1)
    made = close_tenant(tenant_id, tomorrow)
    assert made
    assert close_tenant(tenant_id, tomorrow) == []  # closed once: logged once
    new = _new(api, before)
    assert [e["kind"] for e in new] == ["closing"] * len(made)
    assert [e["details"]["closing_number"] for e in new] == made
    assert new[0]["user"] is None


def test_backups_and_closures_are_logged_with_what_the_closure_deleted(stock: dict[str, Any], aws_stack: Any) -> None:
    api, refs = stock["api"], stock["refs"]
    assert api.post("/api/actions/sell", {"refs": refs[:2], "date": "2021-03-01",
                                          "payment_method": "card"}).status == 200
    before = _events(api)
    assert wait_job(api, api.post("/api/backups", {"title": "Avant clôture"}))["status"] == "succeeded"
    closure = wait_job(api, api.post("/api/closures", {"title": "Exercice 2021", "until": "2021-12-31"}))
    assert closure["status"] == "succeeded", closure
    new = _new(api, before)
    assert [e["kind"] for e in new] == ["backup", "closure", "closure"]
    backup, started, done = new
    assert backup["details"]["status"] == "succeeded" and backup["user"] == stock["tenant"].email
    assert (started["details"]["phase"], started["details"]["until"]) == ("start", "2021-12-31")
    assert (done["details"]["phase"], done["details"]["status"]) == ("result", "succeeded")
    assert done["user"] == stock["tenant"].email
    # The list of what was deleted is sealed in the event, with its digest: read it from the vault.
    s3 = boto3.client("s3", endpoint_url=aws_stack.endpoint, region_name=aws_stack.region)
    storage = done["storage"]
    sealed = json.loads(s3.get_object(Bucket=storage["bucket"], Key=storage["key"],
                                      VersionId=storage["version_id"])["Body"].read())["content"]["details"]
    doomed = sorted(refs[:2])
    assert sealed["articles"]["refs"] == doomed and sealed["articles"]["count"] == 2
    assert sealed["articles"]["sha256"] == hashlib.sha256("\n".join(doomed).encode()).hexdigest()
    assert (sealed["articles"]["first"], sealed["articles"]["last"]) == (doomed[0], doomed[-1])
    assert sealed["purge_key"] == f"purge#{done['details']['archive_id']}"
    _assert_sealed(aws_stack, _events(api))


def test_a_restore_is_logged_in_the_company_restored_into(stock: dict[str, Any], other_tenant: TenantSession) -> None:
    api = stock["api"]
    backup = wait_job(api, api.post("/api/backups", {"title": "Pour restauration"}))
    from chalicelib.services import archives

    before = _events(other_tenant.api)
    archives.restore(stock["tenant"].tenant_id, backup["result"]["archive_id"], other_tenant.tenant_id)
    new = _new(other_tenant.api, before)
    assert [(e["kind"], e["user"]) for e in new] == [("restore", "operator")]
    assert new[0]["details"]["archive_id"] == backup["result"]["archive_id"]


# ---------------------------------------------------------------- sealing failures


def test_a_sealing_failure_is_logged_on_its_first_failure_only_and_never_for_the_log_itself(
        stock: dict[str, Any], aws_stack: Any) -> None:
    from chalice.test import Client

    from app import app
    from chalicelib.adapters.repositories import seal_failures
    from chalicelib.services.sealing import SealingError
    from tests.functional.test_vault import _journal_images, _stream_event

    api, tenant_id = stock["api"], stock["tenant"].tenant_id
    good = _journal_images(aws_stack, tenant_id)[0]
    poison = dict(good, seq={"S": good["seq"]["S"] + "-poison"}, payload={"B": b"pas du gzip"})
    bad_event = dict(good, seq={"S": good["seq"]["S"] + "-event"}, kind={"S": "event"}, payload={"B": b"cass"})
    before = _events(api)
    for _ in range(2):  # delivered again: counted, not logged again
        with pytest.raises(SealingError):
            Client(app).lambda_.invoke("seal_journal", _stream_event(aws_stack, [poison, bad_event]))
    new = _new(api, before)
    assert [(e["kind"], e["details"]["seq"], e["details"]["kind"]) for e in new] == [
        ("sealing_failure", poison["seq"]["S"], good["kind"]["S"])]
    assert new[0]["details"]["needs_a_human"] is True and new[0]["label"] == "Échec de scellement"
    failures = {f.seq: f.attempts for f in seal_failures.tenant_failures(tenant_id)}
    assert failures == {poison["seq"]["S"]: 2, bad_event["seq"]["S"]: 2}
    for seq in failures:
        seal_failures.clear_failure(tenant_id, seq)


# ---------------------------------------------------------------- the list


def test_the_list_filters_by_kind_and_paris_day_and_refuses_bad_filters_in_french(tenant: TenantSession) -> None:
    api = tenant.api
    api.put("/api/company", {"vat_number": "FR32123456789"})
    listed = _events(api)
    assert [e["kind"] for e in listed] == ["settings_changed", "login", "software_version"]  # newest first
    assert [e["kind"] for e in _events(api, "kind=settings_changed")] == ["settings_changed"]
    today = listed[0]["at"]
    from chalicelib.domain.audit import event_day

    day = event_day(today)
    assert len(_events(api, f"from={day}&to={day}")) == 3
    following = (date.fromisoformat(day) + timedelta(days=1)).isoformat()
    assert _events(api, f"from={following}") == []
    for query, field in (("kind=apero", "kind"), ("from=31-12-2021", "from"), ("to=2021-02-30", "to"),
                         ("from=2022-01-02&to=2022-01-01", "to")):
        reply = api.get(f"/api/compliance/events?{query}")
        assert (reply.status, reply.error_code) == (400, "invalid_input"), query
        assert field in reply.body["error"]["details"], query
    assert api.get("/api/compliance/events?kind=apero").body["error"]["details"]["kind"] == "Type d'événement inconnu."


def test_only_the_manager_reads_the_event_log_and_each_company_its_own(
        tenant: TenantSession, other_tenant: TenantSession) -> None:
    collaborator = tenant.add_user("collaborator")
    shop = tenant.add_user("shop")
    assert collaborator.get("/api/compliance/events").status == 403
    assert shop.get("/api/compliance/events").status == 403
    mine = {e["user"] for e in _events(tenant.api)}
    assert other_tenant.email not in mine and tenant.email in mine
    me = tenant.api.get("/api/me").body
    assert "read_events" in me["permissions"]


# ---------------------------------------------------------------- the till's cost


def _sale_requests(stock: dict[str, Any], ref: str) -> RequestCounter:
    counter = RequestCounter()
    with counter.counting():
        reply = stock["api"].post("/api/actions/sell", {"refs": [ref], "date": "2021-03-01",
                                                         "payment_method": "card"})
    assert reply.status == 200, reply.body
    return counter


# A sale's AWS requests before the event log (API, sealing of its receipt by the bridge included).
SALE_REQUESTS_BEFORE = 12


def test_the_event_log_costs_a_sale_no_request(stock: dict[str, Any]) -> None:
    _sale_requests(stock, stock["refs"][0])  # this container's caches warm
    counter = _sale_requests(stock, stock["refs"][1])
    assert counter.total <= SALE_REQUESTS_BEFORE, dict(counter.calls)


def test_a_page_of_the_log_reads_that_page_and_a_day_asked_stops_before_the_older_ones(
        tenant: TenantSession, monkeypatch: pytest.MonkeyPatch) -> None:
    """The list reads the index newest first: a page without filters costs the head's count
    and that page's ranks; ``from`` stops the reading a day before it (issue 18, cost)."""
    from chalicelib.services import audit

    api = tenant.api
    for n in range(12):
        audit.record_event(tenant.tenant_id, "print", user=tenant.email, details={"document": f"doc-{n}"})
    every = _events(api)
    ranks = [e["rank"] for e in every]
    assert ranks == sorted(ranks, reverse=True) and len(ranks) >= 12
    counter = RequestCounter()
    with counter.counting():
        reply = api.get("/api/compliance/events?page=2&page_size=5")
    assert reply.body["total"] == len(every)
    assert [e["rank"] for e in reply.body["items"]] == ranks[5:10]
    assert [e["details"]["document"] for e in reply.body["items"][:2]] == ["doc-6", "doc-5"]
    assert counter.calls["Query"] == 1, counter.calls  # the page's ranks, not the whole log

    from chalicelib.adapters.repositories import sealed_records

    monkeypatch.setattr(sealed_records, "NEWEST_PAGE", 2)  # the index read 2 items a Query
    later = (date.today() + timedelta(days=3)).isoformat()
    counter = RequestCounter()
    with counter.counting():
        reply = api.get(f"/api/compliance/events?from={later}")
    assert reply.body["total"] == 0 and reply.body["items"] == []
    assert counter.calls["Query"] == 1, counter.calls  # stopped at the newest record
    printed = api.get(f"/api/compliance/events?kind=print&from={date.today() - timedelta(days=1)}").body
    assert printed["total"] == 12 and printed["items"][0]["details"]["document"] == "doc-11"
