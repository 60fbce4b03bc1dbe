"""Cash register closings: each finished day, month and year with tickets, sealed once."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from tests.support import TenantSession, commit_lot


def _sell(api: Any, ref: str, price: str) -> dict[str, Any]:
    reply = api.post("/api/actions/sell", {"refs": [ref], "date": date.today().isoformat(),
                                           "payment_method": "card", "prices": {ref: price}})
    assert reply.status == 200, reply.body
    return dict(reply.body["sale"])


def test_each_finished_day_month_and_year_is_closed_and_sealed_once(tenant: TenantSession) -> None:
    from chalicelib.services.closings import PARIS, close_tenant

    api = tenant.api
    family = api.post("/api/families", {"label": "Divers"}).body["id"]
    supplier = api.post("/api/suppliers", {"last_name": "Durand"}).body["id"]
    refs = [a["ref"] for a in commit_lot(api, family_id=family, supplier_id=supplier,
                                         prices=["1.00", "1.00", "1.00"])["articles"]]
    _sell(api, refs[0], "100.00")
    last = _sell(api, refs[1], "50.00")
    api.post("/api/actions/customer_return", {"refs": [refs[0]], "date": date.today().isoformat(),
                                              "reason": "Ne convient pas"})
    from datetime import datetime

    today = datetime.now(PARIS).date()
    assert close_tenant(tenant.tenant_id, today) == []  # the day is not over

    tomorrow = today + timedelta(days=1)
    made = close_tenant(tenant.tenant_id, tomorrow)
    expected = [f"01-D-{today.isoformat()}"]
    if tomorrow.month != today.month:
        expected.append(f"01-M-{today:%Y-%m}")
    if tomorrow.year != today.year:
        expected.append(f"01-Y-{today.year}")
    assert made == expected
    assert close_tenant(tenant.tenant_id, tomorrow) == []  # closed once

    listed = api.get("/api/compliance/closings").body["items"]
    stored = api.get(f"/api/compliance/closings/01-D-{today.isoformat()}").body
    stored = json.loads(stored) if isinstance(stored, str) else stored
    content = stored["content"]
    assert content["tickets"] == 3
    assert content["period_total"] == "50.00"  # 100 + 50 - 100
    assert content["first_ticket"] == "01-00000001"
    assert content["perpetual_total"] == "50.00"
    assert content["period_grand_total"] == "50.00"
    assert last["receipt_number"] == "01-00000002"
    assert len(listed) >= 1

    next_year = date(today.year + 1, 1, 1)
    later = close_tenant(tenant.tenant_id, next_year)
    assert later == [n for n in (f"01-M-{today:%Y-%m}", f"01-Y-{today.year}") if n not in expected]
    assert api.get("/api/compliance/verify").body["ok"] is True


def test_a_tenant_without_tickets_has_nothing_to_close(tenant: TenantSession) -> None:
    from chalicelib.services.closings import close_tenant

    assert close_tenant(tenant.tenant_id, date(2999, 1, 1)) == []
