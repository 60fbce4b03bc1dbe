"""Incremental verification from checkpoints (chalicelib/domain/checkpoint.py).

After a chain verifies, the verifier stores a checkpoint; the next ``GET
/api/compliance/verify`` re-reads only the records sealed since, and still finds a
version stored over an old record, a delete marker on one, and a forged
checkpoint. Chains are short here: the length from which checkpoints are used
(``INCREMENTAL_FROM``, 1,000 records) is lowered to 1 for these tests.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from tests.support import Api, TenantSession, commit_lot

POLICE = "police_register"


@pytest.fixture
def books(tenant: TenantSession, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Four lots in the police register and two receipts, checkpoints from the first record."""
    from chalicelib.services import compliance

    monkeypatch.setattr(compliance, "INCREMENTAL_FROM", 1)
    api = tenant.api
    family = api.post("/api/families", {"label": "Bijoux"}).body["id"]
    supplier = api.post("/api/suppliers", {"last_name": "Martin"}).body["id"]
    lots = [commit_lot(api, family_id=family, supplier_id=supplier, prices=["10.00", "20.00"]) for _ in range(4)]
    refs = [a["ref"] for lot in lots for a in lot["articles"]]
    for ref in refs[:2]:
        assert api.post("/api/actions/sell", {"refs": [ref], "date": "2021-03-01", "payment_method": "card",
                                              "prices": {ref: "50.00"}}).status == 200
    return {"api": api, "tenant_id": tenant.tenant_id, "family": family, "supplier": supplier, "refs": refs}


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """GETs of sealed objects, per chain (``read_current`` and ``read`` of a version)."""
    from chalicelib.adapters import vault

    counted: Counter[str] = Counter()
    read_current, read = vault.read_current, vault.read

    def chain_of(key: str) -> str:
        return "checkpoint" if key.startswith(vault.CHECKPOINTS + "/") else key.split("/")[1]

    def counting_current(key: str) -> Any:
        counted[chain_of(key)] += 1
        return read_current(key)

    def counting_read(key: str, version_id: str) -> Any:
        counted[chain_of(key)] += 1
        return read(key, version_id)

    monkeypatch.setattr(vault, "read_current", counting_current)
    monkeypatch.setattr(vault, "read", counting_read)
    return counted


def _verify(api: Api, full: bool = False) -> dict[str, Any]:
    reply = api.get("/api/compliance/verify" + ("?full=1" if full else ""))
    assert reply.status == 200, reply.body
    return dict(reply.body)


def _chain(result: dict[str, Any], chain: str) -> dict[str, Any]:
    return next(c for c in result["chains"] if c["chain"] == chain)


def _entries(tenant_id: str, chain: str) -> list[Any]:
    from chalicelib.adapters.repositories import sealed_records

    return sealed_records.chain_entries(tenant_id, chain)


def _s3(aws_stack: Any) -> Any:
    return boto3.client("s3", endpoint_url=aws_stack.endpoint, region_name=aws_stack.region)


def _another_lot(books: dict[str, Any]) -> None:
    commit_lot(books["api"], family_id=books["family"], supplier_id=books["supplier"], prices=["30.00"])


def test_an_incremental_run_rereads_only_the_records_sealed_since_and_still_checks_the_live_data(
        books: dict[str, Any], aws_stack: Any, reads: Counter[str]) -> None:
    api = books["api"]
    first = _verify(api)
    assert first["ok"] is True and first["mode"] == "incremental"
    assert _chain(first, POLICE)["checkpoint"] == "none" and _chain(first, POLICE)["reread"] == 4
    assert reads[POLICE] == 4

    _another_lot(books)
    reads.clear()
    second = _verify(api)
    police = _chain(second, POLICE)
    assert second["ok"] is True and second["checked"] == first["checked"] + 1
    assert (police["checked"], police["reread"], police["checkpoint"]) == (5, 1, "used")
    assert _chain(second, "receipt")["reread"] == 0
    # The new record, and the checkpoint's own rank re-hashed: 2 GETs, not 5.
    assert reads[POLICE] == 2 and reads["receipt"] == 1

    # The lots verified before are still held against their sealed version (from the checkpoint).
    ddb = boto3.client("dynamodb", endpoint_url=aws_stack.endpoint, region_name=aws_stack.region)
    table, ref = f"lotbook-{aws_stack.stage}-articles", books["refs"][2]
    key = {"tenant_id": {"S": books["tenant_id"]}, "ref": {"S": ref}}
    data = json.loads(ddb.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]["data"]["S"])
    ddb.update_item(TableName=table, Key=key, UpdateExpression="SET #d = :d", ExpressionAttributeNames={"#d": "data"},
                    ExpressionAttributeValues={":d": {"S": json.dumps({**data, "description": "Bague en toc"})}})
    third = _verify(api)
    assert _chain(third, POLICE)["reread"] == 0 and third["ok"] is False
    assert [(d["record"], d["ref"], d["field"], d["live"]) for d in third["divergences"]] == [
        ("article", ref, "description", "Bague en toc")]
    full = _verify(api, full=True)
    assert full["mode"] == "full" and _chain(full, POLICE)["reread"] == 5
    assert full["divergences"] == third["divergences"]


