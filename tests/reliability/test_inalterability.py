"""Every way to change history is refused, or found by ``GET /api/compliance/verify``.

tests/functional/test_vault.py already shows: deleting a sealed version refused by
Object Lock; a new version stored over a record found ("overwritten"); an index
entry's hash edited, an entry deleted, two swapped, the tail cut after an anchor.
Here: what an operator with write access to the tables and the bucket could still
try — a delete marker, a shortened retention, a forged version the index is
pointed at (the chain's last record, which no later link protects), an index
entry renumbered or relinked, the tail dropped before any anchor — and a sweep of
the API proving that no route edits or deletes a sealed record.

moto (5.2.5) differs from S3 in one respect used here: it lets a COMPLIANCE
retention be shortened (and the mode changed), which S3 refuses. The tests accept
either answer from the bucket, and require the verification to report the record
whose retention no longer holds — so the guarantee does not rest on the bucket alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.support import Api, TenantSession, commit_lot, free_port, http_transport

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# The only writes on legal-record routes, reviewed: both add, neither changes what is sealed.
# Reviewed: an inspection report is appended (never edited); the verification writes only its
# checkpoints; a fiscal archive is a new, write-once, locked object beside the chains.
REVIEWED_WRITES = {("POST", "/api/compliance/inspections"), ("POST", "/api/compliance/verify"),
                   ("POST", "/api/compliance/archives")}


@pytest.fixture
def books(tenant: TenantSession) -> dict[str, Any]:
    """Three lots in the police register and two receipts: two chains to tamper with."""
    api = tenant.api
    family = api.post("/api/families", {"label": "Bijoux"}).body["id"]
    supplier = api.post("/api/suppliers", {"last_name": "Martin"}).body["id"]
    lots = [commit_lot(api, family_id=family, supplier_id=supplier, prices=["10.00", "20.00"]) for _ in range(3)]
    refs = [a["ref"] for lot in lots for a in lot["articles"]]
    for ref in refs[:2]:
        assert api.post("/api/actions/sell", {"refs": [ref], "date": "2021-03-01", "payment_method": "card",
                                              "prices": {ref: "50.00"}}).status == 200
    return {"api": api, "tenant_id": tenant.tenant_id, "lots": [lot["lot"]["ref"] for lot in lots], "refs": refs}


def _client(aws_stack: Any, service: str) -> Any:
    return boto3.client(service, endpoint_url=aws_stack.endpoint, region_name=aws_stack.region)


def _entries(tenant_id: str, chain: str) -> list[Any]:
    from chalicelib.adapters.repositories import sealed_records

    return sealed_records.chain_entries(tenant_id, chain)


def _verify(api: Api) -> dict[str, Any]:
    reply = api.get("/api/compliance/verify")
    assert reply.status == 200, reply.body
    return dict(reply.body)


def _sealed(tenant_id: str) -> dict[str, list[tuple[int, str, str, str]]]:
    """What is sealed: per chain, (rank, sha256, key, version id)."""
    return {chain: [(e.rank, e.sha256, e.key, e.version_id) for e in _entries(tenant_id, chain)]
            for chain in ("police_register", "receipt", "closing", "inspection", "chain_head")}


def _index_key(tenant_id: str, chain: str, rank: int) -> dict[str, Any]:
    return {"tenant_id": {"S": tenant_id}, "position": {"S": f"{chain}#{rank:010d}"}}


def _table(aws_stack: Any, base: str) -> str:
    return f"lotbook-{aws_stack.stage}-{base}"


# ---------------------------------------------------------------- tampering, one case each


def _delete_marker(ctx: dict[str, Any]) -> None:
    entry = _entries(ctx["tenant_id"], "receipt")[0]
    ctx["s3"].delete_object(Bucket=entry.bucket, Key=entry.key)  # allowed: it hides, deletes nothing


def _shorten_retention(ctx: dict[str, Any]) -> None:
    entry = _entries(ctx["tenant_id"], "police_register")[1]
    try:
        ctx["s3"].put_object_retention(Bucket=entry.bucket, Key=entry.key, VersionId=entry.version_id, Retention={
            "Mode": "COMPLIANCE", "RetainUntilDate": datetime.now(UTC) + timedelta(days=1)})
    except ClientError as refused:  # what S3 answers
        assert refused.response["Error"]["Code"] == "AccessDenied"
        ctx["refused"] = True


def _weaken_retention_mode(ctx: dict[str, Any]) -> None:
    entry = _entries(ctx["tenant_id"], "police_register")[2]
    try:
        ctx["s3"].put_object_retention(Bucket=entry.bucket, Key=entry.key, VersionId=entry.version_id, Retention={
            "Mode": "GOVERNANCE", "RetainUntilDate": datetime.now(UTC) + timedelta(days=3650)})
    except ClientError as refused:
        assert refused.response["Error"]["Code"] == "AccessDenied"
        ctx["refused"] = True


def _forge_the_last_record(ctx: dict[str, Any]) -> None:
    """A new version of the tail object with other content, correctly hashed and linked, and
    the index and the head pointed at it: only the vault's version history tells."""
    import json

    from chalicelib.domain import seal

    tenant_id = ctx["tenant_id"]
    entry = _entries(tenant_id, "police_register")[-1]
    stored = json.loads(ctx["s3"].get_object(Bucket=entry.bucket, Key=entry.key)["Body"].read())
    stored["content"]["lot"]["purchase_price"] = "1.00"
    (forged,) = seal.seal_many("police_register", entry.rank, entry.prev_sha256,
                               [(entry.kind, stored["content"], stored["sealed_at"])])
    version = ctx["s3"].put_object(Bucket=entry.bucket, Key=entry.key, Body=forged.body)["VersionId"]
    ctx["ddb"].update_item(TableName=_table(ctx["aws"], "sealed"), Key=_index_key(tenant_id, "police_register",
                                                                                    entry.rank),
                           UpdateExpression="SET sha256 = :s, version_id = :v",
                           ExpressionAttributeValues={":s": {"S": forged.sha256}, ":v": {"S": version}})
    ctx["ddb"].update_item(TableName=_table(ctx["aws"], "chain_heads"),
                           Key={"tenant_id": {"S": tenant_id}, "chain": {"S": "police_register"}},
                           UpdateExpression="SET sha256 = :s", ExpressionAttributeValues={":s": {"S": forged.sha256}})


