"""The legal records as the dealer and an inspector read them: police-register
versions, receipts, inspection reports, and the verification of every chain."""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from chalicelib.adapters import vault
from chalicelib.adapters.repositories import chain_heads, inspection_reports, journal, sealed_records
from chalicelib.adapters.repositories import lots as lots_repo
from chalicelib.adapters.repositories import verification as verification_repo
from chalicelib.adapters.repositories.sealed_records import Entry
from chalicelib.auth import Principal
from chalicelib.config import get_settings
from chalicelib.domain import audit, checkpoint, divergence, retention, seal
from chalicelib.domain.text import is_whole_number
from chalicelib.errors import SealedRecordNotFoundError

# The police register and the receipts hold purchase prices and sellers'
# identities: the back office's (chalicelib/domain/profiles.py).
READ_PERMISSION = "read_register"

LIST_FILTERS = ("lot", "date_from", "date_to")
# Who reads the register's consultation log: the manager (and an inspector's session).
CONSULTATIONS_PERMISSION = "read_consultations"


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
    elif entry.chain == seal.CLOSING:
        summary = entry.summary or {}
        view["closing_kind"] = summary.get("kind")
        view["period"] = summary.get("period")
        view["tickets"] = summary.get("tickets")
        view["period_total"] = summary.get("period_total")
    elif entry.chain == seal.CONSULTATION:
        summary = entry.summary or {}
        view.update({k: summary.get(k) for k in ("at", "who", "what", "purpose")})
        view["access"] = audit.consultation_access(summary)
        view["refused"] = bool(summary.get("refused"))
        view["inspector"] = ({"name": summary.get("inspector"), "service": summary.get("inspector_service"),
                              "service_label": audit.service_label(summary.get("inspector_service"))}
                             if summary.get("inspector") else None)
        # In French, from the one table of labels (domain/audit.py): the screen shows them as given.
        view["label"] = audit.describe_consultation(str(summary.get("what") or ""))
        view["access_label"] = audit.describe_access(summary)
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
        entries = sealed_records.subject_entries(who.tenant_id, seal.POLICE_REGISTER, lot.strip().upper())
    else:
        entries = sealed_records.chain_entries(who.tenant_id, seal.POLICE_REGISTER)
    return [item_view(e) for e in _filtered(sorted(entries, key=lambda e: e.rank), filters)]


def lot_police_files(who: Principal, ref: str) -> list[dict[str, Any]]:
    """The sealed versions of one lot, version 1 first (404 for a lot not of this tenant)."""
    who.require(READ_PERMISSION)
    lots_repo.get_lot(who.tenant_id, ref)
    entries = sealed_records.subject_entries(who.tenant_id, seal.POLICE_REGISTER, ref)
    return [item_view(e) for e in sorted(entries, key=lambda e: e.rank)]


def receipts(who: Principal, filters: dict[str, date]) -> list[dict[str, Any]]:
    who.require(READ_PERMISSION)
    return [item_view(e) for e in _filtered(sealed_records.chain_entries(who.tenant_id, seal.RECEIPT), filters)]


def consultations(who: Principal, filters: dict[str, date], page: int = 1,
                  page_size: int = 50) -> tuple[list[dict[str, Any]], int]:
    """One page of the police register's consultation log (arrêté of 15 May 2020, art. 3),
    newest first, and how many records match; ``from``/``to`` are days of the reads in the
    dealer's time. Read from the index newest first (:func:`newest_first`)."""
    who.require(CONSULTATIONS_PERMISSION)

    def kept(entry: Entry) -> bool:
        at = (entry.summary or {}).get("at") or entry.sealed_at
        return audit.read_in_period(at, filters.get("from"), filters.get("to"))

    found, total = newest_first(who.tenant_id, seal.CONSULTATION, page, page_size, filters.get("from"),
                                kept if filters else None)
    return [item_view(e) for e in found], total


