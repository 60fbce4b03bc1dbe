"""Fifty people at once, over real HTTP, against the moto server.

The requests go through the local server (``infrastructure/local/server.py``:
one thread per connection, Chalice's API Gateway emulation) to the moto server,
whose DynamoDB serializes writes as DynamoDB serializes conflicting ones
(``infrastructure/local/moto_fixes.py``). Fifty users of one company, released
together by a barrier: they commit lots, sell overlapping selections, and return
and sell again, all at once. What the dealer would notice is checked: no
reference twice, no article sold twice, numbers without gaps or duplicates, and
what the inventory and the sealed register say agreeing with the sales made.

Builds on tests/functional/test_lots.py (20 concurrent commits) and
tests/functional/test_actions.py (two tills selling one article, 200 rounds).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.support import Api, Reply, TenantSession, free_port, http_transport, sign_up

USERS = 50


@pytest.fixture(scope="module")
def http(aws_stack: Any) -> Iterator[Any]:
    """The API over HTTP, as the site reaches it."""
    from app import app
    from infrastructure.local.server import LocalServer

    port = free_port()
    server = LocalServer(app, Path(__file__).resolve().parents[2] / "static-site", "127.0.0.1", port)
    server.start()
    yield http_transport(f"http://127.0.0.1:{port}")
    server.stop()


def _at_once(calls: list[Callable[[], Reply]]) -> list[Reply]:
    """Run every call in its own thread, released together; replies in call order."""
    start = threading.Barrier(len(calls))
    replies: list[Any] = [None] * len(calls)

    def run(n: int) -> None:
        start.wait()
        try:
            replies[n] = calls[n]()
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            replies[n] = exc

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(isinstance(r, Reply) for r in replies), [r for r in replies if not isinstance(r, Reply)]
    return replies


def _gap_free(numbers: list[str], expected: list[str], what: str) -> None:
    assert len(numbers) == len(set(numbers)), f"duplicate {what}: {sorted(numbers)}"
    assert sorted(numbers) == expected, f"{what} with gaps: {sorted(numbers)}"


def _refused_cleanly(reply: Reply) -> None:
    assert reply.status == 409, (reply.status, reply.body)
    assert reply.error_code in ("wrong_status", "busy"), reply.body
    assert reply.body["error"]["message"]


@pytest.fixture(scope="module")
def company(anonymous: Api, http: Any) -> dict[str, Any]:
    """A company with fifty users (the operator raised its seat limit), each a session over HTTP."""
    from chalicelib.adapters.aws import ensure_models_bound
    from chalicelib.adapters.models import TenantModel

    owner: TenantSession = sign_up(anonymous, company="Grande Brocante", creation_year=2015)
    ensure_models_bound()
    TenantModel(owner.tenant_id).update(actions=[TenantModel.max_users.set(USERS)])
    family = owner.api.post("/api/families", {"label": "Divers"}).body["id"]
    supplier = owner.api.post("/api/suppliers", {"last_name": "Durand", "first_names": "Marc"}).body["id"]
    client = owner.api.post("/api/clients", {"last_name": "Garnier"}).body["id"]
    with ThreadPoolExecutor(16) as pool:
        others = list(pool.map(lambda _: owner.add_user("collaborator"), range(USERS - 1)))
    sessions = [Api(http, api.token) for api in (owner.api, *others)]
    return {"owner": owner, "sessions": sessions, "family": family, "supplier": supplier, "client": client}


def test_fifty_users_commit_sell_and_return_at_once_without_duplicates_or_gaps(company: dict[str, Any]) -> None:
    sessions: list[Api] = company["sessions"]
    manager = sessions[0]

    # ---- fifty lots committed at once, each by its own user from its own draft
    def prepare(api: Api) -> None:
        assert api.put("/api/lots/draft", {"supplier_id": company["supplier"], "purchase_date": "2021-06-01",
                                           "purchase_price": "6.00", "payment_method": "card"}).status == 200
        assert api.post("/api/lots/draft/lines", {"description": "Objet", "family_id": company["family"],
                                                  "purchase_price": "3.00", "quantity": 2}).status == 201

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(prepare, sessions))
    commits = _at_once([lambda api=api: api.post("/api/lots/draft/commit", {"mode": "purchase"})
                        for api in sessions])
    assert [r.status for r in commits] == [201] * USERS, [r.body for r in commits if r.status != 201]
    lots = [r.body["lot"]["ref"] for r in commits]
    assert len({ref[:4] for ref in lots}) == 1  # one year of activity and month: 07 06
    _gap_free([ref[4:] for ref in lots], [f"{n:03d}" for n in range(1, USERS + 1)], "lot ranks")
    articles = [a["ref"] for r in commits for a in r.body["articles"]]
    assert len(articles) == len(set(articles)) == 2 * USERS
    assert manager.get("/api/lots?page_size=500").body["total"] == USERS
    register = manager.get("/api/compliance/police-files?page_size=500").body["items"]
    assert sorted(e["lot_ref"] for e in register) == sorted(lots)  # each lot sealed once
    _gap_free([e["number"] for e in register], sorted(str(n) for n in range(1, USERS + 1)), "register numbers")

    # ---- fifty overlapping sales at once: a ring of 60 articles, each wanted by three tills
    ring, spare = sorted(articles)[:60], sorted(articles)[60:]

    def sell(api: Api, refs: list[str], day: str = "2021-07-01") -> Callable[[], Reply]:
        return lambda: api.post("/api/actions/sell", {"refs": refs, "date": day, "payment_method": "cash",
                                                      "prices": {r: "10.00" for r in refs}})

    wanted = [[ring[(n + k) % len(ring)] for k in range(3)] for n in range(0, 2 * USERS, 2)]
    sales = _at_once([sell(api, refs) for api, refs in zip(sessions, wanted, strict=True)])
    won = {n: r.body for n, r in enumerate(sales) if r.status == 200}
    for reply in sales:
        if reply.status != 200:
            _refused_cleanly(reply)
    assert won
    sold_by = Counter(a["ref"] for body in won.values() for a in body["articles"])
    assert max(sold_by.values()) == 1, "an article sold twice"
    first_round = len(won)
    _gap_free([b["sale"]["invoice_number"] for b in won.values()],
              [f"F2021-{n:05d}" for n in range(1, first_round + 1)], "invoice numbers")
    _gap_free([b["sale"]["receipt_number"] for b in won.values()],
              [f"01-{n:08d}" for n in range(1, first_round + 1)], "receipt numbers")
    sale_of = {a["ref"]: b["sale"]["transaction_ref"] for b in won.values() for a in b["articles"]}
    stored = {a["ref"]: a for a in manager.get("/api/articles?page_size=500").body["items"]}
    assert {ref for ref, a in stored.items() if a["status"] == "sold"} == set(sale_of)
    assert all(stored[ref]["transaction_ref"] == tx for ref, tx in sale_of.items())
    for body in won.values():
        sale = manager.get(f"/api/sales/{body['sale']['transaction_ref']}").body
        assert sorted(line["ref"] for line in sale["lines"]) == sorted(a["ref"] for a in body["articles"])

    # ---- at once: returns of overlapping pairs of sold articles, and new overlapping sales
    sold = sorted(sale_of)
    giving_back = [[sold[n % len(sold)], sold[(n + 1) % len(sold)]] for n in range(USERS // 2)]
    new_sales = [[spare[(n + k) % len(spare)] for k in range(2)] for n in range(USERS // 2)]
    calls = [lambda api=api, refs=refs: api.post("/api/actions/customer_return", {
        "refs": refs, "date": "2021-07-02", "reason": "Ne convient pas"})
        for api, refs in zip(sessions[:USERS // 2], giving_back, strict=True)]
    calls += [sell(api, refs, "2021-07-02") for api, refs in zip(sessions[USERS // 2:], new_sales, strict=True)]
    replies = _at_once(calls)
    returns = [r.body for r in replies[:USERS // 2] if r.status == 200]
    resales = [r.body for r in replies[USERS // 2:] if r.status == 200]
    for reply in replies:
        if reply.status != 200:
            _refused_cleanly(reply)
    assert returns and resales
    returned = Counter(a["ref"] for body in returns for a in body["articles"])
    assert max(returned.values()) == 1, "an article returned twice"
    assert max(Counter(a["ref"] for body in resales for a in body["articles"]).values()) == 1
    _gap_free([n for body in returns for n in body["credit_note_numbers"]],
              sorted({f"AV-{n:05d}" for n in range(1, sum(len(b["credit_note_numbers"]) for b in returns) + 1)}),
              "credit note numbers")
    _gap_free([b["sale"]["invoice_number"] for b in resales],
              [f"F2021-{n:05d}" for n in range(first_round + 1, first_round + len(resales) + 1)], "invoice numbers")
    tickets = ([b["sale"]["receipt_number"] for b in won.values()] + [b["receipt_number"] for b in returns]
               + [b["sale"]["receipt_number"] for b in resales])
    _gap_free(tickets, [f"01-{n:08d}" for n in range(1, len(tickets) + 1)], "receipt numbers")

    # ---- what the inventory, the sales and the sealed receipts say afterwards
    stored = {a["ref"]: a for a in manager.get("/api/articles?page_size=500").body["items"]}
    resold = {a["ref"]: b["sale"]["transaction_ref"] for b in resales for a in b["articles"]}
    for ref in articles:
        article = stored[ref]
        if ref in returned:
            assert (article["status"], article["transaction_ref"], article["sale_price"]) == ("stock", None, None)
        elif ref in sale_of or ref in resold:
            assert article["status"] == "sold", ref
            assert article["transaction_ref"] == (sale_of.get(ref) or resold[ref])
        else:
            assert article["status"] == "stock", ref
    receipts = manager.get("/api/compliance/receipts?page_size=500").body["items"]
    assert sorted(r["number"] for r in receipts) == sorted(tickets)  # each sealed once, none invented
    verified = manager.get("/api/compliance/verify").body
    assert verified["ok"] is True, verified["first_broken"]


def test_parallel_commits_of_the_same_draft_burn_no_rank(anonymous: Api, http: Any) -> None:
    """Three users, each firing three commits of their draft at once (double clicks, two tabs):
    three lots ranked 001, 002, 003, the six other requests refused, the counter at 3."""
    from chalicelib.adapters.aws import ensure_models_bound
    from chalicelib.adapters.models import CounterModel

    owner: TenantSession = sign_up(anonymous, company="Brocante des Trois", creation_year=2015)
    family = owner.api.post("/api/families", {"label": "Divers"}).body["id"]
    supplier = owner.api.post("/api/suppliers", {"last_name": "Durand", "first_names": "Marc"}).body["id"]
    users = [Api(http, api.token) for api in (owner.api, owner.add_user("collaborator"),
                                              owner.add_user("collaborator"))]
    for api in users:
        assert api.put("/api/lots/draft", {"supplier_id": supplier, "purchase_date": "2021-09-01",
                                           "purchase_price": "4.00", "payment_method": "card"}).status == 200
        assert api.post("/api/lots/draft/lines", {"description": "Objet", "family_id": family,
                                                  "purchase_price": "2.00", "quantity": 2}).status == 201

    replies = _at_once([lambda api=api: api.post("/api/lots/draft/commit", {"mode": "purchase"})
                        for api in users for _ in range(3)])
    won = [r for r in replies if r.status == 201]
    assert sorted(r.body["lot"]["ref"] for r in won) == ["0709001", "0709002", "0709003"], \
        [(r.status, r.body) for r in replies]
    for n in range(3):  # one lot per user, the user's two other clicks refused
        assert [r.status for r in replies[3 * n:3 * n + 3]].count(201) == 1
    losers = [r for r in replies if r.status != 201]
    assert len(losers) == 6
    assert all(r.status == 409 and r.error_code == "concurrent_change" and r.body["error"]["message"]
               for r in losers), [r.body for r in losers]
    ensure_models_bound()
    assert CounterModel.get(owner.tenant_id, "lot#purchase#2021-09").value == 3  # nothing else burnt
    assert users[0].get("/api/lots").body["total"] == 3
    # the next lot of the month follows on
    assert users[1].put("/api/lots/draft", {"supplier_id": supplier, "purchase_date": "2021-09-02",
                                            "purchase_price": "2.00", "payment_method": "card"}).status == 200
    users[1].post("/api/lots/draft/lines", {"description": "Objet", "family_id": family, "purchase_price": "2.00"})
    assert users[1].post("/api/lots/draft/commit", {"mode": "purchase"}).body["lot"]["ref"] == "0709004"
