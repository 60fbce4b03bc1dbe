"""Closings (daily, monthly, yearly): their markers, each written once with its journal entry."""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.aws import ensure_models_bound
from chalicelib.adapters.models import CounterModel
from chalicelib.adapters.repositories._common import cancellation_codes, connection
from chalicelib.adapters.repositories.journal import entry_item
from chalicelib.domain.records import JournalEntry


def closing_markers(tenant_id: str) -> dict[str, dict[str, Any] | None]:
    """The markers of the closings made, with the state each keeps (a daily closing's high-water mark)."""
    ensure_models_bound()
    return {i.key: dict(i.state) if i.state else None
            for i in CounterModel.query(tenant_id, CounterModel.key.startswith("closing#"), consistent_read=True)}


def record_closing(tenant_id: str, key: str, journal: JournalEntry, state: dict[str, Any] | None = None) -> bool:
    """The closing's marker (with its state) and its journal entry together; False if already closed."""
    try:
        with TransactWrite(connection=connection()) as tx:
            tx.save(CounterModel(tenant_id, key, value=1, state=state), condition=CounterModel.key.does_not_exist())
            tx.save(entry_item(tenant_id, journal))
    except TransactWriteError as exc:
        if "ConditionalCheckFailed" in cancellation_codes(exc):
            return False
        raise
    return True