def _renumber_a_receipt(ctx: dict[str, Any]) -> None:
    """The index's number is how a receipt is found: pointed at another record's number."""
    tenant_id = ctx["tenant_id"]
    ctx["ddb"].update_item(TableName=_table(ctx["aws"], "sealed"), Key=_index_key(tenant_id, "receipt", 2),
                           UpdateExpression="SET #n = :n, tenant_number = :t",
                           ExpressionAttributeNames={"#n": "number"},
                           ExpressionAttributeValues={":n": {"S": "01-00000001"},
                                                      ":t": {"S": f"{tenant_id}#receipt#01-00000001"}})


def _relink(ctx: dict[str, Any]) -> None:
    ctx["ddb"].update_item(TableName=_table(ctx["aws"], "sealed"),
                           Key=_index_key(ctx["tenant_id"], "police_register", 3),
                           UpdateExpression="SET prev_sha256 = :p", ExpressionAttributeValues={":p": {"S": "0" * 64}})


def _drop_the_tail_before_any_anchor(ctx: dict[str, Any]) -> None:
    tenant_id = ctx["tenant_id"]
    second = _entries(tenant_id, "receipt")[0]
    ctx["ddb"].delete_item(TableName=_table(ctx["aws"], "sealed"), Key=_index_key(tenant_id, "receipt", 2))
    ctx["ddb"].update_item(TableName=_table(ctx["aws"], "chain_heads"),
                           Key={"tenant_id": {"S": tenant_id}, "chain": {"S": "receipt"}},
                           UpdateExpression="SET sealed = :r, reserved = :r, sha256 = :s",
                           ExpressionAttributeValues={":r": {"N": "1"}, ":s": {"S": second.sha256}})


def _drop_the_last_index_item(ctx: dict[str, Any]) -> None:
    """The index loses its last item, the head still says it is sealed: not a record being
    sealed right now (the verification reads the head and that rank again before it says so)."""
    ctx["ddb"].delete_item(TableName=_table(ctx["aws"], "sealed"), Key=_index_key(ctx["tenant_id"], "receipt", 2))


def _overwrite_in_place(ctx: dict[str, Any]) -> None:
    """The same key and version: S3 has no such write; a put makes a new version, refused for the
    sealer by If-None-Match and found by the verification for anyone else."""
    entry = _entries(ctx["tenant_id"], "receipt")[1]
    with pytest.raises(ClientError) as refused:
        ctx["s3"].put_object(Bucket=entry.bucket, Key=entry.key, Body=b"{}", IfNoneMatch="*")
    assert refused.value.response["Error"]["Code"] in ("PreconditionFailed", "ConditionalRequestConflict")
    ctx["refused"] = True


