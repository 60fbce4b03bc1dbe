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

A zip or directory with ``manifest.json`` at its root is a Lotbook fiscal
archive (``lotbook-archive/1``): every file is checked against the size and
SHA-256 the manifest lists (no file missing, none added), and each chain
slice, starting at its first rank (whose record must name the manifest's
``prev_sha256``) and ending at its last. ``--manifest-sha256 HEX`` holds the manifest to the hash sealed in
the dealer's event log (``archive_built``). Its CSV files are rendered again from
its JSON records and compared byte for byte (the first differing line is named).

Exit status: 0 every chain verifies (a fiscal archive: and its manifest is the one
whose SHA-256 ``--manifest-sha256`` gives); 1 a chain is broken (the first broken
rank of each chain is named) or an archive's file differs from its manifest or
its records; 2 nothing to verify (no sealed record found, or the path cannot be
read); 3 a fiscal archive consistent in itself, but checked without
``--manifest-sha256``: compare the printed manifest SHA-256 with the event
« Archive fiscale constituée » of the event log.
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
    first_rank: int = 1

    def to_json(self) -> dict[str, Any]:
        return {
            "prefix": self.prefix, "chain": self.chain, "checked": self.checked, "first_rank": self.first_rank,
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
                 anchors: list[tuple[int, str]], first: int = 1, prev: str = GENESIS,
                 last: int | None = None) -> ChainReport:
    """Check one chain: each record in place, hashed, linked; then the anchored heads.

    A record's hash is held against the ``prev_sha256`` the next record sealed
    (for the last one, against an anchored head if any): a record edited after
    sealing is named at its own rank.

    A slice of a chain (a fiscal archive's) starts at rank ``first``, whose record
    must name ``prev`` (the hash of the record before it, given by the archive's
    manifest), and ends at rank ``last``; anchors naming ranks outside it are not
    checked.
    """
    report = ChainReport(prefix, chain, anchors=len(anchors))
    found: list[Break] = []
    records = {rank: _read(rank, body) for rank, body in stored.items() if rank >= first}
    if last is None:
        last = max(records) if records else 0
    anchored: dict[int, set[str]] = {}
    for rank, sha in anchors:
        anchored.setdefault(rank, set()).add(sha)
    walked: list[str] = []
    for rank in range(first, last + 1):
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
    report.first_rank = first
    if walked:
        report.head_rank, report.head_sha256 = first + len(walked) - 1, walked[-1]
    present = first - 1
    while present + 1 in records:
        present += 1
    for rank, shas in sorted(anchored.items()):
        if rank < first:
            continue  # before a slice: not in this copy
        if rank > present:
            found.append(Break(present + 1, "cut_tail"))
        elif rank < first + len(walked) and any(sha != walked[rank - first] for sha in shas):
            found.append(Break(rank, "anchor_mismatch"))
    if found:
        report.broken = min(found, key=lambda b: b.rank)
    return report


def _anchors(report: ChainReport, stored: dict[int, bytes]) -> dict[str, list[tuple[int, str]]]:
    """The heads named by the verified records of a ``chain_head`` chain, per chain."""
    heads: dict[str, list[tuple[int, str]]] = {}
    for rank in range(report.first_rank, report.first_rank + report.checked):
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


# ---------------------------------------------------------------- the archives' CSV files
#
# A fiscal archive's CSV files are a rendering of its sealed JSON records, and this
# is the one place the rendering is written: Lotbook builds them with these very
# functions (chalicelib/domain/fiscal_archive.py imports them), and the verifier
# renders them again from the archive's records and compares the bytes. A CSV
# edited by hand, even with the manifest rewritten, no longer matches its records.
#
# Format: UTF-8, ``|`` separator, no text delimiter, CRLF, a header line; amounts
# with a decimal point (``-100.00``); ``Scellé le`` in UTC, the records' own ``Date``
# as they hold it (Paris time, with its offset). A cell a spreadsheet would run as a
# formula gets a leading ``'``; ``|`` and line breaks inside a value become ``/`` and
# a space (the rule of Lotbook's CSV exports).

CSV_SEPARATOR = "|"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", '"')
_PLAIN_NUMBER = re.compile(r"-?[0-9]+(?:[.,][0-9]+)?")

PAYMENT_LABELS = {"cash": "espèces", "card": "carte", "cheque": "chèque", "transfer": "virement",
                  "other": "autre", "refund": "remboursement", "unknown": "inconnu", "unallocated": "non ventilé"}
