"""A sale or a credit note: one transaction of the till, as recorded (DOMAIN.md "Receipt").

A sale (``kind`` ``"sale"``, ``V<yymmdd>-XXXXXX``) and a credit note (``"credit_note"``,
``AV-NNNNN``: a customer return, one per sale refunded) have the same shape: lines, a VAT
breakdown, a total (negative for a credit note), their numbers. What only one of them has
is None on the other (a sale's ``seller`` and sealed ``receipt``; a credit note's ``reason``,
``original_transaction_ref``, ``vat_to_recover`` and the refund ticket's ``running_totals``).

The repositories turn it into the stored record (:meth:`Sale.to_record`: money as decimal
strings with two decimals, ISO dates, the local time to the minute) and back
(:meth:`Sale.from_record`); the two are exact inverses on every record the product writes,
key order included (``tests/unit/test_sale.py``). The sealed receipt inside a sale is kept
as the plain record it was sealed as: it is never recomputed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any

from chalicelib.domain.money import fmt
from chalicelib.domain.stored import in_stored_order

# The local time of a sale, to the minute, with its UTC offset: ``2026-12-07T15:04+0100``.
AT_FORMAT = "%Y-%m-%dT%H:%M%z"

SALE = "sale"
CREDIT_NOTE = "credit_note"


def minute(at: dt.datetime) -> str:
    """A sale's (or a receipt's) time as recorded: local, to the minute."""
    return at.strftime(AT_FORMAT)


@dataclass(frozen=True)
class VatTotal:
    """One VAT rate of a breakdown: the amount excl. VAT and the VAT."""

    base: Decimal
    vat: Decimal

    def to_record(self) -> dict[str, str]:
        return {"base": fmt(self.base) or "0.00", "vat": fmt(self.vat) or "0.00"}


@dataclass(frozen=True)
class SaleLine:
    """One article sold (quantity 1): its price, its VAT and the invoice mentions of its regime."""

    ref: str
    label: str
    unit_price: Decimal
    total: Decimal
    total_excl_vat: Decimal
    vat_rate: str
    vat_rate_percent: Decimal
    vat: Decimal
    quantity: int = 1
    condition: str | None = None  # "used" (margin scheme possible) or "new"; None on lines recorded without it
    notes: tuple[str, ...] = ()
    margin_category: str | None = None  # the family's category when sold (used goods)
    extras: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    # The stored record's keys in their order (empty: a new line, written in the usual order).
    key_order: tuple[str, ...] = field(default=(), compare=False, repr=False)

    @property
    def goods_condition(self) -> str:
        """``"used"`` unless the line says ``"new"`` (lines recorded before the condition were used goods)."""
        return self.condition or "used"

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> SaleLine:
        if isinstance(record, SaleLine):
            return record
        known: dict[str, Any] = {}
        extras: dict[str, Any] = {}
        for key, value in record.items():
            if key not in _LINE_FIELDS:
                extras[key] = value
            elif value is None:
                continue
            elif key in _LINE_MONEY or key == "vat_rate_percent":
                known[key] = Decimal(str(value))
            elif key == "notes":
                known[key] = tuple(value)
            else:
                known[key] = value
        return cls(**known, extras=extras, key_order=tuple(record))

    def to_record(self) -> dict[str, Any]:
        values: dict[str, Any] = {
            "ref": self.ref, "label": self.label, "quantity": self.quantity,
            "unit_price": fmt(self.unit_price), "total": fmt(self.total),
            "total_excl_vat": fmt(self.total_excl_vat), "vat_rate": self.vat_rate,
            "vat_rate_percent": str(self.vat_rate_percent), "vat": fmt(self.vat),
            "condition": self.condition, "notes": list(self.notes), "margin_category": self.margin_category,
        }
        return in_stored_order(values, self.key_order, _LINE_KEYS, self.extras, _unset)


@dataclass(frozen=True)
class Sale:
    transaction_ref: str
    total: Decimal  # incl. VAT; a credit note's is negative (what it gives back)
    kind: str = SALE
    date: dt.date | None = None
    at: dt.datetime | None = None  # local time, to the minute
    client_id: str | None = None
    payment_method: str | None = None  # a credit note's: the refunded sale's (what the closings count it under)
    lines: tuple[SaleLine, ...] = ()
    vat: Mapping[str, VatTotal] = field(default_factory=dict)  # by rate, in the lines' order
    invoice_number: str | None = None  # a credit note's: the refunded sale's invoice
    register: str | None = None
    receipt_number: str | None = None  # a credit note's: its refund ticket's
    seller: str | None = None
    receipt: Mapping[str, Any] | None = None  # the receipt as sealed (a sale's): never recomputed
    credit_note_number: str | None = None
    reason: str | None = None
    original_transaction_ref: str | None = None
    vat_to_recover: Decimal | None = None
    running_totals: Mapping[str, str] | None = None  # the refund ticket's (a credit note's)
    extras: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    key_order: tuple[str, ...] = field(default=(), compare=False, repr=False)

    @property
    def is_credit_note(self) -> bool:
        return self.kind == CREDIT_NOTE

    def vat_record(self) -> dict[str, dict[str, str]]:
        """The VAT breakdown as recorded: ``{"normal": {"base": "10.00", "vat": "2.00"}}``."""
        return {rate: total.to_record() for rate, total in self.vat.items()}

    # ------------------------------------------------------------ the stored record

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Sale:
        """From the stored form (``SaleModel.data``)."""
        if isinstance(record, Sale):
            return record
        known: dict[str, Any] = {}
        extras: dict[str, Any] = {}
        for key, value in record.items():
            if key not in _SALE_FIELDS:
                extras[key] = value
            elif value is None:
                continue
            elif key in ("total", "vat_to_recover"):
                known[key] = Decimal(str(value))
            elif key == "date":
                known[key] = dt.date.fromisoformat(value)
            elif key == "at":
                known[key] = dt.datetime.fromisoformat(value)  # AT_FORMAT, read ten times faster
            elif key == "lines":
                known[key] = tuple(SaleLine.from_record(line) for line in value)
            elif key == "vat":
                known[key] = {rate: VatTotal(Decimal(str(v["base"])), Decimal(str(v["vat"])))
                              for rate, v in value.items()}
            else:
                known[key] = value
        return cls(**known, extras=extras, key_order=tuple(record))

    def to_record(self) -> dict[str, Any]:
        values: dict[str, Any] = {
            "kind": self.kind, "transaction_ref": self.transaction_ref,
            "credit_note_number": self.credit_note_number,
            "date": None if self.date is None else self.date.isoformat(),
            "at": None if self.at is None else minute(self.at),
            "reason": self.reason, "original_transaction_ref": self.original_transaction_ref,
            "client_id": self.client_id, "payment_method": self.payment_method,
            "lines": [line.to_record() for line in self.lines], "vat": self.vat_record(),
            "total": fmt(self.total), "vat_to_recover": fmt(self.vat_to_recover),
            "invoice_number": self.invoice_number, "register": self.register,
            "receipt_number": self.receipt_number, "seller": self.seller,
            "receipt": None if self.receipt is None else dict(self.receipt),
            "running_totals": None if self.running_totals is None else dict(self.running_totals),
        }
        usual = _CREDIT_NOTE_KEYS if self.kind == CREDIT_NOTE else _SALE_KEYS
        return in_stored_order(values, self.key_order, usual, self.extras, _unset)


_LINE_MONEY = frozenset({"unit_price", "total", "total_excl_vat", "vat"})
_LINE_KEYS = ("ref", "label", "quantity", "unit_price", "total", "total_excl_vat", "vat_rate", "vat_rate_percent",
              "vat", "condition", "notes")  # then "margin_category" when there is one
_LINE_FIELDS = frozenset(f.name for f in fields(SaleLine)) - {"extras", "key_order"}

# The keys of a new sale and of a new credit note, in the order the till writes them.
_SALE_KEYS = ("kind", "transaction_ref", "date", "at", "client_id", "payment_method", "lines", "vat", "total",
              "invoice_number", "register", "receipt_number", "seller", "receipt")
_CREDIT_NOTE_KEYS = ("kind", "transaction_ref", "credit_note_number", "date", "at", "reason",
                     "original_transaction_ref", "invoice_number", "client_id", "lines", "vat", "payment_method",
                     "total", "vat_to_recover", "receipt_number", "running_totals")
_SALE_FIELDS = frozenset(f.name for f in fields(Sale)) - {"extras", "key_order"}


def _unset(key: str, value: Any) -> bool:
    """A field the record did not have is written once it has a value."""
    return value is None or value == []
