"""Sealed records and their chains (DOMAIN.md "Legal records"), as pure rules.

A sealed record is one JSON object, stored byte for byte as built here::

    {"chain": "police_register", "content": {...}, "format": "lotbook-seal/1",
     "kind": "lot_committed", "prev_sha256": "<hex>", "rank": 12,
     "sealed_at": "2024-05-02T09:14:03.120000+00:00"}

serialised canonically (:func:`canonical`: sorted keys, no spaces, UTF-8, no
floats). Its SHA-256 is the hash of exactly those bytes, so verification needs
the stored object alone: hash the bytes, read ``rank`` and ``prev_sha256``
inside. The envelope holds nothing database-internal — no tenant id, no journal
seq, no storage key — so a restored copy still verifies.

Chains are per tenant and per chain name; ranks start at 1 and have no gap;
each record names the SHA-256 of the record before it (:data:`GENESIS` for
rank 1). The heads of the chains are themselves sealed, in the ``chain_head``
chain, so a tail cut off after an anchor is detectable too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

FORMAT = "lotbook-seal/1"
GENESIS = "0" * 64

POLICE_REGISTER = "police_register"
RECEIPT = "receipt"
CLOSING = "closing"
INSPECTION = "inspection"
# The event log (journal des événements techniques), the police register's consultation
# log (arrêté of 15 May 2020, art. 3) and the receipts of training mode (mode formation).
EVENT = "event"
CONSULTATION = "consultation"
TRAINING = "training"
CHAIN_HEAD = "chain_head"
# In the order verification reports them.
CHAINS = (POLICE_REGISTER, RECEIPT, CLOSING, INSPECTION, EVENT, CONSULTATION, TRAINING, CHAIN_HEAD)

# Journal kind → chain. Every journal kind is sealed: a kind missing here is
# refused by the sealer (reported), never silently skipped.
CHAIN_OF_KIND = {
    "lot_committed": POLICE_REGISTER,
    "lot_corrected": POLICE_REGISTER,
    "lot_retracted": POLICE_REGISTER,
    "sale": RECEIPT,
    "sale_return": RECEIPT,
    "closing": CLOSING,
    "inspection": INSPECTION,
    "event": EVENT,
    "consultation": CONSULTATION,
    "training_sale": TRAINING,
    "chain_head": CHAIN_HEAD,
}

# Why a chain fails verification: code → French explanation for the dealer.
REASONS = {
    "missing": "Un enregistrement manque à ce rang.",
    "out_of_order": "L'enregistrement à ce rang n'est pas à sa place.",
    "hash_mismatch": "L'empreinte SHA-256 ne correspond plus au contenu scellé.",
    "checksum_mismatch": "L'empreinte conservée par le stockage diffère de celle de l'index.",
    "broken_link": "Le lien vers l'enregistrement précédent est rompu.",
    "unreadable": "L'enregistrement scellé est illisible.",
    "wrong_chain": "L'enregistrement appartient à une autre chaîne.",
    "missing_object": "L'objet scellé est introuvable dans le coffre.",
    "overwritten": "Une nouvelle version a été déposée par-dessus l'enregistrement scellé.",
    "cut_tail": "La fin de la chaîne a disparu après une tête scellée.",
    "anchor_mismatch": "L'empreinte diffère de celle de la tête de chaîne scellée.",
    "unindexed": "Le coffre contient un enregistrement absent de l'index.",
    "retention_weakened": "La rétention de l'enregistrement scellé a été raccourcie ou affaiblie.",
    "renumbered": "Le numéro indexé ne correspond plus à celui de l'enregistrement scellé.",
}


class SealError(ValueError):
    """Content that cannot be sealed (a float, a kind without a chain...)."""


def chain_of(kind: str) -> str:
    try:
        return CHAIN_OF_KIND[kind]
    except KeyError:
        raise SealError(f"journal kind {kind!r} belongs to no chain") from None


# ---------------------------------------------------------------- canonical JSON


def _plain(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, (str, int)):
        return value
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, float):
        raise SealError("floats are not canonical: money and weights are decimal strings")
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise SealError("object keys must be strings")
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    raise SealError(f"{type(value).__name__} is not canonical JSON")


def canonical(value: Any) -> bytes:
    """Sorted keys, no whitespace, UTF-8 as is; decimals as strings, floats refused."""
    return json.dumps(_plain(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def md5_hex(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


# ---------------------------------------------------------------- building


@dataclass(frozen=True)
class Sealed:
    """A record as stored: its exact bytes and their SHA-256."""

    chain: str
    rank: int
    prev_sha256: str
    body: bytes
    sha256: str


def seal(chain: str, rank: int, prev_sha256: str, kind: str, content: dict[str, Any],
         sealed_at: str) -> Sealed:
    """The record of ``content`` at ``rank`` of ``chain``, after ``prev_sha256``.

    Deterministic: the same arguments give the same bytes, so a retry rebuilds
    the very object a failed attempt may already have stored.
    """
    if chain not in CHAINS:
        raise SealError(f"unknown chain {chain!r}")
    if CHAIN_OF_KIND.get(kind) != chain:
        raise SealError(f"kind {kind!r} does not belong to chain {chain!r}")
    if rank < 1:
        raise SealError("ranks start at 1")
    if rank == 1 and prev_sha256 != GENESIS:
        raise SealError("rank 1 follows the genesis hash")
    if not isinstance(content, dict):
        raise SealError("the content of a record is a JSON object")
    body = canonical({
        "format": FORMAT,
        "chain": chain,
        "rank": rank,
        "prev_sha256": prev_sha256,
        "kind": kind,
        "sealed_at": sealed_at,
        "content": content,
    })
    return Sealed(chain, rank, prev_sha256, body, sha256_hex(body))


def seal_many(chain: str, first_rank: int, prev_sha256: str,
              items: Sequence[tuple[str, dict[str, Any], str]]) -> list[Sealed]:
    """Consecutive records ``(kind, content, sealed_at)`` from ``first_rank``, linked."""
    sealed = []
    prev = prev_sha256
    for offset, (kind, content, sealed_at) in enumerate(items):
        record = seal(chain, first_rank + offset, prev, kind, content, sealed_at)
        sealed.append(record)
        prev = record.sha256
    return sealed


def parse(body: bytes) -> dict[str, Any]:
    """A stored record's envelope; :class:`SealError` if it is not one."""
    try:
        envelope = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise SealError("not a JSON record") from None
    if not isinstance(envelope, dict) or envelope.get("format") != FORMAT:
        raise SealError("not a sealed record")
    if not isinstance(envelope.get("rank"), int) or not isinstance(envelope.get("prev_sha256"), str):
        raise SealError("a sealed record has a rank and a previous hash")
    return envelope


