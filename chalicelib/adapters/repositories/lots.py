"""Lots: the committed purchase and consignment lots (their articles are in articles.py)."""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import DoesNotExist

from chalicelib.adapters.aws import ensure_models_bound
from chalicelib.adapters.models import LotModel
from chalicelib.errors import NotFoundError


def lot_from_item(item: LotModel) -> dict[str, Any]:
    return {"ref": item.ref, "kind": item.kind, **(item.data or {}), "_version": item.version}


def lot_item(tenant_id: str, lot: dict[str, Any]) -> LotModel:
    item = LotModel(tenant_id, lot["ref"], kind=lot["kind"],
                    data={k: v for k, v in lot.items() if k not in ("ref", "kind", "_version")})
    if lot.get("_version") is not None:
        item.version = lot["_version"]
    return item


def get_lot(tenant_id: str, ref: str) -> dict[str, Any]:
    ensure_models_bound()
    try:
        return lot_from_item(LotModel.get(tenant_id, ref, consistent_read=True))
    except DoesNotExist:
        raise NotFoundError("Lot introuvable.") from None


def list_lots(tenant_id: str) -> list[dict[str, Any]]:
    ensure_models_bound()
    return [lot_from_item(i) for i in LotModel.query(tenant_id)]
