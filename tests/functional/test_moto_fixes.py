"""The local stack's fixes to moto (infrastructure/local/moto_fixes.py): DynamoDB transactions, S3 POST policies."""

from __future__ import annotations

import json
import uuid
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


@pytest.fixture
def table(aws_stack: Any) -> tuple[Any, Any, str]:
    ddb = boto3.client("dynamodb", endpoint_url=aws_stack.endpoint, region_name=aws_stack.region)
    name = f"probe-{uuid.uuid4().hex[:8]}"
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                     StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
    streams = boto3.client("dynamodbstreams", endpoint_url=aws_stack.endpoint, region_name=aws_stack.region)
    return ddb, streams, name


def _stream_records(streams: Any, ddb: Any, name: str) -> list[str]:
    arn = ddb.describe_table(TableName=name)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard,
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    return [r["dynamodb"]["Keys"]["k"]["S"] for r in streams.get_records(ShardIterator=iterator)["Records"]]


def _put(name: str, key: str, **extra: Any) -> dict[str, Any]:
    return {"Put": {"TableName": name, "Item": {"k": {"S": key}, "v": {"N": "1"}}, **extra}}


def test_a_cancelled_transaction_writes_nothing_and_streams_nothing(table: tuple[Any, Any, str]) -> None:
    ddb, streams, name = table
    ddb.put_item(TableName=name, Item={"k": {"S": "taken"}, "v": {"N": "7"}})
    with pytest.raises(ClientError) as caught:
        ddb.transact_write_items(TransactItems=[
            _put(name, "a"),
            _put(name, "taken", ConditionExpression="attribute_not_exists(k)",
                 ReturnValuesOnConditionCheckFailure="ALL_OLD"),
            _put(name, "b"),
        ])
    reasons = caught.value.response["CancellationReasons"]
    assert [r["Code"] for r in reasons] == ["None", "ConditionalCheckFailed", "None"]
    assert reasons[1]["Item"]["v"] == {"N": "7"}
    assert "Item" not in ddb.get_item(TableName=name, Key={"k": {"S": "a"}})
    assert _stream_records(streams, ddb, name) == ["taken"]

    ddb.transact_write_items(TransactItems=[_put(name, "a"), _put(name, "b")])
    assert _stream_records(streams, ddb, name) == ["taken", "a", "b"]


def test_two_operations_on_one_item_are_refused(table: tuple[Any, Any, str]) -> None:
    ddb, _, name = table
    with pytest.raises(ClientError) as caught:
        ddb.transact_write_items(TransactItems=[_put(name, "x"), _put(name, "x")])
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert "Item" not in ddb.get_item(TableName=name, Key={"k": {"S": "x"}})


def test_an_update_failing_late_undoes_the_writes_before_it(table: tuple[Any, Any, str]) -> None:
    ddb, _, name = table
    ddb.put_item(TableName=name, Item={"k": {"S": "old"}, "v": {"N": "1"}})
    with pytest.raises(ClientError):
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": name, "Item": {"k": {"S": "old"}, "v": {"N": "2"}}}},
            _put(name, "new"),
            {"Update": {"TableName": name, "Key": {"k": {"S": "other"}},
                        "UpdateExpression": "SET v = v + :one", "ExpressionAttributeValues": {":one": {"S": "x"}}}},
        ])
    assert ddb.get_item(TableName=name, Key={"k": {"S": "old"}})["Item"]["v"] == {"N": "1"}
    assert "Item" not in ddb.get_item(TableName=name, Key={"k": {"S": "new"}})


def test_items_come_back_exactly_as_stored(table: tuple[Any, Any, str]) -> None:
    """The serializer shortcut returns every attribute type as DynamoDB would."""
    ddb, _, name = table
    item = {"k": {"S": "all"}, "n": {"N": "12.50"}, "b": {"B": b"\x00\xffbin"}, "t": {"BOOL": True},
            "z": {"NULL": True}, "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "2"]},
            "m": {"M": {"inner": {"L": [{"S": "x"}, {"N": "3"}, {"M": {"deep": {"BOOL": False}}}]}}},
            "bs": {"BS": [b"one", b"two"]}}
    ddb.put_item(TableName=name, Item=item)
    got = ddb.get_item(TableName=name, Key={"k": {"S": "all"}})["Item"]
    assert {k: v for k, v in got.items() if k not in ("ss", "ns", "bs")} == {
        k: v for k, v in item.items() if k not in ("ss", "ns", "bs")}
    assert sorted(got["ss"]["SS"]) == ["a", "b"] and sorted(got["ns"]["NS"]) == ["1", "2"]
    assert sorted(got["bs"]["BS"]) == [b"one", b"two"]
    queried = ddb.query(TableName=name, KeyConditionExpression="k = :k",
                        ExpressionAttributeValues={":k": {"S": "all"}})["Items"]
    assert queried == [got]


