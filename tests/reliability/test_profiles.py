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

from chalicelib.domain.actions import STATUS_LABELS
from tests.functional.test_isolation import VALID_BODIES, _body, _owned_ids, _state
from tests.pdfs import all_text
from tests.support import PASSWORD, Api, TenantSession, commit_lot

# The reserve price of a consigned article is what its owner gets: a cost for the shop too.
PURCHASE_FIELDS = frozenset({"purchase_price", "price_incl_tmp", "tmp_rate", "tmp_due", "margin", "price_code",
                             "purchase_total", "margin_total", "price_code_cipher", "reserve_price"})
STATUSES = tuple(STATUS_LABELS)
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
        if value.get("field") in PURCHASE_FIELDS:  # a trace: the old and the new amount
            found.update(v for v in (value.get("old"), value.get("new")) if isinstance(v, str) and v != "0.00")
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


def _read_shop_answer(shop: Raw, path: str, concrete: str, amounts: set[str]) -> tuple[str, int]:
    """Search one of the shop's answers (and what its links hand out) for purchase data."""
    text = _text(shop)
    _no_amounts(text, amounts, concrete)
    if path.endswith(".csv"):
        assert not PURCHASE_FIELDS & set(re.split(r"[|;\n]", text.split("\n", 1)[0])), concrete
        return "csv", 0
    if shop.content_type == "application/pdf":
        return "pdf", 0
    if shop.content_type.startswith("text/"):  # e.g. the published verifier script: searched as text
        return "text", 0
    body = json.loads(text)  # JSON (Chalice's test client sends no type for it)
    if path not in SCHEMAS:
        _fields(body, concrete)
    links = 0
    for link in _links(body):  # what a link hands out is answered too
        with urllib.request.urlopen(link, timeout=10) as response:  # noqa: S310 - the local stack
            _no_amounts(_text(Raw(200, response.read(), dict(response.headers))), amounts, link)
        links += 1
    return "json", links


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
    supplier = api.post("/api/suppliers", {  # identified: metals are never bought from an unidentified seller
        "last_name": "Vendeur", "first_names": "Paul", "street_name": "du Port", "postcode": "13002",
        "city": "Marseille", "id_document_type": "CNI", "id_document_number": "130254301234",
        "id_document_date": "2019-04-02", "id_document_authority": "Préfecture des Bouches-du-Rhône"}).body["id"]
    metal = commit_lot(api, family_id=gold, supplier_id=supplier, prices=["137.43", "58.29"], tmp=True,
                       payment_method="transfer")
    bought = [a["ref"] for a in metal["articles"]]
    consigned = commit_lot(api, family_id=gold, supplier_id=supplier, kind="consignment",
                           prices=["412.17", "388.41"])
    # The shop's attack: a consigned article bought at its reserve price (the default) is
    # stock whose purchase price is that reserve; the other one stays consigned.
    kept_consigned = consigned["articles"][1]["ref"]
    bought_back = api.post("/api/actions/buy_consigned", {"refs": [consigned["articles"][0]["ref"]],
                                                          "date": "2021-02-20", "payment_method": "transfer"})
    assert bought_back.status == 200, bought_back.body
    ((bought_consigned, new_lot),) = [(a["ref"], a["lot_ref"]) for a in bought_back.body["articles"]]
    assert api.post("/api/actions/reserve_price", {"refs": [kept_consigned],
                                                   "prices": {kept_consigned: "377.29"}}).status == 200
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
                                              f"/api/lots/{consigned['lot']['ref']}", f"/api/lots/{new_lot}",
                                              "/api/articles?page_size=500&status=" + ",".join(STATUSES),
                                              "/api/lots?page_size=500", "/api/articles/summary")]
    amounts = _amounts(manager_view, set())
    # the purchases, a corrected one, a lot's total, the reserve prices (one changed), a purchase at the reserve
    assert {"137.43", "61.13", "195.72", "412.17", "388.41", "377.29"} <= amounts
    assert api.get(f"/api/articles/{bought_consigned}").body["purchase_price"] == "412.17"
    return {"tenant": tenant, "api": api, "ids": ids, "amounts": amounts, "refs": bought,
            "credit_note": returned.body["credit_note_number"], "closing": closing,
            "lots": [metal["lot"]["ref"], consigned["lot"]["ref"], new_lot],
            "consigned": {"bought": bought_consigned, "kept": kept_consigned, "lot": new_lot,
                          "consignment_lot": consigned["lot"]["ref"]}}


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
        kind, followed = _read_shop_answer(shop, path, concrete, amounts)
        csvs += kind == "csv"
        documents += kind == "json"
        links += followed
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


