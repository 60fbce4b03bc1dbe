"""The legal records as the dealer and an inspector read them: police-register
versions, receipts, inspection reports, and the verification of every chain."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from chalicelib.adapters import vault
from chalicelib.adapters.repositories import lots as lots_repo
from chalicelib.adapters.repositories import vault as repo
from chalicelib.adapters.repositories.vault import Entry
from chalicelib.auth import Principal
from chalicelib.domain import seal
from chalicelib.errors import NotFoundError

# The police register and the receipts hold purchase prices and sellers'
# identities: read by those who see purchase data (manager, collaborator).
READ_PERMISSION = "see_purchase_data"

LIST_FILTERS = ("lot", "date_from", "date_to")


class SealedRecordNotFoundError(NotFoundError):
    code = "sealed_record_not_found"
    message = "Enregistrement scellé introuvable."


# ---------------------------------------------------------------- listing


def item_view(entry: Entry) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": str(entry.rank),
        "kind": entry.kind,
        "number": entry.number,
        "sealed_at": entry.sealed_at,
        "sha256": entry.sha256,
        "prev_sha256": entry.prev_sha256,
        "storage": {
            "bucket": entry.bucket,
            "key": entry.key,
            "version_id": entry.version_id,
            "retention_mode": entry.retention_mode,
            "retain_until": entry.retain_until,
        },
        "chain": entry.chain,
        "rank": entry.rank,
        "subject": entry.subject,
    }
    if entry.chain == seal.POLICE_REGISTER:
        summary = entry.summary or {}
        view["lot_ref"] = entry.subject
        view["version"] = summary.get("version")
        view["event"] = summary.get("event")
    elif entry.chain == seal.RECEIPT:
        summary = entry.summary or {}
        view["transaction_ref"] = summary.get("transaction_ref")
        view["total"] = summary.get("total")
        view["at"] = summary.get("at")
    return view


def _day(sealed_at: str) -> str:
    return datetime.fromisoformat(sealed_at).astimezone(UTC).date().isoformat()


def _filtered(entries: Iterable[Entry], filters: dict[str, date]) -> list[Entry]:
    found = []
    for entry in entries:
        day = _day(entry.sealed_at)
        if "date_from" in filters and day < filters["date_from"].isoformat():
            continue
        if "date_to" in filters and day > filters["date_to"].isoformat():
            continue
        found.append(entry)
    return found


def police_files(who: Principal, lot: str | None, filters: dict[str, date]) -> list[dict[str, Any]]:
    """The global police register, in order; ``lot`` keeps one lot's versions."""
    who.require(READ_PERMISSION)
    if lot is not None:
        entries = repo.subject_entries(who.tenant_id, seal.POLICE_REGISTER, lot.strip().upper())
    else:
        entries = repo.chain_entries(who.tenant_id, seal.POLICE_REGISTER)
    return [item_view(e) for e in _filtered(sorted(entries, key=lambda e: e.rank), filters)]


def lot_police_files(who: Principal, ref: str) -> list[dict[str, Any]]:
    """The sealed versions of one lot, version 1 first (404 for a lot not of this tenant)."""
    who.require(READ_PERMISSION)
    lots_repo.get_lot(who.tenant_id, ref)
    entries = repo.subject_entries(who.tenant_id, seal.POLICE_REGISTER, ref)
    return [item_view(e) for e in sorted(entries, key=lambda e: e.rank)]


def receipts(who: Principal, filters: dict[str, date]) -> list[dict[str, Any]]:
    who.require(READ_PERMISSION)
    return [item_view(e) for e in _filtered(repo.chain_entries(who.tenant_id, seal.RECEIPT), filters)]


def closings(who: Principal, filters: dict[str, date]) -> list[dict[str, Any]]:
    """The cash register's sealed closings (daily, monthly, yearly)."""
    who.require(READ_PERMISSION)
    return [item_view(e) for e in _filtered(repo.chain_entries(who.tenant_id, seal.CLOSING), filters)]


def closing_content(who: Principal, number: str) -> Content:
    who.require(READ_PERMISSION)
    found = repo.number_entries(who.tenant_id, seal.CLOSING, number)
    return _content(min(found, key=lambda e: e.rank) if found else None)


