"""An article record and its stored item: the one mapping every repository writing articles
shares (articles, the unit of work, jobs, pending writes, Σ), so none of them imports another for it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.adapters.models import ArticleModel
from chalicelib.adapters.repositories._common import readable
from chalicelib.domain.article import Article
from chalicelib.domain.sigma import slim as slim_copy

_DATA_EXCLUDED = ("ref", "lot_ref", "status")


def article_item(tenant_id: str, given: Article | Mapping[str, Any]) -> ArticleModel:
    """The stored item of an article (or of a stored record kept as read, e.g. a backup's,
    whose ``data`` must stay byte for byte what it was), with every index key that applies."""
    article = given.to_record() if isinstance(given, Article) else given

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


def article_record(item: ArticleModel) -> dict[str, Any]:
    """The stored record as it is (backups, and the checks that it is unchanged since)."""
    return {"ref": item.ref, "lot_ref": item.lot_ref, "status": item.status, **(item.data or {})}


def article_from_item(item: ArticleModel) -> Article:
    return readable("article", item.ref, lambda: Article.from_record(article_record(item)))


def status_condition(expected: str | None) -> Any:
    """An article must still have the status it was read with; a new one must not exist."""
    return ArticleModel.ref.does_not_exist() if expected is None else ArticleModel.status == expected