def test_a_version_stored_over_an_old_record_is_found_after_a_checkpoint(
        books: dict[str, Any], aws_stack: Any) -> None:
    api = books["api"]
    assert _verify(api)["ok"] is True
    old = _entries(books["tenant_id"], POLICE)[1]
    body = _s3(aws_stack).get_object(Bucket=old.bucket, Key=old.key, VersionId=old.version_id)["Body"].read()
    _s3(aws_stack).put_object(Bucket=old.bucket, Key=old.key, Body=body.replace(b"Article", b"Articel"))
    _another_lot(books)
    result = _verify(api)
    assert result["ok"] is False
    assert _chain(result, POLICE)["checkpoint"] == "rejected:versions"
    assert result["first_broken"]["chain"] == POLICE and result["first_broken"]["rank"] == 2
    assert _chain(result, POLICE)["broken"] == {"rank": 2, "reason": "overwritten"}


def test_a_delete_marker_on_an_old_record_is_found_after_a_checkpoint(books: dict[str, Any], aws_stack: Any) -> None:
    api = books["api"]
    assert _verify(api)["ok"] is True
    old = _entries(books["tenant_id"], "receipt")[0]
    _s3(aws_stack).delete_object(Bucket=old.bucket, Key=old.key)  # hides it, deletes nothing
    _another_lot(books)
    result = _verify(api)
    assert result["ok"] is False
    receipts = _chain(result, "receipt")
    assert receipts["checkpoint"] == "rejected:versions" and receipts["broken"]["rank"] == 1
    assert _chain(result, POLICE)["checkpoint"] == "used"  # the other chain is not held back


def _forge_checkpoint(aws_stack: Any, tenant_id: str, rank: int, sha256: str) -> None:
    """A checkpoint written by whoever can write to the bucket: claims ``rank`` verified
    with ``sha256``, the index digest computed on the index as it is now."""
    from chalicelib.adapters import vault
    from chalicelib.domain import checkpoint
    from chalicelib.services import compliance

    entries = _entries(tenant_id, POLICE)[:rank]
    now = datetime.now(UTC)
    forged = checkpoint.Checkpoint(POLICE, rank, sha256,
                                   checkpoint.index_digest(compliance._index_item(e) for e in entries),
                                   now.isoformat(), [])
    _s3(aws_stack).put_object(Bucket=aws_stack.vault_bucket, Key=vault.checkpoint_key(tenant_id, POLICE, rank, now),
                              Body=forged.to_bytes())


def _edit_index_hash(aws_stack: Any, tenant_id: str, rank: int) -> None:
    ddb = boto3.client("dynamodb", endpoint_url=aws_stack.endpoint, region_name=aws_stack.region)
    ddb.update_item(TableName=f"lotbook-{aws_stack.stage}-sealed",
                    Key={"tenant_id": {"S": tenant_id}, "position": {"S": f"{POLICE}#{rank:010d}"}},
                    UpdateExpression="SET sha256 = :h", ExpressionAttributeValues={":h": {"S": "0" * 64}})


def test_a_forged_checkpoint_hides_no_tampering(books: dict[str, Any], aws_stack: Any) -> None:
    api, tenant_id = books["api"], books["tenant_id"]
    assert _verify(api)["ok"] is True
    _another_lot(books)
    # The new record's hash edited in the index, and a checkpoint claiming it verified.
    _edit_index_hash(aws_stack, tenant_id, 5)
    _forge_checkpoint(aws_stack, tenant_id, 5, "0" * 64)
    result = _verify(api)
    police = _chain(result, POLICE)
    assert result["ok"] is False and police["checkpoint"] == "rejected:hash"
    assert police["broken"] == {"rank": 5, "reason": "hash_mismatch"} and police["reread"] == 5


def test_an_old_index_item_edited_after_a_checkpoint_is_found(books: dict[str, Any], aws_stack: Any) -> None:
    api, tenant_id = books["api"], books["tenant_id"]
    assert _verify(api)["ok"] is True
    _edit_index_hash(aws_stack, tenant_id, 2)
    result = _verify(api)
    police = _chain(result, POLICE)
    assert result["ok"] is False and police["checkpoint"] == "rejected:index"
    assert police["broken"] == {"rank": 2, "reason": "hash_mismatch"}


