"""User profiles and what each may do (DOMAIN.md, "Tenants, users, profiles"): the one table.

- ``_PERMISSIONS``: who holds each permission. Bulk actions are permissions too
  (``action:sell``), so the till's actions are named here like everything else.
- ``ROUTES``: the permission every route of the API needs, checked before its view
  runs (chalicelib/api/routing.py). A route with no decision here is refused to
  everyone, and tests/reliability/test_profiles.py fails until it has one.
- What a profile is *shown* of the data it may read (purchase prices, margins, price
  codes) follows ``see_purchase_data`` (chalicelib/domain/visibility.py).
- ``GET /api/me`` hands a user the permissions of their profile: the site builds its
  menus from them.

Services ask the same table (``Principal.require``); none compares profiles itself.

DOMAIN.md: ``manager`` everything, including user accounts; ``collaborator`` everything
but user accounts; ``shop`` the till and the purchase desk: scan, select, sell, print
receipts, invoices and labels, enter and commit lots; no other bulk action, no reports,
exports or settings, and never the purchase prices, margins or price codes of existing
articles and lots.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum


class Profile(StrEnum):
    MANAGER = "manager"
    COLLABORATOR = "collaborator"
    SHOP = "shop"
    # A control agent's read-only session, opened by a manager's grant (never a user account):
    # the legal records and the inspection report, nothing else (``INSPECTOR_ROUTES``).
    INSPECTOR = "inspector"


# The company's own staff: the profiles a user account may have.
STAFF = (Profile.MANAGER, Profile.COLLABORATOR, Profile.SHOP)
EVERYONE = frozenset(STAFF)
BACK_OFFICE = frozenset({Profile.MANAGER, Profile.COLLABORATOR})
MANAGER_ONLY = frozenset({Profile.MANAGER})

# The bulk actions of DOMAIN.md "Article lifecycle" and who may run each.
ACTIONS: dict[str, frozenset[Profile]] = {
    # The till: sell, print labels.
    "sell": EVERYONE,
    "labels": EVERYONE,
    # "No other bulk action" for the shop.
    "deposit": BACK_OFFICE,
    "deposit_update": BACK_OFFICE,
    "deposit_list": BACK_OFFICE,
    "deposit_return": BACK_OFFICE,
    "customer_return": BACK_OFFICE,
    "reserve_price": BACK_OFFICE,  # a consigned article's reserve price is what its owner gets: a cost
    "return_to_owner": BACK_OFFICE,
    "buy_consigned": BACK_OFFICE,
    "declare_lost": BACK_OFFICE,
    "melt_deposit": BACK_OFFICE,
    "melt_return": BACK_OFFICE,
    "melt_sell": BACK_OFFICE,
}

# Who may do what. Routes and services name a permission, never a list of profiles.
_PERMISSIONS: dict[str, frozenset[Profile]] = {
    # Signed in: one's own account and the company card (without its price-code cipher).
    "sign_in": EVERYONE,
    # Who one is and what one may do (GET /api/me): an inspector's session too.
    "see_own_session": EVERYONE,
    # User accounts: the manager only.
    "manage_users": MANAGER_ONLY,
    # Inspector accesses (grant, list, revoke): the manager, who answers for the register.
    "manage_inspectors": MANAGER_ONLY,
    # Training mode (mode formation) of one's own account: the till's training, every profile.
    "training_mode": EVERYONE,
    # The fictitious receipts of training mode, sealed in their own chain: the back office.
    "read_training_receipts": BACK_OFFICE,
    # Company settings (and the 2093 public key) and families: the back office.
    "edit_settings": BACK_OFFICE,
    "edit_families": BACK_OFFICE,
    # The stock as the till sees it: search, scan, article and lot pages, families, sales.
    # What the shop is shown of them is cut by see_purchase_data.
    "read_inventory": EVERYONE,
    "select": EVERYONE,
    # The purchase desk and the till create and fix parties on the fly...
    "edit_parties": EVERYONE,
    # ...but deleting one is back-office work.
    "delete_parties": BACK_OFFICE,
    # The purchase desk: drafts and their commit.
    "enter_lots": EVERYONE,
    # Corrections and retractions of committed lots: the back office.
    "correct_lots": BACK_OFFICE,
    # Lots received from another subscriber carry that subscriber's sale price as purchase price.
    "receive_transfers": BACK_OFFICE,
    # Purchase prices, reserve prices, margins, price codes; the Σ summaries that add them up.
    "see_purchase_data": BACK_OFFICE,
    # CSV exports of the lists and the reports (DOMAIN.md: the shop has none).
    "export_and_report": BACK_OFFICE,
    # Prints of the till: labels (the shop's carry no price code), receipts, invoices, credit notes.
    "print_labels": EVERYONE,
    "print_sales_documents": EVERYONE,
    # Prints of the back office: purchase contract, lists, summary, deposit list.
    "print_back_office": BACK_OFFICE,
    # The legal records: police register, receipts, closings, inspections, verification.
    "read_register": BACK_OFFICE,
    "verify_register": BACK_OFFICE,
    # The event log (logins, settings, prints, closures...): the manager (and an inspector).
    "read_events": MANAGER_ONLY,
    # Who read the police register, when and why (arrêté of 15 May 2020, art. 3): the manager
    # (and an inspector, INSPECTOR_ROUTES).
    "read_consultations": MANAGER_ONLY,
    # The verification as a job (POST /api/compliance/verify, read back from /api/jobs): the
    # back office; an inspector verifies with GET /api/compliance/verify.
    "verify_in_background": BACK_OFFICE,
    # Inspection reports are appended by the back office (later by an inspector's session).
    "append_inspection": BACK_OFFICE,
    # Media: everyone sees them (supplier and lot media only with see_purchase_data:
    # purchase paperwork); the back office uploads, edits and deletes them.
    "view_media": EVERYONE,
    "manage_media": BACK_OFFICE,
    # Backups, closures, the 2093 declaration, their jobs.
    "year_end": BACK_OFFICE,
    **{f"action:{name}": profiles for name, profiles in ACTIONS.items()},
}

# Routes anyone may call, token or not (their views are declared ``public=True``).
PUBLIC = "public"

# Every route of the API and the permission it needs ("METHOD path" as in the app's route
# table). ``{name}`` in a permission is filled from the path: ``action:{action}``.
ROUTES: dict[str, str] = {
    # accounts
    "GET /api/health": PUBLIC,
    "POST /api/signup": PUBLIC,
    "POST /api/signup/confirm": PUBLIC,
    "POST /api/signup/resend": PUBLIC,
    "POST /api/auth/login": PUBLIC,
    "POST /api/auth/refresh": PUBLIC,
    "GET /api/openapi.json": PUBLIC,
    "GET /api/compliance/verifier": PUBLIC,
    "GET /api/compliance/guide": PUBLIC,
    "GET /api/me": "see_own_session",
    "PUT /api/me/training": "training_mode",
    "GET /api/company": "sign_in",
    "PUT /api/company": "edit_settings",
    "GET /api/users": "manage_users",
    "POST /api/users": "manage_users",
    "GET /api/users/{user_id}": "manage_users",
    "PATCH /api/users/{user_id}": "manage_users",
    "DELETE /api/users/{user_id}": "manage_users",
    # inspector access
    "POST /api/inspector-access": "manage_inspectors",
    "GET /api/inspector-access": "manage_inspectors",
    "DELETE /api/inspector-access/{grant_id}": "manage_inspectors",
    "POST /api/inspector/login": PUBLIC,
    # families and parties
    "GET /api/families": "read_inventory",
    "POST /api/families": "edit_families",
    "GET /api/families/{family_id}": "read_inventory",
    "PUT /api/families/{family_id}": "edit_families",
    "DELETE /api/families/{family_id}": "edit_families",
    "GET /api/families/export.csv": "export_and_report",
    **{f"{method} /api/{plural}{tail}": permission
       for plural in ("suppliers", "clients")
       for method, tail, permission in (
           ("GET", "", "edit_parties"), ("POST", "", "edit_parties"), ("GET", "/{party_id}", "edit_parties"),
           ("PUT", "/{party_id}", "edit_parties"), ("DELETE", "/{party_id}", "delete_parties"),
           ("GET", "/export.csv", "export_and_report"))},
    "GET /api/subscribers/{subscriber_ref}": "edit_parties",
    # the purchase desk
    "GET /api/lots/draft": "enter_lots",
    "PUT /api/lots/draft": "enter_lots",
    "DELETE /api/lots/draft": "enter_lots",
    "POST /api/lots/draft/lines": "enter_lots",
    "PUT /api/lots/draft/lines/{n}": "enter_lots",
    "DELETE /api/lots/draft/lines/{n}": "enter_lots",
    "POST /api/lots/draft/import": "enter_lots",
    "GET /api/lots/draft/template.csv": "enter_lots",
    "POST /api/lots/draft/distribute-by-weight": "enter_lots",
    "POST /api/lots/draft/commit": "enter_lots",
    # lots received from other subscribers
    "GET /api/lots/pending": "receive_transfers",
    "GET /api/lots/pending/{pending_id}": "receive_transfers",
    "POST /api/lots/pending/{pending_id}/finalize": "receive_transfers",
    "DELETE /api/lots/pending/{pending_id}": "receive_transfers",
    # lots and articles
    "GET /api/lots": "read_inventory",
    "GET /api/lots/summary": "see_purchase_data",
    "GET /api/lots/{ref}": "read_inventory",
    "PATCH /api/lots/{ref}": "correct_lots",
    "POST /api/lots/{ref}/retract": "correct_lots",
    "GET /api/articles": "read_inventory",
    "GET /api/articles/summary": "see_purchase_data",
    "GET /api/articles/{ref}": "read_inventory",
    "PATCH /api/articles/{ref}": "correct_lots",
    "GET /api/articles/{ref}/history": "read_inventory",
    # the selection and the bulk actions
    "GET /api/selection": "select",
    "DELETE /api/selection": "select",
    "POST /api/selection/add": "select",
    "POST /api/selection/remove": "select",
    "POST /api/selection/scan": "select",
    "POST /api/actions/{action}": "action:{action}",
    "GET /api/sales/{transaction_ref}": "read_inventory",
    # prints
    "GET /api/lots/{ref}/labels.pdf": "print_labels",
    "GET /api/articles/{ref}/labels.pdf": "print_labels",
    "GET /api/selection/labels.pdf": "print_labels",
    "GET /api/sales/{transaction_ref}/receipt.pdf": "print_sales_documents",
    "GET /api/sales/{transaction_ref}/invoice.pdf": "print_sales_documents",
    "GET /api/sales/{transaction_ref}/credit-note.pdf": "print_sales_documents",
    "GET /api/lots/{ref}/contract.pdf": "print_back_office",
    "GET /api/selection/deposit-list.pdf": "print_back_office",
    "GET /api/lots/list.pdf": "export_and_report",
    "GET /api/articles/list.pdf": "export_and_report",
    "GET /api/articles/summary.pdf": "export_and_report",
    # exports and reports
    "GET /api/articles/export.csv": "export_and_report",
    "GET /api/lots/export.csv": "export_and_report",
    "GET /api/reports/lots-state": "export_and_report",
    "GET /api/reports/purchases-by-supplier": "export_and_report",
    "GET /api/reports/sales-by-client": "export_and_report",
    "GET /api/reports/vat-returns": "export_and_report",
    # the legal records
    "GET /api/lots/{ref}/police-sheet.pdf": "read_register",
    "GET /api/lots/police-sheets.pdf": "read_register",
    "GET /api/lots/{ref}/police-files": "read_register",
    "GET /api/compliance/police-files": "read_register",
    "GET /api/compliance/police-files/{id}": "read_register",
    "GET /api/compliance/receipts": "read_register",
    "GET /api/compliance/receipts/{number}": "read_register",
    "GET /api/compliance/closings": "read_register",
    "GET /api/compliance/closings/{number}": "read_register",
    "GET /api/compliance/inspections": "read_register",
    "POST /api/compliance/inspections": "append_inspection",
    "GET /api/compliance/verify": "verify_register",
    "POST /api/compliance/verify": "verify_in_background",
    "GET /api/compliance/sealing": "verify_register",
    "GET /api/compliance/events": "read_events",
    # fiscal archives: built by the back office (a job), listed and downloaded with the register
    "GET /api/compliance/archives": "read_register",
    "POST /api/compliance/archives": "year_end",
    "GET /api/compliance/archives/{period}": "read_register",
    "GET /api/compliance/training-receipts": "read_training_receipts",
    "GET /api/compliance/consultations": "read_consultations",
    # media
    "GET /api/media/{owner_kind}/{owner_id}": "view_media",
    "POST /api/media/{owner_kind}/{owner_id}": "manage_media",
    "PATCH /api/media/{owner_kind}/{owner_id}/{media_id}": "manage_media",
    "DELETE /api/media/{owner_kind}/{owner_id}/{media_id}": "manage_media",
    # year end
    "GET /api/jobs/{job_id}": "year_end",
    "POST /api/declarations/2093": "year_end",
    "GET /api/declarations/2093/precheck": "year_end",
    "GET /api/declarations/2093/key": "year_end",
    "PUT /api/declarations/2093/key": "edit_settings",
    "DELETE /api/declarations/2093/key": "edit_settings",
    "GET /api/backups": "year_end",
    "POST /api/backups": "year_end",
    "GET /api/backups/{archive_id}": "year_end",
    "DELETE /api/backups/{archive_id}": "year_end",
    "POST /api/closures": "year_end",
}

# What an inspector's session reaches (DOMAIN.md "Inspector access"): the register, receipts,
# closings, event log, consultations, archives, verification, and the inspection reports it
# may append to. The inspector holds exactly the permissions of these routes (so a permission
# shared with a write route would open it: tests/functional/test_inspector_access.py walks
# every route to catch that); routes not yet built are skipped.
INSPECTOR_ROUTES = (
    "GET /api/me",
    "GET /api/compliance/police-files",
    "GET /api/compliance/police-files/{id}",
    "GET /api/lots/{ref}/police-files",
    "GET /api/lots/{ref}/police-sheet.pdf",
    "GET /api/lots/police-sheets.pdf",
    "GET /api/compliance/receipts",
    "GET /api/compliance/receipts/{number}",
    "GET /api/compliance/training-receipts",
    "GET /api/compliance/closings",
    "GET /api/compliance/closings/{number}",
    "GET /api/compliance/events",
    "GET /api/compliance/consultations",
    "GET /api/compliance/archives",
    "GET /api/compliance/archives/{period}",
    "GET /api/compliance/verify",
    "GET /api/compliance/inspections",
    "POST /api/compliance/inspections",
)
for _route in INSPECTOR_ROUTES:
    if _route in ROUTES and ROUTES[_route] != PUBLIC:
        _PERMISSIONS[ROUTES[_route]] = _PERMISSIONS[ROUTES[_route]] | {Profile.INSPECTOR}

_PLACEHOLDER = re.compile(r"{(\w+)}")


def may(profile: Profile, permission: str) -> bool:
    """A permission missing from the table is a bug (KeyError), not a refusal."""
    return profile in _PERMISSIONS[permission]


def known(permission: str) -> bool:
    return permission in _PERMISSIONS


def permissions() -> tuple[str, ...]:
    return tuple(_PERMISSIONS)


def permissions_of(profile: Profile) -> list[str]:
    """What ``GET /api/me`` lists: every permission the profile holds."""
    return [name for name, holders in _PERMISSIONS.items() if profile in holders]


def route_permission(method: str, path: str, uri_params: Mapping[str, str] | None = None) -> str | None:
    """The permission a route needs (``PUBLIC`` for a public route), or None when the
    table has no decision for it. Placeholders are filled from the path's parameters."""
    needed = ROUTES.get(f"{method.upper()} {path}")
    if needed is None:
        return None
    params = uri_params or {}
    return _PLACEHOLDER.sub(lambda m: str(params.get(m.group(1), "")), needed)
