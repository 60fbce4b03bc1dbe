"""A committed lot: a purchase or a consignment, as recorded (DOMAIN.md "Lots and references").

The repositories turn it into the stored record (:meth:`Lot.to_record`: ``ref`` and ``kind``
then the stored data; money as decimal strings with two decimals, ISO dates and times, the
shape the API shows) and back (:meth:`Lot.from_record`); the two are exact inverses on every
record the product writes, key order and unknown keys included (``tests/unit/test_lot.py``).
The seller's identity frozen at commit (``supplier``) stays the plain record it was sealed as.

``version`` is the optimistic lock of the stored item (None for a lot not stored yet): it is
not part of the record.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from chalicelib.domain.money import fmt
from chalicelib.domain.stored import in_stored_order

# A trace of a corrected field, kept as the plain record it is stored and shown as
# (``{"at", "user", "field", "old", "new", "reason"}``, see domain/register.trace).
TraceRecord = Mapping[str, Any]

PURCHASE = "purchase"
CONSIGNMENT = "consignment"


@dataclass(frozen=True)
class Lot:
    ref: str
    kind: str  # "purchase" or "consignment"
    status: str = "committed"  # or "retracted"
    supplier_id: str | None = None
    supplier: Mapping[str, Any] | None = None  # the seller's identity frozen at commit, as sealed
    purchase_date: date | None = None
    purchase_price: Decimal | None = None  # None for a consignment
    tmp: bool = False
    price_incl_tmp: Decimal | None = None
    tmp_rate: Decimal | None = None
    payment_method: str | None = None
    condition: str | None = None
    comment: str | None = None
    article_count: int = 0
    committed_at: datetime | None = None
    committed_by: str | None = None
    register_version: int = 1
    traces: tuple[TraceRecord, ...] = ()
    bought_from_consignment: tuple[str, ...] = ()  # a buy-back of consigned articles: their references
    version: int | None = field(default=None, compare=False)  # the stored item's optimistic lock
    # Keys of a stored record this type does not know, kept as read so nothing is lost.
    extras: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    # The stored record's keys in their order (empty: a new lot, written in the usual order).
    key_order: tuple[str, ...] = field(default=(), compare=False, repr=False)

    @property
    def tmp_due(self) -> Decimal | None:
        """The metal tax due on a TMP lot: its price incl. TMP less its price."""
        if not self.tmp or self.price_incl_tmp is None or self.purchase_price is None:
            return None
        return self.price_incl_tmp - self.purchase_price

    # ------------------------------------------------------------ the stored record

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Lot:
        """From the stored (and shown) form: ``{"ref", "kind", "status", "purchase_price": "12.00", ...}``.

        A ``"_version"`` key (the form lots travelled in before this type) gives ``version``."""
        if isinstance(record, Lot):
            return record
        known: dict[str, Any] = {}
        extras: dict[str, Any] = {}
        order: list[str] = []
        for key, value in record.items():
            if key == "_version":
                known["version"] = value
                continue
            order.append(key)
            if key not in _FIELD_NAMES:
                extras[key] = value
            elif value is None:
                continue
            elif key in _MONEY:
                known[key] = Decimal(str(value))
            elif key == "purchase_date":
                known[key] = date.fromisoformat(value)
            elif key == "committed_at":
                known[key] = datetime.fromisoformat(value)
            elif key in ("traces", "bought_from_consignment"):
                known[key] = tuple(value)
            elif key in ("article_count", "register_version"):
                known[key] = int(value)
            else:
                known[key] = value
        return cls(**known, extras=extras, key_order=tuple(order))

    def to_record(self) -> dict[str, Any]:
        """The stored form, ``ref`` and ``kind`` first (the item's keys), then its data."""
        values: dict[str, Any] = {
            "ref": self.ref, "kind": self.kind, "status": self.status, "supplier_id": self.supplier_id,
            "supplier": None if self.supplier is None else dict(self.supplier),
            "purchase_date": None if self.purchase_date is None else self.purchase_date.isoformat(),
            "purchase_price": fmt(self.purchase_price), "tmp": self.tmp,
            "price_incl_tmp": fmt(self.price_incl_tmp),
            "tmp_rate": None if self.tmp_rate is None else str(self.tmp_rate),
            "payment_method": self.payment_method, "condition": self.condition, "comment": self.comment,
            "article_count": self.article_count,
            "committed_at": None if self.committed_at is None else self.committed_at.isoformat(),
            "committed_by": self.committed_by, "register_version": self.register_version,
            "traces": [dict(t) for t in self.traces],
            "bought_from_consignment": list(self.bought_from_consignment),
        }
        # A field the stored record did not have (or a new lot's optional one): written once it is set.
        return in_stored_order(values, self.key_order, _LOT_KEYS, self.extras, lambda key, value: value == _EMPTY[key])

    def data(self) -> dict[str, Any]:
        """The stored item's ``data``: the record without its keys ``ref`` and ``kind``."""
        return {k: v for k, v in self.to_record().items() if k not in ("ref", "kind")}


_MONEY = frozenset({"purchase_price", "price_incl_tmp", "tmp_rate"})
# The keys of a new lot, in the order a commit writes them (then "bought_from_consignment"
# for a buy-back of consigned articles).
_LOT_KEYS = ("ref", "kind", "status", "supplier_id", "supplier", "purchase_date", "purchase_price", "tmp",
             "price_incl_tmp", "tmp_rate", "payment_method", "condition", "comment", "article_count",
             "committed_at", "committed_by", "register_version", "traces")
_FIELD_NAMES = frozenset(f.name for f in fields(Lot)) - {"version", "extras", "key_order"}


def _empty(name: str) -> Any:
    """A field's default in its stored form (a field still at it is not written unless usual)."""
    default = next(f for f in fields(Lot) if f.name == name).default
    if default is MISSING or default is None:
        return None
    if isinstance(default, tuple):
        return []
    return default


_EMPTY = {name: _empty(name) for name in _FIELD_NAMES}
