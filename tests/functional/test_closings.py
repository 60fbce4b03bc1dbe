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
    verified = api.get("/api/compliance/verify").body
    assert verified["ok"] is True, json.dumps({k: v for k, v in verified.items() if k != "archives"})[:3000]


def test_a_tenant_without_tickets_has_nothing_to_close(tenant: TenantSession) -> None:
    from chalicelib.services.closings import close_tenant

    assert close_tenant(tenant.tenant_id, date(2999, 1, 1)) == []


def _closing(api: Any, number: str) -> dict[str, Any]:
    reply = api.get(f"/api/compliance/closings/{number}")
    assert reply.status == 200, (number, reply.body)
    body = json.loads(reply.body) if isinstance(reply.body, str) else reply.body
    return dict(body["content"])


def _adds_up(content: dict[str, Any]) -> None:
    """The per-rate and per-method breakdowns add up to the period total."""
    from decimal import Decimal

    total = Decimal(content["period_total"])
    assert sum(Decimal(e["total"]) for e in content["by_vat_rate"].values()) == total
    assert sum(Decimal(a) for a in content["by_payment_method"].values()) == total


def test_a_ticket_dated_on_a_closed_day_enters_the_next_daily_closing_and_the_days_add_up_to_the_month(
        tenant: TenantSession, monkeypatch: Any) -> None:
    from datetime import UTC, datetime
    from decimal import Decimal

    from chalicelib.services import actions
    from chalicelib.services.closings import close_tenant

    api = tenant.api
    family = api.post("/api/families", {"label": "Divers"}).body["id"]
    supplier = api.post("/api/suppliers", {"last_name": "Durand"}).body["id"]
    refs = [a["ref"] for a in commit_lot(api, family_id=family, supplier_id=supplier, condition="new",
                                         prices=["10.00", "10.00", "10.00"])["articles"]]
    clock = {"now": datetime(2026, 1, 31, 17, 0, tzinfo=UTC)}  # 18:00 in Paris
    monkeypatch.setattr(actions, "_now", lambda: clock["now"])

    def sell(refs: list[str], method: str, prices: dict[str, str], rates: dict[str, str]) -> str:
        reply = api.post("/api/actions/sell", {"refs": refs, "date": "2026-01-31", "payment_method": method,
                                               "prices": prices, "vat_rates": rates})
        assert reply.status == 200, reply.body
        return str(reply.body["sale"]["receipt_number"])

    first = sell(refs[:2], "card", {refs[0]: "110.00", refs[1]: "120.00"}, {refs[0]: "intermediate"})
    assert close_tenant(tenant.tenant_id, date(2026, 2, 1)) == ["01-D-2026-01-31", "01-M-2026-01"]

    # the till's clock still says January 31st: the ticket is dated on a day already closed
    late = sell(refs[2:], "cash", {refs[2]: "60.00"}, {})
    assert close_tenant(tenant.tenant_id, date(2026, 2, 1)) == []  # the next daily closing is not due yet
    clock["now"] = datetime(2026, 2, 1, 9, 0, tzinfo=UTC)
    refund = api.post("/api/actions/customer_return", {"refs": [refs[1]], "date": "2026-02-01",
                                                       "reason": "Ne convient pas"}).body["receipt_number"]
    assert close_tenant(tenant.tenant_id, date(2026, 2, 2)) == ["01-D-2026-02-01"]
    assert close_tenant(tenant.tenant_id, date(2027, 1, 1)) == ["01-M-2026-02", "01-Y-2026"]

    january_31 = _closing(api, "01-D-2026-01-31")
    assert (january_31["tickets"], january_31["first_ticket"], january_31["period_total"]) == (1, first, "230.00")
    assert january_31["by_vat_rate"] == {
        "intermediate": {"total": "110.00", "total_excl_vat": "100.00", "vat": "10.00"},
        "normal": {"total": "120.00", "total_excl_vat": "100.00", "vat": "20.00"}}
    assert january_31["by_payment_method"] == {"card": "230.00"}
    february_1 = _closing(api, "01-D-2026-02-01")
    assert (february_1["first_ticket"], february_1["last_ticket"]) == (late, refund)
    assert february_1["late_tickets"] == [late]
    assert february_1["period_total"] == "-60.00"  # 60.00 sold late, 120.00 refunded
    assert february_1["by_vat_rate"] == {"normal": {"total": "-60.00", "total_excl_vat": "-50.00", "vat": "-10.00"}}
    assert february_1["by_payment_method"] == {"cash": "60.00", "card": "-120.00"}  # given back by card
    assert february_1["perpetual_total"] == "170.00"
    listed = {c["number"]: c for c in api.get("/api/compliance/closings").body["items"]}
    assert (listed["01-D-2026-02-01"]["closing_kind"], listed["01-D-2026-02-01"]["period_total"],
            listed["01-D-2026-02-01"]["tickets"]) == ("daily", "-60.00", 2)

    january, february, year = (_closing(api, n) for n in ("01-M-2026-01", "01-M-2026-02", "01-Y-2026"))
    assert january["period_total"] == january_31["period_total"]
    assert february["period_total"] == february_1["period_total"]
    assert february["by_vat_rate"] == february_1["by_vat_rate"]
    assert year["period_total"] == str(Decimal(january["period_total"]) + Decimal(february["period_total"]))
    assert year["tickets"] == 3
    for content in (january_31, february_1, january, february, year):
        _adds_up(content)
    verified = api.get("/api/compliance/verify").body
    assert verified["ok"] is True, json.dumps({k: v for k, v in verified.items() if k != "archives"})[:3000]

    # Printed from the vault's bytes: totals, both breakdowns, and the seal to check it against.
    sealed = listed["01-D-2026-02-01"]
    text = " ".join(_pdf_text(api, "/api/compliance/closings/01-D-2026-02-01.pdf").split())
    for expected in ("Clôture journalière n° 01-D-2026-02-01", "Période 01/02/2026", f"Dernier ticket {refund}",
                     f"Tickets datés d'une période déjà clôturée {late}", "Total de la période (TTC) -60,00 €",
                     "Ventilation par taux de TVA", "20 % -50,00 € -10,00 € -60,00 €",
                     "Ventilation par moyen de paiement", "Espèces 60,00 €", "Carte bancaire -120,00 €",
                     f"Rang {sealed['rank']}", sealed["sha256"]):
        assert expected in text, expected
    shop = tenant.add_user("shop")
    assert shop.get("/api/compliance/closings/01-D-2026-02-01.pdf").status == 403
    assert api.get("/api/compliance/closings/01-D-1999-01-01.pdf", headers={"Accept": "application/pdf"}).status \
        == 404


def _pdf_text(api: Any, path: str) -> str:
    from chalice.test import Client

    from app import app
    from tests.pdfs import all_text

    reply = Client(app).http.request("GET", path, body=b"", headers={"Authorization": f"Bearer {api.token}",
                                                                      "Accept": "application/pdf"})
    assert reply.status_code == 200, reply.body[:300]
    return all_text(reply.body)
