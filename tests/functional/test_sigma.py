"""The Σ from aggregates and slim copies equals, to the cent, the article-by-article Σ.

Random lots, sales, returns, losses, melts, deposits, buy-backs of consigned articles
and corrections go through the API; then every filter the aggregates answer (and a
few only the slim copies answer) must give the figures :func:`search.summary` gives
over the articles as stored.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support import Api, commit_lot, sign_up

ARTICLES = 8  # 3 new, 3 used (purchase lots), 2 consigned
DATES = ("2025-02-03", "2025-02-28", "2025-03-01", "2025-06-15", "2026-01-31", "2026-02-01")
PRICES = ("0.01", "9.99", "55.00", "126.61", "333.33")
RATES = ("normal", "intermediate", "reduced", "exempt_export")
OPERATIONS = ("sell", "sell", "customer_return", "customer_return", "declare_lost", "melt_deposit", "melt_sell",
              "deposit", "deposit_return", "buy_consigned", "correct_price", "correct_rate", "correct_condition")

# Filters the aggregates answer: statuses and whole months of sale, or nothing.
BY_BUCKETS = (
    {}, {"status": "sold"}, {"status": "stock"}, {"status": "sold,sold_for_melt,lost"}, {"status": "replaced"},
    {"sale_from": "2025-02-01", "sale_to": "2025-02-28"}, {"sale_from": "2025-03-01"},
    {"sale_to": "2026-01-31", "status": "sold"}, {"sale_from": "2026-01-01", "sale_to": "2026-02-28"},
)
# Filters only articles answer: their slim copies (or, with text, whole articles).
BY_ARTICLES = (
    {"sale_from": "2025-02-03", "sale_to": "2025-03-01"}, {"condition": "new"}, {"price_min": "50"},
    {"vat_rate": "intermediate", "status": "sold"}, {"q": "article"},
)

operation = st.tuples(st.sampled_from(OPERATIONS), st.lists(st.integers(0, ARTICLES - 1), min_size=1, max_size=3,
                                                            unique=True),
                      st.sampled_from(DATES), st.sampled_from(PRICES), st.sampled_from(RATES))


def _reference(tenant_id: str, params: dict[str, str]) -> dict[str, Any]:
    """The article-by-article Σ over the articles as stored."""
    from chalicelib.adapters.repositories import articles as repo
    from chalicelib.domain import search
    from chalicelib.services.articles import parse_filters

    filters = parse_filters(params)
    found = [a for a in repo.all_articles(tenant_id) if search.matches(a, filters, set())]
    if not filters.statuses:
        found = [a for a in found if a.status != "replaced"]
    return search.summary(found)


def _query(params: dict[str, str]) -> str:
    return "&".join(f"{k}={v}" for k, v in params.items())


def _setup(api: Api) -> tuple[list[str], str]:
    family = api.post("/api/families", {"label": "Bijoux"}).body["id"]
    supplier = api.post("/api/suppliers", {"last_name": "Durand"}).body["id"]
    client = api.post("/api/clients", {"last_name": "Martin"}).body["id"]
    refs = []
    for condition, prices, kind in (("new", ["80.00", "12.35", "0.99"], "purchase"),
                                    ("used", ["40.00", "100.00", "7.77"], "purchase"),
                                    ("used", ["30.00", "60.00"], "consignment")):
        lot = commit_lot(api, family_id=family, supplier_id=supplier, prices=prices, kind=kind,
                         purchase_date="2025-01-10", condition=condition)
        refs += [a["ref"] for a in lot["articles"]]
    return refs, client


def _apply(api: Api, tenant_id: str, refs: list[str], client: str,
           step: tuple[str, list[int], str, str, str]) -> int:
    """One step on the picked articles that accept it (else on one that does; else a refusal)."""
    from chalicelib.adapters.repositories import articles as repo
    from chalicelib.domain.actions import TRANSITIONS

    name, picked, when, price, rate = step
    stored = repo.get_articles(tenant_id, refs)
    accepting = TRANSITIONS[name][0] if name in TRANSITIONS else {"stock", "sold", "on_deposit", "lost"}
    chosen = ([refs[i] for i in picked if stored[refs[i]].status in accepting]
              or [r for r in refs if stored[r].status in accepting][:1] or [refs[i] for i in picked])
    if name.startswith("correct_"):
        if name == "correct_condition":
            lot = stored[chosen[0]].lot_ref
            body = {"condition": "new" if int(price[0]) % 2 else "used", "reason": "Erreur de saisie"}
            return api.patch(f"/api/lots/{lot}", body).status
        body = {"purchase_price": price} if name == "correct_price" else {"vat_rate": rate}
        return api.patch(f"/api/articles/{chosen[0]}", {**body, "reason": "Erreur de saisie"}).status
    params: dict[str, Any] = {"refs": chosen, "date": when}
    if name == "sell":
        params |= {"payment_method": "card", "prices": dict.fromkeys(chosen, price),
                   "vat_rates": dict.fromkeys(chosen, rate)}
    elif name in ("customer_return", "declare_lost"):
        params["reason"] = "Motif"
    elif name == "melt_deposit":
        params["client_id"] = client
    elif name == "deposit":
        params |= {"client_id": client, "prices": dict.fromkeys(chosen, price)}
    elif name in ("melt_sell", "buy_consigned"):
        params["prices"] = dict.fromkeys(chosen, price)
    reply = api.post(f"/api/actions/{name}", params)
    if name == "buy_consigned" and reply.status == 200:
        renamed = {a["former_refs"][-1]: a["ref"] for a in reply.body["articles"]}
        refs[:] = [renamed.get(r, r) for r in refs]  # the next steps act on the new references
    return reply.status


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How many Σ the buckets answered (so the property is not met by the other paths alone)."""
    from chalicelib.adapters.repositories import sigma as sigma_repo

    calls = {"buckets": 0}
    original = sigma_repo.buckets

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls["buckets"] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(sigma_repo, "buckets", counting)
    return calls


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(operation, min_size=4, max_size=14))
def test_the_summary_from_aggregates_equals_the_article_by_article_summary(
        anonymous: Api, counted: dict[str, int], steps: list[tuple[str, list[int], str, str, str]]) -> None:
    tenant = sign_up(anonymous)
    api = tenant.api
    refs, client = _setup(api)
    for step in steps:
        assert _apply(api, tenant.tenant_id, refs, client, step) < 500, step
    before = counted["buckets"]
    for params in BY_BUCKETS + BY_ARTICLES:
        reply = api.get(f"/api/articles/summary?{_query(params)}")
        assert reply.status == 200, reply.body
        assert reply.body == _reference(tenant.tenant_id, params), params
    assert counted["buckets"] - before == len(BY_BUCKETS)


