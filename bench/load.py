"""Load: shops at their tills against a running API, for a bounded time.

Goal (issue "Production readiness"): a bounded run (10 clients for 60 s on
127.0.0.1) of realistic traffic — search, scan, sell, print — reporting
requests/s, p50/p99 latency and errors. The same script targets a deployed stage
with ``--base-url`` (and ``--email``/``--password`` for an existing account).

Each client is a till: it signs up its own company (or logs in with the given
account), enters its stock through the API (a draft lot, lines, commit), then
loops until the time is up: two searches, a scan, the sale of the scanned article,
its receipt as a PDF, the selection cleared, and every fifth sale a label. A till
short of stock commits a new lot (the ``commit`` kind). Closed loop, no think time
unless ``--think``: the figures are the stack's capacity, not a traffic forecast.

Without ``--base-url`` the script starts ``python -m infrastructure.local`` on free
ports with a fresh data directory (as ``make run`` does) and stops it at the end.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

WORDS = ["bague", "vase", "montre", "assiette", "commode", "miroir", "lampe", "broche", "tableau", "horloge",
         "fauteuil", "gravure"]
ADJECTIVES = ["ancienne", "dorée", "en argent", "Art déco", "Louis XV", "en faïence", "signée", "vers 1900"]
PASSWORD = "charge-" + uuid.uuid4().hex[:12]
LOT_SIZE = 96  # articles per lot committed by a till
LOW_STOCK = 8
# Tills sharing one account share its user's draft lot: their lot entries take turns.
_DRAFT_LOCKS: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)


class Failure(Exception):
    def __init__(self, kind: str, status: int, detail: str) -> None:
        super().__init__(f"{kind}: {status} {detail}")
        self.status = status


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter[tuple[str, str]] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, seconds: float, error: str | None) -> None:
        with self.lock:
            self.latencies[kind].append(seconds)
            if error:
                self.errors[(kind, error)] += 1


class Http:
    """One keep-alive connection per till, JSON in and out, every request timed."""

    def __init__(self, base_url: str, stats: Stats | None, timeout: float = 30) -> None:
        parts = urlsplit(base_url.rstrip("/"))
        self.https = parts.scheme == "https"
        self.host = parts.netloc
        self.prefix = parts.path
        self.timeout = timeout
        self.stats = stats
        self.token: str | None = None
        self.connection: http.client.HTTPConnection | None = None

    def _connect(self) -> http.client.HTTPConnection:
        if self.connection is None:
            kind = http.client.HTTPSConnection if self.https else http.client.HTTPConnection
            self.connection = kind(self.host, timeout=self.timeout)
        return self.connection

    def call(self, kind: str, method: str, path: str, body: Any = None, accept: str = "application/json",
             expect: tuple[int, ...] = (200, 201, 204)) -> Any:
        headers = {"Accept": accept}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        started = time.perf_counter()
        status, raw, error = 0, b"", None
        for attempt in (1, 2):  # a keep-alive connection the server closed: once more on a new one
            try:
                connection = self._connect()
                connection.request(method, self.prefix + path, body=data, headers=headers)
                response = connection.getresponse()
                status, raw = response.status, response.read()
                break
            except (OSError, http.client.HTTPException) as exc:
                self.close()
                if attempt == 2:
                    error = type(exc).__name__
        elapsed = time.perf_counter() - started
        if error is None and status not in expect:
            error = str(status)
            try:
                error += " " + json.loads(raw)["error"]["code"]
            except (ValueError, KeyError, TypeError):
                pass
        if self.stats is not None:
            self.stats.add(kind, elapsed, error)
        if error:
            raise Failure(kind, status, error)
        if accept == "application/json" and raw:
            return json.loads(raw)
        return raw

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def _today() -> date:
    return datetime.now(ZoneInfo("Europe/Paris")).date()


class Till:
    """One client: a company's till (or one more till of the given account)."""

    def __init__(self, number: int, base_url: str, stats: Stats, email: str | None, password: str | None) -> None:
        self.number = number
        self.http = Http(base_url, stats)
        self.random = random.Random(number)
        self.email, self.password = email, password
        self.stock: list[str] = []
        self.sales = 0

    def setup(self) -> None:
        if self.email is None:
            self.email, self.password = f"charge-{uuid.uuid4().hex[:10]}@example.fr", PASSWORD
            self.http.call("signup", "POST", "/api/signup", {
                "company_name": f"Brocante de charge {self.number}", "creation_year": 2015,
                "email": self.email, "password": self.password})
            # the space opens with the code e-mailed: readable when the stack is ours (its mailbox)
            if MAILBOX is None:
                raise SystemExit("signups need their e-mailed code: use --email/--password on a remote stack")
            from tests.support import confirmation_code

            self.http.call("signup", "POST", "/api/signup/confirm",
                           {"email": self.email, "code": confirmation_code(MAILBOX, self.email)})
        tokens = self.http.call("login", "POST", "/api/auth/login", {"email": self.email, "password": self.password})
        self.http.token = tokens["id_token"]
        label = f"Charge {uuid.uuid4().hex[:6]}"
        self.family = self.http.call("setup", "POST", "/api/families", {"label": label})["id"]
        self.supplier = self.http.call("setup", "POST", "/api/suppliers", {
            "last_name": "Fournisseur", "first_names": "Charge", "street_number": "1", "street_name": "de la Gare",
            "postcode": "54000", "city": "Nancy", "id_document_type": "CNI", "id_document_number": "123456789",
            "id_document_date": "2020-01-02", "id_document_authority": "Préfecture"})["id"]
        self.commit_lot("setup")

    def commit_lot(self, kind: str) -> None:
        """A draft with a line per description (quantity 8 each), then the commit."""
        assert self.email is not None
        with _DRAFT_LOCKS[self.email]:
            self._commit_lot(kind)

    def _commit_lot(self, kind: str) -> None:
        per_line = 8
        descriptions = [f"{w.capitalize()} {self.random.choice(ADJECTIVES)}" for w in WORDS][: LOT_SIZE // per_line]
        purchase = (_today() - timedelta(days=30)).isoformat()
        self.http.call(kind, "DELETE", "/api/lots/draft")
        self.http.call(kind, "PUT", "/api/lots/draft", {
            "supplier_id": self.supplier, "purchase_date": purchase, "payment_method": "card",
            "purchase_price": f"{5 * per_line * len(descriptions)}.00"})
        for description in descriptions:
            self.http.call(kind, "POST", "/api/lots/draft/lines", {
                "description": description, "family_id": self.family, "purchase_price": "5.00",
                "label_price": f"{self.random.randint(12, 90)}.00", "quantity": per_line})
        committed = self.http.call(kind, "POST", "/api/lots/draft/commit", {"mode": "purchase"})
        self.stock.extend(a["ref"] for a in committed["articles"])
        self.random.shuffle(self.stock)

    def customer(self) -> None:
        """One customer at the till."""
        for _ in range(2):
            self.http.call("search", "GET", f"/api/articles?q={quote(self.random.choice(WORDS))}&page_size=20")
        if len(self.stock) < LOW_STOCK:
            self.commit_lot("commit")
        ref = self.stock.pop()
        found = self.http.call("scan", "POST", "/api/selection/scan", {"ref": ref})
        sale = self.http.call("sell", "POST", "/api/actions/sell", {
            "refs": [found["article"]["ref"]], "date": _today().isoformat(), "payment_method": "card"})["sale"]
        self.http.call("receipt_pdf", "GET", f"/api/sales/{sale['transaction_ref']}/receipt.pdf",
                       accept="application/pdf")
        self.http.call("clear_selection", "DELETE", "/api/selection")
        self.sales += 1
        if self.sales % 5 == 0 and self.stock:
            self.http.call("labels_pdf", "GET", f"/api/articles/{self.stock[-1]}/labels.pdf",
                           accept="application/pdf")


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run(base_url: str, clients: int, duration: float, think: float, email: str | None,
        password: str | None) -> dict[str, Any]:
    setup_stats, stats = Stats(), Stats()
    tills = [Till(n, base_url, setup_stats, email, password) for n in range(1, clients + 1)]
    started = time.monotonic()
    _in_threads([till.setup for till in tills])
    setup_seconds = time.monotonic() - started
    failed_setup = sum(setup_stats.errors.values())
    if failed_setup:
        raise SystemExit(f"setup failed: {dict(setup_stats.errors)}")
    for till in tills:
        till.http.stats = stats
    deadline = time.monotonic() + duration
    aborted: Counter[str] = Counter()

    def loop(till: Till) -> None:
        while time.monotonic() < deadline:
            try:
                till.customer()
            except Failure as failure:
                aborted[str(failure)] += 1
            if think:
                time.sleep(till.random.uniform(0, 2 * think))
        till.http.close()

    begun = time.monotonic()
    _in_threads([lambda till=till: loop(till) for till in tills])
    elapsed = time.monotonic() - begun
    return {"stats": stats, "elapsed": elapsed, "setup_seconds": setup_seconds,
            "articles": sum(len(t.stock) + t.sales for t in tills), "sales": sum(t.sales for t in tills),
            "aborted": sum(aborted.values())}


def _in_threads(targets: list[Any]) -> None:
    threads = [threading.Thread(target=target, daemon=True) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def report(result: dict[str, Any], clients: int, duration: float) -> None:
    stats: Stats = result["stats"]
    total = sum(len(v) for v in stats.latencies.values())
    errors = sum(stats.errors.values())
    print(f"{clients} clients for {duration:.0f} s ({result['elapsed']:.1f} s measured; "
          f"setup {result['setup_seconds']:.1f} s: accounts, {result['articles']} articles committed)")
    print(f"  {total} requests, {total / result['elapsed']:.1f} requests/s, {result['sales']} sales "
          f"({result['sales'] / result['elapsed']:.1f}/s), {errors} errors ({100 * errors / max(total, 1):.2f} %)")
    print(f"  {'kind':<16}{'count':>7}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'errors':>8}")
    for kind in sorted(stats.latencies, key=lambda k: -len(stats.latencies[k])):
        values = stats.latencies[kind]
        kind_errors = sum(n for (k, _), n in stats.errors.items() if k == kind)
        print(f"  {kind:<16}{len(values):>7}{len(values) / result['elapsed']:>8.1f}"
              f"{1000 * statistics.median(values):>9.0f}{1000 * _percentile(values, 0.99):>9.0f}"
              f"{1000 * max(values):>9.0f}{kind_errors:>8}")
    all_values = [v for values in stats.latencies.values() for v in values]
    if all_values:
        print(f"  {'all':<16}{total:>7}{total / result['elapsed']:>8.1f}{1000 * statistics.median(all_values):>9.0f}"
              f"{1000 * _percentile(all_values, 0.99):>9.0f}{1000 * max(all_values):>9.0f}{errors:>8}")
    for (kind, error), count in sorted(stats.errors.items()):
        print(f"  error {kind}: {error} × {count}")
    if result["aborted"]:
        print(f"  customers left unserved after an error: {result['aborted']}")


# The local stack's mailbox when this run started it (signup codes), else None.
MAILBOX: Path | None = None


def _start_stack(data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    from infrastructure.definitions import ROOT
    from infrastructure.local.stack import wait_healthy
    from tests.support import free_port

    port, aws_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOTBOOK_", "AWS_", "MOTO_"))}
    env.update({"LOTBOOK_PORT": str(port), "LOTBOOK_AWS_PORT": str(aws_port), "LOTBOOK_DATA_DIR": str(data_dir),
                "LOTBOOK_SIGNUP_LIMIT": "100000"})  # every till signs up from 127.0.0.1
    process = subprocess.Popen([sys.executable, "-m", "infrastructure.local", "--no-seed"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_healthy(url, timeout=60)
    except TimeoutError:
        process.kill()
        raise
    return process, url


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=10, help="concurrent tills (default 10)")
    parser.add_argument("--duration", type=float, default=60, help="seconds of traffic (default 60)")
    parser.add_argument("--base-url", help="the site's origin, e.g. http://127.0.0.1:8000 or https://dev.example.fr "
                                           "(default: start a local stack on free ports)")
    parser.add_argument("--email", help="log every till in with this account instead of signing up companies")
    parser.add_argument("--password", default=os.environ.get("LOTBOOK_LOAD_PASSWORD"),
                        help="its password (or LOTBOOK_LOAD_PASSWORD)")
    parser.add_argument("--think", type=float, default=0, help="mean pause between customers, seconds (default 0)")
    args = parser.parse_args(argv)
    if args.email and not args.password:
        parser.error("--email needs --password (or LOTBOOK_LOAD_PASSWORD)")
    process = None
    with tempfile.TemporaryDirectory(prefix="lotbook-load-") as tmp:
        base_url = args.base_url
        if base_url is None:
            process, base_url = _start_stack(Path(tmp))
            global MAILBOX
            MAILBOX = Path(tmp) / "mail"
            print(f"local stack started at {base_url} (fresh data)")
        try:
            result = run(base_url, args.clients, args.duration, args.think, args.email, args.password)
        finally:
            if process is not None:
                process.send_signal(signal.SIGINT)
                process.wait(timeout=60)
    report(result, args.clients, args.duration)


if __name__ == "__main__":
    main()
