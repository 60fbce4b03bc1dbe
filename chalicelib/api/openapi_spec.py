"""The API's OpenAPI 3.1 document, built from the app itself.

Paths and methods come from the Chalice route table, so no route can be left out,
and whether a route needs a token from the route's own ``public`` flag
(``routing.py``). What each operation takes and answers is written beside the route
(``@bp.route(..., doc=Doc(...))``, ``api/doc.py``): request bodies and query strings are
the pydantic models of ``schemas.py`` and ``queries.py`` (their JSON schema), the
objects answered are ``components.schemas``, the pydantic models of ``responses.py`` and
``compliance_responses.py``, with the error format of API.md. A route without documentation is still published, marked
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

from chalicelib.api import compliance_responses, queries, responses, routing
from chalicelib.api.doc import JSON, NO_BODY, PDF, REF, Doc, ref
from chalicelib.domain.audit import PURPOSE_MAX, PURPOSE_PARAM, ROUTINE_PURPOSE

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
        out["x-register-read"] = True
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
    _, answers = models_json_schema([(model, "serialization")
                                     for model in responses.MODELS + compliance_responses.MODELS], ref_template=REF)
    paths: dict[str, dict[str, Any]] = {}
    for path, methods in sorted(app.routes.items()):
        for method, entry in sorted(methods.items()):
            public = bool(getattr(entry.view_function, "lotbook_public", False))
            op = docs.get(f"{method} {path}")
            register_read = routing.reads_register(method, path, entry.view_function)
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
            "schemas": {**defs.get("$defs", {}), **answers.get("$defs", {})},
        },
    }
