"""A lot's police-register versions as sealed in the vault, for printing.

The sheets (documents.police_sheet / police_sheets) are rendered from these, not
from the live lot. The sealer runs off the journal's stream, normally within a
second: a version whose journal entry is written but not sealed yet is waited
for briefly, then returned from its journal entry, marked unsealed — the sheet
then says "en cours de scellement" where the hash would be, rather than print a
hash that does not exist yet or leave the latest correction out.
"""

from __future__ import annotations

import time

from chalicelib.adapters import vault
from chalicelib.adapters.repositories import journal, sealed_records
from chalicelib.adapters.repositories.journal import JournalRecord
from chalicelib.adapters.repositories.sealed_records import Entry
from chalicelib.domain import seal
from chalicelib.domain.sealed_register import Version, ordered
from chalicelib.errors import SealedVersionUnreadableError

POLICE_KINDS = tuple(kind for kind, chain in seal.CHAIN_OF_KIND.items() if chain == seal.POLICE_REGISTER)
# How long a print waits for a version being sealed (seconds), and how often it looks.
WAIT_FOR_SEAL = 1.0
POLL_EVERY = 0.2


def _sealed(entry: Entry) -> Version:
    stored = vault.read(entry.key, entry.version_id)
    if stored is None:
        raise SealedVersionUnreadableError()
    body = stored[0]
    digest = seal.sha256_hex(body)
    try:
        envelope = seal.parse(body)
    except seal.SealError:
        raise SealedVersionUnreadableError() from None
    if digest != entry.sha256 or not isinstance(envelope.get("content"), dict):
        raise SealedVersionUnreadableError()
    return Version(envelope["content"], entry.chain, entry.rank, digest, entry.sealed_at)


def _unsealed(tenant_id: str, ref: str, after_seq: str | None, known: int, live: int) -> list[JournalRecord]:
    """Journal entries of versions ``known+1..live`` of the lot (newest read first)."""
    found: list[JournalRecord] = []
    wanted = set(range(known + 1, live + 1))
    for record in journal.journal_about(tenant_id, ref, POLICE_KINDS, after_seq):
        try:
            number = int(journal.decode_payload(record.payload).get("version") or 0)
        except (OSError, EOFError, ValueError, TypeError):
            continue
        if number in wanted:
            wanted.discard(number)
            found.append(record)
        if not wanted or number <= known:
            break
    return found


def wait_until() -> float:
    """The moment a print stops waiting for the sealer (one deadline for a whole book)."""
    return time.monotonic() + WAIT_FOR_SEAL


def last_version(tenant_id: str, ref: str, live_version: int | None = None) -> Version | None:
    """The lot's latest police-register version: one vault read, unless a newer version is
    still on its way to the vault (then as :func:`lot_versions` finds it)."""
    entries = sorted(sealed_records.subject_entries(tenant_id, seal.POLICE_REGISTER, ref), key=lambda e: e.rank)
    last = _sealed(entries[-1]) if entries else None
    if live_version is None or live_version <= (last.number if last else 0):
        return last
    versions = lot_versions(tenant_id, ref, live_version)
    return versions[-1] if versions else None


def lot_versions(tenant_id: str, ref: str, live_version: int | None = None,
                 deadline: float | None = None) -> list[Version]:
    """Every police-register version of the lot, version 1 first.

    ``live_version``: the version the lot says it is at; versions above the last
    sealed one are looked for in the journal and waited for until ``deadline``
    (:func:`wait_until` when not given).
    """
    entries = sorted(sealed_records.subject_entries(tenant_id, seal.POLICE_REGISTER, ref), key=lambda e: e.rank)
    versions = [_sealed(entry) for entry in entries]
    known = max((v.number for v in versions), default=0)
    if live_version is None or live_version <= known:
        return ordered(versions)
    pending = _unsealed(tenant_id, ref, entries[-1].seq if entries else None, known, live_version)
    deadline = wait_until() if deadline is None else deadline
    while pending:
        claims = sealed_records.claims(tenant_id, [record.seq for record in pending])
        for record in [r for r in pending if r.seq in claims]:
            entry = sealed_records.get_entry(tenant_id, seal.POLICE_REGISTER, int(claims[record.seq].rank))
            if entry is not None:
                versions.append(_sealed(entry))
                pending.remove(record)
        if not pending or time.monotonic() >= deadline:
            break
        time.sleep(POLL_EVERY)
    versions += [Version(journal.decode_payload(record.payload), seal.POLICE_REGISTER) for record in pending]
    return ordered(versions)