# ---------------------------------------------------------------- closures and restores

# What a closure until 2021-12-31 changes: the articles sold or lost in 2021 go.
AROUND_A_CLOSURE = ({}, {"status": "sold"}, {"status": "lost"}, {"status": "stock"},
                    {"sale_from": "2021-03-01", "sale_to": "2021-03-31"}, {"sale_from": "2022-01-01"},
                    {"sale_to": "2021-12-31"}, {"sale_from": "2021-03-01", "sale_to": "2021-03-15"})


def _same_as_articles(api: Api, tenant_id: str) -> dict[str, dict[str, Any]]:
    """Each Σ of :data:`AROUND_A_CLOSURE` through the API, checked against the articles as stored."""
    found = {}
    for params in AROUND_A_CLOSURE:
        reply = api.get(f"/api/articles/summary?{_query(params)}")
        assert reply.status == 200, reply.body
        assert reply.body == _reference(tenant_id, params), params
        found[_query(params)] = reply.body
    return found


def _closable(api: Api) -> list[str]:
    family = api.post("/api/families", {"label": "Bijoux"}).body["id"]
    supplier = api.post("/api/suppliers", {"last_name": "Durand"}).body["id"]
    refs = [a["ref"] for a in commit_lot(api, family_id=family, supplier_id=supplier, purchase_date="2021-01-05",
                                         prices=["10.00", "20.00", "30.00", "40.00", "50.00"],
                                         condition="new")["articles"]]
    for sold, when in ((refs[:2], "2021-03-01"), (refs[2:3], "2022-02-01")):
        reply = api.post("/api/actions/sell", {"refs": sold, "date": when, "payment_method": "card",
                                               "prices": dict.fromkeys(sold, "99.00")})
        assert reply.status == 200, reply.body
    lost = api.post("/api/actions/declare_lost", {"refs": refs[3:4], "date": "2021-05-02", "reason": "Vol"})
    assert lost.status == 200, lost.body
    return refs


