"""CSV injection into the draft lot (DOMAIN.md, API.md "CSV injection columns").

A file with any bad row imports nothing: every bad line is reported with its
number (counting every line of the file, header included) and a French reason.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from chalicelib.domain.lots import DraftLine
from chalicelib.domain.money import AmountError, money, weight
from chalicelib.domain.text import fold, is_whole_number
from chalicelib.domain.vat import DEFAULT_RATE, RATES

COLUMNS = (
    "description",
    "family",
    "weight_g",
    "fineness",
    "serial",
    "purchase_price",
    "reserve_price",
    "label_price",
    "vat_rate",
    "comment",
)
MAX_LINES = 999
MAX_DESCRIPTION = 500


def template(separator: str = ";") -> str:
    """The downloadable template: the header and one example line."""
    example = ("Bague or jaune 18 carats", "Bijoux or", "3,250", "750", "", "120,00", "", "250,00",
               "normal", "Poinçon tête d'aigle")
    return separator.join(COLUMNS) + "\r\n" + separator.join(example) + "\r\n"


@dataclass
class CsvResult:
    lines: list[DraftLine] = field(default_factory=list)
    errors: list[dict[str, object]] = field(default_factory=list)


def parse(
    data: bytes,
    *,
    separator: str,
    skip: int,
    families: dict[str, str],
    default_family_id: str | None = None,
    default_vat_rate: str = DEFAULT_RATE,
) -> CsvResult:
    """``families`` maps family id → label; a cell may name either."""
    result = CsvResult()
    by_label = {fold(label).strip(): fid for fid, label in families.items()}
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    raw_lines = data.split(b"\n")
    if raw_lines and raw_lines[-1].strip() == b"":
        raw_lines.pop()
    texts: list[tuple[int, str]] = []
    for number, raw in enumerate(raw_lines, start=1):
        try:
            text = raw.decode("utf-8").rstrip("\r")
        except UnicodeDecodeError:
            if number > skip:
                result.errors.append({"line": number, "reason": "Encodage invalide : le fichier doit être en UTF-8."})
            continue
        if number > skip and text.strip():
            texts.append((number, text))
    if len(texts) > MAX_LINES:
        result.errors.append({"line": texts[MAX_LINES][0],
                              "reason": f"Un lot compte au plus {MAX_LINES} articles."})
        return result
    for number, text in texts:
        row = next(csv.reader([text], delimiter=separator))
        if len(row) != len(COLUMNS):
            result.errors.append({"line": number, "reason": (
                f"{len(row)} colonnes au lieu de {len(COLUMNS)} (séparateur « {separator} » ?)")})
            continue
        cells = dict(zip(COLUMNS, (c.strip() for c in row), strict=True))
        reasons: list[str] = []
        line = _line(cells, by_label, families, default_family_id, default_vat_rate, reasons)
        if reasons:
            result.errors.append({"line": number, "reason": " ; ".join(reasons)})
        elif line is not None:
            result.lines.append(line)
    return result


def _line(
    cells: dict[str, str],
    by_label: dict[str, str],
    families: dict[str, str],
    default_family_id: str | None,
    default_vat_rate: str,
    reasons: list[str],
) -> DraftLine | None:
    description = cells["description"]
    if not description:
        reasons.append("Désignation manquante.")
    elif len(description) > MAX_DESCRIPTION:
        reasons.append(f"Désignation trop longue (plus de {MAX_DESCRIPTION} caractères).")

    family_id = default_family_id
    if cells["family"]:
        family_id = cells["family"] if cells["family"] in families else by_label.get(fold(cells["family"]).strip())
        if family_id is None:
            reasons.append(f"Famille inconnue : « {cells['family']} ».")

    def amount(name: str, label: str, parse_one: Callable[[object], Decimal] = money) -> Decimal | None:
        if not cells[name]:
            return None
        try:
            return parse_one(cells[name])
        except AmountError as exc:
            reasons.append(f"{label} : {exc}")
            return None

    weight_g = amount("weight_g", "Poids", weight)
    fineness: int | None = None
    if cells["fineness"]:
        if is_whole_number(cells["fineness"]) and 0 <= int(cells["fineness"]) <= 1000:
            fineness = int(cells["fineness"])
        else:
            reasons.append("Titre : nombre entier de millièmes attendu (0 à 1000).")
    vat_rate = cells["vat_rate"] or default_vat_rate
    if vat_rate not in RATES:
        reasons.append(f"Taux de TVA inconnu : « {vat_rate} ».")
    line = DraftLine(
        description=description,
        family_id=family_id,
        weight_g=weight_g,
        fineness=fineness,
        serial=cells["serial"] or None,
        comment=cells["comment"] or None,
        vat_rate=vat_rate,
        purchase_price=amount("purchase_price", "Prix d'achat"),
        reserve_price=amount("reserve_price", "Prix de réserve"),
        label_price=amount("label_price", "Prix étiquette"),
    )
    return None if reasons else line
