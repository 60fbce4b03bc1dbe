"""Sales and credit notes: one record per transaction reference."""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import DoesNotExist

from chalicelib.adapters.aws import ensure_models_bound
from chalicelib.adapters.models import SaleModel
from chalicelib.adapters.repositories._common import readable
from chalicelib.domain.sale import Sale
from chalicelib.errors import NotFoundError


def get_sale(tenant_id: str, transaction_ref: str) -> Sale:
    ensure_models_bound()
    try:
        return _sale(SaleModel.get(tenant_id, transaction_ref, consistent_read=True))
    except DoesNotExist:
        raise NotFoundError("Vente introuvable.") from None


def save_sale(tenant_id: str, sale: Sale) -> None:
    ensure_models_bound()
    SaleModel(tenant_id, sale.transaction_ref, data=sale.to_record()).save()


def list_sales(tenant_id: str) -> list[Sale]:
    ensure_models_bound()
    return [_sale(i) for i in SaleModel.query(tenant_id)]


def _sale(item: SaleModel) -> Sale:
    return readable("sale", item.transaction_ref, lambda: Sale.from_record(item.data))


def new_sale_item(tenant_id: str, sale: Sale) -> tuple[SaleModel, Any]:
    """The item of a new sale or credit note, and the condition that its reference is still free."""
    return (SaleModel(tenant_id, sale.transaction_ref, data=sale.to_record()),
            SaleModel.transaction_ref.does_not_exist())
