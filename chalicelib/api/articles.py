"""Articles: search, Σ summary, export, history; the selection; bulk actions; sales."""

from __future__ import annotations

from typing import Any

from chalice import Response

from chalicelib.api.common import json_body, lazy_service, no_content, page
from chalicelib.api.doc import STRING, Doc, csv, page_of, ref
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.schemas import ActionBody, ScanBody, SelectionBody, parse, parse_query
from chalicelib.auth import principal
from chalicelib.domain import search
from chalicelib.errors import ValidationError
from chalicelib.observability import count

bp = ApiBlueprint(__name__)
# Loaded with the first request that needs them, not at cold start.
articles, actions, media, reports = (lazy_service(name) for name in ("articles", "actions", "media", "reports"))


# The article filters are the domain's own (domain/search.parse_filters: unknown ones refused there).
FILTERS = {name: STRING for name in sorted(search.KNOWN_PARAMS - {"page", "page_size"})}
SELECTION = ref("Selection")


def ACTIONS() -> dict[str, Any]:  # noqa: N802 - read as the constant it documents
    """The bulk actions, read when the document is built (their rules load with the first action)."""
    from chalicelib.domain.actions import REQUIRED_PARAMS

    return {"action": {"type": "string", "enum": sorted(REQUIRED_PARAMS)}}


def _params() -> dict[str, str]:
    return {k: v for k, v in (bp.current_request.query_params or {}).items() if v not in (None, "")}


@bp.route("/articles", methods=["GET"], doc=Doc("Articles, filters AND-combined", page_of(ref("Article")),
                                                query="PageQuery", filters=FILTERS))
def list_articles() -> dict[str, Any]:
    who = principal()
    found = articles.find(who, articles.parse_filters(_params()))
    listed = page(bp.current_request, found, lambda a: articles.view(who, a))
    media.with_thumbnails(who, "article", listed["items"], "ref")  # each article's default image
    return listed


@bp.route("/articles/summary", methods=["GET"],
          doc=Doc("The Σ summary of the same filters", ref("Summary"), filters=FILTERS))
def articles_summary() -> dict[str, Any]:
    who = principal()
    filters = {k: v for k, v in _params().items() if k not in ("page", "page_size")}
    return articles.summary(who, articles.parse_filters(filters))


@bp.route("/articles/export.csv", methods=["GET"],
          doc=csv("The filtered articles as CSV (`|`-separated)", filters=FILTERS))
def export_articles() -> Response:
    who = principal()
    filters = {k: v for k, v in _params().items() if k not in ("page", "page_size")}
    found = articles.find(who, articles.parse_filters(filters))
    return Response(body=reports.articles_csv(who, found, filters),
                    headers={"Content-Type": "text/csv; charset=utf-8",
                             "Content-Disposition": 'attachment; filename="articles.csv"'})


@bp.route("/articles/{ref}/history", methods=["GET"],
          doc=Doc("Every event of an article, oldest first", ref("History")))
def article_history(ref: str) -> dict[str, Any]:
    return {"ref": ref, "events": articles.history(principal(), ref)}


@bp.route("/selection", methods=["GET"], doc=Doc("The caller's selection", SELECTION))
def get_selection() -> dict[str, Any]:
    return articles.selection_view(principal())


@bp.route("/selection", methods=["DELETE"], doc=Doc("Empty the selection", None, 204))
def reset_selection() -> Response:
    articles.reset_selection(principal())
    return no_content()


def _selection_body() -> SelectionBody:
    body = parse(SelectionBody, json_body(bp.current_request))
    if (body.refs is None) == (body.filter is None):
        raise ValidationError(details={"refs": "Donnez soit « refs », soit « filter »."})
    return body


@bp.route("/selection/add", methods=["POST"],
          doc=Doc("Select refs, or every result of a filter", SELECTION, body=SelectionBody))
def add_to_selection() -> dict[str, Any]:
    body = _selection_body()
    return articles.select(principal(), body.refs, body.filter)


@bp.route("/selection/remove", methods=["POST"],
          doc=Doc("Deselect refs, or every result of a filter", SELECTION, body=SelectionBody))
def remove_from_selection() -> dict[str, Any]:
    body = _selection_body()
    return articles.deselect(principal(), body.refs, body.filter)


@bp.route("/selection/scan", methods=["POST"],
          doc=Doc("Find one article by reference and select it", ref("Scan"), body=ScanBody))
def scan() -> dict[str, Any]:
    body = parse(ScanBody, json_body(bp.current_request))
    return articles.scan(principal(), body.ref)


@bp.route("/actions/{action}", methods=["POST"], doc=Doc(
    "A bulk action on `refs` (default: the selection)", ref("ActionResult"), body=ActionBody,
    path=ACTIONS,
    description="Parameters per action: API.md \"Action parameters\". Accepts an `Idempotency-Key` header."))
def run_action(action: str) -> dict[str, Any]:
    who = principal()
    actions.allowed(who, action)
    body = parse(ActionBody, json_body(bp.current_request))
    params = body.model_dump(exclude={"refs"}, exclude_none=True)
    from chalicelib.domain.actions import REQUIRED_PARAMS  # lazy: loaded by the action's service anyway

    missing = sorted(REQUIRED_PARAMS[action] - set(params))
    if missing:
        raise ValidationError(details={name: "Obligatoire pour cette action." for name in missing})
    key = bp.current_request.headers.get("idempotency-key")
    result = actions.run(who, action, body.refs, params, key, remaining_ms=_remaining_ms())
    count(f"Action_{action}")
    return result


def _remaining_ms() -> int | None:
    """What the Lambda has left for this request (None where no context is registered)."""
    try:
        context = bp.lambda_context
        return int(context.get_remaining_time_in_millis()) if context is not None else None
    except (RuntimeError, AttributeError, TypeError, ValueError):
        return None


@bp.route("/sales/{transaction_ref}", methods=["GET"], doc=Doc("One sale", ref("Sale")))
def get_sale(transaction_ref: str) -> dict[str, Any]:
    return reports.sale_view(principal(), transaction_ref)


@bp.route("/reports/vat-returns", methods=["GET"],
          doc=Doc("VAT to recover on credit notes, by month", ref("Report"), query="DayRange"))
def vat_returns() -> dict[str, Any]:
    days = parse_query("DayRange", bp.current_request)
    return reports.vat_returns(principal(), {name: day.isoformat() for name, day in
                                             (("from", days.day_from), ("to", days.day_to)) if day is not None})