def test_the_shop_never_sees_what_a_consigned_article_cost_once_bought(company: dict[str, Any]) -> None:
    """Issue 15.1: after buy_consigned, the article in stock carried its reserve price (its
    purchase price defaults to it) to the shop: in the article, the lot, the list, the list
    sorted by price, the history, the labels. The bought lot and a still-consigned article
    (whose reserve price was changed, so traced) are swept like every route above."""
    manager, amounts, refs = company["api"], company["amounts"], company["consigned"]
    till = company["tenant"].add_user("shop")
    bought, kept, lot = refs["bought"], refs["kept"], refs["lot"]
    paths = [f"/api/articles/{bought}", f"/api/articles/{kept}", f"/api/articles/{refs['consignment_lot']}001",
             f"/api/lots/{lot}", f"/api/lots/{refs['consignment_lot']}", "/api/lots?page_size=500",
             f"/api/articles/{bought}/history", f"/api/articles/{kept}/history",
             "/api/articles?page_size=500", "/api/articles?sort=label_price&page_size=500",
             "/api/articles?sort=-label_price&status=stock,consigned,replaced&page_size=500",
             f"/api/articles?ref={refs['consignment_lot']}001", "/api/articles?status=consigned",
             f"/api/articles?lot_ref={lot}", f"/api/articles/{bought}/labels.pdf", f"/api/lots/{lot}/labels.pdf",
             f"/api/selection/labels.pdf?refs={bought},{kept}"]
    for path in paths:
        shop, boss = _fetch(till, path), _fetch(manager, path)
        assert shop.status == boss.status == 200, (path, shop.status, shop.content[:300])
        _read_shop_answer(shop, path.split("?")[0], path, amounts)
    # the manager does see them: the sweep searched for something that is there
    assert "412.17" in _text(_fetch(manager, f"/api/articles/{bought}"))
    assert "377.29" in _text(_fetch(manager, f"/api/articles/{kept}/history"))
    listed = json.loads(_text(_fetch(till, "/api/articles?status=consigned")))["items"]
    assert [a["ref"] for a in listed] == [kept] and listed[0]["status"] == "consigned"  # what it may see, it sees
    scanned = till.post("/api/selection/scan", {"ref": f"{refs['consignment_lot']}001"})  # the old label, scanned
    assert scanned.status == 200 and scanned.body["article"]["ref"] == bought
    _fields(scanned.body, "scan")
    _no_amounts(json.dumps(scanned.body), amounts, "scan")
    assert till.post("/api/actions/labels", {"refs": [bought, kept]}).status == 200


def test_the_shop_cannot_work_out_a_margin_from_a_sales_vat(company: dict[str, Any]) -> None:
    """A used article bought 137.43 and sold 290.00: its margin-scheme VAT (25.43 on a margin
    of 152.57) and its excl.-VAT figure (264.57) give the margin away; the shop gets the
    sale and its total, not them. The back office sees them all."""
    manager, ids = company["api"], company["ids"]
    path = f"/api/sales/{ids[('sales', 'transaction_ref')]}"
    boss = manager.get(path).body
    (line,) = boss["lines"]
    assert (line["unit_price"], line["vat"], line["total_excl_vat"]) == ("290.00", "25.43", "264.57")
    shop = company["tenant"].add_user("shop").get(path)
    assert shop.status == 200 and shop.body["total"] == "290.00"
    assert [(x["ref"], x["unit_price"]) for x in shop.body["lines"]] == [(line["ref"], "290.00")]
    _no_amounts(json.dumps(shop.body), {"25.43", "264.57", "152.57", "137.43"}, path)


