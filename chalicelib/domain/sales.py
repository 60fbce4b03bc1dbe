"""A sale: its lines and VAT, its numbers, the cash register's running totals.

The receipt (ticket de caisse) holds the ticket number, date and time to the
minute, the register number, the total incl. VAT, each line (label, quantity 1,
unit price, line total excl. VAT, VAT rate), the payment, and the register's
running totals: the day's, the fiscal period's and the perpetual grand total.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from chalicelib.domain.article import Article
from chalicelib.domain.money import ZERO, fmt, to_cents
from chalicelib.domain.sale import Sale, SaleLine, VatTotal, minute
from chalicelib.domain.vat import CHOSEN_RATES, RATES, invoice_notes, sale_vat

REGISTER = "01"
_REF_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def transaction_ref(on: date) -> str:
    """Unique per sale (a collision is caught by a condition and retried)."""
    return f"V{on:%y%m%d}-" + "".join(secrets.choice(_REF_ALPHABET) for _ in range(6))


def invoice_counter_key(settings: dict[str, Any], on: date) -> str:
    digits = int(settings.get("invoicing", {}).get("year_digits") or 0)
    return f"invoice#{on.year}" if digits else "invoice"


def invoice_number(settings: dict[str, Any], on: date, seq: int) -> str:
    """Prefix, optional 2- or 4-digit year, gap-free sequence: ``F2024-00012``."""
    invoicing = settings.get("invoicing", {})
    digits = int(invoicing.get("year_digits") or 0)
    year = str(on.year)[-digits:] if digits else ""
    return f"{invoicing.get('prefix') or ''}{year}{'-' if year else ''}{seq:05d}"


def receipt_number(register: str, seq: int) -> str:
    return f"{register}-{seq:08d}"


def credit_note_number(seq: int) -> str:
    return f"AV-{seq:05d}"


@dataclass(frozen=True)
class RegisterTotals:
    """The running totals of one cash register after a ticket."""

    day: str
    day_total: Decimal
    period: str
    period_total: Decimal
    perpetual_total: Decimal

    def to_json(self) -> dict[str, str]:
        return {"day": self.day, "day_total": fmt(self.day_total) or "0.00", "period": self.period,
                "period_total": fmt(self.period_total) or "0.00",
                "perpetual_total": fmt(self.perpetual_total) or "0.00"}


def next_totals(state: dict[str, Any], local_now: datetime, amount: Decimal) -> RegisterTotals:
    """Add a ticket's amount; the day and the fiscal period (calendar year) roll over."""
    day, period = local_now.date().isoformat(), str(local_now.year)
    day_total = Decimal(state.get("day_total", "0")) if state.get("day") == day else ZERO
    period_total = Decimal(state.get("period_total", "0")) if state.get("period") == period else ZERO
    perpetual = Decimal(state.get("perpetual_total", "0"))
    return RegisterTotals(day, day_total + amount, period, period_total + amount, perpetual + amount)


class SaleInputError(ValueError):
    def __init__(self, details: dict[str, str]) -> None:
        super().__init__("invalid sale input")
        self.details = details


def sale_lines(articles: list[Article], prices: dict[str, Decimal], rates: dict[str, str],
               categories: dict[str, str] | None = None) -> list[SaleLine]:
    """Each article's price (typed, or its label price) and VAT, article by article.

    ``categories``: each used article's margin category (its family's, at the sale): the
    invoice mention is the one in force when sold, whatever the family becomes later."""
    refs = {a.ref for a in articles}
    unknown = sorted((set(prices) | set(rates)) - refs)
    if unknown:
        raise SaleInputError({"prices": "Références hors de la vente : " + ", ".join(unknown) + "."})
    missing = sorted(a.ref for a in articles if a.ref not in prices and a.label_price is None)
    if missing:
        raise SaleInputError({"prices": "Prix de vente manquant (aucun prix étiquette) : " + ", ".join(missing) + "."})
    lines = []
    for article in sorted(articles, key=lambda a: a.ref):
        ref = article.ref
        price = prices.get(ref, article.label_price if article.label_price is not None else ZERO)
        rate = rates.get(ref, article.vat_rate or "normal")
        if rate not in RATES:
            raise SaleInputError({"vat_rates": f"Taux inconnu pour {ref}."})
        if ref in rates and rate not in CHOSEN_RATES:
            raise SaleInputError({"vat_rates": f"Le taux nul de marge négative ne se choisit pas ({ref}) : "
                                               "la vente le déduit du prix d'achat."})
        condition = article.condition or "used"
        vat = sale_vat(condition, rate, article.purchase_price, price)
        lines.append(SaleLine(
            ref=ref, label=article.description, quantity=1,
            unit_price=to_cents(price), total=to_cents(price), total_excl_vat=to_cents(price - vat.collected),
            vat_rate=vat.rate, vat_rate_percent=RATES[vat.rate] * 100, vat=to_cents(vat.collected),
            condition=condition, notes=tuple(invoice_notes(condition, vat.rate, (categories or {}).get(ref))),
            margin_category=(categories or {}).get(ref),
        ))
    return lines


def vat_breakdown(lines: Sequence[SaleLine]) -> dict[str, VatTotal]:
    """The lines' amounts excl. VAT and VAT, by rate (in the order the rates first appear)."""
    by_rate: dict[str, VatTotal] = {}
    for line in lines:
        entry = by_rate.get(line.vat_rate, VatTotal(ZERO, ZERO))
        by_rate[line.vat_rate] = VatTotal(entry.base + line.total_excl_vat, entry.vat + line.vat)
    return by_rate


_RECEIPT_LINE_KEYS = ("ref", "label", "quantity", "unit_price", "total_excl_vat", "vat_rate", "vat_rate_percent",
                      "vat")


def receipt(sale: Sale, totals: RegisterTotals, company: dict[str, Any]) -> dict[str, Any]:
    """The receipt's canonical content, as sealed and as printed."""
    total = fmt(sale.total)
    return {
        "record": "receipt",
        "ticket_number": sale.receipt_number,
        "register": sale.register,
        "at": None if sale.at is None else minute(sale.at),  # local time, to the minute
        "company": {k: company.get(k) for k in ("company_name", "siret", "vat_number", "street_number",
                                               "street_type", "street_name", "postcode", "city")},
        "transaction_ref": sale.transaction_ref,
        "invoice_number": sale.invoice_number,
        "lines": [{k: line[k] for k in _RECEIPT_LINE_KEYS} for line in (each.to_record() for each in sale.lines)],
        "vat": sale.vat_record(),
        "total": total,
        "payment": {"method": sale.payment_method, "amount": total},
        "running_totals": totals.to_json(),
    }
