"""The local stack's EventBridge: fires the app's ``@app.schedule`` handlers.

A daemon thread computes the next time of every schedule (chalice ``Rate`` and
``Cron`` expressions, AWS syntax), sleeps until the earliest, and invokes the
handler with the event EventBridge sends ("Scheduled Event"), through moto's
Lambda (hence the bridge), as the cloud would. A failing handler is logged and
fired again at its next time, like a scheduled Lambda whose retries ran out.

On demand, against a running ``make run``::

    python -m infrastructure.local.scheduler list
    python -m infrastructure.local.scheduler fire anchor_chain_heads

Cron expressions are AWS's six fields (weekdays 1 = SUN to 7, a year field, one of
day-of-month and day-of-week ``?``), evaluated by cronsim: ``*``, numbers, ``a-b``,
lists, ``*/n`` and ``a/n``, month and weekday names, ``L`` and ``LW`` in the
day-of-month, ``nL`` and ``n#k`` in the day-of-week; years as ``*``, years, ranges and
lists. Not ``nW`` nor a lone ``L`` in the day-of-week (cronsim has neither). Times are UTC.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cronsim import CronSim, CronSimError

from infrastructure.local.bridge import function_name

ACCOUNT_ID = "123456789012"
log = logging.getLogger("lotbook.scheduler")

_RATE = re.compile(r"^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$")
_CRON = re.compile(r"^cron\((.+)\)$")


@dataclass(frozen=True)
class Schedule:
    name: str  # the handler's name
    expression: str  # "rate(1 day)", "cron(50 23 * * ? *)"


def schedules(app: Any) -> list[Schedule]:
    """The app's scheduled handlers and their expressions, as EventBridge would read them."""
    from chalice.app import ScheduledEventConfig

    found = []
    for config in app.event_sources:
        if isinstance(config, ScheduledEventConfig):
            expression = config.schedule_expression
            text = expression if isinstance(expression, str) else expression.to_string()
            found.append(Schedule(config.name, text.strip()))
    return sorted(found, key=lambda s: s.name)


# ---------------------------------------------------------------- expressions


# AWS numbers the weekdays 1 (SUN) to 7 (SAT); cron (cronsim) 0 (SUN) to 6. A weekday number
# is one not following "/" (a step) or "#" (the nth weekday of the month).
_AWS_WEEKDAY = re.compile(r"(?<![/#\d])(\d+)")
_YEAR_RANGE = re.compile(r"^(\d{4})(?:-(\d{4}))?$")


def _cron_weekdays(spec: str) -> str:
    def shift(match: re.Match[str]) -> str:
        number = int(match.group(1))
        if not 1 <= number <= 7:
            raise ValueError(f"day-of-week {number} is outside 1-7 (1 is Sunday, as in AWS)")
        return str(number - 1)

    return _AWS_WEEKDAY.sub(shift, spec)


def _years(spec: str) -> set[int] | None:
    """The years the sixth field allows (``*``, years, ranges, lists); ``None`` for any."""
    if spec == "*":
        return None
    allowed: set[int] = set()
    for part in spec.split(","):
        match = _YEAR_RANGE.match(part)
        if match is None:
            raise ValueError(f"unsupported cron year {part!r} (years, ranges and lists only)")
        first = int(match.group(1))
        allowed.update(range(first, int(match.group(2) or first) + 1))
    return allowed


def _parse_cron(fields: str) -> tuple[str, set[int] | None]:
    """AWS's six fields as a five-field cron expression (cronsim's) and the years allowed."""
    parts = fields.split()
    if len(parts) != 6:
        raise ValueError(f"a cron expression has six fields, got {fields!r}")
    minutes, hours, days, months, weekdays, years = parts
    if days != "?" and weekdays != "?":
        raise ValueError("one of day-of-month and day-of-week must be '?'")
    days, weekdays = ("*" if days == "?" else days), ("*" if weekdays == "?" else _cron_weekdays(weekdays))
    return f"{minutes} {hours} {days} {months} {weekdays}", _years(years)


def rate_interval(expression: str) -> timedelta | None:
    match = _RATE.match(expression)
    if match is None:
        return None
    value, unit = int(match.group(1)), match.group(2).rstrip("s")
    if value < 1:
        raise ValueError(f"{expression!r}: a rate is at least 1")
    return timedelta(**{f"{unit}s": value})