@dataclass(frozen=True)
class Content:
    """A sealed record's bytes exactly as stored, and where they are."""

    body: bytes
    entry: Entry


def _content(entry: Entry | None) -> Content:
    if entry is None:
        raise SealedRecordNotFoundError()
    stored = vault.read(entry.key, entry.version_id)
    if stored is None:
        raise SealedRecordNotFoundError("L'objet scellé est introuvable dans le coffre.")
    return Content(stored[0], entry)


def police_file_content(who: Principal, record_id: str) -> Content:
    who.require(READ_PERMISSION)
    if not record_id.isdigit() or not 1 <= int(record_id) <= 10**10 - 1:
        raise SealedRecordNotFoundError()
    return _content(repo.get_entry(who.tenant_id, seal.POLICE_REGISTER, int(record_id)))


def receipt_content(who: Principal, number: str) -> Content:
    who.require(READ_PERMISSION)
    found = repo.number_entries(who.tenant_id, seal.RECEIPT, number)
    # A receipt is sealed once; should a number appear twice, the first is the receipt.
    return _content(min(found, key=lambda e: e.rank) if found else None)


# ---------------------------------------------------------------- verification


def _retention_held(current: vault.Current, entry: Entry) -> bool:
    """Still locked in COMPLIANCE mode until (at least) the date set when it was sealed."""
    if current.retention_mode != vault.RETENTION_MODE or current.retain_until is None:
        return False
    try:
        sealed_until = datetime.fromisoformat(entry.retain_until)
    except ValueError:
        return True  # nothing to compare with
    if sealed_until.tzinfo is None:
        sealed_until = sealed_until.replace(tzinfo=UTC)
    return current.retain_until >= sealed_until - timedelta(seconds=1)  # S3 keeps whole seconds


def _stored(entry: Entry, versions: set[str] | None = None) -> seal.Stored:
    """Re-read one record: one request, unless it was stored over.

    ``versions``: every version id the vault lists at its key (none but the sealed one,
    unless it was written over — even if the index was then pointed at the newcomer).
    """
    current = vault.read_current(entry.key)
    held = True
    if current is not None and current.version_id == entry.version_id:
        body, storage_sha, later = current.body, current.sha256, 0
        held = _retention_held(current, entry)
    else:  # another version (or a delete marker) on top of it: is the sealed one still there?
        sealed = vault.read(entry.key, entry.version_id)
        body, storage_sha = (sealed[0], sealed[1]) if sealed is not None else (None, None)
        later = 1 if sealed is not None else 0
    if versions is not None and body is not None:
        later = max(later, len(versions - {entry.version_id}))
    return seal.Stored(rank=entry.rank, sha256=entry.sha256, body=body, prev_sha256=entry.prev_sha256,
                       storage_sha256=storage_sha, later_versions=later, retention_held=held, number=entry.number)


def _rank_of(key: str) -> int | None:
    name = key.rsplit("/", 1)[-1].removesuffix(".json")
    return int(name) if name.isdigit() else None


def _verify_one(tenant_id: str, chain: str, head: repo.ChainHead | None,
                anchors: list[seal.Head]) -> tuple[int, seal.Break | None, list[bytes | None]]:
    """Check one chain against the vault; the stored bodies, for the anchors they may hold."""
    entries = repo.chain_entries(tenant_id, chain)
    history = vault.versions(vault.object_key(tenant_id, chain, 1).rsplit("/", 1)[0] + "/")
    records = [_stored(entry, history.get(entry.key, set())) for entry in entries]
    # Objects cannot be deleted: one the index does not list means the index lost it
    # (unless a sealer is completing that rank right now).
    in_flight = {p.rank for p in head.pending} if head is not None else set()
    stored_ranks = {rank for rank in map(_rank_of, history) if rank is not None} - in_flight
    trusted = list(anchors)
    if head is not None and head.sealed > 0:
        trusted.append(seal.Head(chain, head.sealed, head.sha256))
    broken = seal.verify_chain(chain, records, trusted, stored_ranks)
    return len(records), broken, [r.body for r in records]


def verify(who: Principal) -> dict[str, Any]:
    """Re-read every sealed record of the tenant and check every hash and link, now."""
    who.require(READ_PERMISSION)
    return verify_tenant(who.tenant_id)


