"""Between subscribers: the public card, V's outgoing transfers, A's pending lots.

V's sale or deposit to a client carrying A's subscriber reference saves an
outgoing record in the same transaction (``outgoing_put``). The transfers
table's stream hands it to ``deliver_stream_records`` (app.deliver_transfers),
which makes A's pending lot when A has V as a supplier with V's reference.
Delivery never touches V's articles and never fails V's action: a transfer that
cannot be delivered is marked so on V's record, and a redelivered record finds
A's delivery mark and does nothing.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from chalicelib.adapters.repositories import catalog as catalog_repo
from chalicelib.adapters.repositories import drafts as drafts_repo
from chalicelib.adapters.repositories import tenants as tenant_repo
from chalicelib.adapters.repositories import transfers as repo
from chalicelib.auth import Principal
from chalicelib.domain import transfers as rules
from chalicelib.domain.entities import Party
from chalicelib.domain.lots import DraftLine
from chalicelib.domain.records import OutgoingTransfer
from chalicelib.errors import NotFoundError, ValidationError
from chalicelib.observability import count, logger
from chalicelib.services import lots as lots_service

# ---------------------------------------------------------------- the public card


def company_card(who: Principal, subscriber_ref: str) -> dict[str, Any]:
    """Another subscriber's name, address and SIREN, to fill a supplier or client form."""
    who.require("edit_parties")
    ref = rules.normalized_ref(subscriber_ref)
    tenant_id = repo.tenant_for_subscriber(ref) if ref else None
    if tenant_id is None:
        raise NotFoundError("Aucun abonné ne porte cette référence.")
    return rules.public_company(tenant_repo.get_tenant(tenant_id).settings, ref)


# ---------------------------------------------------------------- V's side


def outgoing_put(who: Principal, client: Party | None, make: Any,
                 own_ref: str | None = None) -> list[OutgoingTransfer]:
    """The outgoing record to save with V's action, when the client is a subscriber.

    ``make(own_ref, to_ref)`` builds the :class:`rules.Transfer`; nothing is read
    unless the client carries a subscriber reference (V's own is read when not given).
    """
    if client is None or not rules.normalized_ref(client.fields.get("subscriber_ref")):
        return []
    own_ref = own_ref or tenant_repo.get_tenant(who.tenant_id).subscriber_ref
    to_ref = rules.wants_transfer(client.fields, own_ref)
    if to_ref is None:
        return []
    transfer: rules.Transfer = make(own_ref, to_ref)
    return [OutgoingTransfer(transfer.to_json())]


# ---------------------------------------------------------------- delivery


def _keys(record: Any) -> tuple[str | None, dict[str, Any]]:
    if isinstance(record, dict):
        return record.get("eventName"), record.get("dynamodb", {}).get("Keys") or {}
    return record.event_name, record.keys or {}


def deliver_stream_records(records: Any) -> dict[str, int]:
    """The stream handler's work: each new outgoing record is delivered once."""
    report = {"delivered": 0, "not_delivered": 0, "already_done": 0, "ignored": 0}
    for record in records:
        name, keys = _keys(record)
        tenant_id = keys.get("tenant_id", {}).get("S")
        transfer_id = keys.get("id", {}).get("S", "")
        if name != "INSERT" or not tenant_id or not transfer_id.startswith(repo.OUT):
            report["ignored"] += 1
            continue
        report[deliver(tenant_id, transfer_id)] += 1
    return report


def _mutual_supplier(tenant_id: str, subscriber_ref: str) -> Party | None:
    for party in catalog_repo.list_parties(tenant_id, "supplier"):
        if rules.normalized_ref(party.fields.get("subscriber_ref")) == subscriber_ref:
            return party
    return None


