"""CSV exports of the lists and the JSON reports (API.md)."""

from __future__ import annotations

from typing import Any

from chalice import Response

from chalicelib.api.common import lazy_service
from chalicelib.api.doc import Doc, csv, ref
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.schemas import parse_query
from chalicelib.auth import principal

exports = lazy_service("exports")

bp = ApiBlueprint(__name__)


def _csv(body: str, name: str) -> Response:
    return Response(body=body, headers={"Content-Type": "text/csv; charset=utf-8",
                                        "Content-Disposition": f'attachment; filename="{name}"'})


def _q() -> str | None:
    return parse_query("TextQuery", bp.current_request).q


def _days(model: str = "DayRange") -> dict[str, str | None]:
    """``from``/``to`` checked here, handed to the service as the ISO days they are."""
    found = parse_query(model, bp.current_request).model_dump(by_alias=True)
    return {name: value.isoformat() if hasattr(value, "isoformat") else value for name, value in found.items()}


# Sellers' identities and ID documents, as the register records them: a read of the register.
@bp.route("/suppliers/export.csv", methods=["GET"], register_read="suppliers_csv",
          doc=csv("The suppliers as CSV", "TextQuery"))
def export_suppliers() -> Response:
    return _csv(exports.parties_csv(principal(), "supplier", _q()), "fournisseurs.csv")


@bp.route("/clients/export.csv", methods=["GET"], doc=csv("The clients as CSV", "TextQuery"))
def export_clients() -> Response:
    return _csv(exports.parties_csv(principal(), "client", _q()), "clients.csv")


@bp.route("/families/export.csv", methods=["GET"], doc=csv("The families as CSV", "TextQuery"))
def export_families() -> Response:
    return _csv(exports.families_csv(principal(), _q()), "familles.csv")


@bp.route("/lots/export.csv", methods=["GET"], register_read="lots_csv",
          doc=csv("The filtered lots as CSV", "LotFilters"))
def export_lots() -> Response:
    filters = parse_query("LotFilters", bp.current_request).model_dump(exclude_none=True)
    return _csv(exports.lots_csv(principal(), filters), "lots.csv")


@bp.route("/reports/lots-state", methods=["GET"], doc=Doc("State of the lots", ref("Report"), query="LotsStateQuery"))
def report_lots_state() -> dict[str, Any]:
    return exports.lots_state(principal(), _days("LotsStateQuery"))


@bp.route("/reports/purchases-by-supplier", methods=["GET"], register_read="purchases_by_supplier",
          doc=Doc("Purchases by supplier", ref("Report"), query="DayRange"))
def report_purchases_by_supplier() -> dict[str, Any]:
    return exports.purchases_by_supplier(principal(), _days())


@bp.route("/reports/sales-by-client", methods=["GET"], doc=Doc("Sales by client", ref("Report"), query="DayRange"))
def report_sales_by_client() -> dict[str, Any]:
    return exports.sales_by_client(principal(), _days())
