"""The event log and the police register's consultation log, as pure rules.

DOMAIN.md "Audit trail and the authorities": the event log (journal des événements
techniques, NF525) is a sealed chain ``event`` per tenant of what happens around the
legal data; the consultation log (arrêté of 15 May 2020, art. 3) a sealed chain
``consultation`` of every read of the police register, with who, when, what and why.
Both are journal entries sealed like the other legal records (``domain/seal.py``):
never edited, never deleted.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

# Event kind → its French label (the event log screen, the archives' CSV).
EVENT_KINDS: dict[str, str] = {
    "login": "Connexion",
    "login_refused": "Connexion refusée",
    "user_created": "Utilisateur créé",
    "user_changed": "Utilisateur modifié",
    "user_deleted": "Utilisateur supprimé",
    "settings_changed": "Paramètres modifiés",
    "closing": "Clôture de caisse",
    "archive_built": "Archive fiscale constituée",
    "archive_downloaded": "Archive fiscale téléchargée",
    "backup": "Sauvegarde",
    "restore": "Restauration",
    "closure": "Clôture d'exercice (purge)",
    "export": "Export",
    "print": "Impression",
    "reprint": "Réimpression (duplicata)",
    "email_sent": "Envoi par e-mail",
    "inspector_access_granted": "Accès inspecteur accordé",
    "inspector_access_revoked": "Accès inspecteur révoqué",
    "inspector_login": "Connexion d'un inspecteur",
    "inspection_report": "Rapport d'inspection déposé",
    "training_on": "Mode formation activé",
    "training_off": "Mode formation désactivé",
    "software_version": "Version du logiciel",
    "sealing_failure": "Échec de scellement",
}

# Why the police register is read, when the reader gives no reason (the dealer's own staff).
ROUTINE_PURPOSE = "Gestion courante"
PURPOSE_MAX = 200
WHAT_MAX = 200


class AuditError(ValueError):
    """An event or consultation that cannot be recorded as given (a programming error)."""


def _iso(at: datetime) -> str:
    if at.tzinfo is None:
        raise AuditError("event times are aware datetimes")
    return at.isoformat()


def event_content(kind: str, at: datetime, user: str | None, details: Mapping[str, Any] | None,
                  software_version: str) -> dict[str, Any]:
    """The content sealed for one event (canonical JSON: no floats in ``details``)."""
    if kind not in EVENT_KINDS:
        raise AuditError(f"unknown event kind {kind!r}")
    return {
        "record": "event",
        "event": kind,
        "label": EVENT_KINDS[kind],
        "at": _iso(at),
        "user": user,
        "details": dict(details or {}),
        "software_version": software_version,
    }


def consultation_content(at: datetime, who: str, what: str, purpose: str | None,
                         inspector: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The content sealed for one read of the police register."""
    reason = " ".join((purpose or "").split())[:PURPOSE_MAX] or ROUTINE_PURPOSE
    if not what:
        raise AuditError("a consultation names what was read")
    return {
        "record": "consultation",
        "at": _iso(at),
        "who": who,
        "inspector": dict(inspector) if inspector else None,
        "what": what[:WHAT_MAX],
        "purpose": reason,
    }
