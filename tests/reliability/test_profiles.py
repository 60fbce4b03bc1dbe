"""Profiles, swept from the app's route table: a new route is covered the day it is added.

- ``shop`` gets no purchase data from any route: every GET route is called as a shop
  user with real ids of a company that has purchases (one with the precious-metal tax),
  a consignment, sales, a return, corrections, a backup; JSON, CSV and PDF answers are
  read (PDFs as text) and searched for the purchase fields (chalicelib/domain/visibility.py)
  and for the very amounts the manager sees in them, whatever they are called; every
  link an answer hands out is followed and searched too. Where the manager would get
  purchase data, the shop must get a refusal.
- ``collaborator`` manages no user: every /api/users route and method refuses (403)
  and nothing changes (accounts, seats, logins).

The ids come from tests/functional/test_isolation.py (``_owned_ids``), which fails
for a route whose ids it does not know: adding them there covers this sweep too.
tests/functional/test_articles.py and test_documents.py sweep the shop's JSON and PDF
answers with fixed ids and field names; this sweep adds every id, CSVs, links, and the
amounts themselves.
"""

from __future__ import annotations

import gzip
import json
import re
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.functional.test_isolation import VALID_BODIES, _owned_ids
from tests.pdfs import all_text
from tests.support import PASSWORD, Api, TenantSession, commit_lot

PURCHASE_FIELDS = frozenset({"purchase_price", "price_incl_tmp", "tmp_rate", "tmp_due", "margin", "price_code",
                             "purchase_total", "margin_total", "price_code_cipher"})
# Routes whose answer the shop gets although purchases are involved: what it types, as typed.
OWN_INPUT = ("/api/lots/draft",)
# Answers that describe the API (field names, not data): searched for amounts only.
SCHEMAS = ("/api/openapi.json",)


@dataclass
class Raw:
    status: int
    content: bytes
    headers: dict[str, str]

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "").split(";")[0]


def _fetch(api: Api, path: str) -> Raw:
    from chalice.test import Client

    from app import app

    accept = "application/pdf" if path.split("?")[0].endswith(".pdf") else "application/json, text/csv"
    response = Client(app).http.request("GET", path, headers={"Authorization": f"Bearer {api.token}",
                                                              "Accept": accept}, body=b"")
    return Raw(response.status_code, response.body, dict(response.headers))


def _concrete(path: str, ids: dict[tuple[str, str], str]) -> str:
    area = path.split("/")[2]
    for param in re.findall(r"{(\w+)}", path):
        assert (area, param) in ids, f"no id known for {path}: add it to tests/functional/test_isolation.py"
        path = path.replace("{" + param + "}", ids[(area, param)])
    return path


