"""Reports and exports built from stored sales and articles."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from chalicelib.adapters.repositories import sales as sales_repo
from chalicelib.auth import Principal
from chalicelib.domain import training as training_rules
from chalicelib.domain.article import Article
from chalicelib.domain.csv_export import rows_to_csv
from chalicelib.domain.money import ZERO, fmt
from chalicelib.domain.visibility import columns_for, sale_for
from chalicelib.errors import ValidationError
from chalicelib.services.articles import view

ARTICLE_COLUMNS = ("ref", "lot_ref", "status", "description", "family_id", "weight_g", "fineness", "serial",
                   "condition", "vat_rate", "purchase_price", "reserve_price", "deposit_price", "label_price",
                   "sale_price", "supplier_id", "client_id", "transaction_ref", "invoice_number", "payment_method",
                   "purchase_date", "sale_date", "deposit_date", "comment")


def articles_csv(who: Principal, articles: list[Article], filters: dict[str, Any] | None = None) -> str:
    """UTF-8, a header line, ``|`` separated, no text delimiter (the back office only)."""
    who.require("export_and_report")
    shown = [view(who, a) for a in articles]
    columns = columns_for("article", ARTICLE_COLUMNS, who.may("see_purchase_data"))
    body = rows_to_csv(columns, shown)
    from chalicelib.services.exports import exported

    exported(who, "articles", len(shown), filters)
    return body


def sale_view(who: Principal, transaction_ref: str) -> dict[str, Any]:
    if training_rules.is_training_ref(transaction_ref):  # a training sale: its fictitious receipt
        from chalicelib.services import training

        shown = sale_for(training.sale(who, transaction_ref), who.may("see_purchase_data"))
        return {**shown, "training": True, "mention": training_rules.MENTION}
    return sale_for(sales_repo.get_sale(who.tenant_id, transaction_ref), who.may("see_purchase_data"))


def vat_returns(who: Principal, params: dict[str, str]) -> dict[str, Any]:
    """Customer returns per month with the VAT to recover (credit notes)."""
    who.require("see_purchase_data")
    date_from, date_to = params.get("from"), params.get("to")
    if any(v and len(v) != 10 for v in (date_from, date_to)):
        raise ValidationError(details={"from": "Date attendue au format AAAA-MM-JJ."})
    notes = [(day, s) for s in sales_repo.list_sales(who.tenant_id) if s.is_credit_note
             for day in [s.date.isoformat() if s.date else ""]
             if (not date_from or day >= date_from) and (not date_to or day <= date_to)]
    periods: dict[str, dict[str, Any]] = defaultdict(lambda: {"count": 0, "total": ZERO, "vat_to_recover": ZERO,
                                                              "credit_notes": []})
    for day, note in sorted(notes, key=lambda pair: str(pair[1].credit_note_number)):
        period = periods[day[:7]]
        period["count"] += 1
        period["total"] += note.total
        period["vat_to_recover"] += note.vat_to_recover or ZERO
        period["credit_notes"].append({
            "credit_note_number": note.credit_note_number, "date": day, "invoice_number": note.invoice_number,
            "original_transaction_ref": note.original_transaction_ref, "total": fmt(note.total),
            "vat_to_recover": fmt(note.vat_to_recover), "reason": note.reason})
    return {"periods": [{"period": key, "count": p["count"], "total": fmt(p["total"]),
                         "vat_to_recover": fmt(p["vat_to_recover"]), "credit_notes": p["credit_notes"]}
                        for key, p in sorted(periods.items())]}
