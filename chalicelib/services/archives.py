"""Backups and closures (DOMAIN.md "Reports, declarations, year end").

A backup is the tenant's whole data — company settings, families, parties, lots,
articles, sales, counters, users' profiles; not the selection, not drafts — as gzip
JSON lines in the files bucket. A closure takes a backup, then deletes the articles
that left the stock by ``until`` and the lots left empty; the journal and the vault
(sealed records) are never touched. At most 7 backups and closures together.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

from chalicelib.adapters import files
from chalicelib.adapters.repositories import articles as articles_repo
from chalicelib.adapters.repositories import jobs as repo
from chalicelib.adapters.repositories import sigma as sigma_repo
from chalicelib.auth import Principal
from chalicelib.domain import audit as audit_domain
from chalicelib.domain.article import Article
from chalicelib.errors import ArchiveLimitError, BusinessRuleError, ValidationError
from chalicelib.services import audit, jobs, media

PERMISSION = "year_end"  # chalicelib/domain/profiles.py: the back office
MAX_ARCHIVES = 7
LEFT_STOCK = frozenset({"sold", "sold_for_melt", "returned_to_owner", "lost"})
FORMAT = "lotbook-backup/1"
# A backup still "running" after this never finished (its task was lost): it may be deleted.
STALE_AFTER = timedelta(hours=1)


def _key(tenant_id: str, archive_id: str) -> str:
    return f"tenants/{tenant_id}/archives/{archive_id}.jsonl.gz"


def _view(archive: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in archive.items() if k != "key"}


def list_archives(who: Principal) -> list[dict[str, Any]]:
    who.require(PERMISSION)
    return sorted((_view(a) for a in repo.list_archives(who.tenant_id)), key=lambda a: a["created_at"],
                  reverse=True)


def get_archive(who: Principal, archive_id: str) -> dict[str, Any]:
    who.require(PERMISSION)
    archive = repo.get_archive(who.tenant_id, archive_id)
    view = _view(archive)
    if archive["status"] == "ready":
        view["url"] = files.link(archive["key"], f"lotbook-{archive['kind']}-{archive_id}.jsonl.gz")
    return view


def delete_archive(who: Principal, archive_id: str) -> None:
    who.require(PERMISSION)
    archive = repo.get_archive(who.tenant_id, archive_id)
    started = datetime.fromisoformat(archive["created_at"])
    if archive["status"] != "ready" and datetime.now(UTC) - started < STALE_AFTER:
        raise BusinessRuleError("Cette sauvegarde est en cours : attendez la fin de la tâche.")
    files.delete(archive["key"])
    repo.delete_archive(who.tenant_id, archive_id)


def _reserve(who: Principal, kind: str, title: str | None, info: dict[str, Any]) -> dict[str, Any]:
    if len(repo.list_archives(who.tenant_id)) >= MAX_ARCHIVES:
        raise ArchiveLimitError()
    archive_id = repo.job_id()
    archive = {"id": archive_id, "kind": kind, "status": "running", "title": title,
               "key": _key(who.tenant_id, archive_id), "info": info,
               "created_at": datetime.now(UTC).isoformat()}
    repo.put_archive(who.tenant_id, archive)
    return archive


def start_backup(who: Principal, title: str | None) -> dict[str, Any]:
    who.require(PERMISSION)
    archive = _reserve(who, "backup", title, {})
    return _start(who, "backup", {"archive_id": archive["id"], "by": who.email}, archive["id"])


def start_closure(who: Principal, title: Any, until: Any) -> dict[str, Any]:
    who.require(PERMISSION)
    details = {}
    if not isinstance(title, str) or not title.strip():
        details["title"] = "Un titre est obligatoire pour une clôture."
    try:
        until_ = date.fromisoformat(str(until)).isoformat()
    except ValueError:
        details["until"] = "Date attendue au format AAAA-MM-JJ."
    if details:
        raise ValidationError(details=details)
    archive = _reserve(who, "closure", str(title).strip(), {"until": until_})
    started = _start(who, "closure", {"archive_id": archive["id"], "until": until_, "by": who.email}, archive["id"])
    audit.record_event(who.tenant_id, "closure", user=who.email, details={
        "phase": "start", "archive_id": archive["id"], "title": archive["title"], "until": until_,
        "job_id": started.get("job_id")})
    return started


def _start(who: Principal, kind: str, params: dict[str, Any], archive_id: str) -> dict[str, Any]:
    try:
        return {**jobs.start(who.tenant_id, kind, params, who.user_id), "archive_id": archive_id}
    except Exception:
        repo.delete_archive(who.tenant_id, archive_id)
        raise


# ---------------------------------------------------------------- the jobs' work


def _write_backup(tenant_id: str, archive_id: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    lines = [json.dumps({"type": "header", "format": FORMAT, "tenant_id": tenant_id,
                         "at": datetime.now(UTC).isoformat()})]
    for record in repo.tenant_records(tenant_id):
        counts[record["type"]] = counts.get(record["type"], 0) + 1
        lines.append(json.dumps(record, ensure_ascii=False, separators=(",", ":"), default=str))
    body = gzip.compress(("\n".join(lines) + "\n").encode("utf-8"))
    archive = repo.get_archive(tenant_id, archive_id)
    files.put(archive["key"], body, "application/gzip")
    return {**counts, "size": len(body)}


def _finish(tenant_id: str, archive_id: str, info: dict[str, Any]) -> dict[str, Any]:
    archive = repo.get_archive(tenant_id, archive_id)
    archive.update(status="ready", info={**{k: archive[k] for k in ("until",) if k in archive}, **info})
    repo.put_archive(tenant_id, archive)
    return {"archive_id": archive_id,
            "files": [{"name": f"lotbook-{archive['kind']}-{archive_id}.jsonl.gz", "key": archive["key"]}],
            **info}


def run_backup(tenant_id: str, params: dict[str, Any], progress: jobs.Progress) -> dict[str, Any]:
    archive_id = params["archive_id"]
    try:
        counts = _write_backup(tenant_id, archive_id)
    except Exception:
        repo.delete_archive(tenant_id, archive_id)
        audit.record_event(tenant_id, "backup", user=params.get("by"), details={
            "archive_id": archive_id, "status": "failed"})
        raise
    finished = _finish(tenant_id, archive_id, {"counts": counts})
    audit.record_event(tenant_id, "backup", user=params.get("by"), details={
        "archive_id": archive_id, "status": "succeeded", "counts": counts})
    return finished


def left_stock_by(article: dict[str, Any], until: str) -> bool:
    """Sold, sold for melt, returned or lost on or before ``until`` (its sale or event date)."""
    if article["status"] not in LEFT_STOCK:
        return False
    when = article.get("sale_date") if article["status"] in ("sold", "sold_for_melt") else None
    if not when:
        events = [e for e in article.get("events", []) if isinstance(e, dict)]
        last = events[-1] if events else {}
        when = last.get("date") or str(last.get("at") or "")[:10] or article.get("deposit_date")
    return bool(when) and str(when)[:10] <= until


def _closure_snapshot(tenant_id: str, archive_id: str) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The tenant as it was before the closure: its backup, written once.

    A retried closure reads the backup it already wrote instead of writing a new
    one from data it may have started deleting.
    """
    archive = repo.get_archive(tenant_id, archive_id)
    if archive.get("backed_up"):
        body = files.get(archive["key"])
        if body is None:
            raise BusinessRuleError("La sauvegarde de cette clôture est introuvable.")
        return list(read_backup(body)), dict(archive.get("counts") or {})
    try:
        counts = _write_backup(tenant_id, archive_id)  # a backup first: nothing is deleted without it
    except Exception:
        repo.delete_archive(tenant_id, archive_id)
        raise
    # The flag lives in the archive's ``info`` (the only free-form part stored): a retry must find it.
    stored = repo.get_archive(tenant_id, archive_id)
    info = {k: v for k, v in stored.items() if k not in ("id", "kind", "status", "title", "key", "created_at")}
    repo.put_archive(tenant_id, {**stored, "info": {**info, "backed_up": True, "counts": counts}})
    body = files.get(archive["key"])
    assert body is not None
    return list(read_backup(body)), counts


