"""Fiscal archives: for each closed month and fiscal year, a zip of the period's
sealed records in open formats, with a manifest sealed in the event log
(``domain/fiscal_archive.py``; DOMAIN.md "Audit trail and the authorities").

- ``start`` (``POST /api/compliance/archives``) and the closings' schedule
  (:func:`archive_closed_periods`, after each run of ``services/closings.py``)
  start a ``fiscal_archive`` job, once per period: the period's item is created
  with a condition; a failed (or lost) build may be started again.
- The job waits until the period's closing is sealed (the sealer normally takes
  well under a second; it waits up to :data:`SEAL_WAIT` seconds, then fails in
  French and may be started again), then archives the records the index lists
  for the period, read from the vault by their version ids and checked against
  their SHA-256. It stores the zip and the manifest once, in the vault under Object
  Lock (``archives/<tenant>/<period>/<generation>/``), and journals ``archive_built``
  with their SHA-256 and version ids: the archive's sealed truth.
- ``list_archives``, ``download`` and ``check_archives`` (the verification) read the
  hashes from that sealed event, never from the archive's item; ``download`` hashes
  the stored files again first (409 ``fiscal_archive_altered`` and an
  ``archive_altered`` event if they differ), then hands fresh time-limited links and
  journals ``archive_downloaded`` and a consultation of the police register.
"""

from __future__ import annotations

import hashlib
import io
import json
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from chalicelib.adapters import files, vault
from chalicelib.adapters.repositories import fiscal_archives as repo
from chalicelib.adapters.repositories import jobs as jobs_repo
from chalicelib.adapters.repositories import sealed_records
from chalicelib.adapters.repositories.sealed_records import Entry
from chalicelib.auth import Principal
from chalicelib.config import get_settings
from chalicelib.domain import closings, fiscal_archive, retention, seal
from chalicelib.domain.fiscal_archive import Period
from chalicelib.domain.sales import REGISTER
from chalicelib.errors import (
    ClosingNotSealedError,
    FiscalArchiveAlteredError,
    FiscalArchiveExistsError,
    FiscalArchiveNotFoundError,
    FiscalArchiveNotReadyError,
    FiscalArchiveSourceError,
    LotbookError,
    NothingToArchiveError,
    PeriodNotClosedError,
    ValidationError,
)
from chalicelib.observability import logger
from chalicelib.services import audit, jobs

READ_PERMISSION = "read_register"  # the archive holds the police register: the back office (and inspectors)
BUILD_PERMISSION = "year_end"
KIND = "fiscal_archive"
SEAL_WAIT = 120.0  # seconds the job waits for the period's closing to be sealed
STALE_AFTER = timedelta(hours=1)  # a build still "running" after this was lost: it may start again
READ_THREADS = 16
SEALED_WAIT = 5.0  # seconds a download waits for the archive_built event to be sealed
AUTO_STARTS_PER_RUN = 12  # the nightly run catches up on older periods a dozen at a time


def _today() -> Any:
    return datetime.now(UTC).astimezone(fiscal_archive.PARIS).date()


def _parse(value: Any) -> Period:
    try:
        return fiscal_archive.parse_period(value)
    except fiscal_archive.PeriodError as exc:
        raise ValidationError(details={"period": str(exc)}) from None


def _closing_number(period: Period) -> str:
    return f"{REGISTER}-{period.kind[0].upper()}-{period.text}"


def _closed(tenant_id: str, period: Period, markers: dict[str, Any] | None = None) -> bool:
    """Its monthly / yearly closing is journaled, or it is over and had no ticket to close."""
    from chalicelib.adapters.repositories import closings as closings_repo

    markers = closings_repo.closing_markers(tenant_id) if markers is None else markers
    if closings.marker(REGISTER, period.kind, period.text) in markers:
        return True
    if not period.over(_today()):
        return False
    return not any(fiscal_archive.in_period(period, seal.RECEIPT, e.sealed_at, e.summary)
                   for e in sealed_records.chain_entries(tenant_id, seal.RECEIPT))


# ---------------------------------------------------------------- starting


