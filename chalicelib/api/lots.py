"""The purchase desk: draft lot, CSV injection, commit; lots, corrections, retraction."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Response

from chalicelib.api.common import created, json_body, lazy_service, no_content, page
from chalicelib.api.doc import CSV, NO_BODY, Doc, csv, page_of, ref
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.schemas import (
    ArticleCorrectionBody,
    CommitBody,
    DraftHeaderBody,
    FinalizePendingBody,
    LineBody,
    LotCorrectionBody,
    RetractBody,
    parse,
    parse_query,
)
from chalicelib.auth import principal
from chalicelib.domain.text import is_whole_number
from chalicelib.errors import ValidationError
from chalicelib.observability import count

if TYPE_CHECKING:
    from chalicelib.domain.lots import DraftLine

bp = ApiBlueprint(__name__)
# Loaded with the first request that needs them, not at cold start (the unit of work's chain).
lots, transfers = lazy_service("lots"), lazy_service("transfers")

CSV_CONTENT_TYPES = ["text/csv", "text/plain", "application/octet-stream", "application/vnd.ms-excel"]
DRAFT, LOT, ARTICLE = ref("Draft"), ref("Lot"), ref("Article")
LINE_NUMBER = {"n": {"type": "string", "pattern": "^[0-9]+$"}}


def _line(body: LineBody) -> DraftLine:
    from chalicelib.domain.lots import DraftLine  # lazy: the lot rules load with the lot service

    fields = body.model_dump(exclude={"quantity"})
    return DraftLine(**fields)


def _line_number(n: str) -> int:
    if not is_whole_number(n) or len(n) > 6:
        raise ValidationError(details={"n": "Numéro de ligne attendu."})
    return int(n)


@bp.route("/lots/draft", methods=["GET"], doc=Doc("The caller's draft lot", DRAFT))
def get_draft() -> dict[str, Any]:
    return lots.draft_view(principal())


@bp.route("/lots/draft", methods=["PUT"], doc=Doc("Set the draft's header", DRAFT, body=DraftHeaderBody))
def put_draft() -> dict[str, Any]:
    body = parse(DraftHeaderBody, json_body(bp.current_request))
    return lots.update_draft_header(principal(), body.model_dump(exclude_unset=True))


@bp.route("/lots/draft", methods=["DELETE"], doc=Doc("Empty the draft", None, 204))
def delete_draft() -> Response:
    lots.clear_draft(principal())
    return no_content()


@bp.route("/lots/draft/lines", methods=["POST"],
          doc=Doc("Add a line (`quantity` makes that many articles)", DRAFT, 201, body=LineBody))
def add_line() -> Response:
    body = parse(LineBody, json_body(bp.current_request))
    return created(lots.add_lines(principal(), _line(body), body.quantity))


@bp.route("/lots/draft/lines/{n}", methods=["PUT"],
          doc=Doc("Replace line n", DRAFT, body=LineBody, path=LINE_NUMBER))
def put_line(n: str) -> dict[str, Any]:
    body = parse(LineBody, json_body(bp.current_request))
    if body.quantity != 1:
        raise ValidationError(details={"quantity": "Une ligne modifiée reste une seule ligne."})
    return lots.replace_line(principal(), _line_number(n), _line(body))


@bp.route("/lots/draft/lines/{n}", methods=["DELETE"], doc=Doc("Remove line n", DRAFT, path=LINE_NUMBER))
def delete_line(n: str) -> dict[str, Any]:
    return lots.remove_line(principal(), _line_number(n))


@bp.route("/lots/draft/import", methods=["POST"], content_types=CSV_CONTENT_TYPES, doc=Doc(
    "Add the lines of a CSV file (400 `invalid_csv` with every bad line, nothing imported)", DRAFT,
    body={"type": "string"}, body_media=CSV, query="ImportQuery"))
def import_csv() -> dict[str, Any]:
    request = bp.current_request
    options = parse_query("ImportQuery", request)
    return lots.import_csv(principal(), request.raw_body or b"", options.separator, options.skip,
                           options.family, options.vat_rate)


@bp.route("/lots/draft/template.csv", methods=["GET"], doc=csv("The CSV template", "TemplateQuery"))
def csv_template() -> Response:
    principal()
    separator = parse_query("TemplateQuery", bp.current_request).separator or ";"
    from chalicelib.domain import csv_import  # lazy: only the purchase desk's CSV routes need it

    return Response(
        body=csv_import.template(separator if len(separator) == 1 else ";"),
        headers={"Content-Type": "text/csv; charset=utf-8",
                 "Content-Disposition": 'attachment; filename="lotbook-lot-modele.csv"'},
    )


@bp.route("/lots/draft/distribute-by-weight", methods=["POST"],
          doc=Doc("Spread the lot price over the lines by weight", DRAFT, body=NO_BODY))
def distribute() -> dict[str, Any]:
    return lots.distribute_by_weight(principal())


@bp.route("/lots/draft/commit", methods=["POST"],
          doc=Doc("Commit the draft: the lot and its articles", ref("Commit"), 201, body=CommitBody))
def commit() -> Response:
    body = parse(CommitBody, json_body(bp.current_request))
    result = lots.commit(principal(), body.mode)
    count("LotsCommitted")
    count("ArticlesCommitted", len(result["articles"]))
    return created(result)


# ---------------------------------------------------------------- lots from other subscribers


@bp.route("/lots/pending", methods=["GET"],
          doc=Doc("Lots received from other subscribers", page_of(ref("PendingLot")), query="PageQuery"))
def list_pending() -> dict[str, Any]:
    return page(bp.current_request, transfers.list_pending(principal()), lambda p: p)


@bp.route("/lots/pending/{pending_id}", methods=["GET"], doc=Doc("One received lot", ref("PendingLot")))
def get_pending(pending_id: str) -> dict[str, Any]:
    return transfers.get_pending(principal(), pending_id)


@bp.route("/lots/pending/{pending_id}/finalize", methods=["POST"], doc=Doc(
    "Enter a received lot, with families of ours", ref("Commit"), 201, body=FinalizePendingBody))
def finalize_pending(pending_id: str) -> Response:
    body = parse(FinalizePendingBody, json_body(bp.current_request))
    result = transfers.finalize(principal(), pending_id, body.families, body.family_id, body.payment_method)
    count("LotsCommitted")
    return created(result)


@bp.route("/lots/pending/{pending_id}", methods=["DELETE"], doc=Doc("Refuse a received lot", None, 204))
def delete_pending(pending_id: str) -> Response:
    transfers.delete_pending(principal(), pending_id)
    return no_content()


def _filters(model: str = "LotFilters") -> dict[str, str]:
    """The lots' filters given (services/lots.LOT_FILTERS, the fields of ``LotFilters``)."""
    return parse_query(model, bp.current_request).model_dump(include=set(lots.LOT_FILTERS), exclude_none=True)