def next_fire(expression: str, after: datetime) -> datetime:
    """The first time strictly after ``after`` (aware, UTC) the expression fires."""
    interval = rate_interval(expression)
    if interval is not None:
        return after + interval
    match = _CRON.match(expression)
    if match is None:
        raise ValueError(f"unsupported schedule expression {expression!r}")
    cron, years = _parse_cron(match.group(1))
    after = after.astimezone(UTC)
    last_year = after.year + 5
    # From ``after``; with a year field, from the start of each year it allows in turn.
    starts = [after] if years is None else [
        after if year == after.year else datetime(year, 1, 1, tzinfo=UTC) - timedelta(seconds=1)
        for year in sorted(years) if after.year <= year <= last_year]
    for start in starts:
        try:
            candidate = next(CronSim(cron, start))
        except CronSimError as error:
            raise ValueError(f"{expression!r}: {error}") from None
        except StopIteration:
            break
        if candidate.year > last_year:
            break
        if years is None or candidate.year in years:
            return candidate
    raise ValueError(f"{expression!r} does not fire in the next five years")


def scheduled_event(rule_name: str, when: datetime, region: str = "eu-west-3") -> dict[str, Any]:
    """The event EventBridge hands a scheduled Lambda."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT_ID,
        "time": when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:events:{region}:{ACCOUNT_ID}:rule/{rule_name}"],
        "detail": {},
    }


# ---------------------------------------------------------------- firing


Invoke = Callable[[str, dict[str, Any]], Any]


class HandlerFailed(RuntimeError):
    pass


def invoke_through_moto(endpoint: str, region: str = "eu-west-3") -> Invoke:
    """Invoke ``<handler>``'s local Lambda function: moto, then the bridge."""
    import boto3

    client = boto3.session.Session(aws_access_key_id="local", aws_secret_access_key="local",
                                   region_name=region).client("lambda", endpoint_url=endpoint)

    def invoke(name: str, event: dict[str, Any]) -> Any:
        reply = client.invoke(FunctionName=function_name(name), Payload=json.dumps(event).encode())
        payload = reply["Payload"].read().decode("utf-8") or "null"
        if reply.get("FunctionError"):
            raise HandlerFailed(f"{name}: {payload}")
        return json.loads(payload)

    return invoke


class LocalScheduler:
    """Fires every schedule of ``app`` at its times, on a daemon thread."""

    def __init__(self, app: Any, invoke: Invoke, region: str = "eu-west-3",
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.schedules = schedules(app)
        self.invoke = invoke
        self.region = region
        self.clock = clock
        self.fired: list[tuple[str, datetime]] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None and self.schedules:
            self._thread = threading.Thread(target=self._run, name="lotbook-scheduler", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def fire(self, name: str, when: datetime | None = None) -> Any:
        when = when or self.clock()
        self.fired.append((name, when))
        return self.invoke(name, scheduled_event(f"lotbook-local-{name}", when, self.region))

    def _run(self) -> None:
        now = self.clock()
        upcoming = {s.name: next_fire(s.expression, now) for s in self.schedules}
        by_name = {s.name: s for s in self.schedules}
        while not self._stop.is_set():
            name = min(upcoming, key=lambda n: upcoming[n])
            wait = (upcoming[name] - self.clock()).total_seconds()
            if wait > 0 and self._stop.wait(min(wait, 60.0)):
                return
            if upcoming[name] > self.clock():
                continue  # woke up early (waits are capped): look again
            due = upcoming[name]
            try:
                self.fire(name, due)
            except Exception:  # noqa: BLE001 - logged, fired again next time
                log.exception("scheduled handler %s failed", name)
            upcoming[name] = next_fire(by_name[name].expression, max(due, self.clock()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infrastructure.local.scheduler",
                                     description="Fire the app's scheduled handlers on a running local stack.")
    parser.add_argument("--endpoint", default=f"http://127.0.0.1:{os.environ.get('LOTBOOK_AWS_PORT', '4566')}",
                        help="the local AWS endpoint (moto)")
    parser.add_argument("--region", default="eu-west-3")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="the schedules and when each fires next")
    fire = commands.add_parser("fire", help="fire one scheduled handler now")
    fire.add_argument("handler")
    args = parser.parse_args(argv)

    from app import app

    known = {s.name: s for s in schedules(app)}
    if args.command == "list":
        now = datetime.now(UTC)
        for schedule in known.values():
            upcoming = next_fire(schedule.expression, now)
            print(f"{schedule.name:<28} {schedule.expression:<24} next {upcoming:%Y-%m-%d %H:%M} UTC")
        return 0
    if args.handler not in known:
        print(f"unknown scheduled handler {args.handler!r}; known: {', '.join(known) or 'none'}", file=sys.stderr)
        return 2
    event = scheduled_event(f"lotbook-local-{args.handler}", datetime.now(UTC), args.region)
    try:
        result = invoke_through_moto(args.endpoint, args.region)(args.handler, event)
    except HandlerFailed as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
