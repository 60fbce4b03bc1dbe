"""Lots: the committed purchase and consignment lots (their articles are in articles.py)."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from chalicelib.adapters.aws import ensure_models_bound
from chalicelib.adapters.models import LotModel
from chalicelib.adapters.repositories._common import readable
from chalicelib.domain.lot import Lot
from chalicelib.errors import NotFoundError


def lot_from_item(item: LotModel) -> Lot:
    return readable("lot", item.ref, lambda: Lot.from_record(
        {"ref": item.ref, "kind": item.kind, **(item.data or {}), "_version": item.version}))


def lot_item(tenant_id: str, lot: Lot) -> LotModel:
    """The stored item of a lot; a lot read is written back under its optimistic lock.
    (Backups and restores keep lots as raw records on purpose: repositories/jobs.py.)"""
    item = LotModel(tenant_id, lot.ref, kind=lot.kind, data=lot.data())
    if lot.version is not None:
        item.version = lot.version
    return item


def get_lot(tenant_id: str, ref: str) -> Lot:
    ensure_models_bound()
    try:
        return lot_from_item(LotModel.get(tenant_id, ref, consistent_read=True))
    except DoesNotExist:
        raise NotFoundError("Lot introuvable.") from None


def list_lots(tenant_id: str) -> list[Lot]:
    ensure_models_bound()
    return [lot_from_item(i) for i in LotModel.query(tenant_id)]
