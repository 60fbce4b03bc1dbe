"""Verification checkpoints: what a verification may take as already verified.

Sealed versions cannot change under Object Lock, so a verification need not re-read
a record it verified before — provided nothing was stored over it since. After a
chain verifies, the verifier stores a checkpoint in the vault (its own prefix, locked
longer than it is trusted): the last rank verified and its SHA-256, a digest of the
index items up to it, and the compact contents the live-data check needs (per lot,
its last police-register version; the receipts; the anchored heads).

A checkpoint is trusted only if, now:

- the last full re-read it stems from is younger than :data:`MAX_AGE` (a checkpoint
  written by an incremental run keeps its predecessor's ``full_at``): a full re-read
  is due that often anyway;
- the index still lists ranks 1..rank with the same items (:func:`index_digest`);
- every key up to it holds one version, the one the index names — no version was
  stored over it and no delete marker put on it (a version listing of the chain);
- the vault object at its rank still hashes to its SHA-256 (one GET).

Anything else and the chain is re-read in full: a forged or stale checkpoint costs
time, never a tampering hidden. Pure functions; the service reads and writes.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

# Trusted this long; locked in COMPLIANCE mode a little longer, so that it cannot be
# replaced while it is trusted.
MAX_AGE = timedelta(days=30)
LOCKED_FOR = timedelta(days=32)
# A chain whose checkpoint has not moved gets a new one at most this often.
RENEW_AFTER = timedelta(days=1)
VERSION = 1


@dataclass(frozen=True)
class IndexItem:
    """What the checkpoint's digest covers of one index item."""

    rank: int
    sha256: str
    prev_sha256: str
    key: str
    version_id: str
    number: str


@dataclass(frozen=True)
class Checkpoint:
    chain: str
    rank: int
    sha256: str
    index_digest: str
    at: str  # ISO 8601, UTC
    contents: list[tuple[int, str, dict[str, Any]]] = field(default_factory=list)
    full_at: str = ""  # the full re-read this checkpoint's trust stems from (``at`` if empty)

    def to_bytes(self) -> bytes:
        data = {"version": VERSION, "chain": self.chain, "rank": self.rank, "sha256": self.sha256,
                "index_digest": self.index_digest, "at": self.at, "full_at": self.full_at or self.at,
                "contents": [[rank, kind, content] for rank, kind, content in self.contents]}
        return gzip.compress(json.dumps(data, sort_keys=True, separators=(",", ":"),
                                        ensure_ascii=False).encode("utf-8"), 6, mtime=0)


class CheckpointError(ValueError):
    """Not a checkpoint this verifier wrote."""


def parse(body: bytes) -> Checkpoint:
    try:
        data = json.loads(gzip.decompress(body))
        if data.get("version") != VERSION:
            raise CheckpointError("unknown version")
        contents = [(int(rank), str(kind), content) for rank, kind, content in data["contents"]
                    if isinstance(content, dict)]
        return Checkpoint(str(data["chain"]), int(data["rank"]), str(data["sha256"]), str(data["index_digest"]),
                          str(data["at"]), contents, str(data["full_at"]))
    except (OSError, EOFError, ValueError, KeyError, TypeError) as exc:
        raise CheckpointError(str(exc)) from None


def index_digest(items: Iterable[IndexItem]) -> str:
    digest = hashlib.sha256()
    for item in items:
        digest.update(f"{item.rank}|{item.sha256}|{item.prev_sha256}|{item.key}|{item.version_id}|"
                      f"{item.number}\n".encode())
    return digest.hexdigest()


def compact(chain: str, contents: Iterable[tuple[int, str, dict[str, Any]]],
            kept: Mapping[str, frozenset[str]]) -> list[tuple[int, str, dict[str, Any]]]:
    """What the live-data check and the anchors need of a chain's verified contents.

    ``kept``: per chain, ``"last_per_lot"`` (police register: the last version of
    each lot), ``"all"`` (every record) — a chain not named keeps nothing.
    """
    policy = kept.get(chain, frozenset())
    found = sorted(contents, key=lambda c: c[0])
    if "all" in policy:
        return found
    if "last_per_lot" in policy:
        last: dict[str, tuple[int, str, dict[str, Any]]] = {}
        for rank, kind, content in found:
            lot = content.get("lot")
            if isinstance(lot, dict) and lot.get("ref"):
                last[str(lot["ref"])] = (rank, kind, content)
        return sorted(last.values(), key=lambda c: c[0])
    return []


def problem(checkpoint: Checkpoint, chain: str, index: list[IndexItem], versions: Mapping[str, set[str]],
            now: datetime) -> str | None:
    """Why ``checkpoint`` cannot be trusted for ``chain`` now (``None``: it can, once the
    object at its rank is found to hash to its SHA-256).

    ``index``: the chain's index items in rank order; ``versions``: every version id
    and delete marker the vault lists per key of the chain.
    """
    if checkpoint.chain != chain or checkpoint.rank < 1 or checkpoint.rank > len(index):
        return "rank"
    try:
        at = datetime.fromisoformat(checkpoint.at)
        full_at = datetime.fromisoformat(checkpoint.full_at or checkpoint.at)
    except ValueError:
        return "date"
    for moment in (at, full_at):
        if moment.tzinfo is None or not now - MAX_AGE <= moment <= now + timedelta(minutes=5):
            return "age"
    verified = index[:checkpoint.rank]
    if [item.rank for item in verified] != list(range(1, checkpoint.rank + 1)):
        return "index"
    if verified[-1].sha256 != checkpoint.sha256 or index_digest(verified) != checkpoint.index_digest:
        return "index"
    for item in verified:
        if versions.get(item.key, set()) != {item.version_id}:
            return "versions"
    return None
