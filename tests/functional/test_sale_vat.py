"""VAT figures come from what the sale recorded: the rate chosen at the sale, the sale price."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from tests.support import TenantSession, commit_lot


def _sealed(api: Any, path: str) -> dict[str, Any]:
    reply = api.get(path)
    assert reply.status == 200, reply.body
    body = json.loads(reply.body) if isinstance(reply.body, str) else reply.body
    return dict(body["content"])


def test_the_summary_puts_collected_vat_under_the_rate_chosen_at_the_sale_as_the_receipt_does(
        tenant: TenantSession) -> None:
    from chalicelib.services.closings import PARIS

    api = tenant.api
    family = api.post("/api/families", {"label": "Livres"}).body["id"]
    supplier = api.post("/api/suppliers", {"last_name": "Durand"}).body["id"]
    (article,) = commit_lot(api, family_id=family, supplier_id=supplier, prices=["80.00"],
                            condition="new")["articles"]
    ref = article["ref"]
    assert article["vat_rate"] == "normal"
    today = datetime.now(PARIS).date().isoformat()
    sold = api.post("/api/actions/sell", {"refs": [ref], "date": today, "payment_method": "card",
                                          "prices": {ref: "126.61"}, "vat_rates": {ref: "intermediate"}})
    assert sold.status == 200, sold.body
    receipt = _sealed(api, f"/api/compliance/receipts/{sold.body['sale']['receipt_number']}")
    (line,) = receipt["lines"]
    assert (line["vat_rate"], line["vat"], line["total_excl_vat"]) == ("intermediate", "11.51", "115.10")

    summary = api.get(f"/api/articles/summary?ref={ref}").body
    assert summary["vat"]["intermediate"]["collected"] == line["vat"]  # not 21.10 under 20 %
    assert summary["vat"]["intermediate"]["base"] == line["total_excl_vat"]
    assert summary["vat"]["normal"] == {"base": "0.00", "deductible": "16.00", "collected": "0.00"}  # the purchase
    assert summary["margin_total"] == "35.10"  # 126.61 - 11.51 - 80.00

    # returned: back in stock at its own rate, nothing collected; the VAT to recover is the receipt's
    back = api.post("/api/actions/customer_return", {"refs": [ref], "date": today, "reason": "Erreur de taux"})
    assert back.status == 200, back.body
    summary = api.get(f"/api/articles/summary?ref={ref}").body
    assert summary["sale_total"] == "0.00"
    assert set(summary["vat"]) == {"normal"}
    assert api.get(f"/api/articles?ref={ref}").body["items"][0]["vat_rate"] == "normal"
    (period,) = api.get("/api/reports/vat-returns").body["periods"]
    assert period["vat_to_recover"] == "11.51"
