"""A cold container's first DynamoDB calls: how many botocore clients it builds and how long
its first read of every table takes, from 1 thread and from 8 threads at once.

Each run is a fresh interpreter (cold), against an in-process moto account. Building a
botocore client reads the DynamoDB service model (~20 ms of CPU); pynamodb gives every
model its own connection and client (and each thread its own session), which is what the
shared client of ``chalicelib/adapters/aws.py`` removes.
"""

from __future__ import annotations

import json
import subprocess
import sys

CHILD = r"""
import json, threading, time
import botocore.session
from bench._inprocess import moto_account

created = {"n": 0}
real = botocore.session.Session.create_client
def counting(self, *a, **k):
    created["n"] += 1
    return real(self, *a, **k)
botocore.session.Session.create_client = counting

with moto_account():
    from chalicelib.adapters.aws import ensure_models_bound
    from chalicelib.adapters.models import ALL_MODELS
    from pynamodb.exceptions import DoesNotExist
    created["n"] = 0
    threads = int(__import__("sys").argv[1])
    start = time.perf_counter()
    ensure_models_bound()
    def read_all():
        for model in ALL_MODELS:
            keys = ["t", "k"] if model._range_keyname else ["t"]
            try:
                model.get(*keys)
            except DoesNotExist:
                pass
    workers = [threading.Thread(target=read_all) for _ in range(threads)]
    for w in workers: w.start()
    for w in workers: w.join()
    print(json.dumps({"seconds": time.perf_counter() - start, "clients": created["n"], "tables": len(ALL_MODELS)}))
"""


def _run(threads: int) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", CHILD, str(threads)], capture_output=True, text=True, check=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    for threads in (1, 8):
        runs = [_run(threads) for _ in range(3)]
        times = [r["seconds"] * 1000 for r in runs]
        each = ", ".join(f"{t:.0f}" for t in times)
        print(f"first read of all {runs[0]['tables']} tables, {threads} thread(s): "
              f"{runs[0]['clients']} botocore client(s) built, best of 3 {min(times):.0f} ms (runs: {each} ms)")


if __name__ == "__main__":
    main()
