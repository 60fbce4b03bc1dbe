"""Purchase rules in plain Python: references, money, spreading, TMP, CSV."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain import csv_import, references
from chalicelib.domain.lots import (
    DraftHeader,
    DraftLine,
    NoWeightError,
    cash_metal_purchase,
    check_draft,
    distribute_by_weight,
    price_incl_tmp,
    purchase_from_incl_tmp,
)
from chalicelib.domain.money import AmountError, money, weight


def test_the_domain_example_reference() -> None:
    ref = references.lot_ref(2013, date(2017, 10, 28), 16, consignment=False)
    assert ref == "0510016"
    assert references.article_ref(ref, 9) == "0510016009"
    assert references.lot_ref(2013, date(2017, 10, 28), 16, consignment=True) == "0510C016"
    assert references.lot_of("0510C016009") == "0510C016"


def test_references_refuse_what_cannot_be_written() -> None:
    with pytest.raises(references.ReferenceFormatError):
        references.lot_ref(2013, date(2012, 1, 1), 1, consignment=False)
    with pytest.raises(references.ReferenceFormatError):
        references.lot_ref(2013, date(2017, 1, 1), 1000, consignment=False)
    with pytest.raises(references.ReferenceFormatError):
        references.article_ref("0510016", 1000)


def test_counters_are_per_kind_and_month() -> None:
    keys = {references.counter_key(k, date(2017, m, 1)) for k in ("purchase", "consignment") for m in (10, 11)}
    assert len(keys) == 4


@pytest.mark.parametrize(("raw", "expected"), [("12,5", "12.50"), (" 1 234,56 ", "1234.56"), ("7", "7.00"),
                                                (12, "12.00")])
def test_money_is_read_from_text(raw: object, expected: str) -> None:
    assert money(raw) == Decimal(expected)


@pytest.mark.parametrize("raw", ["12.345", "-1", "abc", "", 12.5, "NaN", "inf"])
def test_bad_money_is_refused_with_a_french_reason(raw: object) -> None:
    with pytest.raises(AmountError) as caught:
        money(raw)
    assert str(caught.value)


def test_weights_keep_milligrams() -> None:
    assert weight("3,250") == Decimal("3.250")
    with pytest.raises(AmountError):
        weight("3.2501")


def test_spreading_uses_the_largest_remainders() -> None:
    assert distribute_by_weight(Decimal("100.00"), [Decimal(1)] * 3) == [
        Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]
    assert distribute_by_weight(Decimal("10.00"), [Decimal("2"), None, Decimal("3")]) == [
        Decimal("4.00"), Decimal("0.00"), Decimal("6.00")]
    with pytest.raises(NoWeightError):
        distribute_by_weight(Decimal("10.00"), [None, Decimal(0)])


@given(
    total=st.decimals(min_value=0, max_value=100000, places=2, allow_nan=False, allow_infinity=False),
    grams=st.lists(st.decimals(min_value=0, max_value=5000, places=3, allow_nan=False, allow_infinity=False),
                   min_size=1, max_size=60).filter(lambda g: sum(g) > 0),
)
def test_spreading_always_adds_up_to_the_cent(total: Decimal, grams: list[Decimal]) -> None:
    shares = distribute_by_weight(total, list(grams))
    assert sum(shares) == total
    assert all(share >= 0 and share == share.quantize(Decimal("0.01")) for share in shares)
    exact = [total * g / sum(grams) for g in grams]
    assert all(abs(share - e) < Decimal("0.01") for share, e in zip(shares, exact, strict=True))


def test_tmp_adds_eleven_and_a_half_percent_both_ways() -> None:
    rate = Decimal("0.115")
    assert price_incl_tmp(Decimal("100.00"), rate) == Decimal("111.50")
    assert purchase_from_incl_tmp(Decimal("223.00"), rate) == Decimal("200.00")


def test_metals_are_never_bought_for_cash() -> None:
    lines = [DraftLine("Bague", family_id="gold"), DraftLine("Buffet", family_id="wood")]
    assert cash_metal_purchase(DraftHeader(payment_method="cash"), lines, {"gold"})
    assert not cash_metal_purchase(DraftHeader(payment_method="card"), lines, {"gold"})
    assert not cash_metal_purchase(DraftHeader(payment_method="cash"), lines[1:], {"gold"})


def test_an_incomplete_draft_lists_every_problem() -> None:
    problems = check_draft("purchase", DraftHeader(), [DraftLine("A"), DraftLine("B", family_id="nope")], {"ok"})
    assert set(problems.fields) == {"supplier_id", "purchase_date", "purchase_price", "payment_method"}
    assert {p["line"] for p in problems.lines} == {1, 2}


def test_csv_lines_are_numbered_as_in_the_file() -> None:
    data = ("entête\n" "A;Fam;1;;;1;;;;\n" "\n" "B;Inconnue;1;;;1;;;;\n").encode()
    result = csv_import.parse(data, separator=";", skip=1, families={"f1": "Fam"})
    assert result.errors == [{"line": 4, "reason": "Famille inconnue : « Inconnue »."}]


def test_csv_defaults_fill_empty_optional_cells() -> None:
    result = csv_import.parse(b"Vase;;;;;;;;;\n", separator=";", skip=0, families={"f1": "Fam"},
                              default_family_id="f1", default_vat_rate="reduced")
    assert result.errors == []
    assert (result.lines[0].family_id, result.lines[0].vat_rate) == ("f1", "reduced")


def test_the_template_parses_back() -> None:
    result = csv_import.parse(csv_import.template().encode(), separator=";", skip=1, families={"f1": "Bijoux or"})
    assert result.errors == []
    assert result.lines[0].weight_g == Decimal("3.250")
