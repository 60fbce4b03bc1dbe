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
