"""The Σ aggregates (chalicelib/domain/sigma.py): one ``counters`` item per bucket.

Key ``sigma#<month>#<status>`` (``sigma#2026-11#sold``); each figure is a top-level
number attribute (``count``, ``purchase``, ``base_normal``, ``collected_normal``...),
moved by ADD inside the very transaction that writes the articles: the last one of
an action, which is all or nothing, so a write that dies or is rolled back never
moved them. ``sigma-ready`` says the tenant's buckets are complete (written with
the tenant; a tenant from before the buckets gets them from :func:`rebuild`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.operand import Path, Value
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.aws import dynamodb_client, ensure_models_bound
from chalicelib.adapters.models import ArticleModel, CounterModel
from chalicelib.adapters.repositories._common import TRANSACTION_ITEMS, cancellation_codes, chunks, connection
from chalicelib.domain import sigma
from chalicelib.domain.sigma import Figures

KEY_PREFIX = "sigma#"
READY_KEY = "sigma-ready"
# Articles per transaction of a closure's deletions: each may touch one more bucket.
DELETE_CHUNK = TRANSACTION_ITEMS // 2
ATTEMPTS = 5


def add_to(tx: TransactWrite, tenant_id: str, deltas: Mapping[str, Figures]) -> None:
    """The buckets' changes, as ADD updates in ``tx`` (one item per bucket touched)."""
    for bucket, figures in deltas.items():
        actions = [Path([name]).add(Value({"N": str(amount)})) for name, amount in sorted(figures.items())]
        tx.update(CounterModel(tenant_id, KEY_PREFIX + bucket), actions=actions)


def ready_item(tenant_id: str) -> CounterModel:
    """Written with a new tenant: its buckets are complete from its first article."""
    return CounterModel(tenant_id, READY_KEY, value=1)


def is_ready(tenant_id: str) -> bool:
    ensure_models_bound()
    return any(CounterModel.query(tenant_id, CounterModel.key == READY_KEY, consistent_read=True))


def buckets(tenant_id: str, first_month: str | None = None, last_month: str | None = None) -> dict[str, Figures]:
    """The tenant's buckets (within these months of sale, if given): one small Query."""
    ensure_models_bound()
    request: dict[str, Any] = {"TableName": CounterModel.Meta.table_name, "ConsistentRead": True,
                               "ExpressionAttributeNames": {"#t": "tenant_id", "#k": "key"}}
    if first_month or last_month:
        request["KeyConditionExpression"] = "#t = :t AND #k BETWEEN :low AND :high"
        request["ExpressionAttributeValues"] = {
            ":t": {"S": tenant_id}, ":low": {"S": f"{KEY_PREFIX}{first_month or '0000-00'}"},
            ":high": {"S": f"{KEY_PREFIX}{last_month or '9999-99'}#~"}}
    else:
        request["KeyConditionExpression"] = "#t = :t AND begins_with(#k, :prefix)"
        request["ExpressionAttributeValues"] = {":t": {"S": tenant_id}, ":prefix": {"S": KEY_PREFIX}}
    out: dict[str, Figures] = {}
    while True:
        # the figures are attributes no model declares: the client's own answer, read as Decimals
        page = dynamodb_client().query(**request)
        for item in page.get("Items", []):
            figures = {name: Decimal(value["N"]) for name, value in item.items() if "N" in value}
            out[item["key"]["S"][len(KEY_PREFIX):]] = figures
        if not page.get("LastEvaluatedKey"):
            return out
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def rebuild(tenant_id: str, articles: Iterable[Mapping[str, Any]]) -> None:
    """The buckets recomputed from these articles (all of the tenant's), then ``sigma-ready``.

    For a tenant nobody writes to meanwhile (a restore, a migration): an action
    committing between the read of its articles and this write would be lost.
    """
    ensure_models_bound()
    fresh = sigma.deltas((None, a) for a in articles)
    stale = [key for key in buckets(tenant_id) if key not in fresh]
    with CounterModel.batch_write() as batch:
        for key in [*stale, *fresh]:
            batch.delete(CounterModel(tenant_id, KEY_PREFIX + key))
    items = list(fresh.items())
    for chunk in chunks(items):
        with TransactWrite(connection=connection()) as tx:
            add_to(tx, tenant_id, dict(chunk))
    ready_item(tenant_id).save()


# ---------------------------------------------------------------- closures


def delete_counted(tenant_id: str, refs: list[str]) -> int:
    """Delete these articles (a closure's), taking each out of its bucket in the same transaction.

    Each article is deleted on condition that it is still as read; one that changed
    meanwhile is read again. Returns how many were deleted (already gone: not counted).
    """
    from chalicelib.adapters.repositories.articles import article_from_item

    ensure_models_bound()
    deleted = 0
    for chunk in chunks(list(dict.fromkeys(refs)), DELETE_CHUNK):
        for attempt in range(ATTEMPTS):
            items = list(ArticleModel.batch_get([(tenant_id, ref) for ref in chunk], consistent_read=True))
            if not items:
                break
            try:
                with TransactWrite(connection=connection()) as tx:
                    for item in items:
                        tx.delete(ArticleModel(tenant_id, item.ref),
                                  condition=(ArticleModel.status == item.status) & (ArticleModel.data == item.data))
                    add_to(tx, tenant_id, sigma.deltas((article_from_item(i), None) for i in items))
                deleted += len(items)
                break
            except TransactWriteError as exc:
                if "ConditionalCheckFailed" not in cancellation_codes(exc) or attempt == ATTEMPTS - 1:
                    raise
    return deleted


def put_back_counted(tenant_id: str, articles: list[dict[str, Any]]) -> int:
    """Put back those of these articles that are gone (a failed closure's), into their buckets too."""
    from chalicelib.adapters.repositories.articles import article_item

    ensure_models_bound()
    restored = 0
    for chunk in chunks(articles, DELETE_CHUNK):
        present = {i.ref for i in ArticleModel.batch_get([(tenant_id, a["ref"]) for a in chunk],
                                                          consistent_read=True, attributes_to_get=["ref"])}
        gone = [a for a in chunk if a["ref"] not in present]
        if not gone:
            continue
        with TransactWrite(connection=connection()) as tx:
            for article in gone:
                tx.save(article_item(tenant_id, article), condition=ArticleModel.ref.does_not_exist())
            add_to(tx, tenant_id, sigma.deltas((None, a) for a in gone))
        restored += len(gone)
    return restored
