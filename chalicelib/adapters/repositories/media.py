"""Media items and owners' covers (``media`` table), keyed by tenant first."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, fields, replace
from typing import Any

from pynamodb.exceptions import DeleteError, DoesNotExist, PutError

from chalicelib.adapters.aws import ensure_models_bound
from chalicelib.adapters.models import MediaModel
from chalicelib.domain.media import Medium
from chalicelib.errors import ConcurrentChangeError, NotFoundError

NOT_FOUND = "Média introuvable."
_FIELDS = {f.name for f in fields(Medium)}


def _owner(kind: str, owner_id: str) -> str:
    return f"{kind}#{owner_id}"


def _key(kind: str, owner_id: str, media_id: str) -> str:
    return f"{kind}#{owner_id}#{media_id}"


def _medium(item: MediaModel) -> Medium:
    data = {k: v for k, v in (item.data or {}).items() if k in _FIELDS}
    return Medium(**{**data, "revision": int(item.revision or 0)})


def _conditional_failed(exc: Exception) -> bool:
    return getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException"


def list_media(tenant_id: str, kind: str, owner_id: str) -> list[Medium]:
    """Every medium of one owner: one strongly consistent Query (the cover excluded)."""
    ensure_models_bound()
    items = MediaModel.query(tenant_id, MediaModel.key.startswith(_owner(kind, owner_id) + "#"),
                             consistent_read=True)
    return [_medium(i) for i in items]


def get_medium(tenant_id: str, kind: str, owner_id: str, media_id: str) -> Medium:
    ensure_models_bound()
    try:
        return _medium(MediaModel.get(tenant_id, _key(kind, owner_id, media_id), consistent_read=True))
    except DoesNotExist:
        raise NotFoundError(NOT_FOUND) from None


def put_medium(tenant_id: str, medium: Medium, *, create: bool = False) -> Medium:
    """Create (refused if the id exists) or replace the revision read (``medium.revision``):
    a medium changed or deleted since is refused (ConcurrentChangeError / NotFoundError)."""
    ensure_models_bound()
    key = _key(medium.owner_kind, medium.owner_id, medium.id)
    if create:
        condition = MediaModel.key.does_not_exist()
    else:
        condition = MediaModel.key.exists() & (MediaModel.revision == medium.revision)
    saved = replace(medium, revision=0 if create else medium.revision + 1)
    data = {k: v for k, v in asdict(saved).items() if k != "revision"}
    try:
        MediaModel(tenant_id, key, data=data, revision=saved.revision).save(condition=condition)
    except PutError as exc:
        if not _conditional_failed(exc):
            raise
        if create:
            raise ConcurrentChangeError() from None
        get_medium(tenant_id, medium.owner_kind, medium.owner_id, medium.id)  # NotFoundError if gone
        raise ConcurrentChangeError() from None
    return saved


def delete_medium(tenant_id: str, kind: str, owner_id: str, media_id: str) -> None:
    ensure_models_bound()
    try:
        MediaModel(tenant_id, _key(kind, owner_id, media_id)).delete(condition=MediaModel.key.exists())
    except DeleteError as exc:
        if _conditional_failed(exc):
            raise NotFoundError(NOT_FOUND) from None
        raise


# ---------------------------------------------------------------- covers


def put_cover(tenant_id: str, kind: str, owner_id: str, cover: dict[str, Any] | None, stamp: str) -> bool:
    """The owner's default medium as computed at ``stamp``; False when a computation made
    later has already been written (that one is at least as recent)."""
    ensure_models_bound()
    condition = MediaModel.stamp.does_not_exist() | (MediaModel.stamp < stamp)
    try:
        MediaModel(tenant_id, _owner(kind, owner_id), data=cover or {}, stamp=stamp).save(condition=condition)
    except PutError as exc:
        if _conditional_failed(exc):
            return False
        raise
    return True


def delete_cover(tenant_id: str, kind: str, owner_id: str) -> None:
    ensure_models_bound()
    MediaModel(tenant_id, _owner(kind, owner_id)).delete()


def covers(tenant_id: str, kind: str, owner_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The covers of many owners of one kind (BatchGetItem, 100 keys a request)."""
    ensure_models_bound()
    keys = [(tenant_id, _owner(kind, owner_id)) for owner_id in dict.fromkeys(owner_ids)]
    found: dict[str, dict[str, Any]] = {}
    for item in MediaModel.batch_get(keys):
        if item.data:
            found[item.key.split("#", 1)[1]] = dict(item.data)
    return found


def media_of_kind(tenant_id: str, kind: str) -> list[Medium]:
    """Every medium of every owner of one kind (covers left out): one paged Query."""
    ensure_models_bound()
    items = MediaModel.query(tenant_id, MediaModel.key.startswith(f"{kind}#"))
    return [_medium(i) for i in items if i.key.count("#") == 2]
