"""Families and parties (suppliers, clients), and what links articles to them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pynamodb.exceptions import DeleteError, DoesNotExist, PutError

from chalicelib.adapters.aws import ensure_models_bound
from chalicelib.adapters.models import ArticleModel, FamilyModel, PartyModel
from chalicelib.domain.entities import Family, Party
from chalicelib.errors import NotFoundError

PARTY_ID_PREFIX = {"supplier": "sup", "client": "cli"}
_NOT_FOUND = {
    "supplier": "Fournisseur introuvable.",
    "client": "Client introuvable.",
}


def _conditional_failed(exc: Exception) -> bool:
    return getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException"


# ---------------------------------------------------------------- families


def _family(item: FamilyModel) -> Family:
    return Family(id=item.id, label=item.label, metal_2093=bool(item.metal_2093),
                  margin_category=item.margin_category or "second_hand",
                  former_labels=tuple(item.former_labels or ()))


def list_families(tenant_id: str) -> list[Family]:
    ensure_models_bound()
    return [_family(i) for i in FamilyModel.query(tenant_id)]


def get_family(tenant_id: str, family_id: str) -> Family:
    ensure_models_bound()
    try:
        return _family(FamilyModel.get(tenant_id, family_id))
    except DoesNotExist:
        raise NotFoundError("Famille introuvable.") from None


def put_family(tenant_id: str, family: Family, *, create: bool) -> None:
    ensure_models_bound()
    condition = FamilyModel.id.does_not_exist() if create else FamilyModel.id.exists()
    try:
        FamilyModel(
            tenant_id, family.id, label=family.label, metal_2093=int(family.metal_2093),
            margin_category=family.margin_category, former_labels=list(family.former_labels) or None,
        ).save(condition=condition)
    except PutError as exc:
        if _conditional_failed(exc):
            raise NotFoundError("Famille introuvable.") from None
        raise


def delete_family(tenant_id: str, family_id: str) -> None:
    ensure_models_bound()
    try:
        FamilyModel(tenant_id, family_id).delete(condition=FamilyModel.id.exists())
    except DeleteError as exc:
        if _conditional_failed(exc):
            raise NotFoundError("Famille introuvable.") from None
        raise


# ---------------------------------------------------------------- parties


def _party(item: PartyModel) -> Party:
    return Party(id=item.id, kind=item.kind, fields=dict(item.fields or {}))


def list_parties(tenant_id: str, kind: str) -> list[Party]:
    ensure_models_bound()
    prefix = PARTY_ID_PREFIX[kind] + "_"
    return [_party(i) for i in PartyModel.query(tenant_id, PartyModel.id.startswith(prefix))]


def get_party(tenant_id: str, kind: str, party_id: str) -> Party:
    ensure_models_bound()
    if not party_id.startswith(PARTY_ID_PREFIX[kind] + "_"):
        raise NotFoundError(_NOT_FOUND[kind])
    try:
        return _party(PartyModel.get(tenant_id, party_id))
    except DoesNotExist:
        raise NotFoundError(_NOT_FOUND[kind]) from None


def put_party(tenant_id: str, party: Party, *, create: bool) -> None:
    ensure_models_bound()
    condition = PartyModel.id.does_not_exist() if create else PartyModel.id.exists()
    try:
        PartyModel(
            tenant_id,
            party.id,
            kind=party.kind,
            fields=party.fields,
            created_at=datetime.now(UTC),
        ).save(condition=condition)
    except PutError as exc:
        if _conditional_failed(exc):
            raise NotFoundError(_NOT_FOUND[party.kind]) from None
        raise


def delete_party(tenant_id: str, kind: str, party_id: str) -> None:
    ensure_models_bound()
    try:
        PartyModel(tenant_id, party_id).delete(condition=PartyModel.id.exists())
    except DeleteError as exc:
        if _conditional_failed(exc):
            raise NotFoundError(_NOT_FOUND[kind]) from None
        raise


# ---------------------------------------------------------------- links


def _linked(index: Any, key: str) -> bool:
    return any(index.query(key, limit=1))


def party_has_articles(tenant_id: str, kind: str, party_id: str) -> bool:
    ensure_models_bound()
    index = ArticleModel.by_supplier if kind == "supplier" else ArticleModel.by_client
    return _linked(index, f"{tenant_id}#{party_id}")


def family_has_articles(tenant_id: str, family_id: str) -> bool:
    ensure_models_bound()
    return _linked(ArticleModel.by_family, f"{tenant_id}#{family_id}")
