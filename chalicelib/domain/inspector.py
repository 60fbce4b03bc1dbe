"""Inspector access, as pure rules (DOMAIN.md "Audit trail and the authorities").

A manager grants a named inspector (police, gendarmerie, DGFiP, DGCCRF) a read-only
access for a few days: a link and a one-time code. The code is shown once and kept only
as a keyed hash; it opens one session, which lasts until the grant expires or is revoked.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

# The services an inspector may belong to (API value → French label).
SERVICES: dict[str, str] = {
    "police": "Police nationale",
    "gendarmerie": "Gendarmerie nationale",
    "dgfip": "DGFiP (Finances publiques)",
    "dgccrf": "DGCCRF (Concurrence, consommation et répression des fraudes)",
}
# The short name (the label without its parenthesis), as the consultation log, its printed
# copies and the session's banner say it: « DGFiP ». The API hands both out (``service_label``),
# the site keeps no copy.
SHORT_LABELS: dict[str, str] = {service: label.split(" (")[0] for service, label in SERVICES.items()}


def service_label(service: str | None, short: bool = False) -> str:
    """A service in French (the value itself when it is not one of ours: an old record's free text)."""
    return (SHORT_LABELS if short else SERVICES).get(service or "", service or "")


# How long a grant lasts, in days (a control takes a few days, never more than a week).
MIN_DAYS = 1
MAX_DAYS = 7
DEFAULT_DAYS = 3

# The code: 12 symbols of an alphabet without look-alikes (0/O, 1/I/L): about 59 bits.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12

# The inspector's account in the user pool: one per grant, named after it, never a person's
# address (the inspector's own e-mail only receives the report's copy).
LOGIN_DOMAIN = "inspection.lotbook.invalid"
_LOGIN = re.compile(r"^inspecteur-([a-z0-9]{8,40})@" + re.escape(LOGIN_DOMAIN) + "$")


@dataclass(frozen=True)
class Grant:
    tenant_id: str
    id: str
    inspector: str
    service: str
    purpose: str
    email: str | None
    days: int
    created_at: datetime
    expires_at: datetime
    created_by: str
    revoked_at: datetime | None = None
    revoked_by: str | None = None
    used_at: datetime | None = None

    def state(self, now: datetime) -> str:
        """``revoked``, ``expired``, ``used`` (its session is open) or ``waiting`` (code unused)."""
        if self.revoked_at is not None:
            return "revoked"
        if now >= self.expires_at:
            return "expired"
        return "used" if self.used_at is not None else "waiting"

    def valid(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at

    def session(self) -> dict[str, str]:
        """What an inspector's requests carry (``Principal.inspector``)."""
        return {"id": self.id, "name": self.inspector, "service": self.service, "purpose": self.purpose}


def new_grant_id() -> str:
    return secrets.token_hex(10)


def expiry(created_at: datetime, days: int) -> datetime:
    return created_at + timedelta(days=days)


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i:i + 4] for i in range(0, CODE_LENGTH, 4))


def normalize_code(typed: str) -> str:
    """What the inspector typed, as the code: case, spaces and dashes do not matter."""
    return re.sub(r"[^A-Z0-9]", "", typed.upper())


def code_hash(code: str, key: str) -> str:
    """The keyed hash under which a code is looked up (the code itself is never stored)."""
    return hmac.new(key.encode(), normalize_code(code).encode(), hashlib.sha256).hexdigest()


def login_email(grant_id: str) -> str:
    return f"inspecteur-{grant_id}@{LOGIN_DOMAIN}"


def grant_of_login(email: str) -> str | None:
    """The grant behind an inspector's account, or None for anyone else."""
    found = _LOGIN.match(email.lower())
    return found.group(1) if found else None


def access_url(site_url: str, grant_id: str) -> str:
    return f"{site_url.rstrip('/')}/#/inspection/acces?id={grant_id}"


def report_mail(company_name: str, inspection: dict[str, str]) -> tuple[str, str]:
    """The subject and body of the copy of an inspection report sent to its inspector."""
    subject = f"Lotbook : copie de votre rapport d'inspection chez {company_name}"
    body = (
        "Bonjour,\n\n"
        f"Voici la copie du rapport d'inspection que vous avez déposé dans le registre de {company_name}.\n"
        "Il y est conservé tel quel, horodaté et scellé, sans modification possible.\n\n"
        f"Rapport n° : {inspection['id']}\n"
        f"Déposé le : {inspection['at']}\n"
        f"Inspecteur : {inspection['inspector']}\n"
        f"Service : {inspection['service']}\n\n"
        "Texte du rapport :\n"
        "----------------------------------------\n"
        f"{inspection['text']}\n"
        "----------------------------------------\n\n"
        "Sceau du texte (empreintes calculées sur le texte encodé en UTF-8) :\n"
        f"MD5 : {inspection['md5']}\n"
        f"SHA-256 : {inspection['sha256']}\n\n"
        "L'équipe Lotbook\n"
    )
    return subject, body


def now() -> datetime:
    return datetime.now(UTC)
