"""What a printed police-register sheet shows, read from the sealed versions of a lot.

Paper must tie back to the seal (DOMAIN.md "Legal records"): a sheet reproduces
the lot's latest police-register version as sealed, and its corrections are the
differences between consecutive sealed versions — never the live lot, which an
edit behind the application's back could have changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

# The lot fields a version holds (domain/register.py register_version), in print order.
LOT_FIELDS = ("purchase_date", "purchase_price", "price_incl_tmp", "payment_method", "condition", "status")
ARTICLE_FIELDS = ("description", "family", "weight_g", "fineness", "serial", "purchase_price", "reserve_price",
                  "status")


@dataclass(frozen=True)
class Version:
    """One police-register version of a lot: its content, and its seal when it has one.

    ``rank``/``sha256``/``sealed_at`` are ``None`` for a version still being sealed
    (its journal entry is written, the sealer has not stored it yet).
    """

    content: dict[str, Any]
    chain: str
    rank: int | None = None
    sha256: str | None = None
    sealed_at: str | None = None

    @property
    def sealed(self) -> bool:
        return self.rank is not None

    @property
    def number(self) -> int:
        return int(self.content.get("version") or 0)


@dataclass(frozen=True)
class Change:
    """A field that differs from one version to the next: a correction, as the register shows it."""

    at: str
    by: str
    subject: str  # "lot", "vendeur" or an article reference
    field: str
    old: Any
    new: Any
    reason: str
    version: int


def ordered(versions: Sequence[Version]) -> list[Version]:
    """Versions by number (then rank), each number once: the first sealed copy wins."""
    seen: dict[int, Version] = {}
    for version in sorted(versions, key=lambda v: (v.number, v.rank is None, v.rank or 0)):
        seen.setdefault(version.number, version)
    return [seen[n] for n in sorted(seen)]


def changes(versions: Sequence[Version]) -> list[Change]:
    """Every field changed by a later version, oldest first."""
    found: list[Change] = []
    chain = ordered(versions)
    for before, after in zip(chain, chain[1:], strict=False):
        old, new = before.content, after.content
        stamp = (str(new.get("at") or ""), str(new.get("by") or ""))
        reason = str(new.get("reason") or "")

        def add(subject: str, field: str, was: Any, now: Any, *, _stamp: tuple[str, str] = stamp,
                _reason: str = reason, _version: int = after.number) -> None:
            if was != now:
                found.append(Change(_stamp[0], _stamp[1], subject, field, was, now, _reason, _version))

        old_lot, new_lot = old.get("lot") or {}, new.get("lot") or {}
        for field in LOT_FIELDS:
            add("lot", field, old_lot.get(field), new_lot.get(field))
        old_seller, new_seller = old.get("seller") or {}, new.get("seller") or {}
        for field in sorted(set(old_seller) | set(new_seller)):
            add("vendeur", field, old_seller.get(field), new_seller.get(field))
        old_articles = {a.get("ref"): a for a in old.get("articles") or []}
        for article in new.get("articles") or []:
            previous = old_articles.get(article.get("ref"), {})
            for field in ARTICLE_FIELDS:
                add(str(article.get("ref")), field, previous.get(field), article.get(field))
    return found
