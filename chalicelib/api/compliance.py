"""Legal records: the police register, receipts, inspections and the vault's verification."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from chalice import Response
from pydantic import StringConstraints

from chalicelib.api.common import created, json_body, lazy_service, page
from chalicelib.api.doc import BOOLEAN, INTEGER, NO_BODY, STRING, Doc, array, obj, page_of, ref
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.schemas import Email, Name, Strict, parse, parse_query
from chalicelib.auth import principal
from chalicelib.errors import ValidationError

compliance = lazy_service("compliance")
events = lazy_service("events")
inspectors = lazy_service("inspectors")
training = lazy_service("training")

bp = ApiBlueprint(__name__)

InspectionText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20000)]
ServiceName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class InspectionBody(Strict):
    inspector: Name
    service: ServiceName
    email: Email
    text: InspectionText


class InspectorReportBody(Strict):
    """An inspector's own session signs with its grant: the text is all it must give."""

    inspector: Name | None = None
    service: ServiceName | None = None
    email: Email | None = None
    text: InspectionText


def _date_filters(model: str = "DatedPageQuery") -> dict[str, date]:
    """The days given (``date_from``/``date_to``, or ``from``/``to``: api/queries.py), by their names."""
    found = parse_query(model, bp.current_request).model_dump(by_alias=True, exclude={"page", "page_size"})
    return {name: value for name, value in found.items() if isinstance(value, date)}


RECORDS = page_of(ref("SealedRecord"))
SEALED_CONTENT = Doc("The sealed record's content, byte for byte as the vault keeps it", {"type": "object"},
                     description="Headers `X-Lotbook-Sha256`, `X-Lotbook-Storage-Key`, `X-Lotbook-Version-Id` say "
                     "where it is stored.")


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


@bp.route("/compliance/police-files", methods=["GET"], register_read="police_files",
          doc=Doc("The sealed police-register entries", RECORDS, query="PoliceFilesQuery"))
def list_police_files() -> dict[str, Any]:
    found = compliance.police_files(principal(), parse_query("PoliceFilesQuery", bp.current_request).lot,
                                    _date_filters("PoliceFilesQuery"))
    return page(bp.current_request, found, lambda item: item)


@bp.route("/compliance/police-files/{id}", methods=["GET"], register_read="police_file:{id}", doc=SEALED_CONTENT)
def get_police_file(id: str) -> Response:  # noqa: A002 - the route's parameter name
    return _as_stored(compliance.police_file_content(principal(), id))


@bp.route("/lots/{ref}/police-files", methods=["GET"], register_read="lot_police_files:{ref}",
          doc=Doc("The sealed police-register versions of a lot", RECORDS, query="PageQuery"))
def lot_police_files(ref: str) -> dict[str, Any]:
    found = compliance.lot_police_files(principal(), ref)
    return page(bp.current_request, found, lambda item: item)


@bp.route("/compliance/consultations", methods=["GET"], doc=Doc(
    "The police register's consultation log, newest first (manager, inspector)", page_of(ref("Consultation")),
    query="DayRangePageQuery", description="Every read of the register: its screens, sealed files, sheets, lists "
    "and exports, backups and the 2093 file. `from`/`to`: days of the reads (Europe/Paris). Sealed in the "
    "`consultation` chain, kept 10 years (docs/consultations.md)."))
def list_consultations() -> dict[str, Any]:
    """The police register's consultation log: who read what, when and why."""
    request = bp.current_request
    filters = _date_filters("DayRangePageQuery")
    paging = parse_query("PageQuery", request)
    found, total = compliance.consultations(principal(), filters, paging.page, paging.page_size)
    return {"items": found, "total": total, "page": paging.page, "page_size": paging.page_size}


@bp.route("/compliance/events", methods=["GET"], doc=Doc(
    "The event log, newest first (manager, inspector)", page_of(ref("Event")), query="EventQuery",
    description="Logins (and refused ones), users, settings, closings, backups, closures, exports, prints and "
    "reprints, the software version, sealing failures...: each sealed in the `event` chain. `from`/`to`: days of "
    "the events (Europe/Paris); a bad filter answers 400. Listed from the seal's index, not the vault."))
def list_events() -> dict[str, Any]:
    """The event log (sealed, newest first); filters ``from``, ``to`` (days) and ``kind``
    (read by domain/audit.event_filters)."""
    request = bp.current_request
    paging = parse_query("EventQuery", request)
    raw = paging.model_dump(by_alias=True, include={"day_from", "day_to", "kind"})
    found, total = events.events_page(principal(), raw, paging.page, paging.page_size)
    return {"items": found, "total": total, "page": paging.page, "page_size": paging.page_size}


@bp.route("/compliance/sealing", methods=["GET"], doc=Doc(
    "Journal entries the sealer failed on, still unsealed (retried by the `retry_sealing` schedule)",
    obj({"ok": BOOLEAN, "unsealed": array(obj({
        "seq": STRING, "kind": STRING, "since": STRING, "last_attempt": STRING, "attempts": INTEGER,
        "error": STRING, "needs_a_human": BOOLEAN}))}, ("ok", "unsealed"))))
def sealing_status() -> dict[str, Any]:
    """The tenant's journal entries not sealed yet, and why (empty when all is sealed)."""
    return compliance.sealing_status(principal())


