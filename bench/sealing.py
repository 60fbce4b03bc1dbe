"""The legal vault: sealing throughput and the verification of a long chain.

Goals (issue "The legal vault"), in-process with moto: seal at least 200
journal records per second (the stream's batches of 100, police-register
versions of 3-article lots); verify a 10,000-record chain in under 5 s.

Sealing is measured through ``seal_journal_records``, the stream handler's
service, on records already in the journal (as the stream hands them over),
for one busy chain and for records spread over many tenants. The 10,000-record
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
    from chalicelib.adapters.repositories.vault import JournalRecord

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


def _seal(label: str, records: list) -> None:
    from chalicelib.services import sealing

    counter = RequestCounter()
    with counter.counting(), timed() as took:
        for start in range(0, len(records), BATCH):
            sealing.seal_journal_records(records[start:start + BATCH])
    rate = len(records) / took["seconds"]
    print(f"sealing, {label}: {len(records)} records in {took['seconds']:.2f} s = {rate:.0f} records/s "
          f"(goal >= 200), {counter.total / len(records):.2f} requests per record")
    print("  requests: " + ", ".join(f"{op} {n}" for op, n in counter.calls.most_common()))
    with counter.counting(), timed() as again:
        for start in range(0, len(records), BATCH):
            sealing.seal_journal_records(records[start:start + BATCH])
    print(f"  the same records delivered again: {again['seconds']:.2f} s, nothing sealed twice")


def _long_chain(tenant_id: str, length: int, first: int = 1, prev: str = seal.GENESIS) -> str:
    """The objects, index items and head the sealer would have written for ``length`` records
    (ranks ``first``.. after ``prev``); the last record's hash."""
    from pynamodb.transactions import TransactWrite

    from chalicelib.adapters import vault
    from chalicelib.adapters.models import ChainHeadModel, SealedRecordModel
    from chalicelib.adapters.repositories import vault as repo
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
        items.append(repo.Entry(tenant_id, seal.POLICE_REGISTER, rank, f"seq-{rank}", "lot_committed", str(rank),
                                f"L{rank}", sealed_at.isoformat(), record.sha256, prev, stored.bucket, stored.key,
                                stored.version_id, stored.retention_mode, stored.retain_until))
        prev = record.sha256
    with SealedRecordModel.batch_write() as batch:
        for entry in items:
            batch.save(repo._entry_item(entry))
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
    with counter.counting(), timed() as took:
        result = compliance.verify(who)
    cpu = time.process_time() - cpu
    assert result["ok"] and result["checked"] == length and result["reread"] == NEW_RECORDS, result
    print(f"verification of the {length}-record chain after {NEW_RECORDS} new records, from the checkpoint "
          f"(with the live-data check): {took['seconds']:.2f} s (goal < 5 s; CPU {cpu:.2f} s), "
          f"{counter.total} requests")
    print("  requests: " + ", ".join(f"{op} {n}" for op, n in counter.calls.most_common()))
    entries = compliance.repo.chain_entries(who.tenant_id, seal.POLICE_REGISTER)[:CHAIN_LENGTH]
    stored = [seal.Stored(rank=e.rank, sha256=e.sha256, body=vault.read(e.key, e.version_id)[0],
                          prev_sha256=e.prev_sha256) for e in entries]
    length = CHAIN_LENGTH
    with timed() as pure:
        assert seal.verify_chain(seal.POLICE_REGISTER, stored, [seal.Head(seal.POLICE_REGISTER, length,
                                                                          entries[-1].sha256)]) is None
    print(f"  of which the chain check itself (hashes and links of {length} records): {pure['seconds']:.2f} s")


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


def _parallel_puts() -> None:
    """The chains of a batch and the PutObjects of a chain one at a time, then 8 at once
    (sealing.PUT_THREADS), over 20 tenants: as measured here (moto in this process) and
    with the ~20 ms each AWS call waits on the network added to every call, DynamoDB's and
    S3's (before 2026-12-07 only the PutObjects got it)."""
    import time

    import botocore.client

    from chalicelib.services import sealing

    original, default = botocore.client.BaseClient._make_api_call, sealing.PUT_THREADS

    def over_the_network(client: Any, operation: str, params: Any) -> Any:
        time.sleep(0.02)
        return original(client, operation, params)

    try:
        for latency in (False, True):
            botocore.client.BaseClient._make_api_call = over_the_network if latency else original  # type: ignore
            for threads in (1, 8):
                sealing.PUT_THREADS = threads
                many = [new_tenant().tenant_id for _ in range(20)]
                _seal(f"20 tenants, {threads} chain(s) and PutObject(s) at once{', +20 ms a call' if latency else ''}",
                      _journal(many, 1000))
    finally:
        botocore.client.BaseClient._make_api_call = original  # type: ignore[method-assign]
        sealing.PUT_THREADS = default


def _quick() -> None:
    """Sealing alone (``python -m bench.sealing seal``): no 10,000-record chain."""
    with moto_account():
        import boto3

        from infrastructure.local.provision import create_vault

        create_vault(boto3.client("s3", region_name="eu-west-3"), "bench", 1)
        _seal("20 tenants, 1,000 records", _journal([new_tenant().tenant_id for _ in range(20)], 1000))
        _parallel_puts()


if __name__ == "__main__":
    import sys

    _quick() if sys.argv[1:] == ["seal"] else main()