def test_a_closure_takes_what_it_deletes_out_of_the_summary_of_every_period(
        tenant: Any, counted: dict[str, int]) -> None:
    from tests.functional.test_year_end import wait_job

    api = tenant.api
    _closable(api)
    before = _same_as_articles(api, tenant.tenant_id)
    assert before["sale_from=2021-03-01&sale_to=2021-03-31"]["sale_total"] == "198.00"

    job = wait_job(api, api.post("/api/closures", {"title": "Exercice 2021", "until": "2021-12-31"}))
    assert job["status"] == "succeeded", job
    assert job["result"]["deleted_articles"] == 3
    after = _same_as_articles(api, tenant.tenant_id)
    assert after["sale_from=2021-03-01&sale_to=2021-03-31"]["count"] == 0  # sold in 2021: closed and gone
    assert after["status=lost"]["count"] == 0
    assert after["sale_from=2022-01-01"] == before["sale_from=2022-01-01"]  # the next year keeps its figures
    assert after[""]["count"] == 2 and after[""]["purchase_total"] == "80.00"
    assert counted["buckets"] > 0


def test_a_closure_failing_halfway_puts_its_articles_back_into_the_summary(
        tenant: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.adapters.repositories import jobs as jobs_repo
    from tests.functional.test_year_end import wait_job

    api = tenant.api
    _closable(api)
    before = _same_as_articles(api, tenant.tenant_id)

    def fail_after_deleting(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("throttled")

    monkeypatch.setattr(jobs_repo, "save_search_documents", fail_after_deleting)
    failed = wait_job(api, api.post("/api/closures", {"title": "Exercice 2021", "until": "2021-12-31"}))
    assert failed["status"] == "failed"
    assert _same_as_articles(api, tenant.tenant_id) == before


def test_a_restored_backup_has_the_summary_of_its_articles(tenant: Any, other_tenant: Any) -> None:
    from infrastructure import restore
    from tests.functional.test_year_end import wait_job

    _closable(tenant.api)
    job = wait_job(tenant.api, tenant.api.post("/api/closures", {"title": "Exercice 2021", "until": "2021-12-31"}))
    assert job["status"] == "succeeded", job
    expected = _same_as_articles(tenant.api, tenant.tenant_id)
    # the backup was taken before the closure: the restored company has all five articles
    assert restore.main([tenant.tenant_id, job["result"]["archive_id"], other_tenant.tenant_id]) == 0
    restored = _same_as_articles(other_tenant.api, other_tenant.tenant_id)
    assert restored[""]["count"] == 5 and restored != expected
    assert restored["sale_from=2021-03-01&sale_to=2021-03-31"]["sale_total"] == "198.00"


# ---------------------------------------------------------------- a closure's deletions, side by side

class _Killed(BaseException):  # noqa: N818 - a process that dies: no ``except Exception`` runs
    """A job's Lambda killed in the middle of the closure's deletions."""


def _closure_archive(tenant_id: str, until: str) -> str:
    """A closure's archive item, as ``POST /api/closures`` reserves it, to run its job here."""
    from datetime import UTC, datetime

    from chalicelib.adapters.repositories import jobs as jobs_repo
    from chalicelib.services import archives

    archive_id = jobs_repo.job_id()
    jobs_repo.put_archive(tenant_id, {"id": archive_id, "kind": "closure", "status": "running", "title": "Exercice",
                                      "key": archives._key(tenant_id, archive_id), "info": {"until": until},
                                      "created_at": datetime.now(UTC).isoformat()})
    return archive_id


def _one_article_a_transaction(monkeypatch: pytest.MonkeyPatch, fail_on: int, error: BaseException) -> None:
    """Each article deleted by its own transaction, one at a time; the ``fail_on``-th raises."""
    from chalicelib.adapters.repositories import sigma as sigma_repo

    monkeypatch.setattr(sigma_repo, "MOVE_CHUNK", 1)
    monkeypatch.setattr(sigma_repo, "WRITERS", 1)
    real, calls = sigma_repo._delete_chunk, []

    def failing(*args: Any) -> set[str]:
        calls.append(1)
        if len(calls) == fail_on:
            raise error
        return real(*args)

    monkeypatch.setattr(sigma_repo, "_delete_chunk", failing)


def test_a_closure_killed_in_its_deletions_leaves_the_summary_right_once_recovered_and_resumed(
        tenant: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.adapters.repositories import pending
    from chalicelib.adapters.repositories import sigma as sigma_repo
    from chalicelib.services import archives

    api, tenant_id = tenant.api, tenant.tenant_id
    _closable(api)
    before = _same_as_articles(api, tenant_id)
    archive_id = _closure_archive(tenant_id, "2021-12-31")
    params = {"archive_id": archive_id, "until": "2021-12-31"}
    _one_article_a_transaction(monkeypatch, 3, _Killed())
    with pytest.raises(_Killed):
        archives.run_closure(tenant_id, params, lambda _: None)
    monkeypatch.undo()
    # Two articles went, each with the move of its figures, not yet in the buckets.
    assert len(sigma_repo.pending_moves(tenant_id)) == 2
    assert sum(f["count"] for f in sigma_repo.buckets(tenant_id).values()) == 5
    # The tenant's next read folds them: every Σ is that of the three articles left.
    monkeypatch.setattr(pending, "READ_CHECK_SECONDS", 0)
    recovered = _same_as_articles(api, tenant_id)
    assert recovered[""]["count"] == 3 and not sigma_repo.pending_moves(tenant_id)
    assert recovered["sale_from=2022-01-01"] == before["sale_from=2022-01-01"]
    # The job run again finishes the closure from its backup.
    result = archives.run_closure(tenant_id, params, lambda _: None)
    assert result["deleted_articles"] == 3
    after = _same_as_articles(api, tenant_id)
    assert after[""]["count"] == 2 and after["status=lost"]["count"] == 0
    assert after["sale_from=2021-03-01&sale_to=2021-03-31"]["count"] == 0


def test_a_closure_failing_in_its_deletions_puts_back_what_went_and_its_figures(
        tenant: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.adapters.repositories import sigma as sigma_repo
    from chalicelib.services import archives

    api, tenant_id = tenant.api, tenant.tenant_id
    _closable(api)
    before = _same_as_articles(api, tenant_id)
    _one_article_a_transaction(monkeypatch, 3, RuntimeError("throttled"))
    with pytest.raises(RuntimeError):
        archives.run_closure(tenant_id, {"archive_id": _closure_archive(tenant_id, "2021-12-31"),
                                         "until": "2021-12-31"}, lambda _: None)
    monkeypatch.undo()
    assert not sigma_repo.pending_moves(tenant_id)
    assert _same_as_articles(api, tenant_id) == before
    assert api.get("/api/articles?page_size=500").body["total"] == 5


def test_an_article_changed_after_the_closure_s_backup_is_kept_with_its_figures(
        tenant: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.adapters.repositories import jobs as jobs_repo
    from chalicelib.services import archives

    api, tenant_id = tenant.api, tenant.tenant_id
    refs = _closable(api)
    real = jobs_repo.record_purge

    def returned_meanwhile(*args: Any) -> None:
        real(*args)  # the closure took its backup and listed what it deletes; then a customer returns one
        if len(calls) == 0:
            calls.append(1)
            reply = api.post("/api/actions/customer_return", {"refs": refs[:1], "date": "2022-01-10",
                                                              "reason": "Motif"})
            assert reply.status == 200, reply.body

    calls: list[int] = []
    monkeypatch.setattr(jobs_repo, "record_purge", returned_meanwhile)
    result = archives.run_closure(tenant_id, {"archive_id": _closure_archive(tenant_id, "2021-12-31"),
                                              "until": "2021-12-31"}, lambda _: None)
    assert result["deleted_articles"] == 2
    after = _same_as_articles(api, tenant_id)
    assert after[""]["count"] == 3
    returned = api.get(f"/api/articles/{refs[0]}")
    assert returned.status == 200 and returned.body["status"] != "sold"
    assert refs[0] not in jobs_repo.purged_refs(tenant_id)[0]