@bp.route("/compliance/receipts", methods=["GET"], doc=Doc("The sealed receipts", RECORDS, query="DatedPageQuery"))
def list_receipts() -> dict[str, Any]:
    filters = _date_filters()
    paging = parse_query("PageQuery", bp.current_request)
    found, total = compliance.receipts_page(principal(), filters, paging.page, paging.page_size)
    return {"items": found, "total": total, "page": paging.page, "page_size": paging.page_size}


@bp.route("/compliance/training-receipts", methods=["GET"], doc=Doc(
    "The fictitious receipts of training mode (the `training` chain)", RECORDS, query="DatedPageQuery"))
def list_training_receipts() -> dict[str, Any]:
    """The fictitious receipts of training mode, sealed in the ``training`` chain."""
    found = training.receipts(principal(), _date_filters())
    return page(bp.current_request, found, lambda item: item)


@bp.route("/compliance/receipts/{number}", methods=["GET"], doc=SEALED_CONTENT)
def get_receipt(number: str) -> Response:
    return _as_stored(compliance.receipt_content(principal(), number))


@bp.route("/compliance/closings", methods=["GET"],
          doc=Doc("The sealed cash-register closings", RECORDS, query="DatedPageQuery"))
def list_closings() -> dict[str, Any]:
    filters = _date_filters()
    paging = parse_query("PageQuery", bp.current_request)
    found, total = compliance.closings_page(principal(), filters, paging.page, paging.page_size)
    return {"items": found, "total": total, "page": paging.page, "page_size": paging.page_size}


@bp.route("/compliance/closings/{number}", methods=["GET"], doc=Doc(
    SEALED_CONTENT.summary, SEALED_CONTENT.answer,
    description=SEALED_CONTENT.description + " `{number}.pdf` answers the closing printed from those bytes "
    "(`application/pdf`, needs `Accept: application/pdf`): totals, per VAT rate and payment method, its seal."))
def get_closing(number: str) -> Response:
    """The sealed closing as stored; ``<number>.pdf`` prints it (API.md: API Gateway takes the
    whole last segment as the path parameter, so the PDF is answered here)."""
    if number.endswith(".pdf"):
        from chalicelib.api import documents as documents_api

        return documents_api.closing_pdf(number.removesuffix(".pdf"))
    return _as_stored(compliance.closing_content(principal(), number))


@bp.route("/compliance/verify", methods=["GET"], doc=Doc(
    "Verify every chain of the vault: from each chain's checkpoint on, or all of it (`full=1`)",
    ref("Verification"), query="VerifyQuery"))
def verify() -> dict[str, Any]:
    """From each chain's checkpoint on; ``?full=1`` re-reads every record."""
    return compliance.verify(principal(), full=parse_query("VerifyQuery", bp.current_request).full)


@bp.route("/compliance/verify", methods=["POST"],
          doc=Doc("The same verification as a job", ref("JobStarted"), 202, body=NO_BODY))
def start_verification() -> Response:
    """The verification as a job (202): long chains outlast one request."""
    return Response(body=compliance.start_verification(principal()), status_code=202)


@bp.route("/compliance/verifier", public=True, methods=["GET"], doc=Doc(
    "The standalone verifier: one Python file, standard library only (public)", STRING, media="text/x-python",
    description="Served as a download (`Content-Disposition: attachment`); the seal format it checks is "
                "described in docs/sealing.md."))
def download_verifier() -> Response:
    """The standalone verifier (docs/sealing.md), byte for byte: public, an inspector needs no account."""
    from chalicelib import verifier

    return Response(body=verifier.source().decode("utf-8"), headers={
        "Content-Type": "text/x-python; charset=utf-8",
        "Content-Disposition": f'attachment; filename="{verifier.FILENAME}"',
        "Cache-Control": "no-cache",
    })


@bp.route("/compliance/guide", public=True, methods=["GET"], doc=Doc(
    "The inspector's guide (docs/inspection.md) as an HTML fragment, in French (public)", STRING,
    media="text/html"))
def inspector_guide() -> Response:
    """The inspector's guide (docs/inspection.md) as an HTML fragment: public, like the verifier."""
    from chalicelib.documents.guide import guide_html

    return Response(body=guide_html(), headers={"Content-Type": "text/html; charset=utf-8",
                                                "Cache-Control": "no-cache"})


@bp.route("/compliance/inspections", methods=["GET"],
          doc=Doc("Inspection reports", page_of(ref("Inspection")), query="PageQuery"))
def list_inspections() -> dict[str, Any]:
    found = compliance.inspections(principal())
    return page(bp.current_request, found, lambda item: item)


@bp.route("/compliance/inspections", methods=["POST"],
          doc=Doc("Add an inspection report (append-only)", ref("Inspection"), 201, body=InspectionBody))
def add_inspection() -> Response:
    who = principal()
    body = parse(InspectorReportBody if who.inspector else InspectionBody, json_body(bp.current_request))
    inspector, service, email = inspectors.fill_report(who, body.inspector, body.service, body.email)
    if not email:
        raise ValidationError(details={"email": "Adresse e-mail attendue : l'accès n'en donne pas."})
    report = compliance.add_inspection(who, inspector, service, email, body.text)
    report["emailed"] = inspectors.send_report_copy(who, report) if who.inspector is not None else False
    return created(report)
