"""One write of a use case, however many DynamoDB transactions it takes: all or nothing.

A service opens a :class:`UnitOfWork`, adds what its use case writes — article changes
(each with the article as read: its before-image, whose status it must still have), new
articles, records (chalicelib/domain/records.py), counter moves, the lot, the draft to
delete — and calls :meth:`UnitOfWork.commit`. Everything about transactions lives here:

- sizing: the last transaction carries everything but articles (records, lot, draft,
  counters, the Σ buckets' changes of the whole write, worked out here from the
  before/after pairs) and as many articles as the room left allows;
- chunks: the articles that do not fit go first, in transactions of 100, marked with a
  pending record (repositories/pending.py) that the last transaction settles;
- compensation: when a step fails after some chunks, they are put back at once; what
  cannot be put back now (a process killed, a compensation failing) is left to
  :func:`recover`, which the tenant's next action or read runs;
- errors: a cancelled transaction's reasons are mapped, in one place, to
  :class:`StatusChangedError` (an article moved), :class:`CounterMovedError` (a number
  taken meanwhile: the caller starts again) or :class:`ConcurrentChangeError`.

Numbers therefore only advance with a committed write: no gaps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.models import ArticleModel, DraftModel, LotModel
from chalicelib.adapters.repositories import pending as pending_repo
from chalicelib.adapters.repositories import sigma as sigma_repo
from chalicelib.adapters.repositories._common import TRANSACTION_ITEMS, cancellation_codes, chunks, connection
from chalicelib.adapters.repositories.article_items import article_item, status_condition
from chalicelib.adapters.repositories.counters import CounterMove, move
from chalicelib.adapters.repositories.journal import entry_item
from chalicelib.adapters.repositories.lots import lot_item
from chalicelib.adapters.repositories.sales import new_sale_item
from chalicelib.adapters.repositories.search_index import document_item
from chalicelib.adapters.repositories.transfers import outgoing_item
from chalicelib.domain import sigma
from chalicelib.domain.article import Article
from chalicelib.domain.lot import Lot
from chalicelib.domain.records import JournalEntry, NewLot, NewSale, OutgoingTransfer, Record, SearchDocument
from chalicelib.errors import ConcurrentChangeError, CounterMovedError, StatusChangedError, TooWideWriteError
from chalicelib.observability import logger

_NO_CONDITION = object()  # an article written whatever is stored under its reference


@dataclass(frozen=True)
class _ArticleWrite:
    article: Article  # as written
    before: Article | None  # as read (None: the write creates it)
    condition: Any  # status_condition(...) or _NO_CONDITION


def record_item(tenant_id: str, record: Record) -> tuple[Model, Any]:
    """The stored item of a record, and the condition it is written under (None: none)."""
    if isinstance(record, JournalEntry):
        return entry_item(tenant_id, record), None
    if isinstance(record, NewSale):
        return new_sale_item(tenant_id, record.sale)
    if isinstance(record, NewLot):
        return lot_item(tenant_id, record.lot), LotModel.ref.does_not_exist()
    if isinstance(record, SearchDocument):
        return document_item(tenant_id, record), None
    if isinstance(record, OutgoingTransfer):
        return outgoing_item(tenant_id, record.transfer), None
    raise TypeError(f"not a record: {record!r}")


class UnitOfWork:
    """What one use case writes, collected, then committed by :meth:`commit`."""

    def __init__(self, tenant_id: str, last_articles: int | None = None) -> None:
        """``last_articles``: at most this many articles in the last transaction (an action's
        sale and receipt are large items: its articles leave them room under the 4 MB)."""
        self.tenant_id = tenant_id
        self.last_articles = last_articles
        self.articles: list[_ArticleWrite] = []
        self.records: list[Record] = []
        self.counters: dict[str, CounterMove] = {}
        self.lot: Lot | None = None
        self.draft: tuple[str, int | None] | None = None

    # ------------------------------------------------------------ collecting

    def change(self, before: Article, after: Article) -> UnitOfWork:
        """An article changed: written only if it still has the status it was read with."""
        self.articles.append(_ArticleWrite(after, before, status_condition(before.status)))
        return self

    def create(self, article: Article, overwrite: bool = False) -> UnitOfWork:
        """A new article: its reference must be free (``overwrite``: written whatever is there,
        as a lot's articles under the reference the lot reserved)."""
        self.articles.append(_ArticleWrite(article, None, _NO_CONDITION if overwrite else status_condition(None)))
        return self

    def add(self, *records: Record) -> UnitOfWork:
        self.records.extend(records)
        return self

    def move_counter(self, key: str, counter: CounterMove) -> UnitOfWork:
        """A number sequence read at ``counter.seen``: the write fails with
        :class:`CounterMovedError` if it moved since."""
        self.counters[key] = counter
        return self

    def save_lot(self, lot: Lot) -> UnitOfWork:
        """An existing lot's new version (a correction, a retraction)."""
        self.lot = lot
        return self

    def delete_draft(self, owner: str, version: int | None) -> UnitOfWork:
        """The draft the write commits (only that version of it, if given)."""
        self.draft = (owner, version)
        return self

    # ------------------------------------------------------------ committing

    def commit(self) -> None:
        """Write everything collected, all or nothing (see the module's docstring)."""
        buckets = sigma.deltas((w.before, w.article) for w in self.articles)
        others = (len(self.records) + len(self.counters) + len(buckets)
                  + (self.lot is not None) + (self.draft is not None))
        room = TRANSACTION_ITEMS - others
        if self.last_articles is not None:
            room = min(room, self.last_articles)
        if len(self.articles) > room:
            room = min(room, TRANSACTION_ITEMS - others - 1)  # and the pending record
        if room < 1:
            raise TooWideWriteError()
        head, tail = (self.articles[:-room], self.articles[-room:]) if len(self.articles) > room else ([],
                                                                                                      self.articles)
        if not head:
            _write_last(self, tail, buckets, None)
            return
        pending = pending_repo.begin(self.tenant_id, {w.article.ref: w.before for w in head})
        try:
            for chunk in chunks(head):
                _write_chunk(self.tenant_id, chunk, pending)
            _write_last(self, tail, buckets, pending)
        except Exception:
            try:
                pending.roll_back()
            except Exception:  # noqa: BLE001 - the write's own error is the one to report
                logger.exception("compensation failed: left to recovery",
                                 extra={"tenant_id": self.tenant_id, "pending": pending.id})
            raise


def _item(tenant_id: str, write: _ArticleWrite) -> tuple[ArticleModel, Any]:
    return article_item(tenant_id, write.article), (None if write.condition is _NO_CONDITION else write.condition)


def _write_chunk(tenant_id: str, chunk: list[_ArticleWrite], pending: pending_repo.PendingWrite) -> None:
    """One transaction of the head's articles, each marked with the pending write it belongs to."""
    try:
        with TransactWrite(connection=connection()) as tx:
            for write in chunk:
                item, condition = _item(tenant_id, write)
                tx.save(pending.mark(item), condition=condition)
    except TransactWriteError as exc:
        if "ConditionalCheckFailed" in cancellation_codes(exc):
            raise StatusChangedError() from None
        raise


# What a failed condition of each item of the last transaction means.
_SETTLED, _CONCURRENT, _TAKEN, _STATUS, _COUNTER = "settled", "concurrent", "taken", "status", "counter"


def _write_last(unit: UnitOfWork, tail: list[_ArticleWrite], buckets: dict[str, sigma.Figures],
                pending: pending_repo.PendingWrite | None) -> None:
    """The last transaction: settles ``pending``, and writes the records, the lot, the last
    articles, the Σ buckets' changes and the counters; the draft deleted."""
    tenant_id = unit.tenant_id
    # pynamodb sends deletes, then puts, then updates: the reasons come back in that order.
    deletes: list[str] = []
    puts: list[str] = []
    updates: list[str] = []
    try:
        with TransactWrite(connection=connection()) as tx:
            if pending is not None:
                pending.settle(tx)
                deletes.append(_SETTLED)
            if unit.draft is not None:
                draft = DraftModel(tenant_id, unit.draft[0])
                if unit.draft[1] is not None:
                    draft.version = unit.draft[1]  # pynamodb then deletes only that version
                tx.delete(draft)
                deletes.append(_CONCURRENT)
            for record in unit.records:
                model, condition = record_item(tenant_id, record)
                tx.save(model, condition=condition)
                puts.append(_TAKEN)
            if unit.lot is not None:
                tx.save(lot_item(tenant_id, unit.lot))
                puts.append(_CONCURRENT)
            for write in tail:
                item, condition = _item(tenant_id, write)
                tx.save(item, condition=condition)
                puts.append(_STATUS)
            sigma_repo.add_to(tx, tenant_id, buckets)
            updates.extend(_CONCURRENT for _ in buckets)
            for key, counter in unit.counters.items():
                move(tx, tenant_id, key, counter)
                updates.append(_COUNTER)
    except TransactWriteError as exc:
        failed = {meaning for meaning, code in zip(deletes + puts + updates, cancellation_codes(exc), strict=False)
                  if code == "ConditionalCheckFailed"}
        if _SETTLED in failed:
            raise ConcurrentChangeError() from None  # rolled back meanwhile: nothing to finish
        # A reference taken meanwhile (a sale's, a lot's) came from a number sequence: if the
        # write moves its counters, they moved too and the caller starts again.
        if _COUNTER in failed or (_TAKEN in failed and unit.counters):
            raise CounterMovedError() from None
        if _CONCURRENT in failed or _TAKEN in failed:
            raise ConcurrentChangeError() from None
        if _STATUS in failed:
            raise StatusChangedError() from None
        raise


def recover(tenant_id: str) -> int:
    """Roll back the tenant's dead writes (repositories/pending.py): before a write acts on articles."""
    return pending_repo.recover(tenant_id)


def recover_before_reading(tenant_id: str) -> int:
    """The same before a read, at most every 30 s per tenant and container."""
    return pending_repo.recover_before_reading(tenant_id)
