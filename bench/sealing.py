"""The legal vault: sealing throughput and the verification of a long chain.

Goals (issue "The legal vault"), in-process with moto: seal at least 200
journal records per second (the stream's batches of 100, police-register
versions of 3-article lots); verify a 10,000-record chain in under 5 s.

Sealing is measured through ``seal_journal_records``, the stream handler's
service, on records already in the journal (as the stream hands them over),
for one busy chain and for records spread over many tenants; then the AWS estimate,
moto in a process of its own (``python -m bench.sealing estimate``, :func:`_estimate`).
The 10,000-record
chain is then built directly (the same objects, index items and head the
sealer writes, without the stream) and verified twice: the whole service
(index query, version listing, 10,000 object reads, hashes, links) and the
pure chain check on bytes already read.
"""

from __future__ import annotations

import gzip
import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from bench._inprocess import RequestCounter, moto_account, new_tenant, timed
from chalicelib.domain import seal

BATCH = 100
CHAIN_LENGTH = 10_000
NEW_RECORDS = 100  # sealed between two verifications


def _version(n: int) -> dict:
    """A police-register version like the ones a lot commit journals."""
    return {
        "record": "police_register", "event": "lot_committed", "version": 1, "at": "2024-05-02T09:14:03+00:00",
        "by": "gerant@example.fr", "reason": None,
        "lot": {"ref": f"10{n // 999 % 100:02d}{n % 999 + 1:03d}", "kind": "purchase", "status": "committed",
                "purchase_date": "2024-05-02", "purchase_price": "300.00", "price_incl_tmp": None,
                "payment_method": "card", "condition": "used"},
        "seller": {"title": "M", "last_name": "Lefèvre", "first_names": "Jean Pierre", "street_name": "des Tanneurs",
                   "postcode": "54000", "city": "Nancy", "id_document_type": "CNI",
                   "id_document_number": "880254301234", "id_document_date": "2018-06-11",
                   "id_document_authority": "Préfecture de Meurthe-et-Moselle"},
        "articles": [{"ref": f"ART{n:06d}{a:03d}", "description": f"Bague or jaune 18 carats n° {a}",
                      "family": "Bijoux or", "weight_g": "3.25", "fineness": "750", "serial": None,
                      "purchase_price": "100.00", "reserve_price": None, "status": "stock"} for a in range(1, 4)],
    }


def _journal(tenant_ids: list[str], count: int) -> list:
    """``count`` journal entries, round-robin over the tenants, stored and returned."""
    from chalicelib.adapters.aws import ensure_models_bound
    from chalicelib.adapters.models import JournalModel
    from chalicelib.adapters.repositories.journal import JournalRecord

    ensure_models_bound()
    records = []
    start = datetime.now(UTC)
    with JournalModel.batch_write() as batch:
        for n in range(count):
            at = start + timedelta(microseconds=n)
            tenant_id = tenant_ids[n % len(tenant_ids)]
            seq = f"{at:%Y%m%dT%H%M%S.%f}#{uuid.uuid4().hex[:8]}"
            content = _version(n)
            payload = gzip.compress(json.dumps(content, sort_keys=True, separators=(",", ":")).encode(), 6)
            batch.save(JournalModel(tenant_id, seq, kind="lot_committed", subject=content["lot"]["ref"],
                                    payload=payload, at=at))
            records.append(JournalRecord(tenant_id, seq, "lot_committed", content["lot"]["ref"], payload,
                                         at.isoformat()))
    return records


