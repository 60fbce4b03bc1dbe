"""Signup, login, company settings, users."""

from __future__ import annotations

import time
from typing import Any

from chalice import Response

from chalicelib.api.common import created, json_body, lazy_service, no_content, page
from chalicelib.api.doc import BOOLEAN, Doc, obj, page_of, ref
from chalicelib.api.routing import ApiBlueprint, register_read_patterns
from chalicelib.api.schemas import (
    CompanyBody,
    LoginBody,
    RefreshBody,
    SignupBody,
    SignupConfirmBody,
    SignupResendBody,
    TrainingBody,
    UserCreateBody,
    UserUpdateBody,
    changed_fields,
    parse,
)
from chalicelib.auth import principal
from chalicelib.config import get_settings
from chalicelib.observability import count, logger

bp = ApiBlueprint(__name__)
# Loaded with the first request that needs it, not at cold start (Cognito, the audit trail).
accounts = lazy_service("accounts")


@bp.route("/health", public=True, methods=["GET"], doc=Doc("Liveness", ref("Health")))
def health() -> dict[str, Any]:
    """``{"status": "ok"}``, or ``degraded`` with counts (never a tenant's data) when journal
    entries wait to be sealed (issue: sealing must never stop silently)."""
    sealing_state = _sealing_health()
    if sealing_state["status"] == "ok":
        return {"status": "ok"}
    return {"status": "degraded", "details": {"sealing": sealing_state}}


_HEALTH_TTL = 30.0  # seconds a container reuses its look at the failures (the route is public)
_health_cache: dict[str, Any] = {}


def _sealing_health() -> dict[str, Any]:
    now = time.monotonic()
    if _health_cache.get("until", 0.0) < now:
        from chalicelib.services import sealing

        try:
            state = sealing.health()
        except Exception:  # noqa: BLE001 - the health check answers, whatever it could not read
            logger.exception("health: the sealing failures could not be read")
            state = {"status": "unknown"}
        _health_cache.update(state=state, until=now + _HEALTH_TTL)
    return dict(_health_cache["state"])


def _source_address() -> str:
    """The caller's address: API Gateway's view of it, or the proxy's header in front of it."""
    request = bp.current_request
    header = get_settings().client_ip_header
    if header:
        value = request.headers.get(header) or ""
        if value:
            # CloudFront-Viewer-Address is "<ip>:<port>", IPv6 included: drop the port.
            return value.rsplit(":", 1)[0]
    return str(((request.context or {}).get("identity") or {}).get("sourceIp") or "")


@bp.route("/signup", public=True, methods=["POST"], doc=Doc(
    "Create a company and its manager, unusable until the e-mail is confirmed (a code is e-mailed; 429 past a few "
    "signups per address)", ref("SignupResult"), 201, body=SignupBody))
def signup() -> Response:
    body = parse(SignupBody, json_body(bp.current_request))
    tenant = accounts.signup(
        body.company_name, body.creation_year, body.email, body.password, body.first_name, body.last_name,
        source=_source_address(),
    )
    count("Signups")
    return created(tenant)


@bp.route("/signup/confirm", public=True, methods=["POST"], doc=Doc(
    "Confirm the signup's e-mail with the code it received (400 if wrong or expired)", ref("SignupVerification"),
    body=SignupConfirmBody))
def confirm_signup() -> dict[str, Any]:
    body = parse(SignupConfirmBody, json_body(bp.current_request))
    accounts.confirm_signup(body.email, body.code)
    return {"verification": "confirmed"}


@bp.route("/signup/resend", public=True, methods=["POST"], doc=Doc(
    "E-mail a new confirmation code (same answer for any address)", ref("SignupVerification"), body=SignupResendBody))
def resend_signup_code() -> dict[str, Any]:
    body = parse(SignupResendBody, json_body(bp.current_request))
    accounts.resend_code(body.email, source=_source_address())
    return {"verification": "email_sent"}


@bp.route("/auth/login", public=True, methods=["POST"],
          doc=Doc("Log in: the Cognito ID token to send as bearer", ref("Tokens"), body=LoginBody))
def login() -> dict[str, Any]:
    body = parse(LoginBody, json_body(bp.current_request))
    return accounts.login(body.email, body.password, source=_source_address())


@bp.route("/auth/refresh", public=True, methods=["POST"],
          doc=Doc("A new ID token from a refresh token", ref("Tokens"), body=RefreshBody))
def refresh() -> dict[str, Any]:
    body = parse(RefreshBody, json_body(bp.current_request))
    return accounts.refresh(body.refresh_token)


@bp.route("/me", methods=["GET"],
          doc=Doc("Who the token is, and the permissions of their profile (the site's menus)", ref("Me")))
def me() -> dict[str, Any]:
    # the routes reading the police register: the site sends the reader's purpose with them (purpose.js)
    return {**accounts.me(principal()), "register_reads": list(register_read_patterns(bp.current_app))}


@bp.route("/me/training", methods=["PUT"], doc=Doc(
    "Switch the caller's training mode (mode formation) on or off: in training, sales are fictitious (receipts "
    "marked « FICTIF — MODE FORMATION », sealed in the `training` chain) and other writes answer 409 "
    "`training_mode`", obj({"training": BOOLEAN}, ("training",)), body=TrainingBody))
def put_training() -> dict[str, Any]:
    """Training mode (mode formation) of the caller: ``{"on": bool}``."""
    from chalicelib.services import training

    body = parse(TrainingBody, json_body(bp.current_request))
    return training.switch(principal(), body.on)


@bp.route("/company", methods=["GET"], doc=Doc("Company settings", ref("Company")))
def get_company() -> dict[str, Any]:
    return accounts.company_view(principal())


@bp.route("/company", methods=["PUT"],
          doc=Doc("Change company settings (fields sent only)", ref("Company"), body=CompanyBody))
def put_company() -> dict[str, Any]:
    body = parse(CompanyBody, json_body(bp.current_request))
    return accounts.update_company(principal(), changed_fields(body))


@bp.route("/users", methods=["GET"], doc=Doc("List users (manager)", page_of(ref("User")), query="PageQuery"))
def list_users() -> dict[str, Any]:
    users = accounts.list_users(principal())
    return page(bp.current_request, users, lambda u: u.to_json())


@bp.route("/users", methods=["POST"], doc=Doc("Create a user (manager)", ref("User"), 201, body=UserCreateBody))
def create_user() -> Response:
    body = parse(UserCreateBody, json_body(bp.current_request))
    user, generated = accounts.create_user(
        principal(), body.email, body.profile, body.first_name, body.last_name, body.password
    )
    view = user.to_json()
    if generated:
        view["temporary_password"] = generated
    return created(view)


@bp.route("/users/{user_id}", methods=["GET"], doc=Doc("One user (manager)", ref("User")))
def get_user(user_id: str) -> dict[str, Any]:
    return accounts.get_user(principal(), user_id).to_json()


@bp.route("/users/{user_id}", methods=["PATCH"],
          doc=Doc("Change a user (manager)", ref("User"), body=UserUpdateBody))
def patch_user(user_id: str) -> dict[str, Any]:
    body = parse(UserUpdateBody, json_body(bp.current_request))
    return accounts.update_user(principal(), user_id, changed_fields(body)).to_json()


@bp.route("/users/{user_id}", methods=["DELETE"], doc=Doc("Delete a user (manager)", None, 204))
def delete_user(user_id: str) -> Response:
    accounts.delete_user(principal(), user_id)
    return no_content()
