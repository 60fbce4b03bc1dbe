"""Training mode (mode formation, DOMAIN.md "Audit trail and the authorities"): a per-user
switch; in training the till's sales change no article and no total, their receipts are
marked "FICTIF — MODE FORMATION" and sealed in a ``training`` chain of their own."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.pdfs import all_text, reader
from tests.support import Api, TenantSession, commit_lot

MENTION = "FICTIF — MODE FORMATION"


@pytest.fixture
def stock(tenant: TenantSession) -> dict[str, Any]:
    api = tenant.api
    family = api.post("/api/families", {"label": "Brocante"}).body["id"]
    supplier = api.post("/api/suppliers", {"last_name": "Lefèvre"}).body["id"]
    committed = commit_lot(api, family_id=family, supplier_id=supplier, prices=["10.00", "20.00", "30.00"])
    refs = [a["ref"] for a in committed["articles"]]
    for ref, price in zip(refs, ("25.00", "45.00", "60.00"), strict=True):
        api.patch(f"/api/articles/{ref}", {"label_price": price})
    return {"api": api, "tenant": tenant, "refs": refs, "family": family, "supplier": supplier}


@pytest.fixture
def http(aws_stack: Any) -> Any:
    from chalice.test import Client

    from app import app

    return Client(app).http


def _pdf(http: Any, api: Api, path: str) -> bytes:
    response = http.request("GET", path, headers={"Authorization": f"Bearer {api.token}",
                                                  "Accept": "application/pdf"}, body=b"")
    assert response.status_code == 200, response.body[:300]
    return bytes(response.body)


def _entries(tenant_id: str, chain: str) -> list[Any]:
    from chalicelib.adapters.repositories import sealed_records

    return sealed_records.chain_entries(tenant_id, chain)


def _content(entry: Any) -> dict[str, Any]:
    from chalicelib.adapters import vault

    stored = vault.read(entry.key, entry.version_id)
    assert stored is not None
    return dict(json.loads(stored[0])["content"])


def _register(tenant_id: str) -> tuple[int, dict[str, Any]]:
    from chalicelib.adapters.repositories import counters

    return counters.counter_state(tenant_id, "register#01")


def _sell(api: Api, refs: list[str], **extra: Any) -> Any:
    return api.post("/api/actions/sell", {"refs": refs, "date": "2021-03-01", "payment_method": "card", **extra})


def test_the_switch_is_stored_per_user_and_each_change_is_an_event(stock: dict[str, Any]) -> None:
    api, tenant = stock["api"], stock["tenant"]
    till = tenant.add_user("shop")
    assert api.get("/api/me").body["training"] is False
    on = till.put("/api/me/training", {"on": True})
    assert (on.status, on.body) == (200, {"training": True})
    assert till.get("/api/me").body["training"] is True
    assert api.get("/api/me").body["training"] is False  # the manager's own mode is untouched
    assert till.put("/api/me/training", {"on": True}).status == 200  # already on: no second event
    bad = till.put("/api/me/training", {"on": "oui"})
    assert (bad.status, bad.error_code) == (400, "invalid_input")
    assert till.get("/api/me").body["training"] is True
    assert till.put("/api/me/training", {"on": False}).body == {"training": False}
    assert till.get("/api/me").body["training"] is False
    events = [e.subject for e in _entries(tenant.tenant_id, "event")]
    assert events.count("training_on") == 1 and events.count("training_off") == 1
    assert events.index("training_on") < events.index("training_off")


def test_a_training_sale_answers_like_a_sale_and_changes_nothing_real(stock: dict[str, Any], http: Any) -> None:
    api, tenant, refs = stock["api"], stock["tenant"], stock["refs"]
    first = _sell(api, [refs[0]])
    assert first.status == 200 and first.body["sale"]["receipt_number"] == "01-00000001"
    summary = api.get("/api/articles/summary").body
    register = _register(tenant.tenant_id)
    receipts = len(_entries(tenant.tenant_id, "receipt"))
    article = api.get(f"/api/articles/{refs[1]}").body

    assert api.put("/api/me/training", {"on": True}).status == 200
    fictitious = _sell(api, [refs[1], refs[2]])
    assert fictitious.status == 200, fictitious.body
    sale = fictitious.body["sale"]
    assert sale["total"] == "105.00" and sale["invoice_number"] is None
    assert sale["receipt_number"] == "F01-00000001" and sale["transaction_ref"].startswith("T")
    assert (sale["training"], sale["mention"]) == (True, MENTION)

    # nothing real changed: the article, the Σ, the register's counter, the receipt chain, the sales
    assert api.get(f"/api/articles/{refs[1]}").body == article
    assert api.get("/api/articles/summary").body == summary
    assert _register(tenant.tenant_id) == register
    assert len(_entries(tenant.tenant_id, "receipt")) == receipts
    assert api.get(f"/api/sales/{sale['transaction_ref']}/invoice.pdf",
                   headers={"Accept": "application/pdf"}).status == 404  # no invoice, no sale record

    # one record in the training chain, read back from the vault
    (entry,) = _entries(tenant.tenant_id, "training")
    assert (entry.kind, entry.number, entry.subject) == ("training_sale", "F01-00000001", sale["transaction_ref"])
    content = _content(entry)
    assert (content["training"], content["mention"], content["total"]) == (True, MENTION, "105.00")
    assert [line["ref"] for line in content["lines"]] == sorted(refs[1:])
    assert content["running_totals"]["perpetual_total"] == "105.00"  # the training register's own totals

    # the sale screen and the receipt PDF, marked
    shown = api.get(f"/api/sales/{sale['transaction_ref']}").body
    assert (shown["training"], shown["mention"], shown["receipt_number"]) == (True, MENTION, "F01-00000001")
    pdf = _pdf(http, api, f"/api/sales/{sale['transaction_ref']}/receipt.pdf")
    for page in reader(pdf).pages:
        assert MENTION in page.extract_text()
    text = all_text(pdf)
    assert text.index(MENTION) < text.index("TICKET DE CAISSE FICTIF")  # in the header
    assert "F01-00000001" in text and "105,00 €" in text
    listed = api.get("/api/compliance/training-receipts").body["items"]
    assert [(i["number"], i["transaction_ref"], i["total"]) for i in listed] == [
        ("F01-00000001", sale["transaction_ref"], "105.00")]

    # the training chain verifies like every sealed chain
    verified = api.get("/api/compliance/verify").body
    assert verified["first_broken"] is None and verified["checked"] >= 3

    # a second training sale follows the training numbering
    again = _sell(api, [refs[1]])
    assert again.body["sale"]["receipt_number"] == "F01-00000002"

    # back to real: the next receipt follows the last real one, no gap
    assert api.put("/api/me/training", {"on": False}).status == 200
    real = _sell(api, [refs[1]])
    assert real.status == 200 and real.body["sale"]["receipt_number"] == "01-00000002"
    assert api.get(f"/api/articles/{refs[1]}").body["status"] == "sold"
    assert _register(tenant.tenant_id)[0] == register[0] + 1
    assert len(_entries(tenant.tenant_id, "training")) == 2


def test_other_writes_are_refused_in_training_and_change_nothing(stock: dict[str, Any]) -> None:
    api, refs = stock["api"], stock["refs"]
    client = api.post("/api/clients", {"last_name": "Garnier"}).body["id"]
    before = [api.get(f"/api/articles/{r}").body for r in refs]
    clients = api.get("/api/clients").body["total"]
    assert api.put("/api/me/training", {"on": True}).status == 200
    refused = [
        api.post("/api/actions/deposit", {"refs": refs[:1], "client_id": client, "date": "2021-03-01"}),
        api.post("/api/actions/declare_lost", {"refs": refs[:1], "date": "2021-03-01", "reason": "Cassé"}),
        api.patch(f"/api/articles/{refs[0]}", {"label_price": "1.00"}),
        api.post("/api/clients", {"last_name": "Nouveau"}),
        api.put("/api/company", {"company_name": "Autre nom"}),
        api.post("/api/lots/draft/commit", {"mode": "purchase"}),
    ]
    for reply in refused:
        assert (reply.status, reply.error_code) == (409, "training_mode"), reply.body
        assert "Désactivez le mode formation" in reply.body["error"]["message"]
    # reads, the selection and the prints still work
    assert api.get("/api/articles").status == 200
    assert api.post("/api/selection/add", {"refs": refs[:1]}).status == 200
    assert api.post("/api/actions/labels", {"refs": refs[:1]}).status == 200
    assert [api.get(f"/api/articles/{r}").body for r in refs] == before
    assert api.get("/api/clients").body["total"] == clients
    assert api.get("/api/company").body["company_name"] != "Autre nom"


def test_a_training_sale_replayed_with_its_key_stays_fictitious(stock: dict[str, Any]) -> None:
    api, refs = stock["api"], stock["refs"]
    assert api.put("/api/me/training", {"on": True}).status == 200
    body = {"refs": refs[:1], "date": "2021-03-01", "payment_method": "card"}
    headers = {"Idempotency-Key": "cle-formation-1"}
    first = api.post("/api/actions/sell", body, headers=headers)
    assert first.status == 200 and first.body["sale"]["training"] is True
    assert api.put("/api/me/training", {"on": False}).status == 200
    # the same key out of training is another request: a real sale, not the fictitious one replayed
    real = api.post("/api/actions/sell", body, headers=headers)
    assert real.status == 200 and real.body["sale"]["receipt_number"] == "01-00000001"
    assert api.get(f"/api/articles/{refs[0]}").body["status"] == "sold"


def test_the_shop_profile_may_train_and_its_training_receipts_are_listed_for_the_back_office(
        stock: dict[str, Any]) -> None:
    api, tenant, refs = stock["api"], stock["tenant"], stock["refs"]
    till = tenant.add_user("shop")
    assert till.put("/api/me/training", {"on": True}).status == 200
    sale = _sell(till, [refs[0]]).body["sale"]
    assert sale["training"] is True
    assert api.get(f"/api/articles/{refs[0]}").body["status"] == "stock"
    assert till.get("/api/compliance/training-receipts").status == 403
    (item,) = api.get("/api/compliance/training-receipts").body["items"]
    assert item["transaction_ref"] == sale["transaction_ref"]
    unknown = api.get("/api/sales/T210301-ZZZZZZ")
    assert unknown.status == 404


def test_a_container_that_cached_the_old_mode_still_sells_by_the_table(stock: dict[str, Any]) -> None:
    """Another warm container read the user before the switch (its cache is trusted 60 s):
    the sale reads the mode from the tenant item it reads anyway, so it is fictitious."""
    from chalicelib import auth

    api, tenant, refs = stock["api"], stock["tenant"], stock["refs"]
    assert api.get("/api/me").body["training"] is False  # this "container" caches the user out of training
    key = (tenant.tenant_id, tenant.email.lower())
    stale = auth._standing[key]
    assert api.put("/api/me/training", {"on": True}).status == 200
    auth._standing[key] = stale  # as a container that did not see the switch
    sale = _sell(api, [refs[0]]).body["sale"]
    assert sale["training"] is True and sale["receipt_number"] == "F01-00000001"
    assert api.get(f"/api/articles/{refs[0]}").body["status"] == "stock"
    assert _register(tenant.tenant_id)[0] == 0


def test_an_account_deleted_in_training_comes_back_out_of_it(stock: dict[str, Any]) -> None:
    api, tenant, refs = stock["api"], stock["tenant"], stock["refs"]
    email = "vendeur-formation@example.fr"
    created = api.post("/api/users", {"email": email, "profile": "shop", "password": "Motdepasse-Solide-42"})
    assert created.status == 201, created.body
    till = tenant.login(email, "Motdepasse-Solide-42")
    assert till.put("/api/me/training", {"on": True}).status == 200
    assert api.delete(f"/api/users/{created.body['id']}").status == 204
    again = api.post("/api/users", {"email": email, "profile": "shop", "password": "Motdepasse-Solide-42"})
    assert again.status == 201, again.body
    till = tenant.login(email, "Motdepasse-Solide-42")
    assert till.get("/api/me").body["training"] is False
    sale = _sell(till, [refs[0]]).body["sale"]
    assert "training" not in sale and sale["receipt_number"] == "01-00000001"
