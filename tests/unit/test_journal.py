"""The local stack's write-ahead journal: what it keeps, and how it survives a torn write."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from infrastructure.local import journal as wal


def _environ(method: str = "POST", path: str = "/", target: str | None = None, **extra: str) -> dict[str, str]:
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "", **extra}
    if target:
        environ["HTTP_X_AMZ_TARGET"] = target
    return environ


@pytest.mark.parametrize(("environ", "body", "kept"), [
    (_environ(target="DynamoDB_20120810.PutItem"), b"{}", True),
    (_environ(target="DynamoDB_20120810.TransactWriteItems"), b"{}", True),
    (_environ(target="DynamoDB_20120810.BatchWriteItem"), b"{}", True),
    (_environ(target="DynamoDB_20120810.UpdateItem"), b"{}", True),
    (_environ(target="DynamoDB_20120810.Query"), b"{}", False),
    (_environ(target="DynamoDB_20120810.GetItem"), b"{}", False),
    (_environ(target="DynamoDB_20120810.BatchGetItem"), b"{}", False),
    (_environ(target="DynamoDB_20120810.TransactGetItems"), b"{}", False),
    (_environ(target="DynamoDBStreams_20120810.GetRecords"), b"{}", False),
    (_environ(target="AWSCognitoIdentityProviderService.AdminCreateUser"), b"{}", True),
    (_environ(target="AWSCognitoIdentityProviderService.AdminSetUserPassword"), b"{}", True),
    (_environ(target="AWSCognitoIdentityProviderService.AdminInitiateAuth"), b"{}", False),
    (_environ(target="AWSCognitoIdentityProviderService.AdminGetUser"), b"{}", False),
    (_environ(target="AWSStepFunctions.StartExecution"), b"{}", True),
    (_environ(target="AWSStepFunctions.DescribeExecution"), b"{}", False),
    (_environ(target="Logs_20140328.PutLogEvents"), b"{}", False),
    (_environ("PUT", "/vault/receipts/1.json"), b"sealed", True),
    (_environ("PUT", "/vault/receipts/1.json", QUERY_STRING="retention"), b"<Retention/>", True),
    (_environ("DELETE", "/files/export.zip"), b"", True),
    (_environ("GET", "/vault/receipts/1.json"), b"", False),
    (_environ("HEAD", "/vault/receipts/1.json"), b"", False),
    (_environ("POST", "/2015-03-31/functions/lotbook-local-seal/invocations"), b"{}", False),
    (_environ("POST", "/2015-03-31/event-source-mappings"), b"{}", True),
    (_environ("POST", "/", CONTENT_TYPE="application/x-www-form-urlencoded"), b"Action=CreateRole&RoleName=x", True),
    (_environ("POST", "/", CONTENT_TYPE="application/x-www-form-urlencoded"), b"Action=GetCallerIdentity", False),
    (_environ("POST", "/moto-api/config"), b"{}", False),
])
def test_only_requests_that_change_data_are_journaled(environ: dict[str, str], body: bytes, kept: bool) -> None:
    assert wal.is_journaled(environ, body) is kept


def _entry(seq: int, size: int = 100) -> dict[str, object]:
    return {"seq": seq, "environ": {"PATH_INFO": "/"}, "body": b"x" * size, "draws": [(128, seq)],
            "clock": [], "status": 200, "at": 0.0}


def test_entries_written_come_back_in_order_and_a_torn_tail_is_ignored(tmp_path: Path) -> None:
    journal = wal.Journal(tmp_path)
    for seq in (journal.begin(nested=False) for _ in range(5)):
        journal.append(_entry(seq))
        journal.end()
    journal.close()
    (segment,) = [path for _first, path in wal.segments(tmp_path)]
    # a crash in the middle of the next entry: half a frame at the end of the file
    whole = segment.read_bytes()
    segment.write_bytes(whole + whole[: len(whole) // 5 // 2])
    assert [e["seq"] for e in wal.read_entries(tmp_path)] == [1, 2, 3, 4, 5]
    assert wal.read_entries(tmp_path)[0]["draws"] == [(128, 1)]
    # the next start appends to a new segment, never after the torn frame
    again = wal.Journal(tmp_path)
    seq = again.begin(nested=False)
    again.append(_entry(seq))
    again.end()
    assert seq == 6
    assert [e["seq"] for e in wal.read_entries(tmp_path)] == [1, 2, 3, 4, 5, 6]
    assert [e["seq"] for e in wal.read_entries(tmp_path, after=4)] == [5, 6]
    again.close()


def test_a_cut_holds_writes_and_the_snapshot_replaces_the_entries_it_holds(tmp_path: Path) -> None:
    journal = wal.Journal(tmp_path)
    for _ in range(3):
        seq = journal.begin(nested=False)
        journal.append(_entry(seq))
        journal.end()
    inside = threading.Event()
    with journal.cut() as included:
        assert included == 3
        writer = threading.Thread(target=lambda: (inside.set(), journal.begin(nested=False)))
        writer.start()
        inside.wait()
        writer.join(0.3)
        assert writer.is_alive()  # a write waits until the state is dumped
    writer.join(5)
    assert not writer.is_alive()
    journal.append(_entry(4))
    journal.end()
    journal.discard_through(included)
    assert [e["seq"] for e in wal.read_entries(tmp_path)] == [4]
    journal.close()


def test_a_cut_gives_up_while_a_write_is_in_flight(tmp_path: Path) -> None:
    journal = wal.Journal(tmp_path)
    journal.begin(nested=False)
    with pytest.raises(wal.CutTimeout), journal.cut(wait=0.1):
        pass
    journal.end()
    with journal.cut(wait=0.1) as included:
        assert included == 1
    journal.close()


def test_concurrent_writers_all_reach_the_disk(tmp_path: Path) -> None:
    journal = wal.Journal(tmp_path)

    def write() -> None:
        for _ in range(25):
            seq = journal.begin(nested=False)
            journal.append(_entry(seq, 2000))
            journal.end()

    threads = [threading.Thread(target=write) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    journal.close()
    assert [e["seq"] for e in wal.read_entries(tmp_path)] == list(range(1, 151))
