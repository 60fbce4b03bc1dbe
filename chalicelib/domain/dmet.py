"""The 2093 file (DGFiP "achats de métaux", DMET): pure layout and content rules.

The layout is ONE table (:data:`LAYOUT`): record type → ``(position, length, kind,
field)``, positions 1-based as in /work/shared/DMET.md; a new yearly specification is a
change of this table. Kinds: ``N`` numeric (right-aligned, zero-padded), ``A``
alphanumeric (left-aligned, space-padded, upper case, ASCII 0x20–0x7E).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from chalicelib.domain import communes
from chalicelib.domain.text import is_whole_number

RECORD_LENGTH = 550

Zone = tuple[int, int, str, str]

_HEADER: list[Zone] = [(1, 4, "N", "year"), (5, 14, "N", "declarant_siret"), (19, 1, "N", "declaration_type"),
                       (20, 1, "A", "record_type")]

LAYOUT: dict[str, list[Zone]] = {
    "E": _HEADER + [
        (21, 50, "A", "name"), (71, 32, "A", "address_complement"), (103, 4, "N", "street_number"),
        (107, 1, "A", "street_index"), (108, 1, "A", "sep1"), (109, 26, "A", "street"),
        (135, 5, "A", "city_insee"), (140, 1, "A", "sep2"), (141, 26, "A", "city"), (167, 5, "N", "postcode"),
        (172, 1, "A", "sep3"), (173, 26, "A", "office"), (199, 5, "A", "ape_code"), (204, 2, "N", "structure"),
        (206, 8, "N", "issue_date"), (214, 337, "A", "filler"),
    ],
    "Q": _HEADER + [
        (21, 14, "A", "siret"), (35, 50, "A", "company_name"), (85, 2, "N", "birth_day"),
        (87, 2, "N", "birth_month"), (89, 4, "N", "birth_year"), (93, 2, "A", "birth_department"),
        (95, 3, "A", "birth_insee"), (98, 26, "A", "birth_city"), (124, 3, "A", "title"),
        (127, 30, "A", "birth_name"), (157, 20, "A", "first_names"), (177, 30, "A", "usual_name"),
        (207, 32, "A", "address_complement"), (239, 1, "A", "reserved1"), (240, 4, "N", "street_number"),
        (244, 1, "A", "street_index"), (245, 1, "A", "sep1"), (246, 26, "A", "street"),
        (272, 5, "A", "city_insee"), (277, 1, "A", "sep2"), (278, 26, "A", "city"), (304, 5, "N", "postcode"),
        (309, 1, "A", "sep3"), (310, 26, "A", "office"), (336, 10, "N", "amount"), (346, 205, "A", "reserved2"),
    ],
    "T": _HEADER + [
        (21, 10, "N", "count"), (31, 50, "A", "contact_name"), (81, 10, "N", "phone"), (91, 60, "A", "email"),
        (151, 9, "N", "siren"), (160, 391, "A", "filler"),
    ],
}

# The INSEE commune codes (positions 135 and 272) are written as alphanumeric zones although
# DMET.md marks them N: Corsica's codes hold a letter ("2A004", "2B033") that a numeric zone
# would turn into "02004"; every other code is 5 digits, written the same either way, and a
# missing one never reaches the file (the pre-check blocks it).
STREET_TYPES = {  # FANTOIR codes of the street types (nature de voie); an unknown type is kept, cut to 4
    "ALLEE": "ALL", "ALL": "ALL", "AVENUE": "AV", "AV": "AV", "AVE": "AV", "BOULEVARD": "BD", "BD": "BD",
    "BLD": "BD", "CARREFOUR": "CAR", "CHEMIN": "CHE", "CHE": "CHE", "CHEM": "CHE", "CHAUSSEE": "CHS",
    "CITE": "CITE", "CLOS": "CLOS", "CORNICHE": "COR", "COURS": "CRS", "CRS": "CRS", "COUR": "COUR",
    "DOMAINE": "DOM", "DESCENTE": "DSC", "ECART": "ECA", "ESPLANADE": "ESP", "FAUBOURG": "FG", "FG": "FG",
    "GRANDE RUE": "GR", "HAMEAU": "HAM", "HALLE": "HLE", "IMPASSE": "IMP", "IMP": "IMP", "LIEU-DIT": "LD",
    "LIEU DIT": "LD", "LD": "LD", "LOTISSEMENT": "LOT", "MARCHE": "MAR", "MONTEE": "MTE", "PASSAGE": "PAS",
    "PLACE": "PL", "PL": "PL", "PLAINE": "PLN", "PLATEAU": "PLT", "PROMENADE": "PRO", "PARVIS": "PRV",
    "QUARTIER": "QUA", "QUAI": "QUAI", "RESIDENCE": "RES", "RUELLE": "RLE", "ROCADE": "ROC",
    "ROND-POINT": "RPT", "ROND POINT": "RPT", "ROUTE": "RTE", "RTE": "RTE", "RUE": "R", "R": "R",
    "SENTE": "SEN", "SENTIER": "SEN", "SQUARE": "SQ", "SQ": "SQ", "TERRE-PLEIN": "TPL", "TRAVERSE": "TRA",
    "VILLA": "VLA", "VILLAGE": "VLGE", "VOIE": "VOIE",
}
_INDEXES = {"BIS": "B", "B": "B", "TER": "T", "T": "T", "QUATER": "Q", "Q": "Q", "C": "C", "QUINQUIES": "C"}
_NUMBER = re.compile(r"^\s*(\d{1,4})\s*([A-Za-z]*)\s*$")


def ascii_upper(text: Any) -> str:
    """Accents transliterated, upper case, only bytes 0x20–0x7E."""
    if text is None:
        return ""
    decomposed = unicodedata.normalize("NFKD", str(text).replace("œ", "oe").replace("Œ", "OE")
                                       .replace("æ", "ae").replace("Æ", "AE").replace("ß", "ss"))
    out = "".join(c for c in decomposed if not unicodedata.combining(c)).upper()
    return "".join(c if " " <= c <= "~" else " " for c in out)


def digits(text: Any) -> str:
    return "".join(c for c in str(text or "") if is_whole_number(c))


def zone(value: Any, length: int, kind: str) -> str:
    if kind == "N":
        text = digits(value)[-length:] if value not in (None, "") else ""
        return text.rjust(length, "0")
    return ascii_upper(value)[:length].ljust(length, " ")


def record(record_type: str, values: dict[str, Any]) -> str:
    """One 550-character record from the table (positions are checked to tile the record)."""
    parts, expected = [], 1
    for position, length, kind, field in LAYOUT[record_type]:
        if position != expected:
            raise ValueError(f"layout {record_type}: zone {field} at {position}, expected {expected}")
        value = record_type if field == "record_type" else values.get(field)
        parts.append(zone(value, length, kind))
        expected = position + length
    line = "".join(parts)
    if len(line) != RECORD_LENGTH:
        raise ValueError(f"record {record_type} is {len(line)} characters")
    return line


def read_zone(line: str, record_type: str, field: str) -> str:
    """The text of one zone of a record (for tests and checks)."""
    for position, length, _, name in LAYOUT[record_type]:
        if name == field:
            return line[position - 1:position - 1 + length]
    raise KeyError(field)


# ------------------------------------------------------------ address rules


def street_number(raw: Any, index: Any = None) -> tuple[str, str]:
    """"25 bis" → ("0025", "B"); the index field, when given, wins."""
    number, found = "", ""
    match = _NUMBER.match(str(raw or ""))
    if match:
        number, found = match.group(1).zfill(4), _INDEXES.get(match.group(2).upper(), "")
    if index:
        found = _INDEXES.get(ascii_upper(index).strip(), found)
    return number, found


def street_zone(street_type: Any, street_name: Any, length: int = 26) -> str:
    """Street-type code padded to 4, then the name; too long → cut from the left, keeping the last word.

    The cut falls between words ("CHEMIN DU GRAND CHENE SAINT-NICOLAS" → "CHE CHENE SAINT-NICOLAS"),
    never inside one; a type written in the name when none is given ("Chemin du …") becomes
    the code, so the name keeps its room. Only a last word longer than the zone is cut, after
    its hyphenated parts ("SAINT-…-SUR-MEURTHE" keeps as many of its last parts as fit).
    """
    kind = ascii_upper(street_type).strip()
    name = " ".join(ascii_upper(street_name).split())
    if not kind:
        kind, name = _type_in_name(name)
    code = STREET_TYPES.get(kind, kind[:4]).ljust(4)
    return code + _keep_last_words(name, length - 4)


def _type_in_name(name: str) -> tuple[str, str]:
    """("", "CHEMIN DU GRAND CHENE") → ("CHEMIN", "DU GRAND CHENE"); a lone word stays the name."""
    words = name.split(" ")
    for size in (2, 1):  # "GRANDE RUE", "ROND POINT" before "RUE"
        head = " ".join(words[:size])
        if len(words) > size and head in STREET_TYPES:
            return head, " ".join(words[size:])
    return "", name


def _keep_last_words(name: str, room: int) -> str:
    if len(name) <= room:
        return name
    words = name.split(" ")
    while len(words) > 1 and len(" ".join(words)) > room:
        words.pop(0)
    if len(words) > 1 or len(words[0]) <= room:
        return " ".join(words)
    parts = words[0].split("-")  # one word longer than the zone: its last hyphenated parts
    while len(parts) > 1 and len("-".join(parts)) > room:
        parts.pop(0)
    return "-".join(parts)[:room]


def postcode(raw: Any) -> str | None:
    """Five digits; a département alone (``54``) → ``54000``; None when malformed."""
    text = str(raw or "").strip().replace(" ", "")
    if re.fullmatch(r"\d{5}", text):
        return text
    if re.fullmatch(r"\d{2}|2[AB]", text, flags=re.IGNORECASE):
        return (text.upper().replace("2A", "20").replace("2B", "20")) + "000"
    return None


def euros(amount: Decimal) -> int:
    """Whole euros, rounded half-up."""
    return int(amount.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


# ------------------------------------------------------------ content


@dataclass(frozen=True)
class Seller:
    id: str
    fields: dict[str, Any]
    total: Decimal


def seller_totals(purchases: Iterable[tuple[str, Decimal]]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for seller_id, price in purchases:
        totals[seller_id] = totals.get(seller_id, Decimal("0")) + price
    return totals


def declared(sellers: Iterable[Seller]) -> list[Seller]:
    """The sellers the file declares: rounded yearly total of at least 1 euro."""
    return [s for s in sellers if euros(s.total) >= 1]


def seller_problems(fields: dict[str, Any]) -> list[str]:
    """French reasons that would make the DGFiP reject this seller's record."""
    problems = []
    if fields.get("company_name"):
        if len(digits(fields.get("siret"))) != 14:
            problems.append("SIRET (14 chiffres) manquant pour une société")
    else:
        if not fields.get("last_name") and not fields.get("birth_name"):
            problems.append("nom manquant")
        if not fields.get("first_names"):
            problems.append("prénoms manquants")
    if not fields.get("street_name"):
        problems.append("adresse (voie) manquante")
    if not fields.get("city"):
        problems.append("commune manquante")
    if postcode(fields.get("postcode")) is None:
        problems.append("code postal mal formé")
    elif fields.get("city") and (problem := commune(fields).problem):
        problems.append(problem)  # never a file with 00000 for the commune
    return problems


