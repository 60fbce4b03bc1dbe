"""Response models: what some routes answer, as pydantic models, for the OpenAPI document.

Imported by ``openapi_spec.py`` only (the first ``GET /api/openapi.json``): the views
answer the services' dicts, these models describe them (``components.schemas``, by
class name; a route's ``doc=Doc(..., ref("Family"))`` names one). Open objects like
the rest of the document: a field added to a view does not break it; the fields named
are checked (tests/reliability/test_openapi.py against real answers and schemathesis).

The other components are still JSON schemas written with ``api/doc.py``'s shorthands
(``openapi_spec.COMPONENTS``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from chalicelib.domain.media import OWNER_KINDS

# API.md: money is a decimal string with 2 decimals, never a float.
Money = Annotated[str, Field(pattern=r"^-?[0-9]+\.[0-9]{2}$")]
Day = Annotated[str, WithJsonSchema({"type": "string", "format": "date"})]


class Response(BaseModel):
    model_config = ConfigDict(defer_build=True)


class Tokens(Response):
    id_token: str
    refresh_token: str = ""
    expires_in: int


class SignupResult(Response):
    tenant_id: str
    subscriber_ref: str
    verification: Literal["email_sent"]


class SignupVerification(Response):
    verification: Literal["email_sent", "confirmed"]


class Family(Response):
    id: str
    label: str
    metal_2093: bool
    margin_category: str


class LotsSummary(Response):
    count: int
    article_count: int = 0
    purchase_total: Money = "0.00"


class Selection(Response):
    refs: list[str]
    count: int


class HistoryEvent(Response):
    at: str | None = None
    event: str


class History(Response):
    ref: str
    events: list[HistoryEvent]


class JobStarted(Response):
    job_id: str
    archive_id: str = ""


class Job(Response):
    id: str = ""
    kind: str = ""
    status: Literal["running", "succeeded", "failed"]
    progress: Annotated[float, Field(ge=0, le=1)] = 0
    result: Any = None
    error: Any = None


class Archive(Response):
    id: str
    kind: str
    status: str
    title: str | None = None
    created_at: str = ""


class Inspection(Response):
    id: str
    at: str = ""
    inspector: str = ""
    service: str = ""
    email: str = ""
    text: str = ""
    md5: str
    sha256: str


class Health(Response):
    status: Literal["ok", "degraded"]
    details: dict[str, Any] = Field(default_factory=dict,
                                    description="Counts only: journal entries waiting to be sealed")


class Summary(Response):
    count: int
    purchase_total: Money = "0.00"
    sale_total: Money = "0.00"
    margin_total: Money = "0.00"
    vat: dict[str, Any] = Field(default_factory=dict)


class Sale(Response):
    transaction_ref: str
    kind: str = ""
    date: Day = "2000-01-01"
    total: Money = "0.00"
    lines: list[Any] = Field(default_factory=list)


class PendingLot(Response):
    id: str
    kind: str
    from_subscriber_ref: str
    date: Day | None = None
    article_count: int = 0
    total: Money | None = None
    articles: list[dict[str, Any]]


class Medium(Response):
    id: str
    owner_kind: Literal[OWNER_KINDS] = "company"  # type: ignore[valid-type]
    owner_id: str = ""
    type: str
    title: str | None = None
    active: bool = True
    default: bool = False
    weight: int = 0
    status: str | None = None
    url: str | None = None
    thumbnail_url: str | None = None


class MediumCreated(Response):
    id: str
    upload: dict[str, Any] | None = None
    medium: Medium


class Document(Response):
    openapi: str
    paths: dict[str, Any]


MODELS: tuple[type[Response], ...] = (Tokens, SignupResult, SignupVerification, Family, LotsSummary, Selection,
                                      History, JobStarted, Job, Archive, Inspection, Health, Summary, Sale,
                                      PendingLot, Medium, MediumCreated, Document)
