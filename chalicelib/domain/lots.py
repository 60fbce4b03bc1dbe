"""Draft lots and their commit rules (DOMAIN.md "Lots and references").

Plain data in, plain data out: the service loads the draft, asks these
functions what the lot would be, and stores the answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from chalicelib.domain.money import CENT, ZERO, fmt, fmt_weight

KINDS = ("purchase", "consignment")
CONDITIONS = ("new", "used")
PAYMENT_METHODS = ("cash", "card", "cheque", "transfer", "other")


@dataclass(frozen=True)
class DraftLine:
    description: str
    family_id: str | None = None
    weight_g: Decimal | None = None
    fineness: int | None = None
    serial: str | None = None
    comment: str | None = None
    vat_rate: str = "normal"
    purchase_price: Decimal | None = None
    reserve_price: Decimal | None = None
    label_price: Decimal | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "description": self.description,
            "family_id": self.family_id,
            "weight_g": fmt_weight(self.weight_g),
            "fineness": self.fineness,
            "serial": self.serial,
            "comment": self.comment,
            "vat_rate": self.vat_rate,
            "purchase_price": fmt(self.purchase_price),
            "reserve_price": fmt(self.reserve_price),
            "label_price": fmt(self.label_price),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DraftLine:
        def dec(name: str) -> Decimal | None:
            return Decimal(data[name]) if data.get(name) not in (None, "") else None

        return cls(
            description=data["description"],
            family_id=data.get("family_id"),
            weight_g=dec("weight_g"),
            fineness=data.get("fineness"),
            serial=data.get("serial"),
            comment=data.get("comment"),
            vat_rate=data.get("vat_rate") or "normal",
            purchase_price=dec("purchase_price"),
            reserve_price=dec("reserve_price"),
            label_price=dec("label_price"),
        )


@dataclass(frozen=True)
class DraftHeader:
    supplier_id: str | None = None
    purchase_date: date | None = None
    purchase_price: Decimal | None = None
    payment_method: str | None = None
    condition: str = "used"
    tmp: bool = False
    comment: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "supplier_id": self.supplier_id,
            "purchase_date": self.purchase_date.isoformat() if self.purchase_date else None,
            "purchase_price": fmt(self.purchase_price),
            "payment_method": self.payment_method,
            "condition": self.condition,
            "tmp": self.tmp,
            "comment": self.comment,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DraftHeader:
        return cls(
            supplier_id=data.get("supplier_id"),
            purchase_date=date.fromisoformat(data["purchase_date"]) if data.get("purchase_date") else None,
            purchase_price=Decimal(data["purchase_price"]) if data.get("purchase_price") else None,
            payment_method=data.get("payment_method"),
            condition=data.get("condition") or "used",
            tmp=bool(data.get("tmp")),
            comment=data.get("comment"),
        )


# ---------------------------------------------------------------- TMP


def price_incl_tmp(purchase_price: Decimal, tmp_rate: Decimal) -> Decimal:
    """Precious-metal tax included: ``purchase × (1 + rate)`` to the cent."""
    return (purchase_price * (1 + tmp_rate)).quantize(CENT, rounding=ROUND_HALF_UP)


def purchase_from_incl_tmp(incl: Decimal, tmp_rate: Decimal) -> Decimal:
    return (incl / (1 + tmp_rate)).quantize(CENT, rounding=ROUND_HALF_UP)


def tmp_due(purchase_price: Decimal, tmp_rate: Decimal) -> Decimal:
    return price_incl_tmp(purchase_price, tmp_rate) - purchase_price


# ---------------------------------------------------------------- totals


def lines_total(lines: list[DraftLine]) -> Decimal:
    return sum((line.purchase_price or ZERO for line in lines), ZERO)


def difference(header: DraftHeader, lines: list[DraftLine]) -> Decimal | None:
    """Lot price minus the lines' sum; None while the lot has no price."""
    if header.purchase_price is None:
        return None
    return header.purchase_price - lines_total(lines)


class NoWeightError(ValueError):
    pass


def distribute_by_weight(total: Decimal, weights: list[Decimal | None]) -> list[Decimal]:
    """Spread ``total`` pro rata of weight, to the cent, adding up exactly.

    Largest-remainder rounding: every share is rounded down to the cent, then the
    cents still missing go one each to the largest remainders (earliest line first
    on ties, so the result is deterministic).
    """
    grams = [w or Decimal(0) for w in weights]
    all_grams = sum(grams, Decimal(0))
    if all_grams <= 0:
        raise NoWeightError("Aucun poids saisi : impossible de répartir le prix au poids.")
    cents = int((total / CENT).to_integral_value())
    exact = [Decimal(cents) * g / all_grams for g in grams]
    floors = [int(e) for e in exact]  # exact ≥ 0, so int() rounds down
    missing = cents - sum(floors)
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:missing]:
        floors[i] += 1
    return [Decimal(c) * CENT for c in floors]


def with_prices(lines: list[DraftLine], prices: list[Decimal]) -> list[DraftLine]:
    return [replace(line, purchase_price=price) for line, price in zip(lines, prices, strict=True)]


# ---------------------------------------------------------------- commit checks


@dataclass
class CommitProblems:
    """Everything that stops a commit, gathered so the dealer sees all at once."""

    fields: dict[str, str] = field(default_factory=dict)
    lines: list[dict[str, Any]] = field(default_factory=list)

    def line(self, n: int, reason: str) -> None:
        self.lines.append({"line": n, "reason": reason})

    def __bool__(self) -> bool:
        return bool(self.fields or self.lines)

    def details(self) -> dict[str, Any]:
        details: dict[str, Any] = dict(self.fields)
        if self.lines:
            details["lines"] = self.lines
        return details


def check_draft(
    kind: str,
    header: DraftHeader,
    lines: list[DraftLine],
    known_families: set[str],
) -> CommitProblems:
    """Missing or inconsistent input (400), independent of business rules."""
    problems = CommitProblems()
    if header.supplier_id is None:
        problems.fields["supplier_id"] = "Choisissez le fournisseur du lot."
    if header.purchase_date is None:
        problems.fields["purchase_date"] = "La date d'achat est obligatoire."
    if kind == "purchase":
        if header.purchase_price is None:
            problems.fields["purchase_price"] = "Le prix d'achat du lot est obligatoire."
        if header.payment_method is None:
            problems.fields["payment_method"] = "Le moyen de paiement est obligatoire."
    if not lines:
        problems.fields["lines"] = "Le lot ne contient aucun article."
    for n, line in enumerate(lines, start=1):
        if line.family_id is None:
            problems.line(n, "Famille manquante.")
        elif line.family_id not in known_families:
            problems.line(n, "Famille inconnue.")
        if kind == "purchase" and line.purchase_price is None:
            problems.line(n, "Prix d'achat manquant.")
    return problems


def total_mismatch(header: DraftHeader, lines: list[DraftLine]) -> Decimal | None:
    """The difference when a purchase lot's articles do not add up to its price."""
    diff = difference(header, lines)
    return diff if diff is not None and diff != ZERO else None


def holds_metal(lines: list[DraftLine], metal_families: set[str]) -> bool:
    return any(line.family_id in metal_families for line in lines)


def cash_metal_purchase(header: DraftHeader, lines: list[DraftLine], metal_families: set[str]) -> bool:
    """Art. L112-6 code monétaire et financier: metals are never bought for cash."""
    return header.payment_method == "cash" and holds_metal(lines, metal_families)


def before_creation_year(header: DraftHeader, creation_year: int) -> bool:
    return header.purchase_date is not None and header.purchase_date < date(creation_year, 1, 1)
