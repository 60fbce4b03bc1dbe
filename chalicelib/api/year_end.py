"""Year end: jobs, the 2093 declaration, backups and closures (API.md)."""

from __future__ import annotations

from typing import Any

from chalice import Response

from chalicelib.api.common import json_body, lazy_service, no_content, page
from chalicelib.api.doc import DATE, N_STRING, STRING, Doc, obj, page_of, ref
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.schemas import parse_query
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


def _job_files_read(uri_params: dict[str, Any], job: Any) -> str | None:
    """A finished job's download links hold the police register when the files do: a backup's
    or closure's (the whole data, sellers' identities included) and the 2093 file (the identity
    of each seller of precious metals). Each view hands out fresh links: each is a read."""
    if not isinstance(job, dict):
        return None
    result = job.get("result")
    if job.get("status") != "succeeded" or not isinstance(result, dict) or not result.get("files"):
        return None
    if job.get("kind") in ("backup", "closure"):
        return f"{job['kind']}:{result.get('archive_id')}"
    if job.get("kind") == "dmet_2093":
        return f"dmet_2093:{result.get('year')}"
    return None


def _archive_read(uri_params: dict[str, Any], archive: Any) -> str | None:
    """A backup or closure with its download link (``url``, once ready) hands out the register."""
    if not isinstance(archive, dict) or "url" not in archive:
        return None
    return f"{archive.get('kind')}:{uri_params['archive_id']}"


JOB_STARTED = ref("JobStarted")


@bp.route("/jobs/{job_id}", methods=["GET"], register_read=_job_files_read, doc=Doc("A job's status", ref("Job")))
def get_job(job_id: str) -> dict[str, Any]:
    who = principal()
    who.require("year_end")
    return jobs.view(who, job_id)


@bp.route("/declarations/2093", methods=["POST"], doc=Doc(
    "Prepare the 2093 file of a year (a job)", JOB_STARTED, 202,
    body=obj({"year": {"type": "integer", "minimum": 1900, "maximum": 2100}})))
def post_2093() -> Response:
    body = _object(json_body(bp.current_request))
    return accepted(declarations.start_2093(principal(), body.get("year")))


@bp.route("/declarations/2093/precheck", methods=["GET"],
          doc=Doc("What blocks the 2093 file of a year", ref("Report"), query="YearQuery"))
def precheck_2093() -> dict[str, Any]:
    return declarations.precheck(principal(), parse_query("YearQuery", bp.current_request).year)


@bp.route("/declarations/2093/key", methods=["GET"],
          doc=Doc("The DGFiP public key the file is encrypted to", ref("Report")))
def get_2093_key() -> dict[str, Any]:
    return declarations.get_key(principal())


@bp.route("/declarations/2093/key", methods=["PUT"],
          content_types=["application/json", "application/x-www-form-urlencoded", "text/plain", "application/pgp-keys"],
          doc=Doc("Set the DGFiP public key (armored OpenPGP)", ref("Report"), body=obj({"key": STRING}, ("key",))))
def put_2093_key() -> dict[str, Any]:
    request = bp.current_request
    raw = request.raw_body.decode("utf-8", "replace") if request.raw_body else ""
    armored = raw if raw.lstrip().startswith("-----BEGIN") else _object(json_body(request)).get("key")
    return declarations.put_key(principal(), armored)


@bp.route("/declarations/2093/key", methods=["DELETE"], doc=Doc("Remove the key", None, 204))
def delete_2093_key() -> Response:
    declarations.delete_key(principal())
    return no_content()


@bp.route("/backups", methods=["GET"], doc=Doc("Backups and closures", page_of(ref("Archive")), query="PageQuery"))
def list_backups() -> dict[str, Any]:
    return page(bp.current_request, archives.list_archives(principal()), lambda a: a)


@bp.route("/backups", methods=["POST"], doc=Doc(
    "Back up the company's data (a job); 409 `archive_limit` past 7", JOB_STARTED, 202, body=obj({"title": N_STRING})))
def post_backup() -> Response:
    body = _object(json_body(bp.current_request))
    title = body.get("title")
    if title is not None and not isinstance(title, str):
        raise ValidationError(details={"title": "Texte attendu."})
    return accepted(archives.start_backup(principal(), title))


@bp.route("/backups/{archive_id}", methods=["GET"], register_read=_archive_read,
          doc=Doc("One backup or closure, with its download link", ref("Archive")))
def get_backup(archive_id: str) -> dict[str, Any]:
    return archives.get_archive(principal(), archive_id)


@bp.route("/backups/{archive_id}", methods=["DELETE"], doc=Doc("Delete a backup", None, 204))
def delete_backup(archive_id: str) -> Response:
    archives.delete_archive(principal(), archive_id)
    return no_content()


@bp.route("/closures", methods=["POST"], doc=Doc(
    "Close the years up to `until` (a job: back up, then delete)", JOB_STARTED, 202,
    body=obj({"title": N_STRING, "until": DATE}, ("until",))))
def post_closure() -> Response:
    body = _object(json_body(bp.current_request))
    return accepted(archives.start_closure(principal(), body.get("title"), body.get("until")))
