"""Between subscribers, the pure rules: who gets a transfer, what a pending lot holds."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from chalicelib.domain import transfers as rules
from chalicelib.domain.article import Article
from chalicelib.domain.sale import SaleLine


def _articles(n: int) -> list[Article]:
    return [Article(ref=f"0101001{i:03d}", lot_ref="0101001", status="stock", description=f"Objet {i}",
                    weight_g=Decimal("2.5"), fineness=750, serial=f"S{i}", condition="used",
                    deposit_price=Decimal("10.00"), vat_rate="normal")
            for i in range(1, n + 1)]


def test_only_a_client_carrying_another_subscribers_reference_gets_a_transfer() -> None:
    assert rules.wants_transfer({"subscriber_ref": " lb-abcd-efgh "}, "LB-MINE-0000") == "LB-ABCD-EFGH"
    assert rules.wants_transfer({"subscriber_ref": "LB-MINE-0000"}, "lb-mine-0000") is None
    assert rules.wants_transfer({"subscriber_ref": ""}, "LB-MINE-0000") is None
    assert rules.wants_transfer(None, "LB-MINE-0000") is None


def test_a_sale_sends_the_price_paid_and_keeps_the_vat_rate() -> None:
    articles = _articles(2)
    lines = [SaleLine(ref=a.ref, label="", unit_price=Decimal("12.50"), total=Decimal("12.50"),
                      total_excl_vat=Decimal("12.50"), vat_rate=rate, vat_rate_percent=Decimal("0"), vat=Decimal("0"))
             for a, rate in zip(articles, ("reduced", "unknown"), strict=True)]
    transfer = rules.from_sale("T1", "LB-V", "LB-A", date(2022, 3, 4), "card", articles, lines)
    [(suffix, header, pending_lines)] = rules.pending_lots(transfer, "sup-1")
    assert suffix == ""
    assert header["purchase_price"] == "25.00" and header["purchase_date"] == "2022-03-04"
    assert header["supplier_id"] == "sup-1" and header["payment_method"] == "card"
    assert [line["purchase_price"] for line in pending_lines] == ["12.50", "12.50"]
    assert [line["vat_rate"] for line in pending_lines] == ["reduced", "normal"]
    assert {line["family_id"] for line in pending_lines} == {None}


def test_a_deposit_becomes_reserve_prices_and_more_than_999_articles_make_several_lots() -> None:
    transfer = rules.from_deposit("D1", "LB-V", "LB-A", date(2022, 3, 4), _articles(1001))
    lots = rules.pending_lots(transfer, "sup-1")
    assert [(suffix, len(lines)) for suffix, _, lines in lots] == [("-1", 999), ("-2", 2)]
    header, lines = lots[0][1], lots[0][2]
    assert header["purchase_price"] is None and header["payment_method"] is None
    assert lines[0]["reserve_price"] == "10.00" and lines[0]["purchase_price"] is None
    assert rules.pending_id("abcdef0123", "D1", "-2") == "abcdef01-D1-2"


def test_families_are_chosen_by_index_or_for_all() -> None:
    lines = [{"family_id": None}, {"family_id": None}, {"family_id": None}]
    chosen = rules.with_families(lines, {"1": "rings"}, "misc")
    assert [line["family_id"] for line in chosen] == ["misc", "rings", "misc"]
    with pytest.raises(rules.FamilyChoiceError) as refused:
        rules.with_families(lines, {"3": "rings", "x": "misc"}, None)
    assert "3" in refused.value.details["families"] and "x" in refused.value.details["families"]
