"""Fiscal archives (DOMAIN.md "Audit trail and the authorities"): pure rules.

For each closed month and fiscal year, an archive in open formats: the sealed
records of the period exactly as stored in the vault (``<chain>/<rank>.json``),
flat CSV files of them, and ``manifest.json`` naming each file's size and SHA-256,
the period, the company and, per chain, the slice of ranks it holds with the
``prev_sha256`` of its first record (so the slice verifies without the records
before it). The manifest's own SHA-256 is sealed in the event log (the
``archive_built`` event).

Which records are the period's: a closing, by the period it closes (a month's
archive holds its daily closings and its monthly closing; a year's, all of the
year's); a ticket, by its own date (its ``at``, Paris time: the rule of the
closings, so a ticket of 23:59:59 sealed after midnight is in the month its
closing counts it in); any other record, by the day it was sealed (Europe/Paris).
A chain's slice runs from the first to the last rank of the period, so it is
gap-free: a record of a neighbouring period sealed in between is kept too (it is
also in its own period's archive; the CSV files list every record of the slice).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.domain import seal
from chalicelib.verifier import lotbook_verify

FORMAT = "lotbook-archive/1"
MANIFEST = "manifest.json"
README = "LISEZMOI.txt"
PARIS = ZoneInfo("Europe/Paris")
# The chains an archive holds. ``training`` (fictitious sales) is no fiscal record: left out.
CHAINS = (seal.RECEIPT, seal.CLOSING, seal.EVENT, seal.POLICE_REGISTER, seal.CONSULTATION, seal.INSPECTION,
          seal.CHAIN_HEAD)
_PERIOD = re.compile(r"^([0-9]{4})(?:-([0-9]{2}))?$")
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")


class PeriodError(ValueError):
    """A period that is neither ``AAAA-MM`` nor ``AAAA`` (the message is French)."""


@dataclass(frozen=True)
class Period:
    text: str  # "2026-11" or "2026"
    kind: str  # "monthly" or "yearly": the closing that closes it

    @property
    def label(self) -> str:
        if self.kind == "yearly":
            return f"exercice {self.text}"
        year, month = self.text.split("-")
        return f"{MONTHS[int(month) - 1]} {year}"

    def holds(self, period_or_day: str) -> bool:
        """``"2026-11-03"``, ``"2026-11"`` or ``"2026"`` within this period."""
        return period_or_day == self.text or period_or_day.startswith(self.text + "-")

    def over(self, today: date) -> bool:
        current = str(today.year) if self.kind == "yearly" else f"{today:%Y-%m}"
        return self.text < current


def parse_period(value: Any) -> Period:
    match = _PERIOD.match(value) if isinstance(value, str) else None
    if match is None or not 2000 <= int(match.group(1)) <= 2999 or (
            match.group(2) is not None and not 1 <= int(match.group(2)) <= 12):
        raise PeriodError("Période attendue au format AAAA-MM (un mois) ou AAAA (un exercice).")
    return Period(value, "monthly" if match.group(2) else "yearly")


def local_day(sealed_at: str) -> str:
    return datetime.fromisoformat(sealed_at).astimezone(PARIS).date().isoformat()


def business_day(chain: str, sealed_at: str, summary: dict[str, Any] | None) -> str:
    """The day (Europe/Paris) a record belongs to: a ticket's own date (``at``, local time,
    as the closings count it: ``domain/closings.ticket_of``), else the day it was sealed."""
    at = (summary or {}).get("at") if chain == seal.RECEIPT else None
    if isinstance(at, str) and re.match(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}", at):
        return at[:10]
    return local_day(sealed_at)


def in_period(period: Period, chain: str, sealed_at: str, summary: dict[str, Any] | None) -> bool:
    closed = (summary or {}).get("period") if chain == seal.CLOSING else None
    if isinstance(closed, str) and closed:
        return period.holds(closed)
    return period.holds(business_day(chain, sealed_at, summary))


def slice_of(ranks_in_period: Iterable[int]) -> tuple[int, int] | None:
    ranks = list(ranks_in_period)
    return (min(ranks), max(ranks)) if ranks else None


def record_name(chain: str, rank: int) -> str:
    return f"{chain}/{rank:010d}.json"


# ---------------------------------------------------------------- CSV files
# The CSV files are a rendering of the archive's JSON records that the standalone
# verifier redoes and compares byte for byte: the rendering is written once, in the
# verifier (one file, standard library only, so that an inspector runs it without
# Lotbook: it cannot import this package; this pure module imports it instead; it
# touches no AWS either).
CSV_FILES = lotbook_verify.CSV_FILES
render_csv_files = lotbook_verify.render_csv_files


# ---------------------------------------------------------------- the manifest


@dataclass(frozen=True)
class ChainSlice:
    chain: str
    first_rank: int
    last_rank: int
    prev_sha256: str  # of the record before ``first_rank`` (64 zeros for rank 1)
    last_sha256: str

    def to_json(self) -> dict[str, Any]:
        return {"chain": self.chain, "first_rank": self.first_rank, "last_rank": self.last_rank,
                "records": self.last_rank - self.first_rank + 1, "prev_sha256": self.prev_sha256,
                "last_sha256": self.last_sha256}


def readme(period: Period, company: dict[str, Any]) -> bytes:
    return (
        f"Archive fiscale Lotbook — {period.label} — {company.get('company_name') or ''}\r\n"
        "\r\n"
        "Contenu :\r\n"
        "- <chaîne>/<rang>.json : les enregistrements scellés de la période, octet pour octet tels que\r\n"
        "  stockés dans le coffre (format lotbook-seal/1, JSON canonique) ;\r\n"
        "- receipts.csv, receipt_lines.csv, closings.csv, events.csv, police_register.csv,\r\n"
        "  consultations.csv : les mêmes enregistrements à plat (séparateur « | », UTF-8, point\r\n"
        "  décimal ; « Scellé le » en UTC, « Date » telle que l'enregistrement la porte) ; le\r\n"
        "  vérificateur les reconstruit à partir des fichiers JSON et les compare octet par octet ;\r\n"
        "- manifest.json : la taille et l'empreinte SHA-256 de chaque fichier, et pour chaque chaîne\r\n"
        "  ses rangs et l'empreinte de l'enregistrement qui précède le premier (prev_sha256).\r\n"
        "\r\n"
        "L'empreinte SHA-256 de manifest.json est scellée dans le journal des événements (événement\r\n"
        "« Archive fiscale constituée »).\r\n"
        "\r\n"
        "Vérification, sans Lotbook (Python 3.9+) :\r\n"
        "  python3 lotbook_verify.py --manifest-sha256 EMPREINTE_SCELLÉE ARCHIVE.zip\r\n"
        "(EMPREINTE_SCELLÉE : celle de l'événement « Archive fiscale constituée » du journal ; sans elle\r\n"
        "le vérificateur ne dit pas l'archive intègre : un manifeste réécrit passerait.)\r\n"
        "(le vérificateur : GET /api/compliance/verifier ; le format : docs/sealing.md).\r\n"
    ).encode()


def manifest(period: Period, company: dict[str, Any], built_at: str, software_version: str,
             slices: Sequence[ChainSlice], files: dict[str, bytes]) -> bytes:
    """``manifest.json``: every other file's name, size and SHA-256, and the chains' slices."""
    from hashlib import sha256

    body = {
        "format": FORMAT,
        "period": period.text,
        "period_kind": period.kind,
        "period_label": period.label,
        "built_at": built_at,
        "software_version": software_version,
        "company": {k: company.get(k) for k in ("company_name", "siren", "siret")},
        "rule": ("Clôtures : celles de la période ; tickets : datés de la période (leur date, heure de Paris, "
                 "comme les clôtures les comptent) ; autres enregistrements : scellés pendant la période "
                 "(heure de Paris). Chaque chaîne : du premier au dernier rang de la période, sans trou "
                 "(un enregistrement voisin scellé entre deux est inclus)."),
        "chains": [s.to_json() for s in slices],
        "files": [{"name": name, "size": len(data), "sha256": sha256(data).hexdigest()}
                  for name, data in sorted(files.items())],
    }
    return (json.dumps(body, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode("utf-8")
