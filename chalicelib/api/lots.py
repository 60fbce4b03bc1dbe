"""The purchase desk: draft lot, CSV injection, commit; lots, corrections, retraction."""

from __future__ import annotations

from typing import Any

from chalice import Response

from chalicelib.api.common import created, json_body, lazy_service, no_content, page, query_param
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
)
from chalicelib.auth import principal
from chalicelib.domain import csv_import
from chalicelib.domain.lots import DraftLine
from chalicelib.domain.text import is_whole_number
from chalicelib.domain.vat import DEFAULT_RATE, RATES
from chalicelib.errors import ValidationError
from chalicelib.observability import count
from chalicelib.services import lots

bp = ApiBlueprint(__name__)
transfers = lazy_service("transfers")

CSV_CONTENT_TYPES = ["text/csv", "text/plain", "application/octet-stream", "application/vnd.ms-excel"]


def _line(body: LineBody) -> DraftLine:
    fields = body.model_dump(exclude={"quantity"})
    return DraftLine(**fields)


def _line_number(n: str) -> int:
    if not is_whole_number(n) or len(n) > 6:
        raise ValidationError(details={"n": "Numéro de ligne attendu."})
    return int(n)


@bp.route("/lots/draft", methods=["GET"])
def get_draft() -> dict[str, Any]:
    return lots.draft_view(principal())


@bp.route("/lots/draft", methods=["PUT"])
def put_draft() -> dict[str, Any]:
    body = parse(DraftHeaderBody, json_body(bp.current_request))
    return lots.update_draft_header(principal(), body.model_dump(exclude_unset=True))


@bp.route("/lots/draft", methods=["DELETE"])
def delete_draft() -> Response:
    lots.clear_draft(principal())
    return no_content()


@bp.route("/lots/draft/lines", methods=["POST"])
def add_line() -> Response:
    body = parse(LineBody, json_body(bp.current_request))
    return created(lots.add_lines(principal(), _line(body), body.quantity))


@bp.route("/lots/draft/lines/{n}", methods=["PUT"])
def put_line(n: str) -> dict[str, Any]:
    body = parse(LineBody, json_body(bp.current_request))
    if body.quantity != 1:
        raise ValidationError(details={"quantity": "Une ligne modifiée reste une seule ligne."})
    return lots.replace_line(principal(), _line_number(n), _line(body))


@bp.route("/lots/draft/lines/{n}", methods=["DELETE"])
def delete_line(n: str) -> dict[str, Any]:
    return lots.remove_line(principal(), _line_number(n))


@bp.route("/lots/draft/import", methods=["POST"], content_types=CSV_CONTENT_TYPES)
def import_csv() -> dict[str, Any]:
    request = bp.current_request
    separator = query_param(request, "separator") or ";"
    if separator == "tab":
        separator = "\t"
    skip_raw = query_param(request, "skip") or "0"
    problems = {}
    if len(separator) != 1:
        problems["separator"] = "Un seul caractère (ou « tab »)."
    if not is_whole_number(skip_raw) or int(skip_raw) > 100:
        problems["skip"] = "Nombre de lignes d'en-tête à sauter : entier de 0 à 100."
    vat_rate = query_param(request, "vat_rate") or DEFAULT_RATE
    if vat_rate not in RATES:
        problems["vat_rate"] = "Taux de TVA inconnu."
    if problems:
        raise ValidationError(details=problems)
    return lots.import_csv(principal(), request.raw_body or b"", separator, int(skip_raw),
                           query_param(request, "family"), vat_rate)


@bp.route("/lots/draft/template.csv", methods=["GET"])
def csv_template() -> Response:
    principal()
    separator = query_param(bp.current_request, "separator") or ";"
    return Response(
        body=csv_import.template(separator if len(separator) == 1 else ";"),
        headers={"Content-Type": "text/csv; charset=utf-8",
                 "Content-Disposition": 'attachment; filename="lotbook-lot-modele.csv"'},
    )


@bp.route("/lots/draft/distribute-by-weight", methods=["POST"])
def distribute() -> dict[str, Any]:
    return lots.distribute_by_weight(principal())


@bp.route("/lots/draft/commit", methods=["POST"])
def commit() -> Response:
    body = parse(CommitBody, json_body(bp.current_request))
    result = lots.commit(principal(), body.mode)
    count("LotsCommitted")
    count("ArticlesCommitted", len(result["articles"]))
    return created(result)


# ---------------------------------------------------------------- lots from other subscribers


@bp.route("/lots/pending", methods=["GET"])
def list_pending() -> dict[str, Any]:
    return page(bp.current_request, transfers.list_pending(principal()), lambda p: p)


@bp.route("/lots/pending/{pending_id}", methods=["GET"])
def get_pending(pending_id: str) -> dict[str, Any]:
    return transfers.get_pending(principal(), pending_id)


@bp.route("/lots/pending/{pending_id}/finalize", methods=["POST"])
def finalize_pending(pending_id: str) -> Response:
    body = parse(FinalizePendingBody, json_body(bp.current_request))
    result = transfers.finalize(principal(), pending_id, body.families, body.family_id, body.payment_method)
    count("LotsCommitted")
    return created(result)


@bp.route("/lots/pending/{pending_id}", methods=["DELETE"])
def delete_pending(pending_id: str) -> Response:
    transfers.delete_pending(principal(), pending_id)
    return no_content()


def _filters(names: tuple[str, ...]) -> dict[str, str]:
    request = bp.current_request
    return {name: value for name in names if (value := query_param(request, name)) is not None}


@bp.route("/lots", methods=["GET"])
def list_lots() -> dict[str, Any]:
    found = lots.list_lots(principal(), _filters(lots.LOT_FILTERS))
    return page(bp.current_request, found, lambda lot: lot)


@bp.route("/lots/summary", methods=["GET"])
def lots_summary() -> dict[str, Any]:
    return lots.lots_summary(principal(), _filters(lots.LOT_FILTERS))


@bp.route("/lots/{ref}", methods=["GET"])
def get_lot(ref: str) -> dict[str, Any]:
    return lots.lot_view(principal(), ref)


@bp.route("/lots/{ref}", methods=["PATCH"])
def correct_lot(ref: str) -> dict[str, Any]:
    body = parse(LotCorrectionBody, json_body(bp.current_request))
    changes = body.model_dump(exclude_unset=True, exclude={"reason"})
    return lots.correct_lot(principal(), ref, changes, body.reason)


@bp.route("/lots/{ref}/retract", methods=["POST"])
def retract(ref: str) -> dict[str, Any]:
    body = parse(RetractBody, json_body(bp.current_request))
    return lots.retract(principal(), ref, body.comment)


@bp.route("/articles/{ref}", methods=["GET"])
def get_article(ref: str) -> dict[str, Any]:
    return lots.article_view(principal(), ref)


@bp.route("/articles/{ref}", methods=["PATCH"])
def correct_article(ref: str) -> dict[str, Any]:
    body = parse(ArticleCorrectionBody, json_body(bp.current_request))
    changes = body.model_dump(exclude_unset=True, exclude={"reason"})
    return lots.correct_article(principal(), ref, changes, body.reason)
