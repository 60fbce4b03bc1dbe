"""The sealing failures: each journal entry not sealed yet, why, and how often it was tried
(what the health check, the verification screen and the scheduled retry read)."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.adapters.aws import ensure_models_bound
from chalicelib.adapters.models import SealFailureModel


@dataclass(frozen=True)
class Failure:
    """A journal entry not sealed yet, and why."""

    tenant_id: str
    seq: str
    kind: str
    error: str
    first_at: str
    last_at: str
    attempts: int
    poison: bool


def _failure(item: SealFailureModel) -> Failure:
    return Failure(item.tenant_id, item.seq, item.kind, item.error, item.first_at, item.last_at,
                   int(item.attempts or 0), bool(item.poison))


def record_failure(tenant_id: str, seq: str, kind: str, error: str, poison: bool, at: str) -> int:
    """Note (or count again) a failed attempt at sealing one journal entry; returns the
    attempts counted so far (1: its first failure)."""
    ensure_models_bound()
    item = SealFailureModel(tenant_id, seq)
    item.update(actions=[
        SealFailureModel.kind.set(kind),
        SealFailureModel.error.set(error[:1000]),
        SealFailureModel.first_at.set(SealFailureModel.first_at | at),
        SealFailureModel.last_at.set(at),
        SealFailureModel.attempts.add(1),
        SealFailureModel.poison.set(poison),
    ])
    return int(item.attempts or 0)


def tenant_failures(tenant_id: str) -> list[Failure]:
    ensure_models_bound()
    return [_failure(i) for i in SealFailureModel.query(tenant_id, consistent_read=True)]


def all_failures(limit: int = 1000) -> list[Failure]:
    """Every tenant's (a scan of a table that is empty when all is well)."""
    ensure_models_bound()
    return [_failure(i) for i in SealFailureModel.scan(limit=limit)]


def clear_failure(tenant_id: str, seq: str) -> None:
    ensure_models_bound()
    SealFailureModel(tenant_id, seq).delete()
