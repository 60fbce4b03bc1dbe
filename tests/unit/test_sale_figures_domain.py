"""Pure rules: the VAT a sale recorded, and the closings that add up (no network, no AWS)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from chalicelib.domain import closings
from chalicelib.domain.sale import Sale
from chalicelib.domain.search import summary
from chalicelib.domain.vat import NEGATIVE_MARGIN, RATES, sale_vat

D = Decimal


@pytest.mark.parametrize(("condition", "rate", "purchase", "sale"), [
    ("used", "normal", D("100.00"), D("80.00")),  # negative margin
    ("used", "intermediate", D("100.00"), D("100.00")),  # no margin
    ("used", "reduced", D("10.00"), D("15.00")),
    ("new", "intermediate", D("80.00"), D("126.61")),
    ("new", "exempt_export", D("80.00"), D("50.00")),
])
def test_the_vat_recomputed_from_the_rate_a_sale_recorded_is_the_sales(condition: str, rate: str,
                                                                      purchase: Decimal, sale: Decimal) -> None:
    at_sale = sale_vat(condition, rate, purchase, sale)
    assert sale_vat(condition, at_sale.rate, purchase, sale) == at_sale


def test_a_negative_margin_recorded_as_such_gives_no_base_and_no_vat() -> None:
    result = sale_vat("used", NEGATIVE_MARGIN, D("100.00"), D("80.00"))
    assert (result.rate, result.base, result.collected, result.margin) == (NEGATIVE_MARGIN, D("0"), D("0"), D("-20.00"))


def _sold(**fields: Any) -> dict[str, Any]:
    return {"ref": "0101001001", "status": "sold", "condition": "new", "purchase_price": "80.00",
            "sale_price": "126.61", "vat_rate": "intermediate", "vat_rate_before_sale": "normal", **fields}


def test_the_summary_collects_under_the_rate_chosen_at_the_sale_and_deducts_under_the_articles() -> None:
    vat = summary([_sold()])["vat"]
    assert vat["intermediate"] == {"base": "115.10", "deductible": "0.00", "collected": "11.51"}
    assert vat["normal"] == {"base": "0.00", "deductible": "16.00", "collected": "0.00"}


def test_the_summary_of_a_used_article_sold_at_a_loss_stays_at_zero_negative_margin() -> None:
    vat = summary([_sold(condition="used", sale_price="70.00", vat_rate=NEGATIVE_MARGIN)])["vat"]
    assert vat == {NEGATIVE_MARGIN: {"base": "0.00", "deductible": "0.00", "collected": "0.00"}}


def test_a_returned_article_is_back_in_stock_without_collected_vat() -> None:
    returned = _sold(status="stock", sale_price=None, vat_rate="normal", vat_rate_before_sale=None)
    result = summary([returned])
    assert result["sale_total"] == "0.00" and set(result["vat"]) == {"normal"}


# ---------------------------------------------------------------- closings


def _ticket(n: int, day: date, total: str, method: str = "card", rate: str = "normal") -> closings.Ticket:
    amount = D(total)
    vat = (amount * RATES[rate] / (1 + RATES[rate])).quantize(D("0.01"))
    return closings.Ticket(f"01-{n:08d}", day, amount, {"period": str(day.year), "period_total": total,
                                                        "perpetual_total": total},
                           {rate: {"total": amount, "total_excl_vat": amount - vat, "vat": vat}}, {method: amount})


def _done(made: list[dict[str, Any]], done: dict[str, Any] | None = None) -> dict[str, Any]:
    done = dict(done or {})
    for c in made:
        done[closings.marker("01", c["kind"], c["period"])] = (
            {"issued_up_to": c["issued_up_to"]} if c.get("issued_up_to") else None)
    return done


def test_a_ticket_dated_on_a_closed_day_enters_the_next_daily_closing() -> None:
    d1, d2, d3 = date(2026, 3, 10), date(2026, 3, 11), date(2026, 3, 12)
    first = [_ticket(1, d1, "10.00")]
    made = closings.due(first, "01", {}, d2)
    assert [c["closing_number"] for c in made] == ["01-D-2026-03-10"]
    assert made[0]["issued_up_to"] == "01-00000001"
    done = _done(made)
    tickets = [*first, _ticket(2, d1, "5.00", "cash"), _ticket(3, d2, "7.00")]
    assert closings.due(tickets, "01", done, d2) == []  # ticket 2 waits: nothing later is closed yet
    (d2_closing,) = closings.due(tickets, "01", done, d3)
    assert (d2_closing["period"], d2_closing["tickets"], d2_closing["late_tickets"]) == ("2026-03-11", 2,
                                                                                        ["01-00000002"])
    assert d2_closing["period_total"] == "12.00"
    assert d2_closing["by_payment_method"] == {"card": "7.00", "cash": "5.00"}
    assert d2_closing["by_vat_rate"] == {"normal": {"total": "12.00", "total_excl_vat": "10.00", "vat": "2.00"}}
    done = _done([d2_closing], done)
    assert closings.daily_closing_days(tickets, "01", done, d3) == {"01-00000001": d1, "01-00000002": d2,
                                                                    "01-00000003": d2}
    (month,) = closings.due(tickets, "01", done, date(2026, 4, 1))
    assert (month["kind"], month["period_total"], month["tickets"]) == ("monthly", "22.00", 3)


def test_a_late_ticket_with_no_later_ticket_enters_yesterdays_closing() -> None:
    d1 = date(2026, 3, 10)
    done = _done(closings.due([_ticket(1, d1, "10.00")], "01", {}, date(2026, 3, 11)))
    tickets = [_ticket(1, d1, "10.00"), _ticket(2, d1, "4.00")]
    (made,) = closings.due(tickets, "01", done, date(2026, 3, 14))
    assert (made["period"], made["late_tickets"], made["period_total"]) == ("2026-03-13", ["01-00000002"], "4.00")


def test_a_late_ticket_of_a_closed_month_counts_in_the_month_of_its_closing() -> None:
    jan31, feb1 = date(2026, 1, 31), date(2026, 2, 1)
    done = _done(closings.due([_ticket(1, jan31, "10.00")], "01", {}, feb1))
    assert set(done) == {"closing#01#daily#2026-01-31", "closing#01#monthly#2026-01"}
    tickets = [_ticket(1, jan31, "10.00"), _ticket(2, jan31, "3.00"), _ticket(3, feb1, "1.00")]
    made = closings.due(tickets, "01", done, date(2026, 3, 1))
    assert [(c["closing_number"], c["period_total"]) for c in made] == [("01-D-2026-02-01", "4.00"),
                                                                         ("01-M-2026-02", "4.00")]


def test_closings_made_before_high_water_marks_keep_the_tickets_of_their_day() -> None:
    d1 = date(2026, 3, 10)
    legacy = {"closing#01#daily#2026-03-10": None}
    tickets = [_ticket(1, d1, "10.00"), _ticket(2, date(2026, 3, 11), "2.00")]
    assert closings.daily_closing_days(tickets, "01", legacy, date(2026, 3, 12)) == {
        "01-00000001": d1, "01-00000002": date(2026, 3, 11)}


def test_a_refund_ticket_gives_back_its_lines_per_rate() -> None:
    line = {"ref": "1003001001", "label": "Bague", "quantity": 1, "vat_rate": "intermediate", "total": "110.00",
            "unit_price": "110.00", "total_excl_vat": "100.00", "vat_rate_percent": "10.00", "vat": "10.00"}
    ticket = closings.ticket_of(Sale.from_record({
        "kind": "credit_note", "transaction_ref": "AV-00001", "receipt_number": "01-00000004", "total": "-110.00",
                                 "at": "2026-03-10T10:00+0100", "running_totals": {"period_total": "0.00"},
                                 "lines": [line]}))
    assert ticket is not None
    assert ticket.by_vat_rate == {"intermediate": {"total": D("-110.00"), "total_excl_vat": D("-100.00"),
                                                   "vat": D("-10.00")}}
    assert ticket.by_payment_method == {"refund": D("-110.00")}  # recorded before the method was kept
    by_card = closings.ticket_of(Sale.from_record({
        "kind": "credit_note", "transaction_ref": "AV-00001", "receipt_number": "01-00000004", "total": "-110.00",
                                  "at": "2026-03-10T10:00+0100", "running_totals": {"period_total": "0.00"},
                                  "lines": [line], "payment_method": "card"}))
    assert by_card is not None and by_card.by_payment_method == {"card": D("-110.00")}
    mixed = closings.ticket_of(Sale.from_record({
        "kind": "sale", "transaction_ref": "V260310-ABCDEF", "receipt_number": "01-00000005", "total": "110.00",
                                "at": "2026-03-10T11:00+0100", "receipt": {"running_totals": {"day": "x"}},
                                "payment_method": "card", "lines": [line],
                                "payments": [{"method": "cash", "amount": "10.00"},
                                             {"method": "card", "amount": "100.00"}]}))
    assert mixed is not None
    assert mixed.by_payment_method == {"cash": D("10.00"), "card": D("100.00")}  # a mixed payment
