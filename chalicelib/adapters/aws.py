"""Lazy, cached AWS clients: nothing is built at import (import time is cold start)."""

from __future__ import annotations

import threading
from typing import Any

from chalicelib.adapters.models import ALL_MODELS, bind_models
from chalicelib.config import get_settings, on_reset

# One botocore session and one client per service for the whole process, built once under
# a lock: a client reads its service model from disk (~20 ms of CPU), and botocore's session
# is not safe to share while it builds one. Clients themselves are thread-safe.
_lock = threading.RLock()
_clients: dict[str, Any] = {}
_session: list[Any] = []
# pynamodb's defaults, kept: 3 retries of a failed call; a pool for the local server's threads.
_DYNAMODB_CONFIG = {"parameter_validation": False, "max_pool_connections": 50, "connect_timeout": 15,
                    "read_timeout": 30, "retries": {"total_max_attempts": 4, "mode": "standard"}}


def _boto3_session() -> Any:
    """The one boto3 session (on the one botocore session), built under the lock."""
    if not _session:
        import boto3  # imported here: boto3 costs ~100 ms of cold start

        _session.append(boto3.session.Session())
    return _session[0]


def _botocore_session() -> Any:
    return _boto3_session()._session


def client(service: str) -> Any:
    """The process's client for ``service`` (boto3's, for the SDK's resource-free calls)."""
    found = _clients.get(service)
    if found is not None:
        return found
    with _lock:
        if service not in _clients:
            settings = get_settings()
            _clients[service] = _boto3_session().client(service, region_name=settings.region,
                                                        endpoint_url=settings.aws_endpoint_url)
        return _clients[service]


def _iso_timestamp(value: Any) -> Any:
    """An ISO 8601 timestamp with its offset (what S3 lists); anything else as botocore parses it."""
    from datetime import datetime

    from botocore.utils import parse_timestamp

    if isinstance(value, str):
        try:
            found = datetime.fromisoformat(value)
        except ValueError:
            found = None
        if found is not None and found.tzinfo is not None:
            return found
    return parse_timestamp(value)


def listing_client(service: str) -> Any:
    """A client of ``service`` that parses timestamps with ``datetime.fromisoformat``.

    botocore parses each one with dateutil (~0.1 ms): a third of the CPU of listing a
    10,000-record chain's versions (every version has its LastModified). The parser is a
    botocore session's component, so this client has a session of its own (built once).
    """
    name = f"listing:{service}"
    found = _clients.get(name)
    if found is not None:
        return found
    with _lock:
        if name not in _clients:
            import botocore.session
            from botocore.parsers import ResponseParserFactory

            settings = get_settings()
            factory = ResponseParserFactory()
            factory.set_parser_defaults(timestamp_parser=_iso_timestamp)
            session = botocore.session.Session()
            session.register_component("response_parser_factory", factory)
            _clients[name] = session.create_client(service, settings.region, endpoint_url=settings.aws_endpoint_url)
        return _clients[name]


def dynamodb_client() -> Any:
    """The one botocore DynamoDB client every pynamodb model and transaction goes through."""
    found = _clients.get("pynamodb")
    if found is not None:
        return found
    with _lock:
        if "pynamodb" not in _clients:
            import botocore.client

            settings = get_settings()
            _clients["pynamodb"] = _botocore_session().create_client(
                "dynamodb", settings.region, endpoint_url=settings.aws_endpoint_url,
                config=botocore.client.Config(**_DYNAMODB_CONFIG))
        return _clients["pynamodb"]


def share_client(connection: Any) -> Any:
    """Give a pynamodb ``Connection`` the process's client instead of one of its own."""
    connection._client = dynamodb_client()
    return connection


_bound = False


def ensure_models_bound() -> None:
    """Bind the pynamodb models to this deployment's tables, once, on the shared client."""
    global _bound
    if _bound:
        return
    with _lock:
        if not _bound:
            settings = get_settings()
            bind_models(settings.table_prefix, settings.region, settings.aws_endpoint_url)
            for model in ALL_MODELS:
                share_client(model._get_connection().connection)
            _bound = True


def reset_clients() -> None:
    global _bound
    with _lock:
        _clients.clear()
        _bound = False


on_reset(reset_clients)  # reset_settings() forgets the clients built from the settings

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
