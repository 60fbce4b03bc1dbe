"""Query strings: one pydantic model per route's query string, beside the body models.

Read with ``schemas.parse_query("ModelName", request)`` (and named so in a route's
``doc=Doc(..., query="ModelName")``): this module is imported with the first request
that reads a query string, not at cold start. Strings in, an empty value is an absent
one, unknown parameters are ignored (the article filters are read by the domain's own
parser, domain/search.parse_filters, which refuses them). Each parameter type carries
its JSON schema: the OpenAPI document's ``parameters`` are these models. Messages are
French and name the parameter (``schemas._french`` for pydantic's own errors).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, WithJsonSchema

from chalicelib.domain.audit import EVENT_KINDS
from chalicelib.domain.text import is_whole_number
from chalicelib.domain.vat import DEFAULT_RATE, RATES

MAX_PAGE_SIZE = 500
DATE_MESSAGE = "Date attendue au format AAAA-MM-JJ."


def _whole_between(low: int, high: int, message: str) -> Any:
    """ASCII digits (domain/text.is_whole_number) between two bounds: "١٠" and "1e3" are refused."""
    def validate(value: Any) -> int:
        text = str(value)
        if not (is_whole_number(text) and len(text) <= 9) or not low <= int(text) <= high:
            raise ValueError(message)
        return int(text)

    return validate


def _day(value: Any) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(DATE_MESSAGE) from None


def _flag(value: Any) -> bool:
    raw = str(value).lower()
    if raw not in ("0", "1", "true", "false", "oui", "non"):
        raise ValueError("Valeur attendue : 1 ou 0.")
    return raw in ("1", "true", "oui")


def _refs(value: Any) -> list[str]:
    refs = [r.strip() for r in str(value).split(",") if r.strip()]
    if not refs:
        raise ValueError("Références séparées par des virgules.")
    return refs


def _separator(value: Any) -> str:
    separator = "\t" if value == "tab" else str(value)
    if len(separator) != 1:
        raise ValueError("Un seul caractère (ou « tab »).")
    return separator


def _vat_rate(value: Any) -> str:
    if value not in RATES:
        raise ValueError("Taux de TVA inconnu.")
    return str(value)


def _year(value: Any) -> int:
    text = str(value)
    if not (is_whole_number(text) and len(text) == 4) or not 2000 <= int(text) <= 2100:
        raise ValueError("Année attendue (AAAA).")
    return int(text)


def _text(schema: dict[str, Any] | None = None) -> Any:
    """A parameter taken as sent (a service or the domain reads it), documented as ``schema``."""
    return Annotated[str | None, WithJsonSchema(schema or {"type": "string"})]


_DATE_SCHEMA = {"type": "string", "format": "date"}
PageNumber = Annotated[int, PlainValidator(_whole_between(1, 10**6, f"Nombre entier entre 1 et {10**6} attendu.")),
                       WithJsonSchema({"type": "integer", "minimum": 1, "maximum": 10**6})]
PageSize = Annotated[int, PlainValidator(_whole_between(1, MAX_PAGE_SIZE,
                                                        f"Nombre entier entre 1 et {MAX_PAGE_SIZE} attendu.")),
                     WithJsonSchema({"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE})]
Day = Annotated[date | None, PlainValidator(_day), WithJsonSchema(_DATE_SCHEMA)]
Flag = Annotated[bool, PlainValidator(_flag), WithJsonSchema({"type": "string", "enum": ["0", "1"]})]
QueryText = _text()
DayText = _text(_DATE_SCHEMA)
LegalMentions = _text({"type": "string", "enum": ["default", "own", "both", "none"]})
EventKind = _text({"type": "string", "enum": sorted(EVENT_KINDS)})


class Query(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True, defer_build=True)


class PageQuery(Query):
    """API.md "Lists": ``page`` (from 1) and ``page_size`` (at most 500)."""

    page: PageNumber = 1
    page_size: PageSize = 50


class TextQuery(Query):
    q: QueryText = Field(None, description="words that start a word of the item, accents and case ignored")


class SearchQuery(TextQuery, PageQuery):
    pass


class LotFilters(Query):
    """The lots' filters (services/lots.LOT_FILTERS), read by the lots service."""

    supplier_id: QueryText = None
    kind: QueryText = None
    condition: QueryText = None
    status: QueryText = None
    purchase_from: QueryText = None
    purchase_to: QueryText = None
    has_traces: QueryText = None
    q: QueryText = None


class LotPageQuery(LotFilters, PageQuery):
    pass


class ImportQuery(Query):
    separator: Annotated[str, PlainValidator(_separator), WithJsonSchema({"type": "string"})] = Field(
        ";", description="one character, or `tab`; default `;`")
    skip: Annotated[int, PlainValidator(_whole_between(0, 100, "Nombre de lignes d'en-tête à sauter : entier de 0 "
                                                                "à 100.")),
                    WithJsonSchema({"type": "integer", "minimum": 0, "maximum": 100})] = Field(
        0, description="header lines to skip")
    family: QueryText = Field(None, description="family (label or id) of lines without one")
    vat_rate: Annotated[str, PlainValidator(_vat_rate), WithJsonSchema({"type": "string", "enum": list(RATES)})] = (
        DEFAULT_RATE)


class TemplateQuery(Query):
    separator: QueryText = None  # one character, else `;`


class RefsQuery(Query):
    refs: Annotated[list[str] | None, PlainValidator(_refs), WithJsonSchema({"type": "string"})] = Field(
        None, description="comma-separated references; the caller's selection when absent")


class ContractQuery(Query):
    legal: LegalMentions = "default"
    agreement: Flag = False
    withdrawal: Flag = False


class DayRange(Query):
    """``from`` and ``to``: days, both ends included."""

    day_from: Day = Field(None, alias="from")
    day_to: Day = Field(None, alias="to")


class LotsStateQuery(DayRange):
    supplier_id: QueryText = None


class DatedPageQuery(PageQuery):
    """The sealed records' lists: ``date_from``, ``date_to``."""

    date_from: Day = None
    date_to: Day = None


class PoliceFilesQuery(DatedPageQuery):
    lot: QueryText = None


class DayRangePageQuery(DayRange, PageQuery):
    pass


class EventQuery(PageQuery):
    """Read by domain/audit.event_filters (``from`` after ``to`` is refused there)."""

    day_from: DayText = Field(None, alias="from")
    day_to: DayText = Field(None, alias="to")
    kind: EventKind = None


class VerifyQuery(Query):
    full: Annotated[bool, PlainValidator(lambda value: str(value) in ("1", "true", "oui")),
                    WithJsonSchema({"type": "string", "enum": ["0", "1"]})] = Field(
        False, description="`1`: re-read every record, not only those since the checkpoint")


class YearQuery(Query):
    year: Annotated[int | None, PlainValidator(_year), WithJsonSchema({"type": "integer"})] = None
