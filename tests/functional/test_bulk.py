"""Bulk reads and writes side by side (chalicelib/adapters/repositories/bulk.py, issue 17
item 3): a backup's articles read as parallel range queries come back exactly as one
query gives them; a closure's batch deletions retry what DynamoDB leaves unprocessed."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import pytest

from chalicelib.adapters.repositories import bulk


@pytest.fixture
def lots(aws_stack: Any) -> tuple[Any, str, list[str]]:
    """130 lots of one tenant under references of one width, unevenly spread, plus two odd ones."""
    from chalicelib.adapters.aws import ensure_models_bound
    from chalicelib.adapters.models import LotModel

    ensure_models_bound()
    tenant_id = f"t_{uuid.uuid4().hex[:12]}"
    refs = [f"05{m:02d}{n:03d}" for m in (1, 2, 11) for n in range(1, 41)] + [f"2401{n:03d}" for n in range(1, 9)]
    refs += ["0000000", "ZZ-1"]
    with LotModel.batch_write() as batch:
        for ref in refs:
            batch.save(LotModel(tenant_id, ref, kind="purchase", data={"status": "committed", "n": ref}))
    return LotModel, tenant_id, sorted(refs)


def test_range_queries_side_by_side_read_every_item_once_in_key_order(lots: tuple[Any, str, list[str]]) -> None:
    model, tenant_id, refs = lots
    sequential = [(i.ref, i.data) for i in model.query(tenant_id)]
    assert [r for r, _ in sequential] == refs
    for readers in (1, 3, 8, 16):
        assert [(i.ref, i.data) for i in bulk.query_in_ranges(model, tenant_id, readers)] == sequential
    assert list(bulk.query_in_ranges(model, "t_nobody")) == []


class _Throttled:
    """The DynamoDB client, but each BatchWriteItem leaves its last ``refused`` requests
    unprocessed, ``rounds`` times over."""

    def __init__(self, client: Any, refused: int, rounds: int) -> None:
        self._client, self.refused, self.rounds, self.calls = client, refused, rounds, 0
        self._lock = threading.Lock()  # the writers call it from several threads

    def batch_write_item(self, RequestItems: dict[str, list[Any]]) -> dict[str, Any]:  # noqa: N803 - boto's name
        with self._lock:
            self.calls += 1
            throttle = self.rounds > 0
            self.rounds -= 1
        if not throttle:
            return self._client.batch_write_item(RequestItems=RequestItems)
        (table, requests), = RequestItems.items()
        done, left = requests[:-self.refused], requests[-self.refused:]
        if done:
            self._client.batch_write_item(RequestItems={table: done})
        return {"UnprocessedItems": {table: left}}


def test_a_throttled_batch_write_is_retried_until_everything_is_deleted(
    lots: tuple[Any, str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    model, tenant_id, refs = lots
    connection = bulk.connection()
    throttled = _Throttled(connection.client, refused=5, rounds=bulk.ATTEMPTS - 1)  # one writer may draw them all
    monkeypatch.setattr(bulk, "connection", lambda: type("C", (), {"client": throttled})())
    monkeypatch.setattr(bulk, "_pause", lambda attempt: None)
    seen: list[int] = []
    doomed = refs[:100]
    assert bulk.batch_delete(model, tenant_id, doomed, progress=seen.append) == 100
    assert [i.ref for i in model.query(tenant_id)] == refs[100:]  # exactly those, nothing else
    assert throttled.calls >= 4 + bulk.ATTEMPTS - 1  # four batches of 25, and the unprocessed ones sent again
    assert seen[-1] == 100 and seen == sorted(seen)


def test_deletions_refused_every_time_fail_the_closure_step_without_touching_the_rest(
    lots: tuple[Any, str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    model, tenant_id, refs = lots
    throttled = _Throttled(bulk.connection().client, refused=25, rounds=10_000)
    monkeypatch.setattr(bulk, "connection", lambda: type("C", (), {"client": throttled})())
    monkeypatch.setattr(bulk, "_pause", lambda attempt: None)
    with pytest.raises(bulk.UnprocessedItemsError):
        bulk.batch_delete(model, tenant_id, refs[:25])
    assert [i.ref for i in model.query(tenant_id)] == refs
