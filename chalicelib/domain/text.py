"""Text as a dealer searches it: without accents or case ("Lefèvre" = "LEFEVRE")."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def is_whole_number(text: str) -> bool:
    """ASCII digits only: ``str.isdigit`` also says yes to "²" (which ``int`` refuses) and
    to other scripts' digits (which a dealer's screen would not show as typed)."""
    return text.isascii() and text.isdigit()
