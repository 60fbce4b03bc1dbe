"""What a profile without ``see_purchase_data`` (the ``shop``) receives: an allow-list
per resource (DOMAIN.md "Tenants, users, profiles").

Purchase prices, reserve prices (what a consignor gets: a cost for the shop), margins,
price codes and the TMP figures are removed from the data itself, not hidden by the
site. Every response, CSV and printed list about existing lots, articles and sales goes
through these functions, and a field is shown to the shop only when it is named here:
a field added tomorrow stays hidden from the till until someone decides otherwise.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from chalicelib.domain.article import Article
from chalicelib.domain.money import fmt
from chalicelib.domain.sale import Sale
from chalicelib.domain.vat import DEFAULT_RATE, NEGATIVE_MARGIN, is_margin_scheme

# ---------------------------------------------------------------- what the shop sees

ARTICLE_FIELDS = frozenset({
    "ref", "lot_ref", "status", "description", "family_id", "weight_g", "fineness", "serial", "comment",
    "condition", "vat_rate", "label_price", "deposit_price", "sale_price", "supplier_id", "client_id",
    "transaction_ref", "invoice_number", "payment_method", "purchase_date", "sale_date", "deposit_date",
    "former_refs", "replaced_by", "traces", "thumbnail_url",
})
LOT_FIELDS = frozenset({
    "ref", "kind", "status", "supplier_id", "supplier", "purchase_date", "tmp", "payment_method", "condition",
    "comment", "article_count", "committed_at", "committed_by", "register_version", "bought_from_consignment",
    "traces", "articles", "supplier_name",
})
TRACE_FIELDS = frozenset({"at", "user", "field", "old", "new", "reason"})
EVENT_FIELDS = frozenset({"at", "user", "event", "date", "details"})
# The details each event of an article's history may show; an event not named here
# shows none ("reserve_price" shows none: its old and new values are costs).
_SIMPLE = frozenset({"reason", "client_id"})
EVENT_DETAILS: dict[str, frozenset[str]] = {
    "lot_committed": frozenset({"lot_ref", "kind"}),
    "correction": TRACE_FIELDS,  # corrections of visible fields only (see trace_visible)
    "sell": frozenset({"transaction_ref", "price", "invoice_number"}),  # the sale price
    "melt_sell": frozenset({"price"}),  # the refiner's price: a sale price
    "deposit": frozenset({"client_id", "deposit_price"}),
    "deposit_update": frozenset({"client_id", "deposit_price"}),
    "customer_return": frozenset({"reason", "transaction_ref", "invoice_number"}),
    "buy_consigned": frozenset({"former_ref", "new_ref"}),
    "deposit_return": _SIMPLE,
    "return_to_owner": _SIMPLE,
    "declare_lost": _SIMPLE,
    "melt_deposit": _SIMPLE,
    "melt_return": _SIMPLE,
}
SALE_FIELDS = frozenset({
    "kind", "transaction_ref", "date", "at", "client_id", "payment_method", "payments", "lines", "vat", "total",
    "invoice_number", "register", "receipt_number", "seller", "receipt", "credit_note_number",
    "original_transaction_ref", "reason", "vat_to_recover", "running_totals",
})
SALE_LINE_FIELDS = frozenset({
    "ref", "label", "quantity", "unit_price", "total", "total_excl_vat", "vat_rate", "vat_rate_percent", "vat",
    "condition", "notes", "margin_category",
})
# The company card and settings: who it is, how it invoices and prints; not the purchase-price
# cipher, nor any setting added later (consignment commission, rates...) until named here.
COMPANY_FIELDS = frozenset({
    "company_name", "legal_form", "siren", "siret", "vat_number", "rcs", "ape_code", "address_complement",
    "street_number", "street_index", "street_type", "street_name", "postcode", "city", "city_insee", "country",
    "phone", "email", "contact_name", "creation_year", "invoicing", "invoice_legal_comment",
    "contract_legal_comment", "label_options", "receipt_options", "strict_police_register", "subscriber_ref",
    "max_users",
})
# Which allow-list governs the columns of each printed or exported list.
RESOURCES: dict[str, frozenset[str]] = {"article": ARTICLE_FIELDS, "lot": LOT_FIELDS}


def _only(record: dict[str, Any], allowed: frozenset[str]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k in allowed}


def trace_visible(trace: dict[str, Any], allowed: frozenset[str]) -> bool:
    """A trace of a field the shop may not see would show its old and new values."""
    return trace.get("field") in allowed


def traces_for(traces: list[dict[str, Any]], allowed: frozenset[str]) -> list[dict[str, Any]]:
    return [_only(t, TRACE_FIELDS) for t in traces if isinstance(t, dict) and trace_visible(t, allowed)]


def columns_for(resource: str, columns: list[str] | tuple[str, ...], sees_purchase_data: bool) -> list[str]:
    """The columns of a CSV or printed list the caller may receive."""
    if sees_purchase_data:
        return list(columns)
    return [c for c in columns if c in RESOURCES[resource]]


def sortable(resource: str, field: str, sees_purchase_data: bool) -> bool:
    """Sorting by a hidden field would leak it by the order of the answer."""
    return sees_purchase_data or field in RESOURCES[resource]


# ---------------------------------------------------------------- per resource


def filterable(given: Article | dict[str, Any], sees_purchase_data: bool) -> dict[str, Any]:
    """The article as the caller's filters may test it (its stored form, as the filters of
    chalicelib/domain/search.py read it): "has traces" must not tell the shop that a field
    it may not see was corrected."""
    article = given.to_record() if isinstance(given, Article) else given
    if sees_purchase_data:
        return article
    return {**_rate_for_shop(article), "traces": traces_for(article.get("traces") or [], ARTICLE_FIELDS)}


def article_for(given: Article | dict[str, Any], sees_purchase_data: bool) -> dict[str, Any]:
    """The article as the caller may receive it (its stored form, less what it may not see)."""
    article = given.to_record() if isinstance(given, Article) else given
    if sees_purchase_data:
        return article
    shown = _only(_rate_for_shop(article), ARTICLE_FIELDS)
    shown["traces"] = traces_for(article.get("traces") or [], ARTICLE_FIELDS)
    return shown


def lot_for(lot: dict[str, Any], sees_purchase_data: bool) -> dict[str, Any]:
    if sees_purchase_data:
        shown = dict(lot)
    else:
        shown = _only(lot, LOT_FIELDS)
        shown["traces"] = traces_for(lot.get("traces") or [], LOT_FIELDS)
    if "articles" in lot:
        shown["articles"] = [article_for(a, sees_purchase_data) for a in lot["articles"]]
    return shown


def company_for(settings: dict[str, Any], sees_purchase_data: bool) -> dict[str, Any]:
    return settings if sees_purchase_data else _only(settings, COMPANY_FIELDS)


def event_for(event: dict[str, Any], sees_purchase_data: bool) -> dict[str, Any] | None:
    """One event of an article's history; None when the shop may not see it at all."""
    if sees_purchase_data:
        return event
    if event.get("event") == "correction" and not trace_visible(event.get("details") or {}, ARTICLE_FIELDS):
        return None
    shown = _only(event, EVENT_FIELDS)
    allowed = EVENT_DETAILS.get(str(event.get("event")), frozenset())
    details = {k: v for k, v in (event.get("details") or {}).items() if k in allowed}
    if details:
        shown["details"] = details
    else:
        shown.pop("details", None)
    return shown


