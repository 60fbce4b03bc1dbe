"""Inspector access: the manager's grants, and the inspector's login with a one-time code."""

from __future__ import annotations

from typing import Any

from chalice import Response

from chalicelib.api.common import created, json_body, lazy_service, page
from chalicelib.api.doc import INTEGER, N_STRING, STRING, Doc, obj, page_of
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.schemas import InspectorAccessBody, InspectorLoginBody, parse
from chalicelib.auth import principal
from chalicelib.config import get_settings
from chalicelib.domain.inspector import SERVICES

inspectors = lazy_service("inspectors")

bp = ApiBlueprint(__name__)

# A grant as the manager sees it (services/inspectors.py), for the OpenAPI document.
ACCESS: dict[str, Any] = {
    "id": STRING, "inspector": STRING, "service": {"type": "string", "enum": list(SERVICES)},
    "service_label": STRING, "purpose": STRING, "email": N_STRING, "days": INTEGER, "created_at": STRING,
    "created_by": STRING, "expires_at": STRING, "used_at": N_STRING, "revoked_at": N_STRING,
    "state": {"type": "string", "enum": ["waiting", "used", "expired", "revoked"]}}

# The list of grants, and the services a grant may name (the site's form offers them).
GRANTS = page_of(obj(ACCESS))
GRANTS["properties"]["services"] = obj({name: STRING for name in SERVICES}, tuple(SERVICES))


def _site_url() -> str:
    """Where the site is: the setting, else the page that asked (its Origin), else this host."""
    headers = bp.current_request.headers
    origin = headers.get("origin") or ""
    if origin.startswith(("http://", "https://")):
        return origin
    host = headers.get("host") or ""
    proto = headers.get("x-forwarded-proto") or "https"
    return f"{proto}://{host}" if host else ""


def _source_address() -> str:
    request = bp.current_request
    header = get_settings().client_ip_header
    if header and request.headers.get(header):
        return str(request.headers.get(header)).rsplit(":", 1)[0]
    return str(((request.context or {}).get("identity") or {}).get("sourceIp") or "")


@bp.route("/inspector-access", methods=["POST"], doc=Doc(
    "Grant a named inspector a read-only access (manager): the link and the one-time code, shown once",
    obj({**ACCESS, "url": STRING, "code": STRING}, ("id", "url", "code", "expires_at")), 201,
    body=InspectorAccessBody))
def grant_access() -> Response:
    body = parse(InspectorAccessBody, json_body(bp.current_request))
    return created(inspectors.grant(principal(), body.inspector, body.service, body.purpose, body.days,
                                    body.email, _site_url()))


@bp.route("/inspector-access", methods=["GET"], doc=Doc(
    "The inspector accesses granted (manager), newest first; `services`: the services a grant may name "
    "(value → French label, the form's choices)",
    GRANTS, query="PageQuery"))
def list_accesses() -> dict[str, Any]:
    return {**page(bp.current_request, inspectors.list_grants(principal()), lambda item: item),
            "services": dict(SERVICES)}


@bp.route("/inspector-access/{grant_id}", methods=["DELETE"],
          doc=Doc("Revoke an inspector access (manager): its session ends", obj(ACCESS)))
def revoke_access(grant_id: str) -> dict[str, Any]:
    return inspectors.revoke(principal(), grant_id)


@bp.route("/inspector/login", public=True, methods=["POST"], doc=Doc(
    "The inspector's one-time code → a read-only session (public; 401 for a wrong, used, revoked or expired code, "
    "429 after 5 wrong codes from one address)",
    obj({"id_token": STRING, "refresh_token": STRING, "expires_in": INTEGER, "expires_at": STRING},
        ("id_token", "expires_in")), body=InspectorLoginBody))
def inspector_login() -> dict[str, Any]:
    body = parse(InspectorLoginBody, json_body(bp.current_request))
    return inspectors.login(body.code, source=_source_address())