def run_closure(tenant_id: str, params: dict[str, Any], progress: jobs.Progress) -> dict[str, Any]:
    """The closure's work; its result (what it deleted, or its failure) ends in the event log."""
    archive_id, until = params["archive_id"], params["until"]
    try:
        return _run_closure(tenant_id, archive_id, until, params, progress)
    except Exception as exc:
        audit.record_event(tenant_id, "closure", user=params.get("by"), details={
            "phase": "result", "status": "failed", "archive_id": archive_id, "until": until,
            "error": type(exc).__name__})
        raise


def _deletion_progress(progress: jobs.Progress, total: int) -> Callable[[int], None]:
    """The job's progress from 0.6 to 0.9 as the articles go, written every 5 %."""
    last = [0.6]

    def report(done: int) -> None:
        value = 0.6 + 0.3 * done / max(total, 1)
        if value - last[0] >= 0.015 or done == total:
            last[0] = value
            progress(value)

    return report


def _run_closure(tenant_id: str, archive_id: str, until: str, params: dict[str, Any],
                 progress: jobs.Progress) -> dict[str, Any]:
    snapshot, counts = _closure_snapshot(tenant_id, archive_id)
    progress(0.5)
    articles: dict[str, list[dict[str, Any]]] = {}
    lots: list[str] = []
    for record in snapshot:
        if record["type"] == "article":
            articles.setdefault(record["article"]["lot_ref"], []).append(record["article"])
        elif record["type"] == "lot":
            lots.append(record["ref"])
    leaving = [a for group in articles.values() for a in group if left_stock_by(a, until)]
    doomed = [a["ref"] for a in leaving]
    gone = set(doomed)
    empty = [ref for ref in lots if ref in articles and all(a["ref"] in gone for a in articles[ref])]
    touched = {ref for ref, group in articles.items() if any(a["ref"] in gone for a in group)}
    try:
        # Recorded before anything goes: the verification must not take these for a tampering.
        repo.record_purge(tenant_id, archive_id, until, doomed, empty)
        progress(0.6)
        # Each article goes only if still as the snapshot (the backup) has it: one changed
        # since (its sale cancelled or corrected...) stays, with its lot, for a later closure.
        kept = repo.delete_articles_and_lots(tenant_id, leaving, empty, tag=archive_id,
                                             progress=_deletion_progress(progress, len(leaving))) or set()
        if kept:
            holding = {a["lot_ref"] for a in leaving if a["ref"] in kept}
            doomed = [ref for ref in doomed if ref not in kept]
            gone -= kept
            empty = [ref for ref in empty if ref not in holding]
            repo.record_purge(tenant_id, archive_id, until, doomed, empty)
        progress(0.9)
        # Lots that keep articles: their text-search document lists only what remains (as
        # read now when it stayed for having changed, else as the backup has it).
        now = articles_repo.get_articles(tenant_id, kept) if kept else {}
        repo.save_search_documents(tenant_id, {ref: [now[a["ref"]] if a["ref"] in now else Article.from_record(a)
                                                     for a in group if a["ref"] not in gone]
                                               for ref, group in articles.items()
                                               if ref not in empty and ref in touched})
    except Exception:
        # A failed job leaves the data as it was: put back what this closure removed
        # (the articles it did delete go back into their Σ buckets too, once the moves
        # of their deletion are in them).
        sigma_repo.fold(tenant_id)
        repo.restore_records(tenant_id, iter([
            r for r in snapshot
            if (r["type"] == "lot" and r["ref"] in empty)
            or (r["type"] == "search" and r["lot_ref"] in touched)]))
        sigma_repo.put_back_counted(tenant_id, [r["article"] for r in snapshot
                                                if r["type"] == "article" and r["article"]["ref"] in gone])
        repo.forget_purge(tenant_id, archive_id)
        raise
    # Their photos and documents go with them (the backup keeps the records, not the files).
    deleted_media = media.delete_media_of(tenant_id, "article", gone) + media.delete_media_of(
        tenant_id, "lot", set(empty))
    finished = _finish(tenant_id, archive_id, {"counts": counts, "until": until, "deleted_articles": len(doomed),
                                               "deleted_lots": len(empty), "deleted_media": deleted_media})
    # The deletion is sealed: what it removed (the list kept in counters ``purge#<archive>``).
    audit.record_event(tenant_id, "closure", user=params.get("by"), details={
        "phase": "result", "status": "succeeded", "archive_id": archive_id, "until": until,
        "deleted_media": deleted_media, "purge_key": repo.PURGE_PREFIX + archive_id,
        **audit_domain.purge_details(doomed, empty)})
    return finished


# ---------------------------------------------------------------- restore


def read_backup(body: bytes) -> Iterator[dict[str, Any]]:
    for line in gzip.decompress(body).decode("utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            if record.get("type") != "header":
                yield record


def restore(source_tenant_id: str, archive_id: str, target_tenant_id: str) -> dict[str, int]:
    """Bring a backup back into an empty tenant (operator use: ``python -m infrastructure.restore``)."""
    archive = repo.get_archive(source_tenant_id, archive_id)
    body = files.get(archive["key"])
    if body is None:
        raise BusinessRuleError("Le fichier de cette sauvegarde est introuvable.")
    if not repo.tenant_is_empty(target_tenant_id):
        raise BusinessRuleError("La restauration se fait dans une entreprise vide.")
    counts = repo.restore_records(target_tenant_id, read_backup(body))
    # The Σ buckets from the articles restored (a backup's buckets may not match its articles).
    sigma_repo.rebuild(target_tenant_id, articles_repo.all_articles(target_tenant_id))
    audit.record_event(target_tenant_id, "restore", user="operator", details={
        "source_tenant_id": source_tenant_id, "archive_id": archive_id, "counts": counts})
    return counts
