"""Committed lots and articles as records, and the police-register version of a lot.

What a commit, a correction or a retraction produces is computed here, from
plain data; the service only loads and stores.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from chalicelib.domain.lots import DraftHeader, DraftLine, price_incl_tmp
from chalicelib.domain.money import ZERO, fmt
from chalicelib.domain.parties import PARTY_FIELDS
from chalicelib.domain.references import article_ref

# Identity fields frozen in the lot at commit (the register's seller).
FROZEN_IDENTITY_FIELDS = tuple(f for f in PARTY_FIELDS if f not in ("comment", "subscriber_ref"))

# Article fields that appear in the police register: changing one is a correction.
ARTICLE_REGISTER_FIELDS = ("description", "family_id", "weight_g", "fineness", "serial", "purchase_price")
ARTICLE_FREE_FIELDS = ("comment", "label_price", "reserve_price", "vat_rate")
LOT_REGISTER_FIELDS = ("supplier_id", "purchase_date", "purchase_price", "payment_method", "condition")
LOT_FREE_FIELDS = ("comment",)

STATUS_AFTER_COMMIT = {"purchase": "stock", "consignment": "consigned"}


@dataclass(frozen=True)
class Actor:
    """Who did it, as traces and register versions name them."""

    user: str  # e-mail: readable by an inspector, stable across restores
    at: datetime


def frozen_identity(supplier_id: str, fields: dict[str, Any]) -> dict[str, Any]:
    identity = {name: fields.get(name) for name in FROZEN_IDENTITY_FIELDS}
    identity["id"] = supplier_id
    return identity


def trace(actor: Actor, field: str, old: Any, new: Any, reason: str) -> dict[str, Any]:
    return {"at": actor.at.isoformat(), "user": actor.user, "field": field, "old": old, "new": new,
            "reason": reason}


def new_lot(
    kind: str,
    ref: str,
    header: DraftHeader,
    lines: list[DraftLine],
    supplier: dict[str, Any],
    tmp_rate: Decimal,
    actor: Actor,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The lot record and its article records, as a commit creates them."""
    assert header.purchase_date is not None and header.supplier_id is not None
    purchase = kind == "purchase"
    lot_price = header.purchase_price if purchase else None
    taxed = purchase and header.tmp and lot_price is not None
    lot: dict[str, Any] = {
        "ref": ref,
        "kind": kind,
        "status": "committed",
        "supplier_id": header.supplier_id,
        "supplier": supplier,
        "purchase_date": header.purchase_date.isoformat(),
        "purchase_price": fmt(lot_price),
        "tmp": bool(header.tmp and purchase),
        "price_incl_tmp": fmt(price_incl_tmp(lot_price, tmp_rate)) if taxed and lot_price is not None else None,
        "tmp_rate": str(tmp_rate) if purchase and header.tmp else None,
        "payment_method": header.payment_method,
        "condition": header.condition,
        "comment": header.comment,
        "article_count": len(lines),
        "committed_at": actor.at.isoformat(),
        "committed_by": actor.user,
        "register_version": 1,
        "traces": [],
    }
    articles = []
    for rank, line in enumerate(lines, start=1):
        articles.append({
            "ref": article_ref(ref, rank),
            "lot_ref": ref,
            "status": STATUS_AFTER_COMMIT[kind],
            "description": line.description,
            "family_id": line.family_id,
            "weight_g": line.to_json()["weight_g"],
            "fineness": line.fineness,
            "serial": line.serial,
            "comment": line.comment,
            "condition": header.condition,
            "vat_rate": line.vat_rate,
            "purchase_price": fmt(line.purchase_price) if purchase else None,
            "reserve_price": fmt(line.reserve_price),
            "deposit_price": None,
            "label_price": fmt(line.label_price),
            "sale_price": None,
            "supplier_id": header.supplier_id,
            "client_id": None,
            "transaction_ref": None,
            "invoice_number": None,
            "payment_method": None,
            "purchase_date": header.purchase_date.isoformat(),
            "sale_date": None,
            "deposit_date": None,
            "traces": [],
        })
    return lot, articles


def register_version(
    lot: dict[str, Any],
    articles: list[dict[str, Any]],
    family_labels: dict[str, str],
    event: str,
    actor: Actor,
    reason: str | None = None,
) -> dict[str, Any]:
    """One police-register version: what the register must hold about the lot.

    Canonical content only: references, the frozen identity, labels; no
    database-internal ids (DOMAIN.md "Legal records").
    """
    identity = {k: v for k, v in lot["supplier"].items() if k != "id"}
    return {
        "record": "police_register",
        "event": event,
        "version": lot["register_version"],
        "at": actor.at.isoformat(),
        "by": actor.user,
        "reason": reason,
        "lot": {
            "ref": lot["ref"],
            "kind": lot["kind"],
            "status": lot["status"],
            "purchase_date": lot["purchase_date"],
            "purchase_price": lot["purchase_price"],
            "price_incl_tmp": lot["price_incl_tmp"],
            "payment_method": lot["payment_method"],
            "condition": lot["condition"],
        },
        "seller": identity,
        "articles": [
            {
                "ref": a["ref"],
                "description": a["description"],
                "family": family_labels.get(a["family_id"] or "", None),
                "weight_g": a["weight_g"],
                "fineness": a["fineness"],
                "serial": a["serial"],
                "purchase_price": a["purchase_price"],
                "reserve_price": a["reserve_price"],
                "status": a["status"],
            }
            for a in sorted(articles, key=lambda a: a["ref"])
        ],
    }


def retracted(lot: dict[str, Any], articles: list[dict[str, Any]], comment: str, actor: Actor
              ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Prices to zero, articles ``retracted``, the comment kept as a trace."""
    new_lot = dict(lot)
    new_lot["traces"] = [*lot["traces"],
                         trace(actor, "status", lot["status"], "retracted", comment)]
    if lot["purchase_price"] is not None:
        new_lot["traces"].append(trace(actor, "purchase_price", lot["purchase_price"], fmt(ZERO), comment))
        new_lot["purchase_price"] = fmt(ZERO)
        if lot["price_incl_tmp"] is not None:
            new_lot["price_incl_tmp"] = fmt(ZERO)
    new_lot["status"] = "retracted"
    new_lot["register_version"] = lot["register_version"] + 1
    new_articles = []
    for article in articles:
        changed = dict(article)
        changed["traces"] = [*article["traces"], trace(actor, "status", article["status"], "retracted", comment)]
        if article["purchase_price"] is not None:
            changed["traces"].append(trace(actor, "purchase_price", article["purchase_price"], fmt(ZERO), comment))
            changed["purchase_price"] = fmt(ZERO)
        changed["status"] = "retracted"
        new_articles.append(changed)
    return new_lot, new_articles


def apply_changes(record: dict[str, Any], changes: dict[str, Any], actor: Actor, reason: str | None
                  ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The record with ``changes`` applied and one trace per field that changed."""
    updated = dict(record)
    traces = []
    for name, value in changes.items():
        if record.get(name) != value:
            traces.append(trace(actor, name, record.get(name), value, reason or ""))
            updated[name] = value
    updated["traces"] = [*record.get("traces", []), *traces]
    return updated, traces
