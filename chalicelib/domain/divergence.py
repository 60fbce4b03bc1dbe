"""The live records held against their last sealed version (DOMAIN.md "Legal records").

A change made straight in the database — an article's description or price, a
lot deleted — leaves the sealed records intact, so the chains still verify; what
is caught here is the live data no longer saying what was sealed:

- each lot and its articles against the lot's last police-register version, on
  the fields that version holds and that only a correction (a new version) may
  change: the lot's kind, date, prices, payment method, condition and frozen
  seller; each article's description, family, weight, fineness, serial and
  purchase price. Statuses, reserve, label and sale data move with bulk actions
  after the version: they are not compared here;
- each sold article against the receipts: its transaction, sale price and VAT
  rate as its last sale receipt holds them; a customer return's receipt ends it.

A record a closure (year-end purge) deleted is no divergence: the closure's own
record of what it removed exempts exactly those references.

Pure functions on plain data: the service reads the sealed contents the
verification re-read anyway and the live records by tenant-wide queries.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from chalicelib.domain.article import Article

# Lot fields of a police-register version (``content["lot"]``) compared with the live lot.
LOT_FIELDS = ("kind", "purchase_date", "purchase_price", "price_incl_tmp", "payment_method", "condition")
# Article fields of a version compared with the live article (``family`` apart: a label).
ARTICLE_FIELDS = ("description", "weight_g", "fineness", "serial", "purchase_price")
# Compared as numbers: "10.5" and "10.50" are the same weight.
NUMERIC_FIELDS = frozenset({"purchase_price", "price_incl_tmp", "weight_g", "fineness", "sale_price"})

# Journal kinds of the receipt chain.
SALE = "sale"
SALE_RETURN = "sale_return"
SOLD = "sold"


@dataclass(frozen=True)
class Divergence:
    """One field of one live record that differs from its last sealed version.

    ``record``: ``lot``, ``article`` or ``sale``; ``ref`` its reference (a sale's
    transaction reference; ``article`` then names the sold article); ``field``
    the field (``exists`` when the record was deleted: sealed ``True``, live
    ``False``); ``chain`` and ``rank``: the sealed record compared with.
    """

    record: str
    ref: str
    field: str
    sealed: Any
    live: Any
    chain: str
    rank: int
    article: str | None = None

    def to_json(self) -> dict[str, Any]:
        view = {"record": self.record, "ref": self.ref, "field": self.field, "sealed": self.sealed,
                "live": self.live, "chain": self.chain, "rank": self.rank}
        if self.article is not None:
            view["article"] = self.article
        return view


def _stored(article: Article | Mapping[str, Any]) -> Mapping[str, Any]:
    """An article's stored form: the values a sealed version holds (``"12.00"``, ISO dates)."""
    return article.to_record() if isinstance(article, Article) else article


def _blank(value: Any) -> bool:
    return value is None or value == ""


def same(field: str, sealed: Any, live: Any) -> bool:
    """Equal as the register means it: blanks alike, numbers by value."""
    if _blank(sealed) or _blank(live):
        return _blank(sealed) and _blank(live)
    if field in NUMERIC_FIELDS:
        try:
            return Decimal(str(sealed)) == Decimal(str(live))
        except (InvalidOperation, ValueError):
            pass
    return str(sealed) == str(live)


@dataclass(frozen=True)
class Purged:
    """What closures deleted, as they recorded it: neither is a divergence."""

    lots: frozenset[str] = frozenset()
    articles: frozenset[str] = frozenset()


def last_versions(versions: Iterable[tuple[int, dict[str, Any]]]) -> dict[str, tuple[int, dict[str, Any]]]:
    """Per lot reference, its last police-register version ``(rank, content)``."""
    last: dict[str, tuple[int, dict[str, Any]]] = {}
    for rank, content in sorted(versions, key=lambda pair: pair[0]):
        lot = content.get("lot") if isinstance(content, dict) else None
        if isinstance(lot, dict) and lot.get("ref"):
            last[str(lot["ref"])] = (rank, content)
    return last


def register_divergences(
    versions: Iterable[tuple[int, dict[str, Any]]],
    lots: Mapping[str, dict[str, Any]],
    articles: Mapping[str, Article | Mapping[str, Any]],
    family_labels: Mapping[str, Iterable[str]],
    purged: Purged = Purged(),
    chain: str = "police_register",
) -> list[Divergence]:
    """Each lot and article against its lot's last police-register version.

    ``lots`` and ``articles``: the live records by reference (articles as Articles or as
    stored records: compared in the stored form); ``family_labels``:
    per family id, every label it has had (its current one first), since a
    renamed family is no change to the register.
    """
    found: list[Divergence] = []
    for lot_ref, (rank, content) in sorted(last_versions(versions).items()):
        sealed_lot = content["lot"]
        live_lot = lots.get(lot_ref)
        if live_lot is None:
            if lot_ref not in purged.lots:
                found.append(Divergence("lot", lot_ref, "exists", True, False, chain, rank))
        else:
            for name in LOT_FIELDS:
                if name in sealed_lot and not same(name, sealed_lot.get(name), live_lot.get(name)):
                    found.append(Divergence("lot", lot_ref, name, sealed_lot.get(name), live_lot.get(name),
                                            chain, rank))
            seller = content.get("seller") or {}
            live_seller = live_lot.get("supplier") or {}
            for name in sorted(seller):
                if not same(name, seller.get(name), live_seller.get(name)):
                    found.append(Divergence("lot", lot_ref, f"seller.{name}", seller.get(name),
                                            live_seller.get(name), chain, rank))
        for sealed in content.get("articles") or []:
            ref = str(sealed.get("ref") or "")
            read = articles.get(ref)
            if read is None:
                if ref not in purged.articles:
                    found.append(Divergence("article", ref, "exists", True, False, chain, rank))
                continue
            live = _stored(read)
            for name in ARTICLE_FIELDS:
                if name in sealed and not same(name, sealed.get(name), live.get(name)):
                    found.append(Divergence("article", ref, name, sealed.get(name), live.get(name), chain, rank))
            if "family" in sealed:
                family_id = live.get("family_id")
                labels = list(family_labels.get(family_id or "", ()))
                if _blank(sealed["family"]) and _blank(family_id):
                    continue
                if _blank(sealed["family"]) or sealed["family"] not in labels:
                    found.append(Divergence("article", ref, "family", sealed["family"],
                                            labels[0] if labels else family_id, chain, rank))
    return found


