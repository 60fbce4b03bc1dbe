"""E-mail confirmation codes: six digits, kept only as a keyed hash, valid 24 hours,
five wrong tries at most (then a new code must be sent)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

CODE_LIFETIME_SECONDS = 24 * 3600
MAX_WRONG_CODES = 5


@dataclass(frozen=True)
class PendingSignup:
    """A signup whose manager has not confirmed the e-mail yet."""

    email: str
    tenant_id: str
    user_id: str
    code_hash: str
    code_salt: str
    expires_at: int  # epoch seconds
    attempts: int = 0  # wrong codes so far


def new_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def code_hash(email: str, code: str, salt: str) -> str:
    return hmac.new(salt.encode(), f"{email.lower()}:{code.strip()}".encode(), hashlib.sha256).hexdigest()


def code_matches(email: str, code: str, salt: str, expected_hash: str) -> bool:
    return hmac.compare_digest(code_hash(email, code, salt), expected_hash)


def email_text(code: str) -> tuple[str, str]:
    """The subject and body of the confirmation e-mail (French)."""
    subject = f"Lotbook : votre code de confirmation {code}"
    body = (
        "Bonjour,\n\n"
        "Pour activer l'espace de votre entreprise sur Lotbook, saisissez ce code de confirmation :\n\n"
        f"    {code}\n\n"
        "Il est valable 24 heures. Si vous n'avez pas créé de compte, ignorez ce message.\n\n"
        "L'équipe Lotbook\n"
    )
    return subject, body