def test_the_lean_reads_give_what_the_models_give(books: dict[str, Any]) -> None:
    """The verification reads index items, lots and articles with only the attributes it
    uses (chalicelib/adapters/repositories/verification.py): the same values, for those."""
    from chalicelib.adapters.repositories import articles, lots, sealed_records, verification
    from chalicelib.domain.lot import Lot

    tenant_id = books["tenant_id"]
    assert list(verification.articles(tenant_id)) == [a.to_record() for a in articles.all_articles(tenant_id)]
    assert any(a["status"] == "sold" for a in verification.articles(tenant_id))
    lean_lots = [Lot.from_record(lot) for lot in verification.lots(tenant_id)]  # records with "_version"
    assert [(lot.to_record(), lot.version) for lot in lean_lots] == [
        (lot.to_record(), lot.version) for lot in lots.list_lots(tenant_id)]
    fields = ("tenant_id", "chain", "rank", "seq", "number", "sealed_at", "sha256", "prev_sha256", "key",
              "version_id", "retain_until")
    for chain in (POLICE, "receipt"):
        lean, whole = verification.chain_proofs(tenant_id, chain), sealed_records.chain_entries(tenant_id, chain)
        assert len(whole) >= 2
        assert [[getattr(e, f) for f in fields] for e in lean] == [[getattr(e, f) for f in fields] for e in whole]


def test_tampering_behind_the_application_after_a_checkpoint_is_caught_by_the_lean_reads(
        books: dict[str, Any], aws_stack: Any) -> None:
    """Lots, articles and index items verified before the checkpoint, edited straight in
    the tables afterwards: the incremental run (reads side by side, lean) reports each."""
    api, tenant_id = books["api"], books["tenant_id"]
    assert _verify(api)["ok"] is True
    _another_lot(books)
    ddb = boto3.client("dynamodb", endpoint_url=aws_stack.endpoint, region_name=aws_stack.region)
    lot_ref = books["refs"][2][:-3]
    key = {"tenant_id": {"S": tenant_id}, "ref": {"S": lot_ref}}
    table = f"lotbook-{aws_stack.stage}-lots"
    data = json.loads(ddb.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]["data"]["S"])
    data["supplier"] = {**data["supplier"], "last_name": "Dupont"}
    ddb.update_item(TableName=table, Key=key, UpdateExpression="SET #d = :d", ExpressionAttributeNames={"#d": "data"},
                    ExpressionAttributeValues={":d": {"S": json.dumps(data)}})
    ddb.delete_item(TableName=f"lotbook-{aws_stack.stage}-articles",
                    Key={"tenant_id": {"S": tenant_id}, "ref": {"S": books["refs"][4]}})
    result = _verify(api)
    police = _chain(result, POLICE)
    assert (police["checkpoint"], police["reread"]) == ("used", 1)
    assert result["ok"] is False
    assert sorted((d["record"], d["ref"], d["field"], d["live"]) for d in result["divergences"]) == [
        ("article", books["refs"][4], "exists", False), ("lot", lot_ref, "seller.last_name", "Dupont")]

    # An old index item pointed at another object: the checkpoint is refused, the chain re-read.
    old = _entries(tenant_id, POLICE)[0]
    ddb.update_item(TableName=f"lotbook-{aws_stack.stage}-sealed",
                    Key={"tenant_id": {"S": tenant_id}, "position": {"S": f"{POLICE}#{1:010d}"}},
                    UpdateExpression="SET #k = :k", ExpressionAttributeNames={"#k": "key"},
                    ExpressionAttributeValues={":k": {"S": old.key.replace("0000000001", "0000000002")}})
    again = _verify(api)
    assert _chain(again, POLICE)["checkpoint"] == "rejected:index" and _chain(again, POLICE)["reread"] == 5
    assert again["ok"] is False and _chain(again, POLICE)["broken"]["rank"] == 1


def test_the_version_listing_client_reads_pages_as_botocore_does(aws_stack: Any) -> None:
    """``aws.listing_client`` reads each version and delete marker in one pass over its
    elements (chalicelib/adapters/aws.py): the same pages as botocore's own parser."""
    from chalicelib.adapters import aws

    s3 = boto3.client("s3", endpoint_url=aws_stack.endpoint, region_name=aws_stack.region)
    bucket = f"listing-{datetime.now(UTC):%H%M%S%f}"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": aws_stack.region})
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    for key, body in (("p/a & <é>", b"1"), ("p/a & <é>", b"22"), ("p/b", b""), ("p/c", b"333"), ("q/d", b"4")):
        s3.put_object(Bucket=bucket, Key=key, Body=body)
    s3.delete_object(Bucket=bucket, Key="p/c")
    lean = aws.listing_client("s3")
    pages = []
    for request in ({"Bucket": bucket, "Prefix": "p/"}, {"Bucket": bucket, "MaxKeys": 2},
                    {"Bucket": bucket, "KeyMarker": "p/b", "MaxKeys": 1}):
        theirs, mine = s3.list_object_versions(**request), lean.list_object_versions(**request)
        theirs.pop("ResponseMetadata"), mine.pop("ResponseMetadata")
        assert mine == theirs, request
        pages.append(mine)
    assert any(members for _, members in aws._xml_shapes.values()), "the one-pass path was not used"
    assert [(v["Key"], v["Size"], v["IsLatest"]) for v in pages[0]["Versions"]] == [
        ("p/a & <é>", 2, True), ("p/a & <é>", 1, False), ("p/b", 0, True), ("p/c", 3, False)]
    assert [(m["Key"], m["IsLatest"]) for m in pages[0]["DeleteMarkers"]] == [("p/c", True)]
    assert all(v["LastModified"].tzinfo for v in pages[0]["Versions"])
