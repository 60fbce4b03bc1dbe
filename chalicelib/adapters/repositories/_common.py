from __future__ import annotations

import gzip
import json
import secrets
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError

from chalicelib.adapters.aws import ensure_models_bound, share_client
from chalicelib.config import get_settings
from chalicelib.errors import UnreadableRecordError

T = TypeVar("T")


def connection() -> Connection:
    """The connection transactions go through: one per process, on the models' client
    (a pynamodb Connection would otherwise build a botocore client of its own)."""
    ensure_models_bound()
    settings = get_settings()
    key = (settings.region, settings.aws_endpoint_url)
    if _connection.get("key") != key:
        _connection["key"] = key
        _connection["value"] = share_client(Connection(region=settings.region, host=settings.aws_endpoint_url))
    return _connection["value"]


_connection: dict[str, Any] = {}


def pack(value: Any) -> bytes:
    """Canonical JSON, gzip-compressed: how large values (draft lines, journal payloads,
    selections, search words, undo copies) fit in one item."""
    return gzip.compress(json.dumps(value, separators=(",", ":"), sort_keys=True).encode("utf-8"), 6)


def unpack(blob: bytes) -> Any:
    return json.loads(gzip.decompress(blob).decode("utf-8"))


# DynamoDB's limit of items per transaction.
TRANSACTION_ITEMS = 100


def chunks(items: list[Any], size: int = TRANSACTION_ITEMS) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(8)}"


def cancellation_codes(exc: TransactWriteError) -> list[str | None]:
    """Per-item reasons of a cancelled transaction, in request order."""
    reasons: Any = getattr(exc, "cancellation_reasons", None) or []
    return [r.code if r is not None else None for r in reasons]


def readable(record: str, ref: str, read: Callable[[], T]) -> T:
    """A stored record turned into its domain object; one whose values no longer read (changed
    behind the application's back: a price that is not a number) is a clear 409, never a 500."""
    try:
        return read()
    except (ValueError, TypeError, ArithmeticError):  # decimal.InvalidOperation is an ArithmeticError
        raise UnreadableRecordError(record, ref) from None
