"""The local stack's scheduler: AWS schedule expressions and the firing loop."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from chalice import Chalice, Cron, Rate

from infrastructure.local.scheduler import LocalScheduler, next_fire, scheduled_event, schedules

T0 = datetime(2024, 5, 2, 23, 49, 30, tzinfo=UTC)  # a Thursday


def test_a_daily_cron_fires_at_its_minute_today_then_tomorrow() -> None:
    assert next_fire("cron(50 23 * * ? *)", T0) == datetime(2024, 5, 2, 23, 50, tzinfo=UTC)
    assert next_fire("cron(50 23 * * ? *)", T0 + timedelta(minutes=1)) == datetime(2024, 5, 3, 23, 50, tzinfo=UTC)


@pytest.mark.parametrize(("expression", "expected"), [
    ("cron(0/15 * * * ? *)", datetime(2024, 5, 3, 0, 0, tzinfo=UTC)),
    ("cron(5,20 8-9 * * ? *)", datetime(2024, 5, 3, 8, 5, tzinfo=UTC)),
    ("cron(0 2 ? * MON *)", datetime(2024, 5, 6, 2, 0, tzinfo=UTC)),
    ("cron(0 2 ? * 1 *)", datetime(2024, 5, 5, 2, 0, tzinfo=UTC)),  # 1 is Sunday, as in AWS
    ("cron(0 0 1 JAN ? *)", datetime(2025, 1, 1, 0, 0, tzinfo=UTC)),
    ("cron(30 6 31 * ? *)", datetime(2024, 5, 31, 6, 30, tzinfo=UTC)),
    ("cron(0 2 ? * 2-6 *)", datetime(2024, 5, 3, 2, 0, tzinfo=UTC)),  # Monday to Friday
    ("cron(0 2 ? * 1/2 *)", datetime(2024, 5, 4, 2, 0, tzinfo=UTC)),  # Sunday, Tuesday, Thursday, Saturday
    ("cron(0 2 L * ? *)", datetime(2024, 5, 31, 2, 0, tzinfo=UTC)),  # the month's last day
    ("cron(0 2 ? * 2#1 *)", datetime(2024, 5, 6, 2, 0, tzinfo=UTC)),  # the month's first Monday
    ("cron(0 2 ? * 6L *)", datetime(2024, 5, 31, 2, 0, tzinfo=UTC)),  # the month's last Friday
    ("cron(0 0 29 2 ? *)", datetime(2028, 2, 29, 0, 0, tzinfo=UTC)),
    ("cron(0 12 1 1 ? 2027,2030)", datetime(2027, 1, 1, 12, 0, tzinfo=UTC)),
    ("rate(5 minutes)", T0 + timedelta(minutes=5)),
    ("rate(1 day)", T0 + timedelta(days=1)),
])
def test_expressions_give_their_next_time(expression: str, expected: datetime) -> None:
    assert next_fire(expression, T0) == expected


@pytest.mark.parametrize("expression", [
    "cron(0 2 * * MON *)", "cron(61 2 * * ? *)", "cron(0 2 * *)", "cron(0 2 ? * 0 *)", "cron(0 2 ? * 8 *)",
    "cron(0 0 30 2 ? *)", "cron(0 12 1 1 ? 2020-2023)", "cron(0 2 15W * ? *)", "every day", "rate(0 days)",
])
def test_expressions_it_cannot_honour_are_refused(expression: str) -> None:
    with pytest.raises(ValueError):
        next_fire(expression, T0)


def test_the_event_is_eventbridges_scheduled_event() -> None:
    event = scheduled_event("lotbook-local-anchor", T0)
    assert event["detail-type"] == "Scheduled Event"
    assert event["source"] == "aws.events"
    assert event["time"] == "2024-05-02T23:49:30Z"
    assert event["resources"] == ["arn:aws:events:eu-west-3:123456789012:rule/lotbook-local-anchor"]
    assert event["detail"] == {}


def test_the_app_schedules_are_read_from_its_declarations() -> None:
    from app import app

    assert ("anchor_chain_heads", "cron(50 23 * * ? *)") in [(s.name, s.expression) for s in schedules(app)]


def test_the_loop_fires_what_is_due_and_stops() -> None:
    probe = Chalice(app_name="scheduler-probe")

    @probe.schedule(Rate(5, unit=Rate.MINUTES))
    def every_five(event: Any) -> None: ...

    @probe.schedule(Cron(0, 3, "*", "*", "?", "*"))
    def nightly(event: Any) -> None: ...

    readings = iter([T0])
    calls: list[tuple[str, dict[str, Any]]] = []
    scheduler = LocalScheduler(probe, lambda name, event: calls.append((name, event)),
                               clock=lambda: next(readings, T0 + timedelta(minutes=6)))
    scheduler.start()
    deadline = time.monotonic() + 5
    while not calls and time.monotonic() < deadline:
        time.sleep(0.01)
    scheduler.stop()
    assert [name for name, _ in calls] == ["every_five"]
    assert calls[0][1]["time"] == "2024-05-02T23:54:30Z"
