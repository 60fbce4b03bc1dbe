"""User profiles and what each may do (DOMAIN.md, "Tenants, users, profiles")."""

from __future__ import annotations

from enum import StrEnum


class Profile(StrEnum):
    MANAGER = "manager"
    COLLABORATOR = "collaborator"
    SHOP = "shop"


# Who may do what. Routes name a permission, never a list of profiles.
_PERMISSIONS: dict[str, frozenset[Profile]] = {
    # User accounts: the manager only.
    "manage_users": frozenset({Profile.MANAGER}),
    # Company settings and families: the back office.
    "edit_settings": frozenset({Profile.MANAGER, Profile.COLLABORATOR}),
    "edit_families": frozenset({Profile.MANAGER, Profile.COLLABORATOR}),
    # The shop's purchase desk and till create and fix parties on the fly...
    "edit_parties": frozenset(Profile),
    # ...but deleting one is back-office work.
    "delete_parties": frozenset({Profile.MANAGER, Profile.COLLABORATOR}),
    # The purchase desk: drafts and their commit.
    "enter_lots": frozenset(Profile),
    # Corrections and retractions of committed lots: the back office.
    "correct_lots": frozenset({Profile.MANAGER, Profile.COLLABORATOR}),
    # Purchase prices, margins, price codes.
    "see_purchase_data": frozenset({Profile.MANAGER, Profile.COLLABORATOR}),
    # CSV exports of the lists and the reports (DOMAIN.md: the shop has none).
    "export_and_report": frozenset({Profile.MANAGER, Profile.COLLABORATOR}),
}


def may(profile: Profile, permission: str) -> bool:
    return profile in _PERMISSIONS[permission]


def permissions() -> tuple[str, ...]:
    return tuple(_PERMISSIONS)
