"""The journal: every legal event, appended, which the stream seals into the vault."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from chalicelib.adapters.models import JournalModel
from chalicelib.adapters.repositories._common import pack
from chalicelib.domain.records import JournalEntry


def journal_item(tenant_id: str, kind: str, subject: str, payload: dict[str, Any]) -> JournalModel:
    now = datetime.now(UTC)
    seq = f"{now:%Y%m%dT%H%M%S.%f}#{secrets.token_hex(4)}"
    return JournalModel(tenant_id, seq, kind=kind, subject=subject, payload=pack(payload), at=now)


def entry_item(tenant_id: str, entry: JournalEntry) -> JournalModel:
    return journal_item(tenant_id, entry.kind, entry.subject, entry.payload)
