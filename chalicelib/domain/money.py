"""Money and weights: ``Decimal`` always, never float."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
MILLIGRAM = Decimal("0.001")
ZERO = Decimal("0.00")


class AmountError(ValueError):
    """Not a usable amount; the message is French and shown as is."""


# The largest amount and weight anyone types: a shop's price, a lot, a year of a counter's
# purchases all fit; 10^30 or 1e309 are typing mistakes or attacks, refused with a message.
MAX_AMOUNT = Decimal("10000000.00")  # ten million euros
MAX_WEIGHT_G = Decimal("1000000")  # a tonne
# Plain decimal notation in ASCII digits: no exponent, no NaN or Infinity, no other script's
# digits (Python's Decimal reads "١٠٠" as 100: a price must read the same to everyone).
_PLAIN = re.compile(r"[+-]?[0-9]{1,40}(\.[0-9]{1,20})?")


def parse_decimal(raw: object, *, places: Decimal = CENT, negative: bool = False,
                  maximum: Decimal = MAX_AMOUNT) -> Decimal:
    """``"12,5"``, ``"12.50"``, ``12`` → ``Decimal("12.50")``. Floats are refused, and so is
    anything but plain decimal notation within ``maximum``."""
    if isinstance(raw, bool) or isinstance(raw, float):
        raise AmountError("Nombre décimal attendu sous forme de texte (ex. « 12.50 »).")
    text = str(raw).strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    if not text:
        raise AmountError("Valeur vide.")
    shown = text if len(text) <= 30 else text[:30] + "…"
    if not _PLAIN.fullmatch(text):
        raise AmountError(f"« {shown} » n'est pas un nombre décimal écrit en chiffres (ex. « 12.50 »).")
    try:
        value = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern lets only plain decimals through
        raise AmountError(f"« {shown} » n'est pas un nombre.") from None
    if value < 0 and not negative:
        raise AmountError("La valeur ne peut pas être négative.")
    if abs(value) > maximum:
        limit = f"{maximum:,.0f}".replace(",", "\u202f")
        raise AmountError(f"La valeur dépasse le maximum accepté ({limit}).")
    if value != value.quantize(places, rounding=ROUND_HALF_UP):
        raise AmountError(f"Au plus {-int(places.as_tuple().exponent)} décimales.")
    result = value.quantize(places)
    return result.copy_abs() if result.is_zero() else result  # "-0" is 0.00, never a sealed "-0.00"


def money(raw: object) -> Decimal:
    return parse_decimal(raw, places=CENT)


def weight(raw: object) -> Decimal:
    return parse_decimal(raw, places=MILLIGRAM, maximum=MAX_WEIGHT_G)


def to_cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def fmt(value: Decimal | None) -> str | None:
    """The API's money form: a string with two decimals."""
    return None if value is None else str(to_cents(value))


def fmt_weight(value: Decimal | None) -> str | None:
    return None if value is None else format(value.quantize(MILLIGRAM).normalize(), "f")
