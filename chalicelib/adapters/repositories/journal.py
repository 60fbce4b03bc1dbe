"""The journal: every legal event, appended, which the stream seals into the vault; and its
entries read back as the stream delivers them (:class:`JournalRecord`, payload still packed)."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from chalicelib.adapters.aws import ensure_models_bound
from chalicelib.adapters.models import JournalModel
from chalicelib.adapters.repositories._common import pack, unpack
from chalicelib.domain.records import JournalEntry


def journal_item(tenant_id: str, kind: str, subject: str, payload: dict[str, Any]) -> JournalModel:
    now = datetime.now(UTC)
    seq = f"{now:%Y%m%dT%H%M%S.%f}#{secrets.token_hex(4)}"
    return JournalModel(tenant_id, seq, kind=kind, subject=subject, payload=pack(payload), at=now)


def entry_item(tenant_id: str, entry: JournalEntry) -> JournalModel:
    return journal_item(tenant_id, entry.kind, entry.subject, entry.payload)


@dataclass(frozen=True)
class JournalRecord:
    """A journal entry as the stream delivers it (payload still packed)."""

    tenant_id: str
    seq: str
    kind: str
    subject: str
    payload: bytes
    at: str


def _scalar(attribute: Any) -> Any:
    if not isinstance(attribute, dict) or len(attribute) != 1:
        raise ValueError("not a DynamoDB attribute value")
    (type_, value), = attribute.items()
    if type_ == "B":
        return value if isinstance(value, (bytes, bytearray)) else base64.b64decode(value, validate=True)
    if type_ in ("S", "N"):
        return value
    raise ValueError(f"unexpected attribute type {type_}")


def record_from_image(image: dict[str, Any]) -> JournalRecord:
    """A stream record's NewImage (DynamoDB JSON, binaries in base64) as an entry."""
    return JournalRecord(
        tenant_id=str(_scalar(image["tenant_id"])),
        seq=str(_scalar(image["seq"])),
        kind=str(_scalar(image["kind"])),
        subject=str(_scalar(image.get("subject", {"S": ""}))),
        payload=bytes(_scalar(image["payload"])),
        at=str(_scalar(image.get("at", {"S": ""}))),
    )


def decode_payload(payload: bytes) -> dict[str, Any]:
    value = unpack(payload)
    if not isinstance(value, dict):
        raise ValueError("a journal payload is a JSON object")
    return value


def get_journal(tenant_id: str, seq: str) -> JournalRecord:
    ensure_models_bound()
    item = JournalModel.get(tenant_id, seq, consistent_read=True)
    return JournalRecord(item.tenant_id, item.seq, item.kind, item.subject, bytes(item.payload),
                         item.at.isoformat() if item.at else "")


def journal_about(tenant_id: str, subject: str, kinds: Iterable[str], after_seq: str | None = None
                  ) -> Iterator[JournalRecord]:
    """The journal entries about ``subject`` of ``kinds`` after ``after_seq``, newest first
    (strongly consistent: what an API call just wrote is there). The caller stops reading
    once it has what it needs."""
    ensure_models_bound()
    wanted = tuple(kinds)
    items = JournalModel.query(
        tenant_id, JournalModel.seq > after_seq if after_seq else None,
        filter_condition=(JournalModel.subject == subject) & JournalModel.kind.is_in(*wanted),
        scan_index_forward=False, consistent_read=True, page_size=500)
    for item in items:
        yield JournalRecord(item.tenant_id, item.seq, item.kind, item.subject, bytes(item.payload),
                            item.at.isoformat() if item.at else "")


def put_journal(tenant_id: str, kind: str, subject: str, payload: dict[str, Any]) -> str:
    ensure_models_bound()
    item = journal_item(tenant_id, kind, subject, payload)
    item.save(condition=JournalModel.seq.does_not_exist())
    return str(item.seq)


def journal_since(tenant_id: str, after_seq: str | None, kinds: Iterable[str]) -> list[tuple[str, str, str]]:
    """``(seq, kind, subject)`` of the journal entries of ``kinds`` after ``after_seq``, oldest
    first, without their payloads: the verification's view of what may not be sealed yet."""
    ensure_models_bound()
    items = JournalModel.query(tenant_id, JournalModel.seq > after_seq if after_seq else None,
                               filter_condition=JournalModel.kind.is_in(*kinds), consistent_read=True,
                               attributes_to_get=["tenant_id", "seq", "kind", "subject"])
    return [(item.seq, item.kind, item.subject) for item in items]
