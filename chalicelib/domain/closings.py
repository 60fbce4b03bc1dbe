"""Cash register closings (clôtures de caisse): daily, monthly, yearly.

Every ticket already carries the register's running totals (day, fiscal period,
perpetual). A closing sums its period's tickets and repeats the running totals
of the period's last ticket: the period total, the period grand total and the
perpetual grand total; the period total is broken down per VAT rate and per
payment method. Only periods that are over are closed, each once.

A ticket dated on a day whose daily closing is already sealed (or whose month or
year is) enters the next daily closing; monthly and yearly closings sum the
tickets of their daily closings, so the daily closings of a month always add up
to it. Which daily closing a ticket entered is known from each daily closing's
high-water mark: the highest ticket number issued when it was made.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from chalicelib.domain.money import ZERO, fmt
from chalicelib.domain.sale import SALE, Sale, SaleLine

VatTotals = dict[str, Decimal]  # {"total": incl. VAT, "total_excl_vat": ..., "vat": ...}


@dataclass(frozen=True)
class Ticket:
    number: str  # "01-00000012": sorts in issue order
    day: date  # local (Europe/Paris) date of issue
    total: Decimal  # incl. VAT; negative for a refund
    running_totals: dict[str, str]
    by_vat_rate: dict[str, VatTotals] = field(default_factory=dict)
    by_payment_method: dict[str, Decimal] = field(default_factory=dict)


def lines_by_vat_rate(lines: Iterable[SaleLine], sign: int = 1) -> dict[str, VatTotals]:
    """A ticket's lines summed per VAT rate (``sign`` -1 for the lines a refund gives back)."""
    by_rate: dict[str, VatTotals] = {}
    for line in lines:
        entry = by_rate.setdefault(line.vat_rate, {"total": ZERO, "total_excl_vat": ZERO, "vat": ZERO})
        entry["total"] += sign * line.total
        entry["total_excl_vat"] += sign * line.total_excl_vat
        entry["vat"] += sign * line.vat
    return by_rate


UNALLOCATED = "unallocated"  # an amount of a ticket that no line gives a VAT rate to


def ticket_of(sale: Sale) -> Ticket | None:
    """The ticket a stored sale or credit note gave, None if it gave none.

    A sale's lines give its VAT rates, its payment (or payments, when mixed) its
    methods; a credit note gives back its lines, by the refunded sale's method.
    """
    number = sale.receipt_number
    totals = (sale.receipt or {}).get("running_totals") if sale.kind == SALE else sale.running_totals
    if not number or not totals or sale.at is None:
        return None
    total = sale.total
    refund = sale.is_credit_note
    by_rate = lines_by_vat_rate(sale.lines, -1 if refund else 1)
    rest = total - sum((entry["total"] for entry in by_rate.values()), ZERO)
    if rest:
        by_rate[UNALLOCATED] = {"total": rest, "total_excl_vat": rest, "vat": ZERO}
    payments = sale.extras.get("payments")  # a mixed payment (recorded by none of today's tills)
    if refund:  # given back by the sale's method; "refund" for credit notes recorded without it
        methods = {sale.payment_method or "refund": total}
    elif payments:
        methods = _sum_methods({p["method"]: Decimal(p["amount"])} for p in payments)
    else:
        methods = {sale.payment_method or "unknown": total}
    return Ticket(number, sale.at.date(), total, dict(totals), by_rate, methods)


def merge(tickets: list[Ticket]) -> Ticket:
    """One ticket from the records that share its number (a refund of several sales)."""
    first = tickets[0]
    return Ticket(first.number, first.day, sum((t.total for t in tickets), ZERO), first.running_totals,
                  _sum_rates(t.by_vat_rate for t in tickets), _sum_methods(t.by_payment_method for t in tickets))


def _sum_rates(parts: Iterable[dict[str, VatTotals]]) -> dict[str, VatTotals]:
    out: dict[str, VatTotals] = {}
    for part in parts:
        for rate, entry in part.items():
            into = out.setdefault(rate, {"total": ZERO, "total_excl_vat": ZERO, "vat": ZERO})
            for name, value in entry.items():
                into[name] += value
    return out


