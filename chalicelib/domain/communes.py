"""The INSEE code of a French commune, from its postcode and name (the 2093 file's Q and E records).

Reference data shipped with the code: ``chalicelib/data/communes.csv.gz`` (postcode;insee;name,
about 39,000 lines, 350 KB; built by ``infrastructure/communes_data.py`` from INSEE's Code
officiel géographique and La Poste's base officielle des codes postaux, see
``chalicelib/data/README.md``). Read on first use only: the API's cold start never pays for it.

A name matches whatever its accents, case, hyphens and apostrophes, ``ST``/``STE`` for
``SAINT``/``SAINTE``, a ``CEDEX`` suffix, and for Paris, Lyon and Marseille with or without
the arrondissement ("PARIS", "Paris 11e", "PARIS 11E ARRONDISSEMENT": the postcode says
which one, and each arrondissement has its own code, 75101–75120, 69381–69389, 13201–13216).
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[1] / "data" / "communes.csv.gz"

_ABBREVIATIONS = {"ST": "SAINT", "STE": "SAINTE", "STES": "SAINTES", "STS": "SAINTS"}
_CEDEX = re.compile(r"\s+CEDEX(\s+\d+)?$")
_ARTICLE = re.compile(r"^(LE|LA|LES|L|AUX) ")
_ARRONDISSEMENT = re.compile(r"^(PARIS|LYON|MARSEILLE)(\s+\d{1,2}(E|ER|EME)?(\s+ARRONDISSEMENT)?)?$")


def normalized(name: Any) -> str:
    """``"St-Denis"``, ``"saint denis"`` and ``"SAINT-DENIS"`` → ``"SAINT DENIS"``."""
    decomposed = unicodedata.normalize("NFKD", str(name or "").replace("œ", "oe").replace("Œ", "OE"))
    text = "".join(c for c in decomposed if not unicodedata.combining(c)).upper()
    text = re.sub(r"[^A-Z0-9]+", " ", text).strip()
    text = _CEDEX.sub("", text)
    words = [_ABBREVIATIONS.get(word, word) for word in text.split()]
    text = " ".join(words)
    match = _ARRONDISSEMENT.match(text)
    return match.group(1) if match else text


@cache
def _rows() -> dict[str, tuple[tuple[str, str], ...]]:
    """postcode → (name, INSEE code) pairs, as shipped: a plain parse, once per process."""
    rows: dict[str, list[tuple[str, str]]] = {}
    with gzip.open(DATA, "rt", encoding="utf-8") as handle:
        for row in csv.DictReader(io.StringIO(handle.read()), delimiter=";"):
            rows.setdefault(row["postcode"], []).append((row["name"], row["insee"]))
    return {code: tuple(pairs) for code, pairs in rows.items()}


@cache
def _names(postcode: str) -> dict[str, frozenset[str]] | None:
    """normalized name → INSEE codes, for one postcode (None: an unknown postcode)."""
    pairs = _rows().get(postcode)
    if pairs is None:
        return None
    names: dict[str, set[str]] = {}
    for name, code in pairs:
        names.setdefault(normalized(name), set()).add(code)
    return {name: frozenset(codes) for name, codes in names.items()}


def _without_article(name: str) -> str:
    return _ARTICLE.sub("", name)


@dataclass(frozen=True)
class Lookup:
    insee: str | None  # the code when exactly one commune matches
    problem: str | None  # else a French reason


def lookup(postcode: str | None, city: Any) -> Lookup:
    """The INSEE code of ``city`` at ``postcode`` (five digits), or why there is none."""
    return _lookup(postcode or "", str(city or ""))


@lru_cache(maxsize=8192)  # a year's sellers share few communes
def _lookup(postcode: str, city: str) -> Lookup:
    if not postcode or not normalized(city):
        return Lookup(None, "commune ou code postal manquant")
    names = _names(postcode)
    if names is None:
        return Lookup(None, f"code postal {postcode} inconnu (code INSEE de la commune introuvable)")
    wanted = normalized(city)
    found = names.get(wanted, frozenset())
    if not found:  # "Havre" for "Le Havre", "Abergement-Clémenciat" for "L'Abergement-Clémenciat"
        bare = _without_article(wanted)
        found = frozenset(code for name, codes in names.items() if _without_article(name) == bare
                          for code in codes)
    if not found:
        return Lookup(None, f"commune « {city} » inconnue au code postal {postcode} "
                            "(code INSEE de la commune introuvable)")
    if len(found) > 1:
        return Lookup(None, f"commune « {city} » ambiguë au code postal {postcode} "
                            f"(codes INSEE possibles : {', '.join(sorted(found))})")
    return Lookup(next(iter(found)), None)


def lookup_in_department(department: str, city: Any) -> Lookup:
    """The same, when the address gives only the département ("54", "2A"): every postcode of it."""
    return _lookup_in_department(department, str(city or ""))


@lru_cache(maxsize=4096)
def _lookup_in_department(department: str, city: str) -> Lookup:
    wanted = normalized(city)
    if not wanted:
        return Lookup(None, "commune ou code postal manquant")
    found = _in_department("20" if department.upper() in ("2A", "2B") else department, wanted)
    if len(found) == 1:
        return Lookup(next(iter(found)), None)
    if found:
        return Lookup(None, f"commune « {city} » ambiguë dans le département {department} "
                            f"(codes INSEE possibles : {', '.join(sorted(found))})")
    return Lookup(None, f"commune « {city} » inconnue dans le département {department} "
                        "(code INSEE de la commune introuvable)")


@cache
def _department_postcodes(prefix: str) -> tuple[str, ...]:
    return tuple(code for code in _rows() if code.startswith(prefix))


def _in_department(prefix: str, wanted: str) -> frozenset[str]:
    found: set[str] = set()
    for code in _department_postcodes(prefix):
        found |= (_names(code) or {}).get(wanted, frozenset())
    return frozenset(found)


def insee_code(postcode: str | None, city: Any) -> str | None:
    return lookup(postcode, city).insee
