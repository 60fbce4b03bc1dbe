"""Article search: the filters of API.md, AND-combined, and the Σ summary.

The service picks the narrowest stored access path (an index) for one of the
filters; :func:`matches` then applies all of them, so the result is the same
whatever path was taken.

The filters test an article in its stored form (``"12.00"``, ISO dates: what the query
parameters name): :func:`chalicelib.domain.visibility.filterable` gives it for an
:class:`Article`, and the Σ slim copies are in that form already. The Σ and the sort read
either an :class:`Article` or such a stored form (:data:`Stored`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from chalicelib.domain.article import Article
from chalicelib.domain.money import MAX_AMOUNT, MILLIGRAM, ZERO, AmountError, fmt, parse_decimal
from chalicelib.domain.text import fold
from chalicelib.domain.vat import ArticleVat, purchase_vat, sale_vat

TEXT_FIELDS = ("description", "serial", "comment")
EQUALITY_FILTERS = ("family_id", "supplier_id", "client_id", "condition", "vat_rate", "payment_method",
                    "transaction_ref", "invoice_number", "lot_ref")
RANGE_FILTERS = {"purchase": "purchase_date", "sale": "sale_date", "deposit": "deposit_date"}
SORTS = ("ref", "purchase_date", "sale_date", "description", "label_price", "status")
SOLD = ("sold", "sold_for_melt")

# An article in its stored form: a Σ slim copy, a record as read, a filterable view.
Stored = Mapping[str, Any]
_A = TypeVar("_A", bound=Article | Stored)


def words(text: str) -> list[str]:
    """Accent- and case-free words: "Bague en OR 18k" → bague, en, or, 18k."""
    return re.findall(r"[0-9a-z]+", fold(text))


class FilterError(ValueError):
    def __init__(self, details: dict[str, str]) -> None:
        super().__init__("invalid filters")
        self.details = details


@dataclass
class Filters:
    statuses: set[str] = field(default_factory=set)
    text: list[str] = field(default_factory=list)
    ref: str | None = None
    equal: dict[str, str] = field(default_factory=dict)
    ranges: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    price: tuple[Decimal | None, Decimal | None] = (None, None)
    weight: tuple[Decimal | None, Decimal | None] = (None, None)
    has_traces: bool | None = None
    in_selection: bool | None = None
    sort: str = "-ref"

    def to_json(self) -> dict[str, Any]:
        """The filters as query parameters (what a "select all results" stores)."""
        out: dict[str, Any] = dict(self.equal)
        if self.statuses:
            out["status"] = ",".join(sorted(self.statuses))
        if self.text:
            out["q"] = " ".join(self.text)
        if self.ref:
            out["ref"] = self.ref
        for name, (low, high) in self.ranges.items():
            if low:
                out[f"{name}_from"] = low
            if high:
                out[f"{name}_to"] = high
        for name, (least, most) in (("price", self.price), ("weight", self.weight)):
            if least is not None:
                out[f"{name}_min"] = str(least)
            if most is not None:
                out[f"{name}_max"] = str(most)
        if self.has_traces is not None:
            out["has_traces"] = "true" if self.has_traces else "false"
        if self.in_selection is not None:
            out["in_selection"] = "true" if self.in_selection else "false"
        return out


def _boolean(raw: str, name: str, problems: dict[str, str]) -> bool | None:
    value = raw.strip().lower()
    if value in ("1", "true", "oui", "yes"):
        return True
    if value in ("0", "false", "non", "no"):
        return False
    problems[name] = "Valeur attendue : true ou false."
    return None


def _decimal(raw: str | None, name: str, problems: dict[str, str]) -> Decimal | None:
    """A price or weight bound: the same plain, finite, bounded decimals as the bodies."""
    if raw is None:
        return None
    try:
        return parse_decimal(raw, places=MILLIGRAM, maximum=MAX_AMOUNT)
    except AmountError as exc:
        problems[name] = str(exc)
        return None


def _date(raw: str | None, name: str, problems: dict[str, str]) -> str | None:
    if raw is None:
        return None
    from datetime import date

    try:
        return date.fromisoformat(raw).isoformat()
    except ValueError:
        problems[name] = "Date attendue au format AAAA-MM-JJ."
        return None


KNOWN_PARAMS = {"status", "q", "ref", "price_min", "price_max", "weight_min", "weight_max", "has_traces",
                "in_selection", "sort", "page", "page_size", *EQUALITY_FILTERS,
                *(f"{r}_{end}" for r in RANGE_FILTERS for end in ("from", "to"))}


def parse_filters(params: dict[str, str], known_statuses: set[str]) -> Filters:
    problems: dict[str, str] = {}
    unknown = sorted(set(params) - KNOWN_PARAMS)
    for name in unknown:
        problems[name] = "Filtre inconnu."
    filters = Filters()
    if params.get("status"):
        filters.statuses = {s.strip() for s in params["status"].split(",") if s.strip()}
        if filters.statuses - known_statuses:
            problems["status"] = "Statut inconnu : " + ", ".join(sorted(filters.statuses - known_statuses)) + "."
    if params.get("q"):
        filters.text = words(params["q"])
    if params.get("ref"):
        filters.ref = params["ref"].strip().upper()
    for name in EQUALITY_FILTERS:
        if params.get(name):
            filters.equal[name] = params[name].strip()
    for name in RANGE_FILTERS:
        low = _date(params.get(f"{name}_from"), f"{name}_from", problems)
        high = _date(params.get(f"{name}_to"), f"{name}_to", problems)
        if low or high:
            filters.ranges[name] = (low, high)
    filters.price = (_decimal(params.get("price_min"), "price_min", problems),
                     _decimal(params.get("price_max"), "price_max", problems))
    filters.weight = (_decimal(params.get("weight_min"), "weight_min", problems),
                      _decimal(params.get("weight_max"), "weight_max", problems))
    if params.get("has_traces"):
        filters.has_traces = _boolean(params["has_traces"], "has_traces", problems)
    if params.get("in_selection"):
        filters.in_selection = _boolean(params["in_selection"], "in_selection", problems)
    if params.get("sort"):
        if params["sort"].lstrip("-") not in SORTS:
            problems["sort"] = "Tri possible sur : " + ", ".join(SORTS) + "."
        else:
            filters.sort = params["sort"]
    if problems:
        raise FilterError(problems)
    return filters


def current_price(article: Stored) -> Decimal | None:
    raw = article.get("sale_price") if article["status"] in SOLD else article.get("label_price")
    return Decimal(raw) if raw else None


def _within(value: Decimal | None, bounds: tuple[Decimal | None, Decimal | None]) -> bool:
    low, high = bounds
    if low is None and high is None:
        return True
    if value is None:
        return False
    return (low is None or value >= low) and (high is None or value <= high)


def indexed_words(article: Article) -> str:
    """What a text search looks into, as stored in the search index."""
    return _indexed((article.description, article.serial, article.comment), article.ref)


def _indexed(texts: Iterable[Any], ref: str) -> str:
    """The words of :data:`TEXT_FIELDS`' values and of the reference."""
    return " ".join(words(" ".join(str(t or "") for t in texts) + " " + ref))