def test_concurrent_conditional_transactions_on_one_item_let_exactly_one_through(
    table: tuple[Any, Any, str]
) -> None:
    import threading

    ddb, _, name = table
    for round_ in range(20):
        start = threading.Barrier(8)
        outcomes: list[str] = []

        def claim(n: int, round_: int = round_, start: threading.Barrier = start,
                  outcomes: list[str] = outcomes) -> None:
            start.wait()
            try:
                ddb.transact_write_items(TransactItems=[
                    _put(name, f"seat-{round_}", ConditionExpression="attribute_not_exists(k)"),
                    _put(name, f"claim-{round_}-{n}")])
                outcomes.append("won")
            except ClientError:
                outcomes.append("lost")

        threads = [threading.Thread(target=claim, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes) == ["lost"] * 7 + ["won"], round_


# ---------------------------------------------------------------- fix 6: presigned POST policies


@pytest.fixture
def probe_bucket(aws_stack: Any, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, str, list[dict[str, Any]]]:
    """A bucket whose ObjectCreated notifications reach a probe function: the events are recorded."""
    import io
    import zipfile

    from moto.awslambda.models import LambdaFunction

    s3 = boto3.client("s3", endpoint_url=aws_stack.endpoint, region_name=aws_stack.region)
    lam = boto3.client("lambda", endpoint_url=aws_stack.endpoint, region_name=aws_stack.region)
    iam = boto3.client("iam", endpoint_url=aws_stack.endpoint, region_name=aws_stack.region)
    name = f"probe-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": aws_stack.region})
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("probe.py", "def handler(event, context):\n    return None\n")
    role = iam.get_role(RoleName="lotbook-local-lambda")["Role"]["Arn"]
    arn = lam.create_function(FunctionName=name, Runtime="python3.11", Role=role, Handler="probe.handler",
                              Code={"ZipFile": archive.getvalue()})["FunctionArn"]
    s3.put_bucket_notification_configuration(Bucket=name, NotificationConfiguration={
        "LambdaFunctionConfigurations": [{"LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"]}]})
    events: list[dict[str, Any]] = []
    bridged = LambdaFunction._invoke_lambda

    def record(self: Any, event: Any = None) -> Any:
        if self.function_name != name:
            return bridged(self, event)
        events.append(json.loads(event) if isinstance(event, (str, bytes)) else event)
        return "null", False, ""

    monkeypatch.setattr(LambdaFunction, "_invoke_lambda", record)
    return s3, name, events


def _form_upload(post: dict[str, Any], content: bytes, **changed: str) -> Any:
    import requests

    return requests.post(post["url"], data={**post["fields"], **changed}, files={"file": ("f.png", content)},
                         timeout=30)


def _stored(s3: Any, bucket: str) -> list[str]:
    return [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]


def test_a_form_upload_the_policy_allows_is_stored_and_notified_as_a_post(
        probe_bucket: tuple[Any, str, list[dict[str, Any]]]) -> None:
    s3, bucket, events = probe_bucket
    post = s3.generate_presigned_post(bucket, "originals/a b.png", Fields={"Content-Type": "image/png"},
                                      Conditions=[{"Content-Type": "image/png"}, ["content-length-range", 1, 10]])
    reply = _form_upload(post, b"0123456789")
    assert reply.status_code == 204, reply.text
    assert _stored(s3, bucket) == ["originals/a b.png"]
    assert s3.head_object(Bucket=bucket, Key="originals/a b.png")["ContentType"] == "image/png"
    (event,) = events
    (record,) = event["Records"]
    assert record["eventName"] == "ObjectCreated:Post"
    assert record["s3"]["bucket"]["name"] == bucket
    assert (record["s3"]["object"]["key"], record["s3"]["object"]["size"]) == ("originals%2Fa+b.png", 10)


