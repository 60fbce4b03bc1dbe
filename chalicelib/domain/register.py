"""Committed lots and articles as records, and the police-register version of a lot.

What a commit, a correction or a retraction produces is computed here, from
plain data; the service only loads and stores.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any, overload

from chalicelib.domain.article import Article
from chalicelib.domain.lot import Lot
from chalicelib.domain.lots import DraftHeader, DraftLine, price_incl_tmp
from chalicelib.domain.money import ZERO, fmt, fmt_weight
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
) -> tuple[Lot, list[Article]]:
    """The lot and its articles, as a commit creates them."""
    assert header.purchase_date is not None and header.supplier_id is not None
    purchase = kind == "purchase"
    lot_price = header.purchase_price if purchase else None
    taxed = purchase and header.tmp and lot_price is not None
    lot = Lot(
        ref=ref,
        kind=kind,
        status="committed",
        supplier_id=header.supplier_id,
        supplier=supplier,
        purchase_date=header.purchase_date,
        purchase_price=lot_price,
        tmp=bool(header.tmp and purchase),
        price_incl_tmp=price_incl_tmp(lot_price, tmp_rate) if taxed and lot_price is not None else None,
        tmp_rate=tmp_rate if purchase and header.tmp else None,
        payment_method=header.payment_method,
        condition=header.condition,
        comment=header.comment,
        article_count=len(lines),
        committed_at=actor.at,
        committed_by=actor.user,
        register_version=1,
        traces=(),
    )
    articles = [
        Article(
            ref=article_ref(ref, rank),
            lot_ref=ref,
            status=STATUS_AFTER_COMMIT[kind],
            description=line.description,
            family_id=line.family_id,
            weight_g=line.weight_g,
            fineness=line.fineness,
            serial=line.serial,
            comment=line.comment,
            condition=header.condition,
            vat_rate=line.vat_rate,
            purchase_price=line.purchase_price if purchase else None,
            reserve_price=line.reserve_price,
            label_price=line.label_price,
            supplier_id=header.supplier_id,
            purchase_date=header.purchase_date,
        )
        for rank, line in enumerate(lines, start=1)
    ]
    return lot, articles


def register_version(
    lot: Lot,
    articles: list[Article],
    family_labels: dict[str, str],
    event: str,
    actor: Actor,
    reason: str | None = None,
) -> dict[str, Any]:
    """One police-register version: what the register must hold about the lot.

    Canonical content only: references, the frozen identity, labels; no
    database-internal ids (DOMAIN.md "Legal records").
    """
    identity = {k: v for k, v in (lot.supplier or {}).items() if k != "id"}
    return {
        "record": "police_register",
        "event": event,
        "version": lot.register_version,
        "at": actor.at.isoformat(),
        "by": actor.user,
        "reason": reason,
        "lot": {
            "ref": lot.ref,
            "kind": lot.kind,
            "status": lot.status,
            "purchase_date": None if lot.purchase_date is None else lot.purchase_date.isoformat(),
            "purchase_price": fmt(lot.purchase_price),
            "price_incl_tmp": fmt(lot.price_incl_tmp),
            "payment_method": lot.payment_method,
            "condition": lot.condition,
        },
        "seller": identity,
        "articles": [
            {
                "ref": a.ref,
                "description": a.description,
                "family": family_labels.get(a.family_id or "", None),
                "weight_g": fmt_weight(a.weight_g),
                "fineness": a.fineness,
                "serial": a.serial,
                "purchase_price": fmt(a.purchase_price),
                "reserve_price": fmt(a.reserve_price),
                "status": a.status,
            }
            for a in sorted(articles, key=lambda a: a.ref)
        ],
    }


def retracted(lot: Lot, articles: list[Article], comment: str, actor: Actor
              ) -> tuple[Lot, list[Article]]:
    """Prices to zero, articles ``retracted``, the comment kept as a trace."""
    lot_traces = [trace(actor, "status", lot.status, "retracted", comment)]
    price, price_incl = lot.purchase_price, lot.price_incl_tmp
    if price is not None:
        lot_traces.append(trace(actor, "purchase_price", fmt(price), fmt(ZERO), comment))
        price = ZERO
        if price_incl is not None:
            price_incl = ZERO
    new_lot = replace(lot, traces=(*lot.traces, *lot_traces), purchase_price=price, price_incl_tmp=price_incl,
                      status="retracted", register_version=lot.register_version + 1)
    new_articles = []
    for article in articles:
        traces = [trace(actor, "status", article.status, "retracted", comment)]
        price = article.purchase_price
        if price is not None:
            traces.append(trace(actor, "purchase_price", fmt(price), fmt(ZERO), comment))
            price = ZERO
        new_articles.append(article.with_traces(tuple(traces), status="retracted", purchase_price=price))
    return new_lot, new_articles


@overload
def apply_changes(record: Article, changes: dict[str, Any], actor: Actor, reason: str | None
                  ) -> tuple[Article, list[dict[str, Any]]]: ...


@overload
def apply_changes(record: Lot, changes: dict[str, Any], actor: Actor, reason: str | None
                  ) -> tuple[Lot, list[dict[str, Any]]]: ...


def apply_changes(record: Article | Lot, changes: dict[str, Any], actor: Actor,
                  reason: str | None) -> tuple[Article | Lot, list[dict[str, Any]]]:
    """The record (a lot, or an article) with ``changes`` applied and one trace per field that
    changed. ``changes`` are in the stored form (``"12.00"``, ISO dates): they are compared
    with, and traced as, the stored form."""
    if isinstance(record, Article):
        stored = record.to_record()
        changed = {name: value for name, value in changes.items() if stored.get(name) != value}
        traces = [trace(actor, name, stored.get(name), value, reason or "") for name, value in changed.items()]
        return Article.from_record({**stored, **changed}).with_traces(tuple(traces)), traces
    stored = record.to_record()
    changed = {name: value for name, value in changes.items() if stored.get(name) != value}
    traces = [trace(actor, name, stored.get(name), value, reason or "") for name, value in changed.items()]
    lot = Lot.from_record({**stored, **changed})
    return replace(lot, traces=(*lot.traces, *traces), version=record.version), traces
