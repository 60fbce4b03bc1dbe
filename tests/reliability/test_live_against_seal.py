"""The live data held against the seal, and the retention of ten calendar years.

What an operator with write access to the tables could do behind the application's
back — change an article's sale price, description or purchase price, delete a lot
or an article — leaves every chain intact; ``GET /api/compliance/verify`` (and the
job) must still report each change: which record, which field, sealed and live
values. What the application itself does after a police-register version (a sale,
a customer return, a retraction, a year-end closure) must not be reported.

Retention: each sealed object is locked until its sealing day plus ten *calendar*
years (not 3,650 days), and a retention shortened with boto3 (moto allows it, S3
does not) is reported.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.support import Api, TenantSession, commit_lot


@pytest.fixture
def shop(tenant: TenantSession) -> dict[str, Any]:
    """Two lots in the police register, one article sold at 50.00 (a receipt)."""
    api = tenant.api
    family = api.post("/api/families", {"label": "Bijoux"}).body["id"]
    supplier = api.post("/api/suppliers", {"last_name": "Martin"}).body["id"]
    first = commit_lot(api, family_id=family, supplier_id=supplier, prices=["10.00", "20.00"],
                       purchase_date="2021-01-05")
    second = commit_lot(api, family_id=family, supplier_id=supplier, prices=["30.00"], purchase_date="2021-01-06")
    refs = [a["ref"] for a in first["articles"]]
    sold = refs[0]
    reply = api.post("/api/actions/sell", {"refs": [sold], "date": "2021-03-01", "payment_method": "card",
                                           "prices": {sold: "50.00"}})
    assert reply.status == 200, reply.body
    return {"api": api, "tenant_id": tenant.tenant_id, "family": family, "supplier": supplier,
            "lots": [first["lot"]["ref"], second["lot"]["ref"]], "refs": refs,
            "second_refs": [a["ref"] for a in second["articles"]], "sold": sold,
            "transaction": reply.body["sale"]["transaction_ref"]}


def _verify(api: Api) -> dict[str, Any]:
    reply = api.get("/api/compliance/verify")
    assert reply.status == 200, reply.body
    return dict(reply.body)


def _verify_as_job(api: Api) -> dict[str, Any]:
    reply = api.post("/api/compliance/verify", {})
    assert reply.status == 202, reply.body
    deadline = time.monotonic() + 30
    while True:
        job = api.get(f"/api/jobs/{reply.body['job_id']}").body
        if job["status"] != "running" or time.monotonic() > deadline:
            assert job["status"] == "succeeded", job
            return dict(job["result"])
        time.sleep(0.05)


def _client(aws_stack: Any, service: str) -> Any:
    return boto3.client(service, endpoint_url=aws_stack.endpoint, region_name=aws_stack.region)


def _table(aws_stack: Any, base: str) -> str:
    return f"lotbook-{aws_stack.stage}-{base}"


def _edit_data(aws_stack: Any, base: str, key: dict[str, Any], change: Callable[[dict[str, Any]], None]) -> None:
    """Change an item's ``data`` (JSON) straight in DynamoDB, as an operator could."""
    ddb = _client(aws_stack, "dynamodb")
    item = ddb.get_item(TableName=_table(aws_stack, base), Key=key, ConsistentRead=True)["Item"]
    data = json.loads(item["data"]["S"])
    change(data)
    ddb.update_item(TableName=_table(aws_stack, base), Key=key, UpdateExpression="SET #d = :d",
                    ExpressionAttributeNames={"#d": "data"}, ExpressionAttributeValues={":d": {"S": json.dumps(data)}})


def _article_key(tenant_id: str, ref: str) -> dict[str, Any]:
    return {"tenant_id": {"S": tenant_id}, "ref": {"S": ref}}


def _found(result: dict[str, Any], record: str, ref: str, field: str) -> dict[str, Any]:
    matching = [d for d in result["divergences"] if (d["record"], d["ref"], d["field"]) == (record, ref, field)]
    assert len(matching) == 1, (record, ref, field, result["divergences"])
    return matching[0]


# ---------------------------------------------------------------- tampering behind the application's back


