"""Articles: reading them (one, many, along each access path) and writing them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from pynamodb.exceptions import DoesNotExist

from chalicelib.adapters.aws import ensure_models_bound
from chalicelib.adapters.models import ArticleModel
from chalicelib.adapters.repositories.article_items import article_from_item
from chalicelib.domain.article import Article
from chalicelib.domain.sigma import from_slim as slim_fields
from chalicelib.errors import NotFoundError


def get_article(tenant_id: str, ref: str) -> Article:
    ensure_models_bound()
    try:
        return article_from_item(ArticleModel.get(tenant_id, ref, consistent_read=True))
    except DoesNotExist:
        raise NotFoundError(f"Article {ref} introuvable.") from None


def get_articles(tenant_id: str, refs: Iterable[str]) -> dict[str, Article]:
    """Many articles by reference (BatchGetItem, 100 a request); unknown refs are absent."""
    ensure_models_bound()
    keys = [(tenant_id, ref) for ref in dict.fromkeys(refs)]
    return {item.ref: article_from_item(item) for item in ArticleModel.batch_get(keys, consistent_read=True)}


# ---------------------------------------------------------------- access paths


def all_articles(tenant_id: str) -> Iterator[Article]:
    ensure_models_bound()
    return (article_from_item(i) for i in ArticleModel.query(tenant_id))


def by_index(index: str, key: str) -> Iterator[Article]:
    """Every article under one hash key of a sparse index (``<tenant>#<value>``)."""
    ensure_models_bound()
    return (article_from_item(i) for i in getattr(ArticleModel, index).query(key))


def refs_by_index(index: str, key: str, limit: int | None = None) -> Iterator[str]:
    """The references under one hash key of a sparse index, keys only: no article is read whole."""
    ensure_models_bound()
    return (i.ref for i in getattr(ArticleModel, index).query(key, attributes_to_get=["ref"], limit=limit))


# What the slim copies path reads: keys, status, the slim copy and the index keys (which
# hold the supplier, client, family, transaction, invoice and dates).
_LINKS = {"tenant_supplier": "supplier_id", "tenant_client": "client_id", "tenant_family": "family_id",
          "tenant_transaction": "transaction_ref", "tenant_invoice": "invoice_number"}
_DATES = {"purchase_key": "purchase_date", "sale_key": "sale_date", "deposit_key": "deposit_date"}
_SLIM_ATTRIBUTES = ["ref", "lot_ref", "status", "slim", *_LINKS, *_DATES]


def _from_slim_item(tenant_id: str, item: ArticleModel) -> dict[str, Any]:
    article = {"ref": item.ref, "lot_ref": item.lot_ref, "status": item.status, **slim_fields(item.slim)}
    for attribute, field in _LINKS.items():
        value = getattr(item, attribute)
        if value:
            article[field] = value[len(tenant_id) + 1:]
    for attribute, field in _DATES.items():
        value = getattr(item, attribute)
        if value:
            article[field] = value.split("#", 1)[0]
    return article


def slim_articles(tenant_id: str, index: str | None = None, key: str | None = None,
                  dates: tuple[str | None, str | None] | None = None) -> Iterator[dict[str, Any]]:
    """The slim copies (chalicelib/domain/sigma.py SLIM_FIELDS, plus what the index keys hold)
    along one access path: the table (``index`` None), a sparse index under ``key``, or a date
    index within ``dates``.

    About 200 bytes an article instead of its whole record; one stored before the slim
    copies existed is read whole instead (and yielded as its stored record: plain dicts
    here, whatever the path).
    """
    ensure_models_bound()
    if index is None:
        items = ArticleModel.query(tenant_id, attributes_to_get=_SLIM_ATTRIBUTES)
    elif dates is not None:
        low, high = (dates[0] or "0000-00-00"), (dates[1] or "9999-99-99") + "#~"
        attribute = getattr(ArticleModel, {"by_purchase_date": "purchase_key", "by_sale_date": "sale_key",
                                           "by_deposit_date": "deposit_key"}[index])
        items = getattr(ArticleModel, index).query(tenant_id, attribute.between(low, high),
                                                   attributes_to_get=_SLIM_ATTRIBUTES)
    else:
        items = getattr(ArticleModel, index).query(key, attributes_to_get=_SLIM_ATTRIBUTES)
    whole: list[str] = []
    for item in items:
        if item.slim is None:
            whole.append(item.ref)
        else:
            yield _from_slim_item(tenant_id, item)
    if whole:
        yield from (a.to_record() for a in get_articles(tenant_id, whole).values())


def by_date(tenant_id: str, index: str, date_from: str | None, date_to: str | None) -> Iterator[Article]:
    """Articles whose date (purchase, sale, deposit) falls in the range, from its index."""
    ensure_models_bound()
    attribute = getattr(ArticleModel, {"by_purchase_date": "purchase_key", "by_sale_date": "sale_key",
                                       "by_deposit_date": "deposit_key"}[index])
    low, high = (date_from or "0000-00-00"), (date_to or "9999-99-99") + "#~"
    condition = attribute.between(low, high)
    return (article_from_item(i) for i in getattr(ArticleModel, index).query(tenant_id, condition))


def lot_articles(tenant_id: str, lot_ref: str) -> list[Article]:
    """Article refs are the lot ref plus three digits: one range query."""
    ensure_models_bound()
    items = ArticleModel.query(tenant_id, ArticleModel.ref.startswith(lot_ref), consistent_read=True)
    return [article_from_item(i) for i in items if len(i.ref) == len(lot_ref) + 3]


# ---------------------------------------------------------------- writes
# (an article changed or created with a use case: chalicelib/adapters/unit_of_work.py)


def delete_articles(tenant_id: str, refs: list[str]) -> None:
    ensure_models_bound()
    with ArticleModel.batch_write() as batch:
        for ref in refs:
            batch.delete(ArticleModel(tenant_id, ref))