def _stale(archive: dict[str, Any]) -> bool:
    started = datetime.fromisoformat(str(archive.get("created_at")))
    return datetime.now(UTC) - started > STALE_AFTER


def _start(tenant_id: str, period: Period, user: str | None, user_id: str | None,
           automatic: bool) -> dict[str, Any]:
    existing = repo.get(tenant_id, period.text)
    replacing = None
    if existing is not None:
        if existing.get("status") == "ready":
            raise FiscalArchiveExistsError()
        if existing.get("status") == "running" and not _stale(existing):
            return {"job_id": existing.get("job_id"), "period": period.text}
        replacing = int(existing.get("generation") or 1)
    archive: dict[str, Any] = {"period": period.text, "kind": period.kind, "status": "running",
                               "created_at": datetime.now(UTC).isoformat(), "started_by": user,
                               "automatic": automatic}
    if not repo.create(tenant_id, archive, replacing):  # someone else started it meanwhile
        current = repo.get(tenant_id, period.text) or {}
        return {"job_id": current.get("job_id"), "period": period.text}
    params = {"period": period.text, "generation": archive["generation"]}
    # The item names its job before the job can run (jobs.start does both at once).
    job = jobs_repo.create_job(tenant_id, KIND, params, user_id)
    archive["job_id"] = job["id"]
    repo.save(tenant_id, archive)
    try:
        files.start_execution(jobs.STATE_MACHINE, f"{KIND}-{job['id']}",
                              json.dumps({"tenant_id": tenant_id, "job_id": job["id"]}))
    except Exception:
        logger.exception("job start failed", extra={"job": job["id"]})
        jobs_repo.update_job(tenant_id, job["id"], status="failed", error="La tâche n'a pas pu démarrer. Réessayez.")
        repo.save(tenant_id, {**archive, "status": "failed", "error": "La tâche n'a pas pu démarrer."})
        raise
    return {"job_id": job["id"], "period": period.text}


def _first_sealed_day(tenant_id: str) -> date | None:
    """The day (Paris) of the tenant's first sealed record, any chain (one read per chain)."""
    firsts = [e.sealed_at for chain in seal.CHAINS if (e := sealed_records.get_entry(tenant_id, chain, 1)) is not None]
    return date.fromisoformat(fiscal_archive.local_day(min(firsts))) if firsts else None


def start(who: Principal, period_value: Any) -> dict[str, Any]:
    """``POST /api/compliance/archives``: 202 with the job, for a closed period only."""
    who.require(BUILD_PERMISSION)
    period = _parse(period_value)
    first = _first_sealed_day(who.tenant_id)
    # Periods long before the company's first record hold nothing: no empty jobs by the hundred. The
    # year before it stays open (a dealer who starts in December may archive the months before).
    if first is None or period.over(date(first.year - 1, 1, 1)):
        raise NothingToArchiveError(details={"period": period.text,
                                             "first_record": first.isoformat() if first else None})
    if not _closed(who.tenant_id, period):
        raise PeriodNotClosedError(details={"period": period.text})
    return _start(who.tenant_id, period, who.email, who.user_id, automatic=False)


def archive_closed_periods(tenant_id: str, markers: dict[str, Any] | None = None) -> list[str]:
    """After the closings' run: start the archive of each closed month and year that has none
    (or whose build failed or was lost).

    Idempotent by period (conditional creation); returns the periods started.
    """
    from chalicelib.adapters.repositories import closings as closings_repo

    markers = closings_repo.closing_markers(tenant_id) if markers is None else markers
    have = {a.get("period"): a for a in repo.list_all(tenant_id)}
    periods = []
    for kind in ("monthly", "yearly"):
        prefix = closings.marker(REGISTER, kind, "")
        periods += [key[len(prefix):] for key in markers if key.startswith(prefix)]

    def due(period: str) -> bool:  # none yet, or one that failed or was lost: (again) now
        archive = have.get(period)
        return archive is None or archive.get("status") == "failed" or (
            archive.get("status") == "running" and _stale(archive))

    started = []
    for text in sorted(p for p in periods if due(p))[:AUTO_STARTS_PER_RUN]:
        try:
            _start(tenant_id, fiscal_archive.parse_period(text), None, None, automatic=True)
            started.append(text)
        except FiscalArchiveExistsError:
            continue
    return started


