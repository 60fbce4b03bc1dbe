"""An article read from its stored record and written back is the same record.

The same keys and values, in the same order (the API shows them so; backups and the closure,
whose conditions compare stored bytes, keep raw records anyway: adapters/repositories/article_items.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.article import Article

_MONEY = st.one_of(st.none(), st.decimals(min_value=0, max_value=10_000_000, places=2).map(lambda d: f"{d:.2f}"))
_WEIGHT = st.one_of(st.none(), st.decimals(min_value=0, max_value=1_000_000, places=3)
                    .map(lambda d: format(d.quantize(Decimal("0.001")).normalize(), "f")))
_DAY = st.one_of(st.none(), st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31)).map(date.isoformat))
_TEXT = st.one_of(st.none(), st.text(max_size=20))
_EVENT = st.fixed_dictionaries({"at": st.just("2026-12-07T10:00:00+00:00"), "user": st.just("a@b.fr"),
                                "event": st.sampled_from(["sell", "deposit", "customer_return"]),
                                "date": _DAY})


@st.composite
def stored_records(draw: st.DrawFn) -> dict:
    """Records as the code writes them: every core key, then the optional ones in any order."""
    record = {
        "ref": "2412001001", "lot_ref": "2412001", "status": draw(st.sampled_from(["stock", "sold", "consigned"])),
        "description": draw(st.text(min_size=1, max_size=30)), "family_id": draw(_TEXT),
        "weight_g": draw(_WEIGHT), "fineness": draw(st.one_of(st.none(), st.integers(1, 999))),
        "serial": draw(_TEXT), "comment": draw(_TEXT), "condition": draw(st.sampled_from(["new", "used", None])),
        "vat_rate": draw(st.sampled_from(["normal", "zero_negative_margin", None])),
        "purchase_price": draw(_MONEY), "reserve_price": draw(_MONEY), "deposit_price": draw(_MONEY),
        "label_price": draw(_MONEY), "sale_price": draw(_MONEY), "supplier_id": draw(_TEXT), "client_id": draw(_TEXT),
        "transaction_ref": draw(_TEXT), "invoice_number": draw(_TEXT), "payment_method": draw(_TEXT),
        "purchase_date": draw(_DAY), "sale_date": draw(_DAY), "deposit_date": draw(_DAY),
        "traces": draw(st.lists(st.fixed_dictionaries({"at": st.just("2026-12-07T10:00:00+00:00"),
                                                       "field": st.just("comment"), "old": _TEXT, "new": _TEXT}),
                                max_size=2)),
    }
    optional = {"events": draw(st.lists(_EVENT, max_size=3)),
                "vat_rate_before_sale": draw(st.sampled_from([None, "normal"])),
                "former_refs": draw(st.lists(st.just("2411001001"), max_size=2)),
                "replaced_by": draw(_TEXT), "some_older_key": draw(_TEXT)}
    for key in draw(st.permutations(list(optional)))[: draw(st.integers(0, len(optional)))]:
        record[key] = optional[key]
    return record


@given(stored_records())
def test_a_stored_record_read_and_written_back_is_unchanged(record: dict) -> None:
    article = Article.from_record(record)
    assert article.to_record() == record
    assert Article.from_record(article.to_record()) == article


@given(stored_records())
def test_fields_are_typed_values_not_their_stored_strings(record: dict) -> None:
    article = Article.from_record(record)
    if record["purchase_price"] is not None:
        assert article.purchase_price == Decimal(record["purchase_price"])
    if record["sale_date"] is not None:
        assert article.sale_date == date.fromisoformat(record["sale_date"])
    assert isinstance(article.traces, tuple)


def test_a_change_adds_an_event_and_keeps_the_rest() -> None:
    article = Article(ref="2412001001", lot_ref="2412001", status="stock", description="Bague",
                      label_price=Decimal("20.00"))
    event = {"at": "2026-12-07T10:00:00+00:00", "user": "a@b.fr", "event": "sell", "date": "2026-12-07"}
    sold = article.with_event(event, status="sold", sale_price=Decimal("18.00"), sale_date=date(2026, 12, 7))
    assert (sold.status, sold.events, article.events) == ("sold", (event,), ())
    record = sold.to_record()
    assert (record["sale_price"], record["sale_date"], record["label_price"]) == ("18.00", "2026-12-07", "20.00")
    assert record["events"] == [event]
    assert replace(sold, status="stock").status == "stock"


def test_an_article_that_never_had_an_optional_field_is_stored_without_it() -> None:
    record = Article(ref="2412001001", lot_ref="2412001", status="stock").to_record()
    assert not {"events", "vat_rate_before_sale", "former_refs", "replaced_by"} & set(record)
    assert record["traces"] == [] and record["purchase_price"] is None


@given(stored_records())
def test_a_stored_record_read_and_written_back_keeps_its_key_order(record: dict) -> None:
    assert list(Article.from_record(record).to_record()) == list(record)


def test_a_change_appends_the_keys_a_record_did_not_have_as_the_dict_copies_did() -> None:
    """A sale of an article with no history yet: ``{**article, ..., "vat_rate_before_sale": ...,
    "events": [...]}`` put the two new keys last, the rate first; an older unknown key stays in place."""
    stored = {**Article(ref="2412001001", lot_ref="2412001", status="stock", vat_rate="normal").to_record(),
              "thumbnail_url": "x"}
    event = {"at": "2026-12-07T10:00:00+00:00", "user": "a@b.fr", "event": "sell", "date": "2026-12-07"}
    sold = Article.from_record(stored).with_event(event, status="sold", vat_rate_before_sale="normal")
    assert list(sold.to_record())[-3:] == ["thumbnail_url", "vat_rate_before_sale", "events"]
