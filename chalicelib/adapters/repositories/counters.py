"""Number sequences (lot ranks, invoices, receipts, credit notes) and the state some carry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import DoesNotExist

from chalicelib.adapters.aws import ensure_models_bound
from chalicelib.adapters.models import CounterModel


def next_value(tenant_id: str, key: str) -> int:
    """The next number of a sequence: one atomic increment, unique under concurrency."""
    ensure_models_bound()
    counter = CounterModel(tenant_id, key)
    counter.update(actions=[CounterModel.value.add(1)])  # pynamodb reads back ALL_NEW
    return int(counter.value)


def counter_value(tenant_id: str, key: str) -> int:
    ensure_models_bound()
    try:
        return int(CounterModel.get(tenant_id, key, consistent_read=True).value)
    except DoesNotExist:
        return 0


def counter_state(tenant_id: str, key: str) -> tuple[int, dict[str, Any]]:
    """A counter and the small state it carries (a cash register's running totals)."""
    ensure_models_bound()
    try:
        item = CounterModel.get(tenant_id, key, consistent_read=True)
    except DoesNotExist:
        return 0, {}
    return int(item.value), dict(item.state or {})


@dataclass
class CounterMove:
    """Move a counter from the value read to a new one, only if nobody moved it since."""

    seen: int
    new: int
    state: dict[str, Any] | None = None


def move(tx: Any, tenant_id: str, key: str, counter: CounterMove) -> None:
    """Add the conditional update of one counter to a transaction (see adapters/unit_of_work.py)."""
    actions = [CounterModel.value.set(counter.new)]
    if counter.state is not None:
        actions.append(CounterModel.state.set(counter.state))
    tx.update(CounterModel(tenant_id, key), actions=actions,
              condition=(CounterModel.value == counter.seen) if counter.seen
              else CounterModel.key.does_not_exist())
