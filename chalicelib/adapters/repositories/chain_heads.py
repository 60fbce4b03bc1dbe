"""The chain heads: for each (tenant, chain), its last sealed rank and hash, and the ranks
reserved but not completed yet.

Rank allocation is two conditional writes on the chain's head item:

1. *reserve*: ``reserved`` goes from ``r`` to ``r + k`` and ``pending`` lists the
   journal entries given ranks ``r+1..r+k`` — only when nothing is pending
   (``reserved == sealed == r``);
2. *complete* (``sealed_records.complete``): one transaction puts the index items and the claims (each only if
   absent) and moves ``sealed`` to ``r + k``, ``sha256`` to the last hash,
   clearing ``pending`` — only if the head is still (``reserved``, ``sealed``) as read.

Whoever finds a pending list completes it, whatever journal entries it names:
the objects are deterministic, so two completers write the same bytes and only
one transaction wins.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError

from chalicelib.adapters.aws import ensure_models_bound
from chalicelib.adapters.models import ChainHeadModel
from chalicelib.domain.seal import GENESIS

# A completion writes two items per record and the head: DynamoDB's 100 per transaction.
MAX_PENDING = 49


class Contention(Exception):
    """Another sealer changed the head first: read it again and retry."""


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


def heads_of(chains: Iterable[tuple[str, str]]) -> dict[tuple[str, str], ChainHead]:
    """The heads of these (tenant, chain) pairs, strongly consistent, 100 a request (a
    stream batch's chains, read at once instead of one GetItem each)."""
    ensure_models_bound()
    keys = sorted(set(chains))
    found = {(t, c): ChainHead(t, c) for t, c in keys}
    for item in ChainHeadModel.batch_get(keys, consistent_read=True):
        found[(item.tenant_id, item.chain)] = _head_from_item(item)
    return found
