"""The inspector's guide (``docs/inspection.md``) as the HTML the site shows.

One source: the Markdown file in ``docs/``, packaged with the API through the link
``chalicelib/data/inspection.md`` (everything under ``chalicelib/`` is packaged).
Rendered with markdown-it-py, raw HTML off: the page shows the guide's text, never
markup smuggled into it.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

SOURCE = Path(__file__).resolve().parent.parent / "data" / "inspection.md"


@lru_cache(maxsize=1)
def guide_html() -> str:
    from markdown_it import MarkdownIt  # lazy: only this route needs it

    renderer = MarkdownIt("commonmark", {"html": False}).enable("table")
    html: str = renderer.render(SOURCE.read_text(encoding="utf-8"))
    return html
