"""The OpenAPI document (``GET /api/openapi.json``) is complete, and the API keeps it.

1. The document against the route table: every route and method of the app is in
   it, documented, and nothing else is; every route taking a body has its schema.
2. Known objects: every GET route with ids is called with a real id of a tenant
   that has data, and each answer must conform to the document.
3. Schemathesis against the local stack (started as ``make run`` does), with a
   fixed, derandomized budget: no 5xx, status codes, content types and bodies as
   documented, for valid and invalid input alike.

Nothing is left out of 3: PDFs are asked with ``Accept: */*`` like a browser, and
deletions and closures run too (on this file's tenant, after 2 has read it). Each
operation gets MAX_EXAMPLES valid and MAX_EXAMPLES invalid cases, derandomized; a
failure is reported with a curl line, not shrunk.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.e2e.conftest import RunningStack
from tests.functional.test_isolation import _owned_ids
from tests.support import TenantSession, sign_up

BODY_METHODS = {"POST", "PUT", "PATCH"}
# The routes that take no token (API.md "Auth", plus the refresh and this document):
# making another one public is a decision, not an accident.
PUBLIC = {("GET", "/api/health"), ("GET", "/api/openapi.json"), ("POST", "/api/signup"),
          ("POST", "/api/auth/login"), ("POST", "/api/auth/refresh"),
          ("POST", "/api/signup/confirm"), ("POST", "/api/signup/resend"),  # the signup's e-mail code
          ("GET", "/api/compliance/verifier"),  # the standalone verifier: an inspector needs no account
          ("POST", "/api/inspector/login"),  # the inspector's one-time code opens its session
          ("GET", "/api/compliance/guide")}  # the inspector's guide, read before signing in
# The fuzzing budget: examples per operation and mode, derandomized (the same cases every run;
# the whole file stays under a minute on 2 cores); LOTBOOK_FUZZ_EXAMPLES=25 for a deeper run by hand.
MAX_EXAMPLES = int(os.environ.get("LOTBOOK_FUZZ_EXAMPLES", "3"))
# What the tenant of _owned_ids has not got (a 404, still checked against the document):
ABSENT = {"/api/compliance/closings/{number}": 404,  # closings are made at night (services/closings.py)
          "/api/sales/{transaction_ref}/credit-note.pdf": 404}  # no customer return, no credit note
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _app_document() -> tuple[Any, dict[str, Any]]:
    from app import app
    from chalicelib.api import openapi_spec

    return app, openapi_spec.document(app)


def _operations(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(method.upper(), path): operation
            for path, methods in document["paths"].items() for method, operation in methods.items()}


def test_the_document_has_every_route_of_the_app_and_nothing_else() -> None:
    from chalicelib.api import openapi_spec

    app, document = _app_document()
    routes = {(method, path) for path, methods in app.routes.items() for method in methods}
    operations = _operations(document)
    assert set(operations) == routes
    undocumented = sorted(key for key, operation in operations.items() if operation.get("x-undocumented"))
    assert not undocumented, f"document these routes beside them (`@bp.route(..., doc=Doc(...))`): {undocumented}"
    assert not hasattr(openapi_spec, "OPERATIONS")  # no table far from the routes any more
    for (method, path), operation in operations.items():
        if method in BODY_METHODS and path != "/api/openapi.json":
            body = operation.get("requestBody", {}).get("content", {})
            assert body and all(media.get("schema") for media in body.values()), f"{method} {path}: no body schema"
        declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
        assert declared == set(re.findall(r"{(\w+)}", path)), (method, path)
        assert any(code.startswith("2") for code in operation["responses"]), (method, path)
    public = {key for key, operation in operations.items() if operation.get("security") == []}
    assert public == PUBLIC


def test_the_request_schemas_are_the_pydantic_models() -> None:
    _, document = _app_document()
    schemas = document["components"]["schemas"]
    line = schemas["LineBody"]
    assert line["additionalProperties"] is False  # unknown fields are refused (schemas.Strict)
    assert "description" in line["required"]
    assert line["properties"]["purchase_price"]["anyOf"][0] == {
        "type": "string", "pattern": r"^[0-9]+([.,][0-9]{1,2})?$", "examples": ["12.50"]}  # never a float
    commit = _operations(document)[("POST", "/api/lots/draft/commit")]
    assert commit["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/CommitBody"}
    error = schemas["Error"]["properties"]["error"]["$ref"].rsplit("/", 1)[1]
    assert set(schemas[error]["required"]) == {"code", "message"}
    assert document["components"]["securitySchemes"]["bearer"]["bearerFormat"] == "JWT"


def test_the_reads_of_the_police_register_are_marked_from_the_routes_own_declarations() -> None:
    from pathlib import Path

    from chalicelib.api.routing import reads_register

    app, document = _app_document()
    marked = {key for key, operation in _operations(document).items() if operation.get("x-register-read")}
    declared = {(method, path) for path, methods in app.routes.items() for method, entry in methods.items()
                if reads_register(method, path, entry.view_function)}
    assert marked == declared
    assert {("GET", "/api/lots/{ref}"), ("GET", "/api/compliance/police-files"),
            ("GET", "/api/compliance/archives/{period}")} <= marked  # the last one logged by its service
    assert ("GET", "/api/lots/draft") not in marked and ("GET", "/api/clients") not in marked
    for method, path in marked:
        operation = _operations(document)[(method, path)]
        assert any(p["name"] == "purpose" for p in operation["parameters"]), (method, path)
    # the site keeps no copy: it gets them from GET /api/me (`register_reads`)
    site = (Path(__file__).parents[2] / "static-site" / "js" / "purpose.js").read_text(encoding="utf-8")
    assert "police-files" not in site and "setRegisterReads" in site


def test_every_object_answered_is_a_pydantic_model() -> None:
    """Issue 16.7: no JSON schema written by hand among the components (pydantic titles each model)."""
    from chalicelib.api import openapi_spec

    _, document = _app_document()
    schemas = document["components"]["schemas"]
    assert not hasattr(openapi_spec, "COMPONENTS")
    assert sorted(name for name, schema in schemas.items() if schema.get("title") != name) == []
    # the shapes the hand-written schemas had, kept: a lot's articles, a nullable money, an open object
    assert schemas["Lot"]["properties"]["articles"]["items"] == {"$ref": "#/components/schemas/Article"}
    money = {"pattern": r"^-?[0-9]+\.[0-9]{2}$", "type": "string"}
    assert money in schemas["Article"]["properties"]["sale_price"]["anyOf"]
    assert set(schemas["Article"]["required"]) == {"ref", "lot_ref", "status"}
    assert "additionalProperties" not in schemas["Article"]  # open: a field added to a view breaks nothing


def test_the_document_is_valid_openapi_3_1() -> None:
    import json

    import jsonschema
    from schemathesis.specs.openapi.definitions import OPENAPI_31  # the OAS 3.1 meta-schema

    _, document = _app_document()
    errors = list(jsonschema.Draft202012Validator(OPENAPI_31).iter_errors(json.loads(json.dumps(document))))
    assert not errors, [f"{list(e.path)}: {e.message[:200]}" for e in errors[:5]]


def test_importing_the_app_does_not_build_the_document() -> None:
    code = ("import sys, app\nassert 'chalicelib.api.openapi_spec' not in sys.modules, 'built at cold start'\n"
            "assert 'chalicelib.api.responses' not in sys.modules, 'response models loaded at cold start'\n"
            "assert 'chalicelib.api.compliance_responses' not in sys.modules, 'response models loaded at cold start'\n"
            "assert 'chalicelib.api.queries' not in sys.modules, 'query models loaded at cold start'\n")
    subprocess.run([sys.executable, "-c", code], check=True)


# ---------------------------------------------------------------- against the local stack


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    running = RunningStack(tmp_path_factory.mktemp("openapi-stack"))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def owner(running: RunningStack) -> tuple[TenantSession, dict[tuple[str, str], str]]:
    """A tenant with one object of every kind (the isolation sweep's), so that answers have items to check."""
    tenant = sign_up(running.api(), company="Schémas SARL")
    return tenant, _owned_ids(tenant)


@pytest.fixture(scope="module")
def session(owner: tuple[TenantSession, Any]) -> Iterator[requests.Session]:
    """Every call as the tenant's manager; PDFs asked like a browser does."""
    with requests.Session() as session:
        session.headers.update({"Authorization": f"Bearer {owner[0].api.token}", "Accept": "*/*"})
        yield session


@pytest.fixture(scope="module")
def schema(running: RunningStack) -> Any:
    """The document as the stack serves it, fetched without a token."""
    config = schemathesis.Config.from_dict({"base-url": running.url.rstrip("/"), "request-timeout": 30})
    return schemathesis.openapi.from_url(running.url + "api/openapi.json", config=config)


@pytest.mark.e2e
def test_known_objects_conform_to_the_document(owner: Any, session: requests.Session, schema: Any) -> None:
    ids = owner[1]
    checked = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.method.upper() != "GET" or "{" not in operation.path:
            continue
        area = operation.path.split("/")[2]
        names = re.findall(r"{(\w+)}", operation.path)
        unknown = [name for name in names if (area, name) not in ids]
        assert not unknown, f"no id for {operation.path}: add them to tests/functional/test_isolation.py _owned_ids"
        case = operation.Case(path_parameters={name: ids[(area, name)] for name in names})
        response = case.call_and_validate(session=session, checks=CHECKS)
        expected = ABSENT.get(operation.path, 200)
        assert response.status_code == expected, (operation.label, response.status_code, response.text[:300])
        checked += 1
    assert checked >= 20


@pytest.mark.e2e
def test_an_address_the_user_pool_refuses_is_a_400_not_a_500(running: RunningStack, owner: Any) -> None:
    """Found by schemathesis: "0@0.0" passes our pattern, Cognito refuses it (was a 500)."""
    body = {"company_name": "Zéro", "creation_year": 2015, "email": "0@0.0", "password": "motdepasse-1"}
    signup = running.api().post("/api/signup", body)
    assert (signup.status, signup.error_code) == (400, "invalid_input"), signup
    assert set(signup.body["error"]["details"]) == {"email"}
    seats = owner[0].api.get("/api/users").body["total"]
    user = owner[0].api.post("/api/users", {"email": "é@exemple.fr", "profile": "shop", "password": "motdepasse-1"})
    assert (user.status, user.error_code) == (400, "invalid_input"), user
    assert owner[0].api.get("/api/users").body["total"] == seats  # the seat taken first was given back


@pytest.mark.e2e
def test_a_null_draft_field_answers_its_default(owner: Any) -> None:
    """Found by schemathesis: ``"tmp": null`` answered ``"tmp": null`` (a boolean in API.md)."""
    api = owner[0].api
    put = api.put("/api/lots/draft", {"tmp": None, "condition": None, "comment": "Nul"})
    assert put.status == 200, put
    assert (put.body["tmp"], put.body["condition"]) == (False, "used")
    assert api.get("/api/lots/draft").body == put.body
    assert api.delete("/api/lots/draft").status == 204


def _fuzz(operation: Any, mode: GenerationMode, session: requests.Session) -> list[str]:
    """MAX_EXAMPLES cases of one operation; every failure kept, none shrunk (the budget is fixed)."""
    failures: list[str] = []

    @settings(max_examples=MAX_EXAMPLES, derandomize=True, database=None, deadline=None, print_blob=False,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def examples(case: Any) -> None:
        try:
            case.call_and_validate(session=session, checks=CHECKS)
        except (Exception, BaseExceptionGroup) as failure:  # the checks' failures, with a curl line to reproduce
            failures.append(f"{operation.label} ({mode.value}): {failure}")

    try:
        examples()
    except Unsatisfiable:  # nothing to make invalid: no parameter, no body (GET /api/me...)
        assert mode is GenerationMode.NEGATIVE, operation.label
    return failures


@pytest.mark.e2e
def test_schemathesis_finds_no_server_error_and_no_answer_off_the_document(
    session: requests.Session, schema: Any
) -> None:
    started = time.monotonic()
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            failures += _fuzz(operation, mode, session)
    print(f"\nschemathesis: {len(operations)} operations × 2 modes × {MAX_EXAMPLES} examples "
          f"in {time.monotonic() - started:.1f} s")
    assert len(operations) >= 80
    assert not failures, f"{len(failures)} failures:\n\n" + "\n\n".join(failures)
