"""Articles, sales and selections: storage, index keys, and the searches' access paths."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.aws import ensure_models_bound
from chalicelib.adapters.models import ArticleModel, CounterModel, SaleModel, SearchModel, SelectionModel
from chalicelib.adapters.repositories import sigma as sigma_repo
from chalicelib.adapters.repositories._common import cancellation_codes, connection, pack, unpack
from chalicelib.domain.sigma import Figures
from chalicelib.domain.sigma import from_slim as slim_fields
from chalicelib.domain.sigma import slim as slim_copy
from chalicelib.errors import ConcurrentChangeError, ConflictError, NotFoundError, StatusChangedError

if TYPE_CHECKING:
    from chalicelib.adapters.repositories.pending import PendingWrite

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


def get_article(tenant_id: str, ref: str) -> dict[str, Any]:
    ensure_models_bound()
    try:
        return article_from_item(ArticleModel.get(tenant_id, ref, consistent_read=True))
    except DoesNotExist:
        raise NotFoundError(f"Article {ref} introuvable.") from None


def get_articles(tenant_id: str, refs: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Many articles by reference (BatchGetItem, 100 a request); unknown refs are absent."""
    ensure_models_bound()
    keys = [(tenant_id, ref) for ref in dict.fromkeys(refs)]
    return {item.ref: article_from_item(item) for item in ArticleModel.batch_get(keys, consistent_read=True)}


# ---------------------------------------------------------------- access paths


def all_articles(tenant_id: str) -> Iterator[dict[str, Any]]:
    ensure_models_bound()
    return (article_from_item(i) for i in ArticleModel.query(tenant_id))


def by_index(index: str, key: str) -> Iterator[dict[str, Any]]:
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
    copies existed is read whole instead.
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
        yield from get_articles(tenant_id, whole).values()


def by_date(tenant_id: str, index: str, date_from: str | None, date_to: str | None) -> Iterator[dict[str, Any]]:
    """Articles whose date (purchase, sale, deposit) falls in the range, from its index."""
    ensure_models_bound()
    attribute = getattr(ArticleModel, {"by_purchase_date": "purchase_key", "by_sale_date": "sale_key",
                                       "by_deposit_date": "deposit_key"}[index])
    low, high = (date_from or "0000-00-00"), (date_to or "9999-99-99") + "#~"
    condition = attribute.between(low, high)
    return (article_from_item(i) for i in getattr(ArticleModel, index).query(tenant_id, condition))


# ---------------------------------------------------------------- writes


class CounterMovedError(ConflictError):
    """A number sequence moved between the read and the write: retry."""

    code = "concurrent_change"
    message = "Une autre opération vient d'avoir lieu : réessayez."


def _condition(expected: str | None) -> Any:
    """An article must still have the status it was read with; a new one must not exist."""
    return ArticleModel.ref.does_not_exist() if expected is None else ArticleModel.status == expected


def write_changes(tenant_id: str, changes: list[tuple[dict[str, Any], str | None]],
                  pending: PendingWrite | None = None) -> None:
    """One transaction of article records, each conditioned on its expected status.

    A chunk of a larger write marks each article with its ``pending`` write (see pending.py).
    """
    try:
        with TransactWrite(connection=connection()) as tx:
            for article, expected in changes:
                item = article_item(tenant_id, article)
                tx.save(pending.mark(item) if pending is not None else item, condition=_condition(expected))
    except TransactWriteError as exc:
        if "ConditionalCheckFailed" in cancellation_codes(exc):
            raise StatusChangedError() from None
        raise


def delete_articles(tenant_id: str, refs: list[str]) -> None:
    ensure_models_bound()
    with ArticleModel.batch_write() as batch:
        for ref in refs:
            batch.delete(ArticleModel(tenant_id, ref))


def counter_value(tenant_id: str, key: str) -> int:
    ensure_models_bound()
    try:
        return int(CounterModel.get(tenant_id, key, consistent_read=True).value)
    except DoesNotExist:
        return 0


def counter_state(tenant_id: str, key: str) -> tuple[int, dict[str, Any]]:
    """A counter and the small state it carries (a cash register's running totals)."""
    ensure_models_bound()
    try:
        item = CounterModel.get(tenant_id, key, consistent_read=True)
    except DoesNotExist:
        return 0, {}
    return int(item.value), dict(item.state or {})


@dataclass
class CounterMove:
    """Move a counter from the value read to a new one, only if nobody moved it since."""

    seen: int
    new: int
    state: dict[str, Any] | None = None


