"""Saving and restoring the local stack's moto state (infrastructure/local/snapshot.py).

A real moto server runs in a thread, as in ``make run``; the state is created
through boto3, saved, wiped with moto's own reset, then loaded back.
"""

from __future__ import annotations

import base64
import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from botocore.exceptions import ClientError
from joserfc import jwt
from joserfc.jwk import KeySet
from moto.server import ThreadedMotoServer

from infrastructure.local import snapshot
from infrastructure.local.snapshot import PeriodicSnapshotter, load_snapshot, save_snapshot

REGION = "eu-west-3"
ACCOUNT_ID = "123456789012"  # moto's default account

ClientFactory = Callable[[str], Any]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module", autouse=True)
def _session_state_kept(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Give the other modules their moto state back when this one is done.

    moto's backends are process-wide and these tests wipe them, while the
    session's stack (tests/conftest.py) provisioned its tables, pool and
    bucket once for every module: save them first, restore them at the end.
    """
    outer = tmp_path_factory.mktemp("outer-state") / "moto.snapshot"
    save_snapshot(outer)
    yield
    assert load_snapshot(outer) is True


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def endpoint(server_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    # The backends are process-wide: every test starts from, and leaves, a clean state.
    _reset(server_url)
    yield server_url
    _reset(server_url)


@pytest.fixture
def client(endpoint: str) -> ClientFactory:
    def make(service: str) -> Any:
        return boto3.client(service, endpoint_url=endpoint, region_name=REGION)

    return make


def _reset(url: str) -> None:
    requests.post(f"{url}/moto-api/reset", timeout=10).raise_for_status()


def _claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return decoded


def _create_table(ddb: Any, name: str) -> str:
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "tenant", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-tenant",
                "KeySchema": [{"AttributeName": "tenant", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
    )
    arn: str = ddb.describe_table(TableName=name)["Table"]["LatestStreamArn"]
    return arn


def test_round_trip_restores_every_service(client: ClientFactory, endpoint: str, tmp_path: Path) -> None:
    ddb, s3, idp, sfn = (client(name) for name in ("dynamodb", "s3", "cognito-idp", "stepfunctions"))

    # DynamoDB: a table with a stream and a GSI.
    stream_arn = _create_table(ddb, "lots")
    for i in range(3):
        ddb.put_item(
            TableName="lots",
            Item={"pk": {"S": f"lot-{i}"}, "tenant": {"S": "t1"}, "n": {"N": str(i)}},
        )

    # S3: a vault bucket under Object Lock, one key written twice.
    bucket = "lotbook-test-vault"
    s3.create_bucket(
        Bucket=bucket,
        CreateBucketConfiguration={"LocationConstraint": REGION},
        ObjectLockEnabledForBucket=True,
    )
    s3.put_object_lock_configuration(
        Bucket=bucket,
        ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 1}},
        },
    )
    until = datetime.now(UTC).replace(microsecond=0) + timedelta(days=30)
    versions: dict[str, tuple[bytes, datetime]] = {}
    for body, retain in ((b"first seal", until), (b"second seal", until + timedelta(days=1))):
        put = s3.put_object(
            Bucket=bucket,
            Key="records/lot-1.pdf",
            Body=body,
            ObjectLockMode="COMPLIANCE",
            ObjectLockRetainUntilDate=retain,
        )
        head = s3.head_object(Bucket=bucket, Key="records/lot-1.pdf", VersionId=put["VersionId"])
        versions[put["VersionId"]] = (body, head["ObjectLockRetainUntilDate"])

    # Cognito: custom attribute, password login, a group.
    pool_id = idp.create_user_pool(
        PoolName="lotbook-test-users",
        Schema=[
            {
                "Name": "tenant_id",
                "AttributeDataType": "String",
                "Mutable": False,
                "StringAttributeConstraints": {"MinLength": "1", "MaxLength": "64"},
            }
        ],
    )["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="web",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    idp.create_group(UserPoolId=pool_id, GroupName="manager")
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username="dealer@example.com",
        UserAttributes=[{"Name": "custom:tenant_id", "Value": "t1"}],
        MessageAction="SUPPRESS",
    )
    idp.admin_set_user_password(
        UserPoolId=pool_id, Username="dealer@example.com", Password="Sealed-Lot-2024!", Permanent=True
    )
    idp.admin_add_user_to_group(UserPoolId=pool_id, Username="dealer@example.com", GroupName="manager")

    # Step Functions.
    machine_arn = sfn.create_state_machine(
        name="seal-record",
        definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}),
        roleArn=f"arn:aws:iam::{ACCOUNT_ID}:role/sfn",
    )["stateMachineArn"]

    path = tmp_path / "moto.snapshot"
    save_snapshot(path)
    assert path.exists()
    assert not list(tmp_path.glob(".*.tmp")), "the temporary file must be renamed"
    assert path.stat().st_mode & 0o077 == 0, "moto keeps passwords in clear: owner-only file"

    _reset(endpoint)
    assert ddb.list_tables()["TableNames"] == []
    assert s3.list_buckets()["Buckets"] == []
    assert idp.list_user_pools(MaxResults=10)["UserPools"] == []
    assert sfn.list_state_machines()["stateMachines"] == []

    assert load_snapshot(path) is True

    # DynamoDB: items, the GSI and the very same stream.
    table = ddb.describe_table(TableName="lots")["Table"]
    assert table["LatestStreamArn"] == stream_arn
    assert ddb.scan(TableName="lots")["Count"] == 3
    by_tenant = ddb.query(
        TableName="lots",
        IndexName="by-tenant",
        KeyConditionExpression="tenant = :t",
        ExpressionAttributeValues={":t": {"S": "t1"}},
    )
    assert by_tenant["Count"] == 3
    streams = client("dynamodbstreams").list_streams(TableName="lots")["Streams"]
    assert [s["StreamArn"] for s in streams] == [stream_arn]

    # S3: both versions, their bodies and retention dates; still locked.
    listed = s3.list_object_versions(Bucket=bucket)["Versions"]
    assert {v["VersionId"] for v in listed} == set(versions)
    for version_id, (body, retain_until) in versions.items():
        head = s3.head_object(Bucket=bucket, Key="records/lot-1.pdf", VersionId=version_id)
        assert head["ObjectLockMode"] == "COMPLIANCE"
        assert head["ObjectLockRetainUntilDate"] == retain_until
        got = s3.get_object(Bucket=bucket, Key="records/lot-1.pdf", VersionId=version_id)
        assert got["Body"].read() == body
    oldest = next(iter(versions))
    with pytest.raises(ClientError) as refused:
        s3.delete_object(Bucket=bucket, Key="records/lot-1.pdf", VersionId=oldest)
    assert refused.value.response["Error"]["Code"] == "AccessDenied"
    lock = s3.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"]
    assert lock["Rule"]["DefaultRetention"]["Mode"] == "COMPLIANCE"
    assert lock["Rule"]["DefaultRetention"]["Days"] == 1

    # Cognito: same ids, the user logs in, the token carries tenant and group
    # and is signed by the key the pool publishes.
    assert [p["Id"] for p in idp.list_user_pools(MaxResults=10)["UserPools"]] == [pool_id]
    assert [c["ClientId"] for c in idp.list_user_pool_clients(UserPoolId=pool_id)["UserPoolClients"]] == [
        client_id
    ]
    auth = idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "dealer@example.com", "PASSWORD": "Sealed-Lot-2024!"},
    )["AuthenticationResult"]
    claims = _claims(auth["IdToken"])
    assert claims["custom:tenant_id"] == "t1"
    assert claims["cognito:groups"] == ["manager"]
    jwks = requests.get(f"{endpoint}/{pool_id}/.well-known/jwks.json", timeout=10).json()
    assert jwt.decode(auth["IdToken"], KeySet.import_key_set(jwks)).claims["sub"] == claims["sub"]

    # Step Functions.
    assert sfn.describe_state_machine(stateMachineArn=machine_arn)["name"] == "seal-record"
    assert [m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"]] == [machine_arn]

    # The restored state keeps working: new writes land in the same table.
    ddb.put_item(TableName="lots", Item={"pk": {"S": "lot-9"}, "tenant": {"S": "t1"}})
    assert ddb.scan(TableName="lots")["Count"] == 4


def test_missing_snapshot_is_not_an_error(client: ClientFactory, tmp_path: Path) -> None:
    assert load_snapshot(tmp_path / "absent.snapshot") is False


def test_snapshot_of_another_moto_version_is_set_aside(
    client: ClientFactory,
    endpoint: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    ddb = client("dynamodb")
    _create_table(ddb, "lots")
    path = tmp_path / "moto.snapshot"
    save_snapshot(path)
    header_line, _, body = path.read_bytes().partition(b"\n")
    header = json.loads(header_line)
    header["moto"] = "4.0.0"
    path.write_bytes(json.dumps(header).encode() + b"\n" + body)
    _reset(endpoint)

    with caplog.at_level(logging.WARNING, logger=snapshot.__name__):
        assert load_snapshot(path) is False

    assert "moto 4.0.0" in caplog.text
    assert ddb.list_tables()["TableNames"] == []
    # Kept for the developer, out of the way of the next save.
    assert not path.exists()
    assert len(list(tmp_path.glob("moto.snapshot.unusable-*"))) == 1


def test_saving_while_requests_mutate_the_state(client: ClientFactory, endpoint: str, tmp_path: Path) -> None:
    ddb = client("dynamodb")
    _create_table(ddb, "busy")
    puts = 300
    errors: list[BaseException] = []

    def hammer() -> None:
        writer = client("dynamodb")
        try:
            for i in range(puts):
                writer.put_item(TableName="busy", Item={"pk": {"S": f"k{i}"}, "tenant": {"S": "t1"}})
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    path = tmp_path / "moto.snapshot"
    writer_thread = threading.Thread(target=hammer)
    writer_thread.start()
    saves = 0
    while writer_thread.is_alive():
        save_snapshot(path)
        saves += 1
        time.sleep(0.01)  # like the snapshotter: saves between bursts of requests
    writer_thread.join()
    assert errors == []
    assert saves > 1

    save_snapshot(path)
    _reset(endpoint)
    assert load_snapshot(path) is True
    assert ddb.scan(TableName="busy", Select="COUNT")["Count"] == puts


def test_dump_interrupted_by_a_mutation_is_retried(
    client: ClientFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = snapshot._pickle_backends
    calls = 0

    def interrupted_once(payload: dict[str, Any]) -> bytes:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("dictionary changed size during iteration")
        return real(payload)

    monkeypatch.setattr(snapshot, "_pickle_backends", interrupted_once)
    save_snapshot(tmp_path / "moto.snapshot")
    assert calls == 2


def test_periodic_snapshotter_saves_on_a_timer_and_on_stop(
    client: ClientFactory, endpoint: str, tmp_path: Path
) -> None:
    ddb = client("dynamodb")
    _create_table(ddb, "lots")
    path = tmp_path / "moto.snapshot"
    snapshotter = PeriodicSnapshotter(path, interval=0.05)
    snapshotter.start()
    deadline = time.monotonic() + 5
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert path.exists(), "the timer never saved"

    ddb.put_item(TableName="lots", Item={"pk": {"S": "last"}, "tenant": {"S": "t1"}})
    snapshotter.stop()
    assert snapshotter.save_now() is False, "nothing changed since the final save"

    _reset(endpoint)
    assert load_snapshot(path) is True
    assert ddb.get_item(TableName="lots", Key={"pk": {"S": "last"}})["Item"]["tenant"] == {"S": "t1"}


def test_loading_over_a_live_state_replaces_it(client: ClientFactory, endpoint: str, tmp_path: Path) -> None:
    ddb, s3 = client("dynamodb"), client("s3")
    _create_table(ddb, "kept")
    s3.create_bucket(Bucket="lotbook-test-docs", CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_versioning(Bucket="lotbook-test-docs", VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket="lotbook-test-docs", Key="a.txt", Body=b"v1")
    s3.delete_object(Bucket="lotbook-test-docs", Key="a.txt")  # a delete marker on top
    path = tmp_path / "moto.snapshot"
    save_snapshot(path)
    _create_table(ddb, "dropped")
    s3.put_object(Bucket="lotbook-test-docs", Key="b.txt", Body=b"later")

    assert load_snapshot(path) is True

    assert ddb.list_tables()["TableNames"] == ["kept"]
    listed = s3.list_object_versions(Bucket="lotbook-test-docs")
    assert [v["Key"] for v in listed["Versions"]] == ["a.txt"]
    assert [m["Key"] for m in listed["DeleteMarkers"]] == ["a.txt"]
    # The replaced backend's keys were disposed, not the loaded ones.
    version_id = listed["Versions"][0]["VersionId"]
    got = s3.get_object(Bucket="lotbook-test-docs", Key="a.txt", VersionId=version_id)
    assert got["Body"].read() == b"v1"


def test_items_load_without_being_measured_again(
    client: ClientFactory, endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Loading 100,000 articles spent 70 % of its time re-checking each item's 400 KB limit."""
    from moto.dynamodb.models.dynamo_type import LimitedSizeDict

    ddb = client("dynamodb")
    _create_table(ddb, "articles")
    item = {"pk": {"S": "a-1"}, "tenant": {"S": "t1"}, **{f"f{n}": {"S": "x" * 40} for n in range(12)}}
    ddb.put_item(TableName="articles", Item=item)
    path = tmp_path / "moto.snapshot"
    save_snapshot(path)
    _reset(endpoint)

    measured: list[str] = []
    setitem = LimitedSizeDict.__setitem__

    def counting(self: Any, key: str, value: Any) -> None:
        measured.append(key)
        setitem(self, key, value)

    monkeypatch.setattr(LimitedSizeDict, "__setitem__", counting)
    assert load_snapshot(path) is True
    assert measured == []
    assert ddb.get_item(TableName="articles", Key={"pk": {"S": "a-1"}})["Item"] == item
    # the loaded item is still limited: an update past 400 KB is refused
    with pytest.raises(ClientError, match="size"):
        ddb.update_item(TableName="articles", Key={"pk": {"S": "a-1"}}, UpdateExpression="SET big = :b",
                        ExpressionAttributeValues={":b": {"S": "y" * 410_000}})