def deliver(from_tenant_id: str, transfer_id: str) -> str:
    """Make A's pending lot(s) from V's outgoing record; idempotent.

    Answers ``delivered``, ``not_delivered`` or ``already_done`` (a redelivered record).
    """
    data, status = repo.get_outgoing(from_tenant_id, transfer_id)
    if status != "new":
        return "already_done"
    transfer = rules.Transfer.from_json(data)
    to_tenant_id = repo.tenant_for_subscriber(transfer.to_subscriber_ref)
    supplier = _mutual_supplier(to_tenant_id, transfer.from_subscriber_ref) if to_tenant_id else None
    if to_tenant_id is None or supplier is None:
        detail = "unknown_subscriber" if to_tenant_id is None else "no_mutual_reference"
        repo.mark_outgoing(from_tenant_id, transfer_id, "not_delivered", detail)
        logger.info("transfer not delivered", extra={"tenant_id": from_tenant_id, "transfer": transfer_id,
                                                      "reason": detail})
        count("TransfersNotDelivered")
        return "not_delivered"
    from_name = tenant_repo.get_tenant(from_tenant_id).settings.get("company_name")
    received_at = datetime.now(UTC).isoformat()
    for suffix, header, lines in rules.pending_lots(transfer, supplier.id):
        pending = {"kind": transfer.kind, "from_subscriber_ref": transfer.from_subscriber_ref,
                   "from_name": from_name, "source": transfer.source, "received_at": received_at}
        repo.deliver(to_tenant_id, rules.pending_id(from_tenant_id, transfer.source, suffix), header, lines, pending)
    repo.mark_outgoing(from_tenant_id, transfer_id, "delivered", None)
    count("TransfersDelivered")
    return "delivered"


# ---------------------------------------------------------------- A's side


def list_pending(who: Principal) -> list[dict[str, Any]]:
    who.require("receive_transfers")
    items = [rules.pending_view(pid, meta, header, lines) for pid, meta, header, lines in
             repo.list_pending(who.tenant_id)]
    return sorted(items, key=lambda p: (p.get("received_at") or "", p["id"]))


def _pending_draft(who: Principal, pending_id: str) -> drafts_repo.Draft:
    draft = drafts_repo.get_draft(who.tenant_id, rules.PENDING_PREFIX + pending_id)
    if draft.pending is None:
        raise NotFoundError("Lot en attente introuvable.")
    return draft


def get_pending(who: Principal, pending_id: str) -> dict[str, Any]:
    who.require("receive_transfers")
    draft = _pending_draft(who, pending_id)
    return rules.pending_view(pending_id, draft.pending or {}, draft.header.to_json(),
                              [line.to_json() for line in draft.lines])


def finalize(who: Principal, pending_id: str, families: dict[str, str], default_family: str | None,
             payment_method: str | None) -> dict[str, Any]:
    """Families chosen by A, then the same commit as a draft: new references, a police-register version."""
    who.require("receive_transfers")
    who.require("enter_lots")
    draft = _pending_draft(who, pending_id)
    try:
        chosen = rules.with_families([line.to_json() for line in draft.lines], families, default_family)
        draft.lines = [DraftLine.from_json(line) for line in chosen]
    except rules.FamilyChoiceError as exc:
        raise ValidationError(details=exc.details) from None
    if payment_method is not None:
        draft.header = replace(draft.header, payment_method=payment_method)
    # Not saved here: a refused finalize leaves the pending lot as it was; the commit stores
    # the choices with its reference reservation, once every check has passed.
    kind = str((draft.pending or {})["kind"])
    try:
        result = lots_service.commit_draft(who, rules.PENDING_PREFIX + pending_id, draft, kind)
    except lots_service.IncompleteDraftError as exc:  # the same check, worded for a received lot
        raise lots_service.IncompleteDraftError(
            "Le lot reçu est incomplet : complétez ce qui manque avant de le finaliser.", details=exc.details) from None
    count("PendingLotsFinalized")
    return result


def delete_pending(who: Principal, pending_id: str) -> None:
    who.require("receive_transfers")
    repo.delete_pending(who.tenant_id, pending_id)
