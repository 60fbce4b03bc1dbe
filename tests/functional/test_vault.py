"""The legal vault: lot versions sealed from the journal's stream into S3 Object Lock,
the sealer's idempotency and failures, verification against tampering, inspections.

Locally the bridge hands each journal write to ``seal_journal`` inside the write,
so after an API call the sealing is done; moto never retries a failed handler,
so redeliveries are made here by invoking the handler with the stream's event.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import time
import uuid
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.support import IDENTIFIED_SELLER, Api, TenantSession, commit_lot


@pytest.fixture
def desk(tenant: TenantSession) -> dict[str, Any]:
    api = tenant.api
    family = api.post("/api/families", {"label": "Mobilier", "metal_2093": False}).body["id"]
    supplier = api.post("/api/suppliers", IDENTIFIED_SELLER).body["id"]
    return {"api": api, "tenant": tenant, "family": family, "supplier": supplier}


def _commit(desk: dict[str, Any], prices: list[str] | None = None) -> str:
    lot = commit_lot(desk["api"], family_id=desk["family"], supplier_id=desk["supplier"], prices=prices)
    return str(lot["lot"]["ref"])


def _client(service: str, aws_stack: Any) -> Any:
    return boto3.client(service, endpoint_url=aws_stack.endpoint, region_name=aws_stack.region)


def _s3(aws_stack: Any) -> Any:
    return _client("s3", aws_stack)


def _table(aws_stack: Any, base: str) -> str:
    return f"lotbook-{aws_stack.stage}-{base}"


def _journal_images(aws_stack: Any, tenant_id: str) -> list[dict[str, Any]]:
    """The journal entries as DynamoDB JSON, oldest first; not the event log's (logins...),
    a chain of its own (tests/functional/test_event_log.py)."""
    ddb = _client("dynamodb", aws_stack)
    items = ddb.query(TableName=_table(aws_stack, "journal"), KeyConditionExpression="tenant_id = :t",
                      ExpressionAttributeValues={":t": {"S": tenant_id}}, ConsistentRead=True)["Items"]
    return [item for item in items if item["kind"]["S"] != "event"]


def _stream_event(aws_stack: Any, images: list[dict[str, Any]]) -> dict[str, Any]:
    """The event a DynamoDB stream hands to Lambda for these new items."""
    ddb = _client("dynamodb", aws_stack)
    stream_arn = ddb.describe_table(TableName=_table(aws_stack, "journal"))["Table"]["LatestStreamArn"]
    records = []
    for n, image in enumerate(images):
        new_image = {k: ({"B": base64.b64encode(v["B"]).decode()} if "B" in v else v) for k, v in image.items()}
        records.append({
            "eventID": uuid.uuid4().hex, "eventName": "INSERT", "eventVersion": "1.1", "eventSource": "aws:dynamodb",
            "awsRegion": aws_stack.region, "eventSourceARN": stream_arn,
            "dynamodb": {"ApproximateCreationDateTime": time.time(),
                         "Keys": {"tenant_id": new_image["tenant_id"], "seq": new_image["seq"]},
                         "NewImage": new_image, "SequenceNumber": f"{4000000000000000000000 + n}",
                         "SizeBytes": len(json.dumps(new_image)), "StreamViewType": "NEW_IMAGE"},
        })
    return {"Records": records}


def _deliver(event: dict[str, Any]) -> Any:
    from chalice.test import Client

    from app import app

    return Client(app).lambda_.invoke("seal_journal", event)


def _entries(tenant_id: str, chain: str = "police_register") -> list[Any]:
    from chalicelib.adapters.repositories import sealed_records

    return sealed_records.chain_entries(tenant_id, chain)


def _object(aws_stack: Any, entry: Any) -> dict[str, Any]:
    return _s3(aws_stack).get_object(Bucket=entry.bucket, Key=entry.key, VersionId=entry.version_id,
                                     ChecksumMode="ENABLED")


def _versions(aws_stack: Any, bucket: str, prefix: str) -> list[dict[str, Any]]:
    return _s3(aws_stack).list_object_versions(Bucket=bucket, Prefix=prefix).get("Versions", [])


def _verify(api: Api) -> dict[str, Any]:
    reply = api.get("/api/compliance/verify")
    assert reply.status == 200, reply.body
    return dict(reply.body)


def _broken(api: Api) -> tuple[str, int, str] | None:
    first = _verify(api)["first_broken"]
    return None if first is None else (first["chain"], first["rank"], first["reason"])


# ---------------------------------------------------------------- sealing through the API


def test_a_committed_lot_ends_as_a_sealed_police_register_object_whose_hash_and_content_match(
    desk: dict[str, Any], aws_stack: Any
) -> None:
    ref = _commit(desk, ["40.00", "60.00"])
    (entry,) = _entries(desk["tenant"].tenant_id)
    assert (entry.rank, entry.kind, entry.subject, entry.number) == (1, "lot_committed", ref, "1")
    stored = _object(aws_stack, entry)
    body = stored["Body"].read()
    assert hashlib.sha256(body).hexdigest() == entry.sha256
    assert base64.b64decode(stored["ChecksumSHA256"]).hex() == entry.sha256
    assert stored["ObjectLockMode"] == "COMPLIANCE"
    assert entry.key == f"{desk['tenant'].tenant_id}/police_register/0000000001.json"

    envelope = json.loads(body)
    (journal,) = _journal_images(aws_stack, desk["tenant"].tenant_id)
    assert envelope["content"] == json.loads(gzip.decompress(journal["payload"]["B"]))
    assert envelope["content"]["lot"]["ref"] == ref
    assert [a["purchase_price"] for a in envelope["content"]["articles"]] == ["40.00", "60.00"]
    assert (envelope["chain"], envelope["rank"], envelope["prev_sha256"]) == ("police_register", 1, "0" * 64)
    assert desk["tenant"].tenant_id not in body.decode()  # no internal id in the sealed content

    listed = desk["api"].get("/api/compliance/police-files").body
    assert listed["total"] == 1
    item = listed["items"][0]
    assert {k: item[k] for k in ("id", "kind", "number", "sha256", "prev_sha256", "lot_ref", "version")} == {
        "id": "1", "kind": "lot_committed", "number": "1", "sha256": entry.sha256, "prev_sha256": "0" * 64,
        "lot_ref": ref, "version": 1}
    assert item["storage"] == {"bucket": entry.bucket, "key": entry.key, "version_id": entry.version_id,
                               "retention_mode": "COMPLIANCE", "retain_until": entry.retain_until}
    retain = stored["ObjectLockRetainUntilDate"]
    assert retain.year - time.gmtime().tm_year in (9, 10)  # ten years by default

    content = desk["api"].get("/api/compliance/police-files/1")
    assert content.status == 200
    assert content.body == envelope
    assert content.headers["X-Lotbook-Sha256"] == entry.sha256


def test_a_correction_adds_version_two_linked_to_version_one_and_the_lot_lists_both(desk: dict[str, Any]) -> None:
    api = desk["api"]
    ref = _commit(desk)
    other = _commit(desk)
    fixed = api.patch(f"/api/lots/{ref}", {"payment_method": "cheque", "reason": "Erreur de saisie"})
    assert fixed.status == 200, fixed.body
    versions = api.get(f"/api/lots/{ref}/police-files").body
    assert versions["total"] == 2
    first, second = versions["items"]
    assert (first["version"], second["version"]) == (1, 2)
    assert (first["kind"], second["kind"]) == ("lot_committed", "lot_corrected")
    assert (first["number"], second["number"]) == ("1", "3")  # the register's order numbers
    entries = {e.rank: e for e in _entries(desk["tenant"].tenant_id)}
    assert second["prev_sha256"] == entries[2].sha256  # linked in the register's chain...
    assert entries[2].subject == other
    assert api.get("/api/compliance/police-files/3").body["content"]["version"] == 2
    assert api.get(f"/api/compliance/police-files?lot={ref}").body["total"] == 2
    assert api.get("/api/compliance/police-files").body["total"] == 3
    today = time.strftime("%Y-%m-%d", time.gmtime())
    assert api.get(f"/api/compliance/police-files?date_from={today}&date_to={today}").body["total"] == 3
    assert api.get("/api/compliance/police-files?date_to=2001-01-01").body["total"] == 0
    assert api.get("/api/compliance/police-files?date_from=hier").status == 400
    assert api.get("/api/lots/2999001/police-files").status == 404
    assert api.get("/api/compliance/police-files/99").status == 404
    assert api.get("/api/compliance/police-files/abc").status == 404
    assert _broken(api) is None


def test_the_shop_reads_no_compliance_records_but_the_collaborator_does(desk: dict[str, Any]) -> None:
    ref = _commit(desk)
    shop = desk["tenant"].add_user("shop")
    collaborator = desk["tenant"].add_user("collaborator")
    for path in ("/api/compliance/police-files", "/api/compliance/police-files/1", f"/api/lots/{ref}/police-files",
                 "/api/compliance/receipts", "/api/compliance/verify", "/api/compliance/inspections"):
        assert shop.get(path).status == 403, path
        assert collaborator.get(path).status == 200, path


def test_a_sale_is_sealed_in_the_receipt_chain_and_read_back_by_its_number(desk: dict[str, Any]) -> None:
    api = desk["api"]
    assert api.get("/api/compliance/receipts").body["items"] == []
    lot = commit_lot(api, family_id=desk["family"], supplier_id=desk["supplier"], prices=["10.00"])
    ref = lot["articles"][0]["ref"]
    sold = api.post("/api/actions/sell", {"refs": [ref], "date": time.strftime("%Y-%m-%d", time.gmtime()),
                                          "payment_method": "card", "prices": {ref: "25.00"}})
    assert sold.status in (200, 201), sold.body
    number = sold.body["sale"]["receipt_number"]
    (item,) = api.get("/api/compliance/receipts").body["items"]
    assert (item["kind"], item["number"], item["transaction_ref"]) == ("sale", number,
                                                                       sold.body["sale"]["transaction_ref"])
    assert item["prev_sha256"] == "0" * 64  # its own chain, apart from the police register
    content = api.get(f"/api/compliance/receipts/{number}")
    assert content.status == 200
    assert content.body["chain"] == "receipt"
    assert content.body["content"]["ticket_number"] == number
    assert hashlib.sha256(json.dumps(content.body, sort_keys=True, separators=(",", ":"),
                                     ensure_ascii=False).encode()).hexdigest() == item["sha256"]
    assert api.get("/api/compliance/receipts/999999").status == 404
    assert _broken(api) is None


# ---------------------------------------------------------------- the sealer itself


def test_a_binary_journal_payload_reaches_the_sealer_base64_encoded_as_from_aws(
    tenant: TenantSession, aws_stack: Any
) -> None:
    """Guards fix 3 of infrastructure/local/moto_fixes.py: moto alone fails the write."""
    payload = gzip.compress(json.dumps({"record": "inspection", "text": "Écrit à la main"}).encode())
    _client("dynamodb", aws_stack).put_item(TableName=_table(aws_stack, "journal"), Item={
        "tenant_id": {"S": tenant.tenant_id}, "seq": {"S": "20240502T091403.000000#00000001"},
        "kind": {"S": "inspection"}, "subject": {"S": "insp_1"}, "payload": {"B": payload},
        "at": {"S": "2024-05-02T09:14:03.000000+0000"}})
    (entry,) = _entries(tenant.tenant_id, "inspection")
    assert json.loads(_object(aws_stack, entry)["Body"].read())["content"]["text"] == "Écrit à la main"



def test_the_same_stream_records_delivered_again_seal_nothing_twice(desk: dict[str, Any], aws_stack: Any) -> None:
    tenant_id = desk["tenant"].tenant_id
    _commit(desk)
    _commit(desk)
    before = _entries(tenant_id)
    event = _stream_event(aws_stack, _journal_images(aws_stack, tenant_id))
    _deliver(event)
    _deliver({"Records": event["Records"] + event["Records"]})  # and twice in one batch
    after = _entries(tenant_id)
    assert [(e.rank, e.seq, e.sha256, e.version_id) for e in after] == [
        (e.rank, e.seq, e.sha256, e.version_id) for e in before]
    versions = _versions(aws_stack, after[0].bucket, f"{tenant_id}/police_register/")
    assert len(versions) == 2


def test_a_sealed_entrys_claim_comes_back_as_a_plain_record_of_its_rank_and_hash(desk: dict[str, Any]) -> None:
    """What the sealer checks before sealing an entry again is a plain, frozen record, not
    a storage item (issue 16: no pynamodb model outside the adapters)."""
    import dataclasses

    from pynamodb.models import Model

    from chalicelib.adapters.repositories import sealed_records

    tenant_id = desk["tenant"].tenant_id
    _commit(desk)
    entry = _entries(tenant_id)[-1]
    claims = sealed_records.claims(tenant_id, [entry.seq, "20000101T000000.000000#unsealed"])
    assert list(claims) == [entry.seq]  # an entry never sealed has no claim
    claim = claims[entry.seq]
    assert dataclasses.is_dataclass(claim) and not isinstance(claim, Model)
    assert (claim.tenant_id, claim.seq, claim.chain, claim.rank, claim.sha256) == (
        tenant_id, entry.seq, "police_register", entry.rank, entry.sha256)
    with pytest.raises(dataclasses.FrozenInstanceError):
        claim.rank = 1  # type: ignore[misc]
    assert sealed_records.claims_of([(tenant_id, entry.seq)]) == {(tenant_id, entry.seq): claim}


def test_a_vault_failure_makes_the_handler_raise_and_a_redelivery_seals_each_entry_once(
    desk: dict[str, Any], aws_stack: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.adapters import vault
    from chalicelib.services.sealing import SealingError

    tenant_id = desk["tenant"].tenant_id
    real_put = vault.put_sealed
    calls = {"n": 0}

    def failing(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        raise vault.VaultError("S3 ne répond pas")

    monkeypatch.setattr(vault, "put_sealed", failing)
    first = _commit(desk)  # the API answers; the bridge's delivery failed (moto does not retry)
    second = _commit(desk)
    assert calls["n"] >= 2
    assert _entries(tenant_id) == []
    event = _stream_event(aws_stack, _journal_images(aws_stack, tenant_id))
    with pytest.raises(SealingError):
        _deliver(event)

    # S3 answers again, but stores the first object and fails before the index is written.
    def store_then_crash(*args: Any, **kwargs: Any) -> Any:
        real_put(*args, **kwargs)
        raise vault.VaultError("coupure après l'écriture")

    monkeypatch.setattr(vault, "put_sealed", store_then_crash)
    with pytest.raises(SealingError):
        _deliver(event)

    monkeypatch.setattr(vault, "put_sealed", real_put)
    _deliver(event)
    _deliver(event)
    entries = _entries(tenant_id)
    assert [(e.rank, e.subject) for e in entries] == [(1, first), (2, second)]
    versions = _versions(aws_stack, entries[0].bucket, f"{tenant_id}/police_register/")
    assert sorted(v["Key"] for v in versions) == sorted(e.key for e in entries)  # one version per key
    assert _broken(desk["api"]) is None


def test_a_pending_rank_left_by_a_crash_is_finished_by_the_next_record_of_the_chain(
    desk: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.adapters import vault

    real_put = vault.put_sealed
    monkeypatch.setattr(vault, "put_sealed", lambda *a, **k: (_ for _ in ()).throw(vault.VaultError("panne")))
    first = _commit(desk)
    monkeypatch.setattr(vault, "put_sealed", real_put)
    second = _commit(desk)  # its own delivery completes the first, in order
    assert [(e.rank, e.subject) for e in _entries(desk["tenant"].tenant_id)] == [(1, first), (2, second)]


def test_a_poison_record_is_reported_without_holding_back_the_others(
    desk: dict[str, Any], aws_stack: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.adapters import vault
    from chalicelib.services.sealing import SealingError

    tenant_id = desk["tenant"].tenant_id
    real_put = vault.put_sealed
    monkeypatch.setattr(vault, "put_sealed", lambda *a, **k: (_ for _ in ()).throw(vault.VaultError("panne")))
    ref = _commit(desk)
    monkeypatch.setattr(vault, "put_sealed", real_put)
    (good,) = _journal_images(aws_stack, tenant_id)
    poison = dict(good, seq={"S": good["seq"]["S"] + "-poison"}, payload={"B": b"pas du gzip"})
    event = _stream_event(aws_stack, [poison, good])
    with pytest.raises(SealingError) as raised:
        _deliver(event)
    assert [f["seq"] for f in raised.value.failures] == [poison["seq"]["S"]]
    assert raised.value.failures[0]["poison"] == "true"
    assert [(e.rank, e.subject) for e in _entries(tenant_id)] == [(1, ref)]
    with pytest.raises(SealingError):  # reported on every delivery, until AWS gives up on it
        _deliver(event)
    assert len(_entries(tenant_id)) == 1
    unknown = dict(good, seq={"S": good["seq"]["S"] + "-x"}, kind={"S": "lunch_break"})
    with pytest.raises(SealingError, match="no chain"):
        _deliver(_stream_event(aws_stack, [unknown]))


def test_concurrent_sealers_of_one_chain_hand_out_gap_free_ranks(
    desk: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from chalicelib.adapters.repositories import journal
    from chalicelib.services import sealing

    tenant_id = desk["tenant"].tenant_id
    with monkeypatch.context() as lost:  # the stream's deliveries are lost: nothing sealed yet
        lost.setattr(sealing, "seal_stream_records", lambda records: None)
        seqs = [journal.put_journal(tenant_id, "inspection", f"insp_{n}", {"record": "inspection", "text": str(n)})
                for n in range(20)]
    assert _entries(tenant_id, "inspection") == []
    journal = [journal.get_journal(tenant_id, seq) for seq in seqs]
    # Without the process's own lock per chain: as sealers in separate Lambda containers.
    monkeypatch.setattr(sealing, "_chain_lock", lambda tenant_id, chain: threading.Lock())
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def seal_some(offset: int) -> None:
        try:
            start.wait()
            sealing.seal_journal_records(journal[offset:] + journal)  # overlapping batches
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=seal_some, args=(n * 3,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    entries = _entries(tenant_id, "inspection")
    assert [e.rank for e in entries] == list(range(1, 21))
    assert sorted(e.seq for e in entries) == sorted(seqs)
    assert _broken(desk["api"]) is None


# ---------------------------------------------------------------- the vault's guarantees


def test_a_sealed_version_cannot_be_deleted_and_an_overwrite_is_found_by_verification(
    desk: dict[str, Any], aws_stack: Any
) -> None:
    _commit(desk)
    (entry,) = _entries(desk["tenant"].tenant_id)
    s3 = _s3(aws_stack)
    with pytest.raises(ClientError) as refused:
        s3.delete_object(Bucket=entry.bucket, Key=entry.key, VersionId=entry.version_id)
    assert refused.value.response["Error"]["Code"] == "AccessDenied"
    assert _broken(desk["api"]) is None

    forged = s3.put_object(Bucket=entry.bucket, Key=entry.key, Body=b'{"forged": true}')
    assert forged["VersionId"] != entry.version_id
    assert _broken(desk["api"]) == ("police_register", 1, "overwritten")
    # What was sealed is still served as it was sealed.
    assert desk["api"].get("/api/compliance/police-files/1").headers["X-Lotbook-Version-Id"] == entry.version_id


def _index_table(aws_stack: Any) -> str:
    return _table(aws_stack, "sealed")


def _index_key(tenant_id: str, rank: int, chain: str = "police_register") -> dict[str, Any]:
    return {"tenant_id": {"S": tenant_id}, "position": {"S": f"{chain}#{rank:010d}"}}


def _checked(result: dict[str, Any]) -> dict[str, int]:
    """Records checked per chain (every company also has its event log: logins...)."""
    return {c["chain"]: c["checked"] for c in result["chains"]}


def test_verification_finds_an_index_entry_whose_hash_was_edited(desk: dict[str, Any], aws_stack: Any) -> None:
    for _ in range(3):
        _commit(desk)
    assert _checked(_verify(desk["api"]))["police_register"] == 3
    _client("dynamodb", aws_stack).update_item(
        TableName=_index_table(aws_stack), Key=_index_key(desk["tenant"].tenant_id, 2),
        UpdateExpression="SET sha256 = :s", ExpressionAttributeValues={":s": {"S": "ab" * 32}})
    result = _verify(desk["api"])
    assert result["ok"] is False
    assert result["first_broken"]["chain"] == "police_register"
    assert (result["first_broken"]["rank"], result["first_broken"]["reason"]) == (2, "hash_mismatch")
    assert result["first_broken"]["message"]


def test_verification_finds_a_deleted_index_entry(desk: dict[str, Any], aws_stack: Any) -> None:
    for _ in range(3):
        _commit(desk)
    _client("dynamodb", aws_stack).delete_item(TableName=_index_table(aws_stack),
                                               Key=_index_key(desk["tenant"].tenant_id, 2))
    assert _broken(desk["api"]) == ("police_register", 2, "missing")


def test_verification_finds_two_index_entries_swapped(desk: dict[str, Any], aws_stack: Any) -> None:
    for _ in range(3):
        _commit(desk)
    ddb = _client("dynamodb", aws_stack)
    tenant_id = desk["tenant"].tenant_id
    one = ddb.get_item(TableName=_index_table(aws_stack), Key=_index_key(tenant_id, 1))["Item"]
    two = ddb.get_item(TableName=_index_table(aws_stack), Key=_index_key(tenant_id, 2))["Item"]
    ddb.put_item(TableName=_index_table(aws_stack), Item=dict(two, position=one["position"], rank=one["rank"]))
    ddb.put_item(TableName=_index_table(aws_stack), Item=dict(one, position=two["position"], rank=two["rank"]))
    assert _broken(desk["api"]) == ("police_register", 1, "out_of_order")


def test_verification_finds_a_tail_dropped_after_an_anchored_head(desk: dict[str, Any], aws_stack: Any) -> None:
    from chalicelib.services import sealing

    api, tenant_id = desk["api"], desk["tenant"].tenant_id
    for _ in range(3):
        _commit(desk)
    assert sealing.anchor_tenant(tenant_id) is not None
    assert sealing.anchor_tenant(tenant_id) is None  # nothing new to anchor
    (anchor,) = _entries(tenant_id, "chain_head")
    sealed = json.loads(_object(aws_stack, anchor)["Body"].read())
    heads = [h for h in sealed["content"]["heads"] if h["chain"] != "event"]  # the logins' event log aside
    assert heads == [{"chain": "police_register", "rank": 3, "sha256": _entries(tenant_id)[2].sha256}]
    checked = _checked(_verify(api))
    assert (checked["police_register"], checked["chain_head"]) == (3, 1)

    # Whoever drops the tail from the index and winds the head back...
    ddb = _client("dynamodb", aws_stack)
    ddb.delete_item(TableName=_index_table(aws_stack), Key=_index_key(tenant_id, 3))
    ddb.update_item(TableName=_table(aws_stack, "chain_heads"),
                    Key={"tenant_id": {"S": tenant_id}, "chain": {"S": "police_register"}},
                    UpdateExpression="SET sealed = :r, reserved = :r, sha256 = :s",
                    ExpressionAttributeValues={":r": {"N": "2"}, ":s": {"S": _entries(tenant_id)[1].sha256}})
    # ...is caught by the sealed head (and the vault still holds the object).
    assert _broken(api) == ("police_register", 3, "cut_tail")


def test_the_daily_anchor_fired_by_the_local_scheduler_seals_every_tenants_heads(
    desk: dict[str, Any], other_tenant: TenantSession, aws_stack: Any
) -> None:
    from app import app
    from infrastructure.local.scheduler import LocalScheduler, invoke_through_moto

    _commit(desk)
    scheduler = LocalScheduler(app, invoke_through_moto(aws_stack.endpoint, aws_stack.region))
    assert scheduler.fire("anchor_chain_heads")["anchored"] >= 1  # through moto's Lambda and the bridge
    assert [e.rank for e in _entries(desk["tenant"].tenant_id, "chain_head")] == [1]
    # The other company has sealed nothing but its event log (its manager's login): only that is anchored.
    anchors = _entries(other_tenant.tenant_id, "chain_head")
    assert [h["chain"] for a in anchors for h in json.loads(_object(aws_stack, a)["Body"].read())["content"]["heads"]
            ] in ([], ["event"])


# ---------------------------------------------------------------- inspections


def test_inspections_are_appended_with_their_md5_and_sha256_and_sealed(desk: dict[str, Any], aws_stack: Any) -> None:
    tenant = desk["tenant"]
    back_office = tenant.add_user("collaborator")  # appended by the back office (DOMAIN.md), not the till
    text = "Contrôle du livre de police : registre tenu à jour.\nAucune anomalie relevée."
    reply = back_office.post("/api/compliance/inspections", {
        "inspector": "Brigadier Martin", "service": "Commissariat de Nancy", "email": "martin@interieur.gouv.fr",
        "text": text})
    assert reply.status == 201, reply.body
    created = reply.body
    assert created["md5"] == hashlib.md5(text.encode()).hexdigest()
    assert created["sha256"] == hashlib.sha256(text.encode()).hexdigest()
    assert created["seal"]["number"] == "1"
    second = desk["api"].post("/api/compliance/inspections", {
        "inspector": "Mme Durand", "service": "DGDDI", "email": "durand@douane.gouv.fr", "text": "RAS"})
    assert second.status == 201
    listed = desk["api"].get("/api/compliance/inspections").body
    assert [i["inspector"] for i in listed["items"]] == ["Brigadier Martin", "Mme Durand"]
    assert listed["items"][0]["text"] == text

    (entry, _) = _entries(tenant.tenant_id, "inspection")
    sealed = json.loads(_object(aws_stack, entry)["Body"].read())
    assert sealed["content"]["sha256"] == created["sha256"]
    assert sealed["content"]["text"] == text
    assert entry.sha256 == created["seal"]["sha256"]

    # Append-only: no route edits or deletes one, and the table refuses a second write of an id.
    assert desk["api"].put("/api/compliance/inspections", {"text": "x"}).status in (404, 405)
    assert desk["api"].delete("/api/compliance/inspections").status in (404, 405)
    from chalicelib.adapters.repositories import inspection_reports

    stored = inspection_reports.list_inspections(tenant.tenant_id)[0]
    with pytest.raises(inspection_reports.InspectionExistsError):
        inspection_reports.add_inspection(tenant.tenant_id, stored, {"record": "inspection", "text": "réécrit"})
    assert inspection_reports.list_inspections(tenant.tenant_id)[0].text == text
    bad = desk["api"].post("/api/compliance/inspections", {"inspector": "", "email": "pas-un-email", "text": ""})
    assert bad.status == 400
    assert {"inspector", "service", "email", "text"} <= set(bad.body["error"]["details"])
    assert _broken(desk["api"]) is None


def test_the_verification_also_runs_as_a_job_for_long_chains(tenant: Any) -> None:
    import time

    from tests.support import commit_lot

    api = tenant.api
    family = api.post("/api/families", {"label": "Bijoux"}).body["id"]
    supplier = api.post("/api/suppliers", {"last_name": "Durand"}).body["id"]
    commit_lot(api, family_id=family, supplier_id=supplier, prices=["10.00"])
    started = api.post("/api/compliance/verify")
    assert started.status == 202
    deadline = time.monotonic() + 20
    while True:
        job = api.get(f"/api/jobs/{started.body['job_id']}").body
        if job["status"] != "running" or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert job["status"] == "succeeded", job
    assert job["progress"] == 1
    assert job["result"]["ok"] is True
    assert job["result"]["checked"] == api.get("/api/compliance/verify").body["checked"] >= 1
    assert tenant.add_user("shop").post("/api/compliance/verify").status == 403
