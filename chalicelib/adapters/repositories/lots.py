"""Drafts, counters, lots, articles and their journal entries."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.aws import ensure_models_bound
from chalicelib.adapters.models import ArticleModel, CounterModel, DraftModel, JournalModel, LotModel
from chalicelib.adapters.repositories import sigma as sigma_repo
from chalicelib.adapters.repositories._common import cancellation_codes, connection, pack, unpack
from chalicelib.adapters.repositories.articles import article_from_item, article_item
from chalicelib.domain.sigma import Figures
from chalicelib.errors import ConcurrentChangeError, NotFoundError, StatusChangedError

if TYPE_CHECKING:
    from chalicelib.adapters.repositories.pending import PendingWrite


# ---------------------------------------------------------------- drafts


class Draft:
    """A stored draft as plain data; ``version`` guards concurrent edits."""

    def __init__(self, header: dict[str, Any], lines: list[dict[str, Any]], reserved: dict | None,
                 version: int | None, pending: dict[str, Any] | None = None) -> None:
        self.header = header
        self.lines = lines
        self.reserved = reserved
        self.version = version
        self.pending = pending  # set on a lot received from another subscriber


def get_draft(tenant_id: str, user_id: str) -> Draft:
    ensure_models_bound()
    try:
        item = DraftModel.get(tenant_id, user_id, consistent_read=True)
    except DoesNotExist:
        return Draft({}, [], None, None)
    return Draft(dict(item.header or {}), unpack(item.lines), item.reserved, item.version, item.pending)


def _draft_item(tenant_id: str, user_id: str, draft: Draft) -> DraftModel:
    item = DraftModel(tenant_id, user_id, header=draft.header, lines=pack(draft.lines),
                      reserved=draft.reserved, pending=draft.pending, updated_at=datetime.now(UTC))
    if draft.version is not None:
        item.version = draft.version
    return item


def save_draft(tenant_id: str, user_id: str, draft: Draft) -> None:
    ensure_models_bound()
    item = _draft_item(tenant_id, user_id, draft)
    try:
        item.save()
        draft.version = item.version  # the next save of this draft expects it
    except PutError as exc:
        if getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException":
            raise ConcurrentChangeError() from None
        raise


def delete_draft(tenant_id: str, user_id: str) -> None:
    ensure_models_bound()
    DraftModel(tenant_id, user_id).delete(add_version_condition=False)


# ---------------------------------------------------------------- counters


def next_value(tenant_id: str, key: str) -> int:
    """The next number of a sequence: one atomic increment, unique under concurrency."""
    ensure_models_bound()
    counter = CounterModel(tenant_id, key)
    counter.update(actions=[CounterModel.value.add(1)])  # pynamodb reads back ALL_NEW
    return int(counter.value)


# ---------------------------------------------------------------- lots and articles


def lot_from_item(item: LotModel) -> dict[str, Any]:
    return {"ref": item.ref, "kind": item.kind, **(item.data or {}), "_version": item.version}


def _lot_item(tenant_id: str, lot: dict[str, Any]) -> LotModel:
    item = LotModel(tenant_id, lot["ref"], kind=lot["kind"],
                    data={k: v for k, v in lot.items() if k not in ("ref", "kind", "_version")})
    if lot.get("_version") is not None:
        item.version = lot["_version"]
    return item


def journal_item(tenant_id: str, kind: str, subject: str, payload: dict[str, Any]) -> JournalModel:
    now = datetime.now(UTC)
    seq = f"{now:%Y%m%dT%H%M%S.%f}#{secrets.token_hex(4)}"
    return JournalModel(tenant_id, seq, kind=kind, subject=subject, payload=pack(payload), at=now)


def put_new_articles(tenant_id: str, articles: list[dict[str, Any]], pending: PendingWrite | None = None) -> None:
    """Write a chunk of new articles in one transaction (refs must be free), marked with
    the ``pending`` write they belong to (see pending.py)."""
    with TransactWrite(connection=connection()) as tx:
        for article in articles:
            item = article_item(tenant_id, article)
            tx.save(pending.mark(item) if pending is not None else item)


def finish_commit(tenant_id: str, user_id: str, lot: dict[str, Any], articles: list[dict[str, Any]],
                  journal: JournalModel, draft_version: int | None, search: Model,
                  pending: PendingWrite | None = None, sigma: dict[str, Figures] | None = None) -> None:
    """The lot, the last articles, the journal entry, the lot's search document and the
    draft's removal, together (and the ``pending`` record of the chunks written before,
    and the Σ buckets' changes of the whole lot)."""
    try:
        with TransactWrite(connection=connection()) as tx:
            if pending is not None:
                pending.settle(tx)
            tx.save(_lot_item(tenant_id, lot), condition=LotModel.ref.does_not_exist())
            tx.save(journal)
            tx.save(search)
            draft = DraftModel(tenant_id, user_id)
            if draft_version is not None:
                draft.version = draft_version  # pynamodb then deletes only that version
            tx.delete(draft)
            for article in articles:
                tx.save(article_item(tenant_id, article))
            sigma_repo.add_to(tx, tenant_id, sigma or {})
    except TransactWriteError as exc:
        if "ConditionalCheckFailed" in cancellation_codes(exc):
            raise ConcurrentChangeError() from None
        raise