def text_matches(indexed: str, typed: list[str]) -> bool:
    """Every word typed starts a word of the article: "bague or" finds "Bague en OR"."""
    present = indexed.split()
    return all(any(w.startswith(t) for w in present) for t in typed)


def matches(given: Article | Stored, filters: Filters, selection: set[str] | None = None) -> bool:
    """``given``: the stored form the caller may filter on (an :class:`Article` only from the
    Σ path, whose few old articles without a slim copy are read whole)."""
    article = given.to_record() if isinstance(given, Article) else given
    if filters.statuses and article["status"] not in filters.statuses:
        return False
    if filters.ref and article["ref"] != filters.ref and filters.ref not in (article.get("former_refs") or []):
        return False
    for name, wanted in filters.equal.items():
        if article.get(name) != wanted:
            return False
    for name, (low, high) in filters.ranges.items():
        value = article.get(RANGE_FILTERS[name])
        if value is None or (low and value < low) or (high and value > high):
            return False
    if not _within(current_price(article), filters.price):
        return False
    weight = Decimal(article["weight_g"]) if article.get("weight_g") else None
    if not _within(weight, filters.weight):
        return False
    if filters.has_traces is not None and bool(article.get("traces")) != filters.has_traces:
        return False
    if filters.in_selection is not None and selection is not None:
        if (article["ref"] in selection) != filters.in_selection:
            return False
    if filters.text and not text_matches(_indexed((article.get(f) for f in TEXT_FIELDS), article["ref"]),
                                         filters.text):
        return False
    return True


