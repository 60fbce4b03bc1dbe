"""The event log's pure rules (chalicelib/domain/audit.py): settings diffs, a closure's
purge digest, the index summary, the list's filters."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from decimal import Decimal

from chalicelib.domain import audit, seal


def test_changes_name_each_field_that_differs_nested_groups_field_by_field() -> None:
    before = {"vat_number": None, "invoicing": {"auto": True, "prefix": "F"}, "rate": Decimal("0.10")}
    after = {"vat_number": "FR32123456789", "invoicing": {"auto": True, "prefix": "FA"}, "rate": 0.2}
    assert audit.changes(before, after) == {
        "vat_number": {"from": None, "to": "FR32123456789"},
        "invoicing.prefix": {"from": "F", "to": "FA"},
        "rate": {"from": "0.10", "to": "0.2"},  # never a float in sealed content
    }
    assert audit.changes(before, dict(before)) == {}


def test_a_closure_seals_its_deleted_references_or_their_digest_when_too_long() -> None:
    details = audit.purge_details(["0603002", "0603001"], [])
    assert details["articles"] == {"count": 2, "first": "0603001", "last": "0603002",
                                   "sha256": hashlib.sha256(b"0603001\n0603002").hexdigest(),
                                   "refs": ["0603001", "0603002"]}
    assert details["lots"]["count"] == 0 and details["lots"]["first"] is None
    many = [f"{n:07d}" for n in range(20_000)]
    big = audit.purge_details(many, [])
    assert "refs" not in big["articles"] and big["articles"]["count"] == 20_000
    assert big["articles"]["sha256"] == hashlib.sha256("\n".join(many).encode()).hexdigest()
    content = audit.event_content("closure", datetime.now(UTC), "a@b.fr", big, "abc1234")
    seal.canonical(content)  # sealable as is


def test_the_summary_keeps_small_details_and_the_small_fields_of_big_ones() -> None:
    at = datetime(2026, 12, 7, 23, 30, tzinfo=UTC)
    small = audit.event_content("export", at, "a@b.fr", {"export": "lots", "rows": 3}, "v1")
    assert audit.event_summary(small) == {"kind": "export", "at": at.isoformat(), "user": "a@b.fr",
                                          "details": {"export": "lots", "rows": 3}, "software_version": "v1"}
    big = audit.event_content("closure", at, None, {"phase": "result", "refs": ["x" * 10] * 500}, "v1")
    summary = audit.event_summary(big)
    assert summary["details"] == {"phase": "result", "truncated": ["refs"]}


def test_filters_are_paris_days_and_known_kinds_else_french_messages() -> None:
    assert audit.event_filters({"from": "2026-12-01", "to": None, "kind": "login"}) == (
        {"from": date(2026, 12, 1), "kind": "login"}, {})
    _, problems = audit.event_filters({"from": "01/12/2026", "to": "2026-11-30", "kind": "apero"})
    assert problems == {"from": "Date attendue au format AAAA-MM-JJ.", "kind": "Type d'événement inconnu."}
    assert audit.event_filters({"from": "2026-12-02", "to": "2026-12-01"})[1] == {
        "to": "La date de fin précède la date de début."}
    assert audit.event_day("2026-12-07T23:30:00+00:00") == "2026-12-08"  # already tomorrow in Paris