VAT_RATE_LABELS = {"normal": "taux normal", "intermediate": "taux intermédiaire", "reduced": "taux réduit",
                   "super_reduced": "taux particulier", "exempt_melt": "exonéré (fonte)",
                   "exempt_export": "exonéré (export)", "zero_negative_margin": "marge négative",
                   "none": "sans TVA", "unallocated": "non ventilé"}
ARTICLE_STATUS_LABELS = {
    "stock": "en stock", "consigned": "confié", "on_deposit": "en dépôt", "sold": "vendu", "lost": "perdu",
    "returned_to_owner": "rendu", "retracted": "rétracté", "melt_deposit": "déposé pour fonte",
    "sold_for_melt": "vendu pour fonte", "replaced": "racheté (nouvelle référence)"}
LOT_STATUS_LABELS = {"committed": "enregistré", "retracted": "rétracté / annulé"}
LOT_KIND_LABELS = {"purchase": "achat", "consignment": "confié (dépôt-vente)"}
CONDITION_LABELS = {"new": "neuf", "used": "occasion"}
CLOSING_KINDS = {"daily": "Journalière", "monthly": "Mensuelle", "yearly": "Annuelle"}
# The seller's identity as the police register seals it (art. R321-3 code pénal):
# one column per field; a field this list does not know goes to "Autres champs".
SELLER_FIELDS = (
    ("title", "Civilité"), ("last_name", "Nom"), ("birth_name", "Nom de naissance"), ("first_names", "Prénoms"),
    ("company_name", "Raison sociale"), ("siret", "SIRET"), ("address_complement", "Complément d'adresse"),
    ("street_number", "Numéro"), ("street_index", "Indice de répétition"), ("street_type", "Type de voie"),
    ("street_name", "Voie"), ("postcode", "Code postal"), ("city", "Commune"), ("country", "Pays"),
    ("birth_date", "Date de naissance"), ("birth_city", "Lieu de naissance"),
    ("birth_department", "Département de naissance"), ("birth_insee", "Code INSEE du lieu de naissance"),
    ("id_document_type", "Nature de la pièce d'identité"), ("id_document_number", "Numéro de la pièce"),
    ("id_document_date", "Date de délivrance de la pièce"),
    ("id_document_authority", "Autorité de délivrance de la pièce"), ("phone", "Téléphone"),
    ("email", "Courriel"))


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    text = str(value)
    first = text.lstrip(" ")[:1]
    if first and first in _FORMULA_STARTS and not _PLAIN_NUMBER.fullmatch(text):
        text = "'" + text
    return text.replace(CSV_SEPARATOR, "/").replace("\r\n", " ").replace("\n", " ").replace("\r", " ")


