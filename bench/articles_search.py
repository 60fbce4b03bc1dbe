"""Articles at scale, in-process with moto: lookups, searches, selection, sale, Σ.

Goals (issue "Articles"), on a tenant with 50,000 articles: lookup by reference
in one read; a month of sales (~500 matches) reading within 2x what the matched
items weigh, whatever the inventory size (shown at 5,000 and 50,000); first page
of a text search under 2 s; selecting all results of a 10,000-article filter;
selling 100 articles (requests and time); the Σ over 10,000 sold articles under 1 s.

Read capacity is what DynamoDB would bill: the size of every item the query
reads (from the index, or the table), rounded up to 4 KB per item... summed per
page as DynamoDB does (eventually consistent reads at half price). moto does
not report consumed capacity, so the bench computes it from the items each
request returned and compares it with the matched items' own weight.
"""

from __future__ import annotations

import json
import math
import sys
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from bench._inprocess import RequestCounter, moto_account, new_tenant, timed
from chalicelib.adapters.aws import ensure_models_bound
from chalicelib.adapters.models import ArticleModel, LotModel, SearchModel
from chalicelib.adapters.repositories import sigma as sigma_repo
from chalicelib.adapters.repositories.article_items import article_item
from chalicelib.adapters.repositories.search_index import search_item
from chalicelib.domain import search
from chalicelib.services import actions, articles

SOLD = 10_000
MONTHS = 20


def _article(n: int, sold_count: int) -> dict[str, Any]:
    lot = f"06{(n // 999) % 12 + 1:02d}{n // (999 * 12) + 1:03d}"
    ref = f"{lot}{n % 999 + 1:03d}"
    sold = n < sold_count
    sale_day = date(2022, 1, 1) + timedelta(days=(n * 7) % (MONTHS * 30)) if sold else None
    description = ("Bague en or jaune" if n % 50 == 0 else "Assiette en faïence de Lunéville") + f" n° {n}"
    return {
        "ref": ref, "lot_ref": lot, "status": "sold" if sold else "stock", "description": description,
        "family_id": "fam_x", "weight_g": "3.25", "fineness": 750, "serial": f"S{n}", "comment": None,
        "condition": "used", "vat_rate": "normal", "purchase_price": "40.00", "reserve_price": None,
        "deposit_price": None, "label_price": "90.00", "sale_price": "85.00" if sold else None,
        "supplier_id": f"sup_{n % 300}", "client_id": "cli_1" if sold else None,
        "transaction_ref": f"V-{n}" if sold else None, "invoice_number": None,
        "payment_method": "card" if sold else None, "purchase_date": "2021-06-01",
        "sale_date": sale_day.isoformat() if sale_day else None, "deposit_date": None, "traces": [],
    }


def fill(tenant_id: str, count: int, sold: int = SOLD) -> None:
    """Articles, their lots and the lots' search documents, written straight to the tables."""
    ensure_models_bound()
    by_lot: dict[str, list[dict[str, Any]]] = {}
    with ArticleModel.batch_write() as batch:
        for n in range(count):
            article = _article(n, sold)
            by_lot.setdefault(article["lot_ref"], []).append(article)
            batch.save(article_item(tenant_id, article))
    with SearchModel.batch_write() as batch, LotModel.batch_write() as lots:
        for lot_ref, lot_articles in by_lot.items():
            batch.save(search_item(tenant_id, lot_ref, lot_articles))
            lots.save(LotModel(tenant_id, lot_ref, kind="purchase",
                               data={"status": "committed", "purchase_date": "2021-06-01",
                                     "article_count": len(lot_articles)}))
    # written straight to the table, not by the actions: the Σ buckets are computed once here
    sigma_repo.rebuild(tenant_id, (a for group in by_lot.values() for a in group))


def run(size: int) -> None:
    who = new_tenant()
    with timed() as filled:
        fill(who.tenant_id, size)
    print(f"-- tenant with {size} articles ({SOLD if size >= SOLD else size} sold), "
          f"filled in {filled['seconds']:.1f} s")
    ref = _article(size // 2, SOLD)["ref"]
    # the tenant's first read looks for dead writes (one Query, then not for 30 s): done here
    articles.find(who, articles.parse_filters({"ref": _article(0, SOLD)["ref"]}))
    counter = RequestCounter()
    with counter.counting(), timed() as looked:
        found = articles.find(who, articles.parse_filters({"ref": ref}))
    assert [a.ref for a in found] == [ref]
    print(f"lookup by reference: {looked['seconds'] * 1000:.1f} ms, {counter.total} request(s) {dict(counter.calls)}")

    counter = RequestCounter()
    with counter.counting(), timed() as month:
        matched = articles.find(who, articles.parse_filters({"sale_from": "2022-03-01", "sale_to": "2022-03-31"}))
    read = counter.read_units()
    weight = math.ceil(sum(len(json.dumps(article_item(who.tenant_id, a).serialize(), separators=(",", ":")))
                           for a in matched) / 4096) / 2
    items_read = sum(n for n, _ in counter.reads)
    print(f"month of sales: {len(matched)} matches in {month['seconds']:.2f} s, {dict(counter.calls)}; "
          f"{items_read} items read, {read:.1f} RCU read for {weight:.1f} RCU of matched items "
          f"(ratio {read / weight:.2f}, goal <= 2)")

    counter = RequestCounter()
    with counter.counting(), timed() as text:
        found = articles.find(who, articles.parse_filters({"q": "bague or"}))
    print(f"text search 'bague or': {len(found)} matches, first page of {len(found[:50])} in {text['seconds']:.2f} s "
          f"(goal < 2 s), {dict(counter.calls)}, {counter.read_units():.0f} RCU")

    if size >= SOLD:
        counter = RequestCounter()
        with counter.counting(), timed() as selected:
            selection = articles.select(who, None, {"status": "sold"})
        print(f"select all results of a {selection['count']}-article filter: {selected['seconds']:.2f} s, "
              f"{counter.total} requests")
        articles.reset_selection(who)

        counter = RequestCounter()
        with counter.counting(), timed() as summed:
            summary = articles.summary(who, articles.parse_filters({"status": "sold"}))
        print(f"summary over {summary['count']} sold articles (Σ buckets): {summed['seconds']:.3f} s "
              f"(goal < 1 s), {dict(counter.calls)}; collected VAT {summary['vat']['normal']['collected']}")
        slim_filters = articles.parse_filters({"status": "sold", "family_id": "fam_x"})
        counter = RequestCounter()
        with counter.counting(), timed() as slimmed:
            by_slim = articles.summary(who, slim_filters)
        with timed() as whole:
            reference = search.summary(articles.find(who, slim_filters))
        assert by_slim == reference
        print(f"summary over {by_slim['count']} sold articles of a family (slim copies): {slimmed['seconds']:.2f} s, "
              f"{dict(counter.calls)}; article by article from whole articles: {whole['seconds']:.2f} s")

        stock_refs = [_article(n, SOLD)["ref"] for n in range(SOLD, SOLD + 100)]
        counter = RequestCounter()
        with counter.counting(), timed() as sold:
            result = actions.execute(who, "sell", stock_refs, {"date": date(2023, 1, 5), "payment_method": "card"})
        assert result["sale"]["total"] == f"{Decimal('90.00') * 100:.2f}"
        print(f"sell 100 articles: {sold['seconds']:.2f} s, {counter.total} requests "
              + ", ".join(f"{op} {n}" for op, n in counter.calls.most_common()))


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [5_000, 50_000]
    with moto_account():
        for size in sizes:
            run(size)


if __name__ == "__main__":
    main()
