"""Verification checkpoints (chalicelib/domain/checkpoint.py) and a chain verified from one."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from chalicelib.domain import checkpoint, seal

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
CHAIN = seal.POLICE_REGISTER


def _chain(length: int) -> list[seal.Sealed]:
    records, prev = [], seal.GENESIS
    for rank in range(1, length + 1):
        content = {"record": "police_register", "lot": {"ref": f"L{rank % 3}"}, "version": rank}
        record = seal.seal(CHAIN, rank, prev, "lot_committed", content, NOW.isoformat())
        records.append(record)
        prev = record.sha256
    return records


def _stored(records: list[seal.Sealed]) -> list[seal.Stored]:
    out, prev = [], seal.GENESIS
    for r in records:
        out.append(seal.Stored(rank=r.rank, sha256=r.sha256, body=r.body, prev_sha256=prev))
        prev = r.sha256
    return out


def _index(records: list[seal.Sealed]) -> list[checkpoint.IndexItem]:
    items, prev = [], seal.GENESIS
    for r in records:
        items.append(checkpoint.IndexItem(r.rank, r.sha256, prev, f"t/{CHAIN}/{r.rank:010d}.json", f"v{r.rank}",
                                          str(r.rank)))
        prev = r.sha256
    return items


def _versions(items: list[checkpoint.IndexItem]) -> dict[str, set[str]]:
    return {i.key: {i.version_id} for i in items}


def test_a_chain_verifies_from_a_checkpoint_and_breaks_at_a_later_rank() -> None:
    records = _chain(6)
    start = seal.Head(CHAIN, 4, records[3].sha256)
    tail = _stored(records)[4:]
    assert seal.verify_chain(CHAIN, tail, [seal.Head(CHAIN, 6, records[5].sha256)], range(1, 7), start) is None
    wrong_start = seal.Head(CHAIN, 4, records[2].sha256)
    assert seal.verify_chain(CHAIN, tail, [], None, wrong_start) == seal.Break(CHAIN, 5, "broken_link")
    assert seal.verify_chain(CHAIN, tail, [seal.Head(CHAIN, 8, "x")], None, start) == seal.Break(CHAIN, 7, "cut_tail")
    assert seal.verify_chain(CHAIN, tail, [seal.Head(CHAIN, 4, "x")], None, start) == \
        seal.Break(CHAIN, 4, "anchor_mismatch")
    assert seal.verify_chain(CHAIN, tail, [], range(1, 8), start) == seal.Break(CHAIN, 7, "unindexed")


def test_a_checkpoint_is_trusted_only_while_the_index_and_the_versions_are_as_it_saw_them() -> None:
    records = _chain(5)
    index = _index(records)
    good = checkpoint.Checkpoint(CHAIN, 4, records[3].sha256, checkpoint.index_digest(index[:4]), NOW.isoformat())
    assert checkpoint.problem(good, CHAIN, index, _versions(index), NOW) is None
    assert checkpoint.parse(good.to_bytes()) == replace(good, full_at=good.at)

    overwritten = {**_versions(index), index[1].key: {"v2", "v2b"}}
    assert checkpoint.problem(good, CHAIN, index, overwritten, NOW) == "versions"
    edited = [*index[:2], checkpoint.IndexItem(3, "0" * 64, index[2].prev_sha256, index[2].key, "v3", "3"),
              *index[3:]]
    assert checkpoint.problem(good, CHAIN, edited, _versions(edited), NOW) == "index"
    assert checkpoint.problem(good, CHAIN, index[:3], _versions(index), NOW) == "rank"
    assert checkpoint.problem(good, "receipt", index, _versions(index), NOW) == "rank"
    assert checkpoint.problem(good, CHAIN, index, _versions(index), NOW + timedelta(days=31)) == "age"
    # Renewed by incremental runs, it still dates from its last full re-read.
    renewed = checkpoint.Checkpoint(CHAIN, 4, good.sha256, good.index_digest, (NOW + timedelta(days=29)).isoformat(),
                                    [], NOW.isoformat())
    assert checkpoint.problem(renewed, CHAIN, index, _versions(index), NOW + timedelta(days=29)) is None
    assert checkpoint.problem(renewed, CHAIN, index, _versions(index), NOW + timedelta(days=31)) == "age"


def test_the_police_register_keeps_each_lots_last_version_and_other_chains_what_they_need() -> None:
    contents = [(r, "lot_committed", {"lot": {"ref": f"L{r % 2}"}}) for r in range(1, 6)]
    kept = {CHAIN: frozenset({"last_per_lot"}), "receipt": frozenset({"all"})}
    assert [c[0] for c in checkpoint.compact(CHAIN, contents, kept)] == [4, 5]
    assert len(checkpoint.compact("receipt", contents, kept)) == 5
    assert checkpoint.compact("closing", contents, kept) == []