@bp.route("/lots", methods=["GET"], register_read="lots",
          doc=Doc("Lots, filtered", page_of(LOT), query="LotPageQuery"))
def list_lots() -> dict[str, Any]:
    found = lots.list_lots(principal(), _filters("LotPageQuery"))
    return page(bp.current_request, found, lambda lot: lot)


@bp.route("/lots/summary", methods=["GET"],
          doc=Doc("Totals of the filtered lots", ref("LotsSummary"), query="LotFilters"))
def lots_summary() -> dict[str, Any]:
    return lots.lots_summary(principal(), _filters())


@bp.route("/lots/{ref}", methods=["GET"], register_read="lot:{ref}",
          doc=Doc("One lot with its articles and traces", LOT))
def get_lot(ref: str) -> dict[str, Any]:
    return lots.lot_view(principal(), ref)


@bp.route("/lots/{ref}", methods=["PATCH"],
          doc=Doc("Correct a lot (register fields need a `reason`)", LOT, body=LotCorrectionBody))
def correct_lot(ref: str) -> dict[str, Any]:
    body = parse(LotCorrectionBody, json_body(bp.current_request))
    changes = body.model_dump(exclude_unset=True, exclude={"reason"})
    return lots.correct_lot(principal(), ref, changes, body.reason)


@bp.route("/lots/{ref}/retract", methods=["POST"], doc=Doc("Retract a lot", LOT, body=RetractBody))
def retract(ref: str) -> dict[str, Any]:
    body = parse(RetractBody, json_body(bp.current_request))
    return lots.retract(principal(), ref, body.comment)


@bp.route("/articles/{ref}", methods=["GET"], doc=Doc("One article", ARTICLE))
def get_article(ref: str) -> dict[str, Any]:
    return lots.article_view(principal(), ref)


@bp.route("/articles/{ref}", methods=["PATCH"],
          doc=Doc("Correct an article (register fields need a `reason`)", ARTICLE, body=ArticleCorrectionBody))
def correct_article(ref: str) -> dict[str, Any]:
    body = parse(ArticleCorrectionBody, json_body(bp.current_request))
    changes = body.model_dump(exclude_unset=True, exclude={"reason"})
    return lots.correct_article(principal(), ref, changes, body.reason)
