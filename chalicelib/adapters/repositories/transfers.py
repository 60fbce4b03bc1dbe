"""Transfers between subscribers: V's outgoing records and A's pending lots.

Pending lots are drafts whose owner is ``pending#<id>``: finalizing one is a
draft commit (chalicelib/services/lots.py), with the same reference reservation
and the same removal of the draft in the commit's last transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.aws import ensure_models_bound
from chalicelib.adapters.models import DraftModel, RegistryModel, TransferModel
from chalicelib.adapters.repositories._common import cancellation_codes, connection, pack, unpack
from chalicelib.adapters.repositories.tenants import SUBSCRIBER_KEY
from chalicelib.domain.transfers import PENDING_PREFIX
from chalicelib.errors import NotFoundError

OUT = "out#"
IN = "in#"


def outgoing_item(tenant_id: str, transfer: dict[str, Any]) -> TransferModel:
    """V's record of a transfer, saved with the sale or deposit that makes it."""
    return TransferModel(tenant_id, OUT + transfer["source"], data=pack(transfer), status="new",
                         at=datetime.now(UTC))


def get_outgoing(tenant_id: str, transfer_id: str) -> tuple[dict[str, Any], str]:
    ensure_models_bound()
    item = TransferModel.get(tenant_id, transfer_id, consistent_read=True)
    return unpack(item.data), item.status


def mark_outgoing(tenant_id: str, transfer_id: str, status: str, detail: str | None) -> None:
    ensure_models_bound()
    TransferModel(tenant_id, transfer_id).update(
        actions=[TransferModel.status.set(status), TransferModel.detail.set(detail)])


def tenant_for_subscriber(subscriber_ref: str) -> str | None:
    ensure_models_bound()
    try:
        return RegistryModel.get(SUBSCRIBER_KEY + subscriber_ref, consistent_read=True).tenant_id
    except DoesNotExist:
        return None


def deliver(tenant_id: str, pending_id: str, header: dict[str, Any], lines: list[dict[str, Any]],
            pending: dict[str, Any]) -> bool:
    """A's pending lot and its delivery mark together; False when already delivered."""
    ensure_models_bound()
    now = datetime.now(UTC)
    mark = TransferModel(tenant_id, IN + pending_id, status="delivered", detail=pending["source"], at=now)
    draft = DraftModel(tenant_id, PENDING_PREFIX + pending_id, header=header, lines=pack(lines), pending=pending,
                       updated_at=now)
    try:
        with TransactWrite(connection=connection()) as tx:
            tx.save(mark, condition=TransferModel.id.does_not_exist())
            tx.save(draft, condition=DraftModel.user_id.does_not_exist())
    except TransactWriteError as exc:
        if "ConditionalCheckFailed" in cancellation_codes(exc):
            return False
        raise
    return True


def list_pending(tenant_id: str) -> list[tuple[str, dict[str, Any], dict[str, Any], list[dict[str, Any]]]]:
    """``(id, pending, header, lines)`` of each lot waiting at this tenant's."""
    ensure_models_bound()
    items = DraftModel.query(tenant_id, DraftModel.user_id.startswith(PENDING_PREFIX), consistent_read=True)
    return [(i.user_id[len(PENDING_PREFIX):], dict(i.pending or {}), dict(i.header or {}), unpack(i.lines))
            for i in items]


def delete_pending(tenant_id: str, pending_id: str) -> None:
    ensure_models_bound()
    try:
        with TransactWrite(connection=connection()) as tx:
            tx.delete(DraftModel(tenant_id, PENDING_PREFIX + pending_id), condition=DraftModel.user_id.exists(),
                      add_version_condition=False)
    except TransactWriteError as exc:
        if "ConditionalCheckFailed" in cancellation_codes(exc):
            raise NotFoundError("Lot en attente introuvable.") from None
        raise