# ---------------------------------------------------------------- listing, downloading
#
# What an archive is, is what its ``archive_built`` event sealed (the manifest's and
# the zip's SHA-256, where they are stored): the list, the download and the
# ``archive_downloaded`` event take it from the sealed record, never from the archive's
# item (a counters item anyone with table access could rewrite).


def _name(period: str) -> str:
    return f"lotbook-archive-fiscale-{period}.zip"


def _keys(tenant_id: str, period: str, generation: int) -> dict[str, str]:
    """Download name → vault key of the zip and the manifest of one build."""
    base = vault.archive_prefix(tenant_id, period, generation)
    return {_name(period): f"{base}{_name(period)}", f"manifest-{period}.json": f"{base}manifest.json"}


@dataclass(frozen=True)
class Sealed:
    """An archive as its sealed ``archive_built`` event holds it."""

    rank: int
    manifest_sha256: str
    archive_sha256: str
    size: int | None
    generation: int
    versions: dict[str, str]  # download name → the version id stored at the build
    problem: str | None = None  # the sealed record itself is unreadable, altered or not this archive's


def _sealed_from(archive: dict[str, Any], rank: int, content: dict[str, Any], problem: str | None) -> Sealed:
    found = content.get("details")
    details: dict[str, Any] = found if isinstance(found, dict) else {}
    if problem is None and (content.get("event", content.get("kind")) != "archive_built"
                            or details.get("period") != archive["period"]):
        problem = "not_this_archive"
    period = str(archive["period"])
    return Sealed(rank, str(details.get("manifest_sha256") or ""), str(details.get("archive_sha256") or ""),
                  details.get("size"), int(details.get("generation") or 0),
                  {_name(period): str(details.get("zip_version_id") or ""),
                   f"manifest-{period}.json": str(details.get("manifest_version_id") or "")}, problem)


def _sealed(tenant_id: str, archives: list[dict[str, Any]], from_vault: bool) -> dict[str, Sealed]:
    """Each archive's sealed ``archive_built`` event, by period (absent until sealed).

    ``from_vault``: the sealed record read from the vault and held to the index's SHA-256
    (the download, the verification); else the index's summary of it (the list: no
    vault read per archive)."""
    seqs = {a["event_seq"]: a for a in archives if a.get("event_seq")}
    found = sealed_records.claims(tenant_id, seqs) if seqs else {}

    def one(seq: str) -> Sealed:
        archive, claim = seqs[seq], found[seq]
        entry = sealed_records.get_entry(tenant_id, seal.EVENT, int(claim.rank))
        if entry is None or entry.sha256 != claim.sha256:
            return _sealed_from(archive, int(claim.rank), {}, "sealed_record_missing")
        if not from_vault:
            return _sealed_from(archive, entry.rank, dict(entry.summary or {}), None)
        stored = vault.read(entry.key, entry.version_id)
        if stored is None or hashlib.sha256(stored[0]).hexdigest() != entry.sha256:
            return _sealed_from(archive, entry.rank, {}, "sealed_record_altered")
        return _sealed_from(archive, entry.rank, json.loads(stored[0])["content"], None)

    if len(found) < 4:
        results = [one(seq) for seq in found]
    else:
        with ThreadPoolExecutor(max_workers=READ_THREADS) as pool:
            results = list(pool.map(one, list(found)))
    return {str(seqs[seq]["period"]): result for seq, result in zip(found, results, strict=True)}


def _view(archive: dict[str, Any], sealed: Sealed | None) -> dict[str, Any]:
    period = fiscal_archive.parse_period(archive["period"])
    return {"id": archive["period"], "period": archive["period"], "period_label": period.label,
            "kind": archive.get("kind"), "status": archive.get("status"), "created_at": archive.get("created_at"),
            "built_at": archive.get("built_at"), "automatic": bool(archive.get("automatic")),
            "job_id": archive.get("job_id"), "files": archive.get("files"), "records": archive.get("records"),
            "manifest_sha256": sealed.manifest_sha256 if sealed else None,
            "archive_sha256": sealed.archive_sha256 if sealed else None,
            "size": sealed.size if sealed else None, "event_rank": sealed.rank if sealed else None,
            "error": archive.get("error")}