def test_a_sale_price_changed_in_the_table_is_held_against_the_receipt(shop: dict[str, Any], aws_stack: Any) -> None:
    assert _verify(shop["api"])["ok"] is True
    _edit_data(aws_stack, "articles", _article_key(shop["tenant_id"], shop["sold"]),
               lambda d: d.update(sale_price="5.00"))
    result = _verify(shop["api"])
    assert result["ok"] is False and result["first_broken"] is None  # every chain intact, yet not ok
    found = _found(result, "sale", shop["transaction"], "sale_price")
    assert (found["article"], found["sealed"], found["live"]) == (shop["sold"], "50.00", "5.00")
    assert found["chain"] == "receipt"
    assert len(result["divergences"]) == 1


def test_a_description_and_a_purchase_price_changed_are_held_against_the_police_register(
        shop: dict[str, Any], aws_stack: Any) -> None:
    ref = shop["refs"][1]
    _edit_data(aws_stack, "articles", _article_key(shop["tenant_id"], ref),
               lambda d: d.update(description="Bague en toc", purchase_price="2.00"))
    result = _verify_as_job(shop["api"])  # the job gives the same answer as the GET
    assert result["ok"] is False
    description = _found(result, "article", ref, "description")
    assert (description["sealed"], description["live"]) == ("Article 2", "Bague en toc")
    price = _found(result, "article", ref, "purchase_price")
    assert (price["sealed"], price["live"]) == ("20.00", "2.00")
    assert price["chain"] == "police_register" and price["rank"] >= 1
    assert len(result["divergences"]) == 2


def test_a_lot_field_and_the_frozen_seller_changed_in_the_table_are_reported(
        shop: dict[str, Any], aws_stack: Any) -> None:
    lot = shop["lots"][1]

    def forge(data: dict[str, Any]) -> None:
        data["payment_method"] = "cash"
        data["supplier"] = {**data["supplier"], "last_name": "Dupont"}

    _edit_data(aws_stack, "lots", {"tenant_id": {"S": shop["tenant_id"]}, "ref": {"S": lot}}, forge)
    result = _verify(shop["api"])
    method = _found(result, "lot", lot, "payment_method")
    assert (method["sealed"], method["live"]) == ("card", "cash")
    seller = _found(result, "lot", lot, "seller.last_name")
    assert (seller["sealed"], seller["live"]) == ("Martin", "Dupont")


def test_a_deleted_lot_and_a_deleted_article_are_reported(shop: dict[str, Any], aws_stack: Any) -> None:
    ddb = _client(aws_stack, "dynamodb")
    tenant_id = shop["tenant_id"]
    lot, lot_article = shop["lots"][1], shop["second_refs"][0]
    ddb.delete_item(TableName=_table(aws_stack, "lots"), Key={"tenant_id": {"S": tenant_id}, "ref": {"S": lot}})
    ddb.delete_item(TableName=_table(aws_stack, "articles"), Key=_article_key(tenant_id, lot_article))
    ddb.delete_item(TableName=_table(aws_stack, "articles"), Key=_article_key(tenant_id, shop["refs"][1]))
    result = _verify(shop["api"])
    assert result["ok"] is False
    for record, ref in (("lot", lot), ("article", lot_article), ("article", shop["refs"][1])):
        gone = _found(result, record, ref, "exists")
        assert (gone["sealed"], gone["live"]) == (True, False)
    assert len(result["divergences"]) == 3


def test_a_sale_undone_in_the_table_without_a_return_is_reported(shop: dict[str, Any], aws_stack: Any) -> None:
    tenant_id = shop["tenant_id"]
    ddb = _client(aws_stack, "dynamodb")
    _edit_data(aws_stack, "articles", _article_key(tenant_id, shop["sold"]),
               lambda d: d.update(transaction_ref=None, sale_price=None))
    ddb.update_item(TableName=_table(aws_stack, "articles"), Key=_article_key(tenant_id, shop["sold"]),
                    UpdateExpression="SET #s = :s", ExpressionAttributeNames={"#s": "status"},
                    ExpressionAttributeValues={":s": {"S": "stock"}})
    result = _verify(shop["api"])
    undone = _found(result, "sale", shop["transaction"], "transaction_ref")
    assert (undone["article"], undone["sealed"], undone["live"]) == (shop["sold"], shop["transaction"], None)


