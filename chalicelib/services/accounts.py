"""Signup, login, company settings and user accounts."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from chalicelib.adapters import cognito
from chalicelib.adapters.repositories import tenants as tenant_repo
from chalicelib.adapters.repositories import users as user_repo
from chalicelib.auth import Principal
from chalicelib.config import get_settings
from chalicelib.domain import company
from chalicelib.domain.entities import Tenant, User
from chalicelib.domain.profiles import Profile
from chalicelib.errors import CreationYearLockedError, LastManagerError


def signup(
    company_name: str,
    creation_year: int,
    email: str,
    password: str,
    first_name: str | None = None,
    last_name: str | None = None,
) -> dict[str, str]:
    """A new tenant whose first user is its manager."""
    tenant_id = uuid.uuid4().hex
    # The Cognito account comes first: its e-mail uniqueness is global.
    cognito.create_user(email, password, tenant_id, Profile.MANAGER)
    manager = User(tenant_id, "usr_" + uuid.uuid4().hex[:16], email, Profile.MANAGER, first_name, last_name)
    settings = company.initial_settings(company_name, creation_year)
    try:
        for attempt in range(5):
            tenant = Tenant(tenant_id, company.new_subscriber_ref(), settings, 1,
                            get_settings().max_users_per_tenant)
            try:
                tenant_repo.create_tenant(tenant, manager)
                break
            except tenant_repo.SubscriberRefTakenError:
                if attempt == 4:
                    raise
    except Exception:
        cognito.delete_user(email)
        raise
    return {"tenant_id": tenant_id, "subscriber_ref": tenant.subscriber_ref}


def login(email: str, password: str) -> dict[str, Any]:
    return cognito.login(email, password)


def refresh(refresh_token: str) -> dict[str, Any]:
    return cognito.refresh(refresh_token)


# ---------------------------------------------------------------- company


def company_view(who: Principal) -> dict[str, Any]:
    tenant = tenant_repo.get_tenant(who.tenant_id)
    view = {**company.DEFAULT_SETTINGS, **tenant.settings}
    if not who.may("see_purchase_data"):
        for name in company.PURCHASE_DATA_SETTINGS:
            view.pop(name, None)
    view["subscriber_ref"] = tenant.subscriber_ref
    view["max_users"] = tenant.max_users
    return view


def update_company(who: Principal, changes: dict[str, Any]) -> dict[str, Any]:
    who.require("edit_settings")
    tenant = tenant_repo.get_tenant(who.tenant_id)
    if company.creation_year_changes(tenant.settings, changes):
        if tenant_repo.has_lots(who.tenant_id):
            raise CreationYearLockedError()
    tenant_repo.save_settings(who.tenant_id, company.merge_settings(tenant.settings, changes))
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
    return user_repo.get_user(who.tenant_id, user.id), generated


def _managers(tenant_id: str) -> list[User]:
    return [u for u in user_repo.list_users(tenant_id) if u.profile is Profile.MANAGER]


def update_user(who: Principal, user_id: str, changes: dict[str, Any]) -> User:
    who.require("manage_users")
    user = user_repo.get_user(who.tenant_id, user_id)
    new_profile = Profile(changes["profile"]) if changes.get("profile") else user.profile
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
    )
    if new_profile is not user.profile:
        cognito.set_profile(user.email, user.profile, new_profile)
    if changes.get("password"):
        cognito.set_password(user.email, changes["password"])
    user_repo.update_user(updated)
    return user_repo.get_user(who.tenant_id, user_id)


def delete_user(who: Principal, user_id: str) -> None:
    who.require("manage_users")
    user = user_repo.get_user(who.tenant_id, user_id)
    if user.profile is Profile.MANAGER and len(_managers(who.tenant_id)) <= 1:
        raise LastManagerError()
    user_repo.remove_user(who.tenant_id, user.id)
    cognito.sign_out_everywhere(user.email)
    cognito.delete_user(user.email)