def list_archives(who: Principal) -> list[dict[str, Any]]:
    who.require(READ_PERMISSION)
    archives = sorted(repo.list_all(who.tenant_id), key=lambda a: a["period"], reverse=True)
    sealed = _sealed(who.tenant_id, archives, from_vault=False)
    return [_view(a, sealed.get(a["period"])) for a in archives]


def _sealed_one(tenant_id: str, archive: dict[str, Any]) -> Sealed | None:
    """The archive's sealed event, waiting a moment for the sealer (it follows the build by
    well under a second)."""
    deadline = time.monotonic() + SEALED_WAIT
    while True:
        sealed = _sealed(tenant_id, [archive], from_vault=True).get(archive["period"])
        if sealed is not None or time.monotonic() > deadline:
            return sealed
        time.sleep(0.1)


def _alteration(tenant_id: str, period: str, sealed: Sealed, read_bodies: bool,
                history: dict[str, set[str]] | None = None) -> dict[str, Any] | None:
    """What differs between the stored zip and manifest and what the event sealed; None if nothing.

    The version listing (``history``, else listed here) must show each key holding its
    sealed version and nothing else (Object Lock keeps that version's bytes; anything
    written over it, a delete marker included, is a second version). ``read_bodies``: each
    file is then read and hashed again (the download); else only the zip's sealed version
    is HEAD-ed for the SHA-256 S3 kept (the verification: no download)."""
    if sealed.problem is not None:
        return {"reason": sealed.problem}
    keys = _keys(tenant_id, period, sealed.generation)
    expected = {_name(period): sealed.archive_sha256, f"manifest-{period}.json": sealed.manifest_sha256}
    if history is None:
        history = vault.versions(vault.archive_prefix(tenant_id, period, sealed.generation))
    for name, key in keys.items():
        stored = history.get(key, set())
        if stored - {sealed.versions[name]}:
            return {"reason": "overwritten", "file": name}
        if sealed.versions[name] not in stored:
            return {"reason": "missing", "file": name}
        if read_bodies:
            current = vault.read_current(key)
            found = None if current is None else hashlib.sha256(current.body).hexdigest()
        elif name == _name(period):
            try:
                found = vault.head(key, sealed.versions[name]).sha256
            except Exception:  # noqa: BLE001 - unreadable: not the sealed file
                found = None
        else:
            continue
        if found is None:
            return {"reason": "missing", "file": name}
        if found != expected[name]:
            return {"reason": "hash_mismatch", "file": name, "expected_sha256": expected[name],
                    "found_sha256": found}
    return None


def download(who: Principal, period_value: str, purpose: str | None = None) -> dict[str, Any]:
    """One archive with fresh time-limited links; the download is an event and a consultation.

    The stored zip and manifest are read and hashed again first: if either is not what the
    ``archive_built`` event sealed, nothing is handed out (409 ``fiscal_archive_altered``)
    and the anomaly is an ``archive_altered`` event."""
    who.require(READ_PERMISSION)
    try:
        period = fiscal_archive.parse_period(period_value)
    except fiscal_archive.PeriodError:
        raise FiscalArchiveNotFoundError() from None
    archive = repo.get(who.tenant_id, period.text)
    if archive is None:
        raise FiscalArchiveNotFoundError()
    if archive.get("status") != "ready":
        raise FiscalArchiveNotReadyError()
    sealed = _sealed_one(who.tenant_id, archive)
    if sealed is None:
        raise FiscalArchiveNotReadyError()
    altered = _alteration(who.tenant_id, period.text, sealed, read_bodies=True)
    if altered is not None:
        audit.record_event(who.tenant_id, "archive_altered", user=who.email,
                           details={"period": period.text, "manifest_sha256": sealed.manifest_sha256, **altered})
        raise FiscalArchiveAlteredError(details={"period": period.text, **altered})
    audit.record_event(who.tenant_id, "archive_downloaded", user=who.email,
                       details={"period": period.text, "manifest_sha256": sealed.manifest_sha256,
                                "archive_sha256": sealed.archive_sha256})
    audit.consulted(who, f"archive:{period.text}", purpose)
    view = _view(archive, sealed)
    view["files"] = [{"name": name, "url": vault.link(key, name, sealed.versions[name])}
                     for name, key in _keys(who.tenant_id, period.text, sealed.generation).items()]
    return view


