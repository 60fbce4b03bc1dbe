"""The 48 h withdrawal period of a private seller of precious metals (art. R224-7 code de
la consommation): from the day and hour of signature, moved to the next working day at
the same hour when it ends on a Saturday, a Sunday or a public holiday."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from chalicelib.domain.withdrawal import easter, is_working_day, withdrawal_deadline

PARIS = ZoneInfo("Europe/Paris")


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=PARIS)  # type: ignore[misc]


def test_easter_and_the_holidays_that_follow_it() -> None:
    assert easter(2024).isoformat() == "2024-03-31"
    assert easter(2025).isoformat() == "2025-04-20"
    assert easter(2026).isoformat() == "2026-04-05"
    assert not is_working_day(at(2025, 4, 21).date())  # Easter Monday
    assert not is_working_day(at(2025, 5, 29).date())  # Ascension
    assert not is_working_day(at(2025, 6, 9).date())  # Whit Monday
    assert is_working_day(at(2025, 6, 10).date())


def test_a_weekday_deadline_is_48_hours_later_to_the_minute() -> None:
    assert withdrawal_deadline(at(2024, 12, 3, 9, 5)) == at(2024, 12, 5, 9, 5)


def test_a_deadline_on_a_saturday_moves_to_monday_at_the_same_hour() -> None:
    assert withdrawal_deadline(at(2024, 5, 2, 15, 30)) == at(2024, 5, 6, 15, 30)


def test_a_deadline_on_public_holidays_moves_past_all_of_them() -> None:
    # Monday 6 May 2024 + 48 h = Wednesday 8 May (Victoire 1945), then Thursday 9 May (Ascension)
    assert withdrawal_deadline(at(2024, 5, 6, 10, 0)) == at(2024, 5, 10, 10, 0)
    # Tuesday 23 December 2025 + 48 h = Christmas Day
    assert withdrawal_deadline(at(2025, 12, 23, 18, 0)) == at(2025, 12, 26, 18, 0)