TAMPERING: dict[str, tuple[Callable[[dict[str, Any]], None], tuple[str, int] | None]] = {
    "delete marker over a receipt": (_delete_marker, ("receipt", 1)),
    "retention shortened": (_shorten_retention, ("police_register", 2)),
    "retention mode weakened": (_weaken_retention_mode, ("police_register", 3)),
    "last record forged and the index pointed at it": (_forge_the_last_record, ("police_register", 3)),
    "receipt renumbered in the index": (_renumber_a_receipt, ("receipt", 2)),
    "link edited in the index": (_relink, ("police_register", 3)),
    "tail dropped before any anchor": (_drop_the_tail_before_any_anchor, ("receipt", 2)),
    "last index item deleted, the head as it was": (_drop_the_last_index_item, ("receipt", 2)),
    "conditional overwrite of a sealed key": (_overwrite_in_place, None),
}


@pytest.mark.parametrize("case", list(TAMPERING))
def test_tampering_is_refused_or_found_by_the_verification(books: dict[str, Any], aws_stack: Any, case: str) -> None:
    tamper, broken = TAMPERING[case]
    api, tenant_id = books["api"], books["tenant_id"]
    assert _verify(api)["ok"] is True
    before = _sealed(tenant_id)
    ctx = {"tenant_id": tenant_id, "aws": aws_stack, "s3": _client(aws_stack, "s3"),
           "ddb": _client(aws_stack, "dynamodb")}
    tamper(ctx)
    result = _verify(api)
    if broken is None or (ctx.get("refused") and _sealed(tenant_id) == before):
        assert ctx.get("refused"), case
        assert result["ok"] is True and _sealed(tenant_id) == before  # refused: nothing changed
        return
    assert result["ok"] is False, (case, result)
    first = result["first_broken"]
    assert (first["chain"], first["rank"]) == broken, (case, first)
    assert first["message"]  # in French, for the dealer


# ---------------------------------------------------------------- no route changes a sealed record


@pytest.fixture(scope="module")
def http(aws_stack: Any) -> Iterator[Any]:
    from app import app
    from infrastructure.local.server import LocalServer

    server = LocalServer(app, Path(__file__).resolve().parents[2] / "static-site", "127.0.0.1", free_port())
    server.start()
    yield http_transport(f"http://{server.server_address[0]}:{server.server_address[1]}")
    server.stop()


def _legal_record_routes() -> dict[str, set[str]]:
    from app import app

    return {path: set(methods) for path, methods in app.routes.items()
            if path.startswith("/api/compliance/") or path.endswith("/police-files")}


def test_no_route_edits_or_deletes_a_sealed_record(books: dict[str, Any], http: Any) -> None:
    api, tenant_id = Api(http, books["api"].token), books["tenant_id"]
    api.post("/api/compliance/inspections", {"inspector": "M. Petit", "service": "Police nationale",
                                             "email": "petit@interieur.gouv.fr", "text": "RAS"})
    before = _sealed(tenant_id)
    ids = {"id": "1", "number": "01-00000001", "ref": books["lots"][0], "period": "2026-11"}
    routes = _legal_record_routes()
    assert len(routes) >= 8
    declared_writes = {(m, p) for p, methods in routes.items() for m in methods if m in WRITE_METHODS}
    assert declared_writes == REVIEWED_WRITES, "a new write route on legal records: review it, then list it here"
    body = {"text": "réécrit", "sha256": "0" * 64, "content": {"forged": True}, "reason": "correction"}
    tried = 0
    for path, methods in routes.items():
        concrete = re.sub(r"{(\w+)}", lambda m: ids[m.group(1)], path)
        for method in WRITE_METHODS:
            if (method, path) in REVIEWED_WRITES:
                continue
            reply = api.call(method, concrete, body)
            assert reply.status in (404, 405), (method, concrete, reply.status, reply.body)
            assert method not in methods
            tried += 1
        for suffix in ("/1", "/01-00000001"):  # and what is not a route at all
            if "{" not in path:
                assert api.call("DELETE", concrete + suffix).status in (403, 404, 405)
    assert tried >= 25
    # What the business does to a lot or a sale adds records; it rewrites none.
    books["api"].patch(f"/api/lots/{books['lots'][0]}", {"payment_method": "cheque", "reason": "Erreur"})
    books["api"].post("/api/actions/customer_return", {"refs": books["refs"][:1], "date": "2021-03-02",
                                                       "reason": "Rayure"})
    after = _sealed(tenant_id)
    for chain, records in before.items():
        assert after[chain][:len(records)] == records, chain
    assert len(after["police_register"]) == 4 and len(after["receipt"]) == 3
    assert _verify(books["api"])["ok"] is True
