"""CSV exports of the lists (suppliers, clients, families, lots) and the JSON reports
(lot state, purchases by supplier, sales by client). Shop never sees purchase data."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from chalicelib.adapters.repositories import articles as articles_repo
from chalicelib.auth import Principal
from chalicelib.domain.csv_export import rows_to_csv
from chalicelib.domain.money import ZERO, fmt
from chalicelib.domain.parties import PARTY_FIELDS, display_name
from chalicelib.domain.visibility import columns_for
from chalicelib.errors import ValidationError
from chalicelib.services import audit, catalog, lots

LOT_COLUMNS = ("ref", "kind", "purchase_date", "supplier_id", "supplier_name", "condition", "payment_method",
               "purchase_price", "tmp", "price_incl_tmp", "tmp_due", "article_count", "comment")


def exported(who: Principal, name: str, rows: int, filters: dict[str, Any] | None = None) -> None:
    """Every CSV export is an event of the log: what, how many rows, with which filters."""
    audit.record_event(who.tenant_id, "export", user=who.email, details={
        "export": name, "rows": rows, "filters": {k: v for k, v in (filters or {}).items() if v not in (None, "")}})


def parties_csv(who: Principal, kind: str, query: str | None) -> str:
    who.require("export_and_report")
    rows = [{"id": p.id, **p.fields} for p in catalog.list_parties(who, kind, query)]
    body = rows_to_csv(("id", *PARTY_FIELDS), rows)
    exported(who, "suppliers" if kind == "supplier" else "clients", len(rows), {"q": query})
    return body


def families_csv(who: Principal, query: str | None) -> str:
    who.require("export_and_report")
    rows = [f.to_json() for f in catalog.list_families(who, query)]
    body = rows_to_csv(("id", "label", "metal_2093"), rows)
    exported(who, "families", len(rows), {"q": query})
    return body


def lots_csv(who: Principal, filters: dict[str, str]) -> str:
    who.require("export_and_report")
    names = _supplier_names(who)
    rows = [{**lot, "supplier_name": names.get(lot.get("supplier_id") or "", ""),
             "article_count": lot.get("article_count")}
            for lot in lots.list_lots(who, filters)]
    columns = columns_for("lot", LOT_COLUMNS, who.may("see_purchase_data"))
    body = rows_to_csv(columns, rows)
    exported(who, "lots", len(rows), filters)
    return body


def _supplier_names(who: Principal) -> dict[str, str]:
    return {p.id: display_name(p.fields) for p in catalog.list_parties(who, "supplier")}


def _dates(params: dict[str, str | None]) -> tuple[str | None, str | None]:
    found = []
    for name in ("from", "to"):
        value = params.get(name)
        if value:
            try:
                value = date.fromisoformat(value).isoformat()
            except ValueError:
                raise ValidationError(details={name: "Date attendue au format AAAA-MM-JJ."}) from None
        found.append(value)
    return found[0], found[1]


def lots_state(who: Principal, params: dict[str, str | None]) -> dict[str, Any]:
    """Per lot: articles by status (and, for the back office, purchase and sale totals)."""
    who.require("export_and_report")
    date_from, date_to = _dates(params)
    filters = {k: v for k, v in (("purchase_from", date_from), ("purchase_to", date_to),
                                 ("supplier_id", params.get("supplier_id"))) if v}
    sees = who.may("see_purchase_data")
    found = {lot["ref"]: lot for lot in lots.list_lots(who, filters)}
    per_lot: dict[str, dict[str, Any]] = {ref: {"statuses": defaultdict(int), "purchase": ZERO, "sale": ZERO}
                                          for ref in found}
    for article in articles_repo.all_articles(who.tenant_id):
        state = per_lot.get(article.lot_ref)
        if state is not None:
            state["statuses"][article.status] += 1
            state["purchase"] += article.purchase_price or ZERO
            state["sale"] += article.sale_price or ZERO
    items = []
    for ref, lot in found.items():
        state = per_lot[ref]
        item = {"ref": ref, "purchase_date": lot.get("purchase_date"), "supplier_id": lot.get("supplier_id"),
                "kind": lot.get("kind"), "articles": sum(state["statuses"].values()),
                "by_status": dict(sorted(state["statuses"].items())), "sale_total": fmt(state["sale"])}
        if sees:
            item["purchase_total"] = fmt(state["purchase"])
        items.append(item)
    return {"items": items, "total": len(items)}


def purchases_by_supplier(who: Principal, params: dict[str, str | None]) -> dict[str, Any]:
    who.require("see_purchase_data")
    date_from, date_to = _dates(params)
    names = _supplier_names(who)
    totals: dict[str, dict[str, Any]] = {}
    for article in articles_repo.by_date(who.tenant_id, "by_purchase_date", date_from, date_to):
        supplier = article.supplier_id
        if not supplier or article.status == "retracted":
            continue
        row = totals.setdefault(supplier, {"supplier_id": supplier, "name": names.get(supplier, ""),
                                           "articles": 0, "total": ZERO})
        row["articles"] += 1
        row["total"] += article.purchase_price or ZERO
    items = sorted(totals.values(), key=lambda r: r["name"])
    return {"items": [{**r, "total": fmt(r["total"])} for r in items],
            "total": fmt(sum((r["total"] for r in items), ZERO))}


def sales_by_client(who: Principal, params: dict[str, str | None]) -> dict[str, Any]:
    who.require("export_and_report")
    date_from, date_to = _dates(params)
    names = {p.id: display_name(p.fields) for p in catalog.list_parties(who, "client")}
    totals: dict[str, dict[str, Any]] = {}
    for article in articles_repo.by_date(who.tenant_id, "by_sale_date", date_from, date_to):
        if article.status not in ("sold", "sold_for_melt"):
            continue
        client = article.client_id or ""
        row = totals.setdefault(client, {"client_id": client or None, "name": names.get(client, "Client de passage"),
                                         "articles": 0, "total": ZERO})
        row["articles"] += 1
        row["total"] += article.sale_price or ZERO
    items = sorted(totals.values(), key=lambda r: r["name"])
    return {"items": [{**r, "total": fmt(r["total"])} for r in items],
            "total": fmt(sum((r["total"] for r in items), ZERO))}
