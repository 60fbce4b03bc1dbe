"""CSV exports (DOMAIN.md): UTF-8, a header line, ``|`` separator, no text delimiter.

With no delimiter, a ``|`` or a line break inside a value would break the
columns: they are replaced (``/`` and a space).

A cell a spreadsheet would read as a formula (``=HYPERLINK(...)``,
``=cmd|' /C calc'!A0``, ``+``, ``-``, ``@``, or a tab or carriage return first)
is neutralised with a leading ``'`` (OWASP, "CSV Injection"), and so is a cell opening
with ``"`` (read as a quoted field: a formula inside runs), in every export:
every CSV the product writes goes through :func:`clean`. Plain numbers such as
``-12.50`` stay numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

SEPARATOR = "|"
# and '"': with no text delimiter, a cell opening with a quote is read as quoted text by
# spreadsheets (its formula runs, the next `|` and line break are swallowed).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", '"')
_PLAIN_NUMBER = re.compile(r"-?[0-9]+(?:[.,][0-9]+)?")


def neutralise(text: str) -> str:
    """The cell as a spreadsheet will show it, never run it."""
    first = text.lstrip(" ")[:1]
    if first and first in FORMULA_STARTS and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def clean(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    text = neutralise(str(value))
    return text.replace(SEPARATOR, "/").replace("\r\n", " ").replace("\n", " ").replace("\r", " ")


def rows_to_csv(columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> str:
    lines = [SEPARATOR.join(columns)]
    lines += [SEPARATOR.join(clean(row.get(c)) for c in columns) for row in rows]
    return "\r\n".join(lines) + "\r\n"
