"""What the ``shop`` profile never receives (DOMAIN.md "Tenants, users, profiles").

Purchase prices, margins and price codes are removed from the data itself, not
hidden by the site: every response about existing lots and articles goes through
these functions.
"""

from __future__ import annotations

from typing import Any

LOT_PURCHASE_FIELDS = ("purchase_price", "price_incl_tmp", "tmp_rate", "tmp_due")
ARTICLE_PURCHASE_FIELDS = ("purchase_price", "margin", "price_code")
_TRACED_PURCHASE_FIELDS = {"purchase_price", "price_incl_tmp"}


def _without_purchase_traces(traces: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [t for t in traces if t.get("field") not in _TRACED_PURCHASE_FIELDS]


def article_for(article: dict[str, Any], sees_purchase_data: bool) -> dict[str, Any]:
    if sees_purchase_data:
        return article
    shown = {k: v for k, v in article.items() if k not in ARTICLE_PURCHASE_FIELDS}
    shown["traces"] = _without_purchase_traces(article.get("traces", []))
    return shown


def lot_for(lot: dict[str, Any], sees_purchase_data: bool) -> dict[str, Any]:
    if sees_purchase_data:
        return lot
    shown = {k: v for k, v in lot.items() if k not in LOT_PURCHASE_FIELDS}
    shown["traces"] = _without_purchase_traces(lot.get("traces", []))
    if "articles" in lot:
        shown["articles"] = [article_for(a, False) for a in lot["articles"]]
    return shown
