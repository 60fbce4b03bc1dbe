"""The Σ summary from aggregates: what each article adds to its bucket.

A bucket is one month of sale × one status (``2026-11#sold``; ``none#stock`` for an
article without a sale date). Its figures are sums over the articles in it: count,
purchase total, sale total, margin, and per VAT rate the base, the deductible VAT,
the collected VAT and ``shown`` (how many articles make that rate appear in the
breakdown). Every write of articles adds, in the same transaction, the difference
between what the articles contributed before and after (:func:`deltas`); a Σ over
whole months and statuses then reads a few buckets instead of every article.

:func:`chalicelib.domain.search.summary` (article by article) stays the reference:
:func:`contribution` follows it line by line, and a property test holds them equal.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from chalicelib.domain.article import Article
from chalicelib.domain.money import ZERO, fmt
from chalicelib.domain.search import Filters, Stored, recorded_vat, terms
from chalicelib.domain.vat import NEGATIVE_MARGIN, purchase_vat

NO_MONTH = "none"
TOTALS = ("count", "purchase", "sale", "margin")
PER_RATE = ("base", "deductible", "collected", "shown")
# Statuses a Σ without a status filter leaves out (technical redirects, as the search does).
HIDDEN_BY_DEFAULT = frozenset({"replaced"})

Figures = dict[str, Decimal]


def bucket_of(article: Article | Stored) -> str:
    """``<month of sale>#<status>``: the dimensions a Σ without other filters asks about.

    ``article``: an Article, or a stored form (a record as a closure or the verification read it)."""
    if isinstance(article, Article):
        return f"{article.sale_date.isoformat()[:7] if article.sale_date else NO_MONTH}#{article.status}"
    sale_date = article.get("sale_date")
    month = str(sale_date)[:7] if sale_date else NO_MONTH
    return f"{month}#{article['status']}"


def _add(figures: Figures, name: str, amount: Decimal) -> None:
    figures[name] = figures.get(name, ZERO) + amount


def contribution(article: Article | Stored) -> Figures:
    """What one article adds to its bucket: the terms of :func:`search.summary` for it."""
    figures: Figures = {"count": Decimal(1)}
    of = terms(article)
    status, condition, rate, rate_before_sale, purchase, sale = of
    own_rate = rate_before_sale or rate or "normal"
    if purchase is not None:
        _add(figures, "purchase", purchase)
        deductible = purchase_vat(condition, own_rate, purchase)
        if deductible:
            _add(figures, f"deductible_{own_rate}", deductible)
            _add(figures, f"shown_{own_rate}", Decimal(1))
    result = recorded_vat(of)
    if result is not None and sale is not None:
        _add(figures, "sale", sale)
        _add(figures, "margin", result.margin or ZERO)
        _add(figures, f"base_{result.rate}", result.base)
        _add(figures, f"collected_{result.rate}", result.collected)
        _add(figures, f"shown_{result.rate}", Decimal(1))
    elif status == "lost":
        _add(figures, f"shown_{NEGATIVE_MARGIN}", Decimal(1))
    return {k: v for k, v in figures.items() if v}


def deltas(pairs: Iterable[tuple[Article | Stored | None, Article | Stored | None]]) -> dict[str, Figures]:
    """What a write changes in the buckets: each (before, after) pair of an article,
    None for an article created (before) or deleted (after). Zero changes are left out.

    An Article, or a stored record as read (a closure's snapshot, the verification's lean read)."""
    out: dict[str, Figures] = {}
    for before, after in pairs:
        for article, sign in ((before, -1), (after, 1)):
            if article is None:
                continue
            figures = out.setdefault(bucket_of(article), {})
            for name, amount in contribution(article).items():
                _add(figures, name, amount * sign)
    return {key: kept for key, figures in sorted(out.items())
            if (kept := {name: amount for name, amount in figures.items() if amount})}


def merge(*parts: Mapping[str, Figures]) -> dict[str, Figures]:
    out: dict[str, Figures] = {}
    for part in parts:
        for key, figures in part.items():
            target = out.setdefault(key, {})
            for name, amount in figures.items():
                _add(target, name, amount)
    return {key: kept for key, figures in sorted(out.items())
            if (kept := {name: amount for name, amount in figures.items() if amount})}


# ---------------------------------------------------------------- which Σ the buckets answer


def _month_start(day: str | None) -> str | None:
    """The month of a range's first day, if it is the first of a month; "" if not."""
    if day is None:
        return None
    return day[:7] if day.endswith("-01") else ""


