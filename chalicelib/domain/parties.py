"""Suppliers and clients: the identity the police register needs.

Art. R321-3 code pénal: for each seller, names, capacity, address and the ID
document's nature, number, date and issuing authority; for a company, its name,
seat and representative.
"""

from __future__ import annotations

from typing import Any

PARTY_KINDS = ("supplier", "client")

PARTY_FIELDS = (
    "title",
    "last_name",
    "birth_name",
    "first_names",
    "company_name",
    "siret",
    "address_complement",
    "street_number",
    "street_index",
    "street_type",
    "street_name",
    "postcode",
    "city",
    "country",
    "birth_date",
    "birth_city",
    "birth_department",
    "birth_insee",
    "id_document_type",
    "id_document_number",
    "id_document_date",
    "id_document_authority",
    "phone",
    "email",
    "comment",
    "subscriber_ref",
)

_PERSON_REQUIRED = {
    "last_name": "nom",
    "first_names": "prénoms",
    "id_document_type": "nature de la pièce d'identité",
    "id_document_number": "numéro de la pièce d'identité",
    "id_document_date": "date de délivrance de la pièce d'identité",
    "id_document_authority": "autorité de délivrance de la pièce d'identité",
}
_ADDRESS_REQUIRED = {"street_name": "adresse (voie)", "postcode": "code postal", "city": "ville"}
_COMPANY_REQUIRED = {
    "company_name": "raison sociale",
    "last_name": "nom du représentant",
    "first_names": "prénoms du représentant",
}


def missing_police_identity(fields: dict[str, Any]) -> dict[str, str]:
    """Field → French label of what the police register still lacks."""
    required = dict(_ADDRESS_REQUIRED)
    required.update(_COMPANY_REQUIRED if fields.get("company_name") else _PERSON_REQUIRED)
    return {name: label for name, label in required.items() if not fields.get(name)}


def display_name(fields: dict[str, Any]) -> str:
    if fields.get("company_name"):
        return str(fields["company_name"])
    parts = [fields.get("last_name") or "", fields.get("first_names") or ""]
    return " ".join(p for p in parts if p).strip()


# The street types a dealer types as their official abbreviation (FANTOIR / La Poste), as a
# reader expects them on paper: "12 PL du Marché" prints "12 place du Marché".
STREET_TYPE_NAMES = {
    "ALL": "allée", "AV": "avenue", "BD": "boulevard", "CAR": "carrefour", "CHE": "chemin", "CHS": "chaussée",
    "CITE": "cité", "CLOS": "clos", "COR": "corniche", "CRS": "cours", "COUR": "cour", "DOM": "domaine",
    "DSC": "descente", "ECA": "écart", "ESP": "esplanade", "FG": "faubourg", "GR": "grande rue",
    "HAM": "hameau", "HLE": "halle", "IMP": "impasse", "LD": "lieu-dit", "LOT": "lotissement", "MAR": "marché",
    "MTE": "montée", "PAS": "passage", "PL": "place", "PLN": "plaine", "PLT": "plateau", "PRO": "promenade",
    "PRV": "parvis", "QUA": "quartier", "QUAI": "quai", "R": "rue", "RES": "résidence", "RLE": "ruelle",
    "ROC": "rocade", "RPT": "rond-point", "RTE": "route", "SEN": "sentier", "SQ": "square",
    "TPL": "terre-plein", "TRA": "traverse", "VLA": "villa", "VLGE": "village", "VOIE": "voie",
}


def street_type_name(typed: str) -> str:
    """The street type in words for print; what is not a known abbreviation stays as typed."""
    return STREET_TYPE_NAMES.get(typed.strip().upper().rstrip("."), typed)