# A record's time (``at``) precedes its sealing, and ranks are reserved in order, each with
# its sealing time: once the index shows a record sealed before the ``from`` day, every older
# rank is before it too. The margin covers the clocks of two sealers (milliseconds apart).
SEALED_MARGIN = timedelta(days=1)


def newest_first(tenant_id: str, chain: str, page: int, page_size: int, date_from: date | None,
                 kept: Any = None) -> tuple[list[Entry], int]:
    """Page ``page`` of a chain's records, newest first, and how many there are (``total``).

    Without a filter (``kept`` None): the head's count, then one Query of the page's
    ranks — whatever the chain's length. With filters: the index is read newest first
    and stops a day (:data:`SEALED_MARGIN`) before ``date_from`` (a record is sealed
    after its time, and ranks grow with sealing time), so a month asked costs that
    month's records, not the year's; ``total`` counts every record kept."""
    start = (page - 1) * page_size
    if kept is None:
        total = sealed_records.sealed_count(tenant_id, chain)
        high = total - start
        low = max(1, high - page_size + 1)
        return (list(sealed_records.newest_entries(tenant_id, chain, ranks=(low, high))) if high >= 1 else []), total
    since = None
    if date_from is not None:
        since = datetime.combine(date_from, datetime.min.time(), audit.PARIS) - SEALED_MARGIN
    matched = [e for e in sealed_records.newest_entries(tenant_id, chain, sealed_since=since) if kept(e)]
    return matched[start:start + page_size], len(matched)


def oldest_first(tenant_id: str, chain: str, page: int, page_size: int,
                 filters: dict[str, date]) -> tuple[list[Entry], int]:
    """Page ``page`` of a chain's records in rank order, filtered by their sealing day (UTC,
    ``date_from``/``date_to``), and how many match — read as :func:`newest_first` reads:
    without a filter, the head's count and one Query of the page's ranks; with ``date_from``,
    newest first down to a day before it."""
    start = (page - 1) * page_size
    if not filters:
        total = sealed_records.sealed_count(tenant_id, chain)
        low, high = start + 1, min(total, start + page_size)
        return sorted(sealed_records.newest_entries(tenant_id, chain, ranks=(low, high)), key=lambda e: e.rank), total
    since = None
    if "date_from" in filters:
        since = datetime.combine(filters["date_from"], datetime.min.time(), UTC) - SEALED_MARGIN
    newest = list(sealed_records.newest_entries(tenant_id, chain, sealed_since=since))
    matched = _filtered(reversed(newest), filters)
    return matched[start:start + page_size], len(matched)


def receipts_page(who: Principal, filters: dict[str, date], page: int = 1,
                  page_size: int = 50) -> tuple[list[dict[str, Any]], int]:
    """One page of :func:`receipts` and how many match (:func:`oldest_first`)."""
    who.require(READ_PERMISSION)
    found, total = oldest_first(who.tenant_id, seal.RECEIPT, page, page_size, filters)
    return [item_view(e) for e in found], total


def closings_page(who: Principal, filters: dict[str, date], page: int = 1,
                  page_size: int = 50) -> tuple[list[dict[str, Any]], int]:
    """One page of :func:`closings` and how many match (:func:`oldest_first`)."""
    who.require(READ_PERMISSION)
    found, total = oldest_first(who.tenant_id, seal.CLOSING, page, page_size, filters)
    return [item_view(e) for e in found], total


def closings(who: Principal, filters: dict[str, date]) -> list[dict[str, Any]]:
    """The cash register's sealed closings (daily, monthly, yearly)."""
    who.require(READ_PERMISSION)
    return [item_view(e) for e in _filtered(sealed_records.chain_entries(who.tenant_id, seal.CLOSING), filters)]


def closing_content(who: Principal, number: str) -> Content:
    who.require(READ_PERMISSION)
    found = sealed_records.number_entries(who.tenant_id, seal.CLOSING, number)
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
    if not is_whole_number(record_id) or not 1 <= int(record_id) <= 10**10 - 1:
        raise SealedRecordNotFoundError()
    return _content(sealed_records.get_entry(who.tenant_id, seal.POLICE_REGISTER, int(record_id)))