def commune(fields: dict[str, Any]) -> communes.Lookup:
    """The INSEE code of the address's commune (postcode + name), or why it cannot be found."""
    raw = str(fields.get("postcode") or "").strip().replace(" ", "")
    code = postcode(raw)
    if code is None:
        return communes.Lookup(None, "code postal mal formé")
    if len(raw) == 2:  # a département alone
        return communes.lookup_in_department(raw, fields.get("city"))
    return communes.lookup(code, fields.get("city"))


def _company_insee(company: dict[str, Any]) -> str | None:
    return ascii_upper(company.get("city_insee")).strip() or commune(company).insee


def company_problems(company: dict[str, Any]) -> list[str]:
    problems = []
    if len(digits(company.get("siret"))) != 14:
        problems.append("SIRET de l'entreprise (14 chiffres) manquant")
    if len(digits(company.get("siren") or digits(company.get("siret"))[:9])) != 9:
        problems.append("SIREN de l'entreprise manquant")
    if postcode(company.get("postcode")) is None:
        problems.append("code postal de l'entreprise mal formé")
    if not company.get("city"):
        problems.append("commune de l'entreprise manquante")
    elif postcode(company.get("postcode")) is not None and not _company_insee(company):
        problems.append(f"entreprise : {commune(company).problem}")
    return problems


