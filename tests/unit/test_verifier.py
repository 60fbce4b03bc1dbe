"""The published seal format (docs/sealing.md) and the standalone verifier agree with the
product's own sealing code: the worked example of the page is recomputed here with the
verifier's functions and rebuilt with chalicelib.domain.seal, byte for byte."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from chalicelib.domain import seal
from chalicelib.verifier import lotbook_verify as verifier

DOC = Path(__file__).resolve().parents[2] / "docs" / "sealing.md"


def _examples() -> dict[str, str]:
    text = DOC.read_text(encoding="utf-8")
    blocks = re.findall(r"<!-- example ([a-z0-9-]+) -->\n```[a-z]*\n(.*?)\n```", text, flags=re.S)
    return dict(blocks)


def test_the_worked_example_hashes_are_those_the_verifier_computes_and_the_records_link() -> None:
    ex = _examples()
    assert set(ex) >= {"record-1", "record-1-canonical", "record-1-sha256", "record-2-canonical",
                       "record-2-sha256", "anchor-1", "anchor-1-canonical", "anchor-1-sha256"}
    for name in ("record-1", "anchor-1"):
        readable = json.loads(ex[name])
        canonical = verifier.canonical(readable)
        assert canonical == ex[f"{name}-canonical"].encode("utf-8"), name
        assert verifier.sha256_hex(canonical) == ex[f"{name}-sha256"], name
    for name in ("record-1", "record-2", "anchor-1"):
        body = ex[f"{name}-canonical"].encode("utf-8")
        assert verifier.record_hash(body) == ex[f"{name}-sha256"], name
    second = json.loads(ex["record-2-canonical"])
    assert (second["rank"], second["prev_sha256"]) == (2, ex["record-1-sha256"])
    anchor = json.loads(ex["anchor-1-canonical"])
    assert anchor["content"]["heads"] == [{"chain": "police_register", "rank": 2, "sha256": ex["record-2-sha256"]}]


def test_the_product_seals_the_worked_example_to_the_same_bytes() -> None:
    ex = _examples()
    first = json.loads(ex["record-1"])
    built = seal.seal(first["chain"], first["rank"], first["prev_sha256"], first["kind"], first["content"],
                      first["sealed_at"])
    assert built.body == ex["record-1-canonical"].encode("utf-8")
    assert built.sha256 == ex["record-1-sha256"]
    second = json.loads(ex["record-2-canonical"])
    again = seal.seal("police_register", 2, built.sha256, second["kind"], second["content"], second["sealed_at"])
    assert again.sha256 == ex["record-2-sha256"]


def _archive() -> dict[str, bytes]:
    ex = _examples()
    return {"t/police_register/0000000001.json": ex["record-1-canonical"].encode("utf-8"),
            "t/police_register/0000000002.json": ex["record-2-canonical"].encode("utf-8"),
            "t/chain_head/0000000001.json": ex["anchor-1-canonical"].encode("utf-8"),
            "t/manifest.json": b'{"anything": 1.5}'}  # files not at a record's key are ignored


def _broken(files: dict[str, bytes]) -> dict[str, tuple[int, str] | None]:
    return {r.chain: (None if r.broken is None else (r.broken.rank, r.broken.reason))
            for r in verifier.verify_files(files)}


def test_the_worked_example_verifies_and_each_tampering_is_named_at_its_rank() -> None:
    files = _archive()
    reports = verifier.verify_files(files)
    assert [(r.prefix, r.chain, r.checked, r.broken) for r in reports] == [
        ("t", "chain_head", 1, None), ("t", "police_register", 2, None)]
    ex = _examples()
    assert reports[1].head_sha256 == ex["record-2-sha256"] and reports[1].anchors == 1

    one, two = "t/police_register/0000000001.json", "t/police_register/0000000002.json"
    cases: list[tuple[dict[str, bytes], tuple[int, str]]] = [
        ({**files, one: files[one].replace(b'"120.00"', b'"190.00"', 1)}, (1, "hash_mismatch")),
        ({**files, one: files[one] + b" "}, (1, "not_canonical")),
        ({**files, one: files[two], two: files[one]}, (1, "out_of_order")),
        ({k: v for k, v in files.items() if k != one}, (1, "missing")),
        ({k: v for k, v in files.items() if k != two}, (2, "cut_tail")),  # the anchor names rank 2
        ({**files, two: files[two].replace(b'"cheque"', b'"cash"', 1)}, (2, "anchor_mismatch")),
    ]
    for tampered, expected in cases:
        assert _broken(tampered)["police_register"] == expected, expected


def test_a_number_with_a_fraction_is_not_canonical_for_the_verifier_nor_for_the_sealer() -> None:
    with pytest.raises(verifier.NotCanonical):
        verifier.record_hash(b'{"a":1.5}')
    with pytest.raises(seal.SealError):
        seal.canonical({"a": 1.5})


@pytest.mark.parametrize("value", [
    {"b": "é", "a": [1, None, True, {"z": "\"\\\n", "y": "€ ‰"}]},
    {"record": "receipt", "total": "12.50", "lines": [{"label": "Bague or 750 ‰", "unit_price": "12.50"}]},
])
def test_the_verifier_and_the_product_write_the_same_canonical_json(value: Any) -> None:
    assert verifier.canonical(copy.deepcopy(value)) == seal.canonical(value)


def test_the_verifier_explains_each_shared_reason_as_the_product_does() -> None:
    shared = set(verifier.REASONS) & set(seal.REASONS)
    assert shared >= {"missing", "out_of_order", "hash_mismatch", "broken_link", "unreadable", "wrong_chain",
                      "cut_tail", "anchor_mismatch"}
    for code in shared:
        assert verifier.REASONS[code][0] == seal.REASONS[code], code


def test_the_verifier_imports_nothing_outside_the_standard_library() -> None:
    import sys

    source = Path(verifier.__file__).read_text(encoding="utf-8")
    imported = set(re.findall(r"^(?:from|import) ([a-z_]+)", source, flags=re.M))
    assert imported - {"__future__"} <= set(sys.stdlib_module_names), imported


def test_a_copy_without_its_anchors_is_said_to_hide_a_cut_tail() -> None:
    files = _archive()
    anchored = verifier._text("copie", verifier.verify_files(files))
    assert "ATTENTION" not in anchored
    bare = {k: v for k, v in files.items() if "/chain_head/" not in k}  # anchors removed with the tail
    bare.pop("t/police_register/0000000002.json")
    text = verifier._text("copie", verifier.verify_files(bare))
    assert "intègre" in text and "ATTENTION : aucune tête de chaîne scellée" in text and "cut tail" in text
