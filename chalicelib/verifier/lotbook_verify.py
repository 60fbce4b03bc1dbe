#!/usr/bin/env python3
"""Lotbook — vérificateur autonome des enregistrements scellés / standalone seal verifier.

One file, Python 3.9+ standard library only: an inspector runs it without Lotbook.

    python3 lotbook_verify.py ARCHIVE.zip          # a zip archive
    python3 lotbook_verify.py DIRECTORY            # a directory (e.g. a copy of the vault)
    python3 lotbook_verify.py --json DIRECTORY     # the same report as JSON

Input: sealed records stored at their keys, ``[<prefix>/]<chain>/<rank>.json``
(the vault's layout: ``<tenant>/police_register/0000000001.json``). Every file
whose name is a number followed by ``.json`` is a record of the chain named by
its directory; records under the same prefix form one set of chains, anchored
by that prefix's ``chain_head`` chain. Other files are ignored.

For each chain it recomputes each record's SHA-256 from its canonical JSON,
checks the envelope (format, chain, rank), that ranks start at 1 and have no
gap, that rank 1 follows the genesis hash and that each record's hash is the
``prev_sha256`` the next record sealed, then checks the chain heads anchored in
the ``chain_head`` records (a tail cut off after an anchor is found). The
format is described in Lotbook's ``docs/sealing.md``.

Exit status: 0 every chain verifies; 1 a chain is broken (the first broken rank
of each chain is named); 2 nothing to verify (no sealed record found, or the
path cannot be read).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

FORMAT = "lotbook-seal/1"
GENESIS = "0" * 64
CHAIN_HEAD = "chain_head"
RECORD_NAME = re.compile(r"^([0-9]+)\.json$")

# Why a chain does not verify: code → (French, English). The codes are those of
# Lotbook's own verification (GET /api/compliance/verify) where they mean the same.
REASONS = {
    "missing": ("Un enregistrement manque à ce rang.", "A record is missing at this rank."),
    "out_of_order": ("L'enregistrement à ce rang n'est pas à sa place.",
                     "The record at this rank is not in its place."),
    "hash_mismatch": ("L'empreinte SHA-256 ne correspond plus au contenu scellé.",
                      "The SHA-256 no longer matches the sealed content."),
    "broken_link": ("Le lien vers l'enregistrement précédent est rompu.",
                    "The link to the previous record is broken."),
    "unreadable": ("L'enregistrement scellé est illisible.", "The sealed record cannot be read."),
    "not_canonical": ("L'enregistrement n'est plus sous sa forme JSON canonique.",
                      "The record is no longer in its canonical JSON form."),
    "wrong_chain": ("L'enregistrement appartient à une autre chaîne.", "The record belongs to another chain."),
    "cut_tail": ("La fin de la chaîne a disparu après une tête scellée.",
                 "The end of the chain is gone after a sealed head."),
    "anchor_mismatch": ("L'empreinte diffère de celle de la tête de chaîne scellée.",
                        "The hash differs from the one of the sealed chain head."),
}


# ---------------------------------------------------------------- canonical JSON


class NotCanonical(ValueError):
    """A value canonical JSON does not hold (a float, a non-string key...)."""


def _plain(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, (str, int)):
        return value
    if isinstance(value, Decimal):
        raise NotCanonical("numbers with a fraction are decimal strings, never JSON numbers")
    if isinstance(value, float):
        raise NotCanonical("floats are not canonical")
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise NotCanonical("object keys must be strings")
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    raise NotCanonical(f"{type(value).__name__} is not canonical JSON")


def canonical(value: Any) -> bytes:
    """Lotbook's canonical JSON: keys sorted, no whitespace, UTF-8 unescaped, no floats."""
    return json.dumps(_plain(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def record_hash(body: bytes) -> str:
    """The SHA-256 of a stored record, recomputed from its canonical JSON.

    Raises :class:`NotCanonical` when the bytes are not the canonical form of
    what they hold (then they cannot be what was sealed), ``ValueError`` when
    they are not JSON at all.
    """
    value = json.loads(body.decode("utf-8"), parse_float=Decimal, parse_constant=_refuse)
    again = canonical(value)
    if again != body:
        raise NotCanonical("the bytes are not in canonical form")
    return sha256_hex(again)


def _refuse(name: str) -> Any:
    raise NotCanonical(f"{name} is not JSON")


# ---------------------------------------------------------------- reading the input


def load(path: str) -> dict[str, bytes]:
    """Every file of a zip archive or a directory, by its path (``/``-separated)."""
    files: dict[str, bytes] = {}
    if os.path.isdir(path):
        for root, _dirs, names in os.walk(path):
            for name in names:
                full = os.path.join(root, name)
                relative = os.path.relpath(full, path).replace(os.sep, "/")
                with open(full, "rb") as handle:
                    files[relative] = handle.read()
        return files
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if not info.is_dir():
                files[info.filename] = archive.read(info)
    return files


def group(files: dict[str, bytes]) -> dict[tuple[str, str], dict[int, bytes]]:
    """Records per (prefix, chain), by the rank their key names."""
    chains: dict[tuple[str, str], dict[int, bytes]] = {}
    for name, body in files.items():
        parts = [p for p in name.split("/") if p]
        if len(parts) < 2:
            continue
        match = RECORD_NAME.match(parts[-1])
        if match is None:
            continue
        prefix, chain = "/".join(parts[:-2]), parts[-2]
        chains.setdefault((prefix, chain), {})[int(match.group(1))] = body
    return chains


# ---------------------------------------------------------------- verification


@dataclass
class Break:
    rank: int
    reason: str

    @property
    def message_fr(self) -> str:
        return REASONS[self.reason][0]

    @property
    def message_en(self) -> str:
        return REASONS[self.reason][1]


@dataclass
class ChainReport:
    prefix: str
    chain: str
    checked: int = 0
    head_rank: int = 0
    head_sha256: str = GENESIS
    broken: Break | None = None
    anchors: int = 0
    hashes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "prefix": self.prefix, "chain": self.chain, "checked": self.checked,
            "head": {"rank": self.head_rank, "sha256": self.head_sha256},
            "anchors": self.anchors,
            "broken": None if self.broken is None else {
                "rank": self.broken.rank, "reason": self.broken.reason,
                "message": self.broken.message_fr, "message_en": self.broken.message_en},
        }


@dataclass
class _Record:
    rank: int
    body: bytes
    sha256: str | None = None
    envelope: dict[str, Any] | None = None
    problem: str | None = None


def _read(rank: int, body: bytes) -> _Record:
    record = _Record(rank, body)
    try:
        record.sha256 = record_hash(body)
    except NotCanonical:
        record.problem = "not_canonical"
        return record
    except (UnicodeDecodeError, ValueError):
        record.problem = "unreadable"
        return record
    envelope = json.loads(body.decode("utf-8"))
    if (not isinstance(envelope, dict) or envelope.get("format") != FORMAT
            or not isinstance(envelope.get("rank"), int) or isinstance(envelope.get("rank"), bool)
            or not isinstance(envelope.get("prev_sha256"), str) or not isinstance(envelope.get("content"), dict)):
        record.problem = "unreadable"
        return record
    record.envelope = envelope
    return record


def verify_chain(prefix: str, chain: str, stored: dict[int, bytes],
                 anchors: list[tuple[int, str]]) -> ChainReport:
    """Check one chain: each record in place, hashed, linked; then the anchored heads.

    A record's hash is held against the ``prev_sha256`` the next record sealed
    (for the last one, against an anchored head if any): a record edited after
    sealing is named at its own rank.
    """
    report = ChainReport(prefix, chain, anchors=len(anchors))
    found: list[Break] = []
    records = {rank: _read(rank, body) for rank, body in stored.items()}
    last = max(records) if records else 0
    anchored = {}
    for rank, sha in anchors:
        anchored.setdefault(rank, set()).add(sha)
    prev = GENESIS
    walked: list[str] = []
    for rank in range(1, last + 1):
        record = records.get(rank)
        if record is None:
            found.append(Break(rank, "missing"))
            break
        if record.problem is not None or record.envelope is None:
            found.append(Break(rank, record.problem or "unreadable"))
            break
        envelope = record.envelope
        if envelope.get("chain") != chain:
            found.append(Break(rank, "wrong_chain"))
            break
        if envelope["rank"] != rank:
            found.append(Break(rank, "out_of_order"))
            break
        if envelope["prev_sha256"] != prev:
            found.append(Break(rank, "broken_link"))
            break
        following = records.get(rank + 1)
        if (following is not None and following.envelope is not None and following.envelope.get("rank") == rank + 1
                and following.envelope.get("chain") == chain and following.envelope["prev_sha256"] != record.sha256):
            found.append(Break(rank, "hash_mismatch"))
            break
        assert record.sha256 is not None
        walked.append(record.sha256)
        prev = record.sha256
    report.checked = len(walked)
    report.hashes = walked
    if walked:
        report.head_rank, report.head_sha256 = len(walked), walked[-1]
    present = 0
    while present + 1 in records:
        present += 1
    for rank, shas in sorted(anchored.items()):
        if rank < 1:
            continue
        if rank > present:
            found.append(Break(present + 1, "cut_tail"))
        elif rank <= len(walked) and any(sha != walked[rank - 1] for sha in shas):
            found.append(Break(rank, "anchor_mismatch"))
    if found:
        report.broken = min(found, key=lambda b: b.rank)
    return report


def _anchors(report: ChainReport, stored: dict[int, bytes]) -> dict[str, list[tuple[int, str]]]:
    """The heads named by the verified records of a ``chain_head`` chain, per chain."""
    heads: dict[str, list[tuple[int, str]]] = {}
    for rank in range(1, report.checked + 1):
        try:
            content = json.loads(stored[rank].decode("utf-8"))["content"]
            for head in content.get("heads", []):
                heads.setdefault(str(head["chain"]), []).append((int(head["rank"]), str(head["sha256"])))
        except (KeyError, TypeError, ValueError, AttributeError):
            continue
    return heads


def verify_files(files: dict[str, bytes]) -> list[ChainReport]:
    """Every chain found in ``files`` (path → bytes), ``chain_head`` first per prefix."""
    chains = group(files)
    reports: list[ChainReport] = []
    for prefix in sorted({p for p, _ in chains}):
        anchors: dict[str, list[tuple[int, str]]] = {}
        if (prefix, CHAIN_HEAD) in chains:
            heads = verify_chain(prefix, CHAIN_HEAD, chains[(prefix, CHAIN_HEAD)], [])
            reports.append(heads)
            anchors = _anchors(heads, chains[(prefix, CHAIN_HEAD)])
        names = sorted({c for p, c in chains if p == prefix and c != CHAIN_HEAD} | set(anchors))
        for chain in names:
            reports.append(verify_chain(prefix, chain, chains.get((prefix, chain), {}), anchors.get(chain, [])))
    return reports


# ---------------------------------------------------------------- the report


def _text(source: str, reports: list[ChainReport]) -> str:
    lines = ["Lotbook — vérification autonome des enregistrements scellés / standalone seal verification",
             f"Source : {source}", ""]
    for r in reports:
        where = f"[{r.prefix}] " if r.prefix else ""
        head = (f"dernier rang / last rank {r.head_rank}, SHA-256 {r.head_sha256}" if r.head_rank
                else "vide / empty")
        lines.append(f"{where}{r.chain} : {r.checked} enregistrement(s) vérifié(s) / record(s) verified, {head}"
                     + (f", {r.anchors} tête(s) scellée(s) / sealed head(s)" if r.anchors else ""))
        if r.broken is None:
            lines.append("    intègre / intact")
            if r.chain != CHAIN_HEAD and r.checked and not r.anchors:
                lines.append("    ATTENTION : aucune tête de chaîne scellée (chain_head) ne couvre cette chaîne dans "
                             "cette copie : des derniers enregistrements supprimés ne se verraient pas. / "
                             "WARNING: no sealed chain head covers this chain in this copy: a cut tail would not show.")
        else:
            lines.append(f"    ROMPUE au rang {r.broken.rank} / BROKEN at rank {r.broken.rank} "
                         f"({r.broken.reason}) : {r.broken.message_fr} / {r.broken.message_en}")
    broken = [r for r in reports if r.broken is not None]
    lines.append("")
    if broken:
        lines.append(f"RÉSULTAT : {len(broken)} chaîne(s) rompue(s) / RESULT: {len(broken)} broken chain(s).")
    else:
        total = sum(r.checked for r in reports)
        lines.append(f"RÉSULTAT : toutes les chaînes sont intègres ({total} enregistrement(s)) / "
                     f"RESULT: every chain verifies ({total} record(s)).")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="lotbook_verify.py",
        description="Vérifie les chaînes d'enregistrements scellés Lotbook d'une archive zip ou d'un répertoire. "
                    "/ Verifies the Lotbook sealed-record chains of a zip archive or a directory.")
    parser.add_argument("path", help="archive .zip ou répertoire / zip archive or directory")
    parser.add_argument("--json", action="store_true", help="rapport JSON / JSON report")
    args = parser.parse_args(argv)
    try:
        files = load(args.path)
    except (OSError, zipfile.BadZipFile) as exc:
        print(f"Impossible de lire {args.path} / cannot read {args.path}: {exc}", file=sys.stderr)
        return 2
    reports = verify_files(files)
    if not any(r.checked or r.broken for r in reports):
        print(f"Aucun enregistrement scellé dans {args.path} / no sealed record in {args.path}", file=sys.stderr)
        return 2
    ok = all(r.broken is None for r in reports)
    if args.json:
        print(json.dumps({"ok": ok, "chains": [r.to_json() for r in reports]}, ensure_ascii=False, indent=2))
    else:
        print(_text(args.path, reports))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
