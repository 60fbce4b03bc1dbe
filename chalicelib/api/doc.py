"""What a route takes and answers, written beside the route (``@bp.route(..., doc=Doc(...))``).

``GET /api/openapi.json`` (``openapi_spec.py``, built on its first request) reads each
route's :class:`Doc` from the Chalice route table: its summary, success status and
media type, the body model, the query model (named: a model of ``queries.py``, the same
model the view validates its query string with) and the answer's schema. Answers are JSON schemas:
``ref("Lot")`` names one of the pydantic response models (``responses.py``,
``compliance_responses.py``), ``obj()``/``array()``/``page_of()`` compose them.

Cheap on purpose: a ``Doc`` is a frozen record of dicts and classes built at import,
nothing is generated before the first request for the document.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

JSON = "application/json"
CSV = "text/csv"
PDF = "application/pdf"
REF = "#/components/schemas/{model}"


def ref(name: str) -> dict[str, Any]:
    return {"$ref": REF.format(model=name)}


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    return {**schema, "type": [schema["type"], "null"]}


def obj(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        out["required"] = list(required)
    return out


def array(items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": items}


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
BOOLEAN = {"type": "boolean"}
ANY: dict[str, Any] = {}
N_STRING = nullable(STRING)
N_INTEGER = nullable(INTEGER)
# API.md: money is a decimal string with 2 decimals, never a float.
MONEY = {"type": "string", "pattern": r"^-?[0-9]+\.[0-9]{2}$"}
N_MONEY = nullable(MONEY)
DATE = {"type": "string", "format": "date"}
N_DATE = nullable(DATE)
BINARY = {"type": "string", "format": "binary"}


def page_of(items: dict[str, Any]) -> dict[str, Any]:
    """API.md "Lists": ``{items, total, page, page_size}``."""
    return obj({"items": array(items), "total": INTEGER, "page": INTEGER, "page_size": INTEGER},
               ("items", "total", "page", "page_size"))


# A body-less POST: nothing or {}.
NO_BODY: dict[str, Any] = {"type": "object", "maxProperties": 0, "description": "No parameters: send nothing or {}."}


@dataclass(frozen=True)
class Doc:
    """What one route takes and answers."""

    summary: str
    answer: Any = None  # the success body: a JSON schema, or a pydantic response model; None: no body
    status: int = 200
    media: str = JSON
    body: Any = None  # a pydantic model (schemas.py) or a JSON schema
    body_media: str = JSON
    # The query string: the name of the route's model in queries.py (loaded lazily), or a dict of schemas.
    query: Any = None
    # Free filters a domain parser reads (domain/search.parse_filters...): name -> schema.
    filters: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Path parameters narrower than a string (or a function giving them, read when the document is built).
    path: Any = field(default_factory=dict)
    description: str = ""


def pdf(summary: str, query: Any = None, filters: dict[str, dict[str, Any]] | None = None) -> Doc:
    return Doc(summary, BINARY, media=PDF, query=query, filters=filters or {},
               description="Needs `Accept: application/pdf` (or `*/*`): 406 otherwise.")


def csv(summary: str, query: Any = None, filters: dict[str, dict[str, Any]] | None = None) -> Doc:
    return Doc(summary, STRING, media=CSV, query=query, filters=filters or {})
