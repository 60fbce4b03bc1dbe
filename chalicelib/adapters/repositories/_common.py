from __future__ import annotations

import secrets
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError

from chalicelib.adapters.aws import ensure_models_bound
from chalicelib.config import get_settings


def connection() -> Connection:
    ensure_models_bound()
    settings = get_settings()
    return Connection(region=settings.region, host=settings.aws_endpoint_url)


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(8)}"


def cancellation_codes(exc: TransactWriteError) -> list[str | None]:
    """Per-item reasons of a cancelled transaction, in request order."""
    reasons: Any = getattr(exc, "cancellation_reasons", None) or []
    return [r.code if r is not None else None for r in reasons]
