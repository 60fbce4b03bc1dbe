"""The API's OpenAPI 3.1 document, built from the app itself.

Paths and methods come from the Chalice route table, so no route can be left out,
and whether a route needs a token from the route's own ``public`` flag
(``routing.py``). What each operation takes and answers is written beside the route
(``@bp.route(..., doc=Doc(...))``, ``api/doc.py``): request bodies and query strings are
the pydantic models of ``schemas.py`` and ``queries.py`` (their JSON schema), the
objects answered are ``components.schemas``
(the pydantic models of ``responses.py`` and ``COMPONENTS`` below), with the error
format of API.md. A route without documentation is still published, marked
``x-undocumented``, and fails ``tests/reliability/test_openapi.py``.

Imported by the first ``GET /api/openapi.json`` only (``openapi.py``): nothing
here runs at cold start.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from chalicelib.api import queries, responses, schemas
from chalicelib.api.doc import (  # the shorthands the table below and COMPONENTS use
    ANY,
    BOOLEAN,
    INTEGER,
    JSON,
    MONEY,
    N_DATE,
    N_INTEGER,
    N_MONEY,
    N_STRING,
    NO_BODY,
    PDF,
    REF,
    STRING,
    Doc,
    array,
    nullable,
    obj,
    ref,
)
from chalicelib.domain.actions import STATUS_LABELS
from chalicelib.domain.audit import EVENT_KINDS, PURPOSE_MAX, PURPOSE_PARAM, ROUTINE_PURPOSE
from chalicelib.domain.profiles import Profile, permissions
from chalicelib.domain.transfers import PUBLIC_COMPANY_FIELDS

_PARTY_FIELDS = tuple(schemas.PartyBody.model_fields)
_COMPANY_TEXT = tuple(name for name in schemas.CompanyBody.model_fields
                      if name not in ("creation_year", "invoicing", "label_options", "receipt_options",
                                      "strict_police_register"))

TRACE = obj({"at": STRING, "user": N_STRING, "field": STRING, "old": ANY, "new": ANY, "reason": N_STRING},
            ("at", "field"))

# The objects the API answers with (API.md "Field names"). Open objects: a field
# added to a view does not break the document; the fields named are checked.
COMPONENTS: dict[str, dict[str, Any]] = {
    "Error": obj({"error": obj({"code": {"type": "string", "pattern": "^[a-z0-9_]+$"}, "message": STRING,
                                "details": ANY}, ("code", "message"))}, ("error",)),
    "Me": obj({"id": N_STRING, "email": STRING, "profile": {"type": "string", "enum": [p.value for p in Profile]},
               "tenant_id": STRING, "company_name": N_STRING,
               "permissions": array({"type": "string", "enum": list(permissions())}), "training": BOOLEAN,
               "inspector": nullable(obj({"id": STRING, "name": STRING, "service": STRING, "purpose": STRING}))},
              ("email", "profile", "tenant_id", "permissions", "training")),
    "Company": obj({**{name: N_STRING for name in _COMPANY_TEXT}, "creation_year": N_INTEGER,
                    "invoicing": nullable({"type": "object"}), "label_options": nullable({"type": "object"}),
                    "receipt_options": nullable({"type": "object"}), "strict_police_register": nullable(BOOLEAN),
                    "subscriber_ref": N_STRING, "max_users": N_INTEGER}, ("company_name",)),
    "User": obj({"id": STRING, "email": STRING, "first_name": N_STRING, "last_name": N_STRING,
                 "profile": {"type": "string", "enum": [p.value for p in Profile]}, "created_at": N_STRING,
                 "temporary_password": STRING}, ("id", "email", "profile")),
    "Party": obj({"id": STRING, **{name: N_STRING for name in _PARTY_FIELDS}, "display_name": N_STRING,
                  "police_register_missing": {"type": "object"}}, ("id",)),
    "Trace": TRACE,
    "DraftLine": obj({"n": INTEGER, "description": STRING, "family_id": N_STRING, "weight_g": N_STRING,
                      "fineness": N_INTEGER, "serial": N_STRING, "comment": N_STRING, "vat_rate": STRING,
                      "purchase_price": N_MONEY, "reserve_price": N_MONEY, "label_price": N_MONEY},
                     ("n", "description")),
    "Draft": obj({"supplier_id": N_STRING, "purchase_date": N_DATE, "purchase_price": N_MONEY,
                  "price_incl_tmp": N_MONEY, "payment_method": N_STRING, "condition": N_STRING,
                  "tmp": BOOLEAN, "comment": N_STRING, "lines": array(ref("DraftLine")), "article_count": INTEGER,
                  "lines_total": N_MONEY, "difference": N_MONEY}, ("lines",)),
    "Article": obj({"ref": STRING, "lot_ref": STRING, "status": {"type": "string", "enum": sorted(STATUS_LABELS)},
                    "description": N_STRING, "family_id": N_STRING, "weight_g": N_STRING, "fineness": N_INTEGER,
                    "serial": N_STRING, "comment": N_STRING, "condition": N_STRING, "vat_rate": N_STRING,
                    "purchase_price": N_MONEY, "reserve_price": N_MONEY, "deposit_price": N_MONEY,
                    "label_price": N_MONEY, "sale_price": N_MONEY, "supplier_id": N_STRING, "client_id": N_STRING,
                    "transaction_ref": N_STRING, "invoice_number": N_STRING, "payment_method": N_STRING,
                    "purchase_date": N_DATE, "sale_date": N_DATE, "deposit_date": N_DATE,
                    "traces": array(ref("Trace"))}, ("ref", "lot_ref", "status")),
    "Lot": obj({"ref": STRING, "kind": {"type": "string", "enum": ["purchase", "consignment"]}, "status": STRING,
                "supplier_id": N_STRING, "supplier": nullable({"type": "object"}), "purchase_date": N_DATE,
                "purchase_price": N_MONEY, "tmp": nullable(BOOLEAN), "price_incl_tmp": N_MONEY,
                "payment_method": N_STRING, "condition": N_STRING, "comment": N_STRING, "article_count": INTEGER,
                "traces": array(ref("Trace")), "articles": array(ref("Article"))}, ("ref", "kind")),
    "Commit": obj({"lot": ref("Lot"), "articles": array(ref("Article"))}, ("lot", "articles")),
    "Scan": obj({"article": ref("Article"), "selection": ref("Selection")}, ("article", "selection")),
    "ActionResult": obj({"articles": array(ref("Article")),
                         "sale": obj({"transaction_ref": STRING, "invoice_number": N_STRING,
                                      "receipt_number": N_STRING, "total": MONEY}, ("transaction_ref",))},
                        ("articles",)),
    "SealedRecord": obj({"id": STRING, "kind": STRING, "number": STRING, "sealed_at": STRING, "sha256": STRING,
                         "prev_sha256": STRING,
                         "storage": obj({"bucket": STRING, "key": STRING, "version_id": N_STRING,
                                         "retention_mode": N_STRING, "retain_until": N_STRING})},
                        ("id", "sha256", "storage")),
    # The consultation log (arrêté of 15 May 2020, art. 3): a sealed record and who read what, when, why.
    "Consultation": obj({"id": STRING, "rank": INTEGER, "sealed_at": STRING, "sha256": STRING,
                         "prev_sha256": STRING, "storage": {"type": "object"}, "at": STRING, "who": STRING,
                         "what": STRING, "purpose": STRING,
                         # `what` and `access` in French (chalicelib/domain/audit.py's one table of labels)
                         "label": STRING, "access_label": STRING,
                         "inspector": nullable(obj({"name": STRING, "service": N_STRING, "service_label": STRING},
                                                   ("name",))),
                         # an inspector's request: a read of the register or another access, refused or not
                         "access": {"type": "string", "enum": ["register_read", "access"]},
                         "refused": {"type": "boolean"}},
                        ("id", "rank", "sha256", "at", "who", "what", "purpose")),
    # The event log (NF525): a sealed record and the event's kind, time, user and details.
    "Event": obj({"id": STRING, "rank": INTEGER, "sealed_at": STRING, "sha256": STRING, "prev_sha256": STRING,
                  "storage": {"type": "object"}, "kind": {"type": "string", "enum": sorted(EVENT_KINDS)},
                  "label": STRING, "at": STRING, "user": N_STRING, "details": {"type": "object"},
                  "software_version": N_STRING},
                 ("id", "rank", "sha256", "kind", "label", "at", "details")),
    "Verification": obj({"ok": BOOLEAN, "checked": INTEGER, "first_broken": ANY, "chains": array(ANY),
                         # "incremental" (from each chain's checkpoint) or "full"; records read again
                         "mode": STRING, "reread": INTEGER,
                         # live records against their last sealed version (domain/divergence.py)
                         "divergences": array(obj({"record": STRING, "ref": STRING, "field": STRING,
                                                   "sealed": ANY, "live": ANY, "chain": STRING,
                                                   "rank": INTEGER, "article": STRING},
                                                  ("record", "ref", "field", "sealed", "live"))),
                         # objects locked short of their sealing day + N calendar years (domain/retention.py)
                         "retention": array(obj({"chain": STRING, "rank": INTEGER, "number": N_STRING,
                                                 "reason": STRING, "message": STRING, "mode": N_STRING,
                                                 "retain_until": N_STRING, "required_until": STRING},
                                                ("chain", "rank", "reason", "required_until"))),
                         "retention_years": INTEGER,
                         # each built fiscal archive's stored files against its sealed archive_built event
                         "archives": array(obj({"period": STRING, "ok": BOOLEAN, "reason": N_STRING,
                                                "file": STRING}, ("period", "ok", "reason")))},
                        ("ok", "checked")),
    "FiscalArchive": obj({
        "id": STRING, "period": STRING, "period_label": STRING,
        "kind": {"type": "string", "enum": ["monthly", "yearly"]},
        "status": {"type": "string", "enum": ["running", "ready", "failed"]}, "created_at": STRING,
        "built_at": N_STRING, "automatic": BOOLEAN, "job_id": N_STRING, "files": N_INTEGER,
        "records": nullable({"type": "object"}), "manifest_sha256": N_STRING, "archive_sha256": N_STRING,
        "size": N_INTEGER, "event_rank": N_INTEGER, "error": N_STRING},
        ("id", "period", "kind", "status")),
    "Report": {"type": "object", "description": "A JSON report (API.md, /api/reports/...)."},
    "SubscriberCard": obj({"subscriber_ref": STRING, **{name: N_STRING for name in PUBLIC_COMPANY_FIELDS}},
                          ("subscriber_ref",)),
}


# ---------------------------------------------------------------- parameters


def _query(schema: dict[str, Any], description: str = "") -> dict[str, Any]:
    return {"schema": schema, **({"description": description} if description else {})}


# Reads of the police register (api/routing.py ``register_read``) take the reader's purpose.
PURPOSE = _query({"type": "string", "maxLength": PURPOSE_MAX},
                 f"why the register is read, logged with the read (default: « {ROUTINE_PURPOSE} »)")
REGISTER_READ_NOTE = ("A read of the police register: each answer leaves one record in the consultation log "
                      "(`GET /api/compliance/consultations`) with the caller, what was read and `purpose`.")

# ---------------------------------------------------------------- the document


def _errors(public: bool, media: str) -> dict[str, Any]:
    """API.md "Conventions": the codes every route may answer, all in the error format."""
    codes = {"400": "Malformed or invalid input (`details` per field)", "404": "Not found",
             "409": "State conflict (wrong status, linked record, limit reached)",
             "422": "Business rule refused",
             "401": "Wrong credentials" if public else "No token, or a bad one",
             "503": "Busy (AWS throttling): retry after `Retry-After` seconds"}
    if not public:
        codes["403"] = "The profile may not do this"
    else:  # signup, its confirmation and login (services/accounts.py)
        codes["403"] = "The signup's e-mail is not confirmed yet (`email_not_verified`)"
        codes["429"] = "Too many signups from this address or failed logins: retry after `Retry-After` seconds"
    if media == PDF:
        codes["406"] = "The request's Accept names no PDF"
    error = {"content": {JSON: {"schema": ref("Error")}}}
    return {code: {"description": text, **error} for code, text in sorted(codes.items())}


def _operation_id(method: str, path: str) -> str:
    return method.lower() + "_" + re.sub(r"[^a-z0-9]+", "_", path.removeprefix("/api/").lower()).strip("_")


def _operation(method: str, path: str, public: bool, op: Doc | None, register_read: bool = False) -> dict[str, Any]:
    area = path.split("/")[2]
    out: dict[str, Any] = {"operationId": _operation_id(method, path), "tags": [area]}
    if op is None:
        out |= {"summary": "Undocumented", "x-undocumented": True,
                "responses": {"default": {"description": "Undocumented"}}}
    else:
        success: dict[str, Any] = {"description": op.summary}
        if op.answer is not None:
            success["content"] = {op.media: {"schema": op.answer}}
        out |= {"summary": op.summary, "responses": {str(op.status): success, **_errors(public, op.media)}}
        if op.description:
            out["description"] = op.description
        if op.body is not None:
            schema = ref(op.body.__name__) if isinstance(op.body, type) else op.body
            out["requestBody"] = {"required": op.body is not NO_BODY, "content": {op.body_media: {"schema": schema}}}
    narrower = (op.path() if callable(op.path) else op.path) if op else {}
    parameters = [{"name": name, "in": "path", "required": True,
                   "schema": narrower.get(name) or {"type": "string", "minLength": 1}}
                  for name in re.findall(r"{(\w+)}", path)]
    parameters += [{"name": name, "in": "query", "required": False, **spec}
                   for name, spec in (_query_parameters(op) if op else ())]
    if register_read:  # api/routing.py: a read of the police register, logged with its purpose
        parameters.append({"name": PURPOSE_PARAM, "in": "query", "required": False, **PURPOSE})
        out["description"] = (out.get("description", "") + " " + REGISTER_READ_NOTE).strip()
    if parameters:
        out["parameters"] = parameters
    if public:
        out["security"] = []
    return out


def _query_parameters(op: Doc) -> list[tuple[str, dict[str, Any]]]:
    """The query model's fields (their types' own schemas, queries.py) or a dict of schemas,
    then the free filters a domain parser reads."""
    model = getattr(queries, op.query) if isinstance(op.query, str) else op.query
    if isinstance(model, type) and issubclass(model, BaseModel):
        found = []
        for name, prop in model.model_json_schema(mode="validation")["properties"].items():
            spec = {key: value for key, value in prop.items() if key not in ("title", "default", "description")}
            found.append((name, _query(spec, prop.get("description", ""))))
    else:
        found = list((op.query or {}).items())
    return found + [(name, _query(schema)) for name, schema in op.filters.items()]


def _docs(app: Any) -> dict[str, Doc]:
    """Each route's documentation, written beside the route (``doc=``)."""
    found: dict[str, Doc] = {}
    for path, methods in app.routes.items():
        for method, entry in methods.items():
            doc = getattr(entry.view_function, "lotbook_doc", None)
            if doc is not None:
                found[f"{method} {path}"] = doc
    return found