def get_lot(tenant_id: str, ref: str) -> dict[str, Any]:
    ensure_models_bound()
    try:
        return lot_from_item(LotModel.get(tenant_id, ref, consistent_read=True))
    except DoesNotExist:
        raise NotFoundError("Lot introuvable.") from None


def list_lots(tenant_id: str) -> list[dict[str, Any]]:
    ensure_models_bound()
    return [lot_from_item(i) for i in LotModel.query(tenant_id)]


def lot_articles(tenant_id: str, lot_ref: str) -> list[dict[str, Any]]:
    """Article refs are the lot ref plus three digits: one range query."""
    ensure_models_bound()
    items = ArticleModel.query(tenant_id, ArticleModel.ref.startswith(lot_ref), consistent_read=True)
    return [article_from_item(i) for i in items if len(i.ref) == len(lot_ref) + 3]


def save_lot_change(tenant_id: str, lot: dict[str, Any], articles: list[dict[str, Any]],
                    expected_status: dict[str, str], journal: JournalModel | None,
                    search: Model | None = None, pending: PendingWrite | None = None,
                    sigma: dict[str, Figures] | None = None) -> None:
    """A correction or retraction of at most ~98 articles, in one transaction.

    ``expected_status`` maps each article ref to the status it must still have;
    ``pending``, the record of chunks written before, is settled here, with ``sigma``,
    the Σ buckets' changes of the whole correction.
    """
    try:
        with TransactWrite(connection=connection()) as tx:
            if pending is not None:
                pending.settle(tx)
            tx.save(_lot_item(tenant_id, lot))
            if journal is not None:
                tx.save(journal)
            if search is not None:
                tx.save(search)
            for article in articles:
                tx.save(article_item(tenant_id, article),
                        condition=ArticleModel.status == expected_status[article["ref"]])
            sigma_repo.add_to(tx, tenant_id, sigma or {})
    except TransactWriteError as exc:
        codes = cancellation_codes(exc)
        if pending is not None:  # deletes come first: the pending record, then the lot
            if codes and codes[0] == "ConditionalCheckFailed":
                raise ConcurrentChangeError() from None  # rolled back meanwhile
            codes = codes[1:]
        if codes and codes[0] == "ConditionalCheckFailed":
            raise ConcurrentChangeError() from None
        if "ConditionalCheckFailed" in codes:
            raise StatusChangedError() from None
        raise


def save_articles(tenant_id: str, articles: list[dict[str, Any]], expected_status: dict[str, str],
                  search: Model | None = None, pending: PendingWrite | None = None,
                  sigma: dict[str, Figures] | None = None) -> None:
    """A chunk of article changes, each conditioned on its expected status (and marked with
    the ``pending`` write it belongs to; a whole write, alone, carries its ``sigma``)."""
    try:
        with TransactWrite(connection=connection()) as tx:
            if search is not None:
                tx.save(search)
            for article in articles:
                item = article_item(tenant_id, article)
                tx.save(pending.mark(item) if pending is not None else item,
                        condition=ArticleModel.status == expected_status[article["ref"]])
            sigma_repo.add_to(tx, tenant_id, sigma or {})
    except TransactWriteError as exc:
        if "ConditionalCheckFailed" in cancellation_codes(exc):
            raise StatusChangedError() from None
        raise
