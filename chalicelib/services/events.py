"""The event log as the manager (and an inspector) reads it: ``GET /api/compliance/events``.

Listed from the sealed index's summaries (``sealing._summary``), never from the vault:
each item is a sealed record (its rank, SHA-256, storage) with the event's kind, time,
user and details. Newest first.
"""

from __future__ import annotations

from typing import Any

from chalicelib.adapters.repositories import sealed_records
from chalicelib.adapters.repositories.sealed_records import Entry
from chalicelib.auth import Principal
from chalicelib.domain import audit, seal
from chalicelib.errors import ValidationError

PERMISSION = "read_events"  # chalicelib/domain/profiles.py


def _view(entry: Entry) -> dict[str, Any]:
    from chalicelib.services.compliance import item_view

    summary = entry.summary or {}
    kind = summary.get("kind") or entry.subject
    return {**item_view(entry), "kind": kind, "label": audit.EVENT_KINDS.get(str(kind), str(kind)),
            "at": summary.get("at"), "user": summary.get("user"), "details": summary.get("details") or {},
            "software_version": summary.get("software_version")}


def _kept(entry: Entry, filters: dict[str, Any]) -> bool:
    summary = entry.summary or {}
    if "kind" in filters and (summary.get("kind") or entry.subject) != filters["kind"]:
        return False
    if "from" in filters or "to" in filters:
        day = audit.event_day(str(summary.get("at") or entry.sealed_at))
        if "from" in filters and day < filters["from"].isoformat():
            return False
        if "to" in filters and day > filters["to"].isoformat():
            return False
    return True


def events(who: Principal, raw: dict[str, str | None]) -> list[dict[str, Any]]:
    """The tenant's sealed events, newest first; bad filters: 400, in French."""
    who.require(PERMISSION)
    filters, problems = audit.event_filters(raw)
    if problems:
        raise ValidationError(details=problems)
    entries = sealed_records.chain_entries(who.tenant_id, seal.EVENT)
    return [_view(e) for e in sorted(entries, key=lambda e: e.rank, reverse=True) if _kept(e, filters)]


def events_page(who: Principal, raw: dict[str, str | None], page: int = 1,
                page_size: int = 50) -> tuple[list[dict[str, Any]], int]:
    """One page of :func:`events` and how many match, without reading the whole log: the
    index newest first, down to a day before ``from`` (``compliance.newest_first``)."""
    from chalicelib.services.compliance import newest_first

    who.require(PERMISSION)
    filters, problems = audit.event_filters(raw)
    if problems:
        raise ValidationError(details=problems)
    found, total = newest_first(who.tenant_id, seal.EVENT, page, page_size, filters.get("from"),
                                (lambda entry: _kept(entry, filters)) if filters else None)
    return [_view(e) for e in found], total


def kinds() -> dict[str, str]:
    """Event kinds and their French labels (the screen's select)."""
    return dict(audit.EVENT_KINDS)