def receipt_content(who: Principal, number: str) -> Content:
    who.require(READ_PERMISSION)
    found = sealed_records.number_entries(who.tenant_id, seal.RECEIPT, number)
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


def _retention_problem(entry: Entry, mode: str, until: datetime | None) -> retention.Problem | None:
    """The object's lock against its legal term: its sealing day plus the configured calendar years."""
    try:
        sealed_at = datetime.fromisoformat(entry.sealed_at)
    except ValueError:
        sealed_at = datetime.now(UTC)  # an unreadable date: hold it to the strictest term
    return retention.check(entry.chain, entry.rank, entry.number, mode or None, until, sealed_at,
                           get_settings().vault_retention_years, vault.RETENTION_MODE)


def _sealed_version_retention(entry: Entry) -> retention.Problem | None:
    """The retention of the sealed version when another one lies on top of it (one more request)."""
    from botocore.exceptions import ClientError

    try:
        stored = vault.head(entry.key, entry.version_id)
    except ClientError:  # the version is gone: its chain reports it
        return None
    try:
        until = datetime.fromisoformat(stored.retain_until) if stored.retain_until else None
    except ValueError:
        until = None
    return _retention_problem(entry, stored.retention_mode, until)


def _stored(entry: Entry, versions: set[str] | None = None) -> tuple[seal.Stored, retention.Problem | None]:
    """Re-read one record: one request, unless it was stored over; and its retention.

    ``versions``: every version id the vault lists at its key (none but the sealed one,
    unless it was written over — even if the index was then pointed at the newcomer).
    """
    current = vault.read_current(entry.key)
    held = True
    problem = None
    if current is not None and current.version_id == entry.version_id:
        body, storage_sha, later = current.body, current.sha256, 0
        held = _retention_held(current, entry)
        problem = _retention_problem(entry, current.retention_mode, current.retain_until)
    else:  # another version (or a delete marker) on top of it: is the sealed one still there?
        sealed = vault.read(entry.key, entry.version_id)
        body, storage_sha = (sealed[0], sealed[1]) if sealed is not None else (None, None)
        later = 1 if sealed is not None else 0
        if sealed is not None:
            problem = _sealed_version_retention(entry)
    if versions is not None and body is not None:
        later = max(later, len(versions - {entry.version_id}))
    return (seal.Stored(rank=entry.rank, sha256=entry.sha256, body=body, prev_sha256=entry.prev_sha256,
                        storage_sha256=storage_sha, later_versions=later, retention_held=held, number=entry.number),
            problem)


def _rank_of(key: str) -> int | None:
    name = key.rsplit("/", 1)[-1].removesuffix(".json")
    return int(name) if is_whole_number(name) else None


@dataclass
class _Checked:
    """What checking one chain gave: its records as re-read, and their retention problems.

    ``cached``: the contents an incremental run took from the chain's checkpoint
    (``(rank, kind, content)`` of records verified before); ``reread``: how many
    records were read again; ``checkpoint``: ``none``, ``used``, ``full`` (asked
    for) or ``rejected:<why>`` (then the chain was re-read in full).
    """

    records: list[seal.Stored]
    retention: list[retention.Problem]
    entries: list[Entry] = field(default_factory=list)
    cached: list[tuple[int, str, dict[str, Any]]] = field(default_factory=list)
    reread: int = 0
    checkpoint: str = "full"

    @property
    def bodies(self) -> list[bytes | None]:
        return [r.body for r in self.records]


# The tenant-wide reads of a verification side by side (each chain's index and version
# listing, the live lots and articles: pages of network round trips on AWS).
LOAD_THREADS = 8
# GETs of vault objects side by side (boto3's clients are thread-safe); in the cloud,
# the job would hand slices of a chain to a Step Functions Map state instead.
READ_THREADS = 16
# A chain shorter than this is re-read in full every time (a second or two at most):
# checkpoints only pay off on long chains, and a full re-read also checks every lock.
INCREMENTAL_FROM = 1000
# What a chain's checkpoint keeps of its verified contents (domain/checkpoint.py): the
# live-data check's (each lot's last version, the receipts) and the anchored heads.
KEPT = {seal.POLICE_REGISTER: frozenset({"last_per_lot"}), seal.RECEIPT: frozenset({"all"}),
        seal.CHAIN_HEAD: frozenset({"all"})}