# On a margin-scheme line (used goods) the VAT is margin × rate / (1 + rate): with the
# excl.-VAT figure it gives the margin away, so the shop gets neither (art. 297 E CGI
# keeps them from the buyer for the same reason).
MARGIN_REVEALING = frozenset({"vat", "total_excl_vat"})
# A margin-scheme line's rate: "zero_negative_margin" would tell the shop the article sold at a loss.
MARGIN_RATE = frozenset({"vat_rate", "vat_rate_percent"})


def _rate_for_shop(article: dict[str, Any]) -> dict[str, Any]:
    """A used article sold at a loss shows the rate it was sold under, not the loss's."""
    if article.get("vat_rate") == NEGATIVE_MARGIN:
        return {**article, "vat_rate": article.get("vat_rate_before_sale") or DEFAULT_RATE}
    return article


def _sale_lines(lines: Any, used: set[str]) -> list[dict[str, Any]]:
    shown = []
    for line in lines if isinstance(lines, list) else []:
        if isinstance(line, dict):
            kept = _only(line, SALE_LINE_FIELDS)
            if line.get("ref") in used:
                kept = {k: v for k, v in kept.items() if k not in MARGIN_REVEALING}
                if is_margin_scheme("used", str(line.get("vat_rate") or "")):
                    kept = {k: v for k, v in kept.items() if k not in MARGIN_RATE}
            shown.append(kept)
    return shown


def _vat_without_margins(lines: list[dict[str, Any]], used: set[str]) -> dict[str, dict[str, str]]:
    """The VAT breakdown of the lines that are not margin-scheme lines."""
    sums: dict[str, dict[str, Decimal]] = {}
    for line in lines:
        if line.get("ref") in used or not line.get("vat_rate"):
            continue
        entry = sums.setdefault(str(line["vat_rate"]), {"base": Decimal(0), "vat": Decimal(0)})
        entry["base"] += Decimal(str(line.get("total_excl_vat") or 0))
        entry["vat"] += Decimal(str(line.get("vat") or 0))
    return {rate: {"base": fmt(v["base"]) or "0.00", "vat": fmt(v["vat"]) or "0.00"} for rate, v in sums.items()}


def sale_for(given: Sale | dict[str, Any], sees_purchase_data: bool) -> dict[str, Any]:
    """The sale or credit note as the caller may receive it (a training sale's view is a dict)."""
    sale = given.to_record() if isinstance(given, Sale) else given
    if sees_purchase_data:
        return sale
    lines = [line for line in sale.get("lines") or [] if isinstance(line, dict)]
    used = {str(line.get("ref")) for line in lines if (line.get("condition") or "used") == "used"}
    shown = _only(sale, SALE_FIELDS)
    shown["lines"] = _sale_lines(lines, used)
    if "vat" in shown:
        shown["vat"] = _vat_without_margins(lines, used)
    if "vat_to_recover" in shown:  # a credit note's VAT: only what new goods' lines give back
        shown["vat_to_recover"] = fmt(sum((Decimal(str(line.get("vat") or 0)) for line in lines
                                           if str(line.get("ref")) not in used), Decimal(0))) or "0.00"
    if isinstance(shown.get("receipt"), dict):
        receipt = dict(shown["receipt"])
        receipt_lines = [line for line in receipt.get("lines") or [] if isinstance(line, dict)]
        receipt["lines"] = _sale_lines(receipt_lines, used)
        if "vat" in receipt:
            receipt["vat"] = _vat_without_margins(receipt_lines, used)
        shown["receipt"] = receipt
    return shown
