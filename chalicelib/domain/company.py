"""Company settings rules (DOMAIN.md "Tenants, users, profiles")."""

from __future__ import annotations

import secrets
from typing import Any

# The settings a new tenant starts with; signup fills name and creation year.
DEFAULT_SETTINGS: dict[str, Any] = {
    "company_name": "",
    "legal_form": None,
    "siren": None,
    "siret": None,
    "vat_number": None,
    "rcs": None,
    "ape_code": None,
    "address_complement": None,
    "street_number": None,
    "street_index": None,
    "street_type": None,
    "street_name": None,
    "postcode": None,
    "city": None,
    "city_insee": None,
    "country": "FR",
    "phone": None,
    "email": None,
    "contact_name": None,
    "creation_year": None,
    "invoicing": {"auto": True, "prefix": "F", "year_digits": 4},
    "invoice_legal_comment": None,
    "contract_legal_comment": None,
    "label_options": {"show_price": True, "show_description": True, "show_price_code": False},
    "receipt_options": {"legal_mention": None},
    "strict_police_register": False,
    "price_code_cipher": None,
}

# What the shop may read of these: chalicelib/domain/visibility.py (COMPANY_FIELDS).

_SUBSCRIBER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no I/O/0/1: read aloud


def new_subscriber_ref() -> str:
    """A reference a dealer can read over the phone: ``LB-XXXX-XXXX``."""
    body = "".join(secrets.choice(_SUBSCRIBER_ALPHABET) for _ in range(8))
    return f"LB-{body[:4]}-{body[4:]}"


def initial_settings(company_name: str, creation_year: int) -> dict[str, Any]:
    settings = {k: (dict(v) if isinstance(v, dict) else v) for k, v in DEFAULT_SETTINGS.items()}
    settings["company_name"] = company_name
    settings["creation_year"] = creation_year
    return settings


def merge_settings(current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Apply a partial update; nested option groups merge key by key."""
    merged = dict(current)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


def creation_year_changes(current: dict[str, Any], changes: dict[str, Any]) -> bool:
    return "creation_year" in changes and changes["creation_year"] != current.get("creation_year")
