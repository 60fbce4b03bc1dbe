"""What the local stack's write-ahead journal costs (issue 15 "Hardening", point 10).

Every acknowledged write is appended to ``<data dir>/journal/`` and fsynced
before its answer leaves moto (``infrastructure/local/journal.py``). Measured:

* supplier creations over HTTP (``POST /api/suppliers``) on a local stack
  started as ``make run`` does, with the journal and with ``--no-journal``:
  one till (sequential) and four tills at once, writes/s and latency;
* how many journal entries (fsynced moto writes) one creation makes, and
  their size;
* the bare append + fsync of one entry on this disk, alone and from 8
  threads (group commit: one fdatasync covers every entry written before it).
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from infrastructure.definitions import ROOT
from infrastructure.local import journal as wal
from infrastructure.local.stack import DEMO_PASSWORD, DEMO_USERS, wait_healthy
from tests.support import Api, free_port, http_transport

SEQUENTIAL = 150
TILLS, PER_TILL = 4, 50


def start_stack(data_dir: Path, *extra: str) -> tuple[subprocess.Popen[bytes], str]:
    port, aws_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOTBOOK_", "AWS_", "MOTO_"))}
    env.update({"LOTBOOK_PORT": str(port), "LOTBOOK_AWS_PORT": str(aws_port),
                "LOTBOOK_DATA_DIR": str(data_dir)})
    process = subprocess.Popen([sys.executable, "-m", "infrastructure.local", *extra], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    wait_healthy(url, timeout=120)
    return process, url


def stop_stack(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGINT)
    process.wait(timeout=120)


def manager(url: str) -> Api:
    api = Api(http_transport(url.rstrip("/")))
    token = api.post("/api/auth/login", {"email": DEMO_USERS["manager"], "password": DEMO_PASSWORD}).body
    return api.as_(token["id_token"])


def create_suppliers(api: Api, count: int, prefix: str) -> list[float]:
    latencies = []
    for n in range(count):
        started = time.perf_counter()
        reply = api.post("/api/suppliers", {"last_name": f"{prefix}{n}", "first_names": "Bench"})
        latencies.append(time.perf_counter() - started)
        assert reply.status == 201, reply.body
    return latencies


def journal_entries(data_dir: Path) -> list[dict[str, Any]]:
    return wal.read_entries(data_dir / wal.JOURNAL_DIR)


def measure_stack(journal: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        process, url = start_stack(data_dir, *(() if journal else ("--no-journal",)))
        try:
            api = manager(url)
            create_suppliers(api, 10, "Chauffe")  # warm up
            before = journal_entries(data_dir)
            started = time.perf_counter()
            latencies = create_suppliers(api, SEQUENTIAL, "Seq")
            sequential = time.perf_counter() - started
            after = journal_entries(data_dir)
            seqs = {e["seq"] for e in before}
            new = [e for e in after if e["seq"] not in seqs]

            all_latencies: list[float] = []
            lock = threading.Lock()

            def till(n: int) -> None:
                mine = create_suppliers(api, PER_TILL, f"Till{n}-")
                with lock:
                    all_latencies.extend(mine)

            threads = [threading.Thread(target=till, args=(n,)) for n in range(TILLS)]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            concurrent = time.perf_counter() - started
        finally:
            stop_stack(process)
    return {
        "sequential_per_s": SEQUENTIAL / sequential,
        "p50_ms": statistics.median(latencies) * 1000,
        "p95_ms": statistics.quantiles(latencies, n=20)[18] * 1000,
        "concurrent_per_s": TILLS * PER_TILL / concurrent,
        "concurrent_p50_ms": statistics.median(all_latencies) * 1000,
        "entries_per_write": len(new) / SEQUENTIAL if journal else None,
        "bytes_per_write": sum(len(e["body"]) for e in new) / SEQUENTIAL if journal else None,
    }


def measure_append(threads: int, per_thread: int) -> float:
    """Microseconds per journaled entry (append + fsync) of ~1 KB."""
    entry = {"seq": 0, "environ": {"PATH_INFO": "/", "HTTP_X_AMZ_TARGET": "DynamoDB_20120810.PutItem"},
             "body": b"x" * 1000, "draws": [], "clock": [], "status": 200, "at": 0.0}
    with tempfile.TemporaryDirectory(dir=ROOT) as tmp:  # the disk the data dir is on
        journal = wal.Journal(Path(tmp))

        def append() -> None:
            for _ in range(per_thread):
                journal.append(entry)

        workers = [threading.Thread(target=append) for _ in range(threads)]
        started = time.perf_counter()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        elapsed = time.perf_counter() - started
        journal.close()
    return elapsed / (threads * per_thread) * 1e6


def main() -> None:
    alone = measure_append(1, 500)
    shared = measure_append(8, 100)
    print(f"journal append + fdatasync of a 1 KB entry: {alone:.0f} µs alone, "
          f"{shared:.0f} µs per entry from 8 threads (group commit)")
    without = measure_stack(journal=False)
    with_journal = measure_stack(journal=True)
    for label, figures in (("without journal", without), ("with journal   ", with_journal)):
        print(f"supplier creation over HTTP, {label}: {figures['sequential_per_s']:.1f}/s one till "
              f"(p50 {figures['p50_ms']:.0f} ms, p95 {figures['p95_ms']:.0f} ms), "
              f"{figures['concurrent_per_s']:.1f}/s with {TILLS} tills (p50 {figures['concurrent_p50_ms']:.0f} ms)")
    print(f"  journal: {with_journal['entries_per_write']:.1f} fsynced entries per creation, "
          f"{with_journal['bytes_per_write']:.0f} bytes of request bodies")
    cost = 1000 / with_journal["sequential_per_s"] - 1000 / without["sequential_per_s"]
    print(f"  cost per creation: {cost:+.1f} ms "
          f"({with_journal['sequential_per_s'] / without['sequential_per_s'] - 1:+.0%} writes/s)")


if __name__ == "__main__":
    main()
