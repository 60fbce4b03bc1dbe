"""Recording the event log and the consultation log (``domain/audit.py``).

Each event or consultation is one journal entry (one DynamoDB write), which the
sealer seals in the tenant's ``event`` / ``consultation`` chain like any legal
record. A failure to write it fails the request that made it: an unrecorded print
or register read is not acceptable.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from chalicelib.adapters.repositories import vault as repo
from chalicelib.auth import Principal
from chalicelib.config import get_settings
from chalicelib.domain import audit


def _now() -> datetime:
    return datetime.now(UTC)


def record_event(tenant_id: str, kind: str, *, user: str | None,
                 details: Mapping[str, Any] | None = None) -> str:
    """Journal one event of ``kind`` (``audit.EVENT_KINDS``); returns its journal seq."""
    content = audit.event_content(kind, _now(), user, details, get_settings().software_version)
    return repo.put_journal(tenant_id, "event", kind, content)


def record_consultation(tenant_id: str, *, who: str, what: str, purpose: str | None = None,
                        inspector: Mapping[str, Any] | None = None) -> str:
    """Journal one read of the police register (``what``: the route or document read)."""
    content = audit.consultation_content(_now(), who, what, purpose, inspector)
    return repo.put_journal(tenant_id, "consultation", what, content)


def consulted(who: Principal, what: str, purpose: str | None = None) -> str:
    """Journal a read of the police register by ``who``: an inspector's session gives the
    purpose of its grant, the dealer's staff the one they typed (or routine management)."""
    inspector = who.inspector
    if inspector is not None:
        purpose = inspector.get("purpose") or purpose
    return record_consultation(who.tenant_id, who=who.email, what=what, purpose=purpose,
                               inspector={k: v for k, v in inspector.items() if k in ("id", "name", "service")}
                               if inspector else None)
