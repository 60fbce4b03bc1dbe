"""Response models: what some routes answer, as pydantic models, for the OpenAPI document.

Imported by ``openapi_spec.py`` only (the first ``GET /api/openapi.json``): the views
answer the services' dicts, these models describe them (``components.schemas``, by
class name; a route's ``doc=Doc(..., ref("Family"))`` names one). Open objects like
the rest of the document: a field added to a view does not break it; the fields named
are checked (tests/reliability/test_openapi.py against real answers and schemathesis).

Every object of ``components.schemas`` the API answers with is a model here (API.md
"Field names"), with those of the registers' compliance in ``compliance_responses.py``; the
request models are ``schemas.py``'s. A field that is not always in the
answer has a default (``None`` when it may also be null), so it is not ``required``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, create_model
from pydantic.json_schema import SkipJsonSchema

from chalicelib.api.schemas import CompanyBody, PartyBody
from chalicelib.domain.actions import STATUS_LABELS
from chalicelib.domain.media import OWNER_KINDS
from chalicelib.domain.profiles import Profile, permissions
from chalicelib.domain.transfers import PUBLIC_COMPANY_FIELDS

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


class ErrorDetail(Response):
    code: Annotated[str, Field(pattern=r"^[a-z0-9_]+$")]
    message: str
    details: Any = None


class Error(Response):
    """API.md "Conventions": every error, French ``message``, ``details`` per field."""

    error: ErrorDetail


ProfileName = Literal[tuple(p.value for p in Profile)]  # type: ignore[valid-type]


class InspectorSession(Response):
    """An inspector's session: the grant it was opened with (domain/inspector.py)."""

    id: str = ""
    name: str = ""
    service: str = ""
    service_label: str = Field("", description="The service in French, as the consultation log names it")
    purpose: str = ""


class Me(Response):
    id: str | None = None
    email: str
    profile: ProfileName
    tenant_id: str
    company_name: str | None = None
    permissions: list[Literal[permissions()]]  # type: ignore[valid-type]
    training: bool
    inspector: InspectorSession | None = None
    register_reads: list[str] = Field(
        description="The GET routes reading the police register (`x-register-read`), as regular expressions of the "
                    "path after /api: the site sends the reader's `purpose` with them")


def _open_fields(names: Any) -> dict[str, Any]:
    """Text fields that may be absent or null."""
    return {name: (str | None, None) for name in names}


_COMPANY_OTHER = ("company_name", "creation_year", "invoicing", "label_options", "receipt_options",
                  "strict_police_register")
Company = create_model(
    "Company", __base__=Response,
    company_name=(str | None, ...),
    **_open_fields(name for name in CompanyBody.model_fields if name not in _COMPANY_OTHER),
    creation_year=(int | None, None), invoicing=(dict[str, Any] | None, None),
    label_options=(dict[str, Any] | None, None), receipt_options=(dict[str, Any] | None, None),
    strict_police_register=(bool | None, None), subscriber_ref=(str | None, None), max_users=(int | None, None))


class User(Response):
    id: str
    email: str
    first_name: str | None = None
    last_name: str | None = None
    profile: ProfileName
    created_at: str | None = None
    temporary_password: str = Field("", description="Only in the answer of the account's creation")


Party = create_model(
    "Party", __base__=Response, id=(str, ...), **_open_fields(PartyBody.model_fields),
    display_name=(str | None, None), police_register_missing=(dict[str, Any], Field(default_factory=dict)))


class Trace(Response):
    """A correction of a recorded field: who, when, old and new value, why."""

    at: str
    user: str | None = None
    field: str
    old: Any = None
    new: Any = None
    reason: str | None = None


class DraftLine(Response):
    n: int
    description: str
    family_id: str | None = None
    weight_g: str | None = None
    fineness: int | None = None
    serial: str | None = None
    comment: str | None = None
    vat_rate: str = ""
    purchase_price: Money | None = None
    reserve_price: Money | None = None
    label_price: Money | None = None


class Draft(Response):
    supplier_id: str | None = None
    purchase_date: Day | None = None
    purchase_price: Money | None = None
    price_incl_tmp: Money | None = None
    payment_method: str | None = None
    condition: str | None = None
    tmp: bool = False
    comment: str | None = None
    lines: list[DraftLine]
    article_count: int = 0
    lines_total: Money | None = None
    difference: Money | None = None


class Article(Response):
    ref: str
    lot_ref: str
    status: Literal[tuple(sorted(STATUS_LABELS))]  # type: ignore[valid-type]
    description: str | None = None
    family_id: str | None = None
    weight_g: str | None = None
    fineness: int | None = None
    serial: str | None = None
    comment: str | None = None
    condition: str | None = None
    vat_rate: str | None = None
    purchase_price: Money | None = None
    reserve_price: Money | None = None
    deposit_price: Money | None = None
    label_price: Money | None = None
    sale_price: Money | None = None
    supplier_id: str | None = None
    client_id: str | None = None
    transaction_ref: str | None = None
    invoice_number: str | None = None
    payment_method: str | None = None
    purchase_date: Day | None = None
    sale_date: Day | None = None
    deposit_date: Day | None = None
    traces: list[Trace] = Field(default_factory=list)


class Lot(Response):
    ref: str
    kind: Literal["purchase", "consignment"]
    status: str = ""
    supplier_id: str | None = None
    supplier: dict[str, Any] | None = None
    purchase_date: Day | None = None
    purchase_price: Money | None = None
    tmp: bool | None = None
    price_incl_tmp: Money | None = None
    payment_method: str | None = None
    condition: str | None = None
    comment: str | None = None
    article_count: int = 0
    traces: list[Trace] = Field(default_factory=list)
    articles: list[Article] = Field(default_factory=list)


class Commit(Response):
    lot: Lot
    articles: list[Article]


class Scan(Response):
    article: Article
    selection: Selection


class ActionSale(Response):
    transaction_ref: str
    invoice_number: str | None = None
    receipt_number: str | None = None
    total: Money = "0.00"


class ActionResult(Response):
    articles: list[Article]
    sale: ActionSale | SkipJsonSchema[None] = Field(None, description="Only after a sale (never null)")


class Report(Response):
    """A JSON report (API.md, /api/reports/...)."""

    model_config = ConfigDict(defer_build=True, extra="allow")


SubscriberCard = create_model("SubscriberCard", __base__=Response, subscriber_ref=(str, ...),
                              **_open_fields(PUBLIC_COMPANY_FIELDS))


MODELS: tuple[type[Response], ...] = (
    Tokens, SignupResult, SignupVerification, Family, LotsSummary, Selection, History, JobStarted, Job, Archive,
    Inspection, Health, Summary, Sale, PendingLot, Medium, MediumCreated, Document, Error, Me, Company, User, Party,
    Trace, DraftLine, Draft, Article, Lot, Commit, Scan, ActionResult, Report, SubscriberCard)