def finish(tenant_id: str, changes: list[tuple[dict[str, Any], str | None]], counters: dict[str, CounterMove],
           puts: list[tuple[Model, Any]], pending: PendingWrite | None = None,
           sigma: dict[str, Figures] | None = None) -> None:
    """The last step of an action, in one transaction: counters, records, articles,
    and the Σ buckets' changes of the whole action (``sigma``, see repositories/sigma.py).

    A counter that moved since it was read means another sale or entry took the
    numbers: :class:`CounterMovedError`, and the caller starts again. Numbers
    therefore only advance with a committed action: no gaps. With ``pending``
    (the action wrote chunks before), the transaction also settles its record.
    """
    try:
        with TransactWrite(connection=connection()) as tx:
            if pending is not None:
                pending.settle(tx)
            for model, condition in puts:
                tx.save(model, condition=condition)
            for article, expected in changes:
                tx.save(article_item(tenant_id, article), condition=_condition(expected))
            sigma_repo.add_to(tx, tenant_id, sigma or {})  # before the counters: their reasons come last
            for key, move in counters.items():
                actions = [CounterModel.value.set(move.new)]
                if move.state is not None:
                    actions.append(CounterModel.state.set(move.state))
                tx.update(CounterModel(tenant_id, key), actions=actions,
                          condition=(CounterModel.value == move.seen) if move.seen
                          else CounterModel.key.does_not_exist())
    except TransactWriteError as exc:
        codes = cancellation_codes(exc)
        if pending is not None:  # deletes come first: the pending record's reason
            if codes and codes[0] == "ConditionalCheckFailed":
                raise ConcurrentChangeError() from None  # rolled back meanwhile: nothing to finish
            codes = codes[1:]
        # pynamodb sends puts before updates: the counters' reasons come last.
        if "ConditionalCheckFailed" in codes[len(codes) - len(counters):] or (
                "ConditionalCheckFailed" in codes[:len(puts)]):
            raise CounterMovedError() from None
        if "ConditionalCheckFailed" in codes:
            raise StatusChangedError() from None
        raise


# ---------------------------------------------------------------- sales


def get_sale(tenant_id: str, transaction_ref: str) -> dict[str, Any]:
    ensure_models_bound()
    try:
        return dict(SaleModel.get(tenant_id, transaction_ref, consistent_read=True).data)
    except DoesNotExist:
        raise NotFoundError("Vente introuvable.") from None


def save_sale(tenant_id: str, sale: dict[str, Any]) -> None:
    ensure_models_bound()
    SaleModel(tenant_id, sale["transaction_ref"], data=sale).save()


def list_sales(tenant_id: str) -> list[dict[str, Any]]:
    ensure_models_bound()
    return [dict(i.data) for i in SaleModel.query(tenant_id)]


# ---------------------------------------------------------------- selection


def get_selection(tenant_id: str, user_id: str) -> tuple[list[str], int | None]:
    ensure_models_bound()
    try:
        item = SelectionModel.get(tenant_id, user_id, consistent_read=True)
    except DoesNotExist:
        return [], None
    return unpack(item.refs), item.version


def save_selection(tenant_id: str, user_id: str, refs: list[str], version: int | None) -> None:
    ensure_models_bound()
    item = SelectionModel(tenant_id, user_id, refs=pack(refs))
    if version is not None:
        item.version = version
    try:
        item.save()
    except PutError as exc:
        if getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException":
            raise ConflictError("La sélection vient d'être modifiée ailleurs : réessayez.") from None
        raise


# ---------------------------------------------------------------- text search index


def search_item(tenant_id: str, lot_ref: str, articles: list[dict[str, Any]]) -> SearchModel:
    """The search document of one lot, from its articles (all of them)."""
    from chalicelib.domain.search import indexed_words

    words = {a["ref"]: indexed_words(a) for a in articles}
    return SearchModel(tenant_id, lot_ref, words=pack(words))


def text_candidates(tenant_id: str, typed: list[str]) -> list[str]:
    """References whose words start with every word typed, from the lots' search documents."""
    from chalicelib.domain.search import text_matches

    ensure_models_bound()
    found = []
    for item in SearchModel.query(tenant_id):
        for ref, words in unpack(item.words).items():
            if text_matches(words, typed):
                found.append(ref)
    return found


# ---------------------------------------------------------------- closings


def closing_markers(tenant_id: str) -> dict[str, dict[str, Any] | None]:
    """The markers of the closings made, with the state each keeps (a daily closing's high-water mark)."""
    ensure_models_bound()
    return {i.key: dict(i.state) if i.state else None
            for i in CounterModel.query(tenant_id, CounterModel.key.startswith("closing#"), consistent_read=True)}


def record_closing(tenant_id: str, key: str, journal: Model, state: dict[str, Any] | None = None) -> bool:
    """The closing's marker (with its state) and its journal entry together; False if already closed."""
    try:
        with TransactWrite(connection=connection()) as tx:
            tx.save(CounterModel(tenant_id, key, value=1, state=state), condition=CounterModel.key.does_not_exist())
            tx.save(journal)
    except TransactWriteError as exc:
        if "ConditionalCheckFailed" in cancellation_codes(exc):
            return False
        raise
    return True
