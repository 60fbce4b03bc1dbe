"""The inspector's guide (DOMAIN.md "A French guide for inspectors"): docs/inspection.md is
what the site shows, served without a token, with its tables and without raw markup."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from typing import Any

DOC = Path(__file__).resolve().parents[2] / "docs" / "inspection.md"


def _guide() -> Any:
    from chalice.test import Client

    from app import app

    return Client(app).http.request("GET", "/api/compliance/guide", headers={}, body=b"")


def test_the_guide_is_served_without_a_token_as_the_published_document(aws_stack: Any) -> None:
    response = _guide()
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    html = response.body.decode("utf-8")
    headings = re.findall(r"^#+ (.+)$", DOC.read_text(encoding="utf-8"), flags=re.M)
    shown = [unescape(text) for text in re.findall(r"<h[1-6]>(.*?)</h[1-6]>", html)]
    assert len(headings) >= 10
    assert shown == headings  # every section of docs/inspection.md, in order
    # the chains and the mentions are tables, the verifier's command a code block
    assert html.count("<table>") >= 2 and "<td><code>event</code></td>" in html
    assert re.search(r"<pre><code[^>]*>python3 lotbook_verify.py --manifest-sha256 EMPREINTE_SCELLÉE "
                     r"lotbook-archive-fiscale-2026-11.zip", html)
    assert "FICTIF — MODE FORMATION" in html and "DUPLICATA" in html


def test_markup_in_the_guide_is_shown_as_text_never_run(aws_stack: Any, tmp_path: Path, monkeypatch: Any) -> None:
    from chalicelib.documents import guide

    source = tmp_path / "inspection.md"
    source.write_text("# Guide\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n", encoding="utf-8")
    monkeypatch.setattr(guide, "SOURCE", source)
    guide.guide_html.cache_clear()
    try:
        html = guide.guide_html()
    finally:
        guide.guide_html.cache_clear()
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
