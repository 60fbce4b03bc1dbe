"""The fourteen bulk actions: transitions, refusals, sales and their numbers,
idempotency, all-or-nothing beyond one transaction, and concurrent sales."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from tests.support import Api, TenantSession, commit_lot


@pytest.fixture
def stock(tenant: TenantSession) -> dict[str, Any]:
    api = tenant.api
    family = api.post("/api/families", {"label": "Brocante"}).body["id"]
    supplier = api.post("/api/suppliers", {"last_name": "Lefèvre"}).body["id"]
    client = api.post("/api/clients", {"last_name": "Garnier"}).body["id"]
    refiner = api.post("/api/clients", {"company_name": "Affinerie de l'Est"}).body["id"]
    committed = commit_lot(api, family_id=family, supplier_id=supplier, prices=["10.00", "20.00", "30.00", "40.00"])
    refs = [a["ref"] for a in committed["articles"]]
    for ref, label in zip(refs, ("25.00", "45.00", "60.00", "90.00"), strict=True):
        api.patch(f"/api/articles/{ref}", {"label_price": label})
    return {"api": api, "tenant": tenant, "family": family, "supplier": supplier, "client": client,
            "refiner": refiner, "refs": refs}


def _status(api: Api, ref: str) -> str:
    return str(api.get(f"/api/articles/{ref}").body["status"])


def _act(api: Api, action: str, **body: Any) -> Any:
    return api.post(f"/api/actions/{action}", body)


# ---------------------------------------------------------------- transitions


def test_deposit_update_list_and_return(stock: dict[str, Any]) -> None:
    api, refs = stock["api"], stock["refs"]
    placed = _act(api, "deposit", refs=refs[:2], client_id=stock["client"], date="2021-03-01",
                  prices={refs[0]: "30.00"})
    assert placed.status == 200
    first, second = placed.body["articles"]
    assert (first["status"], first["deposit_price"], first["client_id"]) == ("on_deposit", "30.00", stock["client"])
    assert second["deposit_price"] == "45.00"  # the label price by default
    updated = _act(api, "deposit_update", refs=refs[:1], prices={refs[0]: "28.00"}).body["articles"][0]
    assert (updated["status"], updated["deposit_price"]) == ("on_deposit", "28.00")
    listed = _act(api, "deposit_list", refs=refs[:2]).body
    assert [a["ref"] for a in listed["articles"]] == refs[:2]
    back = _act(api, "deposit_return", refs=refs[:2], date="2021-04-01").body["articles"]
    assert {a["status"] for a in back} == {"stock"}
    assert back[0]["client_id"] is None and back[0]["deposit_price"] is None


def test_an_article_in_the_wrong_status_refuses_the_whole_action(stock: dict[str, Any]) -> None:
    api, refs = stock["api"], stock["refs"]
    _act(api, "sell", refs=[refs[1]], date="2021-03-01", payment_method="card")
    before = [api.get(f"/api/articles/{r}").body for r in refs]
    refused = _act(api, "deposit", refs=refs, client_id=stock["client"], date="2021-03-02")
    assert refused.status == 409
    assert refused.error_code == "wrong_status"
    assert refused.body["error"]["details"]["refs"] == [refs[1]]
    assert [api.get(f"/api/articles/{r}").body for r in refs] == before
    assert _act(api, "deposit_return", refs=refs[:1], date="2021-03-02").status == 409
    assert _act(api, "melt_return", refs=refs[:1], date="2021-03-02").status == 409
    assert _act(api, "customer_return", refs=refs[:1], date="2021-03-02", reason="x").status == 409


def test_missing_or_bad_parameters_are_named(stock: dict[str, Any]) -> None:
    api, refs = stock["api"], stock["refs"]
    missing = _act(api, "deposit", refs=refs[:1])
    assert missing.status == 400
    assert set(missing.body["error"]["details"]) == {"client_id", "date"}
    assert _act(api, "sell", refs=refs[:1], date="2021-13-01", payment_method="card").status == 400
    assert _act(api, "sell", refs=refs[:1], date="2021-01-01", payment_method="bitcoin").status == 400
    future = _act(api, "sell", refs=refs[:1], date="2999-01-01", payment_method="card")
    assert (future.status, future.error_code) == (422, "date_in_future")
    assert _act(api, "teleport", refs=refs[:1]).status == 404
    assert _act(api, "sell", refs=["0000000000"], date="2021-01-01", payment_method="card").status == 404
    assert _act(api, "deposit", refs=refs[:1], client_id="cli_nope", date="2021-01-01").status == 400
    empty = _act(api, "sell", date="2021-01-01", payment_method="card")  # the selection is empty
    assert (empty.status, empty.error_code) == (400, "empty_selection")
    assert {_status(api, r) for r in refs} == {"stock"}


def test_lost_articles_lose_their_vat(stock: dict[str, Any]) -> None:
    api, refs = stock["api"], stock["refs"]
    _act(api, "deposit", refs=[refs[1]], client_id=stock["client"], date="2021-03-01")
    lost = _act(api, "declare_lost", refs=refs[:2], date="2021-03-05", reason="Vol en vitrine").body["articles"]
    assert {(a["status"], a["vat_rate"]) for a in lost} == {("lost", "zero_negative_margin")}
    events = api.get(f"/api/articles/{refs[0]}/history").body["events"]
    assert events[-1]["details"]["reason"] == "Vol en vitrine"


def test_melting_round_trip_and_sale(stock: dict[str, Any]) -> None:
    api, refs = stock["api"], stock["refs"]
    deposited = _act(api, "melt_deposit", refs=refs[:2], client_id=stock["refiner"], date="2021-03-01")
    assert {a["status"] for a in deposited.body["articles"]} == {"melt_deposit"}
    assert _act(api, "melt_return", refs=[refs[0]], date="2021-03-02").body["articles"][0]["status"] == "stock"
    refused = _act(api, "melt_sell", refs=[refs[1]], date="2021-03-03", prices={})
    assert refused.status == 400
    sold = _act(api, "melt_sell", refs=[refs[1]], date="2021-03-03", prices={refs[1]: "22.50"}).body["articles"][0]
    assert (sold["status"], sold["sale_price"], sold["vat_rate"]) == ("sold_for_melt", "22.50", "exempt_melt")


def test_labels_work_in_any_status(stock: dict[str, Any]) -> None:
    api, refs = stock["api"], stock["refs"]
    _act(api, "sell", refs=[refs[0]], date="2021-03-01", payment_method="card")
    labels = _act(api, "labels", refs=refs)
    assert labels.status == 200
    assert [a["ref"] for a in labels.body["articles"]] == refs


# ---------------------------------------------------------------- consignment


def _consigned(stock: dict[str, Any], reserves: list[str]) -> list[str]:
    committed = commit_lot(stock["api"], family_id=stock["family"], supplier_id=stock["supplier"],
                           kind="consignment", prices=reserves, purchase_date="2021-02-10")
    return [a["ref"] for a in committed["articles"]]


def test_consigned_articles_get_new_reserve_prices_or_go_back_to_their_owner(stock: dict[str, Any]) -> None:
    api = stock["api"]
    refs = _consigned(stock, ["100.00", "200.00"])
    assert _act(api, "reserve_price", refs=refs, prices={refs[0]: "90.00"}).status == 400
    repriced = _act(api, "reserve_price", refs=refs[:1], prices={refs[0]: "90.00"}).body["articles"][0]
    assert (repriced["status"], repriced["reserve_price"]) == ("consigned", "90.00")
    back = _act(api, "return_to_owner", refs=[refs[1]], date="2021-03-01").body["articles"][0]
    assert back["status"] == "returned_to_owner"
    assert _act(api, "sell", refs=[refs[0]], date="2021-03-01", payment_method="card").status == 409


def test_buying_consigned_articles_makes_a_purchase_lot_with_new_references(stock: dict[str, Any]) -> None:
    api = stock["api"]
    other_supplier = api.post("/api/suppliers", {"last_name": "Martin"}).body["id"]
    refs = _consigned(stock, ["100.00", "200.00"])
    other = commit_lot(api, family_id=stock["family"], supplier_id=other_supplier, kind="consignment",
                       prices=["50.00"], purchase_date="2021-02-11")["articles"][0]["ref"]
    bought = _act(api, "buy_consigned", refs=[*refs, other], date="2021-03-04", prices={refs[0]: "95.00"})
    assert bought.status == 200, bought.body
    assert len(bought.body["lots"]) == 2
    assert all("C" not in lot for lot in bought.body["lots"])
    new = {a["former_refs"][-1]: a for a in bought.body["articles"]}
    assert new[refs[0]]["purchase_price"] == "95.00"
    assert new[refs[1]]["purchase_price"] == "200.00"
    assert {a["status"] for a in new.values()} == {"stock"}
    assert new[refs[0]]["ref"].startswith("0703")  # created 2015: year 07, March
    old = api.get(f"/api/articles/{refs[0]}").body
    assert (old["status"], old["replaced_by"]) == ("replaced", new[refs[0]]["ref"])
    found = api.get(f"/api/articles?ref={refs[0]}").body["items"]
    assert [a["ref"] for a in found] == [new[refs[0]]["ref"]]
    lot = api.get(f"/api/lots/{new[refs[0]]['lot_ref']}").body
    assert lot["kind"] == "purchase" and lot["purchase_date"] == "2021-03-04"
    sold = _act(api, "sell", refs=[new[refs[1]]["ref"]], date="2021-03-05", payment_method="card",
                prices={new[refs[1]]["ref"]: "260.00"})
    assert sold.status == 200


# ---------------------------------------------------------------- sales


def test_a_sale_gets_one_transaction_an_invoice_and_a_receipt(stock: dict[str, Any]) -> None:
    api, refs = stock["api"], stock["refs"]
    api.post("/api/selection/add", {"refs": refs[:2]})
    sold = _act(api, "sell", date="2021-03-01", payment_method="card", client_id=stock["client"],
                prices={refs[1]: "50.00"}, vat_rates={refs[0]: "reduced"})
    assert sold.status == 200
    sale = sold.body["sale"]
    assert sale["invoice_number"] == "F2021-00001"
    assert sale["receipt_number"] == "01-00000001"
    assert sale["total"] == "75.00"
    first, second = sold.body["articles"]
    assert first["transaction_ref"] == second["transaction_ref"] == sale["transaction_ref"]
    assert (first["sale_price"], first["vat_rate"], second["sale_price"]) == ("25.00", "reduced", "50.00")
    stored = api.get(f"/api/sales/{sale['transaction_ref']}").body
    assert stored["receipt"]["ticket_number"] == "01-00000001"
    assert stored["receipt"]["running_totals"]["perpetual_total"] == "75.00"
    line = next(x for x in stored["lines"] if x["ref"] == refs[1])
    assert (line["quantity"], line["unit_price"], line["vat"], line["total_excl_vat"]) == (1, "50.00", "5.00",
                                                                                           "45.00")
    again = _act(api, "sell", refs=[refs[2]], date="2021-03-02", payment_method="cash").body["sale"]
    assert again["invoice_number"] == "F2021-00002"
    assert again["receipt_number"] == "01-00000002"
    receipt = api.get(f"/api/sales/{again['transaction_ref']}").body["receipt"]
    assert receipt["running_totals"]["perpetual_total"] == "135.00"


def test_invoice_numbers_follow_the_company_settings(stock: dict[str, Any]) -> None:
    api, refs = stock["api"], stock["refs"]
    api.put("/api/company", {"invoicing": {"prefix": "FA", "year_digits": 2}})
    assert _act(api, "sell", refs=[refs[0]], date="2021-03-01", payment_method="card").body["sale"][
        "invoice_number"] == "FA21-00001"
    api.put("/api/company", {"invoicing": {"auto": False}})
    refused = _act(api, "sell", refs=[refs[1]], date="2021-03-01", payment_method="card")
    assert (refused.status, refused.error_code) == (422, "invoice_number_required")
    typed = _act(api, "sell", refs=[refs[1]], date="2021-03-01", payment_method="card", invoice_number="M-17")
    assert typed.body["sale"]["invoice_number"] == "M-17"
    taken = _act(api, "sell", refs=[refs[2]], date="2021-03-01", payment_method="card", invoice_number="M-17")
    assert (taken.status, taken.error_code) == (409, "invoice_number_taken")
    assert _status(api, refs[2]) == "stock"


def test_a_sale_without_any_price_is_refused(stock: dict[str, Any]) -> None:
    api = stock["api"]
    bare = commit_lot(api, family_id=stock["family"], supplier_id=stock["supplier"])["articles"][0]["ref"]
    refused = _act(api, "sell", refs=[bare], date="2021-03-01", payment_method="card")
    assert refused.status == 400
    assert bare in refused.body["error"]["details"]["prices"]


def test_a_customer_return_traces_and_resets_the_sale_and_issues_a_credit_note(stock: dict[str, Any]) -> None:
    api, refs = stock["api"], stock["refs"]
    sale = _act(api, "sell", refs=refs[:2], date="2021-03-01", payment_method="card").body["sale"]
    returned = _act(api, "customer_return", refs=[refs[1]], date="2021-04-02", reason="Rayure non signalée")
    assert returned.status == 200
    assert returned.body["credit_note_number"] == "AV-00001"
    article = returned.body["articles"][0]
    assert (article["status"], article["sale_price"], article["transaction_ref"]) == ("stock", None, None)
    assert {t["field"] for t in article["traces"]} >= {"sale_price", "transaction_ref", "invoice_number"}
    assert all(t["reason"] == "Rayure non signalée" for t in article["traces"] if t["field"] == "sale_price")
    report = api.get("/api/reports/vat-returns").body["periods"]
    assert report[0]["period"] == "2021-04"
    note = report[0]["credit_notes"][0]
    assert (note["invoice_number"], note["total"], note["vat_to_recover"]) == (sale["invoice_number"], "-45.00",
                                                                               "4.17")
    resold = _act(api, "sell", refs=[refs[1]], date="2021-04-03", payment_method="card")
    assert resold.status == 200


# ---------------------------------------------------------------- profiles


def test_the_shop_sells_and_prints_labels_but_nothing_else(stock: dict[str, Any]) -> None:
    till = stock["tenant"].add_user("shop")
    refs = stock["refs"]
    assert _act(till, "labels", refs=refs[:1]).status == 200
    for action, body in (("deposit", {"client_id": stock["client"], "date": "2021-03-01"}),
                         ("declare_lost", {"date": "2021-03-01", "reason": "x"}),
                         ("melt_deposit", {"client_id": stock["refiner"], "date": "2021-03-01"})):
        refused = _act(till, action, refs=refs[:1], **body)
        assert (refused.status, refused.error_code) == (403, "forbidden"), action
    sold = _act(till, "sell", refs=refs[:1], date="2021-03-01", payment_method="cash")
    assert sold.status == 200
    assert _act(till, "customer_return", refs=refs[:1], date="2021-03-01", reason="x").status == 403


# ---------------------------------------------------------------- idempotency


def test_the_same_request_with_the_same_key_acts_once(stock: dict[str, Any]) -> None:
    api, refs = stock["api"], stock["refs"]
    body = {"refs": refs[:1], "date": "2021-03-01", "payment_method": "card"}
    first = api.post("/api/actions/sell", body, headers={"Idempotency-Key": "caisse-42"})
    second = api.post("/api/actions/sell", body, headers={"Idempotency-Key": "caisse-42"})
    assert first.status == second.status == 200
    assert first.body == second.body
    other = api.post("/api/actions/sell", {**body, "refs": refs[1:2]}, headers={"Idempotency-Key": "caisse-42"})
    assert (other.status, other.error_code) == (422, "idempotency_key_reused")
    assert _status(api, refs[1]) == "stock"
    following = _act(api, "sell", refs=refs[2:3], date="2021-03-01", payment_method="card").body["sale"]
    assert following["invoice_number"] == "F2021-00002"  # the repeated request took no number
    without_key = api.post("/api/actions/sell", body)
    assert without_key.status == 409  # already sold: acting twice is refused, not repeated


# ---------------------------------------------------------------- beyond one transaction


def _many(stock: dict[str, Any], count: int) -> list[str]:
    api = stock["api"]
    rows = "".join(f"Assiette {n};Brocante;;;;1,00;;5,00;;\n" for n in range(count))
    api.put("/api/lots/draft", {"supplier_id": stock["supplier"], "purchase_date": "2021-01-10",
                                "purchase_price": f"{count}.00", "payment_method": "card"})
    assert api.post("/api/lots/draft/import", raw=rows.encode(), headers={"Content-Type": "text/csv"}).status == 200
    return [a["ref"] for a in api.post("/api/lots/draft/commit", {"mode": "purchase"}).body["articles"]]


def test_a_250_article_action_failing_halfway_changes_nothing(
    stock: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.adapters import unit_of_work as repo

    api = stock["api"]
    refs = _many(stock, 250)
    real = repo._write_chunk
    calls: list[int] = []

    def fail_on_second_chunk(tenant_id: str, changes: list[Any], *rest: Any) -> None:
        calls.append(len(changes))
        if len(calls) == 2:
            raise RuntimeError("throttled")
        real(tenant_id, changes, *rest)

    monkeypatch.setattr(repo, "_write_chunk", fail_on_second_chunk)
    failed = _act(api, "deposit", refs=refs, client_id=stock["client"], date="2021-03-01")
    assert failed.status == 500
    assert calls[:2] == [100, 70]  # the second chunk failed, after the first was written
    monkeypatch.setattr(repo, "_write_chunk", real)
    statuses = api.get("/api/articles?lot_ref=" + refs[0][:7] + "&page_size=500").body["items"]
    assert {a["status"] for a in statuses} == {"stock"}
    assert {a["client_id"] for a in statuses} == {None}

    sold = _act(api, "sell", refs=refs, date="2021-03-01", payment_method="card")
    assert sold.status == 200
    assert sold.body["sale"]["total"] == "1250.00"
    assert len(api.get(f"/api/articles?transaction_ref={sold.body['sale']['transaction_ref']}&page_size=500")
               .body["items"]) == 250


def test_an_article_sold_by_another_till_during_a_large_action_refuses_it_whole(
    stock: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The other till sells an article of the last transaction after the first chunks were
    written: the action is refused (409) and the chunks are put back at once."""
    from chalicelib.adapters import unit_of_work
    from chalicelib.adapters.models import CounterModel

    api, tenant_id = stock["api"], stock["tenant"].tenant_id
    refs = _many(stock, 250)
    real = unit_of_work._write_last
    calls: list[int] = []

    def other_till_first(*args: Any) -> None:
        calls.append(len(args[1]))
        if len(calls) == 1:  # the deposit's last transaction: the till sells first
            sold = _act(api, "sell", refs=refs[-1:], date="2021-03-01", payment_method="cash")
            assert sold.status == 200, sold.body
        real(*args)

    monkeypatch.setattr(unit_of_work, "_write_last", other_till_first)
    refused = _act(api, "deposit", refs=refs, client_id=stock["client"], date="2021-03-01")
    monkeypatch.undo()
    assert (refused.status, refused.error_code) == (409, "wrong_status"), refused.body
    assert calls == [80, 1]  # the deposit's chunks (170 articles) were written before
    items = {a["ref"]: a for a in api.get("/api/articles?lot_ref=" + refs[0][:7] + "&page_size=500").body["items"]}
    assert {items[r]["status"] for r in refs[:-1]} == {"stock"} and items[refs[-1]]["status"] == "sold"
    assert {items[r]["client_id"] for r in refs[:-1]} == {None}
    assert not list(CounterModel.query(tenant_id, CounterModel.key.startswith("pending#")))
    assert api.get("/api/articles/summary?status=stock").body["count"] == 249 + len(stock["refs"])


