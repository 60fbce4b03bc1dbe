"""A committed lot as a typed object (chalicelib/domain/lot.py): the records a commit, a
buy-back, a correction and a retraction write come out of it byte for byte as before the
type, and any stored record reads back unchanged (key order and unknown keys included)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain import register
from chalicelib.domain.lot import Lot
from chalicelib.domain.lots import DraftHeader, DraftLine, price_incl_tmp
from chalicelib.domain.money import fmt

ACTOR = register.Actor("gerant@example.fr", datetime(2026, 3, 4, 10, 30, 12, 345678, tzinfo=UTC))
SUPPLIER = {"title": None, "last_name": "Martin", "first_names": "Anne", "id": "sup-1"}
LINES = [DraftLine("Bague en or", family_id="gold", weight_g=Decimal("3.50"), fineness=750,
                   purchase_price=Decimal("60"), reserve_price=Decimal("80")),
         DraftLine("Montre", purchase_price=Decimal("40.00"), reserve_price=Decimal("55"))]


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)  # as the lots table stores its data: key order kept


def _old_new_lot(kind: str, ref: str, header: DraftHeader, tmp_rate: Decimal) -> dict[str, Any]:
    """The lot record a commit wrote before the type (domain/register.new_lot), kept as the reference."""
    assert header.purchase_date is not None
    purchase = kind == "purchase"
    lot_price = header.purchase_price if purchase else None
    taxed = purchase and header.tmp and lot_price is not None
    return {
        "ref": ref, "kind": kind, "status": "committed", "supplier_id": header.supplier_id, "supplier": SUPPLIER,
        "purchase_date": header.purchase_date.isoformat(), "purchase_price": fmt(lot_price),
        "tmp": bool(header.tmp and purchase),
        "price_incl_tmp": fmt(price_incl_tmp(lot_price, tmp_rate)) if taxed and lot_price is not None else None,
        "tmp_rate": str(tmp_rate) if purchase and header.tmp else None,
        "payment_method": header.payment_method, "condition": header.condition, "comment": header.comment,
        "article_count": len(LINES), "committed_at": ACTOR.at.isoformat(), "committed_by": ACTOR.user,
        "register_version": 1, "traces": [],
    }


HEADERS = {
    "purchase_tmp": ("purchase", DraftHeader(supplier_id="sup-1", purchase_date=date(2026, 3, 4),
                                             purchase_price=Decimal("100"), payment_method="transfer", tmp=True)),
    "purchase": ("purchase", DraftHeader(supplier_id="sup-1", purchase_date=date(2026, 3, 4),
                                         purchase_price=Decimal("100.5"), payment_method="cash", comment="Vitrine")),
    "consignment": ("consignment", DraftHeader(supplier_id="sup-1", purchase_date=date(2026, 3, 4),
                                               payment_method="transfer", condition="new")),
}


def _commit(name: str) -> Lot:
    kind, header = HEADERS[name]
    lot, _ = register.new_lot(kind, "2603001", header, LINES, SUPPLIER, Decimal("0.065"), ACTOR)
    return lot


def test_a_commit_writes_the_lot_record_it_always_wrote() -> None:
    for name, (kind, header) in HEADERS.items():
        lot = _commit(name)
        assert _dumps(lot.to_record()) == _dumps(_old_new_lot(kind, "2603001", header, Decimal("0.065"))), name
        assert _dumps(Lot.from_record(lot.to_record()).to_record()) == _dumps(lot.to_record())
    taxed = _commit("purchase_tmp")
    assert (taxed.purchase_price, taxed.price_incl_tmp, taxed.tmp_rate) == (
        Decimal("100"), Decimal("106.50"), Decimal("0.065"))
    assert taxed.tmp_due == Decimal("6.50") and taxed.purchase_date == date(2026, 3, 4)
    assert taxed.committed_at == ACTOR.at and taxed.version is None
    consigned = _commit("consignment")
    assert consigned.purchase_price is None and consigned.tmp_due is None and consigned.tmp_rate is None


def test_the_stored_item_keeps_ref_and_kind_apart_and_the_version_out_of_the_data() -> None:
    stored = _commit("purchase").to_record()
    read = Lot.from_record({**stored, "_version": 4})  # as the repository reads an item
    assert read.version == 4 and read == _commit("purchase")
    assert "_version" not in read.to_record() and list(read.data())[:2] == ["status", "supplier_id"]
    assert _dumps({"ref": read.ref, "kind": read.kind, **read.data()}) == _dumps(stored)


def test_a_buy_back_lot_keeps_its_consigned_references_last() -> None:
    old = {"ref": "2603002", "kind": "purchase", "status": "committed", "supplier_id": "sup-1",
           "supplier": SUPPLIER, "purchase_date": "2026-03-04", "purchase_price": "95.00", "tmp": False,
           "price_incl_tmp": None, "tmp_rate": None, "payment_method": "cash", "condition": "used",
           "comment": "Rachat d'articles confiés : 2601002001", "article_count": 1,
           "committed_at": ACTOR.at.isoformat(), "committed_by": ACTOR.user, "register_version": 1, "traces": [],
           "bought_from_consignment": ["2601002001"]}
    built = Lot(ref="2603002", kind="purchase", status="committed", supplier_id="sup-1", supplier=SUPPLIER,
                purchase_date=date(2026, 3, 4), purchase_price=Decimal("95"), payment_method="cash",
                condition="used", comment="Rachat d'articles confiés : 2601002001", article_count=1,
                committed_at=ACTOR.at, committed_by=ACTOR.user, bought_from_consignment=("2601002001",))
    assert _dumps(built.to_record()) == _dumps(old)
    assert _dumps(Lot.from_record(old).to_record()) == _dumps(old)


def test_a_correction_and_a_retraction_trace_the_stored_values() -> None:
    lot = replace(_commit("purchase_tmp"), version=2)
    corrected, traces = register.apply_changes(lot, {"purchase_price": "90.00", "comment": None}, ACTOR, "Erreur")
    assert [(t["field"], t["old"], t["new"]) for t in traces] == [("purchase_price", "100.00", "90.00")]
    assert corrected.purchase_price == Decimal("90.00") and corrected.traces == tuple(traces)
    assert corrected.version == 2  # the optimistic lock of what was read
    assert list(corrected.to_record()) == list(lot.to_record())

    retracted, _ = register.retracted(corrected, [], "Rétractation 48 h", ACTOR)
    record = retracted.to_record()
    assert (record["status"], record["purchase_price"], record["price_incl_tmp"]) == ("retracted", "0.00", "0.00")
    assert record["register_version"] == 2 and retracted.version == 2
    assert [(t["field"], t["old"], t["new"]) for t in record["traces"]] == [
        ("purchase_price", "100.00", "90.00"), ("status", "committed", "retracted"),
        ("purchase_price", "90.00", "0.00")]
    assert retracted.tmp_due == Decimal("0.00")  # shown "0.00", as before the type


def test_the_police_register_version_of_a_lot_is_its_stored_values_as_before() -> None:
    lot = _commit("purchase_tmp")
    from_lot = register.register_version(lot, [], {}, "lot_committed", ACTOR)
    record = lot.to_record()
    read_back = register.register_version(Lot.from_record({**record, "_version": 1}), [], {}, "lot_committed", ACTOR)
    assert _dumps(from_lot) == _dumps(read_back)
    # the lot block as sealed before the type: the stored record's values, as they are
    assert _dumps(from_lot["lot"]) == _dumps({name: record[name] for name in (
        "ref", "kind", "status", "purchase_date", "purchase_price", "price_incl_tmp", "payment_method", "condition")})
    assert from_lot["lot"] == {"ref": "2603001", "kind": "purchase", "status": "committed",
                               "purchase_date": "2026-03-04", "purchase_price": "100.00",
                               "price_incl_tmp": "106.50", "payment_method": "transfer", "condition": "used"}
    assert from_lot["seller"] == {"title": None, "last_name": "Martin", "first_names": "Anne"}


def test_an_older_record_without_some_keys_and_with_unknown_ones_reads_back_unchanged() -> None:
    old = {"kind": "consignment", "ref": "2501001", "status": "committed", "purchase_date": "2025-01-02",
           "supplier": None, "legacy_flag": {"a": [1, 2]}, "traces": [{"field": "comment", "old": None}],
           "article_count": 3}
    lot = Lot.from_record(old)
    assert lot.extras == {"legacy_flag": {"a": [1, 2]}} and lot.register_version == 1 and not lot.tmp
    assert _dumps(lot.to_record()) == _dumps(old)
    changed = replace(lot, register_version=2, comment="Vu")  # a field set later is written after the others
    assert list(changed.to_record()) == [*old, "comment", "register_version"]


# ---------------------------------------------------------------- any stored record

_money = st.decimals(min_value=Decimal("0"), max_value=Decimal("99999"), places=2).map(fmt)
_text = st.text(max_size=8)
_json = st.recursive(st.none() | st.booleans() | st.integers() | _text,
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
                     max_leaves=6)
_at = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 1, 1), timezones=st.just(UTC))
_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "status": st.sampled_from(["committed", "retracted"]),
    "supplier_id": st.none() | _text,
    "supplier": st.none() | st.dictionaries(st.sampled_from(["id", "last_name", "city"]), st.none() | _text),
    "purchase_date": st.none() | st.dates().map(date.isoformat),
    "purchase_price": st.none() | _money,
    "tmp": st.booleans(),
    "price_incl_tmp": st.none() | _money,
    "tmp_rate": st.none() | st.sampled_from(["0.065", "0.05", "0.1150"]),
    "payment_method": st.none() | st.sampled_from(["cash", "card", "transfer", "cheque"]),
    "condition": st.none() | st.sampled_from(["new", "used"]),
    "comment": st.none() | _text,
    "article_count": st.integers(0, 999),
    "committed_at": st.none() | _at.map(datetime.isoformat),
    "committed_by": st.none() | _text,
    "register_version": st.integers(1, 50),
    "traces": st.lists(st.fixed_dictionaries({"field": _text, "old": _json, "new": _json}), max_size=2),
    "bought_from_consignment": st.lists(_text, max_size=2),
}


@st.composite
def _records(draw: st.DrawFn) -> dict[str, Any]:
    names = draw(st.lists(st.sampled_from(sorted(_VALUES)), unique=True))
    unknown = draw(st.dictionaries(st.text(min_size=1, max_size=6).filter(
        lambda k: k not in _VALUES and k not in ("ref", "kind", "_version", "version", "extras", "key_order")),
        _json, max_size=2))
    record: dict[str, Any] = {"ref": draw(_text), "kind": draw(st.sampled_from(["purchase", "consignment"]))}
    record.update({name: draw(_VALUES[name]) for name in names})
    record.update(unknown)
    order = draw(st.permutations(list(record)))
    return {key: record[key] for key in order}


@settings(max_examples=300, deadline=None)
@given(_records(), st.none() | st.integers(1, 9))
def test_any_stored_record_reads_and_writes_back_byte_for_byte(record: dict[str, Any], version: int | None) -> None:
    lot = Lot.from_record({**record, "_version": version})
    assert _dumps(lot.to_record()) == _dumps(record)
    assert lot.version == version
    assert Lot.from_record(lot.to_record()) == lot