logger = logging.getLogger(__name__)


def _read(entries: list[Entry], history: dict[str, set[str]]) -> list[tuple[seal.Stored, retention.Problem | None]]:
    """Re-read ``entries`` (:func:`_stored`), :data:`READ_THREADS` at a time, in order."""
    if len(entries) < 4:
        return [_stored(entry, history.get(entry.key, set())) for entry in entries]
    with ThreadPoolExecutor(max_workers=READ_THREADS) as pool:
        return list(pool.map(lambda entry: _stored(entry, history.get(entry.key, set())), entries))


def _index_item(entry: Entry) -> checkpoint.IndexItem:
    return checkpoint.IndexItem(entry.rank, entry.sha256, entry.prev_sha256, entry.key, entry.version_id,
                                entry.number)


def _checkpoint(tenant_id: str, chain: str, entries: list[Entry], history: dict[str, set[str]],
                now: datetime) -> tuple[checkpoint.Checkpoint | None, str]:
    """The chain's latest checkpoint if it can be trusted now, and why (not)."""
    from botocore.exceptions import ClientError

    latest = vault.latest_checkpoint(tenant_id, chain)
    if latest is None:
        return None, "none"
    key, versions = latest
    try:
        current = vault.read_current(key)
    except ClientError:
        return None, "rejected:unreadable"
    if current is None or versions != {current.version_id}:
        return None, "rejected:versions"  # stored over, or a delete marker on it
    try:
        found = checkpoint.parse(current.body)
    except checkpoint.CheckpointError:
        return None, "rejected:unreadable"
    why = checkpoint.problem(found, chain, [_index_item(e) for e in entries], history, now)
    if why is not None:
        return None, f"rejected:{why}"
    last = entries[found.rank - 1]
    stored = vault.read(last.key, last.version_id)
    if stored is None or seal.sha256_hex(stored[0]) != found.sha256:
        return None, "rejected:hash"
    return found, "used"


def _save_checkpoint(tenant_id: str, chain: str, checked: _Checked, used: checkpoint.Checkpoint | None,
                     now: datetime) -> None:
    """A new checkpoint after a chain verified, unless the one used is recent and as long."""
    entries = checked.entries
    if not entries:
        return
    if used is not None and used.rank == entries[-1].rank:
        try:
            if now - datetime.fromisoformat(used.at) < checkpoint.RENEW_AFTER:
                return
        except ValueError:
            pass
    found = checkpoint.Checkpoint(
        chain, entries[-1].rank, entries[-1].sha256, checkpoint.index_digest(_index_item(e) for e in entries),
        now.isoformat(), checkpoint.compact(chain, _contents(checked), KEPT),
        used.full_at if used is not None else now.isoformat())
    body = found.to_bytes()
    try:
        vault.put_sealed(vault.checkpoint_key(tenant_id, chain, found.rank, now), body, seal.sha256_hex(body),
                         now + checkpoint.LOCKED_FOR)
    except Exception:  # the verification stands; the next one re-reads more
        logger.warning("checkpoint of %s/%s not stored", tenant_id, chain, exc_info=True)


def _chain_prefix(tenant_id: str, chain: str) -> str:
    return vault.object_key(tenant_id, chain, 1).rsplit("/", 1)[0] + "/"