def _month_end(day: str | None) -> str | None:
    """The month of a range's last day, if it is the last of a month; "" if not."""
    if day is None:
        return None
    return day[:7] if (date.fromisoformat(day) + timedelta(days=1)).day == 1 else ""


class Question:
    """A Σ the buckets answer: some statuses, sold within whole months (or any time)."""

    def __init__(self, statuses: frozenset[str] | None, first_month: str | None, last_month: str | None,
                 dated: bool) -> None:
        self.statuses = statuses  # None: every status but the hidden ones
        self.first_month = first_month
        self.last_month = last_month
        self.dated = dated  # a sale date range was asked: articles never sold are out

    def wants(self, bucket: str) -> bool:
        month, _, status = bucket.partition("#")
        if self.statuses is None and status in HIDDEN_BY_DEFAULT:
            return False
        if self.statuses is not None and status not in self.statuses:
            return False
        if self.dated and month == NO_MONTH:
            return False
        if self.first_month and month < self.first_month:
            return False
        return not (self.last_month and month != NO_MONTH and month > self.last_month)


def question(filters: Filters) -> Question | None:
    """The buckets' question for these filters; None when only articles can answer."""
    if (filters.text or filters.ref or filters.equal or filters.has_traces is not None
            or filters.in_selection is not None or filters.price != (None, None)
            or filters.weight != (None, None) or set(filters.ranges) - {"sale"}):
        return None
    low, high = filters.ranges.get("sale", (None, None))
    first, last = _month_start(low), _month_end(high)
    if first == "" or last == "":
        return None  # part of a month: the buckets hold whole months
    statuses = frozenset(filters.statuses) if filters.statuses else None
    return Question(statuses, first, last, "sale" in filters.ranges)


def summary_from(buckets: Mapping[str, Figures], ask: Question) -> dict[str, Any]:
    """The Σ, in the shape of :func:`search.summary`, from the buckets the question wants."""
    totals: Figures = {}
    for key, figures in buckets.items():
        if ask.wants(key):
            for name, amount in figures.items():
                _add(totals, name, amount)
    rates = sorted({name.split("_", 1)[1] for name in totals if name.startswith("shown_") and totals[name] > 0})
    return {
        "count": int(totals.get("count", ZERO)),
        "purchase_total": fmt(totals.get("purchase", ZERO)),
        "sale_total": fmt(totals.get("sale", ZERO)),
        "margin_total": fmt(totals.get("margin", ZERO)),
        "vat": {rate: {"base": fmt(totals.get(f"base_{rate}", ZERO)),
                       "deductible": fmt(totals.get(f"deductible_{rate}", ZERO)),
                       "collected": fmt(totals.get(f"collected_{rate}", ZERO))} for rate in rates},
    }


# The fields a Σ and the filters it may come with read that no index key already holds:
# stored beside the article as a short list (the slim copy), in this order. Suppliers,
# clients, families, transactions, invoices and dates come from the index keys.
SLIM_FIELDS = ("purchase_price", "sale_price", "label_price", "condition", "vat_rate", "vat_rate_before_sale",
               "weight_g", "payment_method")


def slim(article: Mapping[str, Any]) -> list[Any]:
    """The slim copy of an article: the values of :data:`SLIM_FIELDS` (trailing nulls left out)."""
    values = [article.get(k) for k in SLIM_FIELDS]
    while values and values[-1] is None:
        values.pop()
    return values


def from_slim(values: list[Any]) -> dict[str, Any]:
    return {k: v for k, v in zip(SLIM_FIELDS, values, strict=False) if v is not None}


def slim_enough(filters: Filters) -> bool:
    """The slim copy carries every field these filters look at (not the text, nor the traces)."""
    return not filters.text and filters.has_traces is None

