"""Cash register closings (clôtures de caisse): daily, monthly, yearly.

Every ticket already carries the register's running totals (day, fiscal period,
perpetual). A closing sums its period's tickets and repeats the running totals
of the period's last ticket: the period total, the period grand total and the
perpetual grand total. Only periods that are over are closed, each once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from chalicelib.domain.money import ZERO, fmt


@dataclass(frozen=True)
class Ticket:
    number: str  # "01-00000012": sorts in issue order
    day: date  # local (Europe/Paris) date of issue
    total: Decimal  # incl. VAT; negative for a refund
    running_totals: dict[str, str]


def period_of(kind: str, day: date) -> str:
    return {"daily": day.isoformat(), "monthly": f"{day:%Y-%m}", "yearly": str(day.year)}[kind]


def _over(kind: str, period: str, today: date) -> bool:
    return period < period_of(kind, today)


def marker(register: str, kind: str, period: str) -> str:
    return f"closing#{register}#{kind}#{period}"


def due(tickets: list[Ticket], register: str, done: set[str], today: date) -> list[dict[str, Any]]:
    """The closings to seal now, oldest first: daily, then monthly, then yearly."""
    closings = []
    for kind in ("daily", "monthly", "yearly"):
        by_period: dict[str, list[Ticket]] = {}
        for ticket in tickets:
            by_period.setdefault(period_of(kind, ticket.day), []).append(ticket)
        for period, group in sorted(by_period.items()):
            if not _over(kind, period, today) or marker(register, kind, period) in done:
                continue
            group.sort(key=lambda t: t.number)
            last = group[-1].running_totals
            closings.append({
                "record": "closing",
                "closing_number": f"{register}-{kind[0].upper()}-{period}",
                "register": register,
                "kind": kind,
                "period": period,
                "tickets": len(group),
                "first_ticket": group[0].number,
                "last_ticket": group[-1].number,
                "period_total": fmt(sum((t.total for t in group), ZERO)),
                "period_grand_total": last.get("period_total"),
                "fiscal_period": last.get("period"),
                "perpetual_total": last.get("perpetual_total"),
            })
    return closings