def _sort_value(article: Article | Stored, name: str) -> Any:
    """The value sorted on, alike for an Article and a stored form (dates as ISO text)."""
    if isinstance(article, Article):
        value = getattr(article, name)
        if isinstance(value, date):
            return value.isoformat()
        if name == "label_price":
            return value if value is not None else Decimal(-1)
        return value
    raw = article.get(name)
    if name == "label_price":
        return Decimal(raw) if raw else Decimal(-1)
    return raw


def sort_articles(articles: list[_A], sort: str) -> list[_A]:
    name = sort.lstrip("-")
    reverse = sort.startswith("-")

    def key(article: _A) -> tuple[Any, ...]:
        value = _sort_value(article, name)
        ref = article.ref if isinstance(article, Article) else article["ref"]
        return (value is None, value if value is not None else "", ref)

    return sorted(articles, key=key, reverse=reverse)


# What the Σ reads of an article: status, condition, vat_rate, vat_rate_before_sale,
# purchase price, sale price.
Terms = tuple[str, str, str | None, str | None, Decimal | None, Decimal | None]


def terms(article: Article | Stored) -> Terms:
    """What :func:`summary` (and the Σ buckets) read of an article, typed, from either form."""
    if isinstance(article, Article):
        return (article.status, article.condition or "used", article.vat_rate, article.vat_rate_before_sale,
                article.purchase_price, article.sale_price)
    purchase, sale = article.get("purchase_price"), article.get("sale_price")
    return (article["status"], article.get("condition") or "used", article.get("vat_rate"),
            article.get("vat_rate_before_sale"), Decimal(purchase) if purchase else None,
            Decimal(sale) if sale else None)


def recorded_sale_vat(article: Article | Stored) -> ArticleVat | None:
    """The VAT of a sold article as its sale recorded it, None if it is not sold.

    The rate is the one the sale applied (``vat_rate``: chosen at the sale, after the
    margin rule), not the article's rate before the sale (``vat_rate_before_sale``),
    and the price is the sale price: the figures of the sealed receipt.
    """
    return recorded_vat(terms(article))


def recorded_vat(of: Terms) -> ArticleVat | None:
    """:func:`recorded_sale_vat` from an article's :func:`terms`."""
    status, condition, rate, _, purchase, sale = of
    if status not in SOLD or sale is None:
        return None
    return sale_vat(condition, rate or "normal", purchase, sale)


def summary(articles: Iterable[Article | Stored]) -> dict[str, Any]:
    """The Σ of exactly these articles, computed article by article.

    Deductible VAT goes under the article's own rate (the purchase); collected VAT under
    the rate its sale recorded (:func:`recorded_sale_vat`).
    """
    purchase_total = sale_total = margin_total = ZERO
    vat: dict[str, dict[str, Decimal]] = {}

    def bucket(rate: str) -> dict[str, Decimal]:
        return vat.setdefault(rate, {"base": ZERO, "deductible": ZERO, "collected": ZERO})

    count = 0
    for article in articles:
        count += 1
        of = terms(article)
        status, condition, rate, rate_before_sale, purchase, sale = of
        own_rate = rate_before_sale or rate or "normal"
        if purchase is not None:
            purchase_total += purchase
            deductible = purchase_vat(condition, own_rate, purchase)
            if deductible:
                bucket(own_rate)["deductible"] += deductible
        result = recorded_vat(of)
        if result is not None and sale is not None:
            sale_total += sale
            margin_total += result.margin or ZERO
            entry = bucket(result.rate)
            entry["base"] += result.base
            entry["collected"] += result.collected
        elif status == "lost":
            bucket("zero_negative_margin")
    return {
        "count": count,
        "purchase_total": fmt(purchase_total),
        "sale_total": fmt(sale_total),
        "margin_total": fmt(margin_total),
        "vat": {rate: {k: fmt(v) for k, v in entry.items()} for rate, entry in sorted(vat.items())},
    }
