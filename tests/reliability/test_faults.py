"""Faults: the vault down while sealing, a Lambda killed halfway, a throttled table.

What the existing tests already prove, and is not repeated here:
tests/functional/test_vault.py (the vault adapter failing, then one redelivery;
a crash between the S3 write and the index), tests/functional/test_actions.py and
test_lots.py (an ordinary exception on the second chunk or the last step, undone
in the same process), tests/functional/test_year_end.py (a closure whose deletion
raises an ordinary exception).

Here the faults are the ones those cannot show: S3 failing at the SDK for a
while, flapping, with redeliveries bisected as AWS does; a process that *dies* (a
``BaseException`` no ``except Exception`` catches, so no compensation runs, as in a
Lambda killed at its timeout) in a bulk action, a lot commit, a retraction or a
closure; a compensation that itself fails; and DynamoDB answering as a throttled
table does (or as two colliding transactions do), from the moto server, through
the SDK's retries. After each: nothing half applied — articles, counters, sales,
journal and sealed records as before, or all as after. A dead process's chunks
stay visible until its pending record's deadline (``no_grace`` makes it immediate
here; 120 s in AWS) and the tenant's next action, search or lot page.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

import pytest

from tests.functional.test_vault import _deliver, _entries, _journal_images, _stream_event, _versions
from tests.functional.test_year_end import wait_job
from tests.support import TenantSession, commit_lot


class LambdaKilled(BaseException):  # noqa: N818 - named as what it stands for
    """A Lambda killed mid-request (timeout, out of memory): its code stops there; no
    ``except Exception`` clause — no compensation — runs."""


@pytest.fixture
def shop(tenant: TenantSession) -> dict[str, Any]:
    api = tenant.api
    family = api.post("/api/families", {"label": "Brocante"}).body["id"]
    supplier = api.post("/api/suppliers", {"last_name": "Lefèvre"}).body["id"]
    client = api.post("/api/clients", {"last_name": "Garnier"}).body["id"]
    return {"api": api, "tenant": tenant, "family": family, "supplier": supplier, "client": client}


def _draft(shop: dict[str, Any], count: int, mode: str = "purchase") -> None:
    """A draft of ``count`` lines, through the CSV import (purchase: 1.00 each; consignment:
    reserve price 5.00)."""
    api = shop["api"]
    cells = "1,00;;5,00" if mode == "purchase" else ";5,00;"
    rows = "".join(f"Assiette {n};Brocante;;;;{cells};;\n" for n in range(count))
    header = {"supplier_id": shop["supplier"], "purchase_date": "2021-01-10", "payment_method": "card"}
    if mode == "purchase":
        header["purchase_price"] = f"{count}.00"
    assert api.put("/api/lots/draft", header).status == 200
    assert api.post("/api/lots/draft/import", raw=rows.encode(), headers={"Content-Type": "text/csv"}).status == 200


def _many(shop: dict[str, Any], count: int, mode: str = "purchase") -> list[str]:
    """A committed lot of ``count`` articles (see :func:`_draft`)."""
    _draft(shop, count, mode)
    reply = shop["api"].post("/api/lots/draft/commit", {"mode": mode})
    assert reply.status == 201, reply.body
    return [a["ref"] for a in reply.body["articles"]]


def _books(tenant_id: str) -> dict[str, Any]:
    """Everything an action may change, read straight from the tables."""
    from chalicelib.adapters.aws import ensure_models_bound
    from chalicelib.adapters.models import ArticleModel, CounterModel, JournalModel, LotModel, SaleModel
    from chalicelib.adapters.repositories.article_items import article_record
    from chalicelib.adapters.repositories.pending import KEY_PREFIX

    ensure_models_bound()
    return {
        # as stored, byte for byte: a write undone must leave nothing different
        "articles": {i.ref: article_record(i) for i in ArticleModel.query(tenant_id, consistent_read=True)},
        "counters": {i.key: (int(i.value or 0), i.state) for i in CounterModel.query(tenant_id, consistent_read=True)
                     if not i.key.startswith(KEY_PREFIX)},
        "pending": [i.key for i in CounterModel.query(tenant_id, CounterModel.key.startswith(KEY_PREFIX),
                                                       consistent_read=True)],
        "sales": {i.transaction_ref: i.data for i in SaleModel.query(tenant_id, consistent_read=True)},
        "lots": sorted(i.ref for i in LotModel.query(tenant_id, consistent_read=True)),
        # not the event log's nor the consultation log's entries (their own chains, written on the side)
        "journal": [(i.kind, i.subject) for i in JournalModel.query(tenant_id, consistent_read=True)
                    if i.kind not in ("event", "consultation")],
        "receipts": [e.number for e in _entries(tenant_id, "receipt")],
        "register": [e.subject for e in _entries(tenant_id, "police_register")],
    }


def _statuses(books: dict[str, Any], refs: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for ref in refs:
        status = books["articles"][ref]["status"] if ref in books["articles"] else "absent"
        found[status] = found.get(status, 0) + 1
    return found


def _kill_on(monkeypatch: pytest.MonkeyPatch, module: Any, name: str, call: int, after: bool = False) -> None:
    """The ``call``-th call of ``module.name`` kills the process (before it acts, or ``after``)."""
    real = getattr(module, name)
    calls = {"n": 0}

    def dying(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == call and not after:
            raise LambdaKilled()
        result = real(*args, **kwargs)
        if calls["n"] == call:
            raise LambdaKilled()
        return result

    monkeypatch.setattr(module, name, dying)


@pytest.fixture
def no_grace(monkeypatch: pytest.MonkeyPatch) -> None:
    """A pending write is stale at once (in AWS: after the API function's timeout)."""
    from chalicelib.adapters.repositories import pending

    monkeypatch.setattr(pending, "DEADLINE_SECONDS", -1)
    monkeypatch.setattr(pending, "READ_CHECK_SECONDS", 0)  # and reads look for it every time


# ---------------------------------------------------------------- the vault down while sealing


def test_the_vault_down_then_flapping_seals_every_entry_exactly_once_after_bisected_redeliveries(
    shop: dict[str, Any], aws_stack: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """S3 refuses the vault's writes at the SDK (as after its own retries), for a while,
    then one write in two; the stream's batches are delivered again, bisected as the
    event-source mapping does (BisectBatchOnFunctionError), then whole, twice."""
    from botocore.exceptions import ClientError

    from chalicelib.adapters import vault
    from chalicelib.adapters.aws import client
    from chalicelib.adapters.repositories import sealed_records
    from chalicelib.services import sealing
    from chalicelib.services.sealing import SealingError

    # Redeliveries here follow each other at once: ranks a failed attempt reserved are taken
    # over after 50 ms rather than the 2 s a concurrent live sealer is given.
    monkeypatch.setattr(sealing, "TAKE_OVER_AFTER", 0.05)

    api, tenant_id = shop["api"], shop["tenant"].tenant_id
    outage = {"mode": "down", "puts": 0}

    def s3_refuses(params: dict[str, Any], **kwargs: Any) -> None:
        if params.get("Bucket") != vault.bucket():
            return
        outage["puts"] += 1
        if outage["mode"] == "down" or (outage["mode"] == "flapping" and outage["puts"] % 2):
            raise ClientError({"Error": {"Code": "ServiceUnavailable", "Message": "Reduce your request rate."},
                               "ResponseMetadata": {"HTTPStatusCode": 503}}, "PutObject")

    s3 = client("s3")
    s3.meta.events.register("before-parameter-build.s3.PutObject", s3_refuses)
    try:
        # The shop keeps working while the vault is down: two lots, two sales, one return.
        lots = [commit_lot(api, family_id=shop["family"], supplier_id=shop["supplier"], prices=["5.00", "6.00"])
                for _ in range(2)]
        refs = [a["ref"] for lot in lots for a in lot["articles"]]
        for ref in refs[:2]:
            assert api.post("/api/actions/sell", {"refs": [ref], "date": "2021-03-01", "payment_method": "card",
                                                  "prices": {ref: "20.00"}}).status == 200
        assert api.post("/api/actions/customer_return", {"refs": refs[:1], "date": "2021-03-02",
                                                         "reason": "Fêlure"}).status == 200
        assert outage["puts"] >= 5 and _entries(tenant_id) == [] and _entries(tenant_id, "receipt") == []
        event = _stream_event(aws_stack, _journal_images(aws_stack, tenant_id))
        assert len(event["Records"]) == 5

        outage["mode"] = "flapping"
        with pytest.raises(SealingError):
            _deliver(event)
        halves = [event["Records"][:2], event["Records"][2:]]
        for half in halves:
            try:
                _deliver({"Records": half})
            except SealingError:
                pass  # the mapping would bisect further, or retry: as below
        outage["mode"] = "up"
        for half in reversed(halves):
            _deliver({"Records": half})
        _deliver(event)
        _deliver(event)
    finally:
        s3.meta.events.unregister("before-parameter-build.s3.PutObject", s3_refuses)

    register, receipts = _entries(tenant_id), _entries(tenant_id, "receipt")
    assert [(e.rank, e.subject) for e in register] == [(1, lots[0]["lot"]["ref"]), (2, lots[1]["lot"]["ref"])]
    assert [e.rank for e in receipts] == [1, 2, 3]
    assert sorted(e.number for e in receipts) == ["01-00000001", "01-00000002", "01-00000003"]
    journal = {i["seq"]["S"] for i in _journal_images(aws_stack, tenant_id)}
    assert set(sealed_records.claims(tenant_id, journal)) == journal  # every entry sealed...
    assert sorted(e.seq for e in register + receipts) == sorted(journal)  # ...exactly once
    versions = [v for chain in ("police_register", "receipt")
                for v in _versions(aws_stack, register[0].bucket, f"{tenant_id}/{chain}/")]
    assert sorted(v["Key"] for v in versions) == sorted(e.key for e in register + receipts)  # one version each

    # The event log has each entry's first failure, once; its own entries, refused by the vault too,
    # are sealed by the schedule's retry (they log no failure of their own: no loop).
    sealing.retry_failures()
    assert sealing.tenant_status(tenant_id) == []
    logged = api.get("/api/compliance/events?kind=sealing_failure&page_size=500").body["items"]
    assert sorted(e["details"]["seq"] for e in logged) == sorted(journal)
    verified = api.get("/api/compliance/verify").body
    checked = {c["chain"]: c["checked"] for c in verified["chains"]}
    assert verified["ok"] is True and (checked["police_register"], checked["receipt"]) == (2, 3), verified


# ---------------------------------------------------------------- a Lambda killed halfway through a bulk action


def test_a_sale_killed_between_two_chunks_is_rolled_back_before_anyone_sees_it(
    shop: dict[str, Any], monkeypatch: pytest.MonkeyPatch, no_grace: None
) -> None:
    from chalicelib.adapters import unit_of_work as repo
    from chalicelib.adapters.repositories import sigma as sigma_repo

    api, tenant_id = shop["api"], shop["tenant"].tenant_id
    refs = _many(shop, 250)
    before = _books(tenant_id)
    buckets = sigma_repo.buckets(tenant_id)
    _kill_on(monkeypatch, repo, "_write_chunk", call=2)
    with pytest.raises(LambdaKilled):
        api.post("/api/actions/sell", {"refs": refs, "date": "2021-03-01", "payment_method": "card"})
    monkeypatch.undo()
    left = _books(tenant_id)
    # What a dead process leaves: the first chunk written, no sale, and the pending record.
    assert _statuses(left, refs) == {"sold": 100, "stock": 150}
    assert (left["sales"], left["counters"], left["journal"]) == (before["sales"], before["counters"],
                                                                  before["journal"])
    assert len(left["pending"]) == 1
    # The Σ buckets move only with the last transaction: the dead sale left them as they were.
    assert sigma_repo.buckets(tenant_id) == buckets and buckets["none#stock"]["count"] == 250
    assert api.get("/api/articles/summary?status=sold").body["count"] == 0

    # The next look at the inventory puts the first chunk back.
    listed = api.get("/api/articles?page_size=500").body["items"]
    assert {a["status"] for a in listed} == {"stock"} and {a["transaction_ref"] for a in listed} == {None}
    assert _books(tenant_id) == before

    sold = api.post("/api/actions/sell", {"refs": refs, "date": "2021-03-01", "payment_method": "card"})
    assert sold.status == 200, sold.body
    assert sold.body["sale"]["invoice_number"] == "F2021-00001"  # the dead attempt took no number
    summary = api.get("/api/articles/summary?sale_from=2021-03-01&sale_to=2021-03-31").body
    assert (summary["count"], summary["sale_total"]) == (250, sold.body["sale"]["total"])
    assert sold.body["sale"]["receipt_number"] == "01-00000001"
    after = _books(tenant_id)
    assert _statuses(after, refs) == {"sold": 250}
    assert after["receipts"] == ["01-00000001"] and after["pending"] == []


def test_a_process_killed_right_after_the_last_transaction_leaves_the_whole_action(
    shop: dict[str, Any], monkeypatch: pytest.MonkeyPatch, no_grace: None
) -> None:
    from chalicelib.adapters import unit_of_work as repo

    api, tenant_id = shop["api"], shop["tenant"].tenant_id
    refs = _many(shop, 250)
    _kill_on(monkeypatch, repo, "_write_last", call=1, after=True)
    with pytest.raises(LambdaKilled):
        api.post("/api/actions/sell", {"refs": refs, "date": "2021-03-01", "payment_method": "card",
                                       "client_id": shop["client"]})
    monkeypatch.undo()
    api.get("/api/articles")  # the recovery finds nothing to undo
    after = _books(tenant_id)
    assert _statuses(after, refs) == {"sold": 250}
    (sale,) = after["sales"].values()
    assert len(sale["lines"]) == 250 and sale["invoice_number"] == "F2021-00001"
    assert {a["transaction_ref"] for a in after["articles"].values()} == {sale["transaction_ref"]}
    assert after["receipts"] == ["01-00000001"] and after["pending"] == []
    assert ("sale", sale["transaction_ref"]) in after["journal"]


def test_buying_back_consigned_articles_killed_halfway_leaves_neither_new_articles_nor_a_lot(
    shop: dict[str, Any], monkeypatch: pytest.MonkeyPatch, no_grace: None
) -> None:
    """buy_consigned creates articles in its chunks: a rollback deletes them."""
    from chalicelib.adapters import unit_of_work as repo

    api, tenant_id = shop["api"], shop["tenant"].tenant_id
    refs = _many(shop, 120, mode="consignment")
    before = _books(tenant_id)
    _kill_on(monkeypatch, repo, "_write_chunk", call=2)
    with pytest.raises(LambdaKilled):
        api.post("/api/actions/buy_consigned", {"refs": refs, "date": "2021-03-04"})
    monkeypatch.undo()
    assert len(_books(tenant_id)["articles"]) > len(refs)  # new articles of the first chunk are there...
    refused = api.post("/api/actions/deposit", {"refs": refs[:1], "client_id": shop["client"],
                                                "date": "2021-03-05"})
    assert refused.error_code == "wrong_status"  # ...until the next action puts everything back first
    assert _books(tenant_id) == before

    bought = api.post("/api/actions/buy_consigned", {"refs": refs, "date": "2021-03-04"})
    assert bought.status == 200, bought.body
    assert len(bought.body["articles"]) == 120 and len(_books(tenant_id)["lots"]) == 2


def test_a_lot_commit_killed_between_two_chunks_leaves_no_article_outside_the_police_register(
    shop: dict[str, Any], monkeypatch: pytest.MonkeyPatch, no_grace: None
) -> None:
    from chalicelib.adapters import unit_of_work

    api, tenant_id = shop["api"], shop["tenant"].tenant_id
    _draft(shop, 250)
    before, draft = _books(tenant_id), api.get("/api/lots/draft").body
    _kill_on(monkeypatch, unit_of_work, "_write_chunk", call=2)
    with pytest.raises(LambdaKilled):
        api.post("/api/lots/draft/commit", {"mode": "purchase"})
    monkeypatch.undo()
    assert len(_books(tenant_id)["articles"]) == 100  # a first chunk: in stock, in no lot, in no register
    assert api.get("/api/articles").body["total"] == 0  # until the inventory is looked at
    after = _books(tenant_id)
    assert {k: after[k] for k in ("articles", "lots", "journal", "register", "pending")} == {
        k: before[k] for k in ("articles", "lots", "journal", "register", "pending")}
    assert api.get("/api/lots/draft").body == draft  # the draft is whole, its reference kept for the retry
    refused = api.post("/api/lots/draft/commit", {"mode": "purchase"})  # the dead commit still claims it...
    assert (refused.status, refused.error_code) == (409, "concurrent_change")
    from chalicelib.services import lots

    monkeypatch.setattr(lots, "CLAIM_SECONDS", -1)  # ...until its claim is stale (60 s; here at once)
    committed = api.post("/api/lots/draft/commit", {"mode": "purchase"})
    assert committed.status == 201, committed.body
    assert _books(tenant_id)["register"] == [committed.body["lot"]["ref"]]
    assert committed.body["lot"]["ref"].endswith("001") and len(committed.body["articles"]) == 250


def test_a_retraction_killed_before_its_last_transaction_is_undone_when_the_lot_is_next_read(
    shop: dict[str, Any], monkeypatch: pytest.MonkeyPatch, no_grace: None
) -> None:
    from chalicelib.adapters import unit_of_work

    api, tenant_id = shop["api"], shop["tenant"].tenant_id
    refs = _many(shop, 150)
    lot_ref = refs[0][:7]
    before = _books(tenant_id)
    _kill_on(monkeypatch, unit_of_work, "_write_last", call=1)
    with pytest.raises(LambdaKilled):
        api.post(f"/api/lots/{lot_ref}/retract", {"comment": "Double saisie"})
    monkeypatch.undo()
    # the chunk before the end (the last transaction also holds the lot, the journal entry, the
    # pending record and the two Σ buckets the retraction moves: 95 articles)
    assert _statuses(_books(tenant_id), refs) == {"retracted": 55, "stock": 95}
    lot = api.get(f"/api/lots/{lot_ref}").body
    assert {a["status"] for a in lot["articles"]} == {"stock"} and lot["status"] != "retracted"
    assert _books(tenant_id) == before
    done = api.post(f"/api/lots/{lot_ref}/retract", {"comment": "Double saisie"})
    assert done.status == 200 and {a["status"] for a in done.body["articles"]} == {"retracted"}


def test_a_compensation_failing_at_its_first_attempt_tries_again(
    shop: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.adapters import unit_of_work as repo
    from chalicelib.adapters.repositories import pending

    api, tenant_id = shop["api"], shop["tenant"].tenant_id
    refs = _many(shop, 250)
    before = _books(tenant_id)
    real_write, real_put_back = repo._write_chunk, pending._put_back
    calls = {"write": 0, "put_back": 0}

    def write(*args: Any, **kwargs: Any) -> None:
        calls["write"] += 1
        if calls["write"] == 2:
            raise RuntimeError("DynamoDB unavailable")
        real_write(*args, **kwargs)

    def put_back(*args: Any, **kwargs: Any) -> None:
        calls["put_back"] += 1
        if calls["put_back"] == 1:
            raise RuntimeError("DynamoDB still unavailable")
        real_put_back(*args, **kwargs)

    monkeypatch.setattr(repo, "_write_chunk", write)
    monkeypatch.setattr(pending, "_put_back", put_back)
    failed = api.post("/api/actions/deposit", {"refs": refs, "client_id": shop["client"], "date": "2021-03-01"})
    assert (failed.status, failed.error_code) == (500, "internal_error")
    assert calls["put_back"] == 2
    assert _books(tenant_id) == before  # put back by the second attempt, in the same request


def test_a_compensation_that_keeps_failing_is_finished_by_the_next_request(
    shop: dict[str, Any], monkeypatch: pytest.MonkeyPatch, no_grace: None
) -> None:
    from chalicelib.adapters import unit_of_work as repo
    from chalicelib.adapters.repositories import pending

    api, tenant_id = shop["api"], shop["tenant"].tenant_id
    refs = _many(shop, 250)
    before = _books(tenant_id)
    monkeypatch.setattr(repo, "_write_last", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("DynamoDB down")))
    monkeypatch.setattr(pending, "_put_back", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("still down")))
    monkeypatch.setattr(pending.time, "sleep", lambda seconds: None)
    failed = api.post("/api/actions/declare_lost", {"refs": refs, "date": "2021-03-01", "reason": "Dégât des eaux"})
    assert (failed.status, failed.error_code) == (500, "internal_error")
    assert "Traceback" not in json.dumps(failed.body)
    monkeypatch.undo()
    assert _statuses(_books(tenant_id), refs) == {"lost": 170, "stock": 80}  # the chunks stayed
    labels = api.post("/api/actions/labels", {"refs": refs[:1]})  # read-only: it recovers nothing...
    assert labels.status == 200 and labels.body["articles"][0]["status"] == "lost"
    assert api.get("/api/articles?status=lost").body["total"] == 0  # ...the inventory recovers first
    assert _books(tenant_id) == before


# ---------------------------------------------------------------- a closure killed halfway


def test_a_closure_killed_halfway_through_its_deletions_is_run_again_and_finishes(
    shop: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The jobs state machine retries a task whose Lambda died (jobs.asl.json); the closure
    resumes from the backup it wrote first, so the retry ends the work instead of leaving
    half of the period deleted and the job "running" forever."""
    from chalicelib.adapters.repositories import jobs as jobs_repo

    api, tenant_id = shop["api"], shop["tenant"].tenant_id
    lot = commit_lot(api, family_id=shop["family"], supplier_id=shop["supplier"], purchase_date="2021-01-05",
                     prices=["1.00", "2.00", "3.00", "4.00", "5.00", "6.00"])
    refs = [a["ref"] for a in lot["articles"]]
    assert api.post("/api/actions/sell", {"refs": refs[:4], "date": "2021-03-01", "payment_method": "card",
                                          "prices": {r: "9.00" for r in refs[:4]}}).status == 200
    before = _books(tenant_id)
    real = jobs_repo.delete_articles_and_lots
    runs: list[int] = []

    def dying_halfway(tenant: str, doomed: list[dict[str, Any]], lots: list[str], **kwargs: Any) -> set[str]:
        runs.append(len(doomed))
        if len(runs) == 1:
            real(tenant, doomed[:2], [], **kwargs)
            raise LambdaKilled()
        return real(tenant, doomed, lots, **kwargs)

    monkeypatch.setattr(jobs_repo, "delete_articles_and_lots", dying_halfway)
    job = wait_job(api, api.post("/api/closures", {"title": "Exercice 2021", "until": "2021-12-31"}))
    assert job["status"] == "succeeded", job
    assert runs == [4, 4]  # killed, then run again by the state machine
    assert job["result"]["deleted_articles"] == 4
    after = _books(tenant_id)
    assert set(after["articles"]) == set(before["articles"]) - set(refs[:4])
    assert (after["sales"], after["journal"], after["register"]) == (before["sales"], before["journal"],
                                                                    before["register"])
    (archive,) = api.get("/api/backups").body["items"]
    assert archive["status"] == "ready"
    from chalicelib.adapters import files
    from chalicelib.services.archives import read_backup

    saved = {r["article"]["ref"] for r in read_backup(files.get(jobs_repo.get_archive(tenant_id, archive["id"])["key"]))
             if r["type"] == "article"}
    assert saved == set(before["articles"])  # the backup was taken before anything was deleted


# ---------------------------------------------------------------- throttled DynamoDB


class _Throttle:
    """The moto server answers some DynamoDB requests as a throttled table does."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from botocore.retries import standard

        self.monkeypatch = monkeypatch
        self.lock = threading.Lock()
        self.rules: dict[str, tuple[str, Callable[[int, dict[str, Any]], BaseException | None], list[int]]] = {}
        monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, context: 0)  # fast retries

    def on(self, operation: str, table: str, refuse: Callable[[int, dict[str, Any]], BaseException | None]) -> None:
        """``refuse(n, body)`` for the n-th request of ``operation`` on ``table``: an error to answer, or None."""
        from moto.dynamodb.responses import DynamoHandler

        if operation not in self.rules:
            real = getattr(DynamoHandler, operation)

            def maybe_refused(handler: Any) -> Any:
                table_, rule, seen = self.rules[operation]
                body = handler.body if isinstance(handler.body, dict) else json.loads(handler.body)
                if f"-{table_}\"" in json.dumps(body, default=str):
                    with self.lock:
                        seen[0] += 1
                        error = rule(seen[0], body)
                    if error is not None:
                        raise error
                return real(handler)

            self.monkeypatch.setattr(DynamoHandler, operation, maybe_refused)
        self.rules[operation] = (table, refuse, [0])


def _throughput_exceeded() -> BaseException:
    from moto.core.exceptions import JsonRESTError

    return JsonRESTError("com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
                         "The level of configured provisioned throughput for the table was exceeded.")


def _transaction_throttled(body: dict[str, Any], code: str = "ThrottlingError") -> BaseException:
    from moto.dynamodb.exceptions import TransactionCanceledException

    reasons = [(None, None, None)] * len(body["TransactItems"])
    reasons[-1] = (code, "Throughput exceeds the current capacity of your table or index.", None)
    return TransactionCanceledException(reasons)


def test_a_throttled_last_transaction_answers_503_in_french_and_leaves_nothing_half_done(
    shop: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    api, tenant_id = shop["api"], shop["tenant"].tenant_id
    refs = _many(shop, 250)
    before = _books(tenant_id)
    throttle = _Throttle(monkeypatch)
    # The sale's transactions: chunk 1, chunk 2, the last one (throttled), then the putting back.
    throttle.on("transact_write_items", "articles",
                lambda n, body: _transaction_throttled(body) if n == 3 else None)
    refused = api.post("/api/actions/sell", {"refs": refs, "date": "2021-03-01", "payment_method": "card"})
    assert (refused.status, refused.error_code) == (503, "service_busy"), refused.body
    assert "réessayez" in refused.body["error"]["message"]
    assert refused.headers.get("Retry-After") == "2"
    assert _books(tenant_id) == before
    monkeypatch.undo()
    assert api.post("/api/actions/sell", {"refs": refs, "date": "2021-03-01", "payment_method": "card"}
                    ).body["sale"]["invoice_number"] == "F2021-00001"


def test_a_throttled_read_is_retried_by_the_sdk_then_answers_503_and_a_write_is_never_doubled(
    shop: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    api, tenant_id = shop["api"], shop["tenant"].tenant_id
    refs = _many(shop, 3)
    throttle = _Throttle(monkeypatch)
    # Every read of the articles table refused: the SDK's retries (4 attempts) run out.
    throttle.on("query", "articles", lambda n, body: _throughput_exceeded())
    throttle.on("batch_get_item", "articles", lambda n, body: _throughput_exceeded())
    busy = api.get("/api/articles")
    assert (busy.status, busy.error_code) == (503, "service_busy")
    assert api.post("/api/actions/sell", {"refs": refs[:1], "date": "2021-03-01", "payment_method": "cash"}
                    ).status == 503
    # Two refusals of the sale's transaction, then it passes: the SDK's retries hide them, and the
    # sale is made once (one invoice, one receipt, one sealed ticket).
    throttle.on("query", "articles", lambda n, body: None)
    throttle.on("batch_get_item", "articles", lambda n, body: None)
    throttle.on("transact_write_items", "articles", lambda n, body: _throughput_exceeded() if n <= 2 else None)
    sold = api.post("/api/actions/sell", {"refs": refs[:1], "date": "2021-03-01", "payment_method": "cash"})
    assert sold.status == 200, sold.body
    books = _books(tenant_id)
    assert len(books["sales"]) == 1 and books["receipts"] == ["01-00000001"]
    assert books["counters"]["register#01"][0] == 1


def test_two_transactions_colliding_on_an_article_answer_a_clean_409(
    shop: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """DynamoDB cancels a transaction that meets another one on the same item (moto, which
    serializes them, never does): the user is told to retry, nothing is written."""
    api, tenant_id = shop["api"], shop["tenant"].tenant_id
    refs = _many(shop, 2)
    before = _books(tenant_id)
    _Throttle(monkeypatch).on("transact_write_items", "articles",
                              lambda n, body: _transaction_throttled(body, "TransactionConflict"))
    refused = api.post("/api/actions/sell", {"refs": refs, "date": "2021-03-01", "payment_method": "card"})
    assert (refused.status, refused.error_code) == (409, "concurrent_change"), refused.body
    assert _books(tenant_id) == before



# ---------------------------------------------------------------- an idempotency key after a crash


def test_a_sale_killed_with_its_idempotency_key_frees_the_key_within_a_minute(
    shop: dict[str, Any], monkeypatch: pytest.MonkeyPatch, no_grace: None
) -> None:
    import time

    from chalicelib.adapters import unit_of_work as repo
    from chalicelib.adapters.aws import client
    from chalicelib.config import get_settings

    api, tenant_id = shop["api"], shop["tenant"].tenant_id
    refs = _many(shop, 3)
    body = {"refs": refs, "date": "2021-03-01", "payment_method": "card"}
    key = {"Idempotency-Key": "till-1-sale-42"}
    table = get_settings().table_name("idempotency")
    seen = {r["id"]["S"] for r in client("dynamodb").scan(TableName=table)["Items"]}
    _kill_on(monkeypatch, repo, "_write_last", call=1)
    with pytest.raises(LambdaKilled):
        api.post("/api/actions/sell", body, headers=key)
    monkeypatch.undo()

    # The dead request's record is in progress, and says so for at most a minute.
    records = client("dynamodb").scan(TableName=table)["Items"]
    mine = [r for r in records if r["id"]["S"] not in seen]
    assert [r["status"]["S"] for r in mine] == ["INPROGRESS"]
    expires_ms = int(mine[0]["in_progress_expiration"]["N"])
    assert expires_ms <= (time.time() + 61) * 1000  # was: blocked for the record's whole 24 h
    busy = api.post("/api/actions/sell", body, headers=key)
    assert (busy.status, busy.error_code) == (409, "request_in_progress")

    # Once it has expired (the clock moved on by a minute), the till's retry sells, once.
    client("dynamodb").update_item(
        TableName=table, Key={"id": mine[0]["id"]},
        UpdateExpression="SET in_progress_expiration = :t",
        ExpressionAttributeValues={":t": {"N": str(int((time.time() - 1) * 1000))}})
    sold = api.post("/api/actions/sell", body, headers=key)
    assert sold.status == 200, sold.body
    again = api.post("/api/actions/sell", body, headers=key)
    assert again.status == 200 and again.body["sale"] == sold.body["sale"]
    assert _statuses(_books(tenant_id), refs) == {"sold": 3}
    assert [e.number for e in _entries(tenant_id, "receipt")] == [sold.body["sale"]["receipt_number"]]