def test_the_shop_may_not_sort_by_what_it_may_not_see() -> None:
    from chalicelib.domain.visibility import sortable

    assert not sortable("article", "purchase_price", False) and not sortable("article", "reserve_price", False)
    assert sortable("article", "purchase_price", True) and sortable("article", "label_price", False)


def test_every_route_has_one_permission_decision() -> None:
    """chalicelib/domain/profiles.py is the one table: every route of the app is in it,
    public exactly when its view is, and every permission it names exists."""
    from app import app
    from chalicelib.domain.actions import TRANSITIONS
    from chalicelib.domain.profiles import PUBLIC, ROUTES, known, route_permission

    undecided, mismatched = [], []
    for path, methods in sorted(app.routes.items()):
        for method, entry in sorted(methods.items()):
            needed = route_permission(method, path)
            if needed is None:
                undecided.append(f"{method} {path}")
                continue
            if (needed == PUBLIC) != bool(getattr(entry.view_function, "lotbook_public", False)):
                mismatched.append(f"{method} {path}")
    assert not undecided, f"routes without a decision in chalicelib/domain/profiles.py ROUTES: {undecided}"
    assert not mismatched, f"public in the table but not in the view, or the reverse: {mismatched}"
    for route, needed in ROUTES.items():
        if needed != PUBLIC and "{" not in needed:
            assert known(needed), route
    for action in TRANSITIONS:  # every bulk action is a permission of the table
        assert known(route_permission("POST", "/api/actions/{action}", {"action": action}) or ""), action


# What DOMAIN.md gives the shop among the routes that write: the till and the purchase desk.
SHOP_WRITES = {
    "POST /api/suppliers", "PUT /api/suppliers/{party_id}", "POST /api/clients", "PUT /api/clients/{party_id}",
    "PUT /api/lots/draft", "DELETE /api/lots/draft", "POST /api/lots/draft/lines", "PUT /api/lots/draft/lines/{n}",
    "DELETE /api/lots/draft/lines/{n}", "POST /api/lots/draft/import", "POST /api/lots/draft/distribute-by-weight",
    "POST /api/lots/draft/commit", "DELETE /api/selection", "POST /api/selection/add", "POST /api/selection/remove",
    "POST /api/selection/scan", "POST /api/actions/sell", "POST /api/actions/labels",
    "PUT /api/me/training",  # the till's own training mode (mode formation)
}


def test_the_shop_writes_only_at_the_till_and_the_purchase_desk(company: dict[str, Any]) -> None:
    """Every POST, PUT, PATCH and DELETE route (each bulk action apart) as the shop: outside
    the till and the purchase desk, 403 and nothing changes. Among them, issue 15.8: a
    sealed inspection report appended, media uploaded, edited or deleted by the shop."""
    from app import app
    from chalicelib.domain.actions import TRANSITIONS
    from chalicelib.domain.profiles import PUBLIC, route_permission

    tenant, ids = company["tenant"], company["ids"]
    till = tenant.add_user("shop")
    before = _state(tenant, ids)
    refused, allowed = [], []
    for path, methods in sorted(app.routes.items()):
        for method in sorted(set(methods) - {"GET"}):
            if route_permission(method, path) == PUBLIC:
                continue
            area = path.split("/")[2]
            concretes = [path.replace("{action}", a) for a in TRANSITIONS] if "{action}" in path else [path]
            for concrete_path in concretes:
                name = f"{method} {concrete_path}"
                if name in SHOP_WRITES:
                    allowed.append(name)
                    continue
                concrete = _concrete(concrete_path, ids) if "{" in concrete_path else concrete_path
                body = _body(area, method, ids, concrete_path) or {"refs": company["refs"][:1]}
                reply = till.call(method, concrete, body)
                assert (reply.status, reply.error_code) == (403, "forbidden"), (name, reply.status, reply.body)
                refused.append(name)
    for expected in ("POST /api/compliance/inspections", "POST /api/media/{owner_kind}/{owner_id}",
                     "PATCH /api/media/{owner_kind}/{owner_id}/{media_id}",
                     "DELETE /api/media/{owner_kind}/{owner_id}/{media_id}", "POST /api/actions/buy_consigned",
                     "POST /api/actions/customer_return", "POST /api/actions/reserve_price",
                     "PATCH /api/articles/{ref}", "PUT /api/company", "POST /api/backups"):
        assert expected in refused, expected
    assert len(refused) >= 35 and set(allowed) == SHOP_WRITES
    assert _state(tenant, ids) == before  # nothing sealed, journaled, traced, uploaded or deleted


