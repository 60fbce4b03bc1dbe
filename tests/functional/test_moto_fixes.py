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
