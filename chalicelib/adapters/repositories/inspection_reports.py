"""The inspection reports: written once with their journal entry (sealed in the
``inspection`` chain), never overwritten."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.aws import ensure_models_bound
from chalicelib.adapters.models import InspectionModel, JournalModel
from chalicelib.adapters.repositories._common import cancellation_codes, connection
from chalicelib.adapters.repositories.journal import journal_item


@dataclass(frozen=True)
class Inspection:
    id: str
    at: str
    inspector: str
    service: str
    email: str
    text: str
    md5: str
    sha256: str
    by: str
    seq: str


class InspectionExistsError(Exception):
    """An inspection report is never written twice (nor overwritten)."""


def new_inspection_id(at: datetime) -> str:
    return f"insp_{at:%Y%m%d%H%M%S%f}_{secrets.token_hex(3)}"


def add_inspection(tenant_id: str, inspection: Inspection, payload: dict[str, Any]) -> Inspection:
    """The report and its journal entry together; the report only if its id is new."""
    journal = journal_item(tenant_id, "inspection", inspection.id, payload)
    stored = Inspection(**{**inspection.__dict__, "seq": str(journal.seq)})
    item = InspectionModel(tenant_id, stored.id, at=stored.at, inspector=stored.inspector, service=stored.service,
                           email=stored.email, text=stored.text, md5=stored.md5, sha256=stored.sha256,
                           by=stored.by, seq=stored.seq)
    try:
        with TransactWrite(connection=connection()) as tx:
            tx.save(item, condition=InspectionModel.id.does_not_exist())
            tx.save(journal, condition=JournalModel.seq.does_not_exist())
    except TransactWriteError as exc:
        if "ConditionalCheckFailed" in cancellation_codes(exc):
            raise InspectionExistsError(stored.id) from None
        raise
    return stored


def list_inspections(tenant_id: str) -> list[Inspection]:
    ensure_models_bound()
    return [Inspection(i.id, i.at, i.inspector, i.service, i.email, i.text, i.md5, i.sha256, i.by, i.seq)
            for i in InspectionModel.query(tenant_id, consistent_read=True)]