def _seal(label: str, records: list, server: int | None = None, again: bool = True) -> tuple[float, float]:
    """Seal ``records`` by stream batches; prints the rate and the CPU, returns the wall time
    and this process's CPU time (seconds); ``again``: deliver them again, timed too.

    ``server``: the pid of the moto server (another process): its CPU is reported apart,
    and this process's CPU is then the sealer's own (the client's, what a Lambda pays)."""
    from chalicelib.services import sealing

    counter = RequestCounter()
    cpu, server_cpu = time.process_time(), _cpu_of(server)
    with counter.counting(), timed() as took:
        for start in range(0, len(records), BATCH):
            sealing.seal_journal_records(records[start:start + BATCH])
    cpu, server_cpu = time.process_time() - cpu, _cpu_of(server) - server_cpu
    rate = len(records) / took["seconds"]
    print(f"sealing, {label}: {len(records)} records in {took['seconds']:.2f} s = {rate:.0f} records/s "
          f"(goal >= 200), {counter.total / len(records):.2f} requests per record")
    whose = "the sealer's own (moto in another process)" if server else "sealer and moto together"
    print(f"  CPU of this process: {cpu:.2f} s = {cpu / len(records) * 1000:.2f} ms a record ({whose})"
          + (f"; moto server: {server_cpu:.2f} s = {server_cpu / len(records) * 1000:.2f} ms a record"
             if server else ""))
    print("  requests: " + ", ".join(f"{op} {n}" for op, n in counter.calls.most_common()))
    if again:
        with counter.counting(), timed() as redelivered:
            for start in range(0, len(records), BATCH):
                sealing.seal_journal_records(records[start:start + BATCH])
        print(f"  the same records delivered again: {redelivered['seconds']:.2f} s, nothing sealed twice")
    return took["seconds"], cpu


def _cpu_of(pid: int | None) -> float:
    """CPU seconds (user + system) a process used so far, from /proc (Linux)."""
    if not pid:
        return 0.0
    import os
    from pathlib import Path

    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _long_chain(tenant_id: str, length: int, first: int = 1, prev: str = seal.GENESIS) -> str:
    """The objects, index items and head the sealer would have written for ``length`` records
    (ranks ``first``.. after ``prev``); the last record's hash."""
    from pynamodb.transactions import TransactWrite

    from chalicelib.adapters import vault
    from chalicelib.adapters.models import ChainHeadModel, SealedRecordModel
    from chalicelib.adapters.repositories import sealed_records
    from chalicelib.adapters.repositories._common import connection
    from chalicelib.config import get_settings
    from chalicelib.domain import retention

    sealed_at = datetime.now(UTC)
    # As the sealer sets it (ten calendar years): the verification checks every retention.
    retain = retention.retain_until(sealed_at, get_settings().vault_retention_years)
    items = []
    _live_books(tenant_id, length, first)
    last = first + length - 1
    for rank in range(first, last + 1):
        record = seal.seal(seal.POLICE_REGISTER, rank, prev, "lot_committed", _version(rank), sealed_at.isoformat())
        stored = vault.put_sealed(vault.object_key(tenant_id, seal.POLICE_REGISTER, rank), record.body,
                                  record.sha256, retain)
        items.append(sealed_records.Entry(tenant_id, seal.POLICE_REGISTER, rank, f"seq-{rank}", "lot_committed",
                                          str(rank), f"L{rank}", sealed_at.isoformat(), record.sha256, prev,
                                          stored.bucket, stored.key, stored.version_id, stored.retention_mode,
                                          stored.retain_until))
        prev = record.sha256
    with SealedRecordModel.batch_write() as batch:
        for entry in items:
            batch.save(sealed_records._entry_item(entry))
    with TransactWrite(connection=connection()) as tx:
        tx.save(ChainHeadModel(tenant_id, seal.POLICE_REGISTER, reserved=last, sealed=last, sha256=prev,
                               updated_at=sealed_at))
    return prev


def _live_books(tenant_id: str, length: int, first: int = 1) -> None:
    """The lots and articles those versions describe, as a commit stores them: the
    verification holds each against its version (chalicelib/domain/divergence.py)."""
    from chalicelib.adapters.models import ArticleModel, FamilyModel, LotModel
    from chalicelib.adapters.repositories.article_items import article_item

    if first == 1:
        FamilyModel(tenant_id, "fam_bench", label="Bijoux or", metal_2093=1).save()
    with LotModel.batch_write() as lots, ArticleModel.batch_write() as articles:
        for rank in range(first, first + length):
            version = _version(rank)
            lot = {k: v for k, v in version["lot"].items() if k not in ("ref", "kind")}
            lots.save(LotModel(tenant_id, version["lot"]["ref"], kind="purchase",
                               data={**lot, "supplier": {"id": "sup_bench", **version["seller"]}}))
            for sealed in version["articles"]:
                article = {k: v for k, v in sealed.items() if k not in ("family", "reserve_price")}
                articles.save(article_item(tenant_id, {**article, "lot_ref": version["lot"]["ref"],
                                                       "family_id": "fam_bench", "reserve_price": None}))
    # The Σ buckets those articles sum (the verification holds them against the articles too).
    from chalicelib.adapters.repositories import articles as articles_repo
    from chalicelib.adapters.repositories import sigma as sigma_repo

    sigma_repo.rebuild(tenant_id, articles_repo.all_articles(tenant_id))