@pytest.mark.parametrize(("content", "changed", "status", "code"), [
    (b"0" * 11, {}, 400, "EntityTooLarge"),
    (b"", {}, 400, "EntityTooSmall"),
    (b"0", {"Content-Type": "text/html"}, 403, "AccessDenied"),
    (b"0", {"key": "originals/other.png"}, 403, "AccessDenied"),
    (b"0", {"x-amz-meta-owner": "pirate"}, 403, "AccessDenied"),  # a field no condition names
    (b"0", {"policy": "bm90IGpzb24="}, 400, "InvalidPolicyDocument"),
])
def test_a_form_upload_the_policy_refuses_stores_nothing_and_notifies_nothing(
        probe_bucket: tuple[Any, str, list[dict[str, Any]]], content: bytes, changed: dict[str, str],
        status: int, code: str) -> None:
    s3, bucket, events = probe_bucket
    post = s3.generate_presigned_post(bucket, "originals/a.png", Fields={"Content-Type": "image/png"},
                                      Conditions=[{"Content-Type": "image/png"}, ["content-length-range", 1, 10]])
    reply = _form_upload(post, content, **changed)
    assert reply.status_code == status, reply.text
    assert reply.headers["Content-Type"].startswith("application/xml")
    assert f"<Code>{code}</Code>" in reply.text
    assert _stored(s3, bucket) == [] and events == []


def test_an_expired_policy_is_refused(probe_bucket: tuple[Any, str, list[dict[str, Any]]]) -> None:
    import base64

    s3, bucket, events = probe_bucket
    post = s3.generate_presigned_post(bucket, "originals/a.png")
    policy = json.loads(base64.b64decode(post["fields"]["policy"]))
    policy["expiration"] = "2001-01-01T00:00:00Z"  # moto checks no signature: only the policy's content
    reply = _form_upload(post, b"0", policy=base64.b64encode(json.dumps(policy).encode()).decode())
    assert reply.status_code == 403
    assert "Policy expired" in reply.text
    assert _stored(s3, bucket) == [] and events == []


def test_a_starts_with_condition_holds_for_keys_under_its_prefix(
        probe_bucket: tuple[Any, str, list[dict[str, Any]]]) -> None:
    s3, bucket, _ = probe_bucket
    post = s3.generate_presigned_post(bucket, "uploads/${filename}",
                                      Conditions=[["starts-with", "$key", "uploads/"]])
    assert _form_upload(post, b"0", key="uploads/x.png").status_code == 204
    assert _form_upload(post, b"0", key="elsewhere/x.png").status_code == 403
    assert _stored(s3, bucket) == ["uploads/x.png"]


# -- 7. the partition-only query (infrastructure/local/moto_query.py) -------------------------

_PKS = ["a", "b", "c"]
_SKS = st.text(alphabet="abc", min_size=1, max_size=3)
_query_item = st.fixed_dictionaries(
    {"pk": st.sampled_from(_PKS), "sk": _SKS, "v": st.integers(0, 9)},
    optional={"gh": st.sampled_from(["x", "y"]), "gr": st.integers(0, 5), "gh2": st.sampled_from(["p", "q"]),
              "pad": st.text(alphabet="z", max_size=40)})
_condition = st.one_of(
    st.none(),
    st.tuples(st.sampled_from(["=", "<", "<=", ">", ">="]), st.integers(0, 5), st.just(None)),
    st.tuples(st.just("between"), st.integers(0, 5), st.integers(0, 5)),
    st.tuples(st.just("begins_with"), st.integers(0, 5), st.just(None)))
_query = st.fixed_dictionaries({
    "target": st.sampled_from(["table", "gi1", "gi2", "li1"]),
    "hash": st.integers(0, 2),
    "condition": _condition,
    "forward": st.booleans(),
    "limit": st.one_of(st.none(), st.integers(1, 4)),
    "filter": st.booleans(),
    "projection": st.booleans(),
    "count": st.booleans(),
})
_write = st.tuples(st.sampled_from(["put", "update", "delete", "batch", "transact"]), _query_item)


def _wire(item: dict[str, Any]) -> dict[str, Any]:
    return {k: ({"N": str(v)} if isinstance(v, int) else {"S": v}) for k, v in item.items()}


