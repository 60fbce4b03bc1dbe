"""Sales and credit notes as the till stores them: read as ``Sale`` (chalicelib/domain/sale.py)
and written back, a stored record is unchanged byte for byte; what the API shows and the
vault sealed is that record."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from tests.support import TenantSession, commit_lot


def _stored(tenant_id: str) -> dict[str, Any]:
    """The sales table's records as stored (the JSON text of each item)."""
    from chalicelib.adapters.aws import ensure_models_bound
    from chalicelib.adapters.models import SaleModel

    ensure_models_bound()
    return {i.transaction_ref: i.data for i in SaleModel.query(tenant_id, consistent_read=True)}


def test_stored_sales_and_credit_notes_read_and_written_back_are_byte_identical(tenant: TenantSession) -> None:
    from chalicelib.adapters.repositories import sales as sales_repo
    from chalicelib.domain.sale import Sale
    from chalicelib.services.closings import PARIS

    api = tenant.api
    family = api.post("/api/families", {"label": "Bijoux"}).body["id"]
    supplier = api.post("/api/suppliers", {"last_name": "Durand"}).body["id"]
    articles = commit_lot(api, family_id=family, supplier_id=supplier, prices=["80.00", "20.00"])["articles"]
    refs = sorted(a["ref"] for a in articles)
    today = datetime.now(PARIS).date().isoformat()
    sold = api.post("/api/actions/sell", {"refs": refs, "date": today, "payment_method": "card",
                                          "prices": {refs[0]: "126.61", refs[1]: "30.00"},
                                          "vat_rates": {refs[1]: "reduced"}})
    assert sold.status == 200, sold.body
    back = api.post("/api/actions/customer_return", {"refs": [refs[1]], "date": today, "reason": "Défaut"})
    assert back.status == 200, back.body
    transaction, note_number = sold.body["sale"]["transaction_ref"], back.body["credit_note_number"]

    stored = _stored(tenant.tenant_id)
    assert set(stored) == {transaction, note_number}
    for ref, record in stored.items():
        sale = sales_repo.get_sale(tenant.tenant_id, ref)
        assert json.dumps(sale.to_record()) == json.dumps(record)  # key order included
        assert Sale.from_record(sale.to_record()) == sale
    sale, note = Sale.from_record(stored[transaction]), Sale.from_record(stored[note_number])
    assert [line.ref for line in sale.lines] == refs and [line.ref for line in note.lines] == [refs[1]]
    assert str(sale.total) == "156.61" and str(note.total) == "-30.00" and note.original_transaction_ref == transaction
    assert note.payment_method == "card" and note.invoice_number == sale.invoice_number

    # the API shows the stored record; the vault sealed its receipt as stored
    assert api.get(f"/api/sales/{transaction}").body == stored[transaction]
    assert api.get(f"/api/sales/{note_number}").body == stored[note_number]
    sealed = api.get(f"/api/compliance/receipts/{sale.receipt_number}")
    assert sealed.status == 200, sealed.body
    assert sealed.body["content"] == stored[transaction]["receipt"]
    (period,) = api.get("/api/reports/vat-returns").body["periods"]
    assert [n["credit_note_number"] for n in period["credit_notes"]] == [note_number]
    assert period["total"] == "-30.00" and period["credit_notes"][0]["total"] == "-30.00"
