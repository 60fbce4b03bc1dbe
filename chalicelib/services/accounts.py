"""Signup, login, company settings and user accounts."""

from __future__ import annotations

import secrets
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from chalicelib.adapters import cognito, mail
from chalicelib.adapters.repositories import tenants as tenant_repo
from chalicelib.adapters.repositories import users as user_repo
from chalicelib.auth import Principal, forget_user
from chalicelib.config import get_settings
from chalicelib.domain import audit as audit_domain
from chalicelib.domain import company, inspector, verification
from chalicelib.domain.entities import Tenant, User
from chalicelib.domain.profiles import STAFF, Profile, permissions_of
from chalicelib.domain.throttle import LoginLockout, SlidingWindowLimiter
from chalicelib.domain.visibility import company_for
from chalicelib.errors import (
    CreationYearLockedError,
    EmailNotVerifiedError,
    InvalidCodeError,
    InvalidCredentialsError,
    LastManagerError,
    NotFoundError,
    TooManyAttemptsError,
    TooManyRequestsError,
    ValidationError,
)
from chalicelib.services import audit

_signups = SlidingWindowLimiter()
_resends = SlidingWindowLimiter()
_lockout = LoginLockout()


def _throttle(limiter: SlidingWindowLimiter, source: str) -> None:
    settings = get_settings()
    wait = limiter.hit(source or "?", time.monotonic(), settings.signup_limit, settings.signup_window_seconds)
    if wait:
        raise TooManyRequestsError(wait)


def _send_code(email: str, code: str) -> None:
    subject, text = verification.email_text(code)
    mail.send(email, subject, text)


def _pending(email: str, tenant_id: str, user_id: str, code: str) -> verification.PendingSignup:
    salt = secrets.token_hex(16)
    return verification.PendingSignup(
        email=email.lower(),
        tenant_id=tenant_id,
        user_id=user_id,
        code_hash=verification.code_hash(email, code, salt),
        code_salt=salt,
        expires_at=int(time.time()) + verification.CODE_LIFETIME_SECONDS,
    )


def signup(
    company_name: str,
    creation_year: int,
    email: str,
    password: str,
    first_name: str | None = None,
    last_name: str | None = None,
    source: str = "",
) -> dict[str, str]:
    """A new tenant whose first user is its manager, unusable until the e-mail is confirmed.

    ``source`` is the caller's address: a few signups per address and window."""
    _throttle(_signups, source)
    _drop_unconfirmed(email)
    tenant_id = uuid.uuid4().hex
    # The Cognito account comes first: its e-mail uniqueness is global.
    cognito.create_user(email, password, tenant_id, Profile.MANAGER)
    manager = User(tenant_id, "usr_" + uuid.uuid4().hex[:16], email, Profile.MANAGER, first_name, last_name)
    settings = company.initial_settings(company_name, creation_year)
    code = verification.new_code()
    pending = _pending(email, tenant_id, manager.id, code)
    try:
        for attempt in range(5):
            tenant = Tenant(tenant_id, company.new_subscriber_ref(), settings, 1,
                            get_settings().max_users_per_tenant)
            try:
                tenant_repo.create_tenant(tenant, manager, pending)
                break
            except tenant_repo.SubscriberRefTakenError:
                if attempt == 4:
                    raise
    except Exception:
        cognito.delete_user(email)
        raise
    _send_code(email, code)
    return {"tenant_id": tenant_id, "subscriber_ref": tenant.subscriber_ref, "verification": "email_sent"}


def _drop_unconfirmed(email: str) -> None:
    """A signup of an address nobody has confirmed yet gives way to a new one: whoever reads
    the mailbox confirms theirs, so nobody can claim an address (and its account, with their
    own password) by signing up first and waiting for the owner to confirm it."""
    pending = tenant_repo.get_pending_signup(email)
    if pending is None:
        return
    try:
        tenant = tenant_repo.get_tenant(pending.tenant_id)
    except NotFoundError:
        return
    tenant_repo.drop_pending_signup(pending, tenant.subscriber_ref)
    cognito.delete_user(email)


def confirm_signup(email: str, code: str) -> None:
    """The code of the signup e-mail makes the company usable. Wrong, expired, or after
    five wrong tries (a new code must then be sent): 400, nothing changes."""
    pending = tenant_repo.get_pending_signup(email)
    if pending is None or not pending.code_hash:
        raise InvalidCodeError()
    if pending.expires_at < time.time() or pending.attempts >= verification.MAX_WRONG_CODES:
        raise InvalidCodeError("Code de confirmation expiré : demandez-en un nouveau.")
    if not verification.code_matches(email, code, pending.code_salt, pending.code_hash):
        tenant_repo.save_pending_signup(replace(pending, attempts=pending.attempts + 1))
        raise InvalidCodeError()
    tenant_repo.confirm_signup(pending)
    forget_user(pending.tenant_id, email)


