"""The seal chain as pure rules: canonical bytes, links, and every tampering found."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain import seal

AT = "2024-05-02T09:14:03.120000+00:00"


def _content(n: int) -> dict:
    return {"record": "police_register", "version": 1, "lot": {"ref": f"1005{n:03d}", "purchase_price": "120.50"},
            "seller": {"last_name": "Lefèvre"}, "articles": [{"ref": f"1005{n:03d}001", "weight_g": "3.25"}]}


def _chain(count: int, chain: str = seal.POLICE_REGISTER, kind: str = "lot_committed") -> list[seal.Sealed]:
    return seal.seal_many(chain, 1, seal.GENESIS, [(kind, _content(n), AT) for n in range(1, count + 1)])


def _stored(records: list[seal.Sealed]) -> list[seal.Stored]:
    return [seal.Stored(rank=r.rank, sha256=r.sha256, body=r.body, prev_sha256=r.prev_sha256,
                        storage_sha256=r.sha256) for r in records]


# ---------------------------------------------------------------- canonical form


def test_canonical_json_sorts_keys_keeps_accents_and_has_no_spaces() -> None:
    data = seal.canonical({"b": 1, "a": {"z": "é", "y": [True, None]}})
    assert data == '{"a":{"y":[true,null],"z":"é"},"b":1}'.encode()


def test_decimals_become_strings_and_floats_are_refused() -> None:
    assert seal.canonical({"price": Decimal("12.50")}) == b'{"price":"12.50"}'
    with pytest.raises(seal.SealError):
        seal.canonical({"price": 12.5})
    with pytest.raises(seal.SealError):
        seal.canonical({"when": object()})


@given(st.dictionaries(st.text(max_size=8), st.one_of(st.integers(), st.text(max_size=8), st.none()), max_size=8))
def test_the_canonical_form_does_not_depend_on_key_order(data: dict) -> None:
    reversed_order = dict(reversed(list(data.items())))
    assert seal.canonical(data) == seal.canonical(reversed_order)
    assert json.loads(seal.canonical(data)) == data


# ---------------------------------------------------------------- building


def test_a_record_is_its_envelope_and_its_hash_is_the_hash_of_the_stored_bytes() -> None:
    record = seal.seal(seal.POLICE_REGISTER, 1, seal.GENESIS, "lot_committed", _content(1), AT)
    assert record.sha256 == hashlib.sha256(record.body).hexdigest()
    envelope = seal.parse(record.body)
    assert envelope == {"format": seal.FORMAT, "chain": "police_register", "rank": 1, "prev_sha256": seal.GENESIS,
                        "kind": "lot_committed", "sealed_at": AT, "content": _content(1)}
    assert "tenant" not in record.body.decode() and "seq" not in envelope


def test_sealing_is_deterministic_so_a_retry_rebuilds_the_same_object() -> None:
    first = seal.seal(seal.RECEIPT, 3, "a" * 64, "sale", {"number": "T42", "total": "10.00"}, AT)
    again = seal.seal(seal.RECEIPT, 3, "a" * 64, "sale", {"total": "10.00", "number": "T42"}, AT)
    assert first == again


def test_each_record_links_to_the_previous_hash_from_the_genesis() -> None:
    records = _chain(4)
    assert [r.rank for r in records] == [1, 2, 3, 4]
    assert records[0].prev_sha256 == seal.GENESIS
    for before, after in zip(records, records[1:], strict=False):
        assert seal.parse(after.body)["prev_sha256"] == before.sha256
    assert seal.build_head(seal.POLICE_REGISTER, records) == seal.Head(seal.POLICE_REGISTER, 4, records[-1].sha256)


def test_kinds_map_to_their_chains_and_anything_else_is_refused() -> None:
    assert {seal.chain_of(k) for k in ("lot_committed", "lot_corrected", "lot_retracted")} == {"police_register"}
    assert seal.chain_of("sale") == seal.chain_of("sale_return") == "receipt"
    assert seal.chain_of("closing") == "closing"
    with pytest.raises(seal.SealError):
        seal.chain_of("lunch_break")
    with pytest.raises(seal.SealError):
        seal.seal(seal.RECEIPT, 1, seal.GENESIS, "lot_committed", {}, AT)
    with pytest.raises(seal.SealError):
        seal.seal(seal.POLICE_REGISTER, 1, "b" * 64, "lot_committed", {}, AT)


def test_a_receipt_is_known_by_its_own_number_and_a_register_entry_by_its_rank() -> None:
    assert seal.record_number(seal.RECEIPT, 7, {"ticket_number": "C1-000123"}) == "C1-000123"
    assert seal.record_number(seal.CLOSING, 7, {}) == "7"
    assert seal.record_number(seal.POLICE_REGISTER, 7, {"number": "x"}) == "7"


# ---------------------------------------------------------------- verification


def test_an_untouched_chain_verifies() -> None:
    records = _chain(5)
    head = seal.build_head(seal.POLICE_REGISTER, records)
    assert seal.verify_chain(seal.POLICE_REGISTER, _stored(records), [head], {1, 2, 3, 4, 5}) is None
    assert seal.verify_chain(seal.POLICE_REGISTER, [], []) is None


def test_an_edited_record_breaks_at_its_rank() -> None:
    stored = _stored(_chain(5))
    edited = stored[2].body.replace(b"120.50", b"012.50")
    stored[2] = replace(stored[2], body=edited)
    broken = seal.verify_chain(seal.POLICE_REGISTER, stored)
    assert (broken.rank, broken.reason) == (3, "hash_mismatch")


def test_an_edit_rehashed_in_the_index_still_breaks_the_next_link() -> None:
    stored = _stored(_chain(5))
    edited = stored[2].body.replace(b"120.50", b"012.50")
    stored[2] = replace(stored[2], body=edited, sha256=seal.sha256_hex(edited), storage_sha256=None)
    broken = seal.verify_chain(seal.POLICE_REGISTER, stored)
    assert (broken.rank, broken.reason) == (4, "broken_link")


def test_a_deleted_record_is_a_gap_at_its_rank() -> None:
    stored = _stored(_chain(5))
    del stored[1]
    broken = seal.verify_chain(seal.POLICE_REGISTER, stored)
    assert (broken.rank, broken.reason) == (2, "missing")


def test_two_records_swapped_break_at_the_first_of_them() -> None:
    stored = _stored(_chain(5))
    stored[1], stored[3] = replace(stored[3], rank=2), replace(stored[1], rank=4)
    broken = seal.verify_chain(seal.POLICE_REGISTER, stored)
    assert (broken.rank, broken.reason) == (2, "out_of_order")


def test_records_listed_out_of_order_break_at_the_first_displaced_rank() -> None:
    stored = _stored(_chain(4))
    stored[1], stored[2] = stored[2], stored[1]
    broken = seal.verify_chain(seal.POLICE_REGISTER, stored)
    assert (broken.rank, broken.reason) == (2, "out_of_order")


def test_a_cut_tail_is_found_from_the_anchored_head() -> None:
    records = _chain(6)
    anchor = seal.Head(seal.POLICE_REGISTER, 5, records[4].sha256)
    cut = _stored(records)[:3]
    assert seal.verify_chain(seal.POLICE_REGISTER, cut) is None  # alone, a shorter chain looks fine
    broken = seal.verify_chain(seal.POLICE_REGISTER, cut, [anchor])
    assert (broken.rank, broken.reason) == (4, "cut_tail")


def test_a_chain_that_differs_from_its_anchor_breaks_at_the_anchored_rank() -> None:
    records = _chain(4)
    other = seal.seal_many(seal.POLICE_REGISTER, 1, seal.GENESIS,
                           [("lot_committed", _content(n + 10), AT) for n in range(1, 5)])
    anchor = seal.Head(seal.POLICE_REGISTER, 3, records[2].sha256)
    broken = seal.verify_chain(seal.POLICE_REGISTER, _stored(other), [anchor])
    assert (broken.rank, broken.reason) == (3, "anchor_mismatch")
    assert seal.verify_chain(seal.POLICE_REGISTER, _stored(records), [anchor]) is None


def test_anchors_of_other_chains_are_ignored() -> None:
    records = _chain(2)
    assert seal.verify_chain(seal.POLICE_REGISTER, _stored(records), [seal.Head(seal.RECEIPT, 9, "c" * 64)]) is None


def test_a_record_the_storage_holds_but_the_index_lost_is_reported() -> None:
    stored = _stored(_chain(5))
    broken = seal.verify_chain(seal.POLICE_REGISTER, stored[:4], [], stored_ranks={1, 2, 3, 4, 5})
    assert (broken.rank, broken.reason) == (5, "unindexed")


def test_a_version_stored_over_a_record_and_a_lost_object_are_reported() -> None:
    stored = _stored(_chain(3))
    overwritten = list(stored)
    overwritten[1] = replace(stored[1], later_versions=1)
    assert seal.verify_chain(seal.POLICE_REGISTER, overwritten).reason == "overwritten"
    lost = list(stored)
    lost[2] = replace(stored[2], body=None)
    broken = seal.verify_chain(seal.POLICE_REGISTER, lost)
    assert (broken.rank, broken.reason) == (3, "missing_object")


def test_a_storage_checksum_that_disagrees_with_the_bytes_is_reported() -> None:
    stored = _stored(_chain(2))
    stored[0] = replace(stored[0], storage_sha256="d" * 64)
    assert seal.verify_chain(seal.POLICE_REGISTER, stored).reason == "checksum_mismatch"


def test_a_record_of_another_chain_or_unreadable_bytes_are_reported() -> None:
    receipts = _stored(seal.seal_many(seal.RECEIPT, 1, seal.GENESIS, [("sale", {"number": "1"}, AT)]))
    assert seal.verify_chain(seal.POLICE_REGISTER, receipts).reason == "wrong_chain"
    garbage = b"not json"
    unreadable = [seal.Stored(rank=1, sha256=seal.sha256_hex(garbage), body=garbage)]
    assert seal.verify_chain(seal.POLICE_REGISTER, unreadable).reason == "unreadable"


def test_the_first_broken_rank_is_reported_when_several_are_broken() -> None:
    records = _chain(8)
    stored = _stored(records)
    stored[6] = replace(stored[6], body=stored[6].body + b" ")
    del stored[3]
    anchor = seal.Head(seal.POLICE_REGISTER, 8, records[7].sha256)
    broken = seal.verify_chain(seal.POLICE_REGISTER, stored, [anchor])
    assert (broken.rank, broken.reason) == (4, "missing")
    assert broken.message == seal.REASONS["missing"]


def test_chain_head_records_carry_the_heads_they_anchor() -> None:
    heads = [seal.Head(seal.RECEIPT, 2, "e" * 64), seal.Head(seal.POLICE_REGISTER, 5, "f" * 64),
             seal.Head(seal.CLOSING, 0, seal.GENESIS)]
    content = seal.anchor_content(heads, AT)
    assert [h["chain"] for h in content["heads"]] == ["police_register", "receipt"]
    record = seal.seal(seal.CHAIN_HEAD, 1, seal.GENESIS, "chain_head", content, AT)
    assert seal.anchored_heads(seal.parse(record.body)) == [heads[1], heads[0]]
    assert seal.anchored_heads(seal.parse(_chain(1)[0].body)) == []