def check_archives(tenant_id: str) -> list[dict[str, Any]]:
    """The verification's part (``GET /api/compliance/verify``): each built archive's stored
    zip and manifest against its sealed ``archive_built`` event — one version listing of the
    tenant's archives, and per archive its sealed event read and one HEAD (no download)."""
    archives = sorted((a for a in repo.list_all(tenant_id) if a.get("status") == "ready"),
                      key=lambda a: a["period"])
    if not archives:
        return []
    sealed = _sealed(tenant_id, archives, from_vault=True)
    history = vault.versions(f"{vault.ARCHIVES}/{tenant_id}/")
    out = []
    for archive in archives:
        found = sealed.get(archive["period"])
        if found is None and archive.get("event_seq"):  # built a moment ago: its event is being sealed
            found = _sealed_one(tenant_id, archive)
        problem = {"reason": "not_sealed"} if found is None else _alteration(tenant_id, archive["period"], found,
                                                                             False, history)
        out.append({"period": archive["period"], "ok": problem is None,
                    "reason": None if problem is None else problem["reason"],
                    **({"file": problem["file"]} if problem and problem.get("file") else {})})
    return out


# ---------------------------------------------------------------- the job's work


def _wait_for_closing(tenant_id: str, period: Period, markers: dict[str, Any]) -> None:
    if closings.marker(REGISTER, period.kind, period.text) not in markers:
        return  # a period without tickets: nothing to wait for
    deadline = time.monotonic() + SEAL_WAIT
    pause = 0.05
    while not sealed_records.number_entries(tenant_id, seal.CLOSING, _closing_number(period)):
        if time.monotonic() > deadline:
            raise ClosingNotSealedError()
        time.sleep(pause)
        pause = min(pause * 2, 2.0)


def _read_one(entry: Entry) -> bytes:
    stored = vault.read(entry.key, entry.version_id)
    if stored is None or hashlib.sha256(stored[0]).hexdigest() != entry.sha256:
        raise FiscalArchiveSourceError(details={"chain": entry.chain, "rank": entry.rank})
    return stored[0]


def _slice(tenant_id: str, chain: str, period: Period) -> tuple[fiscal_archive.ChainSlice, list[Entry]] | None:
    entries = sorted(sealed_records.chain_entries(tenant_id, chain), key=lambda e: e.rank)
    bounds = fiscal_archive.slice_of(e.rank for e in entries
                                     if fiscal_archive.in_period(period, chain, e.sealed_at, e.summary))
    if bounds is None:
        return None
    first, last = bounds
    kept = [e for e in entries if first <= e.rank <= last]
    if [e.rank for e in kept] != list(range(first, last + 1)):
        raise FiscalArchiveSourceError(details={"chain": chain, "rank": first})
    return fiscal_archive.ChainSlice(chain, first, last, kept[0].prev_sha256, kept[-1].sha256), kept


