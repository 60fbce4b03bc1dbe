"""Bulk actions on a selection of articles (DOMAIN.md "Article lifecycle").

A status changes only through these actions. Each takes every article of the
selection or none: :func:`check_statuses` names the articles in the wrong
status; the ``apply_*`` functions compute the new articles (:class:`Article`)
and the event each article's history gains (a plain record, as stored).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from chalicelib.domain.article import Article
from chalicelib.domain.money import fmt
from chalicelib.domain.register import Actor, trace
from chalicelib.domain.vat import NEGATIVE_MARGIN

ANY = frozenset({"stock", "consigned", "on_deposit", "sold", "lost", "returned_to_owner", "retracted",
                 "melt_deposit", "sold_for_melt", "replaced"})

# action → (statuses it accepts, status it leaves; None = unchanged)
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    "deposit": (frozenset({"stock"}), "on_deposit"),
    "deposit_update": (frozenset({"on_deposit"}), None),
    "deposit_list": (frozenset({"on_deposit"}), None),
    "deposit_return": (frozenset({"on_deposit"}), "stock"),
    "sell": (frozenset({"stock"}), "sold"),
    "customer_return": (frozenset({"sold"}), "stock"),
    "reserve_price": (frozenset({"consigned"}), None),
    "return_to_owner": (frozenset({"consigned"}), "returned_to_owner"),
    "buy_consigned": (frozenset({"consigned"}), "replaced"),
    "declare_lost": (frozenset({"stock", "on_deposit"}), "lost"),
    "labels": (ANY, None),
    "melt_deposit": (frozenset({"stock"}), "melt_deposit"),
    "melt_return": (frozenset({"melt_deposit"}), "stock"),
    "melt_sell": (frozenset({"melt_deposit"}), "sold_for_melt"),
}

# What each action needs besides the articles (API.md "Action parameters").
REQUIRED_PARAMS: dict[str, frozenset[str]] = {
    "deposit": frozenset({"client_id", "date"}),
    "deposit_update": frozenset(),
    "deposit_list": frozenset(),
    "deposit_return": frozenset({"date"}),
    "sell": frozenset({"date", "payment_method"}),
    "customer_return": frozenset({"date", "reason"}),
    "reserve_price": frozenset({"prices"}),
    "return_to_owner": frozenset({"date"}),
    "buy_consigned": frozenset({"date"}),
    "declare_lost": frozenset({"date", "reason"}),
    "labels": frozenset(),
    "melt_deposit": frozenset({"client_id", "date"}),
    "melt_return": frozenset({"date"}),
    "melt_sell": frozenset({"date", "prices"}),
}

# Actions that only read: no write, no journal, no idempotency record needed.
READ_ONLY = frozenset({"deposit_list", "labels"})

# Who may run each action: the permission ``action:<name>`` of chalicelib/domain/profiles.py.

STATUS_LABELS = {
    "stock": "en stock", "consigned": "confié", "on_deposit": "en dépôt", "sold": "vendu", "lost": "perdu",
    "returned_to_owner": "rendu", "retracted": "rétracté", "melt_deposit": "déposé pour fonte",
    "sold_for_melt": "vendu pour fonte", "replaced": "racheté (nouvelle référence)",
}


class ActionInputError(ValueError):
    """Input the action cannot use; ``details`` maps field → French reason."""

    def __init__(self, details: dict[str, Any]) -> None:
        super().__init__("invalid action input")
        self.details = details


def check_statuses(action: str, articles: list[Article]) -> list[str]:
    """References whose status the action does not accept (sorted)."""
    accepted, _ = TRANSITIONS[action]
    return sorted(a.ref for a in articles if a.status not in accepted)


@dataclass(frozen=True)
class Change:
    article: Article  # the article as changed
    expected_status: str  # the status it must still have when written


def _event(actor: Actor, action: str, when: date | None, **details: Any) -> dict[str, Any]:
    return {"at": actor.at.isoformat(), "user": actor.user, "event": action,
            "date": when.isoformat() if when else None,
            **({"details": details} if details else {})}


def _changed(article: Article, event: dict[str, Any], **fields: Any) -> Change:
    return Change(article.with_event(event, **fields), article.status)


def _price_for(article: Article, prices: dict[str, Decimal] | None, fallback: str | None,
               missing: list[str]) -> Decimal | None:
    if prices and article.ref in prices:
        return prices[article.ref]
    value: Decimal | None = getattr(article, fallback) if fallback else None
    if value is None:
        missing.append(article.ref)
    return value


def _unknown_prices(articles: list[Article], prices: dict[str, Decimal] | None) -> None:
    refs = {a.ref for a in articles}
    extra = sorted(set(prices or {}) - refs)
    if extra:
        raise ActionInputError({"prices": f"Références hors de la sélection : {', '.join(extra)}."})


def apply_deposit(articles: list[Article], actor: Actor, action: str, client_id: str | None,
                  when: date | None, prices: dict[str, Decimal] | None) -> list[Change]:
    """``deposit`` and ``deposit_update``: placed at a client or colleague."""
    _unknown_prices(articles, prices)
    missing: list[str] = []
    changes = []
    for article in articles:
        price = _price_for(article, prices, "deposit_price" if action == "deposit_update" else "label_price",
                           missing)
        fields: dict[str, Any] = {"deposit_price": price}
        if action == "deposit":
            fields.update(status="on_deposit", client_id=client_id, deposit_date=when)
        else:
            if client_id is not None:
                fields["client_id"] = client_id
            if when is not None:
                fields["deposit_date"] = when
        changes.append(_changed(article, _event(actor, action, when, client_id=fields.get("client_id"),
                                                deposit_price=fmt(price)), **fields))
    if missing:
        raise ActionInputError({"prices": "Prix de dépôt manquant (ni saisi ni prix étiquette) : "
                                + ", ".join(missing) + "."})
    return changes


def apply_simple(articles: list[Article], actor: Actor, action: str, when: date | None,
                 reason: str | None = None, client_id: str | None = None) -> list[Change]:
    """Actions that only move the status (and keep who/when in the history)."""
    _, target = TRANSITIONS[action]
    changes = []
    for article in articles:
        fields: dict[str, Any] = {"status": target}
        if action == "deposit_return":
            fields.update(client_id=None, deposit_date=None, deposit_price=None)
        elif action == "declare_lost":
            fields.update(vat_rate=NEGATIVE_MARGIN)
        elif action == "melt_deposit":
            fields.update(client_id=client_id)
        elif action == "melt_return":
            fields.update(client_id=None)
        details = {k: v for k, v in (("reason", reason), ("client_id", client_id)) if v}
        changes.append(_changed(article, _event(actor, action, when, **details), **fields))
    return changes


def apply_reserve_price(articles: list[Article], actor: Actor, prices: dict[str, Decimal]) -> list[Change]:
    _unknown_prices(articles, prices)
    missing = sorted(a.ref for a in articles if a.ref not in prices)
    if missing:
        raise ActionInputError({"prices": "Nouveau prix de réserve manquant : " + ", ".join(missing) + "."})
    return [_changed(a, _event(actor, "reserve_price", None, old=fmt(a.reserve_price), new=fmt(prices[a.ref])),
                     reserve_price=prices[a.ref],
                     traces=(*a.traces, trace(actor, "reserve_price", fmt(a.reserve_price), fmt(prices[a.ref]),
                                              "Nouveau prix de réserve")))
            for a in articles]


def apply_melt_sell(articles: list[Article], actor: Actor, when: date,
                    prices: dict[str, Decimal]) -> list[Change]:
    _unknown_prices(articles, prices)
    missing = sorted(a.ref for a in articles if a.ref not in prices)
    if missing:
        raise ActionInputError({"prices": "Prix de vente pour fonte manquant : " + ", ".join(missing) + "."})
    return [_changed(a, _event(actor, "melt_sell", when, price=fmt(prices[a.ref])),
                     status="sold_for_melt", sale_price=prices[a.ref], sale_date=when, vat_rate="exempt_melt")
            for a in articles]


# The sale data a customer return traces (in its stored form: "12.00", ISO dates) and resets.
_SALE_FIELDS = ("sale_price", "sale_date", "client_id", "transaction_ref", "invoice_number", "payment_method")


def apply_customer_return(articles: list[Article], actor: Actor, when: date, reason: str
                          ) -> list[Change]:
    """Sale data is traced, then reset; the article is back in stock."""
    changes = []
    for article in articles:
        stored = article.to_record()
        traces = [trace(actor, name, stored[name], None, reason)
                  for name in _SALE_FIELDS if stored[name] is not None]
        fields: dict[str, Any] = {name: None for name in _SALE_FIELDS}
        fields.update(status="stock", traces=(*article.traces, *traces),
                      vat_rate=article.vat_rate_before_sale or article.vat_rate,
                      vat_rate_before_sale=None)  # stays in the record as null (the sale wrote it)
        changes.append(_changed(article, _event(actor, "customer_return", when, reason=reason,
                                                transaction_ref=article.transaction_ref,
                                                invoice_number=article.invoice_number), **fields))
    return changes


def new_status(action: str, current: str) -> str:
    _, target = TRANSITIONS[action]
    return target or current