def _sealed_since(tenant_id: str, chain: str, unlisted: set[int]) -> set[int]:
    """Of the stored ranks the index read did not list, those a sealer reserved or completed
    since (the head was read before the index and the listing: a record sealed meanwhile is
    in the vault before its index item). Read again now: the head, then each such rank's index
    item; a rank the index still lacks once its head says it is sealed stays unindexed."""
    if not unlisted:
        return set()
    fresh = chain_heads.get_head(tenant_id, chain)
    pending = {p.rank for p in fresh.pending}
    return {rank for rank in unlisted
            if rank in pending
            or (rank <= fresh.sealed and sealed_records.get_entry(tenant_id, chain, rank) is not None)}


def _verify_one(tenant_id: str, chain: str, head: chain_heads.ChainHead | None,
                anchors: list[seal.Head], full: bool = True,
                loaded: tuple[list[Entry], dict[str, set[str]]] | None = None,
                ) -> tuple[int, seal.Break | None, _Checked]:
    """Check one chain against the vault; the records re-read (for the anchors and the
    live data they hold) and every retention short of its term.

    Unless ``full`` (or the chain is shorter than :data:`INCREMENTAL_FROM`), the
    records up to a trusted checkpoint are not read again: the
    version listing shows that each still holds its one sealed version, and the
    checkpoint gives back their contents (chalicelib/domain/checkpoint.py).
    Retention is then checked on the records read: an older one's COMPLIANCE lock
    was checked before and cannot be shortened. ``loaded``: the chain's index items
    and version listing, when read beforehand (:func:`_load`).
    """
    now = datetime.now(UTC)
    if loaded is None:
        loaded = (verification_repo.chain_proofs(tenant_id, chain), vault.versions(_chain_prefix(tenant_id, chain)))
    entries, history = loaded
    used, status = (None, "full")
    if not full and len(entries) >= INCREMENTAL_FROM:
        used, status = _checkpoint(tenant_id, chain, entries, history, now)
    start = seal.Head(chain, used.rank, used.sha256) if used is not None else None
    todo = entries[used.rank:] if used is not None else entries
    pairs = _read(todo, history)
    records = [record for record, _ in pairs]
    problems = [problem for _, problem in pairs if problem is not None]
    # Objects cannot be deleted: one the index does not list means the index lost it
    # (unless a sealer is completing that rank right now).
    in_flight = {p.rank for p in head.pending} if head is not None else set()
    stored_ranks = {rank for rank in map(_rank_of, history) if rank is not None} - in_flight
    stored_ranks -= _sealed_since(tenant_id, chain, stored_ranks - {e.rank for e in entries})
    trusted = list(anchors)
    if head is not None and head.sealed > 0:
        trusted.append(seal.Head(chain, head.sealed, head.sha256))
    broken = seal.verify_chain(chain, records, trusted, stored_ranks, start)
    checked = _Checked(records, problems, entries, list(used.contents) if used is not None else [], len(todo),
                       status)
    if broken is None and not problems and len(entries) >= INCREMENTAL_FROM:
        _save_checkpoint(tenant_id, chain, checked, used, now)
    return len(entries), broken, checked


def verify(who: Principal, full: bool = False) -> dict[str, Any]:
    """Check every hash and link of the tenant's chains, now: the records sealed since
    the last verification (or all of them, ``full``) re-read."""
    who.require("verify_register")
    return verify_tenant(who.tenant_id, full=full)


def sealing_status(who: Principal) -> dict[str, Any]:
    """Journal entries of the tenant the sealer failed on and that are still unsealed."""
    who.require("verify_register")
    from chalicelib.services import sealing

    failing = sealing.tenant_status(who.tenant_id)
    return {"ok": not failing, "unsealed": [
        {"seq": f.seq, "kind": f.kind, "since": f.first_at, "last_attempt": f.last_at, "attempts": f.attempts,
         "error": f.error, "needs_a_human": f.poison} for f in failing]}


def start_verification(who: Principal) -> dict[str, Any]:
    """The same verification as a job, for chains too long to re-read within one request."""
    who.require("verify_register")
    from chalicelib.services import jobs

    return jobs.start(who.tenant_id, "verify", {}, who.user_id)


