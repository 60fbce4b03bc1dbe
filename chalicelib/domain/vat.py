"""VAT rates (DOMAIN.md "VAT")."""

from __future__ import annotations

from decimal import Decimal

RATES: dict[str, Decimal] = {
    "normal": Decimal("0.20"),
    "intermediate": Decimal("0.10"),
    "reduced": Decimal("0.055"),
    "super_reduced": Decimal("0.021"),
    "exempt_melt": Decimal("0"),
    "exempt_export": Decimal("0"),
    "zero_negative_margin": Decimal("0"),
    "none": Decimal("0"),
}

DEFAULT_RATE = "normal"
