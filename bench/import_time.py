"""Cold-start cost of the API module: ``python -X importtime -c 'import app'``.

Goal (issue "Foundation"): under 300 ms on the 2-core dev machine, ReportLab not
imported. Prints the median of N fresh interpreters and the heaviest imports.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
from collections import Counter

from infrastructure.definitions import ROOT

RUNS = 7


def one_run() -> tuple[float, list[tuple[float, str]], set[str]]:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c",
         "import sys, app; print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in "
         "('reportlab', 'boto3', 'jwt', 'cryptography'))))"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )
    total = 0
    by_package: Counter[str] = Counter()
    for line in result.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|\s*(\S+)", line)
        if match:
            by_package[match.group(3).split(".")[0]] += int(match.group(1))
            if match.group(3) == "app":
                total = int(match.group(2))
    heaviest = [(micros / 1000, name) for name, micros in by_package.most_common(8)]
    return total / 1000, heaviest, set(filter(None, result.stdout.strip().split(",")))


def plain_run() -> tuple[float, float]:
    """Wall and CPU time (ms) of ``import app`` without the importtime instrumentation: on a
    shared machine the CPU time is the steadier figure."""
    code = ("import time; t, c = time.perf_counter(), time.process_time(); import app; "
            "print(time.perf_counter() - t, time.process_time() - c)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    wall, cpu = result.stdout.split()
    return float(wall) * 1000, float(cpu) * 1000


def main() -> None:
    one_run()  # compile the .pyc files first
    runs = [one_run() for _ in range(RUNS)]
    totals = [r[0] for r in runs]
    timed = [plain_run() for _ in range(RUNS)]
    plain, cpu = [wall for wall, _ in timed], [c for _, c in timed]
    print(f"import app (-X importtime): median {statistics.median(totals):.0f} ms, min {min(totals):.0f} ms, "
          f"max {max(totals):.0f} ms over {RUNS} fresh interpreters (goal < 300 ms)")
    print(f"import app (plain wall time): median {statistics.median(plain):.0f} ms, min {min(plain):.0f} ms; "
          f"CPU median {statistics.median(cpu):.0f} ms, min {min(cpu):.0f} ms; load average {os.getloadavg()[0]:.1f}")
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        print("  PYTHONDONTWRITEBYTECODE is set: our modules are compiled in every run (as in a Lambda without .pyc)")
    print("  own import time by top-level package (last run):")
    for millis, name in runs[-1][1]:
        print(f"    {millis:7.1f} ms  {name}")
    print(f"  heavy modules loaded at import: {sorted(runs[-1][2]) or 'none'}")


if __name__ == "__main__":
    main()
