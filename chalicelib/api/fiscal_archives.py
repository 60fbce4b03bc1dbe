"""Fiscal archives: build one for a closed month or year (a job), list them, download one."""

from __future__ import annotations

from typing import Any

from chalice import Response

from chalicelib.api.common import json_body, lazy_service, page
from chalicelib.api.doc import STRING, Doc, array, obj, page_of, ref
from chalicelib.api.routing import ApiBlueprint, request_purpose
from chalicelib.api.schemas import FiscalArchiveBody, parse
from chalicelib.auth import principal

fiscal_archives = lazy_service("fiscal_archives")

bp = ApiBlueprint(__name__)


@bp.route("/compliance/archives", methods=["GET"], doc=Doc(
    "Fiscal archives, one per closed month or fiscal year, newest first", page_of(ref("FiscalArchive")),
    query="PageQuery", description="`event_rank`: the rank of the `archive_built` event sealing the manifest's "
    "SHA-256 in the `event` chain; `manifest_sha256`, `archive_sha256` and `size` are read from that sealed "
    "event (all null until sealed)."))
def list_fiscal_archives() -> dict[str, Any]:
    return page(bp.current_request, fiscal_archives.list_archives(principal()), lambda a: a)


@bp.route("/compliance/archives", methods=["POST"], doc=Doc(
    "Build the fiscal archive of a closed period (a job; `period` `AAAA-MM` or `AAAA`)", ref("JobStarted"),
    202, body=FiscalArchiveBody,
    description="409 `period_not_closed` before the period's monthly / yearly closing; 409 "
    "`fiscal_archive_exists` once built. Also started by the closings' schedule after each monthly and "
    "yearly closing. The zip and the manifest are the job's result files."))
def post_fiscal_archive() -> Response:
    body = parse(FiscalArchiveBody, json_body(bp.current_request))
    return Response(body=fiscal_archives.start(principal(), body.period), status_code=202)


@bp.route("/compliance/archives/{period}", methods=["GET"], doc=Doc(
    "One fiscal archive with fresh time-limited links to its zip and manifest",
    obj({"period": STRING, "files": array(obj({"name": STRING, "url": STRING}, ("name", "url")))},
        ("period", "files")),
    description="Recorded as an `archive_downloaded` event and a consultation of the police register. "
    "409 `fiscal_archive_not_ready` while it is built (or its `archive_built` event is not sealed yet). "
    "The hashes are those the `archive_built` event sealed; the stored zip and manifest are hashed again "
    "first: 409 `fiscal_archive_altered` (and an `archive_altered` event) if they differ."))
def get_fiscal_archive(period: str) -> dict[str, Any]:
    # The archive holds the police register: its download is a consultation, with its purpose.
    return dict(fiscal_archives.download(principal(), period, request_purpose(bp.current_request)))