def build(tenant_id: str, period: Period, progress: jobs.Progress, generation: int = 1) -> dict[str, Any]:
    """The archive's files (zip and manifest) stored once in the vault under Object Lock
    (COMPLIANCE, the vault's retention), at keys of this build's ``generation``; its figures."""
    from chalicelib.adapters.repositories.tenants import get_tenant

    content: dict[str, bytes] = {}
    slices: list[fiscal_archive.ChainSlice] = []
    records: dict[str, int] = {}
    rendered: dict[str, list[tuple[dict[str, Any], str]]] = {}
    chains = fiscal_archive.CHAINS
    for n, chain in enumerate(chains):
        found = _slice(tenant_id, chain, period)
        if found is not None:
            chain_slice, entries = found
            if len(entries) < 4:
                bodies = [_read_one(e) for e in entries]
            else:
                with ThreadPoolExecutor(max_workers=READ_THREADS) as pool:
                    bodies = list(pool.map(_read_one, entries))
            slices.append(chain_slice)
            records[chain] = len(entries)
            parsed = []
            for entry, body in zip(entries, bodies, strict=True):
                content[fiscal_archive.record_name(chain, entry.rank)] = body
                parsed.append((json.loads(body.decode("utf-8")), entry.sha256))
            rendered[chain] = parsed
        progress(0.8 * (n + 1) / len(chains))
    # The CSV files: the verifier's own rendering of the records (an empty table says
    # "none in the period").
    content.update(fiscal_archive.render_csv_files(rendered))
    company = get_tenant(tenant_id).settings
    content[fiscal_archive.README] = fiscal_archive.readme(period, company)
    built_at = datetime.now(UTC).isoformat()
    manifest = fiscal_archive.manifest(period, company, built_at, get_settings().software_version, slices, content)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr(fiscal_archive.MANIFEST, manifest)
        for name in sorted(content):
            out.writestr(name, content[name])
    body = buffer.getvalue()
    keys = _keys(tenant_id, period.text, generation)
    zip_name, manifest_name = list(keys)
    until = retention.retain_until(datetime.now(UTC), get_settings().vault_retention_years)
    hashes = {zip_name: hashlib.sha256(body).hexdigest(), manifest_name: hashlib.sha256(manifest).hexdigest()}
    stored = {zip_name: vault.put_sealed(keys[zip_name], body, hashes[zip_name], until, "application/zip"),
              manifest_name: vault.put_sealed(keys[manifest_name], manifest, hashes[manifest_name], until,
                                              "application/json")}
    progress(0.9)
    return {"built_at": built_at, "manifest_sha256": hashes[manifest_name], "archive_sha256": hashes[zip_name],
            "size": len(body), "files": len(content) + 1, "records": records, "chains": [s.to_json() for s in slices],
            "generation": generation, "zip_version_id": stored[zip_name].version_id,
            "manifest_version_id": stored[manifest_name].version_id}


def run_build(tenant_id: str, params: dict[str, Any], progress: jobs.Progress) -> dict[str, Any]:
    """The ``fiscal_archive`` job."""
    from chalicelib.adapters.repositories import closings as closings_repo

    period = fiscal_archive.parse_period(params["period"])
    archive = repo.get(tenant_id, period.text)
    if archive is None or int(archive.get("generation") or 0) != int(params["generation"]):
        raise FiscalArchiveNotFoundError("Cette constitution d'archive a été remplacée par une autre.")
    try:
        _wait_for_closing(tenant_id, period, closings_repo.closing_markers(tenant_id))
        built = build(tenant_id, period, progress, int(params["generation"]))
        # The sealed truth of the archive: what the list, the download and the verification read.
        seq = audit.record_event(tenant_id, "archive_built", user=archive.get("started_by"), details={
            "period": period.text, "manifest_sha256": built["manifest_sha256"],
            "archive_sha256": built["archive_sha256"], "size": built["size"], "files": built["files"],
            "automatic": bool(archive.get("automatic")), "generation": built["generation"],
            "zip_version_id": built["zip_version_id"], "manifest_version_id": built["manifest_version_id"]})
    except Exception as exc:
        message = exc.message if isinstance(exc, LotbookError) else jobs.FAILED_MESSAGE
        repo.save(tenant_id, {**archive, "status": "failed", "error": message})
        raise
    repo.save(tenant_id, {**archive, **built, "status": "ready", "event_seq": seq, "error": None})
    # No links here: the archive is handed out by download() alone (checked against its seal,
    # recorded as an event and a consultation).
    return {"period": period.text, "manifest_sha256": built["manifest_sha256"], "size": built["size"],
            "records": built["records"]}
