"""Money and weights: ``Decimal`` always, never float."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
MILLIGRAM = Decimal("0.001")
ZERO = Decimal("0.00")


class AmountError(ValueError):
    """Not a usable amount; the message is French and shown as is."""


def parse_decimal(raw: object, *, places: Decimal = CENT, negative: bool = False) -> Decimal:
    """``"12,5"``, ``"12.50"``, ``12`` → ``Decimal("12.50")``. Floats are refused."""
    if isinstance(raw, bool) or isinstance(raw, float):
        raise AmountError("Nombre décimal attendu sous forme de texte (ex. « 12.50 »).")
    text = str(raw).strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    if not text:
        raise AmountError("Valeur vide.")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise AmountError(f"« {raw} » n'est pas un nombre.") from None
    if not value.is_finite():
        raise AmountError(f"« {raw} » n'est pas un nombre.")
    if value < 0 and not negative:
        raise AmountError("La valeur ne peut pas être négative.")
    if value != value.quantize(places, rounding=ROUND_HALF_UP):
        raise AmountError(f"Au plus {abs(places.as_tuple().exponent)} décimales.")
    return value.quantize(places)


def money(raw: object) -> Decimal:
    return parse_decimal(raw, places=CENT)


def weight(raw: object) -> Decimal:
    return parse_decimal(raw, places=MILLIGRAM)


def to_cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def fmt(value: Decimal | None) -> str | None:
    """The API's money form: a string with two decimals."""
    return None if value is None else str(to_cents(value))


def fmt_weight(value: Decimal | None) -> str | None:
    return None if value is None else format(value.quantize(MILLIGRAM).normalize(), "f")
