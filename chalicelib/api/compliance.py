"""Legal records: the police register, receipts, inspections and the vault's verification."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from chalice import Response
from pydantic import StringConstraints

from chalicelib.api.common import created, json_body, lazy_service, page, query_param
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.schemas import Email, Name, Strict, parse
from chalicelib.auth import principal
from chalicelib.errors import ValidationError

compliance = lazy_service("compliance")

bp = ApiBlueprint(__name__)

InspectionText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20000)]
ServiceName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class InspectionBody(Strict):
    inspector: Name
    service: ServiceName
    email: Email
    text: InspectionText


def _date_filters() -> dict[str, date]:
    request = bp.current_request
    filters: dict[str, date] = {}
    problems: dict[str, str] = {}
    for name in ("date_from", "date_to"):
        raw = query_param(request, name)
        if raw is None:
            continue
        try:
            filters[name] = date.fromisoformat(raw)
        except ValueError:
            problems[name] = "Date attendue au format AAAA-MM-JJ."
    if problems:
        raise ValidationError(details=problems)
    return filters


def _as_stored(content: compliance.Content) -> Response:
    """The record's bytes as the vault keeps them, and where they are."""
    entry = content.entry
    return Response(
        body=content.body.decode("utf-8"),
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "X-Lotbook-Sha256": entry.sha256,
            "X-Lotbook-Storage-Key": entry.key,
            "X-Lotbook-Version-Id": entry.version_id,
        },
    )


@bp.route("/compliance/police-files", methods=["GET"])
def list_police_files() -> dict[str, Any]:
    found = compliance.police_files(principal(), query_param(bp.current_request, "lot"), _date_filters())
    return page(bp.current_request, found, lambda item: item)


@bp.route("/compliance/police-files/{id}", methods=["GET"])
def get_police_file(id: str) -> Response:  # noqa: A002 - the route's parameter name
    return _as_stored(compliance.police_file_content(principal(), id))


@bp.route("/lots/{ref}/police-files", methods=["GET"])
def lot_police_files(ref: str) -> dict[str, Any]:
    found = compliance.lot_police_files(principal(), ref)
    return page(bp.current_request, found, lambda item: item)


@bp.route("/compliance/sealing", methods=["GET"])
def sealing_status() -> dict[str, Any]:
    """The tenant's journal entries not sealed yet, and why (empty when all is sealed)."""
    return compliance.sealing_status(principal())


@bp.route("/compliance/receipts", methods=["GET"])
def list_receipts() -> dict[str, Any]:
    found = compliance.receipts(principal(), _date_filters())
    return page(bp.current_request, found, lambda item: item)


@bp.route("/compliance/receipts/{number}", methods=["GET"])
def get_receipt(number: str) -> Response:
    return _as_stored(compliance.receipt_content(principal(), number))


@bp.route("/compliance/closings", methods=["GET"])
def list_closings() -> dict[str, Any]:
    found = compliance.closings(principal(), _date_filters())
    return page(bp.current_request, found, lambda item: item)


@bp.route("/compliance/closings/{number}", methods=["GET"])
def get_closing(number: str) -> Response:
    """The sealed closing as stored; ``<number>.pdf`` prints it (API.md: API Gateway takes the
    whole last segment as the path parameter, so the PDF is answered here)."""
    if number.endswith(".pdf"):
        from chalicelib.api import documents as documents_api

        return documents_api.closing_pdf(number.removesuffix(".pdf"))
    return _as_stored(compliance.closing_content(principal(), number))


@bp.route("/compliance/verify", methods=["GET"])
def verify() -> dict[str, Any]:
    """From each chain's checkpoint on; ``?full=1`` re-reads every record."""
    full = (bp.current_request.query_params or {}).get("full", "") in ("1", "true", "oui")
    return compliance.verify(principal(), full=full)


@bp.route("/compliance/verify", methods=["POST"])
def start_verification() -> Response:
    """The verification as a job (202): long chains outlast one request."""
    return Response(body=compliance.start_verification(principal()), status_code=202)


@bp.route("/compliance/verifier", public=True, methods=["GET"])
def download_verifier() -> Response:
    """The standalone verifier (docs/sealing.md), byte for byte: public, an inspector needs no account."""
    from chalicelib import verifier

    return Response(body=verifier.source().decode("utf-8"), headers={
        "Content-Type": "text/x-python; charset=utf-8",
        "Content-Disposition": f'attachment; filename="{verifier.FILENAME}"',
        "Cache-Control": "no-cache",
    })


@bp.route("/compliance/inspections", methods=["GET"])
def list_inspections() -> dict[str, Any]:
    found = compliance.inspections(principal())
    return page(bp.current_request, found, lambda item: item)


@bp.route("/compliance/inspections", methods=["POST"])
def add_inspection() -> Response:
    body = parse(InspectionBody, json_body(bp.current_request))
    return created(compliance.add_inspection(principal(), body.inspector, body.service, body.email, body.text))