def resend_code(email: str, source: str = "") -> None:
    """A new code for a signup awaiting confirmation. Silent for any other address, so
    the answer tells nobody which e-mails have an account."""
    _throttle(_resends, source)
    pending = tenant_repo.get_pending_signup(email)
    if pending is None:
        return
    code = verification.new_code()
    fresh = _pending(email, pending.tenant_id, pending.user_id, code)
    tenant_repo.save_pending_signup(fresh)
    _send_code(email, code)


def login(email: str, password: str, source: str = "") -> dict[str, Any]:
    """Cognito's check, after 5 failures a lockout per e-mail (emulated: moto has none),
    and no session before the signup's e-mail is confirmed.

    Each login and each refused password lands in the company's event log: a refusal
    when the address is a user's (an unknown address belongs to no company's log); the
    attempts refused during a lockout are not recorded one by one, the failure that
    starts the lockout says so."""
    key = email.lower()
    wait = _lockout.retry_after(key, time.monotonic())
    if wait:
        raise TooManyAttemptsError(wait, _lockout_message(wait))
    try:
        tokens = cognito.login(email, password)
    except InvalidCredentialsError:
        locked = _lockout.failed(key, time.monotonic())  # the 5th failure locks the next attempts
        refused_in = cognito.tenant_of(email)
        if refused_in:
            details: dict[str, Any] = {"reason": "invalid_credentials", "source": source or None}
            if locked:
                details["locked_seconds"] = locked
            audit.record_event(refused_in, "login_refused", user=key, details=details)
        raise
    _lockout.succeeded(key)
    tenant_id = cognito.token_tenant(tokens["id_token"])
    if tenant_repo.get_pending_signup(email) is not None:
        if tenant_id:
            audit.record_event(tenant_id, "login_refused", user=key,
                               details={"reason": "email_not_verified", "source": source or None})
        raise EmailNotVerifiedError()
    if tenant_id:
        audit.record_event(tenant_id, "login", user=key, details={"source": source or None})
    return tokens


def _lockout_message(seconds: int) -> str:
    minutes = (seconds + 59) // 60
    wait = f"{seconds} secondes" if seconds < 60 else f"{minutes} minute{'s' if minutes > 1 else ''}"
    return f"Trop de tentatives de connexion échouées : réessayez dans {wait}."


def refresh(refresh_token: str) -> dict[str, Any]:
    return cognito.refresh(refresh_token)


def me(who: Principal) -> dict[str, Any]:
    """The caller: who, in which company, and the permissions of their profile (the
    site builds its menus from them: chalicelib/domain/profiles.py)."""
    email = who.email.lower()
    user = next((u for u in user_repo.list_users(who.tenant_id) if u.email.lower() == email), None)
    return {
        "id": user.id if user else None,
        "email": who.email,
        "profile": who.profile.value,
        "tenant_id": who.tenant_id,
        "company_name": company_view(who)["company_name"],
        "permissions": permissions_of(who.profile),
        "training": bool(user and user.training),  # training mode (mode formation): PUT /api/me/training
        # An inspector's read-only session: its grant and its service's short name (the site's banner), else None.
        "inspector": ({**who.inspector, "service_label": inspector.service_label(who.inspector.get("service"),
                                                                                  short=True)}
                      if who.inspector else None),
    }


# ---------------------------------------------------------------- company


def company_view(who: Principal) -> dict[str, Any]:
    tenant = tenant_repo.get_tenant(who.tenant_id)
    view = {**company.DEFAULT_SETTINGS, **tenant.settings}
    view["subscriber_ref"] = tenant.subscriber_ref
    view["max_users"] = tenant.max_users
    return company_for(view, who.may("see_purchase_data"))


def update_company(who: Principal, changes: dict[str, Any]) -> dict[str, Any]:
    who.require("edit_settings")
    tenant = tenant_repo.get_tenant(who.tenant_id)
    if company.creation_year_changes(tenant.settings, changes):
        if tenant_repo.has_lots(who.tenant_id):
            raise CreationYearLockedError()
    merged = company.merge_settings(tenant.settings, changes)
    tenant_repo.save_settings(who.tenant_id, merged)
    changed = audit_domain.changes({**company.DEFAULT_SETTINGS, **tenant.settings},
                                   {**company.DEFAULT_SETTINGS, **merged})
    if changed:
        audit.record_event(who.tenant_id, "settings_changed", user=who.email,
                           details={"scope": "company", "changes": changed})
    return company_view(who)


