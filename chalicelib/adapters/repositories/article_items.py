"""An article record and its stored item: the one mapping every repository writing articles
shares (articles, the unit of work, jobs, pending writes, Σ), so none of them imports another for it."""

from __future__ import annotations

from typing import Any

from chalicelib.adapters.models import ArticleModel
from chalicelib.domain.sigma import slim as slim_copy

_DATA_EXCLUDED = ("ref", "lot_ref", "status")


def article_item(tenant_id: str, article: dict[str, Any]) -> ArticleModel:
    """The stored item of an article record, with every index key that applies."""

    def link(field: str) -> str | None:
        return f"{tenant_id}#{article[field]}" if article.get(field) else None

    def dated(field: str) -> str | None:
        return f"{article[field]}#{article['ref']}" if article.get(field) else None

    return ArticleModel(
        tenant_id, article["ref"], lot_ref=article["lot_ref"], status=article["status"],
        data={k: v for k, v in article.items() if k not in _DATA_EXCLUDED},
        tenant_status=f"{tenant_id}#{article['status']}",
        tenant_supplier=link("supplier_id"), tenant_client=link("client_id"), tenant_family=link("family_id"),
        tenant_transaction=link("transaction_ref"), tenant_invoice=link("invoice_number"),
        purchase_key=dated("purchase_date"), sale_key=dated("sale_date"), deposit_key=dated("deposit_date"),
        slim=slim_copy(article),
    )


def article_from_item(item: ArticleModel) -> dict[str, Any]:
    return {"ref": item.ref, "lot_ref": item.lot_ref, "status": item.status, **(item.data or {})}


def status_condition(expected: str | None) -> Any:
    """An article must still have the status it was read with; a new one must not exist."""
    return ArticleModel.ref.does_not_exist() if expected is None else ArticleModel.status == expected