def _verify(length: int) -> None:
    from chalicelib.adapters import vault
    from chalicelib.services import compliance

    who = new_tenant()
    with timed() as built:
        last = _long_chain(who.tenant_id, length)
    print(f"verification: building a {length}-record chain took {built['seconds']:.1f} s (not measured)")
    counter = RequestCounter()
    with counter.counting(), timed() as took:
        result = compliance.verify(who, full=True)
    assert result["ok"] and result["checked"] == length, result
    print(f"verification of a {length}-record chain, full re-read ({compliance.READ_THREADS} GETs at once, "
          f"then a checkpoint stored): {took['seconds']:.2f} s, {counter.total} requests")
    print("  requests: " + ", ".join(f"{op} {n}" for op, n in counter.calls.most_common()))
    _long_chain(who.tenant_id, NEW_RECORDS, length + 1, last)
    length += NEW_RECORDS
    counter = RequestCounter()
    cpu = time.process_time()  # the run's CPU (every thread): its time on a machine nothing else uses
    with counter.counting(), timed() as took, _moto_cpu() as moto:
        result = compliance.verify(who)
    cpu = time.process_time() - cpu
    assert result["ok"] and result["checked"] == length and result["reread"] == NEW_RECORDS, result
    print(f"verification of the {length}-record chain after {NEW_RECORDS} new records, from the checkpoint "
          f"(with the live-data check): {took['seconds']:.2f} s (goal < 5 s; CPU {cpu:.2f} s, of which moto "
          f"answering {moto[0]:.2f} s: the client's {cpu - moto[0]:.2f} s), {counter.total} requests")
    print("  requests: " + ", ".join(f"{op} {n}" for op, n in counter.calls.most_common()))
    entries = compliance.repo.chain_entries(who.tenant_id, seal.POLICE_REGISTER)[:CHAIN_LENGTH]
    stored = [seal.Stored(rank=e.rank, sha256=e.sha256, body=vault.read(e.key, e.version_id)[0],
                          prev_sha256=e.prev_sha256) for e in entries]
    length = CHAIN_LENGTH
    with timed() as pure:
        assert seal.verify_chain(seal.POLICE_REGISTER, stored, [seal.Head(seal.POLICE_REGISTER, length,
                                                                          entries[-1].sha256)]) is None
    print(f"  of which the chain check itself (hashes and links of {length} records): {pure['seconds']:.2f} s")


@contextmanager
def _moto_cpu() -> Iterator[list[float]]:
    """The CPU time (every thread's) in-process moto spends answering requests meanwhile: what
    the client would not pay against AWS (``[seconds]``, filled in as it goes)."""
    import threading

    from moto.core.botocore_stubber import BotocoreStubber

    spent, lock, original = [0.0], threading.Lock(), BotocoreStubber.__call__

    def answering(self: Any, *args: Any, **kwargs: Any) -> Any:
        start = time.thread_time()
        try:
            return original(self, *args, **kwargs)
        finally:
            with lock:
                spent[0] += time.thread_time() - start

    BotocoreStubber.__call__ = answering  # type: ignore[method-assign]
    try:
        yield spent
    finally:
        BotocoreStubber.__call__ = original  # type: ignore[method-assign]


def main() -> None:
    with moto_account():
        import boto3

        from infrastructure.local.provision import create_vault

        create_vault(boto3.client("s3", region_name="eu-west-3"), "bench", 1)
        one = new_tenant()
        _seal("one chain, 1,000 records", _journal([one.tenant_id], 1000))
        many = [new_tenant().tenant_id for _ in range(20)]
        _seal("20 tenants, 1,000 records", _journal(many, 1000))
        _parallel_puts()
        _verify(CHAIN_LENGTH)
    _estimate()  # moto in another process: after the in-process mock is gone


