"""Time from ``python -m infrastructure.local`` to a healthy ``/api/health``.

Goal (issue "Foundation"): under 15 s. Measures a first start (empty data dir:
provisioning and demo seeding) and a restart (snapshot loaded).

Then a year of data (issue 15 "Hardening"): 100,000 articles written into the
stack's DynamoDB over HTTP (BatchWriteItem, 4 writers, every request journaled),
the stack killed with SIGKILL (start-up = snapshot + replay of the journal's
tail), restarted, stopped cleanly (start-up = the snapshot alone).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from infrastructure.definitions import ROOT
from infrastructure.local.stack import wait_healthy
from tests.support import free_port


def start_and_stop(data_dir: Path, kill: bool = False, ports: tuple[int, int] | None = None,
                   work: Any = None) -> tuple[float, float]:
    """Seconds to healthy, then seconds to stop (SIGINT, or SIGKILL if ``kill``)."""
    port, aws_port = ports or (free_port(), free_port())
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOTBOOK_", "AWS_", "MOTO_"))}
    env.update({"LOTBOOK_PORT": str(port), "LOTBOOK_AWS_PORT": str(aws_port),
                "LOTBOOK_DATA_DIR": str(data_dir)})
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, "-m", "infrastructure.local"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_healthy(f"http://127.0.0.1:{port}/", timeout=180)
        healthy = time.monotonic() - started
        if work is not None:
            work(port, aws_port)
    finally:
        stopping = time.monotonic()
        process.send_signal(signal.SIGKILL if kill else signal.SIGINT)
        process.wait(timeout=180)
    return healthy, time.monotonic() - stopping


def _write_articles(count: int, report: dict[str, float]) -> Any:
    """Work for :func:`start_and_stop`: ``count`` articles cloned from one committed through the API."""

    def work(port: int, aws_port: int) -> None:
        import boto3

        from infrastructure.local.stack import DEMO_PASSWORD, DEMO_USERS
        from tests.support import Api, commit_lot, http_transport

        api = Api(http_transport(f"http://127.0.0.1:{port}"))
        token = api.post("/api/auth/login", {"email": DEMO_USERS["manager"], "password": DEMO_PASSWORD}).body
        api = api.as_(token["id_token"])
        family = api.get("/api/families").body["items"][0]["id"]
        supplier = api.get("/api/suppliers").body["items"][0]["id"]
        commit_lot(api, family_id=family, supplier_id=supplier, prices=["12.00"])
        dynamodb = boto3.client("dynamodb", endpoint_url=f"http://127.0.0.1:{aws_port}", region_name="eu-west-3",
                                aws_access_key_id="local", aws_secret_access_key="local")
        table = next(t for t in dynamodb.list_tables()["TableNames"] if t.endswith("-articles"))
        template = dynamodb.scan(TableName=table, Limit=1)["Items"][0]
        key = next(k["AttributeName"] for k in dynamodb.describe_table(TableName=table)["Table"]["KeySchema"]
                   if k["KeyType"] == "RANGE")

        def writer(first: int) -> None:
            for start in range(first, count, 25 * 4):
                items = [{"PutRequest": {"Item": {**template, key: {"S": f"9{n:09d}"}}}}
                         for n in range(start, min(start + 25, count))]
                while items:
                    left = dynamodb.batch_write_item(RequestItems={table: items})["UnprocessedItems"]
                    items = left.get(table, [])

        started = time.monotonic()
        threads = [threading.Thread(target=writer, args=(25 * n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        report["write_seconds"] = time.monotonic() - started

    return work


def _restore_parts(data_dir: Path) -> dict[str, float]:
    """What a restart spends restoring moto, measured in a child process (wall and CPU)."""
    code = """
import json, sys, time
from pathlib import Path
from infrastructure.local import journal as wal, moto_fixes, snapshot
moto_fixes.apply()
data = Path(sys.argv[1])
t, c = time.perf_counter(), time.process_time()
path = data / "moto-state.pickle"
header = snapshot.read_header(path) or {}
snapshot.load_snapshot(path)
load, load_cpu = time.perf_counter() - t, time.process_time() - c
entries = wal.read_entries(data / "journal", after=int(header.get("wal_seq", 0)))
t, c = time.perf_counter(), time.process_time()
wal.replay(wal.moto_app(None), entries)
replay, replay_cpu = time.perf_counter() - t, time.process_time() - c
t, c = time.perf_counter(), time.process_time()
snapshot._snapshot_bytes(0)
print(json.dumps({"load": load, "load_cpu": load_cpu, "entries": len(entries), "replay": replay,
                  "replay_cpu": replay_cpu, "dump": time.perf_counter() - t, "dump_cpu": time.process_time() - c}))
"""
    import json

    out = subprocess.run([sys.executable, "-c", code, str(data_dir)], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def year_of_data(count: int = 100_000) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data_dir, ports = Path(tmp), (free_port(), free_port())
        report: dict[str, float] = {}
        start_and_stop(data_dir, kill=True, ports=ports, work=_write_articles(count, report))
        journal = sum(f.stat().st_size for f in (data_dir / "journal").iterdir()) / 2**20
        print(f"{count:,} articles written over HTTP in {report['write_seconds']:.0f} s "
              f"({count / report['write_seconds']:.0f} articles/s, batches of 25, journaled), then SIGKILL")
        print(f"  journal left to replay: {journal:.1f} MiB (the writes since the last periodic snapshot)")
        parts = _restore_parts(data_dir)
        replayed, _ = start_and_stop(data_dir, ports=ports)
        snapshot = (data_dir / "moto-state.pickle").stat().st_size / 2**20
        restart, _ = start_and_stop(data_dir, ports=ports)
    print(f"  healthy after the kill: {replayed:.2f} s (snapshot + journal replay) (goal < 15 s)")
    print(f"    of which, in-process: snapshot load {parts['load']:.2f} s ({parts['load_cpu']:.2f} s CPU), "
          f"replay of {parts['entries']:.0f} journal entries {parts['replay']:.2f} s ({parts['replay_cpu']:.2f} s CPU)")
    print(f"  a snapshot dump at this size: {parts['dump']:.2f} s ({parts['dump_cpu']:.2f} s CPU); "
          "journaled writes wait that long, once per interval with writes")
    print(f"  healthy after a clean stop: {restart:.2f} s (snapshot {snapshot:.0f} MiB) (goal < 15 s)")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        first, stop1 = start_and_stop(data_dir)
        second, stop2 = start_and_stop(data_dir)
        size = sum(f.stat().st_size for f in data_dir.iterdir()) / 1024
    print(f"stack healthy: first start {first:.2f} s (provision + demo seed), "
          f"restart {second:.2f} s (snapshot {size:.0f} KiB) (goal < 15 s)")
    print(f"  clean stop incl. final snapshot: {stop1:.2f} s, {stop2:.2f} s")
    year_of_data()


if __name__ == "__main__":
    main()
