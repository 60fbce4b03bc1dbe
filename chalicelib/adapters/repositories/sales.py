"""Sales and credit notes: one record per transaction reference."""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import DoesNotExist

from chalicelib.adapters.aws import ensure_models_bound
from chalicelib.adapters.models import SaleModel
from chalicelib.errors import NotFoundError


def get_sale(tenant_id: str, transaction_ref: str) -> dict[str, Any]:
    ensure_models_bound()
    try:
        return dict(SaleModel.get(tenant_id, transaction_ref, consistent_read=True).data)
    except DoesNotExist:
        raise NotFoundError("Vente introuvable.") from None


def save_sale(tenant_id: str, sale: dict[str, Any]) -> None:
    ensure_models_bound()
    SaleModel(tenant_id, sale["transaction_ref"], data=sale).save()


def list_sales(tenant_id: str) -> list[dict[str, Any]]:
    ensure_models_bound()
    return [dict(i.data) for i in SaleModel.query(tenant_id)]


def new_sale_item(tenant_id: str, sale: dict[str, Any]) -> tuple[SaleModel, Any]:
    """The item of a new sale or credit note, and the condition that its reference is still free."""
    return SaleModel(tenant_id, sale["transaction_ref"], data=sale), SaleModel.transaction_ref.does_not_exist()
