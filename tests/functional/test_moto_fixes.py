"""The local stack's fixes to moto (infrastructure/local/moto_fixes.py): DynamoDB transactions, S3 POST policies."""

from __future__ import annotations

import json
import uuid
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError


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
