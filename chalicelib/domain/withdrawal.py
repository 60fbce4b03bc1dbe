"""The private seller's 48 h withdrawal right on a purchase of precious metals
(code de la consommation L224-99, R224-7; DOMAIN.md "Purchase of precious metals
from a private person").

The period runs from the day and hour of signature; when it ends on a Saturday, a
Sunday or a public holiday it moves to the next working day, at the same hour.
Public holidays: the eleven of art. L3133-1 code du travail (metropolitan France).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

WITHDRAWAL_HOURS = 48


def easter(year: int) -> date:
    """Easter Sunday of the Gregorian calendar (anonymous Gregorian algorithm)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (a + 11 * h + 22 * m) // 451
    month, day = divmod(h + m - 7 * n + 114, 31)
    return date(year, month, day + 1)


def public_holidays(year: int) -> set[date]:
    sunday = easter(year)
    return {
        date(year, 1, 1), sunday + timedelta(days=1), date(year, 5, 1), date(year, 5, 8),
        sunday + timedelta(days=39), sunday + timedelta(days=50), date(year, 7, 14), date(year, 8, 15),
        date(year, 11, 1), date(year, 11, 11), date(year, 12, 25),
    }


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in public_holidays(day.year)


def withdrawal_deadline(signed_at: datetime) -> datetime:
    """The end of the withdrawal period of a contract signed at ``signed_at`` (local time)."""
    end = signed_at + timedelta(hours=WITHDRAWAL_HOURS)
    while not is_working_day(end.date()):
        end += timedelta(days=1)
    return end