def _query_request(name: str, query: dict[str, Any]) -> dict[str, Any] | None:
    target = query["target"]
    hash_attr, hash_value, range_attr = {
        "table": ("pk", {"S": _PKS[query["hash"]]}, "sk"),
        "li1": ("pk", {"S": _PKS[query["hash"]]}, "v"),
        "gi1": ("gh", {"S": "xy"[query["hash"] % 2]}, "gr"),
        "gi2": ("gh2", {"S": "pq"[query["hash"] % 2]}, None),
    }[target]
    values: dict[str, Any] = {":h": hash_value}
    names = {"#h": hash_attr}
    expression = "#h = :h"
    condition = query["condition"]
    if condition is not None and range_attr is not None:
        op, first, second = condition
        names["#r"] = range_attr
        as_value = (lambda n: {"S": "abc"[n % 3] * (1 + n // 3)}) if range_attr == "sk" else (
            lambda n: {"N": str(n)})
        if op == "begins_with" and range_attr != "sk":
            op = ">="
        values[":r1"] = as_value(first)
        if op == "between":
            low, high = sorted([first, second])
            values[":r1"], values[":r2"] = as_value(low), as_value(high)
            expression += " AND #r BETWEEN :r1 AND :r2"
        elif op == "begins_with":
            expression += " AND begins_with(#r, :r1)"
        else:
            expression += f" AND #r {op} :r1"
    request: dict[str, Any] = {"TableName": name, "KeyConditionExpression": expression,
                               "ExpressionAttributeNames": names, "ExpressionAttributeValues": values,
                               "ScanIndexForward": query["forward"]}
    if target != "table":
        request["IndexName"] = target
    if query["limit"]:
        request["Limit"] = query["limit"]
    if query["filter"]:
        request["FilterExpression"] = "v > :f"
        values[":f"] = {"N": "3"}
    if query["count"]:
        request["Select"] = "COUNT"
    elif query["projection"] and target != "gi2":
        request["ProjectionExpression"] = "pk, sk, v"
    return request


def _all_pages(ddb: Any, request: dict[str, Any]) -> list[dict[str, Any]]:
    pages, start = [], None
    for _ in range(200):
        page = ddb.query(**request, **({"ExclusiveStartKey": start} if start else {}))
        page.pop("ResponseMetadata", None)
        pages.append(page)
        start = page.get("LastEvaluatedKey")
        if not start:
            return pages
    raise AssertionError("pagination does not end")


def _both_paths(ddb: Any, request: dict[str, Any]) -> None:
    from infrastructure.local import moto_query

    served = moto_query.served
    fast = _all_pages(ddb, request)
    assert moto_query.served > served, "the partition query was not used"
    moto_query.enabled = False
    try:
        slow = _all_pages(ddb, request)
    finally:
        moto_query.enabled = True
    assert fast == slow, request


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=st.lists(_query_item, max_size=30), steps=st.lists(st.one_of(_query, _write), min_size=1, max_size=12))
def test_the_partition_query_answers_exactly_as_moto_does(aws_stack: Any, items: list[dict[str, Any]],
                                                          steps: list[Any]) -> None:
    ddb = boto3.client("dynamodb", endpoint_url=aws_stack.endpoint, region_name=aws_stack.region)
    name = f"query-{uuid.uuid4().hex[:8]}"
    ddb.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": t} for a, t in
                              [("pk", "S"), ("sk", "S"), ("gh", "S"), ("gr", "N"), ("gh2", "S"), ("v", "N")]],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[
            {"IndexName": "gi1", "Projection": {"ProjectionType": "ALL"},
             "KeySchema": [{"AttributeName": "gh", "KeyType": "HASH"}, {"AttributeName": "gr", "KeyType": "RANGE"}]},
            {"IndexName": "gi2", "Projection": {"ProjectionType": "KEYS_ONLY"},
             "KeySchema": [{"AttributeName": "gh2", "KeyType": "HASH"}]}],
        LocalSecondaryIndexes=[
            {"IndexName": "li1", "Projection": {"ProjectionType": "ALL"},
             "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "v", "KeyType": "RANGE"}]}])
    try:
        for chunk in range(0, len(items), 25):
            ddb.batch_write_item(RequestItems={name: [{"PutRequest": {"Item": _wire(i)}}
                                                      for i in {(i["pk"], i["sk"]): i
                                                                for i in items[chunk:chunk + 25]}.values()]})
        for step in steps:
            if isinstance(step, dict):
                _both_paths(ddb, _query_request(name, step))
                continue
            kind, item = step
            key = {"pk": {"S": item["pk"]}, "sk": {"S": item["sk"]}}
            if kind == "put":
                ddb.put_item(TableName=name, Item=_wire(item))
            elif kind == "update":  # moves the item within its indexes, in place
                ddb.update_item(TableName=name, Key=key, UpdateExpression="SET gh = :g, gr = :r, v = :v",
                                ExpressionAttributeValues={":g": {"S": "x"}, ":r": {"N": str(item["v"] % 6)},
                                                           ":v": {"N": str(item["v"])}})
            elif kind == "delete":
                ddb.delete_item(TableName=name, Key=key)
            elif kind == "batch":
                ddb.batch_write_item(RequestItems={name: [{"DeleteRequest": {"Key": key}}]})
            else:
                ddb.transact_write_items(TransactItems=[{"Put": {"TableName": name, "Item": _wire(item)}}])
            for target in ("table", "gi1", "gi2", "li1"):
                _both_paths(ddb, _query_request(name, {"target": target, "hash": 0, "condition": None,
                                                       "forward": True, "limit": None, "filter": False,
                                                       "projection": False, "count": False}))
    finally:
        ddb.delete_table(TableName=name)


def _keyed_table(aws_stack: Any) -> tuple[Any, str]:
    """A new table keyed by ``pk`` and ``sk`` (strings), and a client of the stack."""
    ddb = boto3.client("dynamodb", endpoint_url=aws_stack.endpoint, region_name=aws_stack.region)
    name = f"query-{uuid.uuid4().hex[:8]}"
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                           {"AttributeName": "sk", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                {"AttributeName": "sk", "KeyType": "RANGE"}])
    return ddb, name


def test_the_partition_query_reads_only_its_partition(aws_stack: Any) -> None:
    """A page of one partition no longer lists the table (moto's ``all_items``)."""
    from moto.dynamodb.models.table import Table

    ddb, name = _keyed_table(aws_stack)
    for n in range(0, 200, 25):
        ddb.batch_write_item(RequestItems={name: [{"PutRequest": {"Item": {
            "pk": {"S": f"p{m % 4}"}, "sk": {"S": f"{m:04d}"}}}} for m in range(n, n + 25)]})
    listed = []
    original = Table.all_items
    Table.all_items = lambda self: listed.append(self.name) or original(self)  # type: ignore[method-assign]
    try:
        page = ddb.query(TableName=name, KeyConditionExpression="pk = :p AND sk > :s", Limit=5,
                         ExpressionAttributeValues={":p": {"S": "p1"}, ":s": {"S": "0100"}})
    finally:
        Table.all_items = original  # type: ignore[method-assign]
        ddb.delete_table(TableName=name)
    assert [i["sk"]["S"] for i in page["Items"]] == ["0101", "0105", "0109", "0113", "0117"]
    assert page["LastEvaluatedKey"] == {"pk": {"S": "p1"}, "sk": {"S": "0117"}}
    assert name not in listed


def test_a_prefix_no_item_has_reads_none_of_the_items_after_it(aws_stack: Any) -> None:
    """``begins_with`` on a prefix sorting before a long run of other items: the partition
    query stops at the first candidate, as DynamoDB reads only matching items (moto measured
    and compared every item to the end of the partition: the verification's empty chains)."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    ddb, name = _keyed_table(aws_stack)
    for n in range(0, 200, 25):
        ddb.batch_write_item(RequestItems={name: [{"PutRequest": {"Item": {
            "pk": {"S": "p"}, "sk": {"S": f"police#{m:04d}"}}}} for m in range(n, n + 25)]})
    compared = []
    original = DynamoType.compare
    DynamoType.compare = lambda self, *args: compared.append(1) or original(self, *args)  # type: ignore
    try:
        pages = [ddb.query(TableName=name, KeyConditionExpression="pk = :p AND begins_with(sk, :s)",
                           ExpressionAttributeValues={":p": {"S": "p"}, ":s": {"S": prefix}})
                 for prefix in ("chain#", "police#01", "zzz#")]
    finally:
        DynamoType.compare = original  # type: ignore[method-assign]
        ddb.delete_table(TableName=name)
    assert [p["Count"] for p in pages] == [0, 100, 0] and not any("LastEvaluatedKey" in p for p in pages)
    assert len(compared) <= 3 + 100, len(compared)  # moto's way: 200 + 200 + 0


def test_a_projection_returns_exactly_the_attributes_asked_and_leaves_the_item_whole(
        table: tuple[Any, Any, str]) -> None:
    """moto_projection.py: top-level attributes copied alone; nested paths as moto does."""
    ddb, _, name = table
    item = {"k": {"S": "a"}, "v": {"N": "1.50"}, "s": {"S": "[\"40.00\",null]"}, "b": {"B": b"\x00\x01"},
            "m": {"M": {"x": {"S": "y"}, "n": {"L": [{"N": "2"}]}}}, "big": {"S": "x" * 5000}}
    ddb.put_item(TableName=name, Item=item)

    def query(projection: str) -> dict[str, Any]:
        (found,) = ddb.query(TableName=name, KeyConditionExpression="k = :k", ProjectionExpression=projection,
                             ExpressionAttributeValues={":k": {"S": "a"}})["Items"]
        return dict(found)

    assert query("k, v, s, b, m, absent") == {k: item[k] for k in ("k", "v", "s", "b", "m")}
    assert query("m.x, v") == {"m": {"M": {"x": {"S": "y"}}}, "v": {"N": "1.50"}}
    assert ddb.get_item(TableName=name, Key={"k": {"S": "a"}})["Item"] == item  # the stored item is whole


def test_an_index_added_by_update_table_is_queried_with_every_item(aws_stack: Any) -> None:
    from infrastructure.local import moto_query

    ddb = boto3.client("dynamodb", endpoint_url=aws_stack.endpoint, region_name=aws_stack.region)
    name = f"query-{uuid.uuid4().hex[:8]}"
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}])
    try:
        for n in range(6):
            ddb.put_item(TableName=name, Item={"k": {"S": f"k{n}"}, "g": {"S": "ab"[n % 2]}})
        ddb.update_table(TableName=name, AttributeDefinitions=[{"AttributeName": "g", "AttributeType": "S"}],
                         GlobalSecondaryIndexUpdates=[{"Create": {
                             "IndexName": "by_g", "Projection": {"ProjectionType": "KEYS_ONLY"},
                             "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}]}}])
        served = moto_query.served
        page = ddb.query(TableName=name, IndexName="by_g", KeyConditionExpression="g = :g",
                         ExpressionAttributeValues={":g": {"S": "a"}})
        assert moto_query.served == served + 1
        assert [i["k"]["S"] for i in page["Items"]] == ["k0", "k2", "k4"]
        ddb.update_item(TableName=name, Key={"k": {"S": "k1"}}, UpdateExpression="SET g = :g",
                        ExpressionAttributeValues={":g": {"S": "a"}})
        page = ddb.query(TableName=name, IndexName="by_g", KeyConditionExpression="g = :g",
                         ExpressionAttributeValues={":g": {"S": "a"}})
        assert [i["k"]["S"] for i in page["Items"]] == ["k0", "k1", "k2", "k4"]
    finally:
        ddb.delete_table(TableName=name)


def test_the_server_finds_a_known_hosts_backend_without_listing_moto(aws_stack: Any) -> None:
    """9. A request's backend is looked up once per host, not per request under the dispatcher's lock."""
    from moto import backends

    ddb = boto3.client("dynamodb", endpoint_url=aws_stack.endpoint, region_name=aws_stack.region)
    s3 = boto3.client("s3", endpoint_url=aws_stack.endpoint, region_name=aws_stack.region)
    ddb.list_tables()
    s3.list_buckets()
    listings = []
    original = backends.list_of_moto_modules
    backends.list_of_moto_modules = lambda: listings.append(1) or original()  # type: ignore[assignment]
    try:
        tables = ddb.list_tables()["TableNames"]
        buckets = s3.list_buckets()["Buckets"]
    finally:
        backends.list_of_moto_modules = original  # type: ignore[assignment]
    assert tables and buckets  # each answered by its own backend
    assert listings == []


def test_a_version_listing_answers_per_prefix_page_by_page_and_leaves_the_objects_whole(aws_stack: Any) -> None:
    """moto_versions.py: only the prefix's keys, every version and delete marker, latest flags,
    pagination; the bodies still read back after the listing (shallow copies)."""
    s3 = boto3.client("s3", endpoint_url=aws_stack.endpoint, region_name=aws_stack.region)
    bucket = f"versions-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": aws_stack.region})
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    for n in range(5):
        s3.put_object(Bucket=bucket, Key=f"a/{n}", Body=f"first {n}".encode())
        s3.put_object(Bucket=bucket, Key=f"b/{n}", Body=b"other prefix")
    s3.put_object(Bucket=bucket, Key="a/1", Body=b"second 1")
    s3.delete_object(Bucket=bucket, Key="a/3")
    versions: list[tuple[str, bool]] = []
    markers: list[tuple[str, bool]] = []
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix="a/",
                                                                   PaginationConfig={"PageSize": 2}):
        versions += [(v["Key"], v["IsLatest"]) for v in page.get("Versions", [])]
        markers += [(m["Key"], m["IsLatest"]) for m in page.get("DeleteMarkers", [])]
    assert sorted(versions) == sorted([("a/0", True), ("a/1", True), ("a/1", False), ("a/2", True), ("a/3", False),
                                       ("a/4", True)])
    assert markers == [("a/3", True)]
    assert s3.get_object(Bucket=bucket, Key="a/1")["Body"].read() == b"second 1"
    assert s3.get_object(Bucket=bucket, Key="b/4")["Body"].read() == b"other prefix"
    listed = s3.list_object_versions(Bucket=bucket, Prefix="a/")
    assert all(v["Key"].startswith("a/") for v in listed["Versions"])


def test_conditions_of_one_text_with_other_values_are_each_checked_against_their_own_values(
        table: tuple[Any, Any, str]) -> None:
    """Fix 12 keeps a condition's tokens per text: values must still be each request's own."""
    from collections import deque

    from moto.dynamodb.comparisons import ConditionExpressionParser

    from infrastructure.local import moto_fixes

    ddb, _, name = table
    for key, value in (("a", "1"), ("b", "2"), ("c", "3")):
        ddb.put_item(TableName=name, Item={"k": {"S": key}, "v": {"N": value}})

    def delete(key: str, value: str) -> dict[str, Any]:
        return {"Delete": {"TableName": name, "Key": {"k": {"S": key}}, "ConditionExpression": "#v = :v",
                           "ExpressionAttributeNames": {"#v": "v"}, "ExpressionAttributeValues": {":v": {"N": value}}}}

    with pytest.raises(ClientError, match="ConditionalCheckFailed"):  # c holds 3, not 2: nothing goes
        ddb.transact_write_items(TransactItems=[delete("a", "1"), delete("b", "2"), delete("c", "2")])
    assert ddb.scan(TableName=name)["Count"] == 3
    ddb.transact_write_items(TransactItems=[delete("a", "1"), delete("b", "2"), delete("c", "3")])
    assert ddb.scan(TableName=name)["Count"] == 0

    # The kept tokens are moto's own lexer's, and it runs once per text.
    calls: list[str] = []

    def moto_lexer(parser: Any) -> Any:
        calls.append(parser.condition_expression)
        return _moto_tokens(parser)

    text = "(#0 = :0 AND attribute_exists(#1)) OR size(#2) > :1"
    parser = ConditionExpressionParser(text, {"#0": "a", "#1": "b", "#2": "c"}, {":0": {"S": "x"}, ":1": {"N": "1"}})
    lex = moto_fixes._lexed_once(moto_lexer)
    assert lex(parser) == lex(parser) == deque(_moto_tokens(parser)) and calls == [text]


def _moto_tokens(parser: Any) -> Any:
    """moto's own lexer, as it was before any fix."""
    from collections import deque

    nodes: deque[Any] = deque()
    remaining = parser.condition_expression
    while remaining:
        node, remaining = parser._lex_one_node(remaining)
        if node.nonterminal != parser.Nonterminal.WHITESPACE:
            nodes.append(node)
    return nodes


def test_item_sizes_and_serialized_timestamps_are_moto_s_own() -> None:
    """Fix 11 (moto_scalars.py): the same sizes, items as dicts and timestamps as moto's long way."""
    import random

    import moto.core.serialize
    from moto.dynamodb.models.dynamo_type import Item

    from infrastructure.local import moto_fixes

    moto_fixes.apply()
    rng = random.Random(11)
    values = [{"S": "é" * rng.randint(0, 9) + "x"}, {"N": str(rng.randint(-10**6, 10**6))}, {"N": "3.25"},
              {"BOOL": True}, {"BOOL": False}, {"NULL": True}, {"B": b"\x00\x01"}, {"SS": ["a", "bé"]},
              {"L": [{"S": "a"}, {"N": "1"}]}, {"M": {"k": {"S": "v"}, "n": {"N": "12"}}}]
    for _ in range(300):
        attrs = {f"n{i}é"[: rng.randint(1, 4)] + str(i): rng.choice(values) for i in range(rng.randint(1, 8))}
        item = Item(hash_key=None, range_key=None, attrs=attrs)
        assert Item.size(item) == Item.size.moto(item), attrs  # type: ignore[attr-defined]
    import moto.dynamodb.responses

    to_dict = moto.dynamodb.responses.dynamo_to_dict
    for _ in range(300):
        attrs = {f"a{i}": rng.choice(values) for i in range(rng.randint(0, 6))}
        item = Item(hash_key=None, range_key=None, attrs=attrs)
        result = {"Items": [item.attrs], "Count": 1, "LastEvaluatedKey": dict(item.attrs)}
        assert to_dict(result) == to_dict.moto(result), attrs  # type: ignore[attr-defined]
    parse = moto.core.serialize.parse_to_aware_datetime
    for value in ("2026-12-07T11:20:00.000Z", "2026-12-07T11:20:00+02:00", "2026-12-07T11:20:00", "2026-12-07",
                  "1700000000", "Mon, 07 Dec 2026 11:20:00 GMT"):
        assert parse(value) == parse.moto(value), value  # type: ignore[attr-defined]
        assert parse(value).utcoffset() == parse.moto(value).utcoffset()  # type: ignore[attr-defined]


# -- 13. version listings written directly (infrastructure/local/moto_listing.py) -------------

_listing_key = st.text(alphabet="ab &<>\"'é/.0", min_size=1, max_size=6)
_listing_step = st.one_of(
    st.tuples(st.just("put"), st.sampled_from(["p/", "q/"]), _listing_key, st.binary(max_size=3)),
    st.tuples(st.just("delete"), st.sampled_from(["p/", "q/"]), _listing_key, st.just(b"")))


def _listing_bodies(s3: Any, request: dict[str, Any]) -> list[str]:
    """Every page's raw XML body, following moto's markers."""
    bodies: list[str] = []

    def keep(response_dict: dict[str, Any], **_: Any) -> None:
        bodies.append(response_dict["body"].decode("utf-8"))

    s3.meta.events.register("before-parse.s3.ListObjectVersions", keep)
    try:
        markers: dict[str, str] = {}
        for _ in range(100):
            page = s3.list_object_versions(**{**request, **markers})
            if not page.get("IsTruncated"):
                return bodies
            markers = {"KeyMarker": page["NextKeyMarker"], "VersionIdMarker": page.get("NextVersionIdMarker", "")}
    finally:
        s3.meta.events.unregister("before-parse.s3.ListObjectVersions", keep)
    raise AssertionError("pagination does not end")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(_listing_step, min_size=1, max_size=25), page_size=st.integers(1, 6),
       marker=st.one_of(st.none(), _listing_key))
