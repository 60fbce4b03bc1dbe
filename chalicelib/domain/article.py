"""An article: one unique object of a lot (DOMAIN.md "Article lifecycle").

The domain works on :class:`Article`; the repositories turn it into the stored record
(:meth:`Article.to_record`: money and weights as decimal strings, dates in ISO form, the
shape the API shows and the police register seals) and back (:meth:`Article.from_record`).
The two are exact inverses on every record the product writes (``tests/unit/test_article.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date
from decimal import Decimal
from typing import Any

from chalicelib.domain.money import fmt, fmt_weight
from chalicelib.domain.stored import in_stored_order

# A change of an article's history or of a traced field: kept as the plain records they are
# stored and shown as (``{"at", "user", "event", "date", "details"}`` / ``{"at", "user",
# "field", "old", "new", "reason"}``, see domain/register.py and domain/actions.py).
HistoryRecord = Mapping[str, Any]

_MONEY = frozenset({"purchase_price", "reserve_price", "deposit_price", "label_price", "sale_price"})
_DATES = frozenset({"purchase_date", "sale_date", "deposit_date"})
# Written only when set: an article that never had them has no such key (as before the type).
_OPTIONAL = ("events", "vat_rate_before_sale", "former_refs", "replaced_by")


@dataclass(frozen=True)
class Article:
    ref: str
    lot_ref: str
    status: str
    description: str = ""
    family_id: str | None = None
    weight_g: Decimal | None = None
    fineness: int | None = None
    serial: str | None = None
    comment: str | None = None
    condition: str | None = None
    vat_rate: str | None = None
    purchase_price: Decimal | None = None
    reserve_price: Decimal | None = None
    deposit_price: Decimal | None = None
    label_price: Decimal | None = None
    sale_price: Decimal | None = None
    supplier_id: str | None = None
    client_id: str | None = None
    transaction_ref: str | None = None
    invoice_number: str | None = None
    payment_method: str | None = None
    purchase_date: date | None = None
    sale_date: date | None = None
    deposit_date: date | None = None
    traces: tuple[HistoryRecord, ...] = ()
    events: tuple[HistoryRecord, ...] = ()
    vat_rate_before_sale: str | None = None  # the rate to restore on a customer return
    former_refs: tuple[str, ...] = ()  # references it had before a buy-back of a consigned article
    replaced_by: str | None = None  # the new reference of a consigned article bought back
    # Keys of a stored record this type does not know, kept as read so nothing is lost.
    extras: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    # The stored record's keys in their order (empty: a new article): written back in it, an
    # optional key it had even when empty (``"vat_rate_before_sale": null`` after a return)
    # included; the keys it did not have after them, as the dict copies before this type did.
    key_order: tuple[str, ...] = field(default=(), compare=False, repr=False)

    # ------------------------------------------------------------ the stored record

    @classmethod
    def from_record(cls, record: Article | Mapping[str, Any]) -> Article:
        """From the stored (and shown) form: ``{"ref", "lot_ref", "status", "purchase_price": "12.00", ...}``."""
        if isinstance(record, Article):
            return record
        known: dict[str, Any] = {}
        extras: dict[str, Any] = {}
        for key, value in record.items():
            if key not in _FIELD_NAMES:
                extras[key] = value
            elif value is None:
                continue
            elif key in _MONEY or key == "weight_g":
                known[key] = Decimal(str(value))
            elif key in _DATES:
                known[key] = date.fromisoformat(value)
            elif key == "fineness":
                known[key] = int(value)
            elif key in ("traces", "events", "former_refs"):
                known[key] = tuple(value)
            else:
                known[key] = value
        return cls(**known, extras=extras, key_order=tuple(record))

    def to_record(self) -> dict[str, Any]:
        """The stored form; money with two decimals, weights in grams to the milligram, ISO dates."""
        record: dict[str, Any] = {
            "ref": self.ref, "lot_ref": self.lot_ref, "status": self.status,
            "description": self.description, "family_id": self.family_id,
            "weight_g": fmt_weight(self.weight_g), "fineness": self.fineness, "serial": self.serial,
            "comment": self.comment, "condition": self.condition, "vat_rate": self.vat_rate,
            "purchase_price": fmt(self.purchase_price), "reserve_price": fmt(self.reserve_price),
            "deposit_price": fmt(self.deposit_price), "label_price": fmt(self.label_price),
            "sale_price": fmt(self.sale_price),
            "supplier_id": self.supplier_id, "client_id": self.client_id,
            "transaction_ref": self.transaction_ref, "invoice_number": self.invoice_number,
            "payment_method": self.payment_method,
            "purchase_date": _iso(self.purchase_date), "sale_date": _iso(self.sale_date),
            "deposit_date": _iso(self.deposit_date),
            "traces": [dict(t) for t in self.traces],
        }
        # the order a change's fields came in before the history's new event
        record["vat_rate_before_sale"] = self.vat_rate_before_sale
        record["former_refs"] = list(self.former_refs)
        record["replaced_by"] = self.replaced_by
        record["events"] = [dict(e) for e in self.events]
        return in_stored_order(record, self.key_order, _CORE, self.extras, _unset)

    # ------------------------------------------------------------ changes

    def with_event(self, event: HistoryRecord, **changes: Any) -> Article:
        """This article changed, with one more event in its history."""
        return replace(self, events=(*self.events, event), **changes)

    def with_traces(self, traces: list[HistoryRecord] | tuple[HistoryRecord, ...], **changes: Any) -> Article:
        """This article changed, with the traces of the fields it changed (register corrections)."""
        return replace(self, traces=(*self.traces, *traces), **changes)


_FIELD_NAMES = frozenset(f.name for f in fields(Article)) - {"extras", "key_order"}
# The keys every article is written with, in the order a commit writes them.
_CORE = ("ref", "lot_ref", "status", "description", "family_id", "weight_g", "fineness", "serial", "comment",
         "condition", "vat_rate", "purchase_price", "reserve_price", "deposit_price", "label_price", "sale_price",
         "supplier_id", "client_id", "transaction_ref", "invoice_number", "payment_method", "purchase_date",
         "sale_date", "deposit_date", "traces")


def _unset(key: str, value: Any) -> bool:
    """An optional key (:data:`_OPTIONAL`) is written once it is set; a core one always."""
    return key in _OPTIONAL and (value is None or value == [])


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()