def company_siren(company: dict[str, Any]) -> str:
    return (digits(company.get("siren")) or digits(company.get("siret"))[:9])[:9]


def _address(fields: dict[str, Any]) -> dict[str, Any]:
    number, index = street_number(fields.get("street_number"), fields.get("street_index"))
    return {
        "address_complement": fields.get("address_complement"), "street_number": number, "street_index": index,
        "street": street_zone(fields.get("street_type"), fields.get("street_name")),
        "city": fields.get("city"), "postcode": postcode(fields.get("postcode")) or "",
        "office": fields.get("city"),
    }


def _birth(value: Any) -> tuple[str, str, str]:
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", str(value or ""))
    return (match.group(3), match.group(2), match.group(1)) if match else ("", "", "")


def _title(value: Any) -> str:
    text = ascii_upper(value).strip().rstrip(".")
    if text in ("M", "MR", "MONSIEUR"):
        return "M"
    if text in ("MME", "MADAME", "MLLE", "MADEMOISELLE"):
        return "MME"
    return ""


def build_file(year: int, company: dict[str, Any], sellers: list[Seller], issued: str,
               corrective: bool = False) -> str:
    """The whole file: E, one Q per declared seller (sorted by name), T; ``issued`` is ``AAAAMMJJ``."""
    common = {"year": year, "declarant_siret": company.get("siret"), "declaration_type": 2 if corrective else 1}
    lines = [record("E", {**common, **_address(company), "name": company.get("company_name"),
                          "city_insee": _company_insee(company), "ape_code": company.get("ape_code"),
                          "structure": company.get("structure_type") or "58", "issue_date": issued})]
    kept = sorted(declared(sellers), key=lambda s: (ascii_upper(s.fields.get("company_name")
                                                                 or s.fields.get("last_name")), s.id))
    for seller in kept:
        f = seller.fields
        day, month, year_ = _birth(f.get("birth_date"))
        is_company = bool(f.get("company_name"))
        person = {} if is_company else f  # a legal person is declared by SIRET and name only
        lines.append(record("Q", {
            **common, **_address(f),
            "siret": digits(f.get("siret")) if is_company else "",
            "company_name": f.get("company_name") if is_company else "",
            "birth_day": day if person else "", "birth_month": month if person else "",
            "birth_year": year_ if person else "", "birth_department": person.get("birth_department"),
            "birth_insee": digits(person.get("birth_insee"))[-3:], "birth_city": person.get("birth_city"),
            "title": _title(person.get("title")), "birth_name": person.get("birth_name") or person.get("last_name"),
            "first_names": person.get("first_names"),
            "usual_name": person.get("last_name") if person.get("birth_name") else "",
            "city_insee": commune(f).insee, "amount": euros(seller.total),
        }))
    lines.append(record("T", {**common, "count": len(kept), "contact_name": company.get("contact_name"),
                              "phone": company.get("phone"), "email": company.get("email"),
                              "siren": company_siren(company)}))
    return "".join(line + "\n" for line in lines)


def file_name(year: int, siren: str, order: int, stamp: str) -> str:
    """``DMET_<N>_<SIREN 9>_<order 3 digits>_<YYYYMMDDHHMMSS>.txt``."""
    return f"DMET_{year}_{siren}_{order:03d}_{stamp}.txt"
