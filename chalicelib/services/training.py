"""Training mode (mode formation): the switch, and the fictitious receipts read back.

The sale itself is ``chalicelib/services/actions.py`` (``_training_sell``); the rules
are ``chalicelib/domain/training.py``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from chalicelib.adapters import vault
from chalicelib.adapters.repositories import journal, sealed_records
from chalicelib.adapters.repositories import users as user_repo
from chalicelib.auth import Principal, forget_user
from chalicelib.domain import seal, training
from chalicelib.errors import NotFoundError
from chalicelib.services import audit

PERMISSION = "training_mode"


def switch(who: Principal, on: bool) -> dict[str, Any]:
    """Turn the caller's training mode on or off; a change is an event (``training_on`` /
    ``training_off``), switching to the state already in force changes nothing."""
    who.require(PERMISSION)
    email = who.email.lower()
    user = next((u for u in user_repo.list_users(who.tenant_id) if u.email.lower() == email), None)
    if user is None:
        raise NotFoundError("Utilisateur introuvable.")
    if user.training != on:
        user_repo.set_training(who.tenant_id, user.id, user.email, on)
        forget_user(who.tenant_id, who.email)  # the caller's next request sees the new mode
        audit.record_event(who.tenant_id, "training_on" if on else "training_off", user=who.email)
    return {"training": on}


def receipt_content(tenant_id: str, transaction_ref: str) -> dict[str, Any]:
    """A training receipt as sealed (the vault, found by its transaction), or as journalled
    while the sealer has not sealed it yet; 404 when there is none."""
    ref = transaction_ref.strip().upper()
    if not training.is_training_ref(ref):
        raise NotFoundError("Aucune vente fictive sous cette référence.")
    for entry in sorted(sealed_records.subject_entries(tenant_id, seal.TRAINING, ref), key=lambda e: e.rank):
        stored = vault.read(entry.key, entry.version_id)
        if stored is not None:
            return dict(seal.parse(stored[0])["content"])
    for record in journal.journal_about(tenant_id, ref, [training.JOURNAL_KIND]):
        return journal.decode_payload(record.payload)
    raise NotFoundError("Aucune vente fictive sous cette référence.")


def sale(who: Principal, transaction_ref: str) -> dict[str, Any]:
    """A training sale shown like a sale (``GET /api/sales/{ref}`` with a training reference)."""
    return training.sale_view(receipt_content(who.tenant_id, transaction_ref))


def receipts(who: Principal, filters: dict[str, date]) -> list[dict[str, Any]]:
    """The sealed training receipts, in order (``GET /api/compliance/training-receipts``)."""
    from chalicelib.services import compliance

    who.require("read_training_receipts")
    entries = compliance._filtered(sealed_records.chain_entries(who.tenant_id, seal.TRAINING), filters)
    views = []
    for entry in entries:
        summary = entry.summary or {}
        views.append({**compliance.item_view(entry), "transaction_ref": summary.get("transaction_ref"),
                      "total": summary.get("total"), "at": summary.get("at"), "training": True,
                      "mention": training.MENTION})
    return views
