"""A commit's articles, their police-register version and the register's changes, on typed
articles (pure): the stored records and the sealed JSON are the shapes they always were."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

from chalicelib.domain import actions, register
from chalicelib.domain.article import Article
from chalicelib.domain.lot import Lot
from chalicelib.domain.lots import DraftHeader, DraftLine

ACTOR = register.Actor("gerant@example.fr", datetime(2026, 3, 4, 10, 30, tzinfo=UTC))
SUPPLIER = {"id": "sup-1", "last_name": "Martin", "first_names": "Anne"}


def _committed() -> tuple[Lot, list[Article]]:
    header = DraftHeader(supplier_id="sup-1", purchase_date=date(2026, 3, 4), purchase_price=Decimal("100"),
                         payment_method="transfer", condition="used")
    lines = [DraftLine("Bague en or", family_id="gold", weight_g=Decimal("3.50"), fineness=750,
                       purchase_price=Decimal("60"), label_price=Decimal("149.9")),
             DraftLine("Montre", purchase_price=Decimal("40.00"), reserve_price=Decimal("55"))]
    return register.new_lot("purchase", "2601001", header, lines, SUPPLIER, Decimal("0.065"), ACTOR)


def test_a_commit_stores_each_article_in_the_stored_form_the_register_seals() -> None:
    _, articles = _committed()
    record = articles[0].to_record()
    assert list(record)[:5] == ["ref", "lot_ref", "status", "description", "family_id"]
    assert record["ref"] == "2601001001" and record["status"] == "stock"
    assert (record["weight_g"], record["purchase_price"], record["label_price"]) == ("3.5", "60.00", "149.90")
    assert record["purchase_date"] == "2026-03-04" and record["traces"] == [] and "events" not in record
    assert Article.from_record(record).to_record() == record


def test_the_police_register_version_is_the_same_json_from_articles_read_back_from_their_records() -> None:
    lot, articles = _committed()
    labels = {"gold": "Or"}
    version = register.register_version(lot, articles, labels, "lot_committed", ACTOR)
    read_back = [Article.from_record(json.loads(json.dumps(a.to_record()))) for a in articles]
    again = register.register_version(lot, read_back, labels, "lot_committed", ACTOR)
    assert json.dumps(version, sort_keys=True) == json.dumps(again, sort_keys=True)
    assert version["articles"][0] == {"ref": "2601001001", "description": "Bague en or", "family": "Or",
                                      "weight_g": "3.5", "fineness": 750, "serial": None,
                                      "purchase_price": "60.00", "reserve_price": None, "status": "stock"}
    assert version["articles"][1]["reserve_price"] == "55.00"


def test_a_retraction_zeroes_the_prices_and_traces_them_as_stored() -> None:
    lot, articles = _committed()
    _, retracted = register.retracted(lot, articles, "Rétractation 48 h", ACTOR)
    assert [a.status for a in retracted] == ["retracted", "retracted"]
    assert [a.purchase_price for a in retracted] == [Decimal("0"), Decimal("0")]
    assert [(t["field"], t["old"], t["new"]) for t in retracted[0].traces] == [
        ("status", "stock", "retracted"), ("purchase_price", "60.00", "0.00")]


def test_a_correction_traces_the_stored_values_and_a_return_traces_the_sale() -> None:
    _, articles = _committed()
    corrected, traces = register.apply_changes(articles[0], {"weight_g": "3.6", "serial": None}, ACTOR, "pesée")
    assert [(t["field"], t["old"], t["new"]) for t in traces] == [("weight_g", "3.5", "3.6")]
    assert corrected.weight_g == Decimal("3.6") and corrected.traces == tuple(traces)

    sold = articles[1].with_event({"event": "sell"}, status="sold", sale_price=Decimal("80"),
                                  sale_date=date(2026, 3, 5), transaction_ref="V260305-ABCDEF",
                                  vat_rate="zero_negative_margin", vat_rate_before_sale="normal")
    sold = Article.from_record(json.loads(json.dumps(sold.to_record())))  # as a return reads it: stored
    (change,) = actions.apply_customer_return([sold], ACTOR, date(2026, 3, 6), "Défaut")
    back = change.article
    assert change.expected_status == "sold" and back.status == "stock" and back.vat_rate == "normal"
    assert back.sale_price is None and back.sale_date is None and back.events[-1]["event"] == "customer_return"
    assert [(t["field"], t["old"]) for t in back.traces] == [
        ("sale_price", "80.00"), ("sale_date", "2026-03-05"), ("transaction_ref", "V260305-ABCDEF")]
    assert back.to_record()["vat_rate_before_sale"] is None  # written as null, as a return always did