def test_a_large_sale_whose_last_step_fails_is_undone(stock: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.adapters import unit_of_work as repo

    api = stock["api"]
    refs = _many(stock, 150)

    def fail(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("DynamoDB unavailable")

    monkeypatch.setattr(repo, "_write_last", fail)
    assert _act(api, "sell", refs=refs, date="2021-03-01", payment_method="card").status == 500
    monkeypatch.undo()
    items = api.get("/api/articles?lot_ref=" + refs[0][:7] + "&page_size=500").body["items"]
    assert {a["status"] for a in items} == {"stock"}
    assert {a["transaction_ref"] for a in items} == {None}
    assert _act(api, "sell", refs=refs[:1], date="2021-03-01", payment_method="card").body["sale"][
        "invoice_number"] == "F2021-00001"


# ---------------------------------------------------------------- concurrency


def test_two_tills_selling_the_same_article_at_once_sell_it_once(tenant: TenantSession) -> None:
    api = tenant.api
    till = tenant.add_user("shop")
    family = api.post("/api/families", {"label": "Divers"}).body["id"]
    supplier = api.post("/api/suppliers", {"last_name": "Durand"}).body["id"]
    rounds = 200
    rows = "".join(f"Objet {n};Divers;;;;1,00;;3,00;;\n" for n in range(rounds))
    api.put("/api/lots/draft", {"supplier_id": supplier, "purchase_date": "2021-01-10",
                                "purchase_price": f"{rounds}.00", "payment_method": "card"})
    api.post("/api/lots/draft/import", raw=rows.encode(), headers={"Content-Type": "text/csv"})
    refs = [a["ref"] for a in api.post("/api/lots/draft/commit", {"mode": "purchase"}).body["articles"]]
    assert family
    invoices: list[str] = []
    for ref in refs:
        start = threading.Barrier(2)
        replies: list[Any] = []

        def sell(session: Api, ref: str = ref, start: threading.Barrier = start, replies: list[Any] = replies
                 ) -> None:
            start.wait()
            replies.append(_act(session, "sell", refs=[ref], date="2021-03-01", payment_method="card"))

        threads = [threading.Thread(target=sell, args=(session,)) for session in (api, till)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        statuses = sorted(r.status for r in replies)
        assert statuses == [200, 409], (ref, [r.body for r in replies])
        invoices += [r.body["sale"]["invoice_number"] for r in replies if r.status == 200]
    assert invoices == [f"F2021-{n:05d}" for n in range(1, rounds + 1)]


def test_the_negative_margin_rate_is_never_chosen_at_a_sale(stock: dict[str, Any]) -> None:
    """Asking for the zero rate of a loss on a sale at a profit would collect no VAT: refused, nothing sold."""
    api, ref = stock["api"], stock["refs"][0]
    forced = _act(api, "sell", refs=[ref], date="2021-01-01", payment_method="card",
                  prices={ref: "500.00"}, vat_rates={ref: "zero_negative_margin"})
    assert forced.status == 400, forced.body
    assert _status(api, ref) == "stock"
    sold = _act(api, "sell", refs=[ref], date="2021-01-01", payment_method="card", prices={ref: "500.00"})
    assert sold.status == 200
    line = api.get(f"/api/sales/{sold.body['sale']['transaction_ref']}").body["lines"][0]
    assert (line["vat_rate"], line["vat"]) == ("normal", "81.67")  # on the margin: (500 - 10) / 1.2 * 0.2


def test_a_customer_return_cannot_be_dated_before_its_sale(stock: dict[str, Any]) -> None:
    api, ref = stock["api"], stock["refs"][1]
    assert _act(api, "sell", refs=[ref], date="2021-02-01", payment_method="card").status == 200
    early = _act(api, "customer_return", refs=[ref], date="2021-01-31", reason="Ne plaît pas")
    assert (early.status, early.error_code) == (422, "date_before_sale")
    assert early.body["error"]["details"] == {"refs": [ref]}
    assert _status(api, ref) == "sold"
