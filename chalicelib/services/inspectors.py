"""Inspector access: grants, the inspector's login, its requests in the consultation log,
and the copy of its inspection report (DOMAIN.md "Inspector access").

The session: each grant has its own Cognito account (group ``inspector``, the tenant in
``custom:tenant_id``), created at the code's first and only use with a password nobody
knows, so the API verifies an inspector's token like any other (chalicelib/auth.py) and
``check_standing`` holds it against the grant: refused once revoked or expired.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from chalicelib.adapters import cognito, mail
from chalicelib.adapters.repositories import inspectors as repo
from chalicelib.adapters.repositories import tenants as tenant_repo
from chalicelib.auth import Principal, forget_inspector
from chalicelib.config import get_settings
from chalicelib.domain import inspector
from chalicelib.domain.throttle import LoginLockout
from chalicelib.errors import InvalidInspectorCodeError, NotFoundError, TooManyAttemptsError
from chalicelib.services import audit

# Wrong codes per source address: locked 30 s after the 5th, then 60 s, 120 s... (as logins).
_lockout = LoginLockout()


def _view(grant: inspector.Grant) -> dict[str, Any]:
    return {
        "id": grant.id, "inspector": grant.inspector, "service": grant.service,
        "service_label": inspector.service_label(grant.service), "purpose": grant.purpose,
        "email": grant.email, "days": grant.days, "created_at": grant.created_at.isoformat(),
        "created_by": grant.created_by, "expires_at": grant.expires_at.isoformat(),
        "used_at": grant.used_at.isoformat() if grant.used_at else None,
        "revoked_at": grant.revoked_at.isoformat() if grant.revoked_at else None,
        "state": grant.state(inspector.now()),
    }


def grant(who: Principal, name: str, service: str, purpose: str, days: int, email: str | None,
          site_url: str) -> dict[str, Any]:
    """A new access: the link and the code, shown this once (only the code's keyed hash is kept)."""
    who.require("manage_inspectors")
    now = inspector.now()
    new = inspector.Grant(
        tenant_id=who.tenant_id, id=inspector.new_grant_id(), inspector=name, service=service, purpose=purpose,
        email=email, days=days, created_at=now, expires_at=inspector.expiry(now, days), created_by=who.email)
    code = inspector.new_code()
    repo.add(new, inspector.code_hash(code, get_settings().inspector_code_key))
    audit.record_event(who.tenant_id, "inspector_access_granted", user=who.email, details={
        "grant": new.id, "inspector": name, "service": service, "purpose": purpose,
        "expires_at": new.expires_at.isoformat()})
    return {**_view(new), "url": inspector.access_url(get_settings().site_url or site_url, new.id), "code": code}


def list_grants(who: Principal) -> list[dict[str, Any]]:
    who.require("manage_inspectors")
    return [_view(g) for g in sorted(repo.list_grants(who.tenant_id), key=lambda g: g.created_at, reverse=True)]


def revoke(who: Principal, grant_id: str) -> dict[str, Any]:
    """The access ends now: this container refuses its session at once, others within 60 s;
    its account is signed out and deleted. Revoking twice changes nothing."""
    who.require("manage_inspectors")
    found = repo.get(who.tenant_id, grant_id)
    if found is None:
        raise NotFoundError("Accès inspecteur introuvable.")
    if found.revoked_at is not None:
        return _view(found)
    revoked = replace(found, revoked_at=inspector.now(), revoked_by=who.email)
    repo.revoke(revoked)
    forget_inspector(who.tenant_id, grant_id)
    if found.used_at is not None:
        cognito.close_inspector_session(inspector.login_email(grant_id))
    audit.record_event(who.tenant_id, "inspector_access_revoked", user=who.email, details={
        "grant": grant_id, "inspector": found.inspector, "service": found.service})
    return _view(revoked)


def login(code: str, source: str = "") -> dict[str, Any]:
    """The one-time code opens the inspector's session (tokens until the grant expires, the
    refresh token included); a used, revoked, expired or wrong code is refused alike, and
    after 5 wrong codes from one address, every attempt is refused for a while (429)."""
    key = source or "?"
    wait = _lockout.retry_after(key, time.monotonic())
    if wait:
        raise TooManyAttemptsError(wait, "Trop de codes d'accès erronés : réessayez dans "
                                         f"{wait} secondes.")
    hashed = inspector.code_hash(code, get_settings().inspector_code_key)
    found = repo.find_code(hashed) if inspector.normalize_code(code) else None
    grant_ = repo.get(*found) if found else None
    now = inspector.now()
    if grant_ is None or not grant_.valid(now) or grant_.used_at is not None:
        _lockout.failed(key, time.monotonic())
        raise InvalidInspectorCodeError()
    used = replace(grant_, used_at=now)
    try:
        repo.use_code(used, hashed)
    except repo.CodeAlreadyUsedError:
        _lockout.failed(key, time.monotonic())
        raise InvalidInspectorCodeError() from None
    _lockout.succeeded(key)
    forget_inspector(grant_.tenant_id, grant_.id)
    tokens = cognito.open_inspector_session(inspector.login_email(grant_.id), grant_.tenant_id)
    audit.record_event(grant_.tenant_id, "inspector_login", user=inspector.login_email(grant_.id), details={
        "grant": grant_.id, "inspector": grant_.inspector, "service": grant_.service})
    audit.record_consultation(grant_.tenant_id, who=inspector.login_email(grant_.id), what="inspector_login",
                              purpose=grant_.purpose,
                              inspector={"id": grant_.id, "name": grant_.inspector, "service": grant_.service})
    return {**tokens, "expires_at": grant_.expires_at.isoformat()}


def fill_report(who: Principal, inspector_name: str | None, service: str | None,
                email: str | None) -> tuple[str, str, str]:
    """An inspector's report is signed by the grant, whatever the body says."""
    if who.inspector is None:
        return inspector_name or "", service or "", email or ""
    grant_ = repo.get(who.tenant_id, who.inspector["id"])
    label = inspector.service_label(who.inspector["service"])
    return who.inspector["name"], label, (grant_.email if grant_ and grant_.email else email or "")


def send_report_copy(who: Principal, report: dict[str, Any]) -> bool:
    """The copy of the report, with its MD5 and SHA-256 seal, to the inspector's e-mail;
    recorded in the event log. False when there is no address to send it to."""
    to = report.get("email")
    if not to:
        return False
    company_name = tenant_repo.get_tenant(who.tenant_id).settings.get("company_name") or "l'entreprise"
    subject, text = inspector.report_mail(str(company_name), {k: str(report[k]) for k in (
        "id", "at", "inspector", "service", "text", "md5", "sha256")})
    mail.send(str(to), subject, text)
    audit.record_event(who.tenant_id, "email_sent", user=who.email, details={
        "document": "inspection_report", "number": str(report["id"]), "to": str(to)})
    return True


def forget_limits() -> None:
    """Clear this container's wrong-code lockouts (tests)."""
    _lockout.clear()
