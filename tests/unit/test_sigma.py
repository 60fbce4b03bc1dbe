"""The Σ buckets' arithmetic against the article-by-article Σ, on random articles (pure)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain import search, sigma
from chalicelib.domain.actions import STATUS_LABELS
from chalicelib.domain.article import Article
from chalicelib.domain.vat import RATES

MONEY = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2).map(lambda d: f"{d:.2f}")
DAYS = st.sampled_from([None, "2025-01-31", "2025-02-01", "2025-02-28", "2025-03-01", "2026-12-07"])

article = st.fixed_dictionaries({
    "ref": st.text("0123456789", min_size=10, max_size=10),
    "lot_ref": st.just("1101001"),
    "status": st.sampled_from(sorted(STATUS_LABELS)),
    "condition": st.sampled_from(["new", "used", None]),
    "vat_rate": st.sampled_from(sorted(RATES)),
    "vat_rate_before_sale": st.sampled_from([None, *sorted(RATES)]),
    "purchase_price": st.one_of(st.none(), MONEY),
    "sale_price": st.one_of(st.none(), MONEY),
    "label_price": st.one_of(st.none(), MONEY),
    "sale_date": DAYS,
})

FILTERS = ({}, {"status": "sold"}, {"status": "stock,lost"}, {"sale_from": "2025-02-01", "sale_to": "2025-02-28"},
           {"sale_from": "2025-03-01"}, {"sale_to": "2025-02-28", "status": "sold,sold_for_melt"},
           {"status": "replaced"})


def _reference(articles: list[dict[str, Any]], params: dict[str, str]) -> dict[str, Any]:
    filters = search.parse_filters(params, set(STATUS_LABELS))
    found = [a for a in articles if search.matches(a, filters)]
    if not filters.statuses:
        found = [a for a in found if a["status"] != "replaced"]
    return search.summary(found)


@settings(max_examples=300)
@given(before=st.lists(article, max_size=12), after=st.lists(article, max_size=12))
def test_buckets_moved_by_the_deltas_of_any_writes_give_the_article_by_article_summary(
        before: list[dict[str, Any]], after: list[dict[str, Any]]) -> None:
    # the tenant had ``before``; a write changed it to ``after`` (pairs), created or deleted the rest
    pairs = list(zip(before, after, strict=False))
    created, deleted = after[len(pairs):], before[len(pairs):]
    buckets = sigma.merge(sigma.deltas((None, a) for a in before),
                          sigma.deltas([*pairs, *((None, a) for a in created), *((a, None) for a in deleted)]))
    for params in FILTERS:
        ask = sigma.question(search.parse_filters(params, set(STATUS_LABELS)))
        assert ask is not None, params
        assert sigma.summary_from(buckets, ask) == _reference(after, params), params


def test_only_statuses_and_whole_months_of_sale_are_asked_of_the_buckets() -> None:
    def asked(params: dict[str, str]) -> bool:
        return sigma.question(search.parse_filters(params, set(STATUS_LABELS))) is not None

    assert asked({}) and asked({"status": "sold"}) and asked({"sale_from": "2024-02-01", "sale_to": "2024-02-29"})
    assert not asked({"sale_from": "2024-02-02"}) and not asked({"sale_to": "2024-02-28"})  # part of a month
    assert not asked({"purchase_from": "2024-02-01"}) and not asked({"family_id": "fam_1"})
    assert not asked({"q": "bague"}) and not asked({"price_min": "10"}) and not asked({"has_traces": "true"})


def test_the_slim_copy_keeps_what_the_summary_reads() -> None:
    full = {"ref": "1101001001", "lot_ref": "1101001", "status": "sold", "purchase_price": "40.00",
            "sale_price": "85.00", "condition": "new", "vat_rate": "intermediate", "vat_rate_before_sale": "normal",
            "description": "Bague en or", "traces": [{"field": "x"}]}
    slim = {"ref": "1101001001", "lot_ref": "1101001", "status": "sold", **sigma.from_slim(sigma.slim(full))}
    assert "description" not in slim and "traces" not in slim
    assert search.summary([slim]) == search.summary([full])


@settings(max_examples=200)
@given(records=st.lists(article, max_size=12), sort=st.sampled_from(["ref", "-sale_date", "label_price", "-status"]))
def test_an_article_and_its_stored_form_give_the_same_sums_buckets_and_order(
        records: list[dict[str, Any]], sort: str) -> None:
    # whole articles reach the Σ typed, slim copies and closures' snapshots in the stored form
    typed = [Article.from_record(r) for r in records]
    assert search.summary(typed) == search.summary(records)
    assert sigma.deltas((None, a) for a in typed) == sigma.deltas((None, r) for r in records)
    assert [sigma.bucket_of(a) for a in typed] == [sigma.bucket_of(r) for r in records]
    assert [a.ref for a in search.sort_articles(typed, sort)] == [r["ref"] for r in search.sort_articles(records, sort)]
