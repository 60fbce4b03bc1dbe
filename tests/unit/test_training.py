"""Training mode's pure rules (chalicelib/domain/training.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from chalicelib.domain import seal, training
from chalicelib.domain.sale import SaleLine


def test_a_training_reference_never_looks_like_a_real_sale_or_credit_note() -> None:
    ref = training.transaction_ref(date(2026, 12, 7))
    assert ref.startswith("T261207-") and training.is_training_ref(ref) and training.is_training_ref(ref.lower())
    assert not training.is_training_ref("V261207-ABCDEF")
    assert not training.is_training_ref("AV-00001")
    assert training.ticket_number(12) == "F01-00000012"


def test_in_training_reads_and_the_till_run_and_real_writes_do_not() -> None:
    assert training.write_allowed("GET", "/api/articles/summary")
    assert training.write_allowed("put", "/api/me/training")
    assert training.write_allowed("POST", "/api/selection/scan")
    assert training.write_allowed("POST", "/api/actions/{action}")
    for route in ("POST /api/lots/draft/commit", "PATCH /api/articles/{ref}", "POST /api/clients",
                  "PUT /api/company", "POST /api/closures", "DELETE /api/users/{user_id}"):
        method, path = route.split(" ")
        assert not training.write_allowed(method, path), route
    assert training.action_allowed("sell", False) and training.action_allowed("labels", True)
    assert not training.action_allowed("deposit", False)


def test_the_marked_receipt_is_numbered_by_its_ticket_in_the_training_chain() -> None:
    receipt = {"record": "receipt", "ticket_number": "F01-00000003", "transaction_ref": "T261207-ABCDEF",
               "at": "2026-12-07T10:00+0100", "total": "45.00",
               "lines": [{"ref": "1003001001", "unit_price": "45.00"}], "payment": {"method": "cash"}}
    lines = [SaleLine(ref="1003001001", label="", unit_price=Decimal("45.00"), total=Decimal("45.00"),
                      total_excl_vat=Decimal("45.00"), vat_rate="normal", vat_rate_percent=Decimal("20.00"),
                      vat=Decimal("0.00"), condition="used", margin_category="art")]
    content = training.mark(receipt, date="2026-12-07", seller="a@b.fr", client_id=None, lines=lines)
    assert (content["training"], content["mention"]) == (True, "FICTIF — MODE FORMATION")
    assert seal.record_number(seal.TRAINING, 9, content) == "F01-00000003"
    assert training.summary(content) == {"ticket_number": "F01-00000003", "at": "2026-12-07T10:00+0100",
                                         "total": "45.00", "transaction_ref": "T261207-ABCDEF"}
    view = training.sale_view(content)
    assert view["lines"][0]["condition"] == "used" and view["lines"][0]["margin_category"] == "art"
    assert (view["receipt_number"], view["payment_method"], view["invoice_number"]) == ("F01-00000003", "cash", None)
    assert "conditions" not in view["receipt"]
