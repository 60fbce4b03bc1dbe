"""The API's OpenAPI 3.1 document, built from the app itself.

Paths and methods come from the Chalice route table, so no route can be left out,
and whether a route needs a token from the route's own ``public`` flag
(``routing.py``). What each operation takes and answers is ``OPERATIONS`` below:
request bodies are the pydantic models of ``schemas.py`` (their JSON schema), the
main objects and the error format of API.md are ``components.schemas``. A route
without an entry is still published, marked ``x-undocumented``, and fails
``tests/reliability/test_openapi.py``.

Imported by the first ``GET /api/openapi.json`` only (``openapi.py``): nothing
here runs at cold start.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from chalicelib.api import schemas
from chalicelib.api.common import MAX_PAGE_SIZE
from chalicelib.api.compliance import InspectionBody
from chalicelib.domain import search
from chalicelib.domain.actions import REQUIRED_PARAMS, STATUS_LABELS
from chalicelib.domain.media import OWNER_KINDS
from chalicelib.domain.profiles import Profile, permissions
from chalicelib.domain.transfers import PUBLIC_COMPANY_FIELDS
from chalicelib.domain.vat import RATES
from chalicelib.services.lots import LOT_FILTERS

JSON = "application/json"
CSV = "text/csv"
PDF = "application/pdf"
REF = "#/components/schemas/{model}"

# ---------------------------------------------------------------- schema shorthands


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


def page_of(items: dict[str, Any]) -> dict[str, Any]:
    """API.md "Lists": ``{items, total, page, page_size}``."""
    return obj({"items": array(items), "total": INTEGER, "page": INTEGER, "page_size": INTEGER},
               ("items", "total", "page", "page_size"))


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
    "Health": obj({"status": {"type": "string", "enum": ["ok", "degraded"]},
                   "details": {"type": "object", "description": "Counts only: journal entries waiting to be sealed"}},
                  ("status",)),
    "Tokens": obj({"id_token": STRING, "refresh_token": STRING, "expires_in": INTEGER}, ("id_token", "expires_in")),
    "SignupResult": obj({"tenant_id": STRING, "subscriber_ref": STRING, "verification": {"const": "email_sent"}},
                        ("tenant_id", "subscriber_ref", "verification")),
    "SignupVerification": obj({"verification": {"enum": ["email_sent", "confirmed"]}}, ("verification",)),
    "Me": obj({"id": N_STRING, "email": STRING, "profile": {"type": "string", "enum": [p.value for p in Profile]},
               "tenant_id": STRING, "company_name": N_STRING,
               "permissions": array({"type": "string", "enum": list(permissions())}), "training": BOOLEAN},
              ("email", "profile", "tenant_id", "permissions", "training")),
    "Company": obj({**{name: N_STRING for name in _COMPANY_TEXT}, "creation_year": N_INTEGER,
                    "invoicing": nullable({"type": "object"}), "label_options": nullable({"type": "object"}),
                    "receipt_options": nullable({"type": "object"}), "strict_police_register": nullable(BOOLEAN),
                    "subscriber_ref": N_STRING, "max_users": N_INTEGER}, ("company_name",)),
    "User": obj({"id": STRING, "email": STRING, "first_name": N_STRING, "last_name": N_STRING,
                 "profile": {"type": "string", "enum": [p.value for p in Profile]}, "created_at": N_STRING,
                 "temporary_password": STRING}, ("id", "email", "profile")),
    "Family": obj({"id": STRING, "label": STRING, "metal_2093": BOOLEAN, "margin_category": STRING},
                  ("id", "label", "metal_2093", "margin_category")),
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
    "LotsSummary": obj({"count": INTEGER, "article_count": INTEGER, "purchase_total": MONEY}, ("count",)),
    "Summary": obj({"count": INTEGER, "purchase_total": MONEY, "sale_total": MONEY, "margin_total": MONEY,
                    "vat": {"type": "object"}}, ("count",)),
    "History": obj({"ref": STRING, "events": array(obj({"at": N_STRING, "event": STRING}, ("event",)))},
                   ("ref", "events")),
    "Selection": obj({"refs": array(STRING), "count": INTEGER}, ("refs", "count")),
    "Scan": obj({"article": ref("Article"), "selection": ref("Selection")}, ("article", "selection")),
    "ActionResult": obj({"articles": array(ref("Article")),
                         "sale": obj({"transaction_ref": STRING, "invoice_number": N_STRING,
                                      "receipt_number": N_STRING, "total": MONEY}, ("transaction_ref",))},
                        ("articles",)),
    "Sale": obj({"transaction_ref": STRING, "kind": STRING, "date": DATE, "total": MONEY, "lines": array(ANY)},
                ("transaction_ref",)),
    "SealedRecord": obj({"id": STRING, "kind": STRING, "number": STRING, "sealed_at": STRING, "sha256": STRING,
                         "prev_sha256": STRING,
                         "storage": obj({"bucket": STRING, "key": STRING, "version_id": N_STRING,
                                         "retention_mode": N_STRING, "retain_until": N_STRING})},
                        ("id", "sha256", "storage")),
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
                         "retention_years": INTEGER},
                        ("ok", "checked")),
    "Inspection": obj({"id": STRING, "at": STRING, "inspector": STRING, "service": STRING, "email": STRING,
                       "text": STRING, "md5": STRING, "sha256": STRING}, ("id", "md5", "sha256")),
    "JobStarted": obj({"job_id": STRING, "archive_id": STRING}, ("job_id",)),
    "Job": obj({"id": STRING, "kind": STRING, "status": {"type": "string", "enum": ["running", "succeeded", "failed"]},
                "progress": {"type": "number", "minimum": 0, "maximum": 1}, "result": ANY, "error": ANY},
               ("status",)),
    "Archive": obj({"id": STRING, "kind": STRING, "status": STRING, "title": N_STRING, "created_at": STRING},
                   ("id", "kind", "status")),
    "Report": {"type": "object", "description": "A JSON report (API.md, /api/reports/...)."},
    "PendingLot": obj({"id": STRING, "kind": STRING, "from_subscriber_ref": STRING, "date": N_DATE,
                       "article_count": INTEGER, "total": N_MONEY, "articles": array({"type": "object"})},
                      ("id", "kind", "from_subscriber_ref", "articles")),
    "SubscriberCard": obj({"subscriber_ref": STRING, **{name: N_STRING for name in PUBLIC_COMPANY_FIELDS}},
                          ("subscriber_ref",)),
    "Medium": obj({"id": STRING, "owner_kind": {"type": "string", "enum": list(OWNER_KINDS)}, "owner_id": STRING,
                   "type": STRING, "title": N_STRING, "active": BOOLEAN, "default": BOOLEAN, "weight": INTEGER,
                   "status": N_STRING, "url": N_STRING, "thumbnail_url": N_STRING}, ("id", "type")),
    "MediumCreated": obj({"id": STRING, "upload": nullable({"type": "object"}), "medium": ref("Medium")},
                         ("id", "medium")),
    "Document": obj({"openapi": STRING, "paths": {"type": "object"}}, ("openapi", "paths")),
}


# ---------------------------------------------------------------- parameters


def _query(schema: dict[str, Any], description: str = "") -> dict[str, Any]:
    return {"schema": schema, **({"description": description} if description else {})}


PAGE = {"page": _query({"type": "integer", "minimum": 1, "maximum": 10**6}),
        "page_size": _query({"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE})}
TEXT = {"q": _query(STRING, "words that start a word of the item, accents and case ignored")}
DATES = {"date_from": _query(DATE), "date_to": _query(DATE)}
FROM_TO = {"from": _query(DATE), "to": _query(DATE)}
ARTICLE_FILTERS = {name: _query(STRING) for name in sorted(search.KNOWN_PARAMS - {"page", "page_size"})}
LOTS = {name: _query(STRING) for name in LOT_FILTERS}
REFS = {"refs": _query(STRING, "comma-separated references; the caller's selection when absent")}
MEDIA_OWNER = {"owner_kind": {"type": "string", "enum": list(OWNER_KINDS)}}

# ---------------------------------------------------------------- operations


@dataclass(frozen=True)
class Op:
    """What one route takes and answers."""

    summary: str
    answer: dict[str, Any] | None = None  # the success body's schema; None: no body
    status: int = 200
    media: str = JSON
    body: type[BaseModel] | dict[str, Any] | None = None  # a pydantic model or a JSON schema
    body_media: str = JSON
    query: dict[str, dict[str, Any]] = field(default_factory=dict)
    path: dict[str, dict[str, Any]] = field(default_factory=dict)  # path parameters narrower than a string
    description: str = ""


def _pdf(summary: str, query: dict[str, dict[str, Any]] | None = None) -> Op:
    return Op(summary, {"type": "string", "format": "binary"}, media=PDF, query=query or {},
              description="Needs `Accept: application/pdf` (or `*/*`): 406 otherwise.")


def _csv(summary: str, query: dict[str, dict[str, Any]] | None = None) -> Op:
    return Op(summary, STRING, media=CSV, query=query or {})


def _crud(plural: str, one: str, body: type[BaseModel], param: str) -> dict[str, Op]:
    return {
        f"GET /api/{plural}": Op(f"List {plural}", page_of(ref(one)), query={**TEXT, **PAGE}),
        f"POST /api/{plural}": Op(f"Create a {one.lower()}", ref(one), 201, body=body),
        f"GET /api/{plural}/{{{param}}}": Op(f"One {one.lower()}", ref(one)),
        f"PUT /api/{plural}/{{{param}}}": Op(f"Replace a {one.lower()}", ref(one), body=body),
        f"DELETE /api/{plural}/{{{param}}}": Op(f"Delete a {one.lower()} (409 when articles are linked)", None, 204),
        f"GET /api/{plural}/export.csv": _csv(f"The {plural} as CSV", TEXT),
    }


SEALED_CONTENT = Op("The sealed record's content, byte for byte as the vault keeps it",
                    {"type": "object"}, description="Headers `X-Lotbook-Sha256`, `X-Lotbook-Storage-Key`, "
                    "`X-Lotbook-Version-Id` say where it is stored.")
NO_BODY: dict[str, Any] = {"type": "object", "maxProperties": 0, "description": "No parameters: send nothing or {}."}

OPERATIONS: dict[str, Op] = {
    "GET /api/health": Op("Liveness", ref("Health")),
    "GET /api/openapi.json": Op("This document", ref("Document")),
    "POST /api/signup": Op("Create a company and its manager, unusable until the e-mail is confirmed "
                           "(a code is e-mailed; 429 past a few signups per address)", ref("SignupResult"), 201,
                           body=schemas.SignupBody),
    "POST /api/signup/confirm": Op("Confirm the signup's e-mail with the code it received (400 if wrong or "
                                   "expired)", ref("SignupVerification"), body=schemas.SignupConfirmBody),
    "POST /api/signup/resend": Op("E-mail a new confirmation code (same answer for any address)",
                                  ref("SignupVerification"), body=schemas.SignupResendBody),
    "POST /api/auth/login": Op("Log in: the Cognito ID token to send as bearer", ref("Tokens"),
                               body=schemas.LoginBody),
    "POST /api/auth/refresh": Op("A new ID token from a refresh token", ref("Tokens"), body=schemas.RefreshBody),
    "GET /api/me": Op("Who the token is, and the permissions of their profile (the site's menus)", ref("Me")),
    "GET /api/company": Op("Company settings", ref("Company")),
    "PUT /api/company": Op("Change company settings (fields sent only)", ref("Company"), body=schemas.CompanyBody),
    "GET /api/users": Op("List users (manager)", page_of(ref("User")), query=PAGE),
    "POST /api/users": Op("Create a user (manager)", ref("User"), 201, body=schemas.UserCreateBody),
    "GET /api/users/{user_id}": Op("One user (manager)", ref("User")),
    "PATCH /api/users/{user_id}": Op("Change a user (manager)", ref("User"), body=schemas.UserUpdateBody),
    "DELETE /api/users/{user_id}": Op("Delete a user (manager)", None, 204),
    **_crud("families", "Family", schemas.FamilyBody, "family_id"),
    **_crud("suppliers", "Party", schemas.PartyBody, "party_id"),
    **_crud("clients", "Party", schemas.PartyBody, "party_id"),
    # purchases
    "GET /api/lots/draft": Op("The caller's draft lot", ref("Draft")),
    "PUT /api/lots/draft": Op("Set the draft's header", ref("Draft"), body=schemas.DraftHeaderBody),
    "DELETE /api/lots/draft": Op("Empty the draft", None, 204),
    "POST /api/lots/draft/lines": Op("Add a line (`quantity` makes that many articles)", ref("Draft"), 201,
                                     body=schemas.LineBody),
    "PUT /api/lots/draft/lines/{n}": Op("Replace line n", ref("Draft"), body=schemas.LineBody,
                                        path={"n": {"type": "string", "pattern": "^[0-9]+$"}}),
    "DELETE /api/lots/draft/lines/{n}": Op("Remove line n", ref("Draft"),
                                           path={"n": {"type": "string", "pattern": "^[0-9]+$"}}),
    "POST /api/lots/draft/import": Op(
        "Add the lines of a CSV file (400 `invalid_csv` with every bad line, nothing imported)", ref("Draft"),
        body={"type": "string"}, body_media=CSV,
        query={"separator": _query(STRING, "one character, or `tab`; default `;`"),
               "skip": _query({"type": "integer", "minimum": 0, "maximum": 100}, "header lines to skip"),
               "family": _query(STRING, "family (label or id) of lines without one"),
               "vat_rate": _query({"type": "string", "enum": list(RATES)})}),
    "GET /api/lots/draft/template.csv": _csv("The CSV template", {"separator": _query(STRING)}),
    "POST /api/lots/draft/distribute-by-weight": Op("Spread the lot price over the lines by weight", ref("Draft"),
                                                    body=NO_BODY),
    "POST /api/lots/draft/commit": Op("Commit the draft: the lot and its articles", ref("Commit"), 201,
                                      body=schemas.CommitBody),
    "GET /api/lots": Op("Lots, filtered", page_of(ref("Lot")), query={**LOTS, **PAGE}),
    "GET /api/lots/summary": Op("Totals of the filtered lots", ref("LotsSummary"), query=LOTS),
    "GET /api/lots/export.csv": _csv("The filtered lots as CSV", LOTS),
    "GET /api/lots/{ref}": Op("One lot with its articles and traces", ref("Lot")),
    "PATCH /api/lots/{ref}": Op("Correct a lot (register fields need a `reason`)", ref("Lot"),
                                body=schemas.LotCorrectionBody),
    "POST /api/lots/{ref}/retract": Op("Retract a lot", ref("Lot"), body=schemas.RetractBody),
    "GET /api/lots/{ref}/police-files": Op("The sealed police-register versions of a lot",
                                           page_of(ref("SealedRecord")), query=PAGE),
    # articles
    "GET /api/articles": Op("Articles, filters AND-combined", page_of(ref("Article")),
                            query={**ARTICLE_FILTERS, **PAGE}),
    "GET /api/articles/summary": Op("The Σ summary of the same filters", ref("Summary"), query=ARTICLE_FILTERS),
    "GET /api/articles/export.csv": _csv("The filtered articles as CSV (`|`-separated)", ARTICLE_FILTERS),
    "GET /api/articles/{ref}": Op("One article", ref("Article")),
    "PATCH /api/articles/{ref}": Op("Correct an article (register fields need a `reason`)", ref("Article"),
                                    body=schemas.ArticleCorrectionBody),
    "GET /api/articles/{ref}/history": Op("Every event of an article, oldest first", ref("History")),
    "GET /api/selection": Op("The caller's selection", ref("Selection")),
    "DELETE /api/selection": Op("Empty the selection", None, 204),
    "POST /api/selection/add": Op("Select refs, or every result of a filter", ref("Selection"),
                                  body=schemas.SelectionBody),
    "POST /api/selection/remove": Op("Deselect refs, or every result of a filter", ref("Selection"),
                                     body=schemas.SelectionBody),
    "POST /api/selection/scan": Op("Find one article by reference and select it", ref("Scan"),
                                   body=schemas.ScanBody),
    "POST /api/actions/{action}": Op(
        "A bulk action on `refs` (default: the selection)", ref("ActionResult"), body=schemas.ActionBody,
        path={"action": {"type": "string", "enum": sorted(REQUIRED_PARAMS)}},
        description="Parameters per action: API.md \"Action parameters\". Accepts an `Idempotency-Key` header."),
    "GET /api/sales/{transaction_ref}": Op("One sale", ref("Sale")),
    # between subscribers (lots received from another subscriber), media
    "GET /api/lots/pending": Op("Lots received from other subscribers", page_of(ref("PendingLot")), query=PAGE),
    "GET /api/lots/pending/{pending_id}": Op("One received lot", ref("PendingLot")),
    "POST /api/lots/pending/{pending_id}/finalize": Op("Enter a received lot, with families of ours",
                                                       ref("Commit"), 201, body=schemas.FinalizePendingBody),
    "DELETE /api/lots/pending/{pending_id}": Op("Refuse a received lot", None, 204),
    "GET /api/subscribers/{subscriber_ref}": Op("Another subscriber's public card", ref("SubscriberCard")),
    "GET /api/media/{owner_kind}/{owner_id}": Op(
        "An owner's media, in display order", obj({"items": array(ref("Medium")), "total": INTEGER}, ("items",)),
        path=MEDIA_OWNER),
    "POST /api/media/{owner_kind}/{owner_id}": Op(
        "Add a medium: a presigned upload (none for external videos)", ref("MediumCreated"), 201,
        body=schemas.MediaBody, path=MEDIA_OWNER,
        description="Owner ids: suppliers and clients by id, lots and articles by ref, the company as `company` "
                    "(always the caller's own). Upload: a multipart POST to `upload.url` with every field of "
                    "`upload.fields`, then the file as `file`; the medium turns `ready` (or `rejected`) once "
                    "the stored file is checked."),
    "PATCH /api/media/{owner_kind}/{owner_id}/{media_id}": Op("Change a medium", ref("Medium"),
                                                              body=schemas.MediaPatchBody, path=MEDIA_OWNER),
    "DELETE /api/media/{owner_kind}/{owner_id}/{media_id}": Op("Delete a medium", None, 204, path=MEDIA_OWNER),
    "GET /api/reports/vat-returns": Op("VAT to recover on credit notes, by month", ref("Report"),
                                       query={"from": _query(DATE), "to": _query(DATE)}),
    "GET /api/reports/lots-state": Op("State of the lots", ref("Report"),
                                      query={**FROM_TO, "supplier_id": _query(STRING)}),
    "GET /api/reports/purchases-by-supplier": Op("Purchases by supplier", ref("Report"), query=FROM_TO),
    "GET /api/reports/sales-by-client": Op("Sales by client", ref("Report"), query=FROM_TO),
    # documents
    "GET /api/lots/{ref}/labels.pdf": _pdf("Labels of a lot's articles"),
    "GET /api/articles/{ref}/labels.pdf": _pdf("Label of an article"),
    "GET /api/selection/labels.pdf": _pdf("Labels of the selection (or `refs`)", REFS),
    "GET /api/selection/deposit-list.pdf": _pdf("Deposit list of the selection (or `refs`)", REFS),
    "GET /api/sales/{transaction_ref}/receipt.pdf": _pdf("The receipt of a sale"),
    "GET /api/sales/{transaction_ref}/invoice.pdf": _pdf("The invoice of a sale"),
    "GET /api/sales/{transaction_ref}/credit-note.pdf": _pdf("A credit note (its number in place of the sale's)"),
    "GET /api/lots/{ref}/contract.pdf": _pdf("The purchase contract of a lot", {
        "legal": _query({"type": "string", "enum": ["default", "own", "both", "none"]}),
        "agreement": _query({"type": "string", "enum": ["0", "1"]}),
        "withdrawal": _query({"type": "string", "enum": ["0", "1"]})}),
    "GET /api/lots/{ref}/police-sheet.pdf": _pdf("The police-register sheet of a lot"),
    "GET /api/lots/police-sheets.pdf": _pdf("The police-register sheets of the filtered lots", LOTS),
    "GET /api/lots/list.pdf": _pdf("The filtered lots, printable", LOTS),
    "GET /api/articles/list.pdf": _pdf("The filtered articles, printable", ARTICLE_FILTERS),
    "GET /api/articles/summary.pdf": _pdf("The Σ summary, printable", ARTICLE_FILTERS),
    # legal records
    "GET /api/compliance/police-files": Op("The sealed police-register entries", page_of(ref("SealedRecord")),
                                           query={"lot": _query(STRING), **DATES, **PAGE}),
    "GET /api/compliance/police-files/{id}": SEALED_CONTENT,
    "GET /api/compliance/receipts": Op("The sealed receipts", page_of(ref("SealedRecord")),
                                       query={**DATES, **PAGE}),
    "GET /api/compliance/receipts/{number}": SEALED_CONTENT,
    "GET /api/compliance/closings": Op("The sealed cash-register closings", page_of(ref("SealedRecord")),
                                       query={**DATES, **PAGE}),
    "GET /api/compliance/closings/{number}": Op(
        SEALED_CONTENT.summary, SEALED_CONTENT.answer,
        description=SEALED_CONTENT.description + " `{number}.pdf` answers the closing printed from those bytes "
        "(`application/pdf`, needs `Accept: application/pdf`): totals, per VAT rate and payment method, its seal."),
    "GET /api/compliance/verify": Op(
        "Verify every chain of the vault: from each chain's checkpoint on, or all of it (`full=1`)",
        ref("Verification"), query={"full": _query({"type": "string", "enum": ["0", "1"]},
                                                   "`1`: re-read every record, not only those since the checkpoint")}),
    "GET /api/compliance/sealing": Op(
        "Journal entries the sealer failed on, still unsealed (retried by the `retry_sealing` schedule)",
        obj({"ok": BOOLEAN, "unsealed": array(obj({
            "seq": STRING, "kind": STRING, "since": STRING, "last_attempt": STRING, "attempts": INTEGER,
            "error": STRING, "needs_a_human": BOOLEAN}))}, ("ok", "unsealed"))),
    "GET /api/compliance/verifier": Op(
        "The standalone verifier: one Python file, standard library only (public)", STRING, media="text/x-python",
        description="Served as a download (`Content-Disposition: attachment`); the seal format it checks is "
                    "described in docs/sealing.md."),
    "POST /api/compliance/verify": Op("The same verification as a job", ref("JobStarted"), 202, body=NO_BODY),
    "GET /api/compliance/inspections": Op("Inspection reports", page_of(ref("Inspection")), query=PAGE),
    "POST /api/compliance/inspections": Op("Add an inspection report (append-only)", ref("Inspection"), 201,
                                           body=InspectionBody),
    # year end
    "GET /api/jobs/{job_id}": Op("A job's status", ref("Job")),
    "POST /api/declarations/2093": Op("Prepare the 2093 file of a year (a job)", ref("JobStarted"), 202,
                                      body=obj({"year": {"type": "integer", "minimum": 1900, "maximum": 2100}})),
    "GET /api/declarations/2093/precheck": Op("What blocks the 2093 file of a year", ref("Report"),
                                              query={"year": _query({"type": "integer"})}),
    "GET /api/declarations/2093/key": Op("The DGFiP public key the file is encrypted to", ref("Report")),
    "PUT /api/declarations/2093/key": Op("Set the DGFiP public key (armored OpenPGP)", ref("Report"),
                                         body=obj({"key": STRING}, ("key",))),
    "DELETE /api/declarations/2093/key": Op("Remove the key", None, 204),
    "GET /api/backups": Op("Backups and closures", page_of(ref("Archive")), query=PAGE),
    "POST /api/backups": Op("Back up the company's data (a job); 409 `archive_limit` past 7", ref("JobStarted"),
                            202, body=obj({"title": N_STRING})),
    "GET /api/backups/{archive_id}": Op("One backup or closure, with its download link", ref("Archive")),
    "DELETE /api/backups/{archive_id}": Op("Delete a backup", None, 204),
    "POST /api/closures": Op("Close the years up to `until` (a job: back up, then delete)", ref("JobStarted"), 202,
                             body=obj({"title": N_STRING, "until": DATE}, ("until",))),
}

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


def _operation(method: str, path: str, public: bool, op: Op | None) -> dict[str, Any]:
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
    parameters = [{"name": name, "in": "path", "required": True,
                   "schema": (op.path.get(name) if op else None) or {"type": "string", "minLength": 1}}
                  for name in re.findall(r"{(\w+)}", path)]
    parameters += [{"name": name, "in": "query", "required": False, **spec}
                   for name, spec in (op.query.items() if op else ())]
    if parameters:
        out["parameters"] = parameters
    if public:
        out["security"] = []
    return out


def _request_models() -> list[type[BaseModel]]:
    return sorted({op.body for op in OPERATIONS.values() if isinstance(op.body, type)}, key=lambda m: m.__name__)


@functools.lru_cache(maxsize=4)
def document(app: Any) -> dict[str, Any]:
    """The whole document for this Chalice app (built once per app)."""
    _, defs = models_json_schema([(model, "validation") for model in _request_models()], ref_template=REF)
    paths: dict[str, dict[str, Any]] = {}
    for path, methods in sorted(app.routes.items()):
        for method, entry in sorted(methods.items()):
            public = bool(getattr(entry.view_function, "lotbook_public", False))
            op = OPERATIONS.get(f"{method} {path}")
            paths.setdefault(path, {})[method.lower()] = _operation(method, path, public, op)
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
            "schemas": {**defs.get("$defs", {}), **COMPONENTS},
        },
    }
