"""Writes larger than one transaction, all or nothing even when the process dies.

DESIGN.md "Data": a bulk action on more than DynamoDB's 100 items per transaction
writes its articles in chunks, then one last transaction carrying everything
else (counters, the sale, the journal entry): chalicelib/adapters/unit_of_work.py
does it, with the records and the rollback here. Compensation in the same process
puts the chunks back when a later step fails — but a Lambda killed halfway (its
timeout, out of memory) runs no compensation, and a compensation can fail too.

So, before its first chunk, such a write stores a *pending record* (``counters``
table, key ``pending#<id>``) naming every article its chunks will write. Each
article a chunk writes carries the record's id (``pending``) and its version
before the write (``undo``; none for an article the write creates). The last
transaction deletes the record, on condition that it still exists. Hence:

- no pending record: the last transaction committed, the write is whole;
- a pending record whose deadline passed: its writer is dead or gave up, the last
  transaction never committed (nor can it now), and :func:`recover` puts back
  every article that still carries the record's id, then deletes the record.

The deadline (the record's ``value``, epoch seconds) outlasts the API function's
timeout, so a live writer is never rolled back under its feet. Stale marks left on
articles after a successful write are inert (their record is gone) and vanish at
the article's next write.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable
from datetime import UTC, datetime

from pynamodb.exceptions import DeleteError, DoesNotExist, PutError, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.aws import ensure_models_bound
from chalicelib.adapters.models import ArticleModel, CounterModel
from chalicelib.adapters.repositories._common import cancellation_codes, chunks, connection, pack, unpack
from chalicelib.adapters.repositories.article_items import article_item
from chalicelib.domain.article import Article
from chalicelib.observability import logger

KEY_PREFIX = "pending#"
# Longer than the API function may run (Chalice's default timeout: 60 s).
DEADLINE_SECONDS = 120
# Attempts at putting one chunk back before leaving the rest to recover().
PUT_BACK_ATTEMPTS = 3


class PendingWrite:
    """One write larger than a transaction, from its record to its last transaction."""

    def __init__(self, tenant_id: str, id_: str, before: dict[str, Article | None]) -> None:
        self.tenant_id = tenant_id
        self.id = id_
        self.before = before  # ref -> the article as it was, None for one the write creates

    @property
    def key(self) -> str:
        return KEY_PREFIX + self.id

    def mark(self, item: ArticleModel) -> ArticleModel:
        """An article item a chunk writes: it says which write it belongs to, and how to undo it."""
        item.pending = self.id
        before = self.before.get(item.ref)
        item.undo = pack(before.to_record()) if before is not None else None  # the stored record, as unpacked back
        return item

    def settle(self, tx: TransactWrite) -> None:
        """In the last transaction: deleting the record is what makes the write whole.

        The condition fails when :func:`recover` already rolled the write back; the
        transaction then writes nothing. DynamoDB lists deletes first in a
        transaction's cancellation reasons: this one is reason 0.
        """
        tx.delete(CounterModel(self.tenant_id, self.key), condition=CounterModel.key.exists())

    def roll_back(self) -> None:
        """Put back what the chunks wrote (as far as they still carry this id), then forget the record."""
        roll_back(self.tenant_id, self.id, list(self.before))


def begin(tenant_id: str, before: dict[str, Article | None]) -> PendingWrite:
    """Store the pending record of a chunked write of the articles in ``before``."""
    ensure_models_bound()
    pending = PendingWrite(tenant_id, f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{secrets.token_hex(6)}", before)
    CounterModel(tenant_id, pending.key, value=int(time.time()) + DEADLINE_SECONDS,
                 state={"refs": list(before), "at": datetime.now(UTC).isoformat()}).save(
        condition=CounterModel.key.does_not_exist())
    return pending


def _put_back_one(tenant_id: str, pending_id: str, item: ArticleModel) -> None:
    condition = ArticleModel.pending == pending_id
    try:
        if item.undo is None:
            ArticleModel(tenant_id, item.ref).delete(condition=condition)
        else:
            article_item(tenant_id, unpack(item.undo)).save(condition=condition)
    except (PutError, DeleteError) as exc:
        if getattr(exc, "cause_response_code", None) != "ConditionalCheckFailedException":
            raise  # else: put back by someone else meanwhile


def _put_back(tenant_id: str, pending_id: str, items: list[ArticleModel]) -> None:
    """One transaction per chunk; item by item when another rollback got there first."""
    condition = ArticleModel.pending == pending_id
    try:
        with TransactWrite(connection=connection()) as tx:
            for item in items:
                if item.undo is None:
                    tx.delete(ArticleModel(tenant_id, item.ref), condition=condition)
                else:
                    tx.save(article_item(tenant_id, unpack(item.undo)), condition=condition)
    except TransactWriteError as exc:
        if "ConditionalCheckFailed" not in cancellation_codes(exc):
            raise
        for item in items:
            _put_back_one(tenant_id, pending_id, item)


def roll_back(tenant_id: str, pending_id: str, refs: Iterable[str]) -> int:
    """Every article of ``refs`` still carrying ``pending_id`` back as it was; the record deleted."""
    ensure_models_bound()
    keys = [(tenant_id, ref) for ref in dict.fromkeys(refs)]
    ours = [item for item in ArticleModel.batch_get(keys, consistent_read=True) if item.pending == pending_id]
    for chunk in chunks(ours):
        for attempt in range(PUT_BACK_ATTEMPTS):
            try:
                _put_back(tenant_id, pending_id, chunk)
                break
            except Exception:
                if attempt == PUT_BACK_ATTEMPTS - 1:
                    raise
                time.sleep(0.05 * 2 ** attempt)
    CounterModel(tenant_id, KEY_PREFIX + pending_id).delete()
    return len(ours)


def recover(tenant_id: str, now: float | None = None) -> int:
    """Roll back the tenant's pending writes whose deadline passed; how many articles were put back.
    A closure's Σ moves not yet folded into the buckets (``sigma.MOVE_PREFIX``) are folded.

    Called before the tenant's writes act on articles, so none acts on a half-applied write.
    One strongly consistent query, usually empty.
    """
    from chalicelib.adapters.repositories import sigma as sigma_repo

    ensure_models_bound()
    now = time.time() if now is None else now
    restored = 0
    moves = False
    for record in CounterModel.query(tenant_id, CounterModel.key.startswith(KEY_PREFIX), consistent_read=True):
        if sigma_repo.is_move(record.key):
            moves = True  # a closure's deletions not yet in the Σ buckets: folded below
            continue
        if int(record.value or 0) > now:
            continue  # its writer may still be at work
        pending_id = record.key[len(KEY_PREFIX):]
        refs = (record.state or {}).get("refs", [])
        logger.warning("rolling back an unfinished write", extra={"tenant_id": tenant_id, "pending": pending_id,
                                                                 "articles": len(refs)})
        restored += roll_back(tenant_id, pending_id, refs)
    if moves:
        sigma_repo.fold(tenant_id)
    return restored


# Reads (searches, lot pages) look for dead writes at most this often per tenant and
# container: a dead write only becomes recoverable at its deadline anyway, and an article
# lookup stays one read. Actions (writes) always look, through :func:`recover`.
READ_CHECK_SECONDS = 30
_last_read_check: dict[str, float] = {}


def recover_before_reading(tenant_id: str, now: float | None = None) -> int:
    """:func:`recover`, unless this container looked for this tenant in the last 30 s."""
    now = time.monotonic() if now is None else now
    if now - _last_read_check.get(tenant_id, -READ_CHECK_SECONDS) < READ_CHECK_SECONDS:
        return 0
    _last_read_check[tenant_id] = now
    return recover(tenant_id)


def get(tenant_id: str, pending_id: str) -> CounterModel | None:
    ensure_models_bound()
    try:
        return CounterModel.get(tenant_id, KEY_PREFIX + pending_id, consistent_read=True)
    except DoesNotExist:
        return None