def _amounts(value: Any, found: set[str]) -> set[str]:
    """Every purchase amount in a manager's answer, as the API writes it."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if key in PURCHASE_FIELDS and isinstance(inner, str) and inner not in ("0.00", ""):
                found.add(inner)
            _amounts(inner, found)
    elif isinstance(value, list):
        for inner in value:
            _amounts(inner, found)
    return found


def _fields(value: Any, where: str) -> None:
    if isinstance(value, dict):
        assert not PURCHASE_FIELDS & set(value), f"{sorted(PURCHASE_FIELDS & set(value))} in {where}"
        for key, inner in value.items():
            if key == "traces" and isinstance(inner, list):
                assert all(t.get("field") not in PURCHASE_FIELDS for t in inner if isinstance(t, dict)), where
            _fields(inner, where)
    elif isinstance(value, list):
        for inner in value:
            _fields(inner, where)


def _links(value: Any) -> list[str]:
    """The download links an answer hands out (presigned, on the local stack); not external videos."""
    if isinstance(value, str):
        return [value] if urlsplit(value).hostname in ("127.0.0.1", "localhost") else []
    if isinstance(value, dict):
        return [link for key, inner in value.items()
                for link in (_links(inner) if key == "url" or not isinstance(inner, str) else [])]
    if isinstance(value, list):
        return [link for inner in value for link in _links(inner)]
    return []


def _text(raw: Raw) -> str:
    if raw.content_type == "application/pdf":
        return all_text(raw.content)
    content = raw.content
    if content[:2] == b"\x1f\x8b":
        content = gzip.decompress(content)
    return content.decode("utf-8", "replace")


def _no_amounts(text: str, amounts: set[str], where: str) -> None:
    for amount in amounts:
        french = amount.replace(".", ",")
        for shown in {amount, french}:
            assert not re.search(rf"(?<![\d.,]){re.escape(shown)}(?!\d)", text), f"purchase amount {shown} in {where}"


@pytest.fixture
def company(tenant: TenantSession) -> dict[str, Any]:
    """Purchases, a metal lot with its tax, a consignment, sales, a return, corrections, a backup."""
    from chalicelib.adapters.aws import ensure_models_bound
    from chalicelib.adapters.models import TenantModel

    ensure_models_bound()
    TenantModel(tenant.tenant_id).update(actions=[TenantModel.max_users.set(6)])  # the operator's setting
    ids = _owned_ids(tenant)
    api = tenant.api
    assert api.put("/api/company", {"price_code_cipher": "BRICOLAGEX", "label_options": {
        "show_price": True, "show_description": True, "show_price_code": True}}).status == 200
    gold = api.post("/api/families", {"label": "Or", "metal_2093": True}).body["id"]
    supplier = api.post("/api/suppliers", {"last_name": "Vendeur", "first_names": "Paul"}).body["id"]
    metal = commit_lot(api, family_id=gold, supplier_id=supplier, prices=["137.43", "58.29"], tmp=True,
                       payment_method="transfer")
    bought = [a["ref"] for a in metal["articles"]]
    consigned = commit_lot(api, family_id=gold, supplier_id=supplier, kind="consignment", prices=["412.17"])
    assert api.patch(f"/api/articles/{bought[1]}", {"purchase_price": "61.13", "reason": "Erreur de saisie",
                                                    "label_price": "250.00"}).status == 200
    sold = api.post("/api/actions/sell", {"refs": bought[:1], "date": "2021-03-01", "payment_method": "card",
                                          "prices": {bought[0]: "300.00"}, "client_id": ids[("clients", "party_id")]})
    assert sold.status == 200, sold.body
    returned = api.post("/api/actions/customer_return", {"refs": bought[:1], "date": "2021-03-02",
                                                         "reason": "Défaut"})
    assert returned.status == 200
    resold = api.post("/api/actions/sell", {"refs": bought[:1], "date": "2021-03-03", "payment_method": "cash",
                                            "prices": {bought[0]: "290.00"}}).body["sale"]
    selected = api.get("/api/selection").body["refs"]  # on deposit: the deposit list has something to print
    assert api.post("/api/actions/deposit", {"refs": selected, "client_id": ids[("clients", "party_id")],
                                             "date": "2021-03-04", "prices": {selected[0]: "77.00"}}).status == 200
    from chalicelib.services.closings import PARIS, close_tenant

    (closing, *_) = close_tenant(tenant.tenant_id, datetime.now(PARIS).date() + timedelta(days=1))
    # The richest objects stand for each id; the rest come from the isolation sweep.
    ids.update({("lots", "ref"): metal["lot"]["ref"], ("articles", "ref"): bought[0],
                ("sales", "transaction_ref"): resold["transaction_ref"], ("families", "family_id"): gold,
                ("suppliers", "party_id"): supplier})
    manager_view = [api.get(p).body for p in (f"/api/lots/{metal['lot']['ref']}",
                                              f"/api/lots/{consigned['lot']['ref']}", "/api/articles?page_size=500",
                                              "/api/lots?page_size=500", "/api/articles/summary")]
    amounts = _amounts(manager_view, set())
    assert {"137.43", "61.13", "195.72"} <= amounts  # the purchases, a corrected one, a lot's total
    return {"tenant": tenant, "api": api, "ids": ids, "amounts": amounts, "refs": bought,
            "credit_note": returned.body["credit_note_number"], "closing": closing,
            "lots": [metal["lot"]["ref"], consigned["lot"]["ref"]]}


def test_the_shop_gets_no_purchase_data_from_any_get_route(company: dict[str, Any]) -> None:
    from app import app

    manager, ids, amounts = company["api"], company["ids"], company["amounts"]
    till = company["tenant"].add_user("shop")
    assert till.post("/api/selection/add", {"refs": company["refs"]}).status == 200
    answered, refused, links, csvs, documents = [], [], 0, 0, 0
    for path, methods in sorted(app.routes.items()):
        if "GET" not in methods:
            continue
        concrete = _concrete(path, ids)
        if path.endswith("/credit-note.pdf"):  # a credit note is printed under its own number
            concrete = path.replace("{transaction_ref}", company["credit_note"])
        if path == "/api/compliance/closings/{number}":  # and a closing under its own
            concrete = path.replace("{number}", company["closing"])
        shop, boss = _fetch(till, concrete), _fetch(manager, concrete)
        assert boss.status == 200, (concrete, boss.status, boss.content[:200])  # real ids: the route works
        if shop.status != 200:
            assert shop.status == 403, (concrete, shop.status, shop.content[:200])
            refused.append(path)
            continue
        answered.append(path)
        if path.startswith(OWN_INPUT):
            continue
        text = _text(shop)
        _no_amounts(text, amounts, concrete)
        if path.endswith(".csv"):
            assert not PURCHASE_FIELDS & set(re.split(r"[|;\n]", text.split("\n", 1)[0])), concrete
            csvs += 1
        elif shop.content_type != "application/pdf":  # JSON (Chalice's test client sends no type for it)
            body = json.loads(text)
            if path not in SCHEMAS:
                _fields(body, concrete)
            for link in _links(body):  # what a link hands out is answered too
                with urllib.request.urlopen(link, timeout=10) as response:  # noqa: S310 - the local stack
                    _no_amounts(_text(Raw(200, response.read(), dict(response.headers))), amounts, link)
                links += 1
            documents += 1
    assert len(answered) >= 20 and len(refused) >= 15, (answered, refused)
    assert documents >= 15  # the JSON answers were read, not just counted
    # DOMAIN.md: the shop has no exports and no reports (a CSV it got would be read above)
    assert csvs == 0 and [p for p in refused if p.endswith(".csv") or p.startswith("/api/reports/")]
    assert not [p for p in answered if (p.endswith(".csv") and not p.startswith(OWN_INPUT))
                or p.startswith("/api/reports/")]  # the draft's CSV template is the entry form's
    for expected in ("/api/lots/{ref}/contract.pdf", "/api/lots/{ref}/police-sheet.pdf",
                     "/api/articles/summary", "/api/reports/purchases-by-supplier", "/api/compliance/police-files",
                     "/api/backups/{archive_id}", "/api/jobs/{job_id}"):
        assert expected in refused, expected
    for expected in ("/api/articles", "/api/articles/{ref}", "/api/lots/{ref}", "/api/sales/{transaction_ref}",
                     "/api/lots/{ref}/labels.pdf", "/api/sales/{transaction_ref}/receipt.pdf"):
        assert expected in answered, expected


def test_the_collaborator_manages_no_user_through_any_users_route(company: dict[str, Any]) -> None:
    from app import app
    from chalicelib.adapters.models import TenantModel

    tenant, ids = company["tenant"], company["ids"]
    email = f"collegue-{tenant.tenant_id[:8]}@example.fr"
    own_id = tenant.api.post("/api/users", {"email": email, "profile": "collaborator", "password": PASSWORD}
                             ).body["id"]
    collaborator = tenant.login(email)
    target = ids[("users", "user_id")]
    bodies = {"POST": {"email": "intrus@example.fr", "profile": "manager", "password": PASSWORD},
              "PATCH": {**VALID_BODIES[("users", "PATCH")], "profile": "manager"}, "PUT": {"profile": "manager"}}

    def state() -> Any:
        return (tenant.api.get("/api/users?page_size=500").body,
                int(TenantModel.get(tenant.tenant_id, consistent_read=True).user_count))

    before = state()
    tried = 0
    for path, methods in sorted(app.routes.items()):
        if not path.startswith("/api/users"):
            continue
        concrete = _concrete(path, ids)
        for method in sorted(methods):
            for victim in (target, own_id):
                reply = collaborator.call(method, concrete.replace(target, victim), bodies.get(method))
                assert (reply.status, reply.error_code) == (403, "forbidden"), (method, concrete, reply.body)
                tried += 1
    assert tried >= 8  # GET/POST the list, GET/PATCH/DELETE a user, for a colleague and for oneself
    assert state() == before
    (colleague,) = [u for u in before[0]["items"] if u["id"] == target]
    assert tenant.login(colleague["email"]).get("/api/me").body["profile"] == colleague["profile"]  # still works
    assert collaborator.get("/api/me").body["profile"] == "collaborator"
