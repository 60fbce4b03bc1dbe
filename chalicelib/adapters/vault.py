"""The vault: sealed records as S3 objects under Object Lock (COMPLIANCE mode).

Keys are deterministic — ``<tenant>/<chain>/<rank, 10 digits>.json`` — so a
retry writes to the very key its first attempt used. Objects are written with
``If-None-Match: *``: the sealer never stores a second version over a record;
when the key already holds the same bytes (a retry after a crash), the stored
version is taken as is. The tenant in the key is storage layout only: it is not
in the sealed content.

moto has no ``get_object_retention``: retention is read with ``head_object``.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.adapters.aws import client, listing_client
from chalicelib.config import get_settings

RETENTION_MODE = "COMPLIANCE"
CONTENT_TYPE = "application/json; charset=utf-8"


class VaultError(RuntimeError):
    """The vault refused or lost a write; the sealing must be retried."""


class VaultConflictError(VaultError):
    """The key already holds different bytes: never overwrite, report."""


@dataclass(frozen=True)
class StoredObject:
    bucket: str
    key: str
    version_id: str
    retention_mode: str
    retain_until: str  # ISO 8601, UTC
    sha256: str | None  # hex, from the checksum S3 kept at upload


def object_key(tenant_id: str, chain: str, rank: int) -> str:
    return f"{tenant_id}/{chain}/{rank:010d}.json"


def _b64(hex_digest: str) -> str:
    return base64.b64encode(bytes.fromhex(hex_digest)).decode("ascii")


def _hex(b64_digest: str | None) -> str | None:
    if not b64_digest:
        return None
    try:
        return base64.b64decode(b64_digest).hex()
    except ValueError:
        return None


def _iso(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value or "")


def _code(exc: Exception) -> str:
    return str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))


def bucket() -> str:
    return get_settings().vault_bucket


def head(key: str, version_id: str | None = None) -> StoredObject:
    kwargs: dict[str, Any] = {"Bucket": bucket(), "Key": key, "ChecksumMode": "ENABLED"}
    if version_id:
        kwargs["VersionId"] = version_id
    reply = client("s3").head_object(**kwargs)
    return StoredObject(bucket(), key, str(reply.get("VersionId") or ""), str(reply.get("ObjectLockMode") or ""),
                        _iso(reply.get("ObjectLockRetainUntilDate")), _hex(reply.get("ChecksumSHA256")))


def put_sealed(key: str, body: bytes, sha256: str, retain_until: datetime,
               content_type: str = CONTENT_TYPE) -> StoredObject:
    """Store ``body`` once at ``key``, locked until ``retain_until``.

    S3 checks the SHA-256 we send against what it receives and keeps it. If the
    key exists already (an earlier attempt got this far), the stored object is
    returned when its checksum is ours; different bytes raise
    :class:`VaultConflictError`.
    """
    from botocore.exceptions import ClientError

    s3 = client("s3")
    name = bucket()
    try:
        reply = s3.put_object(
            Bucket=name, Key=key, Body=body, ContentType=content_type,
            ChecksumAlgorithm="SHA256", ChecksumSHA256=_b64(sha256),
            ObjectLockMode=RETENTION_MODE, ObjectLockRetainUntilDate=retain_until,
            IfNoneMatch="*",
        )
    except ClientError as exc:
        if _code(exc) not in ("PreconditionFailed", "ConditionalRequestConflict"):
            raise VaultError(f"put {key}: {_code(exc) or exc}") from exc
        existing = head(key)
        if existing.sha256 != sha256:
            raise VaultConflictError(f"{key} already holds other bytes") from None
        return existing
    return StoredObject(name, key, str(reply.get("VersionId") or ""), RETENTION_MODE,
                        retain_until.isoformat(), _hex(reply.get("ChecksumSHA256")) or sha256)


def read(key: str, version_id: str) -> tuple[bytes, str | None] | None:
    """The bytes of one version and the SHA-256 S3 kept for it; ``None`` if gone."""
    from botocore.exceptions import ClientError

    try:
        reply = client("s3").get_object(Bucket=bucket(), Key=key, VersionId=version_id, ChecksumMode="ENABLED")
    except ClientError as exc:
        if _code(exc) in ("NoSuchKey", "NoSuchVersion", "404", "InvalidArgument"):
            return None
        raise
    return reply["Body"].read(), _hex(reply.get("ChecksumSHA256"))


@dataclass(frozen=True)
class Current:
    """What a key holds now: its latest version's bytes, id and kept checksum."""

    body: bytes
    version_id: str
    sha256: str | None
    retention_mode: str = ""
    retain_until: datetime | None = None