def test_me_lists_the_permissions_the_site_builds_its_menus_from(company: dict[str, Any]) -> None:
    from chalicelib.domain.profiles import Profile, permissions_of

    tenant = company["tenant"]
    for profile in ("manager", "collaborator", "shop"):
        session = tenant.api if profile == "manager" else tenant.add_user(profile)
        me = session.get("/api/me")
        assert me.status == 200, me.body
        assert set(me.body) >= {"id", "email", "profile", "tenant_id", "company_name", "permissions", "training"}
        assert me.body["profile"] == profile and me.body["tenant_id"] == tenant.tenant_id
        assert me.body["permissions"] == permissions_of(Profile(profile)) and me.body["training"] is False
        users = tenant.api.get("/api/users?page_size=500").body["items"]
        assert me.body["id"] == next(u["id"] for u in users if u["email"] == me.body["email"])
        shown = set(me.body["permissions"])
        if profile == "shop":
            assert {"action:sell", "action:labels", "enter_lots", "print_labels", "print_sales_documents"} <= shown
            assert not shown & {"see_purchase_data", "export_and_report", "manage_media", "append_inspection",
                                "action:buy_consigned", "edit_settings", "manage_users"}
        else:
            assert ("manage_users" in shown) == (profile == "manager")
            assert {"see_purchase_data", "manage_media", "append_inspection", "action:buy_consigned"} <= shown


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


def test_the_shop_cannot_work_out_a_margin_from_a_credit_note(tenant: TenantSession) -> None:
    """Used, bought 41.29, sold 80.00: the credit note's VAT to recover (6.45, the VAT of the
    38.71 margin) gives the purchase price away; the shop gets the note, not that figure."""
    from tests.support import commit_lot

    api = tenant.api
    family = api.post("/api/families", {"label": "Bibelots"}).body["id"]
    supplier = api.post("/api/suppliers", {"last_name": "Roux"}).body["id"]
    ref = commit_lot(api, family_id=family, supplier_id=supplier, prices=["41.29"])["articles"][0]["ref"]
    assert api.post("/api/actions/sell", {"refs": [ref], "date": "2021-03-01", "payment_method": "card",
                                          "prices": {ref: "80.00"}}).status == 200
    note = api.post("/api/actions/customer_return", {"refs": [ref], "date": "2021-03-02", "reason": "Fêlure"})
    path = f"/api/sales/{note.body['credit_note_number']}"
    boss = api.get(path).body
    assert boss["vat_to_recover"] == "6.45"
    shop = tenant.add_user("shop").get(path)
    assert shop.status == 200 and shop.body["total"] == "-80.00" and shop.body["vat_to_recover"] == "0.00"
    _no_amounts(json.dumps(shop.body), {"6.45", "73.55", "38.71", "41.29"}, path)


def test_the_shop_cannot_learn_that_a_hidden_field_was_corrected_by_filtering(tenant: TenantSession) -> None:
    from tests.support import commit_lot

    api = tenant.api
    family = api.post("/api/families", {"label": "Cuivres"}).body["id"]
    supplier = api.post("/api/suppliers", {"last_name": "Perrin"}).body["id"]
    refs = [a["ref"] for a in commit_lot(api, family_id=family, supplier_id=supplier,
                                         prices=["10.00", "20.00"])["articles"]]
    assert api.patch(f"/api/articles/{refs[0]}", {"purchase_price": "12.00", "reason": "Erreur"}).status == 200
    assert api.patch(f"/api/lots/{refs[0][:7]}", {"purchase_price": "32.00", "reason": "Erreur"}).status == 200
    assert [a["ref"] for a in api.get("/api/articles?has_traces=true").body["items"]] == [refs[0]]
    shop = tenant.add_user("shop")
    assert shop.get("/api/articles?has_traces=true").body["items"] == []  # was: the corrected article
    assert len(shop.get("/api/articles?has_traces=false").body["items"]) == 2