# Where a record carries its own number (a receipt's ticket number...).
_NUMBER_FIELDS = {RECEIPT: ("ticket_number", "receipt_number", "number"), CLOSING: ("closing_number", "number"),
                  TRAINING: ("ticket_number",)}


def record_number(chain: str, rank: int, content: dict[str, Any]) -> str:
    """The number a record is known by: the receipt's or closing's own, else its rank
    (the police register's order number)."""
    for field in _NUMBER_FIELDS.get(chain, ()):
        if content.get(field) not in (None, ""):
            return str(content[field])
    return str(rank)


def anchor_content(heads: Iterable[Head], at: str) -> dict[str, Any]:
    """What a ``chain_head`` record holds: the head of every other chain."""
    return {
        "record": CHAIN_HEAD,
        "at": at,
        "heads": [{"chain": h.chain, "rank": h.rank, "sha256": h.sha256}
                  for h in sorted(heads, key=lambda h: h.chain) if h.chain != CHAIN_HEAD and h.rank > 0],
    }


def anchored_heads(envelope: dict[str, Any]) -> list[Head]:
    """The heads a ``chain_head`` record anchors (none for any other record)."""
    if envelope.get("chain") != CHAIN_HEAD:
        return []
    heads = envelope.get("content", {}).get("heads", [])
    return [Head(str(h["chain"]), int(h["rank"]), str(h["sha256"])) for h in heads]


# ---------------------------------------------------------------- verification


@dataclass(frozen=True)
class Head:
    """A chain's last rank and hash (rank 0 and :data:`GENESIS` when empty)."""

    chain: str
    rank: int
    sha256: str


@dataclass(frozen=True)
class Stored:
    """One record as the index lists it, with what the storage gave back.

    ``rank``, ``sha256`` and ``prev_sha256`` are the index's claims; ``body`` the
    stored bytes (``None`` when the object could not be read);
    ``storage_sha256`` the checksum the storage kept at upload;
    ``later_versions`` how many versions were stored over it since;
    ``retention_held`` whether its lock is still COMPLIANCE until the date set at sealing;
    ``number`` the number the index lists it by (receipt, closing, register order).
    """

    rank: int
    sha256: str
    body: bytes | None
    prev_sha256: str | None = None
    storage_sha256: str | None = None
    later_versions: int = 0
    retention_held: bool = True
    number: str | None = None


