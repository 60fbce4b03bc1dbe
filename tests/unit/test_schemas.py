"""Input validation speaks French, field by field."""

from __future__ import annotations

import pytest

from chalicelib.api.schemas import CompanyBody, PartyBody, SignupBody, load_json, parse
from chalicelib.errors import MalformedJsonError, ValidationError


def test_every_bad_field_is_reported_in_french() -> None:
    with pytest.raises(ValidationError) as caught:
        parse(SignupBody, {"company_name": "", "creation_year": 1800, "email": "x", "extra": 1})
    details = caught.value.details
    assert details == {
        "company_name": "Trop court.",
        "creation_year": "Valeur trop petite.",
        "email": "Format invalide.",
        "password": "Champ obligatoire.",
        "extra": "Champ inconnu.",
    }
    assert caught.value.status == 400


def test_nested_fields_are_named_with_their_path() -> None:
    with pytest.raises(ValidationError) as caught:
        parse(CompanyBody, {"invoicing": {"year_digits": 3}})
    assert list(caught.value.details) == ["invoicing.year_digits"]


def test_a_non_object_body_is_refused() -> None:
    with pytest.raises(ValidationError):
        parse(PartyBody, ["not", "an", "object"])


def test_malformed_json_is_its_own_error() -> None:
    with pytest.raises(MalformedJsonError):
        load_json(b"{oops")
    with pytest.raises(MalformedJsonError):
        load_json(b"\xff\xfe")
    assert load_json(b"") == {}


def test_values_are_normalised() -> None:
    body = parse(SignupBody, {"company_name": "  Brocante  ", "creation_year": 2015,
                              "email": " Gerant@Example.FR ", "password": "12345678"})
    assert body.company_name == "Brocante"
    assert body.email == "gerant@example.fr"
    assert parse(CompanyBody, {"price_code_cipher": "brocanteus"}).price_code_cipher == "BROCANTEUS"


def test_a_price_code_needs_ten_distinct_letters() -> None:
    with pytest.raises(ValidationError) as caught:
        parse(CompanyBody, {"price_code_cipher": "AAAAAAAAAA"})
    assert "10 lettres" in caught.value.details["price_code_cipher"]