def _sum_methods(parts: Iterable[dict[str, Decimal]]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for part in parts:
        for method, amount in part.items():
            out[method] = out.get(method, ZERO) + amount
    return out


def period_of(kind: str, day: date) -> str:
    return {"daily": day.isoformat(), "monthly": f"{day:%Y-%m}", "yearly": str(day.year)}[kind]


def _over(kind: str, period: str, today: date) -> bool:
    return period < period_of(kind, today)


def marker(register: str, kind: str, period: str) -> str:
    return f"closing#{register}#{kind}#{period}"


def high_water_mark(state: Mapping[str, Any] | None) -> str | None:
    """The highest ticket number issued when a daily closing was made (kept with its marker)."""
    return (state or {}).get("issued_up_to")


def daily_closing_days(tickets: list[Ticket], register: str, done: Mapping[str, Mapping[str, Any] | None],
                       today: date) -> dict[str, date]:
    """The daily closing each ticket entered or enters now: {ticket number: closing day}.

    A ticket entered the first sealed daily closing, on or after its day, made when it
    existed (its number within that closing's high-water mark). One not closed yet and
    dated before today enters the daily closing of its day, unless that day is already
    closed (a daily closing of that day or a later one is sealed, or its month's or
    year's): then it is late and enters the next daily closing made now — the first
    later day closed in this run, else yesterday's. A late ticket issued after
    yesterday's closing waits for the next run. Tickets left out are not closed yet.
    Daily closings are so made in day order, and their high-water marks never decrease.
    """
    prefix = marker(register, "daily", "")
    marks: dict[date, str] = {}
    legacy: set[date] = set()
    for key, state in done.items():
        if key.startswith(prefix):
            day = date.fromisoformat(key[len(prefix):])
            mark = high_water_mark(state)
            marks[day] = "" if mark is None else str(mark)
            if mark is None:
                legacy.add(day)
    for ticket in tickets:  # closings made before high-water marks were kept: their day's tickets
        if ticket.day in legacy:
            marks[ticket.day] = max(marks[ticket.day], ticket.number)
    days = sorted(marks)
    rising: list[str] = []
    for day in days:
        rising.append(max(rising[-1] if rising else "", marks[day]))
    last_closed = days[-1] if days else None

    def is_closed(day: date) -> bool:
        return (last_closed is not None and day <= last_closed) or any(
            marker(register, kind, period_of(kind, day)) in done for kind in ("monthly", "yearly"))

    assigned: dict[str, date] = {}
    pending: list[Ticket] = []
    for ticket in sorted(tickets, key=lambda t: t.number):
        first = max(bisect_left(days, ticket.day), bisect_left(rising, ticket.number))
        if first < len(days):
            assigned[ticket.number] = days[first]
        elif ticket.day < today:
            pending.append(ticket)
    new_days = {t.day for t in pending if not is_closed(t.day)}
    yesterday = today - timedelta(days=1)
    for ticket in pending:
        if not is_closed(ticket.day):
            assigned[ticket.number] = ticket.day
            continue
        later = [day for day in new_days if day > ticket.day]
        if not later and yesterday > ticket.day and not is_closed(yesterday):
            new_days.add(yesterday)
            later = [yesterday]
        if later:
            assigned[ticket.number] = min(later)
    return assigned


def _breakdown(group: list[Ticket]) -> dict[str, Any]:
    by_rate = _sum_rates(t.by_vat_rate for t in group)
    by_method = _sum_methods(t.by_payment_method for t in group)
    return {
        "by_vat_rate": {rate: {name: fmt(value) or "0.00" for name, value in entry.items()}
                        for rate, entry in sorted(by_rate.items())},
        "by_payment_method": {method: fmt(amount) or "0.00" for method, amount in sorted(by_method.items())},
    }


def due(tickets: list[Ticket], register: str, done: Mapping[str, Mapping[str, Any] | None],
        today: date) -> list[dict[str, Any]]:
    """The closings to seal now, oldest first: daily, then monthly, then yearly.

    ``done`` maps the markers of the closings already sealed to their state (a daily
    closing's high-water mark, see :func:`daily_closing_days`). Each new daily closing
    states its own as ``issued_up_to``: the last ticket issued when it was made, so a
    later ticket dated on its day is seen as late; keep it with the closing's marker.
    """
    days = daily_closing_days(tickets, register, done, today)
    last_issued = max((t.number for t in tickets), default=None)
    closings = []
    for kind in ("daily", "monthly", "yearly"):
        by_period: dict[str, list[Ticket]] = {}
        for ticket in tickets:
            if ticket.number in days:
                by_period.setdefault(period_of(kind, days[ticket.number]), []).append(ticket)
        for period, group in sorted(by_period.items()):
            if not _over(kind, period, today) or marker(register, kind, period) in done:
                continue
            group.sort(key=lambda t: t.number)
            last = group[-1].running_totals
            closing = {
                "record": "closing",
                "closing_number": f"{register}-{kind[0].upper()}-{period}",
                "register": register,
                "kind": kind,
                "period": period,
                "tickets": len(group),
                "first_ticket": group[0].number,
                "last_ticket": group[-1].number,
                # dated before the period: issued after their own day, month or year was closed
                "late_tickets": [t.number for t in group if period_of(kind, t.day) < period],
                "period_total": fmt(sum((t.total for t in group), ZERO)) or "0.00",
                **_breakdown(group),
                "period_grand_total": last.get("period_total"),
                "fiscal_period": last.get("period"),
                "perpetual_total": last.get("perpetual_total"),
            }
            if kind == "daily":
                closing["issued_up_to"] = last_issued
            closings.append(closing)
    return closings