def read_current(key: str) -> Current | None:
    """The latest version at ``key``; ``None`` when there is none (or a delete marker)."""
    from botocore.exceptions import ClientError

    try:
        reply = client("s3").get_object(Bucket=bucket(), Key=key, ChecksumMode="ENABLED")
    except ClientError as exc:
        if _code(exc) in ("NoSuchKey", "404", "MethodNotAllowed"):
            return None
        raise
    until = reply.get("ObjectLockRetainUntilDate")
    return Current(reply["Body"].read(), str(reply.get("VersionId") or ""), _hex(reply.get("ChecksumSHA256")),
                   str(reply.get("ObjectLockMode") or ""), until if isinstance(until, datetime) else None)


def exists(key: str) -> bool:
    from botocore.exceptions import ClientError

    try:
        client("s3").head_object(Bucket=bucket(), Key=key)
    except ClientError as exc:
        if _code(exc) in ("NoSuchKey", "404", "NotFound", "405", "MethodNotAllowed"):
            return False
        raise
    return True


def versions(prefix: str) -> dict[str, set[str]]:
    """Every version and delete marker stored under ``prefix``, per key.

    The sealer writes a key once (``If-None-Match``): a key with anything more was
    written over, whatever its latest version or the index now say.
    """
    found: dict[str, set[str]] = {}
    pages = listing_client("s3").get_paginator("list_object_versions").paginate(Bucket=bucket(), Prefix=prefix)
    for page in pages:
        for version in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]:
            found.setdefault(version["Key"], set()).add(str(version.get("VersionId") or ""))
    return found


# Verification checkpoints (chalicelib/domain/checkpoint.py): outside the tenants'
# prefixes, so that no chain listing, export or offline verifier sees them.
CHECKPOINTS = "verification"


def checkpoint_prefix(tenant_id: str, chain: str) -> str:
    return f"{CHECKPOINTS}/{tenant_id}/{chain}/"


def checkpoint_key(tenant_id: str, chain: str, rank: int, at: datetime) -> str:
    """Rank first, then time: the greatest key is the latest checkpoint of the longest chain."""
    return f"{checkpoint_prefix(tenant_id, chain)}{rank:010d}-{at:%Y%m%dT%H%M%S%f}.json.gz"


def latest_checkpoint(tenant_id: str, chain: str) -> tuple[str, set[str]] | None:
    """The greatest checkpoint key of a chain and every version stored at it."""
    found = versions(checkpoint_prefix(tenant_id, chain))
    if not found:
        return None
    key = max(found)
    return key, found[key]


# Fiscal archives (chalicelib/services/fiscal_archives.py): zips and manifests stored once
# under Object Lock, outside the tenants' prefixes (like the checkpoints), so that no
# chain listing, verification or offline verifier of the vault sees them.
ARCHIVES = "archives"


def archive_prefix(tenant_id: str, period: str, generation: int) -> str:
    return f"{ARCHIVES}/{tenant_id}/{period}/{generation}/"


def link(key: str, filename: str, version_id: str | None = None) -> str:
    """A time-limited download link to one version of an object of the vault."""
    from chalicelib.adapters.files import LINK_SECONDS

    params: dict[str, Any] = {"Bucket": bucket(), "Key": key,
                              "ResponseContentDisposition": f'attachment; filename="{filename}"'}
    if version_id:
        params["VersionId"] = version_id
    return str(client("s3").generate_presigned_url("get_object", Params=params, ExpiresIn=LINK_SECONDS))