def _parallel_puts() -> None:
    """The chains of a batch and its PutObjects one at a time, then 8 and 8 at once, then as
    the sealer has them against AWS (sealing.CHAIN_THREADS and PUT_THREADS), over 20 tenants,
    moto in this process: as measured here and with 20 ms added to every call, DynamoDB's and
    S3's (before 2026-12-07 only the PutObjects got it). The fairer estimate, moto in another
    process: :func:`_estimate` (``python -m bench.sealing estimate``)."""
    from chalicelib.services import sealing

    default = sealing.CHAIN_THREADS, sealing.PUT_THREADS
    try:
        for latency in (False, True):
            for chains, puts in ((1, 1), (8, 8), default):
                sealing.CHAIN_THREADS, sealing.PUT_THREADS = chains, puts
                many = [new_tenant().tenant_id for _ in range(20)]
                records = _journal(many, 1000)
                label = (f"20 tenants in-process, {chains} chain(s) and {puts} PutObject(s) at once"
                         f"{', +20 ms a call' if latency else ''}")
                if latency:
                    with _latency(LATENCY):
                        _seal(label, records)
                else:
                    _seal(label, records)
    finally:
        sealing.CHAIN_THREADS, sealing.PUT_THREADS = default


LATENCY = 0.02  # seconds an AWS call waits on the network, added to each call of the estimate


@contextmanager
def _latency(seconds: float) -> Iterator[None]:
    """Every botocore call (DynamoDB and S3) waits ``seconds`` first, as on the network."""
    import botocore.client

    original = botocore.client.BaseClient._make_api_call

    def over_the_network(client: Any, operation: str, params: Any) -> Any:
        time.sleep(seconds)
        return original(client, operation, params)

    botocore.client.BaseClient._make_api_call = over_the_network  # type: ignore[method-assign]
    try:
        yield
    finally:
        botocore.client.BaseClient._make_api_call = original  # type: ignore[method-assign]


@contextmanager
def _moto_elsewhere() -> Iterator[int]:
    """moto in a process of its own (``python -m bench.sealing serve PORT``), the app's tables
    and vault in it, this process pointed at it; yields the server's pid.

    In-process (``moto_account``) moto's server-side work (its PutObject, its transactions)
    runs on this process's CPU and GIL, which AWS does not: apart, this process's CPU is the
    sealer's own."""
    import os
    import socket
    import subprocess
    import sys

    import boto3

    from chalicelib.config import reset_settings
    from infrastructure.local.provision import create_tables, create_vault

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    server = subprocess.Popen([sys.executable, "-m", "bench.sealing", "serve", str(port)],
                              stdout=subprocess.PIPE, text=True)
    saved = dict(os.environ)
    try:
        assert server.stdout is not None and server.stdout.readline().strip() == "ready"
        endpoint = f"http://127.0.0.1:{port}"
        os.environ.update({"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                           "AWS_DEFAULT_REGION": "eu-west-3", "AWS_REGION": "eu-west-3",
                           "LOTBOOK_STAGE": "bench", "LOTBOOK_TABLE_PREFIX": "lotbook-bench",
                           "POWERTOOLS_METRICS_DISABLED": "true", "LOTBOOK_AWS_ENDPOINT_URL": endpoint})
        reset_settings()
        create_tables(boto3.client("dynamodb", region_name="eu-west-3", endpoint_url=endpoint), "bench")
        create_vault(boto3.client("s3", region_name="eu-west-3", endpoint_url=endpoint), "bench", 1)
        yield server.pid
    finally:
        server.terminate()
        server.wait()
        os.environ.clear()
        os.environ.update(saved)
        reset_settings()


def _serve(port: int) -> None:
    """The moto server of :func:`_moto_elsewhere` (the child process)."""
    import threading

    from infrastructure.local.stack import start_moto

    start_moto("127.0.0.1", port)
    print("ready", flush=True)
    threading.Event().wait()


# What a Lambda's memory buys in CPU: 1,769 MB is one vCPU, less is a share of one.
VCPU_MB = 1769


