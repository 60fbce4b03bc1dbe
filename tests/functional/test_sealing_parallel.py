"""Sealing stores the objects of a stream batch side by side (issue 17, item 5): the
ranks, their order and the chain stay exactly those of one-at-a-time sealing.

Locally (an endpoint is set) the PutObjects go one at a time; these tests switch the
pool on as in AWS.
"""

from __future__ import annotations

import dataclasses
import random
import threading
import time
from typing import Any

import pytest

from tests.support import Api, TenantSession


@pytest.fixture
def as_in_aws(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The sealer as it runs in AWS (8 PutObjects at once), each PutObject taking a random
    while so that they finish out of order; the threads that stored are listed."""
    from chalicelib.adapters import vault
    from chalicelib.config import get_settings
    from chalicelib.services import sealing

    vault.client("s3")  # the client keeps the local endpoint
    real = get_settings()
    monkeypatch.setattr(sealing, "get_settings", lambda: dataclasses.replace(real, aws_endpoint_url=None))
    monkeypatch.setattr(sealing, "PUT_THREADS", 8)
    real_put = vault.put_sealed
    threads: list[str] = []

    def slow_put(*args: Any, **kwargs: Any) -> Any:
        time.sleep(random.uniform(0, 0.03))
        threads.append(threading.current_thread().name)
        return real_put(*args, **kwargs)

    monkeypatch.setattr(vault, "put_sealed", slow_put)
    return threads


def _unsealed_inspections(tenant_id: str, count: int, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    from chalicelib.adapters.repositories import journal
    from chalicelib.services import sealing

    with monkeypatch.context() as lost:  # the stream's deliveries are lost: nothing sealed yet
        lost.setattr(sealing, "seal_stream_records", lambda records: None)
        seqs = [journal.put_journal(tenant_id, "inspection", f"insp_{n}", {"record": "inspection", "text": str(n)})
                for n in range(count)]
    return [journal.get_journal(tenant_id, seq) for seq in seqs]


def _verified(api: Api) -> None:
    reply = api.get("/api/compliance/verify")
    assert reply.status == 200, reply.body
    assert reply.body["first_broken"] is None


def test_a_batch_stored_by_parallel_puts_keeps_its_ranks_in_journal_order(
    tenant: TenantSession, as_in_aws: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.adapters.repositories import sealed_records
    from chalicelib.services import sealing

    journal = _unsealed_inspections(tenant.tenant_id, 24, monkeypatch)
    sealing.seal_journal_records(journal)
    entries = sealed_records.chain_entries(tenant.tenant_id, "inspection")
    assert [e.rank for e in entries] == list(range(1, 25))
    assert [e.seq for e in entries] == [r.seq for r in journal]
    assert [e.subject for e in entries] == [f"insp_{n}" for n in range(24)]
    assert len({name for name in as_in_aws if name.startswith("seal-put")}) > 1  # really side by side
    _verified(tenant.api)


def test_a_failed_put_among_parallel_ones_fails_the_batch_and_a_redelivery_completes_it(
    tenant: TenantSession, as_in_aws: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.adapters import vault
    from chalicelib.adapters.repositories import sealed_records
    from chalicelib.services import sealing

    journal = _unsealed_inspections(tenant.tenant_id, 12, monkeypatch)
    working = vault.put_sealed

    def fails_on_rank_5(key: str, *args: Any, **kwargs: Any) -> Any:
        if key.endswith(f"/{5:010d}.json"):
            raise vault.VaultError("S3 ne répond pas")
        return working(key, *args, **kwargs)

    monkeypatch.setattr(vault, "put_sealed", fails_on_rank_5)
    with pytest.raises(sealing.SealingError):
        sealing.seal_journal_records(journal)
    assert sealed_records.chain_entries(tenant.tenant_id, "inspection") == []  # the index is one transaction
    monkeypatch.setattr(vault, "put_sealed", working)
    sealing.seal_journal_records(journal)
    entries = sealed_records.chain_entries(tenant.tenant_id, "inspection")
    assert [(e.rank, e.seq) for e in entries] == [(n + 1, r.seq) for n, r in enumerate(journal)]
    _verified(tenant.api)


def test_the_chains_of_several_tenants_in_one_batch_are_sealed_side_by_side_each_in_order(
    tenant: TenantSession, as_in_aws: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.adapters.repositories import sealed_records
    from chalicelib.services import sealing

    tenants = [tenant.tenant_id] + [f"{tenant.tenant_id}_side_{n}" for n in range(3)]
    journals = {tenant_id: _unsealed_inspections(tenant_id, 6, monkeypatch) for tenant_id in tenants}
    batch = [journals[t][n] for n in range(6) for t in tenants]  # a stream batch interleaves tenants
    report = sealing.seal_journal_records(batch)
    assert sorted(report.sealed) == sorted((t, "inspection", rank) for t in tenants for rank in range(1, 7))
    for tenant_id in tenants:
        entries = sealed_records.chain_entries(tenant_id, "inspection")
        assert [(e.rank, e.seq) for e in entries] == [(n + 1, r.seq) for n, r in enumerate(journals[tenant_id])]
    assert len({name for name in as_in_aws if name.startswith("seal-put")}) > 1
    _verified(tenant.api)