def test_a_version_listing_written_directly_is_moto_s_own_xml(aws_stack: Any, steps: list[Any], page_size: int,
                                                              marker: str | None) -> None:
    """Byte for byte the body moto's serializer writes, page by page: versions, delete markers,
    latest flags, escaped keys, empty and odd values, key markers; and the same pages when
    moto_versions.py hands moto only the keys a page can reach (fix 10)."""
    from infrastructure.local import moto_listing, moto_versions

    s3 = boto3.client("s3", endpoint_url=aws_stack.endpoint, region_name=aws_stack.region)
    bucket = f"listing-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": aws_stack.region})
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    for kind, prefix, key, body in steps:
        if kind == "put":
            s3.put_object(Bucket=bucket, Key=prefix + key, Body=body)
        else:
            s3.delete_object(Bucket=bucket, Key=prefix + key)
    for request in ({"Bucket": bucket, "Prefix": "p/", "MaxKeys": page_size}, {"Bucket": bucket, "MaxKeys": page_size},
                    {"Bucket": bucket, "Prefix": "p/", "MaxKeys": page_size,
                     **({"KeyMarker": "p/" + marker} if marker else {})}):
        served = moto_listing.served
        direct = _listing_bodies(s3, request)
        assert moto_listing.served > served, "the direct path was not used"
        moto_listing.enabled = moto_versions.limited = False
        try:
            assert _listing_bodies(s3, request) == direct, request
        finally:
            moto_listing.enabled = moto_versions.limited = True