def receipt_divergences(
    receipts: Iterable[tuple[int, str, dict[str, Any]]],
    articles: Mapping[str, Article | Mapping[str, Any]],
    chain: str = "receipt",
) -> list[Divergence]:
    """Each sold article against its last sale receipt.

    ``receipts``: ``(rank, journal kind, content)`` of the receipt chain. A sale
    receipt names each article it sold (line ``ref``) with its price and VAT
    rate; a customer return's receipt (``sale_return``) ends that sale. An article
    sold with no receipt standing for it, or differing from it, is reported; a
    deleted one is left to :func:`register_divergences` (or a closure).
    """
    expected: dict[str, tuple[int, dict[str, Any] | None, str | None]] = {}
    for rank, kind, content in sorted(receipts, key=lambda r: r[0]):
        if kind not in (SALE, SALE_RETURN):
            continue
        for line in content.get("lines") or []:
            if not isinstance(line, dict) or not line.get("ref"):
                continue
            if kind == SALE:
                expected[str(line["ref"])] = (rank, line, content.get("transaction_ref"))
            else:
                expected[str(line["ref"])] = (rank, None, None)
    found: list[Divergence] = []
    for ref, read in sorted(articles.items()):
        live = _stored(read)
        rank, line, transaction = expected.get(ref, (0, None, None))
        live_transaction = live.get("transaction_ref")
        if line is None:
            if live.get("status") == SOLD and not _blank(live_transaction):
                found.append(Divergence("sale", str(live_transaction), "transaction_ref", None, live_transaction,
                                        chain, rank, article=ref))
            continue
        if live_transaction != transaction:  # a sale undone, or moved, with no receipt saying so
            found.append(Divergence("sale", str(transaction), "transaction_ref", transaction, live_transaction,
                                    chain, rank, article=ref))
            continue
        for name, sealed in (("sale_price", line.get("unit_price")), ("vat_rate", line.get("vat_rate"))):
            if not same(name, sealed, live.get(name)):
                found.append(Divergence("sale", str(transaction), name, sealed, live.get(name), chain, rank,
                                        article=ref))
    return found


@dataclass(frozen=True)
class InFlight:
    """What journal entries not sealed yet are about: their records cannot be held against
    a version that does not exist yet (sealing follows a write by a moment)."""

    lots: frozenset[str] = frozenset()
    transactions: frozenset[str] = frozenset()
    articles: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.lots or self.transactions or self.articles)


def settled(found: Iterable[Divergence], in_flight: InFlight) -> list[Divergence]:
    """``found`` without what an entry still on its way to the vault explains."""
    kept = []
    for d in found:
        if d.record == "lot" and d.ref in in_flight.lots:
            continue
        if d.record == "article" and (d.ref in in_flight.articles or d.ref[:-3] in in_flight.lots):
            continue
        if d.record == "sale" and (d.ref in in_flight.transactions or d.live in in_flight.transactions
                                   or d.article in in_flight.articles):
            continue
        kept.append(d)
    return kept


def summary_divergences(expected: Mapping[str, Mapping[str, Any]], stored: Mapping[str, Mapping[str, Any]],
                        ) -> list[Divergence]:
    """The Σ buckets (stored copies the summary reads) against the same sums recomputed from
    the live articles, themselves held against the register: a bucket edited behind the
    application's back would otherwise change the VAT figures with no trace.

    ``sealed`` is what the articles give, ``live`` what the bucket holds.
    """
    found: list[Divergence] = []
    for bucket in sorted(set(expected) | set(stored)):
        want, have = expected.get(bucket, {}), stored.get(bucket, {})
        for name in sorted(set(want) | set(have)):
            computed, kept = Decimal(str(want.get(name, 0))), Decimal(str(have.get(name, 0)))
            if computed != kept:
                found.append(Divergence("summary", bucket, name, str(computed), str(kept), "articles", 0))
    return found


def beyond(copies: list[Divergence], found: list[Divergence],
           articles: Mapping[str, Article | Mapping[str, Any]]) -> list[Divergence]:
    """The Σ buckets' divergences not explained by an article already reported (an article
    edited behind the application's back moves its bucket's sums too: reported once)."""
    from chalicelib.domain.sigma import bucket_of

    explained = {bucket_of(articles[ref]) for d in found for ref in (d.article, d.ref)
                 if ref is not None and ref in articles}
    if any(d.record == "article" and d.field == "exists" for d in found):
        explained.add(bucket_of({"status": "stock"}))  # a deleted article in stock left its bucket's sums
    return [d for d in copies if d.ref not in explained]