@dataclass(frozen=True)
class Break:
    """The first rank of a chain that does not verify, and why."""

    chain: str
    rank: int
    reason: str

    @property
    def message(self) -> str:
        return REASONS[self.reason]


def _walk(chain: str, records: Sequence[Stored], start: Head | None = None) -> tuple[Break | None, list[str]]:
    """Check each record against its rank and its predecessor; the hashes seen.

    ``start``: a rank and hash already verified (a checkpoint): ``records`` then
    begin right after it and link to its hash.
    """
    hashes: list[str] = []
    prev = start.sha256 if start is not None else GENESIS
    offset = start.rank if start is not None else 0
    indexed = {r.rank for r in records}
    for position, record in enumerate(records):
        expected = offset + position + 1
        if record.rank != expected:
            reason = "missing" if record.rank > expected and expected not in indexed else "out_of_order"
            return Break(chain, expected, reason), hashes
        if record.body is None:
            return Break(chain, expected, "missing_object"), hashes
        actual = sha256_hex(record.body)
        if actual != record.sha256:
            return Break(chain, expected, "hash_mismatch"), hashes
        if record.storage_sha256 is not None and record.storage_sha256 != actual:
            return Break(chain, expected, "checksum_mismatch"), hashes
        if record.later_versions:
            return Break(chain, expected, "overwritten"), hashes
        if not record.retention_held:
            return Break(chain, expected, "retention_weakened"), hashes
        try:
            envelope = parse(record.body)
        except SealError:
            return Break(chain, expected, "unreadable"), hashes
        if envelope.get("chain") != chain:
            return Break(chain, expected, "wrong_chain"), hashes
        if envelope["rank"] != expected:
            return Break(chain, expected, "out_of_order"), hashes
        if envelope["prev_sha256"] != prev or (record.prev_sha256 not in (None, prev)):
            return Break(chain, expected, "broken_link"), hashes
        content = envelope.get("content")
        if record.number is not None and isinstance(content, dict) and (
                record.number != record_number(chain, expected, content)):
            return Break(chain, expected, "renumbered"), hashes
        hashes.append(actual)
        prev = actual
    return None, hashes


def verify_chain(chain: str, records: Sequence[Stored], anchors: Iterable[Head] = (),
                 stored_ranks: Iterable[int] | None = None, start: Head | None = None) -> Break | None:
    """The first broken rank of ``chain``, or ``None`` when it verifies.

    ``records`` are in the index's order. Detects an edited record (its hash),
    a deleted one (a gap), a reordering (a rank out of place or a broken link),
    a record stored over (a later version) and a cut tail: an anchored head
    (``anchors``, from ``chain_head`` records or any trusted head) naming a rank
    the chain no longer reaches or a different hash there, or a record present
    in storage (``stored_ranks``) that the index no longer lists.

    ``start`` (an incremental run): ranks up to ``start.rank`` were verified
    before and are still the only version at their key (the caller checked);
    ``records`` are the ones after it. An anchor at or below it names a record
    that cannot have changed since: only the checkpoint's own rank is compared.
    """
    found: list[Break] = []
    offset = start.rank if start is not None else 0
    walked, hashes = _walk(chain, records, start)
    if walked is not None:
        found.append(walked)
    for head in anchors:
        if head.chain != chain or head.rank < 1:
            continue
        if head.rank > offset + len(records):
            found.append(Break(chain, offset + len(records) + 1, "cut_tail"))
        elif start is not None and head.rank <= offset:
            if head.rank == offset and head.sha256 != start.sha256:
                found.append(Break(chain, head.rank, "anchor_mismatch"))
        elif head.rank - offset <= len(hashes) and hashes[head.rank - offset - 1] != head.sha256:
            found.append(Break(chain, head.rank, "anchor_mismatch"))
    if stored_ranks is not None:
        known = set(range(1, offset + 1)) | {r.rank for r in records}
        unindexed = sorted(set(stored_ranks) - known)
        if unindexed:
            found.append(Break(chain, unindexed[0], "unindexed"))
    # The lowest rank wins; on a tie, the order above (walk, anchors, storage).
    return min(found, key=lambda b: b.rank) if found else None


def build_head(chain: str, records: Sequence[Sealed]) -> Head:
    if not records:
        return Head(chain, 0, GENESIS)
    return Head(chain, records[-1].rank, records[-1].sha256)