def _estimate(rounds: int = 1, threads: tuple[tuple[int, int], ...] = ()) -> None:
    """The AWS estimate, moto in another process so that this process's CPU is the sealer's.

    For each count of chains and PutObjects in flight (``sealing.CHAIN_THREADS`` and
    ``PUT_THREADS``, as against AWS; ``threads``: ``(chains, puts)`` to compare, in turn
    each round):

    1. 1,000 records over 20 tenants with 20 ms added to every call: the rate as measured
       here (moto's own work and the machine's other load compete for its 2 cores) and the
       sealer's CPU a record;
    2. 300 more with 1 s a call: the round trips a batch waits for one after the other
       (wall / batches / 1 s; the CPU counted in them makes it a slight over-count);
    3. the estimate: a batch of 100 takes its round trips × 20 ms plus its CPU on the
       Lambda's share of a vCPU, as if none of it overlapped the waits (a floor), or the
       larger of the two (all of it overlapped, as many requests in flight allow).
    """
    from chalicelib.config import get_settings
    from chalicelib.services import sealing

    saved = sealing._side_by_side, sealing.PUT_THREADS, sealing.CHAIN_THREADS
    sealing._side_by_side = lambda: sealing.PUT_THREADS > 1  # type: ignore[assignment]
    try:
        with _moto_elsewhere() as server:
            get_settings()
            for _ in range(rounds):
                for chains, puts in threads or ((saved[2], saved[1]),):
                    sealing.CHAIN_THREADS, sealing.PUT_THREADS = chains, puts
                    label = f"{sealing.CHAIN_THREADS} chains and {sealing.PUT_THREADS} PutObjects at once"
                    many = [new_tenant().tenant_id for _ in range(20)]
                    records = _journal(many, 1000)
                    with _latency(LATENCY):
                        wall, cpu = _seal(f"20 tenants, moto in another process, +{LATENCY * 1000:.0f} ms a call, "
                                          f"{label}", records, server)
                    slow = 1.0
                    records = _journal(many, 300)
                    with _latency(slow):
                        slow_wall, _ = _seal(f"the same, +{slow * 1000:.0f} ms a call (round trips)", records,
                                             server, again=False)
                    trips = slow_wall / (len(records) / BATCH) / slow
                    cpu_batch = cpu / 1000 * BATCH
                    print(f"  AWS estimate, {label}: {trips:.1f} round trips a batch of {BATCH} one after the "
                          f"other, CPU {cpu_batch * 1000:.0f} ms a batch; a batch = {trips:.1f} x "
                          f"{LATENCY * 1000:.0f} ms + its CPU (or the larger of the two):")
                    for memory in (512, 1024, VCPU_MB):
                        waits, work = trips * LATENCY, cpu_batch / min(1.0, memory / VCPU_MB)
                        print(f"    Lambda of {memory} MB ({min(1.0, memory / VCPU_MB):.2f} vCPU): "
                              f"{BATCH / (waits + work):.0f} records/s ({BATCH / max(waits, work):.0f} overlapped) "
                              "(goal >= 200)")
    finally:
        sealing._side_by_side, sealing.PUT_THREADS, sealing.CHAIN_THREADS = saved  # type: ignore[method-assign]


def _quick() -> None:
    """Sealing alone (``python -m bench.sealing seal``): no 10,000-record chain."""
    with moto_account():
        import boto3

        from infrastructure.local.provision import create_vault

        create_vault(boto3.client("s3", region_name="eu-west-3"), "bench", 1)
        _seal("20 tenants, 1,000 records", _journal([new_tenant().tenant_id for _ in range(20)], 1000))
        _parallel_puts()
    _estimate()


if __name__ == "__main__":
    import sys

    if sys.argv[1:2] == ["serve"]:
        _serve(int(sys.argv[2]))
    elif sys.argv[1:2] == ["estimate"]:  # estimate [CHAINS/PUTS ...]: in flight at once, compared
        _estimate(2, tuple((int(c), int(p)) for c, p in (arg.split("/") for arg in sys.argv[2:])))
    elif sys.argv[1:] == ["seal"]:
        _quick()
    else:
        main()
