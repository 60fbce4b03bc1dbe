"""The Σ aggregates (chalicelib/domain/sigma.py): one ``counters`` item per bucket.

Key ``sigma#<month>#<status>`` (``sigma#2026-11#sold``); each figure is a top-level
number attribute (``count``, ``purchase``, ``base_normal``, ``collected_normal``...),
moved by ADD inside the very transaction that writes the articles: the last one of
an action, which is all or nothing, so a write that dies or is rolled back never
moved them. A closure's deletions are the exception: they write *moves*, folded into
the buckets afterwards (below, "closures"). ``sigma-ready`` says the tenant's buckets
are complete (written with the tenant; a tenant from before the buckets gets them from
:func:`rebuild`).
"""

from __future__ import annotations

import random
import secrets
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.operand import Path, Value
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.aws import dynamodb_client, ensure_models_bound
from chalicelib.adapters.models import ArticleModel, CounterModel
from chalicelib.adapters.repositories._common import TRANSACTION_ITEMS, cancellation_codes, chunks, connection
from chalicelib.adapters.repositories.article_items import article_item, article_record
from chalicelib.domain import sigma
from chalicelib.domain.article import Article
from chalicelib.domain.sigma import Figures

KEY_PREFIX = "sigma#"
READY_KEY = "sigma-ready"
# Articles per transaction of a failed closure's put-back: each may touch one more bucket.
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


def rebuild(tenant_id: str, articles: Iterable[Article]) -> None:
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

# A closure deletes its articles in transactions of 99, several at once, each writing with
# them one *move* item: what those articles took out of their buckets. The buckets are not
# touched there (parallel transactions would collide on the same few bucket items); the
# moves are folded into them afterwards, a few transactions for the whole closure. A move
# exists if and only if its articles are gone, so the Σ is whole again once every move is
# folded: by the closure itself, by its retry, or by :func:`pending.recover` (the moves
# live under its ``pending#`` prefix, so any later action or read of the tenant folds
# what a closure killed halfway left).
MOVE_PREFIX = "pending#sigma-"
MOVE_CHUNK = TRANSACTION_ITEMS - 1  # the move is the transaction's 100th item
WRITERS = 8


class MovesNotFoldedError(RuntimeError):
    """The buckets kept refusing a closure's moves (contention): left to recovery."""


def is_move(key: str) -> bool:
    return key.startswith(MOVE_PREFIX)


def _encode(deltas: Mapping[str, Figures]) -> dict[str, dict[str, str]]:
    return {bucket: {name: str(amount) for name, amount in figures.items()} for bucket, figures in deltas.items()}


def _decode(state: Any) -> dict[str, Figures]:
    moves = (state or {}).get("sigma") or {}
    return {bucket: {name: Decimal(amount) for name, amount in figures.items()} for bucket, figures in moves.items()}


def _pause(attempt: int) -> None:
    time.sleep(random.uniform(0, min(0.02 * 2 ** attempt, 1.0)))


def _delete_chunk(tenant_id: str, tag: str, chunk: list[dict[str, Any]]) -> set[str]:
    """Delete these articles (snapshot copies) if each is still exactly as copied, with the move
    of their figures. Returns those kept because they changed since (sold, returned, corrected...)."""
    kept: set[str] = set()
    todo = chunk
    for attempt in range(ATTEMPTS * 2):
        if not todo:
            return kept
        try:
            with TransactWrite(connection=connection()) as tx:
                for article in todo:
                    item = article_item(tenant_id, article)
                    tx.delete(ArticleModel(tenant_id, article["ref"]),
                              condition=(ArticleModel.status == item.status) & (ArticleModel.data == item.data))
                move = MOVE_PREFIX + f"{tag}-{secrets.token_hex(6)}"
                tx.save(CounterModel(tenant_id, move, value=0,
                                     state={"sigma": _encode(sigma.deltas((a, None) for a in todo)),
                                            "closure": tag, "articles": len(todo)}),
                        condition=CounterModel.key.does_not_exist())
            return kept
        except TransactWriteError as exc:
            codes = cancellation_codes(exc)
            if "ConditionalCheckFailed" not in codes:
                if attempt == ATTEMPTS * 2 - 1:
                    raise
                _pause(attempt)  # a live action on one of them, throttling: again
                continue
        # Some are not as copied: gone (an earlier run of this closure deleted them, its move
        # holds their figures) or changed meanwhile (kept: the next closure will see them).
        current = {i.ref: i for i in ArticleModel.batch_get([(tenant_id, a["ref"]) for a in todo],
                                                            consistent_read=True)}
        still = []
        for article in todo:
            item = current.get(article["ref"])
            if item is None:
                continue
            if article_record(item) != article:
                kept.add(article["ref"])
                continue
            still.append(article)
        todo = still
    raise RuntimeError(f"closure {tag}: {len(todo)} articles could not be deleted")