# ---------------------------------------------------------------- what the application does is no divergence


def test_a_customer_return_a_correction_and_a_retraction_leave_no_divergence(shop: dict[str, Any]) -> None:
    api = shop["api"]
    assert api.post("/api/actions/customer_return", {"refs": [shop["sold"]], "date": "2021-03-02",
                                                     "reason": "Rayure"}).status == 200
    assert api.patch(f"/api/articles/{shop['refs'][1]}", {"description": "Bague en or", "reason": "Faute"}
                     ).status == 200
    assert api.post(f"/api/lots/{shop['lots'][1]}/retract", {"comment": "Rétractation du vendeur"}).status == 200
    # sold again after the return: the new receipt stands for it
    again = api.post("/api/actions/sell", {"refs": [shop["sold"]], "date": "2021-03-05", "payment_method": "cash",
                                           "prices": {shop["sold"]: "45.00"}})
    assert again.status == 200, again.body
    result = _verify(api)
    assert result["divergences"] == [] and result["retention"] == []
    assert result["ok"] is True
    retracted = api.get(f"/api/lots/{shop['lots'][1]}").body
    assert retracted["purchase_price"] == "0.00"  # the retraction's version holds the zeroes too


def test_a_correction_and_a_return_not_sealed_yet_are_no_divergence_until_sealed_otherwise(
        shop: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.adapters.repositories import journal
    from chalicelib.services import sealing

    api, tenant_id = shop["api"], shop["tenant_id"]
    with monkeypatch.context() as lost:  # the stream's deliveries are late: nothing sealed yet
        lost.setattr(sealing, "seal_stream_records", lambda records: None)
        assert api.patch(f"/api/articles/{shop['refs'][1]}", {"description": "Bague en or", "reason": "Faute"}
                         ).status == 200
        assert api.post("/api/actions/customer_return", {"refs": [shop["sold"]], "date": "2021-03-02",
                                                         "reason": "Rayure"}).status == 200
        result = _verify(api)
        assert result["divergences"] == [] and result["ok"] is True
    # then sealed: still none; the sealed versions now say what the tables say
    late = [r for r in journal.journal_since(tenant_id, None, ["lot_corrected", "sale_return"])]
    sealing.seal_journal_records([journal.get_journal(tenant_id, seq) for seq, _, _ in late])
    result = _verify(api)
    assert result["divergences"] == [] and result["ok"] is True


def test_a_renamed_family_is_no_divergence_but_an_article_moved_to_another_family_is(
        shop: dict[str, Any], aws_stack: Any) -> None:
    api = shop["api"]
    assert api.put(f"/api/families/{shop['family']}", {"label": "Bijoux anciens", "metal_2093": False}
                   ).status == 200
    assert _verify(api)["divergences"] == []
    other = api.post("/api/families", {"label": "Mobilier"}).body["id"]
    _edit_data(aws_stack, "articles", _article_key(shop["tenant_id"], shop["refs"][1]),
               lambda d: d.update(family_id=other))
    moved = _found(_verify(api), "article", shop["refs"][1], "family")
    assert (moved["sealed"], moved["live"]) == ("Bijoux", "Mobilier")


def test_a_closure_deletes_sold_articles_and_empty_lots_without_a_divergence(
        shop: dict[str, Any], aws_stack: Any) -> None:
    from tests.functional.test_year_end import wait_job

    api = shop["api"]
    rest = [shop["refs"][1], *shop["second_refs"]]
    assert api.post("/api/actions/sell", {"refs": rest, "date": "2021-06-01", "payment_method": "card",
                                          "prices": {ref: "60.00" for ref in rest}}).status == 200
    job = wait_job(api, api.post("/api/closures", {"title": "Exercice 2021", "until": "2021-12-31"}))
    assert job["status"] == "succeeded", job
    assert job["result"]["deleted_articles"] == 3 and job["result"]["deleted_lots"] == 2
    assert api.get(f"/api/lots/{shop['lots'][0]}").status == 404
    result = _verify(api)
    assert result["divergences"] == [] and result["ok"] is True
    # ... which exempts exactly what the closure removed: nothing else deleted goes unseen.
    commit = commit_lot(api, family_id=shop["family"], supplier_id=shop["supplier"], prices=["5.00"])
    ref = commit["articles"][0]["ref"]
    _client(aws_stack, "dynamodb").delete_item(TableName=_table(aws_stack, "articles"),
                                               Key=_article_key(shop["tenant_id"], ref))
    result = _verify(api)
    assert [(d["record"], d["ref"], d["field"]) for d in result["divergences"]] == [("article", ref, "exists")]


# ---------------------------------------------------------------- retention: ten calendar years


def _entries(tenant_id: str, chain: str) -> list[Any]:
    from chalicelib.adapters.repositories import sealed_records

    return sealed_records.chain_entries(tenant_id, chain)


def test_each_sealed_object_is_locked_until_its_sealing_day_ten_calendar_years_on(
        shop: dict[str, Any], aws_stack: Any) -> None:
    s3 = _client(aws_stack, "s3")
    entries = _entries(shop["tenant_id"], "police_register") + _entries(shop["tenant_id"], "receipt")
    assert len(entries) == 3
    for entry in entries:
        head = s3.head_object(Bucket=entry.bucket, Key=entry.key, VersionId=entry.version_id)
        sealed = datetime.fromisoformat(entry.sealed_at).astimezone(UTC)
        until = head["ObjectLockRetainUntilDate"].astimezone(UTC)
        assert head["ObjectLockMode"] == "COMPLIANCE"
        assert until.date() == sealed.date().replace(year=sealed.year + 10)  # e.g. 2026-12-07 → 2036-12-07
        assert until - sealed > timedelta(days=3652)  # ten years hold two or three leap days
    assert _verify(shop["api"])["retention"] == []


def test_a_retention_cut_to_3650_days_is_reported_with_its_legal_term(shop: dict[str, Any], aws_stack: Any) -> None:
    s3 = _client(aws_stack, "s3")
    entry = _entries(shop["tenant_id"], "police_register")[1]
    sealed = datetime.fromisoformat(entry.sealed_at)
    try:
        s3.put_object_retention(Bucket=entry.bucket, Key=entry.key, VersionId=entry.version_id, Retention={
            "Mode": "COMPLIANCE", "RetainUntilDate": sealed + timedelta(days=3650)})
    except ClientError as refused:  # what S3 itself answers: nothing to report then
        assert refused.response["Error"]["Code"] == "AccessDenied"
        pytest.skip("the bucket refuses to shorten a COMPLIANCE retention")
    result = _verify(shop["api"])
    assert result["ok"] is False
    (short,) = result["retention"]
    assert (short["chain"], short["rank"], short["reason"]) == ("police_register", 2, "too_short")
    day = sealed.astimezone(UTC).date()
    assert short["required_until"].startswith(day.replace(year=day.year + 10).isoformat())
    assert short["retain_until"] < short["required_until"] and short["message"]


# ---------------------------------------------------------------- a correction never seals forged values


def test_a_correction_of_a_tampered_lot_is_refused_and_seals_nothing(shop: dict[str, Any], aws_stack: Any) -> None:
    api, lot = shop["api"], shop["lots"][0]
    tampered, other = shop["refs"][1], shop["refs"][0]
    _edit_data(aws_stack, "articles", _article_key(shop["tenant_id"], tampered),
               lambda d: d.update(purchase_price="5.00"))
    versions = api.get(f"/api/lots/{lot}/police-files").body["total"]
    for path, body in ((f"/api/articles/{tampered}", {"weight_g": "12.6", "reason": "Repesée"}),
                       (f"/api/articles/{other}", {"description": "Bague fine", "reason": "Précision"}),
                       (f"/api/lots/{lot}", {"payment_method": "cheque", "reason": "Erreur de saisie"})):
        refused = api.patch(path, body)
        assert (refused.status, refused.error_code) == (409, "register_divergence"), (path, refused.body)
        assert {"record": "article", "ref": tampered, "field": "purchase_price"} in \
            refused.body["error"]["details"]["divergences"]
    assert api.get(f"/api/lots/{lot}/police-files").body["total"] == versions  # was: the forged 5.00 sealed
    assert _found(_verify(api), "article", tampered, "purchase_price")["live"] == "5.00"  # still reported
    # An untampered lot is corrected as before.
    second = shop["second_refs"][0]
    assert api.patch(f"/api/articles/{second}", {"description": "Montre", "reason": "Précision"}).status == 200


def test_the_vat_rate_of_a_sold_article_is_the_sale_s_and_cannot_be_rewritten(shop: dict[str, Any]) -> None:
    api = shop["api"]
    before = api.get("/api/articles/summary?status=sold").body
    refused = api.patch(f"/api/articles/{shop['sold']}", {"vat_rate": "reduced", "reason": "Taux"})
    assert (refused.status, refused.error_code) == (409, "sold_article_vat_rate")
    assert api.get("/api/articles/summary?status=sold").body == before
    assert _verify(api)["ok"] is True


def test_a_sale_cannot_be_dated_before_its_purchase_nor_before_the_last_invoice(shop: dict[str, Any]) -> None:
    api, ref = shop["api"], shop["second_refs"][0]  # bought 2021-01-06; the last invoice is of 2021-03-01
    before = api.get(f"/api/articles/{ref}").body
    early = api.post("/api/actions/sell", {"refs": [ref], "date": "2021-01-05", "payment_method": "card"})
    assert (early.status, early.error_code) == (422, "date_before_purchase") and early.body["error"]["details"] == {
        "refs": [ref]}
    backdated = api.post("/api/actions/sell", {"refs": [ref], "date": "2021-02-15", "payment_method": "card",
                                               "prices": {ref: "40.00"}})
    assert (backdated.status, backdated.error_code) == (422, "invoice_date_before_last"), backdated.body
    assert "01/03/2021" in backdated.body["error"]["details"]["date"]
    assert api.get(f"/api/articles/{ref}").body == before
    sold = api.post("/api/actions/sell", {"refs": [ref], "date": "2021-03-01", "payment_method": "card",
                                          "prices": {ref: "40.00"}})
    assert sold.status == 200 and sold.body["sale"]["invoice_number"].endswith("00002")


def test_a_summary_bucket_edited_in_the_table_is_reported_against_the_articles(
        shop: dict[str, Any], aws_stack: Any) -> None:
    api = shop["api"]
    month = "2021-03"  # the month of the sale at 50.00
    before = api.get("/api/articles/summary?status=sold").body
    _client(aws_stack, "dynamodb").update_item(
        TableName=_table(aws_stack, "counters"),
        Key={"tenant_id": {"S": shop["tenant_id"]}, "key": {"S": f"sigma#{month}#sold"}},
        UpdateExpression="SET collected_normal = :v", ExpressionAttributeValues={":v": {"N": "1"}})
    assert api.get("/api/articles/summary?status=sold").body != before  # the Σ reads the bucket...
    result = _verify(api)
    assert result["ok"] is False  # ...and the verification holds the bucket against the articles
    [found] = [d for d in result["divergences"] if d["record"] == "summary"]
    assert (found["ref"], found["field"], found["sealed"], found["live"]) == (f"{month}#sold", "collected_normal",
                                                                              before["vat"]["normal"]["collected"], "1")


def test_an_article_whose_price_no_longer_reads_is_a_clear_refusal_and_the_verification_names_it(
        shop: dict[str, Any], aws_stack: Any) -> None:
    """A value written behind the application's back that is not a number: reading the article
    answers 409 in French (never a 500) and changes nothing; the verification still reads it raw
    and reports it against the police register."""
    api, ref = shop["api"], shop["refs"][1]
    _edit_data(aws_stack, "articles", _article_key(shop["tenant_id"], ref), lambda d: d.update(purchase_price="abc"))
    for path in (f"/api/articles/{ref}", f"/api/lots/{shop['lots'][0]}", "/api/articles?status=stock"):
        reply = api.get(path)
        assert (reply.status, reply.error_code) == (409, "record_unreadable"), (path, reply.body)
        assert "modifié hors de Lotbook" in reply.body["error"]["message"]
        assert reply.body["error"]["details"] == {"record": "article", "ref": ref}
    price = _found(_verify(api), "article", ref, "purchase_price")
    assert (price["sealed"], price["live"]) == ("20.00", "abc")
    assert api.get(f"/api/articles/{shop['second_refs'][0]}").status == 200  # the others still read
