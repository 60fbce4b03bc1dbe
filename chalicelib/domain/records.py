"""What a use case asks to write besides articles, as plain data.

Services build these; the repositories turn them into stored items (and the conditions
that go with them) inside the transaction that writes them. No pynamodb model outside
``chalicelib/adapters/``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from chalicelib.domain.article import Article
from chalicelib.domain.lot import Lot
from chalicelib.domain.sale import Sale
from chalicelib.domain.search import indexed_words


@dataclass(frozen=True)
class JournalEntry:
    """One legal event for the journal (sealed into the vault from its stream)."""

    kind: str
    subject: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class NewSale:
    """A sale or credit note record; its transaction reference must still be free."""

    sale: Sale


@dataclass(frozen=True)
class NewLot:
    """A committed lot; its reference must still be free."""

    lot: Lot


@dataclass(frozen=True)
class SearchDocument:
    """The text search document of one lot: the indexed words of each of its articles."""

    lot_ref: str
    words: dict[str, Any]

    @classmethod
    def of(cls, lot_ref: str, articles: Iterable[Article]) -> SearchDocument:
        """From the lot's articles (all of them)."""
        return cls(lot_ref, {a.ref: indexed_words(a) for a in articles})


@dataclass(frozen=True)
class OutgoingTransfer:
    """V's record of a transfer to another subscriber, saved with the sale or deposit that makes it."""

    transfer: dict[str, Any]


# What an action's last transaction may write besides articles and counters.
Record = JournalEntry | NewSale | NewLot | SearchDocument | OutgoingTransfer