def delete_counted(tenant_id: str, articles: list[dict[str, Any]], tag: str,
                   progress: Callable[[int], None] | None = None, writers: int | None = None) -> set[str]:
    """Delete a closure's articles (as its snapshot has them) and take them out of their buckets.

    ``articles``: the snapshot's stored records (``article_items.article_record``), not
    :class:`Article` s: each goes only if it is still exactly as the snapshot has it, byte
    for byte (an ``Article`` compared with a record is never equal: all would be kept). One changed
    since is kept, and returned. ``writers`` transactions at once; then the moves are
    folded into the buckets (:func:`fold`). ``progress`` gets the articles handled so far.
    """
    ensure_models_bound()
    unique = list({a["ref"]: a for a in articles}.values())
    kept: set[str] = set()
    batches = list(chunks(unique, MOVE_CHUNK))
    done = 0
    if batches:
        with ThreadPoolExecutor(max_workers=max(1, min(writers or WRITERS, len(batches))),
                                thread_name_prefix="closure-delete") as pool:
            for batch, refused in zip(batches, pool.map(lambda b: _delete_chunk(tenant_id, tag, b), batches),
                                      strict=True):
                kept |= refused
                done += len(batch)
                if progress is not None:
                    progress(done)
    fold(tenant_id)
    return kept


def pending_moves(tenant_id: str) -> dict[str, dict[str, Figures]]:
    """The moves written and not folded yet: key -> bucket deltas."""
    ensure_models_bound()
    return {item.key: _decode(item.state)
            for item in CounterModel.query(tenant_id, CounterModel.key.startswith(MOVE_PREFIX), consistent_read=True)}


def _groups(moves: dict[str, dict[str, Figures]]) -> list[list[str]]:
    """Moves per transaction: each move's delete plus the union of the buckets they touch fit in one."""
    groups: list[list[str]] = []
    keys: list[str] = []
    touched: set[str] = set()
    for key, deltas in moves.items():
        union = touched | set(deltas)
        if keys and len(keys) + 1 + len(union) > TRANSACTION_ITEMS:
            groups.append(keys)
            keys, union = [], set(deltas)
        keys.append(key)
        touched = union
    if keys:
        groups.append(keys)
    return groups


def fold(tenant_id: str) -> int:
    """Fold every pending move of the tenant into its buckets, each exactly once: the move
    is deleted, on condition it still exists, in the transaction that ADDs it. Returns how
    many were folded here (another folder may take some at the same time)."""
    ensure_models_bound()
    moves = pending_moves(tenant_id)
    folded = 0
    for group in _groups(moves):
        for attempt in range(ATTEMPTS * 2):
            if not group:
                break
            try:
                with TransactWrite(connection=connection()) as tx:
                    for key in group:
                        tx.delete(CounterModel(tenant_id, key), condition=CounterModel.key.exists())
                    add_to(tx, tenant_id, sigma.merge(*(moves[key] for key in group)))
                folded += len(group)
                break
            except TransactWriteError as exc:
                if attempt == ATTEMPTS * 2 - 1:
                    raise MovesNotFoldedError(f"{len(group)} moves not folded") from exc
                if "ConditionalCheckFailed" in cancellation_codes(exc):  # folded by someone else meanwhile
                    present = pending_moves(tenant_id)
                    group = [key for key in group if key in present]
                else:
                    _pause(attempt)
    return folded


def put_back_counted(tenant_id: str, articles: list[dict[str, Any]]) -> int:
    """Put back those of these articles that are gone (a failed closure's), into their buckets too."""
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
