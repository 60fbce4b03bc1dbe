"""Year end: jobs, the 2093 declaration, backups and closures (API.md)."""

from __future__ import annotations

from typing import Any

from chalice import Response

from chalicelib.api.common import json_body, lazy_service, no_content, page, query_param
from chalicelib.api.routing import ApiBlueprint
from chalicelib.auth import principal
from chalicelib.errors import ValidationError

archives, declarations, jobs = (lazy_service(name) for name in ("archives", "declarations", "jobs"))

bp = ApiBlueprint(__name__)


def accepted(body: Any) -> Response:
    return Response(body=body, status_code=202)


def _object(body: Any) -> dict[str, Any]:
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise ValidationError(details={"body": "Objet JSON attendu."})
    return body


@bp.route("/jobs/{job_id}", methods=["GET"])
def get_job(job_id: str) -> dict[str, Any]:
    who = principal()
    who.require("year_end")
    return jobs.view(who, job_id)


@bp.route("/declarations/2093", methods=["POST"])
def post_2093() -> Response:
    body = _object(json_body(bp.current_request))
    return accepted(declarations.start_2093(principal(), body.get("year")))


@bp.route("/declarations/2093/precheck", methods=["GET"])
def precheck_2093() -> dict[str, Any]:
    return declarations.precheck(principal(), query_param(bp.current_request, "year"))


@bp.route("/declarations/2093/key", methods=["GET"])
def get_2093_key() -> dict[str, Any]:
    return declarations.get_key(principal())


@bp.route("/declarations/2093/key", methods=["PUT"],
          content_types=["application/json", "application/x-www-form-urlencoded", "text/plain", "application/pgp-keys"])
def put_2093_key() -> dict[str, Any]:
    request = bp.current_request
    raw = request.raw_body.decode("utf-8", "replace") if request.raw_body else ""
    armored = raw if raw.lstrip().startswith("-----BEGIN") else _object(json_body(request)).get("key")
    return declarations.put_key(principal(), armored)


@bp.route("/declarations/2093/key", methods=["DELETE"])
def delete_2093_key() -> Response:
    declarations.delete_key(principal())
    return no_content()


@bp.route("/backups", methods=["GET"])
def list_backups() -> dict[str, Any]:
    return page(bp.current_request, archives.list_archives(principal()), lambda a: a)


@bp.route("/backups", methods=["POST"])
def post_backup() -> Response:
    body = _object(json_body(bp.current_request))
    title = body.get("title")
    if title is not None and not isinstance(title, str):
        raise ValidationError(details={"title": "Texte attendu."})
    return accepted(archives.start_backup(principal(), title))


@bp.route("/backups/{archive_id}", methods=["GET"])
def get_backup(archive_id: str) -> dict[str, Any]:
    return archives.get_archive(principal(), archive_id)


@bp.route("/backups/{archive_id}", methods=["DELETE"])
def delete_backup(archive_id: str) -> Response:
    archives.delete_archive(principal(), archive_id)
    return no_content()


@bp.route("/closures", methods=["POST"])
def post_closure() -> Response:
    body = _object(json_body(bp.current_request))
    return accepted(archives.start_closure(principal(), body.get("title"), body.get("until")))
