"""Sealing never stops silently: a damaged index makes the sealer fail loudly, the failure
shows in ``GET /api/health`` (counts only) and in the tenant's verification screen
(``GET /api/compliance/sealing``), and the ``retry_sealing`` schedule seals the entry once
the damage is repaired. Locally moto never retries a failed stream handler, which is
what made the loss silent: a commit answered 201 whose entry never reached the register.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.functional.test_vault import (
    _broken,
    _client,
    _commit,
    _deliver,
    _entries,
    _journal_images,
    _stream_event,
    _table,
)
from tests.functional.test_vault import desk as vault_desk  # noqa: F401 - a fixture
from tests.support import TenantSession


def _health(api: Any) -> dict[str, Any]:
    from chalicelib.api import accounts

    accounts._health_cache.clear()  # the container's 30 s reuse, skipped for the test
    reply = api.as_(None).get("/api/health")
    assert reply.status == 200, reply.body
    return dict(reply.body)


def _unsealed(body: dict[str, Any]) -> int:
    return int(body.get("details", {}).get("sealing", {}).get("unsealed", 0))


def _claimed(aws_stack: Any, tenant_id: str) -> set[str]:
    items = _client("dynamodb", aws_stack).query(
        TableName=_table(aws_stack, "seal_claims"), KeyConditionExpression="tenant_id = :t",
        ExpressionAttributeValues={":t": {"S": tenant_id}}, ConsistentRead=True)["Items"]
    return {i["seq"]["S"] for i in items}


def test_a_forged_claim_no_longer_silences_an_entry_and_the_retry_seals_it_once_repaired(
    vault_desk: dict[str, Any],  # noqa: F811 - the fixture imported above
    aws_stack: Any, other_tenant: TenantSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.services import sealing

    desk = vault_desk
    api, tenant_id = desk["api"], desk["tenant"].tenant_id
    unsealed_before = _unsealed(_health(api))
    monkeypatch.setattr(sealing, "seal_stream_records", lambda records: None)  # the stream is late
    lot = _commit(desk)
    monkeypatch.undo()
    [image] = _journal_images(aws_stack, tenant_id)
    seq = image["seq"]["S"]

    # The index is damaged: a claim says the entry is sealed, no sealed record is it.
    claims = _table(aws_stack, "seal_claims")
    _client("dynamodb", aws_stack).put_item(TableName=claims, Item={
        "tenant_id": {"S": tenant_id}, "seq": {"S": seq}, "chain": {"S": "police_register"},
        "rank": {"N": "1"}, "sha256": {"S": "0" * 64}})
    with pytest.raises(sealing.SealingError, match="claimed"):  # was: skipped as a duplicate, silently
        _deliver(_stream_event(aws_stack, [image]))
    assert _entries(tenant_id) == []

    health = _health(api)
    assert health["status"] == "degraded" and _unsealed(health) == unsealed_before + 1
    assert tenant_id not in str(health) and lot not in str(health)  # public: counts only
    status = api.get("/api/compliance/sealing").body
    assert status["ok"] is False and [u["seq"] for u in status["unsealed"]] == [seq]
    assert status["unsealed"][0]["attempts"] == 1 and status["unsealed"][0]["kind"] == "lot_committed"
    assert other_tenant.api.get("/api/compliance/sealing").body == {"ok": True, "unsealed": []}
    shop = desk["tenant"].add_user("shop")
    assert shop.get("/api/compliance/sealing").status == 403

    # Still damaged: the schedule's retry fails again and counts it; repaired: it seals.
    sealing.retry_failures()
    assert api.get("/api/compliance/sealing").body["unsealed"][0]["attempts"] == 2
    _client("dynamodb", aws_stack).delete_item(TableName=claims, Key={"tenant_id": {"S": tenant_id},
                                                                      "seq": {"S": seq}})
    sealing.retry_failures()
    assert [(e.rank, e.subject) for e in _entries(tenant_id)] == [(1, lot)]
    assert api.get("/api/compliance/sealing").body == {"ok": True, "unsealed": []}
    assert _unsealed(_health(api)) == unsealed_before
    assert _broken(api) is None
    _deliver(_stream_event(aws_stack, [image]))  # a late redelivery now finds a claim that holds
    assert len(_entries(tenant_id)) == 1


def test_a_commit_after_the_chain_head_was_damaged_is_answered_and_shows_unsealed_until_repaired(
    vault_desk: dict[str, Any], aws_stack: Any  # noqa: F811 - the fixture imported above
) -> None:
    from chalicelib.services import sealing

    desk = vault_desk
    api, tenant_id = desk["api"], desk["tenant"].tenant_id
    first = _commit(desk)
    [sealed] = _entries(tenant_id)
    heads = _table(aws_stack, "chain_heads")
    key = {"tenant_id": {"S": tenant_id}, "chain": {"S": "police_register"}}
    ddb = _client("dynamodb", aws_stack)
    ddb.update_item(TableName=heads, Key=key, UpdateExpression="SET sealed = :z, reserved = :z",
                    ExpressionAttributeValues={":z": {"N": "0"}})  # the head forgot rank 1

    second = _commit(desk)  # the dealer is told it is saved...
    assert [e.subject for e in _entries(tenant_id)] == [first]  # ...but it could not be sealed
    status = api.get("/api/compliance/sealing").body
    assert status["ok"] is False and len(status["unsealed"]) == 1
    assert _health(api)["status"] == "degraded"

    ddb.update_item(TableName=heads, Key=key, UpdateExpression="SET sealed = :one, reserved = :one, sha256 = :h "
                    "REMOVE pending", ExpressionAttributeValues={":one": {"N": "1"}, ":h": {"S": sealed.sha256}})
    sealing.retry_failures()
    assert [(e.rank, e.subject) for e in _entries(tenant_id)] == [(1, first), (2, second)]
    assert api.get("/api/compliance/sealing").body["ok"] is True
    assert status["unsealed"][0]["seq"] in _claimed(aws_stack, tenant_id)
    assert _broken(api) is None
