"""``make bench``: every benchmark, one after the other; each prints its figures.

``python -m bench NAME ...`` runs only the named ones.
"""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = {
    "import_time": "cold start: import time of the API module",
    "stack_startup": "local stack: time to healthy, first start and restart",
    "durability": "local stack: what the write-ahead journal costs per write",
    "lots_commit": "purchases: CSV import of 999 lines, commit of a 999-article lot",
    "articles_search": "articles at 5,000 and 50,000: lookups, searches, selection, sale, summary",
    "labels": "documents: labels of a 999-article lot, renderer vs bare ReportLab",
    "year_end": "the 2093 file of 20,000 purchases from 5,000 sellers",
    "sealing": "the legal vault: sealing throughput, verification of a 10,000-record chain",
    "consultations": "the consultation log's list with 10,000 records: whole index vs newest first",
    "closure": "year end: backup and closure of 100,000 articles",
    "load": "load: 10 tills searching, scanning, selling and printing for 60 s on a local stack over HTTP",
}

names = sys.argv[1:] or list(BENCHMARKS)
for name in names:
    print(f"== {name}: {BENCHMARKS[name]}", flush=True)
    module = importlib.import_module(f"bench.{name}")
    sys.argv = [sys.argv[0]]
    module.main()