def _request_models(docs: dict[str, Doc]) -> list[type[BaseModel]]:
    return sorted({op.body for op in docs.values() if isinstance(op.body, type)}, key=lambda m: m.__name__)


@functools.lru_cache(maxsize=4)
def document(app: Any) -> dict[str, Any]:
    """The whole document for this Chalice app (built once per app)."""
    docs = _docs(app)
    _, defs = models_json_schema([(model, "validation") for model in _request_models(docs)], ref_template=REF)
    _, answers = models_json_schema([(model, "serialization") for model in responses.MODELS], ref_template=REF)
    paths: dict[str, dict[str, Any]] = {}
    for path, methods in sorted(app.routes.items()):
        for method, entry in sorted(methods.items()):
            public = bool(getattr(entry.view_function, "lotbook_public", False))
            op = docs.get(f"{method} {path}")
            register_read = bool(getattr(entry.view_function, "lotbook_register_read", False))
            paths.setdefault(path, {})[method.lower()] = _operation(method, path, public, op, register_read)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Lotbook API",
            "version": "1",
            "description": "Inventory and legal registers for French second-hand dealers. JSON in and out; "
                           "money as decimal strings; errors as `{\"error\": {code, message, details}}` with "
                           "French messages. The contract: API.md.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {
                "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                "description": "The Cognito ID token (`id_token` of POST /api/auth/login); the tenant and the "
                               "profile come from its claims."}},
            "schemas": {**defs.get("$defs", {}), **answers.get("$defs", {}), **COMPONENTS},
        },
    }