def start_verification(who: Principal) -> dict[str, Any]:
    """The same verification as a job, for chains too long to re-read within one request."""
    who.require(READ_PERMISSION)
    from chalicelib.services import jobs

    return jobs.start(who.tenant_id, "verify", {}, who.user_id)


def run_verification(tenant_id: str, params: dict[str, Any], progress: Any) -> dict[str, Any]:
    """The job's work (chalicelib/services/jobs.py)."""
    return verify_tenant(tenant_id, progress)


def verify_tenant(tenant_id: str, progress: Any = None) -> dict[str, Any]:
    """Re-read every sealed record of the tenant and check every hash and link.

    The ``chain_head`` chain is checked first; the heads its records anchor
    then serve to check the other chains' tails, with the heads table's own.
    """
    heads = {h.chain: h for h in repo.list_heads(tenant_id)}
    checked = 0
    breaks: dict[str, seal.Break | None] = {}
    chains: dict[str, Any] = {}

    count, broken, bodies = _verify_one(tenant_id, seal.CHAIN_HEAD, heads.get(seal.CHAIN_HEAD), [])
    anchors: list[seal.Head] = []
    for body in bodies:
        if body is None:
            continue
        try:
            anchors += seal.anchored_heads(seal.parse(body))
        except (seal.SealError, KeyError, TypeError, ValueError):
            continue
    checked += count
    breaks[seal.CHAIN_HEAD] = broken
    chains[seal.CHAIN_HEAD] = count

    for done, chain in enumerate(seal.CHAINS, start=1):
        if progress is not None:
            progress(done / (len(seal.CHAINS) + 1))
        if chain == seal.CHAIN_HEAD:
            continue
        count, broken, _ = _verify_one(tenant_id, chain, heads.get(chain), anchors)
        checked += count
        breaks[chain] = broken
        chains[chain] = count

    first = next((breaks[c] for c in seal.CHAINS if breaks.get(c) is not None), None)
    return {
        "ok": first is None,
        "checked": checked,
        "first_broken": None if first is None else {
            "chain": first.chain, "rank": first.rank, "reason": first.reason, "message": first.message},
        "chains": [
            {"chain": c, "checked": chains[c],
             "head": ({"rank": heads[c].sealed, "sha256": heads[c].sha256} if c in heads else None),
             "broken": (None if breaks[c] is None else
                        {"rank": breaks[c].rank, "reason": breaks[c].reason})}  # type: ignore[union-attr]
            for c in seal.CHAINS
        ],
    }


# ---------------------------------------------------------------- inspections


def _inspection_view(inspection: repo.Inspection, sealed: dict[str, Any]) -> dict[str, Any]:
    claim = sealed.get(inspection.seq)
    return {
        "id": inspection.id,
        "at": inspection.at,
        "inspector": inspection.inspector,
        "service": inspection.service,
        "email": inspection.email,
        "text": inspection.text,
        "md5": inspection.md5,
        "sha256": inspection.sha256,
        "by": inspection.by,
        "seal": None if claim is None else {"number": str(int(claim.rank)), "sha256": claim.sha256},
    }


def add_inspection(who: Principal, inspector: str, service: str, email: str, text: str) -> dict[str, Any]:
    """Any logged-in profile: the inspector is handed a session at the shop."""
    now = datetime.now(UTC)
    data = text.encode("utf-8")
    inspection = repo.Inspection(
        id=repo.new_inspection_id(now), at=now.isoformat(), inspector=inspector, service=service, email=email,
        text=text, md5=seal.md5_hex(data), sha256=seal.sha256_hex(data), by=who.email, seq="")
    payload = {"record": "inspection", "at": inspection.at, "by": inspection.by, "inspector": inspector,
               "service": service, "email": email, "text": text, "md5": inspection.md5,
               "sha256": inspection.sha256}
    stored = repo.add_inspection(who.tenant_id, inspection, payload)
    return _inspection_view(stored, repo.claims(who.tenant_id, [stored.seq]))


def inspections(who: Principal) -> list[dict[str, Any]]:
    who.require(READ_PERMISSION)
    found = repo.list_inspections(who.tenant_id)
    sealed = repo.claims(who.tenant_id, [i.seq for i in found])
    return [_inspection_view(i, sealed) for i in sorted(found, key=lambda i: i.id)]