def _table(columns: list[tuple[str, str]], rows: list[dict[str, Any]]) -> bytes:
    lines = [CSV_SEPARATOR.join(csv_cell(header) for _, header in columns)]
    lines += [CSV_SEPARATOR.join(csv_cell(row.get(key)) for key, _ in columns) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def _dec(value: Any) -> Decimal:
    try:
        return Decimal(str(value)) if value not in (None, "") else Decimal("0")
    except ArithmeticError:
        return Decimal("0")


def _money(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01')):.2f}"


def _label(labels: dict[str, str], value: Any) -> Any:
    return labels.get(value, value) if isinstance(value, str) else value


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")) if value else ""


_SEAL_COLUMNS = [("rank", "Rang"), ("sealed_at", "Scellé le (UTC)")]
_HASH_COLUMNS = [("sha256", "Empreinte SHA-256"), ("prev_sha256", "Empreinte précédente")]


def _base(record: dict[str, Any], sha: str) -> dict[str, Any]:
    return {"rank": record.get("rank"), "sealed_at": record.get("sealed_at"), "sha256": sha,
            "prev_sha256": record.get("prev_sha256")}


def _rate_label(rate: str) -> str:
    return VAT_RATE_LABELS.get(rate, rate)


def receipt_vat(content: dict[str, Any]) -> dict[str, tuple[Decimal, Decimal]]:
    """(base excl. VAT, VAT) per rate: the ticket's ``vat`` block, else its lines (a refund)."""
    block = _dict(content.get("vat"))
    if block:
        return {str(rate): (_dec(_dict(v).get("base")), _dec(_dict(v).get("vat"))) for rate, v in block.items()}
    by_rate: dict[str, tuple[Decimal, Decimal]] = {}
    for line in _list(content.get("lines")):
        line = _dict(line)
        rate = str(line.get("vat_rate") or "unallocated")
        base, vat = by_rate.get(rate, (Decimal("0"), Decimal("0")))
        by_rate[rate] = (base + _dec(line.get("total_excl_vat")), vat + _dec(line.get("vat")))
    return by_rate


def receipt_payments(content: dict[str, Any], methods_of: dict[str, str]) -> list[tuple[str, Decimal]]:
    """(method, amount) of a ticket; a refund by the refunded sale's method (found by article
    in the archive's sale tickets), else ``refund``."""
    payments = _list(content.get("payments")) or [content.get("payment")]
    found = [(str(_dict(p).get("method")), _dec(_dict(p).get("amount"))) for p in payments if isinstance(p, dict)]
    if [m for m, _ in found] != ["refund"]:
        return found
    split: dict[str, Decimal] = {}
    for line in _list(content.get("lines")):
        line = _dict(line)
        method = methods_of.get(str(line.get("ref")), "refund")
        amount = _dec(line.get("unit_price")) * _dec(line.get("quantity") or 1)
        split[method] = split.get(method, Decimal("0")) + amount
    rest = sum((a for _, a in found), Decimal("0")) - sum(split.values(), Decimal("0"))
    if rest:
        split["refund"] = split.get("refund", Decimal("0")) + rest
    return sorted(split.items())


def _sale_methods(records: list[tuple[dict[str, Any], str]]) -> dict[str, dict[str, str]]:
    """Per sale ticket number: article ref → payment method (a single-method ticket)."""
    out: dict[str, dict[str, str]] = {}
    for record, _ in records:
        c = _dict(record.get("content"))
        payments = _list(c.get("payments")) or [c.get("payment")]
        methods = {str(_dict(p).get("method")) for p in payments if isinstance(p, dict)}
        if len(methods) == 1 and "refund" not in methods:
            method = methods.pop()
            out[str(c.get("ticket_number"))] = {str(_dict(line).get("ref")): method
                                                for line in _list(c.get("lines"))}
    return out


def receipts_csv(records: list[tuple[dict[str, Any], str]]) -> bytes:
    """One row per ticket: its totals, VAT per rate, payments and running totals."""
    rates = sorted({rate for record, _ in records for rate in receipt_vat(_dict(record.get("content")))})
    sales = _sale_methods(records)
    rows = []
    for record, sha in records:
        c = _dict(record.get("content"))
        refunded = [str(t) for t in _list(c.get("refunds"))]
        methods_of: dict[str, str] = {}
        for ticket in refunded:
            methods_of.update(sales.get(ticket, {}))
        vat = receipt_vat(c)
        totals = _dict(c.get("running_totals"))
        row = {**_base(record, sha), "ticket": c.get("ticket_number"), "register": c.get("register"),
               "at": c.get("at"), "type": "Retour client" if record.get("kind") == "sale_return" else "Vente",
               "transaction": c.get("transaction_ref"), "invoice": c.get("invoice_number"),
               "refunds": " ".join(refunded), "credit_notes": " ".join(str(n) for n in _list(c.get("credit_notes"))),
               "reason": c.get("reason"),
               "refs": " ".join(str(_dict(line).get("ref")) for line in _list(c.get("lines"))),
               "lines": len(_list(c.get("lines"))), "total": c.get("total"),
               "vat": _money(sum((v for _, v in vat.values()), Decimal("0"))),
               "payments": " ; ".join(f"{_label(PAYMENT_LABELS, m)} {_money(a)}"
                                      for m, a in receipt_payments(c, methods_of)),
               "day": totals.get("day"), "day_total": totals.get("day_total"), "period": totals.get("period"),
               "period_total": totals.get("period_total"), "perpetual": totals.get("perpetual_total")}
        for rate in rates:
            if rate in vat:
                row[f"base:{rate}"], row[f"vat:{rate}"] = _money(vat[rate][0]), _money(vat[rate][1])
        rows.append(row)
    per_rate = [column for rate in rates for column in (
        (f"base:{rate}", f"Base HT {_rate_label(rate)}"), (f"vat:{rate}", f"TVA {_rate_label(rate)}"))]
    return _table([*_SEAL_COLUMNS, ("ticket", "Numéro de ticket"), ("register", "Caisse"),
                   ("at", "Date (heure de Paris)"), ("type", "Type"), ("transaction", "Transaction"),
                   ("invoice", "Facture"), ("refunds", "Tickets remboursés"), ("credit_notes", "Avoirs"),
                   ("reason", "Motif"), ("refs", "Articles"), ("lines", "Lignes"), ("total", "Total TTC"),
                   ("vat", "Dont TVA"), *per_rate, ("payments", "Paiement"), ("day", "Jour"),
                   ("day_total", "Total du jour"), ("period", "Exercice"), ("period_total", "Total de l'exercice"),
                   ("perpetual", "Grand total perpétuel"), *_HASH_COLUMNS], rows)


def receipt_lines_csv(records: list[tuple[dict[str, Any], str]]) -> bytes:
    """One row per line of each ticket."""
    rows = []
    for record, sha in records:
        c = _dict(record.get("content"))
        for n, line in enumerate(_list(c.get("lines")), start=1):
            line = _dict(line)
            rows.append({"rank": record.get("rank"), "ticket": c.get("ticket_number"), "at": c.get("at"),
                         "type": "Retour client" if record.get("kind") == "sale_return" else "Vente", "line": n,
                         "ref": line.get("ref"), "label": line.get("label"), "quantity": line.get("quantity"),
                         "unit_price": line.get("unit_price"), "total_excl_vat": line.get("total_excl_vat"),
                         "rate": _rate_label(str(line.get("vat_rate"))), "percent": line.get("vat_rate_percent"),
                         "vat": line.get("vat"), "sha256": sha})
    return _table([("rank", "Rang"), ("ticket", "Numéro de ticket"), ("at", "Date (heure de Paris)"),
                   ("type", "Type"), ("line", "Ligne"), ("ref", "Article"), ("label", "Désignation"),
                   ("quantity", "Quantité"), ("unit_price", "Prix unitaire TTC"), ("total_excl_vat", "Total HT"),
                   ("rate", "Taux de TVA"), ("percent", "Taux (%)"), ("vat", "TVA"),
                   ("sha256", "Empreinte SHA-256 du ticket")], rows)


def closings_csv(records: list[tuple[dict[str, Any], str]]) -> bytes:
    rates = sorted({str(r) for record, _ in records for r in _dict(_dict(record.get("content")).get("by_vat_rate"))})
    methods = sorted({str(m) for record, _ in records
                      for m in _dict(_dict(record.get("content")).get("by_payment_method"))})
    rows = []
    for record, sha in records:
        c = _dict(record.get("content"))
        row = {**_base(record, sha), "number": c.get("closing_number"),
               "closing_kind": _label(CLOSING_KINDS, c.get("kind")),
               **{k: c.get(k) for k in ("period", "tickets", "first_ticket", "last_ticket", "period_total",
                                        "period_grand_total", "fiscal_period", "perpetual_total")}}
        for rate, entry in _dict(c.get("by_vat_rate")).items():
            for name, value in _dict(entry).items():
                row[f"{name}:{rate}"] = value
        for method, amount in _dict(c.get("by_payment_method")).items():
            row[f"method:{method}"] = amount
        rows.append(row)
    per_rate = [column for rate in rates for column in (
        (f"total:{rate}", f"Total TTC {_rate_label(rate)}"), (f"total_excl_vat:{rate}", f"Base HT {_rate_label(rate)}"),
        (f"vat:{rate}", f"TVA {_rate_label(rate)}"))]
    per_method = [(f"method:{m}", f"Encaissé {_label(PAYMENT_LABELS, m)}") for m in methods]
    return _table([*_SEAL_COLUMNS, ("number", "Numéro de clôture"), ("closing_kind", "Type"), ("period", "Période"),
                   ("tickets", "Tickets"), ("first_ticket", "Premier ticket"), ("last_ticket", "Dernier ticket"),
                   ("period_total", "Total de la période"), *per_rate, *per_method,
                   ("period_grand_total", "Grand total de l'exercice"), ("fiscal_period", "Exercice"),
                   ("perpetual_total", "Grand total perpétuel"), *_HASH_COLUMNS], rows)


def events_csv(records: list[tuple[dict[str, Any], str]]) -> bytes:
    rows = []
    for record, sha in records:
        c = _dict(record.get("content"))
        rows.append({**_base(record, sha), "at": c.get("at"), "event": c.get("event"), "label": c.get("label"),
                     "user": c.get("user"), "version": c.get("software_version"), "details": _json(c.get("details"))})
    return _table([*_SEAL_COLUMNS, ("at", "Date"), ("event", "Événement"), ("label", "Libellé"),
                   ("user", "Utilisateur"), ("details", "Détails"), ("version", "Version du logiciel"),
                   *_HASH_COLUMNS], rows)


def police_register_csv(records: list[tuple[dict[str, Any], str]]) -> bytes:
    """One row per article of each sealed version of a lot; every identity field of the
    seller in its own column, as sealed."""
    known = {key for key, _ in SELLER_FIELDS}
    rows = []
    for record, sha in records:
        c = _dict(record.get("content"))
        lot, seller = _dict(c.get("lot")), _dict(c.get("seller"))
        version = {**_base(record, sha), "at": c.get("at"), "event": c.get("event"), "version": c.get("version"),
                   "by": c.get("by"), "reason": c.get("reason"), "lot": lot.get("ref"),
                   "lot_kind": _label(LOT_KIND_LABELS, lot.get("kind")),
                   "lot_status": _label(LOT_STATUS_LABELS, lot.get("status")),
                   "purchase_date": lot.get("purchase_date"), "lot_price": lot.get("purchase_price"),
                   "price_incl_tmp": lot.get("price_incl_tmp"),
                   "condition": _label(CONDITION_LABELS, lot.get("condition")),
                   "method": _label(PAYMENT_LABELS, lot.get("payment_method")),
                   **{f"seller:{key}": seller.get(key) for key in known},
                   "seller_other": _json({k: v for k, v in seller.items() if k not in known})}
        for article in _list(c.get("articles")) or [{}]:
            article = _dict(article)
            rows.append({**version, "article": article.get("ref"), "description": article.get("description"),
                         "family": article.get("family"), "weight": article.get("weight_g"),
                         "fineness": article.get("fineness"), "serial": article.get("serial"),
                         "article_price": article.get("purchase_price"), "reserve": article.get("reserve_price"),
                         "status": _label(ARTICLE_STATUS_LABELS, article.get("status"))})
    return _table([*_SEAL_COLUMNS, ("at", "Date"), ("event", "Événement"), ("version", "Version"),
                   ("by", "Par"), ("reason", "Motif"), ("lot", "Lot"), ("lot_kind", "Nature du lot"),
                   ("lot_status", "Statut du lot"), ("purchase_date", "Date d'achat"),
                   ("lot_price", "Prix d'achat du lot"), ("price_incl_tmp", "Prix d'achat TTC (TPM)"),
                   ("condition", "État"), ("method", "Mode de paiement"),
                   *[(f"seller:{key}", f"Vendeur : {header}") for key, header in SELLER_FIELDS],
                   ("seller_other", "Vendeur : autres champs"), ("article", "Article"),
                   ("description", "Désignation"), ("family", "Famille"), ("weight", "Poids (g)"),
                   ("fineness", "Titre (millièmes)"), ("serial", "N° de série"),
                   ("article_price", "Prix d'achat de l'article"), ("reserve", "Prix de réserve"),
                   ("status", "Statut de l'article"), *_HASH_COLUMNS], rows)


def consultations_csv(records: list[tuple[dict[str, Any], str]]) -> bytes:
    rows = []
    for record, sha in records:
        c = _dict(record.get("content"))
        inspector = _dict(c.get("inspector"))
        rows.append({**_base(record, sha), "at": c.get("at"), "who": c.get("who"), "what": c.get("what"),
                     "purpose": c.get("purpose"),
                     "inspector": " — ".join(str(inspector[k]) for k in ("name", "service") if inspector.get(k))})
    return _table([*_SEAL_COLUMNS, ("at", "Date"), ("who", "Qui"), ("inspector", "Inspecteur"),
                   ("what", "Consultation"), ("purpose", "Motif"), *_HASH_COLUMNS], rows)


# Each chain's CSV files (always present in an archive: a table with no row says
# "none in the period").
CSV_FILES = {"receipt": (("receipts.csv", receipts_csv), ("receipt_lines.csv", receipt_lines_csv)),
             "closing": (("closings.csv", closings_csv),), "event": (("events.csv", events_csv),),
             "police_register": (("police_register.csv", police_register_csv),),
             "consultation": (("consultations.csv", consultations_csv),)}


def render_csv_files(records: dict[str, list[tuple[dict[str, Any], str]]]) -> dict[str, bytes]:
    """Every CSV file of an archive from its records per chain."""
    return {name: render(records.get(chain, [])) for chain, tables in CSV_FILES.items() for name, render in tables}


def first_difference(expected: bytes, found: bytes) -> tuple[int, str]:
    """The first line (1-based) where ``found`` differs from ``expected``, and that expected line."""
    wanted, got = expected.split(b"\r\n"), found.split(b"\r\n")
    for n, line in enumerate(wanted, start=1):
        if n > len(got) or got[n - 1] != line:
            return n, line.decode("utf-8", "replace")
    return len(wanted) + 1, ""


# ---------------------------------------------------------------- fiscal archives

ARCHIVE_FORMAT = "lotbook-archive/1"
MANIFEST = "manifest.json"
# Exit status of a fiscal archive whose files, CSV files and chains agree with its
# manifest, when no --manifest-sha256 was given: not 0, since a forger who rewrites
# the manifest with the files gets exactly this; 0 means "held to the sealed hash".
UNCHECKED = 3
HEX64 = re.compile(r"^[0-9a-f]{64}$")

# Why a fiscal archive does not verify, beside its chains' reasons.
FILE_REASONS = {
    "file_changed": ("Le fichier ne correspond plus à la taille ou à l'empreinte SHA-256 du manifeste.",
                     "The file no longer matches its size or SHA-256 in the manifest."),
    "file_missing": ("Un fichier listé au manifeste manque.", "A file listed in the manifest is missing."),
    "file_unlisted": ("Ce fichier n'est pas listé au manifeste.", "This file is not listed in the manifest."),
    "manifest_unreadable": ("Le manifeste est illisible ou incomplet.",
                            "The manifest cannot be read or is incomplete."),
    "manifest_mismatch": ("L'empreinte SHA-256 du manifeste diffère de celle attendue (scellée).",
                          "The manifest's SHA-256 differs from the expected (sealed) one."),
    "csv_mismatch": ("Le fichier CSV ne correspond pas aux enregistrements JSON scellés de l'archive.",
                     "The CSV file does not match the archive's sealed JSON records."),
}


@dataclass
class FileProblem:
    name: str
    reason: str
    line: int | None = None  # a CSV's first differing line (1 = the header)
    expected: str | None = None  # that line, rendered from the records

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "reason": self.reason, "message": FILE_REASONS[self.reason][0],
                "message_en": FILE_REASONS[self.reason][1], "line": self.line, "expected": self.expected}


@dataclass
class ArchiveReport:
    manifest: dict[str, Any]
    manifest_sha256: str
    files_checked: int = 0
    problems: list[FileProblem] = field(default_factory=list)
    chains: list[ChainReport] = field(default_factory=list)
    sealed_checked: bool = False  # the manifest was held to an expected (sealed) SHA-256, and matched

    @property
    def ok(self) -> bool:
        """Every file matches the manifest, every CSV its records, every chain slice links."""
        return not self.problems and all(r.broken is None for r in self.chains)

    @property
    def verdict(self) -> str:
        """``intact`` (consistent and the manifest is the sealed one), ``unchecked``
        (consistent, but the manifest was held to no sealed SHA-256) or ``altered``."""
        if not self.ok:
            return "altered"
        return "intact" if self.sealed_checked else "unchecked"

    def to_json(self) -> dict[str, Any]:
        found = self.manifest.get("company")
        company: dict[str, Any] = found if isinstance(found, dict) else {}
        return {"ok": self.ok, "verdict": self.verdict, "archive": {
            "period": self.manifest.get("period"), "company": company, "manifest_sha256": self.manifest_sha256,
            "manifest_sealed_checked": self.sealed_checked,
            "files_checked": self.files_checked, "problems": [p.to_json() for p in self.problems]},
            "chains": [r.to_json() for r in self.chains]}


def _slices(manifest: Any) -> list[tuple[str, int, int, str]] | None:
    """The manifest's chain slices ``(chain, first_rank, last_rank, prev_sha256)``; None if malformed."""
    if not isinstance(manifest, dict) or manifest.get("format") != ARCHIVE_FORMAT:
        return None
    files, chains = manifest.get("files"), manifest.get("chains")
    if not isinstance(files, list) or not isinstance(chains, list):
        return None
    for entry in files:
        if (not isinstance(entry, dict) or not isinstance(entry.get("name"), str)
                or not isinstance(entry.get("sha256"), str) or not isinstance(entry.get("size"), int)):
            return None
    slices = []
    for entry in chains:
        if not isinstance(entry, dict):
            return None
        chain, first, last, prev = (entry.get(k) for k in ("chain", "first_rank", "last_rank", "prev_sha256"))
        if (not isinstance(chain, str) or not isinstance(first, int) or not isinstance(last, int)
                or isinstance(first, bool) or isinstance(last, bool) or not 1 <= first <= last
                or not isinstance(prev, str) or not HEX64.match(prev)):
            return None
        slices.append((chain, first, last, prev))
    return slices


def verify_archive(files: dict[str, bytes], expected_manifest_sha256: str | None = None) -> ArchiveReport:
    """A fiscal archive: each file against the manifest, then each chain slice it lists.

    Every file but the manifest must be listed in it with its size and SHA-256;
    each slice is checked from its first rank, whose record must name the
    manifest's ``prev_sha256``, to its last, ranks gap-free, links and hashes;
    the ``chain_head`` slice's anchors are checked where they name ranks of the
    archive. The manifest's own SHA-256 is sealed in the dealer's event log
    (``archive_built``): give it as ``expected_manifest_sha256`` to hold it to it.
    """
    raw = files[MANIFEST]
    digest = sha256_hex(raw)
    try:
        manifest = json.loads(raw.decode("utf-8"), parse_float=Decimal)
    except (UnicodeDecodeError, ValueError):
        manifest = None
    slices = _slices(manifest)
    report = ArchiveReport(manifest if isinstance(manifest, dict) else {}, digest)
    if expected_manifest_sha256 is not None:
        if expected_manifest_sha256.strip().lower() != digest:
            report.problems.append(FileProblem(MANIFEST, "manifest_mismatch"))
        else:
            report.sealed_checked = True
    if slices is None:
        report.problems.append(FileProblem(MANIFEST, "manifest_unreadable"))
        return report
    assert isinstance(manifest, dict)
    listed = {}
    for entry in manifest["files"]:
        listed[entry["name"]] = entry
    for name, entry in sorted(listed.items()):
        body = files.get(name)
        if body is None:
            report.problems.append(FileProblem(name, "file_missing"))
        elif len(body) != entry["size"] or sha256_hex(body) != entry["sha256"].lower():
            report.problems.append(FileProblem(name, "file_changed"))
        else:
            report.files_checked += 1
    for name in sorted(files):
        if name != MANIFEST and name not in listed:
            report.problems.append(FileProblem(name, "file_unlisted"))
    chains = group({name: body for name, body in files.items() if name != MANIFEST})
    ordered = sorted(slices, key=lambda s: (s[0] != CHAIN_HEAD, s[0]))
    anchors: dict[str, list[tuple[int, str]]] = {}
    bounds = {chain: (first, last) for chain, first, last, _prev in slices}
    for chain, first, last, prev in ordered:
        stored = {rank: body for rank, body in chains.get(("", chain), {}).items() if first <= rank <= last}
        mine = [(r, h) for r, h in anchors.get(chain, []) if first <= r <= last]
        chain_report = verify_chain("", chain, stored, mine, first, prev, last)
        report.chains.append(chain_report)
        if chain == CHAIN_HEAD:
            anchors = {c: heads for c, heads in _anchors(chain_report, stored).items() if c in bounds}
    _check_csv(files, chains, slices, report)
    return report


def _check_csv(files: dict[str, bytes], chains: dict[tuple[str, str], dict[int, bytes]],
               slices: list[tuple[str, int, int, str]], report: ArchiveReport) -> None:
    """Render every CSV file again from the archive's JSON records; any byte off is named
    with its first differing line. A CSV file is part of every archive: one missing is too."""
    records: dict[str, list[tuple[dict[str, Any], str]]] = {}
    for chain, first, last, _prev in slices:
        kept = []
        for rank, body in sorted(chains.get(("", chain), {}).items()):
            if first <= rank <= last:
                try:
                    kept.append((json.loads(body.decode("utf-8")), sha256_hex(body)))
                except (UnicodeDecodeError, ValueError):
                    continue  # its chain is reported broken
        records[chain] = kept
    try:
        expected = render_csv_files(records)
    except Exception:  # noqa: BLE001 - records a rendering cannot read: every CSV is in doubt
        expected = {name: b"" for tables in CSV_FILES.values() for name, _ in tables}
    named = {p.name for p in report.problems}
    for name, data in sorted(expected.items()):
        found = files.get(name)
        if found is None:
            if name not in named:
                report.problems.append(FileProblem(name, "file_missing"))
        elif found != data:
            line, text = first_difference(data, found)
            report.problems.append(FileProblem(name, "csv_mismatch", line, text))


def _archive_text(source: str, report: ArchiveReport) -> str:
    m = report.manifest
    found = m.get("company")
    company: dict[str, Any] = found if isinstance(found, dict) else {}
    lines = ["Lotbook — vérification autonome d'une archive fiscale / standalone fiscal archive verification",
             f"Source : {source}",
             f"Période / period : {m.get('period')} ({m.get('period_label')}) — {company.get('company_name')} "
             f"(SIREN {company.get('siren')})",
             f"Manifeste / manifest : SHA-256 {report.manifest_sha256}",
             "    à comparer avec l'empreinte scellée dans le journal des événements (« Archive fiscale "
             "constituée ») / to compare with the SHA-256 sealed in the event log (archive_built)", "",
             f"Fichiers conformes au manifeste / files matching the manifest : {report.files_checked}"]
    for problem in report.problems:
        lines.append(f"    FICHIER / FILE {problem.name} ({problem.reason}) : {FILE_REASONS[problem.reason][0]} / "
                     f"{FILE_REASONS[problem.reason][1]}")
        if problem.line is not None:
            lines.append(f"        première ligne différente / first differing line : {problem.line} ; attendue / "
                         f"expected : {problem.expected}")
    for r in report.chains:
        head = f"rangs / ranks {r.first_rank} à / to {r.head_rank}, SHA-256 {r.head_sha256}" if r.checked else "vide"
        lines.append(f"{r.chain} : {r.checked} enregistrement(s) vérifié(s) / record(s) verified, {head}")
        if r.broken is None:
            lines.append("    chaînage cohérent / links consistent")
        else:
            lines.append(f"    ROMPUE au rang {r.broken.rank} / BROKEN at rank {r.broken.rank} "
                         f"({r.broken.reason}) : {r.broken.message_fr} / {r.broken.message_en}")
    lines.append("")
    total = sum(r.checked for r in report.chains)
    if report.verdict == "intact":
        lines.append(f"RÉSULTAT : l'archive est intègre ({report.files_checked} fichier(s), {total} enregistrement(s)) "
                     f"; son manifeste est celui dont l'empreinte est scellée / RESULT: the archive verifies "
                     f"against its sealed manifest SHA-256.")
    elif report.verdict == "unchecked":
        lines.append(f"RÉSULTAT : les fichiers correspondent au manifeste ({report.files_checked} fichier(s), {total} "
                     f"enregistrement(s)), mais le manifeste lui-même est « non vérifié contre l'empreinte scellée ». "
                     f"Comparez son SHA-256 {report.manifest_sha256} à celui de l'événement « Archive fiscale "
                     f"constituée » (archive_built) du journal des événements, ou relancez avec --manifest-sha256 "
                     f"<empreinte>. Un manifeste réécrit avec l'archive passerait sans cela. / RESULT: the files match "
                     f"the manifest, but the manifest itself was not checked against its sealed SHA-256: compare it "
                     f"with the event log's archive_built event, or run again with --manifest-sha256.")
    else:
        broken = len([r for r in report.chains if r.broken is not None])
        lines.append(f"RÉSULTAT : archive altérée — {len(report.problems)} fichier(s) en cause, {broken} chaîne(s) "
                     f"rompue(s) / RESULT: the archive was altered.")
    return "\n".join(lines)


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
    parser.add_argument("--manifest-sha256", metavar="SHA256",
                        help="archive fiscale : l'empreinte scellée du manifeste (journal des événements) / "
                             "fiscal archive: the manifest's sealed SHA-256 (event log)")
    args = parser.parse_args(argv)
    try:
        files = load(args.path)
    except (OSError, zipfile.BadZipFile) as exc:
        print(f"Impossible de lire {args.path} / cannot read {args.path}: {exc}", file=sys.stderr)
        return 2
    if MANIFEST in files:  # a fiscal archive: its manifest vouches for every file
        archive = verify_archive(files, args.manifest_sha256)
        if args.json:
            print(json.dumps(archive.to_json(), ensure_ascii=False, indent=2))
        else:
            print(_archive_text(args.path, archive))
        return {"intact": 0, "unchecked": UNCHECKED}.get(archive.verdict, 1)
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
