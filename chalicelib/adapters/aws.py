"""Lazy, cached AWS clients: nothing is built at import (import time is cold start)."""

from __future__ import annotations

from functools import cache
from typing import Any

from chalicelib.adapters.models import bind_models
from chalicelib.config import get_settings


@cache
def client(service: str) -> Any:
    import boto3  # imported here: boto3 costs ~100 ms of cold start

    settings = get_settings()
    return boto3.session.Session().client(
        service, region_name=settings.region, endpoint_url=settings.aws_endpoint_url
    )


_bound = False


def ensure_models_bound() -> None:
    """Bind the pynamodb models to this deployment's tables, once."""
    global _bound
    if not _bound:
        settings = get_settings()
        bind_models(settings.table_prefix, settings.region, settings.aws_endpoint_url)
        _bound = True


def reset_clients() -> None:
    global _bound
    client.cache_clear()
    _bound = False

# What AWS answers when a table, a bucket or an API is over its rate (after the SDK's own
# retries), and when two transactions touch one item at the same moment.
THROTTLING_CODES = frozenset({
    "ProvisionedThroughputExceededException", "ThrottlingException", "Throttling", "ThrottlingError",
    "RequestLimitExceeded", "TooManyRequestsException", "SlowDown", "RequestThrottled",
})
CONFLICT_CODES = frozenset({"TransactionConflict", "TransactionConflictException", "TransactionInProgressException"})


def error_codes(exc: BaseException) -> set[str]:
    """Every AWS error code behind ``exc``: botocore's, pynamodb's causes, a transaction's reasons."""
    codes: set[str] = set()
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        response = getattr(current, "response", None)
        if isinstance(response, dict):
            codes.add(str(response.get("Error", {}).get("Code") or ""))
        codes.add(str(getattr(current, "cause_response_code", None) or ""))
        for reason in getattr(current, "cancellation_reasons", None) or []:
            codes.add(str(getattr(reason, "code", None) or ""))
        cause = getattr(current, "cause", None)
        context = None if current.__suppress_context__ else current.__context__
        todo += [cause if isinstance(cause, BaseException) else None, current.__cause__, context]
    codes.discard("")
    return codes
