"""Pure rules: no network, no AWS."""

from __future__ import annotations

import re

import pytest

from chalicelib.domain import company
from chalicelib.domain.parties import display_name, missing_police_identity
from chalicelib.domain.profiles import Profile, may, permissions
from chalicelib.domain.text import fold


def test_a_private_seller_needs_names_address_and_id_document() -> None:
    missing = missing_police_identity({"last_name": "Durand", "city": "Nancy"})
    assert set(missing) == {"first_names", "id_document_type", "id_document_number", "id_document_date",
                            "id_document_authority", "street_name", "postcode"}
    assert missing["id_document_authority"] == "autorité de délivrance de la pièce d'identité"


def test_a_company_seller_needs_its_name_seat_and_representative() -> None:
    missing = missing_police_identity({"company_name": "Débarras SARL", "street_name": "rue Haute",
                                       "postcode": "54000", "city": "Nancy"})
    assert set(missing) == {"last_name", "first_names"}


def test_a_complete_seller_misses_nothing() -> None:
    assert missing_police_identity({
        "last_name": "Durand", "first_names": "Paul", "street_name": "rue Haute", "postcode": "54000",
        "city": "Nancy", "id_document_type": "CNI", "id_document_number": "1", "id_document_date": "2020-01-01",
        "id_document_authority": "Préfecture",
    }) == {}


def test_display_names_prefer_the_company() -> None:
    assert display_name({"company_name": "Débarras", "last_name": "X"}) == "Débarras"
    assert display_name({"last_name": "Durand", "first_names": "Paul"}) == "Durand Paul"
    assert display_name({}) == ""


def test_subscriber_refs_are_easy_to_read_aloud_and_unique_enough() -> None:
    refs = {company.new_subscriber_ref() for _ in range(2000)}
    assert len(refs) == 2000
    for ref in refs:
        assert re.fullmatch(r"LB-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}", ref)


def test_settings_merge_nested_groups_key_by_key() -> None:
    current = company.initial_settings("Brocante", 2015)
    merged = company.merge_settings(current, {"invoicing": {"prefix": "FA"}, "city": "Nancy"})
    assert merged["invoicing"] == {"auto": True, "prefix": "FA", "year_digits": 4}
    assert merged["city"] == "Nancy"
    assert current["invoicing"]["prefix"] == "F"  # the defaults are not shared state


def test_only_a_different_creation_year_counts_as_a_change() -> None:
    current = company.initial_settings("Brocante", 2015)
    assert not company.creation_year_changes(current, {"creation_year": 2015})
    assert not company.creation_year_changes(current, {"city": "Nancy"})
    assert company.creation_year_changes(current, {"creation_year": 2014})


@pytest.mark.parametrize(
    ("profile", "allowed"),
    [
        (Profile.MANAGER, set(permissions())),
        (Profile.COLLABORATOR, set(permissions()) - {"manage_users", "manage_inspectors", "read_events",
                                                     "read_consultations"}),
        # DOMAIN.md: the till and the purchase desk: scan, select, sell, print receipts,
        # invoices and labels, enter and commit lots; nothing else.
        (Profile.SHOP, {"sign_in", "see_own_session", "read_inventory", "select", "edit_parties", "enter_lots",
                        "print_labels", "print_sales_documents", "view_media", "training_mode", "action:sell",
                        "action:labels"}),
        # DOMAIN.md "Inspector access": the legal records (training mode's fictitious receipts
        # too), the verification, the inspection report.
        (Profile.INSPECTOR, {"see_own_session", "read_register", "read_training_receipts", "read_events",
                             "read_consultations", "verify_register", "append_inspection"}),
    ],
)
def test_profiles_grant_what_domain_md_says(profile: Profile, allowed: set[str]) -> None:
    assert {p for p in permissions() if may(profile, p)} == allowed


def test_search_folding_ignores_accents_and_case() -> None:
    assert fold("Bague en OR Élégante") == "bague en or elegante"
    assert "lefevre" in fold("LEFÈVRE Jean")
