"""A sale or credit note as a typed object (chalicelib/domain/sale.py): the records the till
writes come out of it byte for byte as before the type, and read back unchanged."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain import sales
from chalicelib.domain.article import Article
from chalicelib.domain.money import ZERO, fmt
from chalicelib.domain.sale import CREDIT_NOTE, SALE, Sale, SaleLine, VatTotal
from chalicelib.domain.vat import RATES, invoice_notes, sale_vat

PARIS = ZoneInfo("Europe/Paris")
COMPANY = {"company_name": "Bijouterie", "siret": "12345678900011", "city": "Lyon"}
TOTALS = sales.RegisterTotals("2026-12-07", Decimal("10.00"), "2026", Decimal("10.00"), Decimal("10.00"))


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)  # as the sales table stores it: key order kept


# ---------------------------------------------------------------- the records as written before the type
# The till's code before Sale, kept here as the reference the new records must equal byte for byte.


def _old_lines(articles: list[Article], prices: dict[str, Decimal], rates: dict[str, str],
               categories: dict[str, str]) -> list[dict[str, Any]]:
    lines = []
    for article in sorted(articles, key=lambda a: a.ref):
        price = prices.get(article.ref, article.label_price or Decimal("0"))
        rate = rates.get(article.ref, article.vat_rate or "normal")
        vat = sale_vat(article.condition or "used", rate, article.purchase_price, price)
        lines.append({
            "ref": article.ref, "label": article.description, "quantity": 1,
            "unit_price": fmt(price), "total": fmt(price), "total_excl_vat": fmt(price - vat.collected),
            "vat_rate": vat.rate, "vat_rate_percent": str(RATES[vat.rate] * 100), "vat": fmt(vat.collected),
            "condition": article.condition or "used",
            "notes": invoice_notes(article.condition or "used", vat.rate, categories.get(article.ref)),
            **({"margin_category": categories[article.ref]} if article.ref in categories else {}),
        })
    return lines


def _old_vat(lines: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    by_rate: dict[str, dict[str, Decimal]] = {}
    for line in lines:
        entry = by_rate.setdefault(line["vat_rate"], {"base": ZERO, "vat": ZERO})
        entry["base"] += Decimal(line["total_excl_vat"])
        entry["vat"] += Decimal(line["vat"])
    return {rate: {"base": fmt(v["base"]) or "0.00", "vat": fmt(v["vat"]) or "0.00"} for rate, v in by_rate.items()}


def _old_sale(lines: list[dict[str, Any]], local: datetime, when: date) -> dict[str, Any]:
    total = sum((Decimal(line["total"]) for line in lines), ZERO)
    sale: dict[str, Any] = {
        "kind": "sale", "transaction_ref": "V261207-ABCDEF", "date": when.isoformat(),
        "at": local.strftime("%Y-%m-%dT%H:%M%z"), "client_id": None, "payment_method": "card", "lines": lines,
        "vat": _old_vat(lines), "total": fmt(total), "invoice_number": "F2026-00001", "register": "01",
        "receipt_number": "01-00000001", "seller": "vendeur@example.fr",
    }
    sale["receipt"] = {
        "record": "receipt", "ticket_number": sale["receipt_number"], "register": sale["register"], "at": sale["at"],
        "company": {k: COMPANY.get(k) for k in ("company_name", "siret", "vat_number", "street_number",
                                                "street_type", "street_name", "postcode", "city")},
        "transaction_ref": sale["transaction_ref"], "invoice_number": sale["invoice_number"],
        "lines": [{k: line[k] for k in ("ref", "label", "quantity", "unit_price", "total_excl_vat", "vat_rate",
                                        "vat_rate_percent", "vat")} for line in sale["lines"]],
        "vat": sale["vat"], "total": sale["total"],
        "payment": {"method": sale["payment_method"], "amount": sale["total"]},
        "running_totals": TOTALS.to_json(),
    }
    return sale


def _old_credit_note(sale: dict[str, Any], refs: set[str], local: datetime, when: date) -> dict[str, Any]:
    lines = [line for line in sale.get("lines", []) if line["ref"] in refs]
    amount = sum((Decimal(line["total"]) for line in lines), ZERO)
    note = {
        "kind": "credit_note", "transaction_ref": "AV-00001", "credit_note_number": "AV-00001",
        "date": when.isoformat(), "at": local.strftime("%Y-%m-%dT%H:%M%z"), "reason": "Défaut",
        "original_transaction_ref": sale.get("transaction_ref"), "invoice_number": sale.get("invoice_number"),
        "client_id": sale.get("client_id"), "lines": lines, "vat": _old_vat(lines),
        "payment_method": sale.get("payment_method"),
        "total": fmt(-amount), "vat_to_recover": fmt(sum((Decimal(line["vat"]) for line in lines), ZERO)),
    }
    note["receipt_number"] = "01-00000002"
    note["running_totals"] = TOTALS.to_json()
    return note


# ---------------------------------------------------------------- the same, by today's code


def _sale(lines: list[SaleLine], local: datetime, when: date) -> Sale:
    """As chalicelib/services/actions.py ``_sell`` builds it."""
    sale = Sale(kind=SALE, transaction_ref="V261207-ABCDEF", date=when, at=local.replace(second=0, microsecond=0),
                client_id=None, payment_method="card", lines=tuple(lines), vat=sales.vat_breakdown(lines),
                total=sum((line.total for line in lines), ZERO), invoice_number="F2026-00001", register="01",
                receipt_number="01-00000001", seller="vendeur@example.fr")
    return replace(sale, receipt=sales.receipt(sale, TOTALS, COMPANY))


def _credit_note(sale: Sale, refs: set[str], local: datetime, when: date) -> Sale:
    """As chalicelib/services/actions.py ``_customer_return`` builds it."""
    lines = tuple(line for line in sale.lines if line.ref in refs)
    amount = sum((line.total for line in lines), ZERO)
    note = Sale(kind=CREDIT_NOTE, transaction_ref="AV-00001", credit_note_number="AV-00001", date=when,
                at=local.replace(second=0, microsecond=0), reason="Défaut",
                original_transaction_ref=sale.transaction_ref or None, invoice_number=sale.invoice_number,
                client_id=sale.client_id, lines=lines, vat=sales.vat_breakdown(lines),
                payment_method=sale.payment_method,
                total=-amount, vat_to_recover=sum((line.vat for line in lines), ZERO))
    return replace(note, receipt_number="01-00000002", running_totals=TOTALS.to_json())


_cents = st.integers(min_value=0, max_value=500_000).map(lambda c: Decimal(c).scaleb(-2))
_article = st.builds(
    lambda n, condition, purchase, label, rate, description: Article(
        ref=f"10030010{n:02d}", lot_ref="1003001", status="stock", description=description, condition=condition,
        purchase_price=purchase, label_price=label, vat_rate=rate),
    st.integers(min_value=1, max_value=99), st.sampled_from([None, "used", "new"]), st.none() | _cents,
    _cents, st.sampled_from([None, *sorted(RATES)]), st.text(max_size=12))


@settings(max_examples=150, deadline=None)
@given(articles=st.lists(_article, min_size=1, max_size=5, unique_by=lambda a: a.ref),
       typed=st.lists(st.tuples(st.booleans(), _cents, st.sampled_from(["normal", "reduced", "exempt_melt"])),
                      min_size=5, max_size=5),
       categories=st.sampled_from([{}, {"art": "Objets d'art"}]),
       at=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31)),
       returned=st.integers(min_value=0, max_value=5))
def test_a_sale_and_its_credit_note_are_written_as_before_and_read_back_unchanged(
        articles: list[Article], typed: list[tuple[bool, Decimal, str]], categories: dict[str, str], at: datetime,
        returned: int) -> None:
    prices = {a.ref: price for a, (on, price, _) in zip(articles, typed, strict=False) if on}
    rates = {a.ref: rate for a, (on, _, rate) in zip(articles, typed, strict=False) if on}
    used = {a.ref: next(iter(categories.values())) for a in articles
            if (a.condition or "used") == "used" and categories}
    local = at.replace(tzinfo=UTC).astimezone(PARIS)
    when = local.date()

    lines = sales.sale_lines(articles, prices, rates, used)
    old = _old_sale(_old_lines(articles, prices, rates, used), local, when)
    sale = _sale(lines, local, when)
    assert _dumps(sale.to_record()) == _dumps(old)  # the stored sale, byte for byte
    assert _dumps(sale.receipt) == _dumps(old["receipt"])  # the sealed receipt, byte for byte

    stored = json.loads(_dumps(sale.to_record()))
    read = Sale.from_record(stored)
    assert read == sale and _dumps(read.to_record()) == _dumps(stored)
    assert isinstance(read.total, Decimal) and read.date == when and read.at == local.replace(second=0, microsecond=0)

    refs = {a.ref for a in sorted(articles, key=lambda a: a.ref)[:returned]}
    old_note = _old_credit_note(old, refs, local, when)
    note = _credit_note(read, refs, local, when)
    assert _dumps(note.to_record()) == _dumps(old_note)
    read_note = Sale.from_record(json.loads(_dumps(old_note)))
    assert read_note == note and _dumps(read_note.to_record()) == _dumps(old_note)
    assert read_note.is_credit_note and read_note.total == -sum((line.total for line in note.lines), ZERO)


def test_a_credit_note_for_an_article_sold_without_a_sale_record_is_empty_as_before() -> None:
    local = datetime(2026, 12, 7, 15, 4, tzinfo=PARIS)
    old = _old_credit_note({}, {"1003001001"}, local, local.date())
    note = _credit_note(Sale(transaction_ref="", total=ZERO), {"1003001001"}, local, local.date())
    assert _dumps(note.to_record()) == _dumps(old)
    assert (note.total, note.lines, note.original_transaction_ref) == (ZERO, (), None)


def test_records_of_older_shapes_and_unknown_keys_come_back_as_they_were() -> None:
    line = {"ref": "1003001001", "label": "Bague", "quantity": 1, "unit_price": "110.00", "total": "110.00",
            "total_excl_vat": "100.00", "vat_rate": "intermediate", "vat_rate_percent": "10.00", "vat": "10.00",
            "note_de_caisse": "x"}  # recorded before condition and notes; a key this code does not know
    record = {"transaction_ref": "V200310-ABCDEF", "kind": "sale", "date": "2020-03-10",
              "at": "2020-03-10T11:00+0100", "lines": [line], "vat": {"intermediate": {"base": "100.00",
                                                                                     "vat": "10.00"}},
              "total": "110.00", "payment_method": None, "receipt_number": "01-00000005",
              "payments": [{"method": "cash", "amount": "10.00"}, {"method": "card", "amount": "100.00"}]}
    sale = Sale.from_record(record)
    assert _dumps(sale.to_record()) == _dumps(record)
    assert sale.extras["payments"][0]["method"] == "cash" and sale.lines[0].extras == {"note_de_caisse": "x"}
    (read,) = sale.lines
    assert (read.condition, read.goods_condition, read.notes, read.total) == (None, "used", (), Decimal("110.00"))
    assert sale.vat == {"intermediate": VatTotal(Decimal("100.00"), Decimal("10.00"))}
    assert sale.seller is None and sale.receipt is None and sale.invoice_number is None
