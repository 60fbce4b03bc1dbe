"""Lot and article references (DOMAIN.md "Lots and references").

Lot: ``AAMMNNN`` — year of activity (the creation year is year 01), purchase
month, rank of the lot in that month. Consignment lots insert a ``C``:
``AAMMCNNN``. Article: lot reference + its 3-digit rank in the lot.
"""

from __future__ import annotations

from datetime import date

MAX_LOTS_PER_MONTH = 999
MAX_ARTICLES_PER_LOT = 999


class ReferenceFormatError(ValueError):
    """A reference cannot be made (year out of range, month full)."""


def year_of_activity(creation_year: int, purchase_date: date) -> int:
    return purchase_date.year - creation_year + 1


def counter_key(kind: str, purchase_date: date) -> str:
    """Purchase and consignment lots are counted apart, month by month."""
    return f"lot#{kind}#{purchase_date:%Y-%m}"


def lot_ref(creation_year: int, purchase_date: date, rank: int, consignment: bool) -> str:
    year = year_of_activity(creation_year, purchase_date)
    if not 1 <= year <= 99:
        raise ReferenceFormatError(
            f"La date d'achat doit tomber entre {creation_year} et {creation_year + 98}."
        )
    if not 1 <= rank <= MAX_LOTS_PER_MONTH:
        raise ReferenceFormatError("Plus de 999 lots dans le mois : limite atteinte.")
    middle = "C" if consignment else ""
    return f"{year:02d}{purchase_date.month:02d}{middle}{rank:03d}"


def article_ref(lot: str, rank: int) -> str:
    if not 1 <= rank <= MAX_ARTICLES_PER_LOT:
        raise ReferenceFormatError("Un lot compte au plus 999 articles.")
    return f"{lot}{rank:03d}"


def lot_of(article: str) -> str:
    return article[:-3]
