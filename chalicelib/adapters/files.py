"""The files bucket (``lotbook-<stage>-files``): generated declarations and backups."""

from __future__ import annotations

from typing import Any

from chalicelib.adapters.aws import client
from chalicelib.config import get_settings

LINK_SECONDS = 3600


def _bucket() -> str:
    return get_settings().files_bucket


def put(key: str, body: bytes, content_type: str = "application/octet-stream") -> None:
    client("s3").put_object(Bucket=_bucket(), Key=key, Body=body, ContentType=content_type)


def get(key: str) -> bytes | None:
    s3 = client("s3")
    try:
        return bytes(s3.get_object(Bucket=_bucket(), Key=key)["Body"].read())
    except s3.exceptions.NoSuchKey:
        return None


def delete(key: str) -> None:
    client("s3").delete_object(Bucket=_bucket(), Key=key)


def link(key: str, filename: str | None = None) -> str:
    """An absolute, time-limited download link that needs no token."""
    params: dict[str, Any] = {"Bucket": _bucket(), "Key": key}
    if filename:
        params["ResponseContentDisposition"] = f'attachment; filename="{filename}"'
    return str(client("s3").generate_presigned_url("get_object", Params=params, ExpiresIn=LINK_SECONDS))


def start_execution(machine: str, name: str, payload: str) -> str:
    """Start the state machine ``lotbook-<stage>-<machine>`` (ARN from the environment or by name)."""
    import os
    import re

    settings = get_settings()
    sfn = client("stepfunctions")
    arn = os.environ.get(f"LOTBOOK_STATE_MACHINE_{re.sub(r'[^A-Za-z0-9]+', '_', machine).upper()}")
    if not arn:
        # Named like the tables: lotbook-<stage>-<name> (the local stack keeps ".asl").
        full = f"{settings.table_prefix}-{machine}"
        arn = _machine_arns.get(full) or _machine_arns.get(full + ".asl")
        if arn is None:
            paginator = sfn.get_paginator("list_state_machines")
            for page in paginator.paginate():
                for m in page["stateMachines"]:
                    _machine_arns[m["name"]] = m["stateMachineArn"]
            arn = _machine_arns.get(full) or _machine_arns[full + ".asl"]
    return str(sfn.start_execution(stateMachineArn=arn, name=name, input=payload)["executionArn"])


_machine_arns: dict[str, str] = {}

