"""Printable documents: every ``*.pdf`` route.

The body is bytes with ``Content-Type: application/pdf``, a type listed in
``app.api.binary_types``: Chalice then base64-encodes it for API Gateway, which
decodes it only when the request's ``Accept`` names a binary type. Chalice refuses
a binary answer to a request that accepts none, so the routes say so first, in
French (406), before any work. Browsers send ``*/*``; the site sends
``Accept: application/pdf`` (what API Gateway needs to hand back bytes).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Response

from chalicelib.api.articles import FILTERS as ARTICLE_FILTERS
from chalicelib.api.common import lazy_service
from chalicelib.api.doc import pdf
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.schemas import parse_query
from chalicelib.auth import principal
from chalicelib.errors import NotAcceptableError

if TYPE_CHECKING:
    from chalicelib.services.documents import Pdf

documents = lazy_service("documents")

bp = ApiBlueprint(__name__)

PDF = "application/pdf"
_ACCEPTED = {PDF, "*/*"}
_LIST_PARAMS = ("page", "page_size")


def _require_pdf_accepted() -> None:
    """The same test Chalice applies to a binary answer (any part of Accept equal to
    ``*/*`` or a binary type), made before the work and answered in French."""
    accept = (bp.current_request.headers or {}).get("accept") or ""
    parts = {part.strip().lower() for chunk in accept.split(",") for part in chunk.split(";")}
    if not parts & _ACCEPTED:
        raise NotAcceptableError()


def _pdf(document: Pdf) -> Response:
    return Response(body=document.content, status_code=200, headers={
        "Content-Type": PDF,
        "Content-Disposition": f'inline; filename="{document.filename}"',
        "Cache-Control": "private, no-store",
    })


def _params(exclude: tuple[str, ...] = _LIST_PARAMS) -> dict[str, str]:
    return {k: v for k, v in (bp.current_request.query_params or {}).items()
            if v not in (None, "") and k not in exclude}


def _refs() -> list[str] | None:
    """``?refs=a,b`` or nothing (the caller's selection)."""
    return parse_query("RefsQuery", bp.current_request).refs


def _lot_filters() -> dict[str, str]:
    return parse_query("LotFilters", bp.current_request).model_dump(exclude_none=True)


# ---------------------------------------------------------------- labels


@bp.route("/lots/{ref}/labels.pdf", methods=["GET"], doc=pdf("Labels of a lot's articles"))
def lot_labels(ref: str) -> Response:
    _require_pdf_accepted()
    return _pdf(documents.lot_labels(principal(), ref))


@bp.route("/articles/{ref}/labels.pdf", methods=["GET"], doc=pdf("Label of an article"))
def article_labels(ref: str) -> Response:
    _require_pdf_accepted()
    return _pdf(documents.article_labels(principal(), ref))


@bp.route("/selection/labels.pdf", methods=["GET"], doc=pdf("Labels of the selection (or `refs`)", "RefsQuery"))
def selection_labels() -> Response:
    _require_pdf_accepted()
    return _pdf(documents.selection_labels(principal(), _refs()))


# ---------------------------------------------------------------- sales


@bp.route("/sales/{transaction_ref}/receipt.pdf", methods=["GET"], doc=pdf("The receipt of a sale"))
def receipt(transaction_ref: str) -> Response:
    _require_pdf_accepted()
    return _pdf(documents.receipt(principal(), transaction_ref))


@bp.route("/sales/{transaction_ref}/invoice.pdf", methods=["GET"], doc=pdf("The invoice of a sale"))
def invoice(transaction_ref: str) -> Response:
    _require_pdf_accepted()
    return _pdf(documents.invoice(principal(), transaction_ref))


# API Gateway allows one variable name per path level: the credit note's number sits
# where sales have their transaction reference (it is the stored key of the avoir).
@bp.route("/sales/{transaction_ref}/credit-note.pdf", methods=["GET"],
          doc=pdf("A credit note (its number in place of the sale's)"))
def credit_note(transaction_ref: str) -> Response:
    _require_pdf_accepted()
    return _pdf(documents.credit_note(principal(), transaction_ref))


# ---------------------------------------------------------------- lots


# The contract holds the lot's register entry: the seller's identity and ID document, the goods, the prices.
@bp.route("/lots/{ref}/contract.pdf", methods=["GET"], register_read="contract:{ref}",
          doc=pdf("The purchase contract of a lot", "ContractQuery"))
def contract(ref: str) -> Response:
    _require_pdf_accepted()
    options = parse_query("ContractQuery", bp.current_request)
    return _pdf(documents.contract(principal(), ref, options.legal, options.agreement, options.withdrawal))


@bp.route("/lots/{ref}/police-sheet.pdf", methods=["GET"], register_read="police_sheet:{ref}",
          doc=pdf("The police-register sheet of a lot"))
def police_sheet(ref: str) -> Response:
    _require_pdf_accepted()
    return _pdf(documents.police_sheet(principal(), ref))


@bp.route("/lots/police-sheets.pdf", methods=["GET"], register_read="police_sheets",
          doc=pdf("The police-register sheets of the filtered lots", "LotFilters"))
def police_sheets() -> Response:
    _require_pdf_accepted()
    return _pdf(documents.police_sheets(principal(), _lot_filters()))


@bp.route("/lots/list.pdf", methods=["GET"], register_read="lots_list_pdf",
          doc=pdf("The filtered lots, printable", "LotFilters"))
def lot_list() -> Response:
    _require_pdf_accepted()
    return _pdf(documents.lot_list(principal(), _lot_filters()))


# ---------------------------------------------------------------- articles, selection


@bp.route("/articles/list.pdf", methods=["GET"], doc=pdf("The filtered articles, printable", filters=ARTICLE_FILTERS))
def article_list() -> Response:
    _require_pdf_accepted()
    return _pdf(documents.article_list(principal(), _params()))


@bp.route("/articles/summary.pdf", methods=["GET"], doc=pdf("The Σ summary, printable", filters=ARTICLE_FILTERS))
def articles_summary() -> Response:
    _require_pdf_accepted()
    return _pdf(documents.articles_summary(principal(), _params()))


@bp.route("/selection/deposit-list.pdf", methods=["GET"],
          doc=pdf("Deposit list of the selection (or `refs`)", "RefsQuery"))
def deposit_list() -> Response:
    _require_pdf_accepted()
    return _pdf(documents.deposit_list(principal(), _refs()))


def closing_pdf(number: str) -> Response:
    """``GET /api/compliance/closings/{number}.pdf`` (routed by chalicelib/api/compliance.py)."""
    _require_pdf_accepted()
    return _pdf(documents.closing_pdf(principal(), number))
