"""CSV exports of the lists and the JSON reports (API.md)."""

from __future__ import annotations

from typing import Any

from chalice import Response

from chalicelib.api.common import lazy_service, query_param
from chalicelib.api.routing import ApiBlueprint
from chalicelib.auth import principal
from chalicelib.services import lots

exports = lazy_service("exports")

bp = ApiBlueprint(__name__)


def _csv(body: str, name: str) -> Response:
    return Response(body=body, headers={"Content-Type": "text/csv; charset=utf-8",
                                        "Content-Disposition": f'attachment; filename="{name}"'})


def _params(*names: str) -> dict[str, str | None]:
    return {name: query_param(bp.current_request, name) for name in names}


@bp.route("/suppliers/export.csv", methods=["GET"])
def export_suppliers() -> Response:
    return _csv(exports.parties_csv(principal(), "supplier", query_param(bp.current_request, "q")), "fournisseurs.csv")


@bp.route("/clients/export.csv", methods=["GET"])
def export_clients() -> Response:
    return _csv(exports.parties_csv(principal(), "client", query_param(bp.current_request, "q")), "clients.csv")


@bp.route("/families/export.csv", methods=["GET"])
def export_families() -> Response:
    return _csv(exports.families_csv(principal(), query_param(bp.current_request, "q")), "familles.csv")


@bp.route("/lots/export.csv", methods=["GET"])
def export_lots() -> Response:
    filters = {k: v for k, v in _params(*lots.LOT_FILTERS).items() if v is not None}
    return _csv(exports.lots_csv(principal(), filters), "lots.csv")


@bp.route("/reports/lots-state", methods=["GET"])
def report_lots_state() -> dict[str, Any]:
    return exports.lots_state(principal(), _params("from", "to", "supplier_id"))


@bp.route("/reports/purchases-by-supplier", methods=["GET"])
def report_purchases_by_supplier() -> dict[str, Any]:
    return exports.purchases_by_supplier(principal(), _params("from", "to"))


@bp.route("/reports/sales-by-client", methods=["GET"])
def report_sales_by_client() -> dict[str, Any]:
    return exports.sales_by_client(principal(), _params("from", "to"))
