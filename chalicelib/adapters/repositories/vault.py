"""The vault's index, the chain heads, the seal claims and the inspection reports.

Rank allocation is two conditional writes on the chain's head item:

1. *reserve*: ``reserved`` goes from ``r`` to ``r + k`` and ``pending`` lists the
   journal entries given ranks ``r+1..r+k`` — only when nothing is pending
   (``reserved == sealed == r``);
2. *complete*: one transaction puts the index items and the claims (each only if
   absent) and moves ``sealed`` to ``r + k``, ``sha256`` to the last hash,
   clearing ``pending`` — only if the head is still (``reserved``, ``sealed``) as read.

Whoever finds a pending list completes it, whatever journal entries it names:
the objects are deterministic, so two completers write the same bytes and only
one transaction wins.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.aws import ensure_models_bound
from chalicelib.adapters.models import (
    ChainHeadModel,
    InspectionModel,
    JournalModel,
    SealClaimModel,
    SealedRecordModel,
    SealFailureModel,
)
from chalicelib.adapters.repositories._common import cancellation_codes, connection, unpack
from chalicelib.adapters.repositories.journal import journal_item
from chalicelib.domain.seal import GENESIS

# A completion writes two items per record and the head: DynamoDB's 100 per transaction.
MAX_PENDING = 49


class Contention(Exception):
    """Another sealer changed the head first: read it again and retry."""


# ---------------------------------------------------------------- journal entries


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


# ---------------------------------------------------------------- heads


@dataclass(frozen=True)
class Pending:
    seq: str
    rank: int
    kind: str
    sealed_at: str

    def to_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "rank": self.rank, "kind": self.kind, "sealed_at": self.sealed_at}


@dataclass(frozen=True)
class ChainHead:
    tenant_id: str
    chain: str
    reserved: int = 0
    sealed: int = 0
    sha256: str = GENESIS
    pending: tuple[Pending, ...] = field(default=())
    exists: bool = False


def _head_from_item(item: ChainHeadModel) -> ChainHead:
    pending = tuple(Pending(str(p["seq"]), int(p["rank"]), str(p["kind"]), str(p["sealed_at"]))
                    for p in (item.pending or []))
    return ChainHead(item.tenant_id, item.chain, int(item.reserved or 0), int(item.sealed or 0),
                     item.sha256 or GENESIS, pending, True)


def get_head(tenant_id: str, chain: str) -> ChainHead:
    ensure_models_bound()
    try:
        return _head_from_item(ChainHeadModel.get(tenant_id, chain, consistent_read=True))
    except DoesNotExist:
        return ChainHead(tenant_id, chain)


def list_heads(tenant_id: str) -> list[ChainHead]:
    ensure_models_bound()
    return [_head_from_item(i) for i in ChainHeadModel.query(tenant_id, consistent_read=True)]


def tenants_with_chains() -> list[str]:
    """Every tenant that has sealed anything (a scan of the small heads table)."""
    ensure_models_bound()
    return sorted({i.tenant_id for i in ChainHeadModel.scan(attributes_to_get=["tenant_id"])})


def _conditional_failure(exc: Exception) -> bool:
    return getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException"


def reserve(head: ChainHead, entries: list[tuple[str, str]], sealed_at: str) -> ChainHead:
    """Give ranks ``sealed+1..`` to ``entries`` (``(seq, kind)``), if nothing is pending.

    Raises :class:`Contention` when the head moved since it was read.
    """
    assert entries and len(entries) <= MAX_PENDING and not head.pending
    ensure_models_bound()
    pending = tuple(Pending(seq, head.sealed + n, kind, sealed_at) for n, (seq, kind) in enumerate(entries, 1))
    item = ChainHeadModel(head.tenant_id, head.chain)
    if head.exists:
        condition = (ChainHeadModel.reserved == head.sealed) & (ChainHeadModel.sealed == head.sealed)
    else:
        condition = ChainHeadModel.tenant_id.does_not_exist()
    # The whole head is written (a conditional put: every attribute of the model is set
    # here, and a put costs moto far less than an update expression).
    item.reserved, item.sealed, item.sha256 = head.sealed + len(entries), head.sealed, head.sha256
    item.pending, item.updated_at = [p.to_json() for p in pending], datetime.now(UTC)
    try:
        item.save(condition=condition)
    except PutError as exc:
        if _conditional_failure(exc):
            raise Contention() from None
        raise
    return ChainHead(head.tenant_id, head.chain, head.sealed + len(entries), head.sealed, head.sha256,
                     pending, True)


# ---------------------------------------------------------------- the index


@dataclass(frozen=True)
class Entry:
    """One index item: a sealed record and where it is."""

    tenant_id: str
    chain: str
    rank: int
    seq: str
    kind: str
    number: str
    subject: str
    sealed_at: str
    sha256: str
    prev_sha256: str
    bucket: str
    key: str
    version_id: str
    retention_mode: str
    retain_until: str
    summary: dict[str, Any] | None = None


def position(chain: str, rank: int) -> str:
    return f"{chain}#{rank:010d}"


def _entry_item(entry: Entry) -> SealedRecordModel:
    t = entry.tenant_id
    return SealedRecordModel(
        t, position(entry.chain, entry.rank), chain=entry.chain, rank=entry.rank, seq=entry.seq, kind=entry.kind,
        number=entry.number, subject=entry.subject, sealed_at=entry.sealed_at, sha256=entry.sha256,
        prev_sha256=entry.prev_sha256, bucket=entry.bucket, key=entry.key, version_id=entry.version_id,
        retention_mode=entry.retention_mode, retain_until=entry.retain_until, summary=entry.summary,
        tenant_subject=f"{t}#{entry.chain}#{entry.subject}", tenant_number=f"{t}#{entry.chain}#{entry.number}",
    )


def _entry(item: SealedRecordModel) -> Entry:
    return Entry(item.tenant_id, item.chain, int(item.rank), item.seq, item.kind, item.number, item.subject,
                 item.sealed_at, item.sha256, item.prev_sha256, item.bucket, item.key, item.version_id,
                 item.retention_mode, item.retain_until, item.summary)


def complete(head: ChainHead, entries: list[Entry]) -> None:
    """Index items, claims and the head's new state, in one transaction.

    Raises :class:`Contention` when another completer won (or the head moved).
    """
    assert entries and [e.rank for e in entries] == [p.rank for p in head.pending]
    last = entries[-1]
    try:
        with TransactWrite(connection=connection()) as tx:
            for entry in entries:
                tx.save(_entry_item(entry), condition=SealedRecordModel.position.does_not_exist())
                tx.save(SealClaimModel(entry.tenant_id, entry.seq, chain=entry.chain, rank=entry.rank,
                                       sha256=entry.sha256),
                        condition=SealClaimModel.seq.does_not_exist())
            # the whole head, as reserve() writes it: nothing pending any more
            tx.save(ChainHeadModel(head.tenant_id, head.chain, reserved=head.reserved, sealed=last.rank,
                                   sha256=last.sha256, pending=None, updated_at=datetime.now(UTC)),
                    condition=(ChainHeadModel.sealed == head.sealed) & (ChainHeadModel.reserved == head.reserved))
    except TransactWriteError as exc:
        if "ConditionalCheckFailed" in cancellation_codes(exc) or "TransactionConflict" in cancellation_codes(exc):
            raise Contention() from None
        raise


def claims(tenant_id: str, seqs: Iterable[str]) -> dict[str, SealClaimModel]:
    """The journal entries among ``seqs`` already sealed (strongly consistent)."""
    ensure_models_bound()
    keys = sorted(set(seqs))
    found: dict[str, SealClaimModel] = {}
    for start in range(0, len(keys), 100):
        for item in SealClaimModel.batch_get([(tenant_id, s) for s in keys[start:start + 100]],
                                             consistent_read=True):
            found[item.seq] = item
    return found


def heads_of(chains: Iterable[tuple[str, str]]) -> dict[tuple[str, str], ChainHead]:
    """The heads of these (tenant, chain) pairs, strongly consistent, 100 a request (a
    stream batch's chains, read at once instead of one GetItem each)."""
    ensure_models_bound()
    keys = sorted(set(chains))
    found = {(t, c): ChainHead(t, c) for t, c in keys}
    for item in ChainHeadModel.batch_get(keys, consistent_read=True):
        found[(item.tenant_id, item.chain)] = _head_from_item(item)
    return found


def claims_of(entries: Iterable[tuple[str, str]]) -> dict[tuple[str, str], SealClaimModel]:
    """The claims of these (tenant, seq) pairs, over tenants, strongly consistent, 100 a request."""
    ensure_models_bound()
    return {(item.tenant_id, item.seq): item
            for item in SealClaimModel.batch_get(sorted(set(entries)), consistent_read=True)}


def claim(tenant_id: str, seq: str) -> SealClaimModel | None:
    return claims(tenant_id, [seq]).get(seq)


def chain_entries(tenant_id: str, chain: str) -> list[Entry]:
    """Every index item of a chain, in rank order."""
    ensure_models_bound()
    items = SealedRecordModel.query(tenant_id, SealedRecordModel.position.startswith(f"{chain}#"),
                                    consistent_read=True)
    return [_entry(i) for i in items]


def last_entry(tenant_id: str, chain: str) -> Entry | None:
    ensure_models_bound()
    items = SealedRecordModel.query(tenant_id, SealedRecordModel.position.startswith(f"{chain}#"),
                                    scan_index_forward=False, limit=1, consistent_read=True)
    found = [_entry(i) for i in items]
    return found[0] if found else None


def get_entry(tenant_id: str, chain: str, rank: int) -> Entry | None:
    ensure_models_bound()
    try:
        return _entry(SealedRecordModel.get(tenant_id, position(chain, rank), consistent_read=True))
    except DoesNotExist:
        return None


def subject_entries(tenant_id: str, chain: str, subject: str) -> list[Entry]:
    ensure_models_bound()
    return [_entry(i) for i in SealedRecordModel.by_subject.query(f"{tenant_id}#{chain}#{subject}")]


def number_entries(tenant_id: str, chain: str, number: str) -> list[Entry]:
    ensure_models_bound()
    return [_entry(i) for i in SealedRecordModel.by_number.query(f"{tenant_id}#{chain}#{number}")]


# Index items a page of a reversed listing asks DynamoDB for at once (the newest ones first).
NEWEST_PAGE = 200


def newest_entries(tenant_id: str, chain: str, *, sealed_since: datetime | None = None,
                   ranks: tuple[int, int] | None = None) -> Iterator[Entry]:
    """The chain's index items, newest (highest rank) first, read lazily a page at a time.

    ``sealed_since``: stop at the first item sealed before it (ranks grow with sealing
    time, so every older rank was sealed before it too). ``ranks``: only ``(low, high)``,
    both included (one Query of that key range). The caller stops reading when it has
    what it needs: nothing beyond the pages it iterated is read."""
    ensure_models_bound()
    size, limit = NEWEST_PAGE, None
    if ranks is not None:
        low, high = ranks
        if high < low:
            return
        condition = SealedRecordModel.position.between(position(chain, low), position(chain, high))
        size = limit = high - low + 1  # one Query (up to DynamoDB's 1 MB a page), no empty page after it
    else:
        condition = SealedRecordModel.position.startswith(f"{chain}#")
    items = SealedRecordModel.query(tenant_id, condition, scan_index_forward=False, consistent_read=True,
                                    page_size=size, limit=limit)
    for item in items:
        entry = _entry(item)
        if sealed_since is not None:
            try:
                sealed = datetime.fromisoformat(entry.sealed_at)
            except ValueError:
                sealed = None
            if sealed is not None:
                if sealed.tzinfo is None:
                    sealed = sealed.replace(tzinfo=UTC)
                if sealed < sealed_since:
                    return
        yield entry


def sealed_count(tenant_id: str, chain: str) -> int:
    """How many records the chain's index holds: its head's last sealed rank (ranks are
    gap-free from 1; ranks reserved but not completed are not indexed yet). One GetItem."""
    return get_head(tenant_id, chain).sealed


# ---------------------------------------------------------------- failures


@dataclass(frozen=True)
class Failure:
    """A journal entry not sealed yet, and why."""

    tenant_id: str
    seq: str
    kind: str
    error: str
    first_at: str
    last_at: str
    attempts: int
    poison: bool


def _failure(item: SealFailureModel) -> Failure:
    return Failure(item.tenant_id, item.seq, item.kind, item.error, item.first_at, item.last_at,
                   int(item.attempts or 0), bool(item.poison))


def record_failure(tenant_id: str, seq: str, kind: str, error: str, poison: bool, at: str) -> int:
    """Note (or count again) a failed attempt at sealing one journal entry; returns the
    attempts counted so far (1: its first failure)."""
    ensure_models_bound()
    item = SealFailureModel(tenant_id, seq)
    item.update(actions=[
        SealFailureModel.kind.set(kind),
        SealFailureModel.error.set(error[:1000]),
        SealFailureModel.first_at.set(SealFailureModel.first_at | at),
        SealFailureModel.last_at.set(at),
        SealFailureModel.attempts.add(1),
        SealFailureModel.poison.set(poison),
    ])
    return int(item.attempts or 0)


def tenant_failures(tenant_id: str) -> list[Failure]:
    ensure_models_bound()
    return [_failure(i) for i in SealFailureModel.query(tenant_id, consistent_read=True)]


def all_failures(limit: int = 1000) -> list[Failure]:
    """Every tenant's (a scan of a table that is empty when all is well)."""
    ensure_models_bound()
    return [_failure(i) for i in SealFailureModel.scan(limit=limit)]


def clear_failure(tenant_id: str, seq: str) -> None:
    ensure_models_bound()
    SealFailureModel(tenant_id, seq).delete()


# ---------------------------------------------------------------- inspections


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


def journal_since(tenant_id: str, after_seq: str | None, kinds: Iterable[str]) -> list[tuple[str, str, str]]:
    """``(seq, kind, subject)`` of the journal entries of ``kinds`` after ``after_seq``, oldest
    first, without their payloads: the verification's view of what may not be sealed yet."""
    ensure_models_bound()
    items = JournalModel.query(tenant_id, JournalModel.seq > after_seq if after_seq else None,
                               filter_condition=JournalModel.kind.is_in(*kinds), consistent_read=True,
                               attributes_to_get=["tenant_id", "seq", "kind", "subject"])
    return [(item.seq, item.kind, item.subject) for item in items]
