"""CSV exports (DOMAIN.md): UTF-8, a header line, ``|`` separator, no text delimiter.

With no delimiter, a ``|`` or a line break inside a value would break the
columns: they are replaced (``/`` and a space).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

SEPARATOR = "|"


def clean(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    text = str(value)
    return text.replace(SEPARATOR, "/").replace("\r\n", " ").replace("\n", " ").replace("\r", " ")


def rows_to_csv(columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> str:
    lines = [SEPARATOR.join(columns)]
    lines += [SEPARATOR.join(clean(row.get(c)) for c in columns) for row in rows]
    return "\r\n".join(lines) + "\r\n"
