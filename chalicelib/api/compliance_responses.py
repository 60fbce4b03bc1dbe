"""Response models of the registers' compliance (sealed records, the consultation and event
logs, the vault's verification, fiscal archives), for the OpenAPI document.

A sibling of ``responses.py`` (same conventions), imported by ``openapi_spec.py`` only.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from chalicelib.api.responses import Response
from chalicelib.domain.audit import EVENT_KINDS


class VaultObject(Response):
    """Where a sealed record is kept: an object of the S3 vault under Object Lock."""

    bucket: str = ""
    key: str = ""
    version_id: str | None = None
    retention_mode: str | None = None
    retain_until: str | None = None


class SealedRecord(Response):
    id: str
    kind: str = ""
    number: str = ""
    sealed_at: str = ""
    sha256: str
    prev_sha256: str = ""
    storage: VaultObject


class ConsultationInspector(Response):
    name: str
    service: str | None = None
    service_label: str = ""


class _LogRecord(Response):
    """What every entry of a sealed log carries: its place in its chain and its vault object."""

    id: str
    rank: int
    sealed_at: str = ""
    sha256: str
    prev_sha256: str = ""
    storage: dict[str, Any] = Field(default_factory=dict)


class Consultation(_LogRecord):
    """The consultation log (arrêté of 15 May 2020, art. 3): a sealed record and who read what, when, why."""

    at: str
    who: str
    what: str
    purpose: str
    # `what` and `access` in French (chalicelib/domain/audit.py's one table of labels)
    label: str = ""
    access_label: str = ""
    inspector: ConsultationInspector | None = None
    # an inspector's request: a read of the register or another access, refused or not
    access: Literal["register_read", "access"] = "register_read"
    refused: bool = False


class Event(_LogRecord):
    """The event log (NF525): a sealed record and the event's kind, time, user and details."""

    kind: Literal[tuple(sorted(EVENT_KINDS))]  # type: ignore[valid-type]
    label: str
    at: str
    user: str | None = None
    details: dict[str, Any]
    software_version: str | None = None


class Divergence(Response):
    """A live record against its last sealed version (domain/divergence.py)."""

    record: str
    ref: str
    field: str
    sealed: Any
    live: Any
    chain: str = ""
    rank: int = 0
    article: str = ""


class RetentionFinding(Response):
    """An object locked short of its sealing day + N calendar years (domain/retention.py)."""

    chain: str
    rank: int
    number: str | None = None
    reason: str
    message: str = ""
    mode: str | None = None
    retain_until: str | None = None
    required_until: str


class ArchiveCheck(Response):
    """A built fiscal archive's stored files against its sealed archive_built event."""

    period: str
    ok: bool
    reason: str | None
    file: str = ""


class Verification(Response):
    ok: bool
    checked: int
    first_broken: Any = None
    chains: list[Any] = Field(default_factory=list)
    mode: str = Field("full", description="`incremental` (from each chain's checkpoint) or `full`")
    reread: int = Field(0, description="Records read again")
    divergences: list[Divergence] = Field(default_factory=list)
    retention: list[RetentionFinding] = Field(default_factory=list)
    retention_years: int = 0
    archives: list[ArchiveCheck] = Field(default_factory=list)


class FiscalArchive(Response):
    id: str
    period: str
    period_label: str = ""
    kind: Literal["monthly", "yearly"]
    status: Literal["running", "ready", "failed"]
    created_at: str = ""
    built_at: str | None = None
    automatic: bool = False
    job_id: str | None = None
    files: int | None = None
    records: dict[str, Any] | None = None
    manifest_sha256: str | None = None
    archive_sha256: str | None = None
    size: int | None = None
    event_rank: int | None = None
    error: str | None = None


MODELS: tuple[type[Response], ...] = (SealedRecord, Consultation, Event, Verification, FiscalArchive)
