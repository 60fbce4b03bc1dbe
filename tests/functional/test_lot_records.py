"""Lots as the commit, a buy-back, a correction and a retraction store them: read as ``Lot``
(chalicelib/domain/lot.py) and written back, a stored record is unchanged byte for byte;
what the API shows is that record."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

from tests.support import TenantSession, commit_lot


def _stored(tenant_id: str) -> dict[str, tuple[str, dict[str, Any], int]]:
    """The lots table's items as stored: kind, data (key order kept), version."""
    from chalicelib.adapters.aws import ensure_models_bound
    from chalicelib.adapters.models import LotModel

    ensure_models_bound()
    return {i.ref: (i.kind, i.data, i.version) for i in LotModel.query(tenant_id, consistent_read=True)}


def test_stored_lots_read_and_written_back_are_byte_identical(tenant: TenantSession) -> None:
    from chalicelib.adapters.repositories import lots as lots_repo
    from chalicelib.domain.lot import Lot

    api = tenant.api
    family = api.post("/api/families", {"label": "Bijoux"}).body["id"]
    supplier = api.post("/api/suppliers", {"last_name": "Durand", "first_names": "Paul"}).body["id"]
    taxed = commit_lot(api, family_id=family, supplier_id=supplier, prices=["60.00", "40.00"], tmp=True,
                       payment_method="transfer")["lot"]["ref"]
    consigned = commit_lot(api, family_id=family, supplier_id=supplier, kind="consignment", prices=["80.00"],
                           purchase_date="2021-02-10")["articles"][0]["ref"]
    retracted = commit_lot(api, family_id=family, supplier_id=supplier, prices=["5.00"])["lot"]["ref"]
    bought = api.post("/api/actions/buy_consigned", {"refs": [consigned], "date": "2021-03-04",
                                                     "prices": {consigned: "75.00"}})
    assert bought.status == 200, bought.body
    (bought_lot,) = bought.body["lots"]
    corrected = api.patch(f"/api/lots/{taxed}", {"purchase_price": "90.00", "comment": "Revu",
                                                 "reason": "Erreur de saisie"})
    assert corrected.status == 200, corrected.body
    assert api.post(f"/api/lots/{retracted}/retract", {"comment": "Rétractation du vendeur"}).status == 200

    stored = _stored(tenant.tenant_id)
    assert {taxed, retracted, bought_lot} <= set(stored)
    for ref, (kind, data, version) in stored.items():
        lot = lots_repo.get_lot(tenant.tenant_id, ref)
        assert json.dumps(lot.to_record()) == json.dumps({"ref": ref, "kind": kind, **data})  # key order included
        assert json.dumps(lots_repo.lot_item(tenant.tenant_id, lot).data) == json.dumps(data)
        assert lot.version == version and Lot.from_record(lot.to_record()) == lot
        shown = api.get(f"/api/lots/{ref}").body
        assert {k: v for k, v in shown.items() if k not in ("articles", "tmp_due")} == lot.to_record()

    lot = lots_repo.get_lot(tenant.tenant_id, taxed)
    assert (lot.purchase_price, lot.price_incl_tmp, lot.register_version) == (Decimal("90.00"), Decimal("100.35"), 2)
    assert lot.tmp_due == Decimal("10.35") and lot.comment == "Revu"
    assert [t["field"] for t in lot.traces] == ["purchase_price", "comment"]
    assert lots_repo.get_lot(tenant.tenant_id, bought_lot).bought_from_consignment == (consigned,)
    gone = lots_repo.get_lot(tenant.tenant_id, retracted)
    assert (gone.status, gone.purchase_price, gone.register_version) == ("retracted", Decimal("0"), 2)


def test_a_draft_is_stored_as_the_json_of_its_typed_header_and_lines(tenant: TenantSession) -> None:
    from chalicelib.adapters.aws import ensure_models_bound
    from chalicelib.adapters.models import DraftModel
    from chalicelib.adapters.repositories import drafts as drafts_repo
    from chalicelib.adapters.repositories._common import unpack
    from chalicelib.domain.lots import DraftHeader, DraftLine

    api = tenant.api
    family = api.post("/api/families", {"label": "Bijoux"}).body["id"]
    supplier = api.post("/api/suppliers", {"last_name": "Durand"}).body["id"]
    assert api.put("/api/lots/draft", {"supplier_id": supplier, "purchase_date": "2020-03-14",
                                       "payment_method": "card", "purchase_price": "30.5"}).status == 200
    line = {"description": "Bague", "family_id": family, "weight_g": "1.50", "purchase_price": "30.5"}
    assert api.post("/api/lots/draft/lines", line).status == 201

    ensure_models_bound()
    (item,) = list(DraftModel.query(tenant.tenant_id, consistent_read=True))
    draft = drafts_repo.get_draft(tenant.tenant_id, item.user_id)
    assert draft.header == DraftHeader(supplier_id=supplier, purchase_date=date(2020, 3, 14),
                                       purchase_price=Decimal("30.50"), payment_method="card")
    assert draft.lines == [DraftLine("Bague", family_id=family, weight_g=Decimal("1.5"),
                                     purchase_price=Decimal("30.50"))]
    assert json.dumps(item.header) == json.dumps(draft.header.to_json())  # the stored JSON, key order included
    assert unpack(item.lines) == [x.to_json() for x in draft.lines]
    assert unpack(item.lines)[0]["purchase_price"] == "30.50" and item.header["purchase_date"] == "2020-03-14"

    drafts_repo.save_draft(tenant.tenant_id, item.user_id, draft)  # written back unchanged
    again = DraftModel.get(tenant.tenant_id, item.user_id, consistent_read=True)
    assert (json.dumps(again.header), again.lines) == (json.dumps(item.header), item.lines)
    assert api.get("/api/lots/draft").body["lines"][0]["purchase_price"] == "30.50"
