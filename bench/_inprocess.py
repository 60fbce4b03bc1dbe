"""An in-process moto account with the app's tables, and a request counter.

Benchmarks call the services directly with a principal: no HTTP, no token,
so the figures are the use case's own cost.
"""

from __future__ import annotations

import json
import math
import os
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import botocore.client

from chalicelib.auth import Principal
from chalicelib.domain.profiles import Profile


@contextmanager
def moto_account() -> Iterator[None]:
    from moto import mock_aws

    os.environ.update({"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                       "AWS_DEFAULT_REGION": "eu-west-3", "AWS_REGION": "eu-west-3",
                       "LOTBOOK_STAGE": "bench", "LOTBOOK_TABLE_PREFIX": "lotbook-bench",
                       "POWERTOOLS_METRICS_DISABLED": "true"})
    os.environ.pop("LOTBOOK_AWS_ENDPOINT_URL", None)
    from infrastructure.local import moto_fixes

    moto_fixes.apply()
    with mock_aws():
        import boto3

        from chalicelib.config import reset_settings
        from infrastructure.local.provision import create_tables

        reset_settings()
        create_tables(boto3.client("dynamodb", region_name="eu-west-3"), "bench")
        yield


def new_tenant(creation_year: int = 2015) -> Principal:
    from chalicelib.adapters.repositories import tenants
    from chalicelib.domain import company
    from chalicelib.domain.entities import Tenant, User

    tenant_id = uuid.uuid4().hex
    user = User(tenant_id, "usr_bench", "bench@example.fr", Profile.MANAGER)
    tenants.create_tenant(Tenant(tenant_id, company.new_subscriber_ref(),
                                 company.initial_settings("Bench", creation_year), 1, 3), user)
    return Principal(tenant_id=tenant_id, user_id="sub-bench", email=user.email, profile=Profile.MANAGER)


class RequestCounter:
    """Counts the AWS API calls made while it is active, per operation."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        # for each Query/Scan/BatchGetItem: (items DynamoDB read, bytes of the items returned)
        self.reads: list[tuple[int, int]] = []

    @contextmanager
    def counting(self) -> Iterator[RequestCounter]:
        original = botocore.client.BaseClient._make_api_call
        calls = self.calls

        reads = self.reads

        def counted(client: Any, operation: str, params: Any) -> Any:
            calls[operation] += 1
            response = original(client, operation, params)
            if operation in ("Query", "Scan"):
                reads.append((int(response.get("ScannedCount", 0)), _bytes(response.get("Items", []))))
            elif operation == "BatchGetItem":
                items = [i for table in response.get("Responses", {}).values() for i in table]
                reads.append((len(items), _bytes(items)))
            return response

        botocore.client.BaseClient._make_api_call = counted  # type: ignore[method-assign]
        try:
            yield self
        finally:
            botocore.client.BaseClient._make_api_call = original  # type: ignore[method-assign]

    def read_units(self) -> float:
        """Read capacity as DynamoDB bills eventually consistent reads: 4 KB units per page, halved."""
        return sum(math.ceil(size / 4096) for _, size in self.reads) / 2

    @property
    def total(self) -> int:
        return sum(self.calls.values())


def _bytes(items: list[dict[str, Any]]) -> int:
    """The items' sizes as DynamoDB counts them: attribute names plus values (JSON text, close
    enough). One ``json.dumps`` of the list, less its brackets and commas: the same sum as one
    call per item, which built an encoder each time (0.3 s of a verification's 50,000 items)."""
    return len(json.dumps(items, default=str, separators=(",", ":"))) - len(items) - 1 if items else 0


@contextmanager
def timed() -> Iterator[dict[str, float]]:
    result: dict[str, float] = {}
    start = time.perf_counter()
    try:
        yield result
    finally:
        result["seconds"] = time.perf_counter() - start