def run_verification(tenant_id: str, params: dict[str, Any], progress: Any) -> dict[str, Any]:
    """The job's work (chalicelib/services/jobs.py): a full re-read."""
    return verify_tenant(tenant_id, progress, full=True)


def verify_tenant(tenant_id: str, progress: Any = None, full: bool = True) -> dict[str, Any]:
    """Re-read every sealed record of the tenant and check every hash and link.

    Unless ``full``, each chain is re-read from its checkpoint on (:func:`_verify_one`).

    The ``chain_head`` chain is checked first; the heads its records anchor
    then serve to check the other chains' tails, with the heads table's own.
    """
    with _collector_paused():
        heads = {h.chain: h for h in chain_heads.list_heads(tenant_id)}
        with ThreadPoolExecutor(max_workers=LOAD_THREADS) as pool:
            return _verify_loaded(tenant_id, heads, _load(pool, tenant_id), progress, full)


_pauses = [0]
_pauses_lock = threading.Lock()


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while a verification runs (and back on once the
    last running one ends, if it was on).

    A verification allocates ~50,000 items read (index entries, lots, articles) and their
    contents, and frees none before it ends (reference counting frees them then). The
    collector's passes meanwhile are wasted work, and a full pass walks every object the
    process holds: beside an in-process moto holding the vault and the tables, 3 full passes
    took ~40 % of an incremental verification's time (2026-12-07).
    """
    with _pauses_lock:
        if _pauses[0] == 0:
            _pauses.append(gc.isenabled())
            gc.disable()
        _pauses[0] += 1
    try:
        yield
    finally:
        with _pauses_lock:
            _pauses[0] -= 1
            if _pauses[0] == 0 and _pauses.pop():
                gc.enable()


def _load(pool: ThreadPoolExecutor, tenant_id: str) -> _Loads:
    """Start the verification's tenant-wide reads side by side: each chain's index items
    and version listing, then the live lots and articles.

    The live records are read once every chain's index is: a change sealed after the
    index was read would otherwise look like a tampering (the in-flight check looks for
    journal entries after the last index item read).
    """
    entries = {c: pool.submit(verification_repo.chain_proofs, tenant_id, c) for c in seal.CHAINS}

    def after_the_index(read: Callable[[str], Iterable[dict[str, Any]]]) -> dict[str, dict[str, Any]] | None:
        # The pool runs tasks in the order given: the index reads were handed out first.
        indexed = {c: found.result() for c, found in entries.items()}
        if not indexed.get(seal.POLICE_REGISTER) and not indexed.get(seal.RECEIPT):
            return None  # nothing sealed to hold the live data against
        return {record["ref"]: record for record in read(tenant_id)}

    articles = pool.submit(after_the_index, verification_repo.articles)
    lots = pool.submit(after_the_index, verification_repo.lots)
    histories = {c: pool.submit(vault.versions, _chain_prefix(tenant_id, c)) for c in seal.CHAINS}
    return _Loads(entries, histories, lots, articles)


@dataclass
class _Loads:
    """The reads :func:`_load` started (futures)."""

    entries: dict[str, Any]
    histories: dict[str, Any]
    lots: Any
    articles: Any

    def chain(self, chain: str) -> tuple[list[Entry], dict[str, set[str]]]:
        return self.entries[chain].result(), self.histories[chain].result()

    def live(self) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]] | None:
        lots, articles = self.lots.result(), self.articles.result()
        return None if lots is None or articles is None else (lots, articles)


def _verify_loaded(tenant_id: str, heads: dict[str, chain_heads.ChainHead], loads: _Loads, progress: Any,
                   full: bool) -> dict[str, Any]:
    checked = 0
    breaks: dict[str, seal.Break | None] = {}
    chains: dict[str, Any] = {}

    count, broken, checked_heads = _verify_one(tenant_id, seal.CHAIN_HEAD, heads.get(seal.CHAIN_HEAD), [], full,
                                               loads.chain(seal.CHAIN_HEAD))
    held: dict[str, _Checked] = {seal.CHAIN_HEAD: checked_heads}
    anchors: list[seal.Head] = []
    for _, _, content in checked_heads.cached:  # verified before: from the checkpoint
        anchors += [seal.Head(str(h["chain"]), int(h["rank"]), str(h["sha256"])) for h in content.get("heads") or []]
    for body in checked_heads.bodies:
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
        count, broken, held[chain] = _verify_one(tenant_id, chain, heads.get(chain), anchors, full,
                                                 loads.chain(chain))
        checked += count
        breaks[chain] = broken
        chains[chain] = count

    first = next((breaks[c] for c in seal.CHAINS if breaks.get(c) is not None), None)
    short = [p.to_json() for c in seal.CHAINS if c in held for p in held[c].retention]
    divergences = [d.to_json() for d in _divergences(tenant_id, held, loads.live)]
    # Each built fiscal archive's stored zip and manifest against its sealed archive_built event.
    from chalicelib.services import fiscal_archives

    archives = fiscal_archives.check_archives(tenant_id)
    return {
        "ok": first is None and not short and not divergences and all(a["ok"] for a in archives),
        "archives": archives,
        "checked": checked,
        "mode": "full" if full else "incremental",
        "reread": sum(c.reread for c in held.values()),
        "divergences": divergences,
        "retention": short,
        "retention_years": get_settings().vault_retention_years,
        "first_broken": None if first is None else {
            "chain": first.chain, "rank": first.rank, "reason": first.reason, "message": first.message},
        "chains": [
            {"chain": c, "checked": chains[c], "reread": held[c].reread, "checkpoint": held[c].checkpoint,
             "head": ({"rank": heads[c].sealed, "sha256": heads[c].sha256} if c in heads else None),
             "broken": (None if breaks[c] is None else
                        {"rank": breaks[c].rank, "reason": breaks[c].reason})}  # type: ignore[union-attr]
            for c in seal.CHAINS
        ],
    }


# ---------------------------------------------------------------- live data against the seal


def _contents(checked: _Checked | None) -> list[tuple[int, str, dict[str, Any]]]:
    """``(rank, journal kind, content)`` of the records whose bytes still hash to the index's
    SHA-256 (an altered one is reported by its chain; its content is not trusted here)."""
    found = list(checked.cached) if checked is not None else []
    for record in checked.records if checked is not None else []:
        if record.body is None or seal.sha256_hex(record.body) != record.sha256:
            continue
        try:
            envelope = seal.parse(record.body)
        except seal.SealError:
            continue
        content = envelope.get("content")
        if isinstance(content, dict):
            found.append((record.rank, str(envelope.get("kind") or ""), content))
    return found


def _divergences(tenant_id: str, held: dict[str, _Checked],
                 live: Callable[[], tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]] | None] | None = None,
                 ) -> list[divergence.Divergence]:
    """The live lots, articles and sales against the sealed contents just re-read.

    Tenant-wide queries only (lots, articles, families, closures' records): no
    per-record read, whatever the size of the register.
    """
    register = [(rank, content) for rank, _, content in _contents(held.get(seal.POLICE_REGISTER))]
    receipts = _contents(held.get(seal.RECEIPT))
    if not register and not receipts:
        return []
    from chalicelib.adapters.repositories import catalog as catalog_repo
    from chalicelib.adapters.repositories import jobs as jobs_repo

    found_live = live() if live is not None else None  # ``live``: the lots and articles, read beforehand
    if found_live is None:
        found_live = ({lot["ref"]: lot for lot in verification_repo.lots(tenant_id)},
                      {a["ref"]: a for a in verification_repo.articles(tenant_id)})
    lots, articles = found_live
    families = {f.id: [f.label, *f.former_labels] for f in catalog_repo.list_families(tenant_id)}
    purged_articles, purged_lots = jobs_repo.purged_refs(tenant_id)
    purged = divergence.Purged(frozenset(purged_lots), frozenset(purged_articles))
    found = [*divergence.register_divergences(register, lots, articles, families, purged, seal.POLICE_REGISTER),
             *divergence.receipt_divergences(receipts, articles, seal.RECEIPT)]
    copies = _summary_divergences(tenant_id, articles)  # written with the articles: never in flight
    if not found:  # the usual answer: no need to look for entries on their way to the vault
        return copies
    found = divergence.settled(found, _in_flight(tenant_id, held, {d.chain for d in found}))
    return [*found, *divergence.beyond(copies, found, articles)]


def _figures_read(article: dict[str, Any]) -> bool:
    from chalicelib.domain.search import terms

    try:
        terms(article)
    except (ArithmeticError, ValueError, TypeError):  # decimal.InvalidOperation is an ArithmeticError
        return False
    return True


def _summary_divergences(tenant_id: str, articles: dict[str, dict[str, Any]]) -> list[divergence.Divergence]:
    """The Σ buckets against the articles they sum (one more small Query)."""
    from chalicelib.adapters.repositories import sigma as sigma_repo
    from chalicelib.domain import sigma

    if not sigma_repo.is_ready(tenant_id):
        return []
    # An article whose figures no longer read (a price that is not a number, written behind the
    # application's back) is reported against its register version; the Σ sums the others.
    expected = sigma.deltas((None, article) for article in articles.values() if _figures_read(article))
    return divergence.summary_divergences(expected, sigma_repo.buckets(tenant_id))


def _in_flight(tenant_id: str, held: dict[str, _Checked], chains: set[str]) -> divergence.InFlight:
    """The lots and sales whose latest journal entry the vault does not hold yet.

    Per chain with a divergence, one Query of the journal after its last sealed
    entry (keys only); a customer return's payload is read for the articles it names.
    """
    lots: set[str] = set()
    transactions: set[str] = set()
    articles: set[str] = set()
    for chain in sorted(chains & {seal.POLICE_REGISTER, seal.RECEIPT}):
        checked = held.get(chain)
        entries = checked.entries if checked is not None else []
        sealed = {e.seq for e in entries}
        kinds = [kind for kind, of in seal.CHAIN_OF_KIND.items() if of == chain]
        after = max(sealed) if sealed else None
        for seq, kind, subject in journal.journal_since(tenant_id, after, kinds):
            if seq in sealed:
                continue
            if chain == seal.POLICE_REGISTER:
                lots.add(subject)
            elif kind == "sale":
                transactions.add(subject)
            else:
                content = journal.decode_payload(journal.get_journal(tenant_id, seq).payload)
                articles.update(str(line["ref"]) for line in content.get("lines") or [] if line.get("ref"))
    return divergence.InFlight(frozenset(lots), frozenset(transactions), frozenset(articles))


# ---------------------------------------------------------------- inspections


def _inspection_view(inspection: inspection_reports.Inspection, sealed: dict[str, Any]) -> dict[str, Any]:
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
    """The back office appends what an inspector wrote (later, the inspector's own session)."""
    who.require("append_inspection")
    now = datetime.now(UTC)
    data = text.encode("utf-8")
    inspection = inspection_reports.Inspection(
        id=inspection_reports.new_inspection_id(now), at=now.isoformat(), inspector=inspector, service=service,
        email=email, text=text, md5=seal.md5_hex(data), sha256=seal.sha256_hex(data), by=who.email, seq="")
    payload = {"record": "inspection", "at": inspection.at, "by": inspection.by, "inspector": inspector,
               "service": service, "email": email, "text": text, "md5": inspection.md5,
               "sha256": inspection.sha256}
    stored = inspection_reports.add_inspection(who.tenant_id, inspection, payload)
    return _inspection_view(stored, sealed_records.claims(who.tenant_id, [stored.seq]))


def inspections(who: Principal) -> list[dict[str, Any]]:
    who.require(READ_PERMISSION)
    found = inspection_reports.list_inspections(who.tenant_id)
    sealed = sealed_records.claims(who.tenant_id, [i.seq for i in found])
    return [_inspection_view(i, sealed) for i in sorted(found, key=lambda i: i.id)]
