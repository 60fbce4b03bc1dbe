"""Families of articles, suppliers and clients."""

from __future__ import annotations

from typing import Any

from chalicelib.adapters.repositories import catalog as repo
from chalicelib.adapters.repositories._common import new_id
from chalicelib.auth import Principal
from chalicelib.domain import audit as audit_domain
from chalicelib.domain.entities import Family, Party
from chalicelib.domain.parties import PARTY_FIELDS, display_name, missing_police_identity
from chalicelib.domain.text import fold
from chalicelib.errors import FamilyInUseError, PartyInUseError


def _matches(query: str | None, *texts: Any) -> bool:
    if not query:
        return True
    haystack = fold(" ".join(str(t) for t in texts if t))
    return all(word in haystack for word in fold(query).split())


# ---------------------------------------------------------------- families


def list_families(who: Principal, query: str | None = None) -> list[Family]:
    families = [f for f in repo.list_families(who.tenant_id) if _matches(query, f.label)]
    return sorted(families, key=lambda f: fold(f.label))


def get_family(who: Principal, family_id: str) -> Family:
    return repo.get_family(who.tenant_id, family_id)


def create_family(who: Principal, label: str, metal_2093: bool, margin_category: str = "second_hand") -> Family:
    who.require("edit_families")
    family = Family(new_id("fam"), label, metal_2093, margin_category)
    repo.put_family(who.tenant_id, family, create=True)
    return family


def update_family(who: Principal, family_id: str, label: str, metal_2093: bool,
                  margin_category: str | None = None) -> Family:
    """``margin_category`` None keeps the family's own (a client that does not send it)."""
    who.require("edit_families")
    current = repo.get_family(who.tenant_id, family_id)
    # A rename keeps the old label: the police-register versions sealed before it still name it.
    former = current.former_labels + ((current.label,) if current.label != label else ())
    family = Family(family_id, label, metal_2093, margin_category or current.margin_category,
                    tuple(dict.fromkeys(former)))
    repo.put_family(who.tenant_id, family, create=False)
    # Whether a family's goods go on the 2093 and under which margin scheme are settings
    # of the legal data: their changes are in the event log.
    changed = audit_domain.changes({"metal_2093": current.metal_2093, "margin_category": current.margin_category},
                                   {"metal_2093": family.metal_2093, "margin_category": family.margin_category})
    if changed:
        from chalicelib.services import audit

        audit.record_event(who.tenant_id, "settings_changed", user=who.email,
                           details={"scope": "family", "family_id": family_id, "label": label,
                                    "changes": changed})
    return family


def delete_family(who: Principal, family_id: str) -> None:
    who.require("edit_families")
    repo.get_family(who.tenant_id, family_id)
    if repo.family_has_articles(who.tenant_id, family_id):
        raise FamilyInUseError()
    repo.delete_family(who.tenant_id, family_id)


# ---------------------------------------------------------------- parties


def party_view(party: Party) -> dict[str, Any]:
    view = {name: party.fields.get(name) for name in PARTY_FIELDS}
    view["id"] = party.id
    view["display_name"] = display_name(party.fields)
    view["police_register_missing"] = missing_police_identity(party.fields)
    return view


def list_parties(who: Principal, kind: str, query: str | None = None) -> list[Party]:
    parties = [
        p
        for p in repo.list_parties(who.tenant_id, kind)
        if _matches(
            query,
            display_name(p.fields),
            p.fields.get("birth_name"),
            p.fields.get("city"),
            p.fields.get("email"),
            p.fields.get("phone"),
            p.fields.get("siret"),
        )
    ]
    return sorted(parties, key=lambda p: fold(display_name(p.fields)))


def get_party(who: Principal, kind: str, party_id: str) -> Party:
    return repo.get_party(who.tenant_id, kind, party_id)


def create_party(who: Principal, kind: str, fields: dict[str, Any]) -> Party:
    who.require("edit_parties")
    party = Party(new_id(repo.PARTY_ID_PREFIX[kind]), kind, fields)
    repo.put_party(who.tenant_id, party, create=True)
    return party


def replace_party(who: Principal, kind: str, party_id: str, fields: dict[str, Any]) -> Party:
    """PUT semantics: the body is the whole party; fields left out become empty."""
    who.require("edit_parties")
    repo.get_party(who.tenant_id, kind, party_id)
    party = Party(party_id, kind, fields)
    repo.put_party(who.tenant_id, party, create=False)
    return party


def delete_party(who: Principal, kind: str, party_id: str) -> None:
    who.require("delete_parties")
    repo.get_party(who.tenant_id, kind, party_id)
    if repo.party_has_articles(who.tenant_id, kind, party_id):
        raise PartyInUseError()
    repo.delete_party(who.tenant_id, kind, party_id)
    from chalicelib.services import media  # loaded with its first use, not at cold start

    media.delete_owner_media(who.tenant_id, kind, party_id)  # its photos and documents go with it
