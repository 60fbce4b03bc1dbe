"""Signup, login, company settings, users."""

from __future__ import annotations

from typing import Any

from chalice import Response

from chalicelib.api.common import created, json_body, no_content, page
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.schemas import (
    CompanyBody,
    LoginBody,
    RefreshBody,
    SignupBody,
    UserCreateBody,
    UserUpdateBody,
    changed_fields,
    parse,
)
from chalicelib.auth import principal
from chalicelib.observability import count
from chalicelib.services import accounts

bp = ApiBlueprint(__name__)


@bp.route("/health", public=True, methods=["GET"])
def health() -> dict[str, str]:
    return {"status": "ok"}


@bp.route("/signup", public=True, methods=["POST"])
def signup() -> Response:
    body = parse(SignupBody, json_body(bp.current_request))
    tenant = accounts.signup(
        body.company_name, body.creation_year, body.email, body.password, body.first_name, body.last_name
    )
    count("Signups")
    return created(tenant)


@bp.route("/auth/login", public=True, methods=["POST"])
def login() -> dict[str, Any]:
    body = parse(LoginBody, json_body(bp.current_request))
    return accounts.login(body.email, body.password)


@bp.route("/auth/refresh", public=True, methods=["POST"])
def refresh() -> dict[str, Any]:
    body = parse(RefreshBody, json_body(bp.current_request))
    return accounts.refresh(body.refresh_token)


@bp.route("/me", methods=["GET"])
def me() -> dict[str, Any]:
    who = principal()
    return {
        "email": who.email,
        "profile": who.profile.value,
        "tenant_id": who.tenant_id,
        "company_name": accounts.company_view(who)["company_name"],
    }


@bp.route("/company", methods=["GET"])
def get_company() -> dict[str, Any]:
    return accounts.company_view(principal())


@bp.route("/company", methods=["PUT"])
def put_company() -> dict[str, Any]:
    body = parse(CompanyBody, json_body(bp.current_request))
    return accounts.update_company(principal(), changed_fields(body))


@bp.route("/users", methods=["GET"])
def list_users() -> dict[str, Any]:
    users = accounts.list_users(principal())
    return page(bp.current_request, users, lambda u: u.to_json())


@bp.route("/users", methods=["POST"])
def create_user() -> Response:
    body = parse(UserCreateBody, json_body(bp.current_request))
    user, generated = accounts.create_user(
        principal(), body.email, body.profile, body.first_name, body.last_name, body.password
    )
    view = user.to_json()
    if generated:
        view["temporary_password"] = generated
    return created(view)


@bp.route("/users/{user_id}", methods=["GET"])
def get_user(user_id: str) -> dict[str, Any]:
    return accounts.get_user(principal(), user_id).to_json()


@bp.route("/users/{user_id}", methods=["PATCH"])
def patch_user(user_id: str) -> dict[str, Any]:
    body = parse(UserUpdateBody, json_body(bp.current_request))
    return accounts.update_user(principal(), user_id, changed_fields(body)).to_json()


@bp.route("/users/{user_id}", methods=["DELETE"])
def delete_user(user_id: str) -> Response:
    accounts.delete_user(principal(), user_id)
    return no_content()
