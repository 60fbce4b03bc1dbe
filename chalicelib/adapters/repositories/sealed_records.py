"""The vault's index: the sealed records, each where it is stored, and their claims.

One index item per sealed record (its chain and rank, the journal entry that made it, its
hash and the previous one, its S3 key and version, its summary for the lists); one claim per
journal entry sealed, the same record keyed by the entry's seq (what the sealer checks
before sealing a redelivered entry). Both are written by :func:`complete`, with the chain's
head, in one transaction (the rank allocation: ``chain_heads.py``).

A claim is storage bookkeeping — the sealer's idempotency — rather than a rule of the
domain: its plain record (:class:`Claim`) lives here with the index it points into, as
:class:`Entry` does.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.aws import ensure_models_bound
from chalicelib.adapters.models import ChainHeadModel, SealClaimModel, SealedRecordModel
from chalicelib.adapters.repositories._common import cancellation_codes, connection
from chalicelib.adapters.repositories.chain_heads import ChainHead, Contention, get_head


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


@dataclass(frozen=True)
class Claim:
    """A journal entry's claim: the entry was sealed as ``rank`` of ``chain``, hash ``sha256``."""

    tenant_id: str
    seq: str
    chain: str
    rank: int
    sha256: str


def _claim(item: SealClaimModel) -> Claim:
    return Claim(item.tenant_id, item.seq, item.chain, int(item.rank), item.sha256)


def claims(tenant_id: str, seqs: Iterable[str]) -> dict[str, Claim]:
    """The journal entries among ``seqs`` already sealed (strongly consistent)."""
    ensure_models_bound()
    keys = sorted(set(seqs))
    found: dict[str, Claim] = {}
    for start in range(0, len(keys), 100):
        for item in SealClaimModel.batch_get([(tenant_id, s) for s in keys[start:start + 100]],
                                             consistent_read=True):
            found[item.seq] = _claim(item)
    return found


def claims_of(entries: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Claim]:
    """The claims of these (tenant, seq) pairs, over tenants, strongly consistent, 100 a request."""
    ensure_models_bound()
    return {(item.tenant_id, item.seq): _claim(item)
            for item in SealClaimModel.batch_get(sorted(set(entries)), consistent_read=True)}


def claim(tenant_id: str, seq: str) -> Claim | None:
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
