"""The local stack's fixes to moto's TransactWriteItems (infrastructure/local/moto_fixes.py)."""

from __future__ import annotations

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
