"""Recording the event log and the consultation log (``domain/audit.py``).

Each event or consultation is one journal entry (one DynamoDB write), which the
sealer seals in the tenant's ``event`` / ``consultation`` chain like any legal
record. A failure to write it fails the request that made it: an unrecorded print
or register read is not acceptable.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from chalicelib.auth import Principal
from chalicelib.config import get_settings
from chalicelib.domain import audit


def _now() -> datetime:
    return datetime.now(UTC)


def _put_journal(tenant_id: str, kind: str, subject: str, content: dict[str, Any]) -> str:
    # Lazy: the journal's models load with the first event, not when a service importing
    # this module loads (`import app` stays within its budget: bench import_time).
    from chalicelib.adapters.repositories import journal

    return journal.put_journal(tenant_id, kind, subject, content)


def record_event(tenant_id: str, kind: str, *, user: str | None,
                 details: Mapping[str, Any] | None = None) -> str:
    """Journal one event of ``kind`` (``audit.EVENT_KINDS``); returns its journal seq.

    The first event of a tenant in this container after a deploy first records the
    software version, when it differs from the tenant's last one (:func:`_note_version`)."""
    version = get_settings().software_version
    _note_version(tenant_id, version, user)
    content = audit.event_content(kind, _now(), user, audit.plain(details or {}), version)
    return _put_journal(tenant_id, "event", kind, content)


# (tenant, version) this container knows recorded: a deploy is a new container, so the
# check costs one conditional write per tenant and container, never one per event.
_versions_lock = threading.Lock()
_versions_seen: set[tuple[str, str]] = set()


def _note_version(tenant_id: str, version: str, user: str | None) -> None:
    key = (tenant_id, version)
    with _versions_lock:
        if key in _versions_seen:
            return
    from chalicelib.adapters.repositories import audit as audit_repo

    changed, previous = audit_repo.note_version(tenant_id, version)
    if changed:
        content = audit.event_content("software_version", _now(), user, {"from": previous, "to": version},
                                      version)
        _put_journal(tenant_id, "event", "software_version", content)
    with _versions_lock:
        if len(_versions_seen) > 100_000:
            _versions_seen.clear()
        _versions_seen.add(key)


def forget_versions() -> None:
    """Tests: the next event of each tenant checks its software version again."""
    with _versions_lock:
        _versions_seen.clear()


def record_consultation(tenant_id: str, *, who: str, what: str, purpose: str | None = None,
                        inspector: Mapping[str, Any] | None = None, access: str | None = None,
                        refused: bool = False) -> str:
    """Journal one read of the police register (``what``: the route or document read);
    ``access``/``refused``: an inspector's request (``audit.consultation_content``)."""
    content = audit.consultation_content(_now(), who, what, purpose, inspector, access=access, refused=refused)
    return _put_journal(tenant_id, "consultation", what, content)


def consulted(who: Principal, what: str, purpose: str | None = None, *, access: str | None = None,
              refused: bool = False) -> str:
    """Journal a read of the police register by ``who``: an inspector's session gives the
    purpose of its grant, the dealer's staff the one they typed (or routine management).

    An inspector's request is logged once, by the route's guard (``routing.log_inspector_request``,
    which gives ``access``): a service's own call for the same request (a fiscal archive's
    download) records nothing more, and answers ""."""
    inspector = who.inspector
    if inspector is not None:
        if access is None:
            return ""
        purpose = inspector.get("purpose") or purpose
    return record_consultation(who.tenant_id, who=who.email, what=what, purpose=purpose,
                               inspector={k: v for k, v in inspector.items() if k in ("id", "name", "service")}
                               if inspector else None, access=access, refused=refused)
