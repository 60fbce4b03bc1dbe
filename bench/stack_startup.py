"""Time from ``python -m infrastructure.local`` to a healthy ``/api/health``.

Goal (issue "Foundation"): under 15 s. Measures a first start (empty data dir:
provisioning and demo seeding) and a restart (snapshot loaded).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from infrastructure.definitions import ROOT
from infrastructure.local.stack import wait_healthy
from tests.support import free_port


def start_and_stop(data_dir: Path) -> tuple[float, float]:
    port, aws_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOTBOOK_", "AWS_", "MOTO_"))}
    env.update({"LOTBOOK_PORT": str(port), "LOTBOOK_AWS_PORT": str(aws_port),
                "LOTBOOK_DATA_DIR": str(data_dir)})
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, "-m", "infrastructure.local"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_healthy(f"http://127.0.0.1:{port}/", timeout=60)
        healthy = time.monotonic() - started
    finally:
        stopping = time.monotonic()
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
    return healthy, time.monotonic() - stopping


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        first, stop1 = start_and_stop(data_dir)
        second, stop2 = start_and_stop(data_dir)
        size = sum(f.stat().st_size for f in data_dir.iterdir()) / 1024
    print(f"stack healthy: first start {first:.2f} s (provision + demo seed), "
          f"restart {second:.2f} s (snapshot {size:.0f} KiB) (goal < 15 s)")
    print(f"  clean stop incl. final snapshot: {stop1:.2f} s, {stop2:.2f} s")


if __name__ == "__main__":
    main()
