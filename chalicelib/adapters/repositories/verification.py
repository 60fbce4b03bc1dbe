"""The verification's tenant-wide reads, lean (issue 17: a 10,000-record chain in < 5 s).

The verification reads every index item of a chain and every live lot and article of
the tenant, each time. Read as models, whole, most of that time went to attributes it
never looks at (an index item's summary and lookup keys, an article's index keys, slim
and undo copies) and to building a pynamodb model per item. Here each read names the
attributes it uses (``ProjectionExpression``) and turns the items into plain values
straight from the page: the same values the models would give, for what the
verification compares (``tests/functional/test_verification_checkpoints.py``).

Nothing is left out that a tampering could hide in: the index digest covers the same
fields as before (``chalicelib/domain/checkpoint.py``), and the live-data check
compares fields of an article's and a lot's ``data``, read whole.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from chalicelib.adapters.aws import ensure_models_bound, wire_dynamodb_client
from chalicelib.adapters.models import ArticleModel, LotModel, SealedRecordModel
from chalicelib.adapters.repositories.sealed_records import Entry

# What checking a chain reads of an index item: the hashes and links, where the record is,
# and what its retention and the in-flight check need.
PROOF = ("rank", "seq", "number", "sealed_at", "sha256", "prev_sha256", "key", "version_id", "retain_until")
ARTICLE = ("ref", "lot_ref", "status", "data")
LOT = ("ref", "kind", "data", "version")


def plain_query(model: Any, hash_value: str, attributes: tuple[str, ...], range_prefix: str | None = None,
                consistent_read: bool = False) -> Iterator[dict[str, Any]]:
    """The items under ``hash_value`` (whose range key starts with ``range_prefix``), in
    range-key order, with only ``attributes``, as DynamoDB JSON (``{"S": ...}``): the page's
    JSON as sent (``aws.wire_dynamodb_client``), not walked attribute by attribute by botocore."""
    ensure_models_bound()
    names = {f"#a{n}": name for n, name in enumerate(attributes)}
    names["#h"] = model._hash_keyname
    values: dict[str, Any] = {":h": {"S": hash_value}}
    condition = "#h = :h"
    if range_prefix is not None:
        names["#r"], values[":r"] = model._range_keyname, {"S": range_prefix}
        condition += " AND begins_with(#r, :r)"
    request: dict[str, Any] = {
        "TableName": model.Meta.table_name, "KeyConditionExpression": condition,
        "ExpressionAttributeNames": names, "ExpressionAttributeValues": values,
        "ProjectionExpression": ", ".join(n for n in names if n.startswith("#a")),
        "ConsistentRead": consistent_read}
    client = wire_dynamodb_client()
    while True:
        page = client.query(**request)
        yield from page.get("Items", [])
        if not page.get("LastEvaluatedKey"):
            return
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _text(item: dict[str, Any], name: str) -> str:
    value = item.get(name) or {}
    return str(value.get("S", value.get("N", "")))


def _number(item: dict[str, Any], name: str) -> int:
    text = _text(item, name)
    try:
        return int(text)
    except ValueError:
        return 0  # an index item without a rank: its chain reports it out of place


def _json(item: dict[str, Any], name: str) -> Any:
    text = (item.get(name) or {}).get("S")
    return json.loads(text, strict=False) if text is not None else None  # as pynamodb's JSONAttribute


def chain_proofs(tenant_id: str, chain: str) -> list[Entry]:
    """Every index item of a chain, in rank order (strongly consistent), with what its
    verification reads: no summary, subject, bucket, kind or retention mode (empty)."""
    return [Entry(tenant_id, chain, _number(item, "rank"), _text(item, "seq"), "", _text(item, "number"), "",
                  _text(item, "sealed_at"), _text(item, "sha256"), _text(item, "prev_sha256"), "",
                  _text(item, "key"), _text(item, "version_id"), "", _text(item, "retain_until"))
            for item in plain_query(SealedRecordModel, tenant_id, PROOF, f"{chain}#", consistent_read=True)]


def articles(tenant_id: str) -> Iterator[dict[str, Any]]:
    """Every article of the tenant, as ``articles.all_articles`` gives it."""
    for item in plain_query(ArticleModel, tenant_id, ARTICLE):
        yield {"ref": _text(item, "ref"), "lot_ref": _text(item, "lot_ref"), "status": _text(item, "status"),
               **(_json(item, "data") or {})}


def lots(tenant_id: str) -> list[dict[str, Any]]:
    """Every lot of the tenant, as ``lots.list_lots`` gives it."""
    return [{"ref": _text(item, "ref"), "kind": _text(item, "kind"), **(_json(item, "data") or {}),
             "_version": _number(item, "version") if "version" in item else None}
            for item in plain_query(LotModel, tenant_id, LOT)]
