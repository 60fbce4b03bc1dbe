"""Fiscal archives' items: one per (tenant, period), kept in the counters table.

``fiscal_archive#<period>`` holds the archive's state (``running``, ``ready``,
``failed``), its job, its files and its manifest's hash. Created with a
condition, so a period is archived once whoever starts it (the closing's
schedule or a user).
"""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError

from chalicelib.adapters.aws import ensure_models_bound
from chalicelib.adapters.models import CounterModel

PREFIX = "fiscal_archive#"


def _key(period: str) -> str:
    return PREFIX + period


def get(tenant_id: str, period: str) -> dict[str, Any] | None:
    ensure_models_bound()
    try:
        item = CounterModel.get(tenant_id, _key(period), consistent_read=True)
    except DoesNotExist:
        return None
    return {**(item.state or {}), "generation": int(item.value or 0)}


def list_all(tenant_id: str) -> list[dict[str, Any]]:
    ensure_models_bound()
    return [{**(i.state or {}), "generation": int(i.value or 0)}
            for i in CounterModel.query(tenant_id, CounterModel.key.startswith(PREFIX), consistent_read=True)]


def _state(archive: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in archive.items() if k != "generation"}


def create(tenant_id: str, archive: dict[str, Any], replacing: int | None = None) -> bool:
    """Store a new archive item; False if the period has one already (unless it is the
    ``replacing`` generation: a failed or lost build started again)."""
    ensure_models_bound()
    generation = 1 if replacing is None else replacing + 1
    item = CounterModel(tenant_id, _key(archive["period"]), value=generation, state=_state(archive))
    condition = CounterModel.key.does_not_exist() if replacing is None else CounterModel.value == replacing
    try:
        item.save(condition=condition)
    except PutError as exc:
        if getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException":
            return False
        raise
    archive["generation"] = generation
    return True


def save(tenant_id: str, archive: dict[str, Any]) -> None:
    ensure_models_bound()
    CounterModel(tenant_id, _key(archive["period"]), value=archive.get("generation") or 1,
                 state=_state(archive)).save()
