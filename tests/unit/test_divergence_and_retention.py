"""Pure rules: ten calendar years of retention, and live records against their seal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.domain import divergence, retention


def test_retention_is_ten_calendar_years_from_the_sealing_day_not_3650_days() -> None:
    sealed = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
    until = retention.retain_until(sealed, 10)
    assert until == datetime(2036, 12, 7, 9, 30, tzinfo=UTC)
    assert sealed + timedelta(days=3650) < retention.required_until(sealed, 10)  # two leap days short
    assert retention.required_until(sealed, 10) == datetime(2036, 12, 7, tzinfo=UTC)


def test_a_record_sealed_on_29_february_is_kept_until_1_march() -> None:
    assert retention.retain_until(datetime(2028, 2, 29, 12, tzinfo=UTC), 10) == datetime(2038, 3, 1, 12, tzinfo=UTC)


def test_retention_check_reports_mode_absence_and_shortness() -> None:
    sealed = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
    ok = retention.check("receipt", 1, "01-1", "COMPLIANCE", retention.retain_until(sealed, 10), sealed, 10)
    assert ok is None
    short = retention.check("receipt", 1, "01-1", "COMPLIANCE", sealed + timedelta(days=3650), sealed, 10)
    assert short is not None and short.reason == "too_short" and short.message
    assert retention.check("receipt", 1, None, "GOVERNANCE", sealed.replace(year=2040), sealed, 10
                           ).reason == "not_compliance"  # type: ignore[union-attr]
    assert retention.check("receipt", 1, None, "COMPLIANCE", None, sealed, 10).reason == "no_retention"  # type: ignore[union-attr]


def _version(ref: str, version: int, price: str, articles: list[dict[str, Any]]) -> dict[str, Any]:
    return {"record": "police_register", "version": version,
            "lot": {"ref": ref, "kind": "purchase", "purchase_date": "2021-01-05", "purchase_price": price,
                    "price_incl_tmp": None, "payment_method": "card", "condition": "used", "status": "committed"},
            "seller": {"last_name": "Martin", "city": None}, "articles": articles}


def _article(ref: str, price: str, family: str = "Bijoux") -> dict[str, Any]:
    return {"ref": ref, "description": "Bague", "family": family, "weight_g": "1.5", "fineness": None,
            "serial": None, "purchase_price": price, "reserve_price": None, "status": "stock"}


LOT = {"ref": "0701001", "kind": "purchase", "purchase_date": "2021-01-05", "purchase_price": "0.00",
       "price_incl_tmp": None, "payment_method": "card", "condition": "used", "status": "retracted",
       "supplier": {"id": "sup_1", "last_name": "Martin", "city": ""}}


def _live(price: str = "0.00", **changes: Any) -> dict[str, Any]:
    return {"ref": "0701001001", "lot_ref": "0701001", "status": "retracted", "description": "Bague",
            "family_id": "fam_1", "weight_g": "1.50", "fineness": None, "serial": "", "purchase_price": price,
            "reserve_price": "99.00", "label_price": "80.00", **changes}


def test_the_last_version_is_the_reference_and_legitimate_changes_are_no_divergence() -> None:
    versions = [(1, _version("0701001", 1, "10.00", [_article("0701001001", "10.00")])),
                (4, _version("0701001", 2, "0.00", [_article("0701001001", "0.00")]))]  # the retraction's
    found = divergence.register_divergences(versions, {"0701001": LOT}, {"0701001001": _live()},
                                            {"fam_1": ["Bijoux"]})
    assert found == []  # status, reserve and label prices are not the register's; 1.5 == 1.50


def test_a_renamed_family_is_no_divergence_but_another_family_is() -> None:
    versions = [(1, _version("0701001", 1, "0.00", [_article("0701001001", "0.00")]))]
    renamed = {"fam_1": ["Bijoux anciens", "Bijoux"], "fam_2": ["Mobilier"]}
    assert divergence.register_divergences(versions, {"0701001": LOT}, {"0701001001": _live()}, renamed) == []
    moved = divergence.register_divergences(versions, {"0701001": LOT}, {"0701001001": _live(family_id="fam_2")},
                                            renamed)
    assert [(d.field, d.sealed, d.live) for d in moved] == [("family", "Bijoux", "Mobilier")]


def test_changed_and_deleted_records_are_reported_unless_a_closure_deleted_them() -> None:
    versions = [(3, _version("0701001", 1, "0.00", [_article("0701001001", "0.00"), _article("0701001002", "0.00")]))]
    found = divergence.register_divergences(versions, {}, {"0701001001": _live("5.00")}, {"fam_1": ["Bijoux"]})
    assert [(d.record, d.ref, d.field, d.sealed, d.live, d.rank) for d in found] == [
        ("lot", "0701001", "exists", True, False, 3),
        ("article", "0701001001", "purchase_price", "0.00", "5.00", 3),
        ("article", "0701001002", "exists", True, False, 3)]
    purged = divergence.Purged(lots=frozenset({"0701001"}), articles=frozenset({"0701001002"}))
    found = divergence.register_divergences(versions, {}, {"0701001001": _live()}, {"fam_1": ["Bijoux"]}, purged)
    assert found == []


def _sale(ref: str, transaction: str, price: str) -> dict[str, Any]:
    return {"record": "receipt", "transaction_ref": transaction,
            "lines": [{"ref": ref, "unit_price": price, "vat_rate": "normal"}]}


def test_a_sold_article_is_held_against_its_last_receipt() -> None:
    receipts = [(1, "sale", _sale("A1", "T1", "50.00")),
                (2, "sale_return", {"kind": "customer_return", "lines": [{"ref": "A1", "unit_price": "-50.00"}]}),
                (3, "sale", _sale("A1", "T2", "45.00"))]
    sold = {"status": "sold", "transaction_ref": "T2", "sale_price": "45.00", "vat_rate": "normal"}
    assert divergence.receipt_divergences(receipts, {"A1": sold}) == []
    forged = divergence.receipt_divergences(receipts, {"A1": {**sold, "sale_price": "4.50"}})
    assert [(d.record, d.ref, d.article, d.field, d.sealed, d.live) for d in forged] == [
        ("sale", "T2", "A1", "sale_price", "45.00", "4.50")]
    returned = divergence.receipt_divergences(receipts[:2], {"A1": {"status": "stock", "transaction_ref": None}})
    assert returned == []
    no_receipt = divergence.receipt_divergences([], {"A1": sold})
    assert [(d.field, d.sealed, d.live) for d in no_receipt] == [("transaction_ref", None, "T2")]