# ---------------------------------------------------------------- users


def list_users(who: Principal) -> list[User]:
    who.require("manage_users")
    return sorted(user_repo.list_users(who.tenant_id), key=lambda u: u.email)


def get_user(who: Principal, user_id: str) -> User:
    who.require("manage_users")
    return user_repo.get_user(who.tenant_id, user_id)


def create_user(
    who: Principal,
    email: str,
    profile: Profile,
    first_name: str | None,
    last_name: str | None,
    password: str | None,
) -> tuple[User, str | None]:
    """Returns the user and, when none was given, the generated first password."""
    who.require("manage_users")
    _staff_only(profile)
    generated = None if password else secrets.token_urlsafe(12)
    user = User(who.tenant_id, "usr_" + uuid.uuid4().hex[:16], email, profile,
                first_name, last_name)
    # Take the seat first so an account over the limit is never created.
    user_repo.add_user(user)
    try:
        cognito.create_user(email, password or generated or "", who.tenant_id, profile)
    except Exception:
        user_repo.remove_user(who.tenant_id, user.id)
        raise
    audit.record_event(who.tenant_id, "user_created", user=who.email, details=_user_facts(user))
    return user_repo.get_user(who.tenant_id, user.id), generated


def _user_facts(user: User, status: str | None = None) -> dict[str, Any]:
    """What the event log says of a user account (never a password)."""
    return {"id": user.id, "email": user.email, "profile": user.profile.value, "first_name": user.first_name,
            "last_name": user.last_name, "status": status or "active"}


def _staff_only(profile: Profile) -> None:
    """A user account is the company's staff: an inspector's session comes from a grant only."""
    if profile not in STAFF:
        raise ValidationError(details={"profile": "Profil attendu : manager, collaborator ou shop (un accès "
                                                  "inspecteur s'accorde depuis « Accès inspecteurs »)."})


def _managers(tenant_id: str) -> list[User]:
    return [u for u in user_repo.list_users(tenant_id) if u.profile is Profile.MANAGER]


def update_user(who: Principal, user_id: str, changes: dict[str, Any]) -> User:
    who.require("manage_users")
    user = user_repo.get_user(who.tenant_id, user_id)
    new_profile = Profile(changes["profile"]) if changes.get("profile") else user.profile
    _staff_only(new_profile)
    if user.profile is Profile.MANAGER and new_profile is not Profile.MANAGER:
        if len(_managers(who.tenant_id)) <= 1:
            raise LastManagerError()
    updated = User(
        user.tenant_id,
        user.id,
        user.email,
        new_profile,
        changes.get("first_name", user.first_name),
        changes.get("last_name", user.last_name),
        user.created_at,
        user.training,  # a change of profile or name leaves training mode as it is
    )
    if new_profile is not user.profile:
        cognito.set_profile(user.email, user.profile, new_profile)
    if changes.get("password"):
        cognito.set_password(user.email, changes["password"])
    user_repo.update_user(updated)
    if changes.get("password"):  # a new password ends every session: tokens and refresh tokens
        user_repo.revoke_tokens(who.tenant_id, user.id, datetime.now(UTC))
        cognito.sign_out_everywhere(user.email)
    forget_user(who.tenant_id, user.email)  # this container refuses the old profile at once
    before, after = _user_facts(user), _user_facts(updated)
    changed = audit_domain.changes(before, after)
    if changes.get("password"):
        changed["password"] = {"from": None, "to": "modifié"}  # the fact, never the password
    if changed:
        audit.record_event(who.tenant_id, "user_changed", user=who.email,
                           details={"id": user.id, "email": user.email, "before": before, "after": after,
                                    "changes": changed})
    return user_repo.get_user(who.tenant_id, user_id)


def delete_user(who: Principal, user_id: str) -> None:
    who.require("manage_users")
    user = user_repo.get_user(who.tenant_id, user_id)
    if user.profile is Profile.MANAGER and len(_managers(who.tenant_id)) <= 1:
        raise LastManagerError()
    user_repo.remove_user(who.tenant_id, user.id, email=user.email if user.training else None)
    forget_user(who.tenant_id, user.email)
    cognito.sign_out_everywhere(user.email)
    cognito.delete_user(user.email)
    audit.record_event(who.tenant_id, "user_deleted", user=who.email, details=_user_facts(user, "deleted"))


def forget_limits() -> None:
    """Clear this container's signup counts and login lockouts (tests)."""
    _signups.clear()
    _resends.clear()
    _lockout.clear()
