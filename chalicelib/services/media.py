"""Media of suppliers, clients, lots, articles and the company (DOMAIN.md "Media").

A file medium is created ``pending`` with a presigned POST the browser uploads to;
the media bucket then calls the thumbnail function (:func:`process_upload_event`),
which checks the stored object (size, and for an image that Pillow decodes it),
makes the thumbnail and marks the medium ``ready`` — or deletes the object and
marks it ``rejected``. The API never carries the bytes.

Each owner keeps a cover (its default medium) beside its media, rewritten after
every change, so a list shows thumbnails with one read per page.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote_plus

from chalicelib.adapters import media_store as store
from chalicelib.adapters.repositories import media as repo
from chalicelib.adapters.repositories._common import new_id
from chalicelib.auth import Principal
from chalicelib.domain import media as rules
from chalicelib.domain.media import Medium, Refusal
from chalicelib.errors import (
    ConcurrentChangeError,
    MediaLimitError,
    MediaTooLargeError,
    MediaTypeError,
    NotFoundError,
    ValidationError,
)
from chalicelib.observability import logger

ATTEMPTS = 5  # optimistic writes retried on a concurrent change
LOGO_ORIGINAL_BYTES = 1024 * 1024  # a logo this small prints from its original, else its thumbnail


# ---------------------------------------------------------------- owners and rights


def _owner(who: Principal, kind: str, owner_id: str, *, write: bool) -> str:
    """The owner's id as stored, once the caller may see (or change) it and it exists in
    the caller's tenant; 404 for an unknown kind or owner, 403 for a profile not allowed."""
    owner_id = (owner_id or "").strip()
    if kind in ("lot", "article"):
        owner_id = owner_id.upper()
    if not rules.valid_owner(kind, owner_id):
        raise NotFoundError("Fiche introuvable : rien à quoi rattacher ce média.")
    read = rules.READ_PERMISSION[kind]
    if read:
        who.require(read)
    if write:
        who.require(rules.WRITE_PERMISSION[kind])
    _check_exists(who.tenant_id, kind, owner_id)
    return owner_id


def _check_exists(tenant_id: str, kind: str, owner_id: str) -> None:
    if kind in ("supplier", "client"):
        from chalicelib.adapters.repositories import catalog

        catalog.get_party(tenant_id, kind, owner_id)
    elif kind == "lot":
        from chalicelib.adapters.repositories import lots

        lots.get_lot(tenant_id, owner_id)
    elif kind == "article":
        from chalicelib.adapters.repositories import articles

        articles.get_article(tenant_id, owner_id)
    # the company: the caller's own tenant, from the token


# ---------------------------------------------------------------- views


def _view(medium: Medium, default_id: str | None) -> dict[str, Any]:
    url = thumbnail_url = None
    if medium.type == "external_video":
        url = medium.url
    elif medium.status == "ready" and medium.object_key:
        url = store.link(medium.object_key, medium.content_type, medium.filename)
        if medium.thumbnail_key:
            thumbnail_url = store.link(medium.thumbnail_key, "image/jpeg")
    return {
        "id": medium.id,
        "owner_kind": medium.owner_kind,
        "owner_id": medium.owner_id,
        "type": medium.type,
        "title": medium.title,
        "active": medium.active,
        "default": medium.id == default_id,
        "marked_default": medium.marked_default,
        "weight": medium.weight,
        "status": medium.status,
        "rejection": medium.rejection,
        "filename": medium.filename,
        "content_type": medium.content_type,
        "size": medium.size,
        "url": url,
        "thumbnail_url": thumbnail_url,
        "created_at": medium.created_at,
    }


def _views(media: list[Medium]) -> list[dict[str, Any]]:
    chosen = rules.default_medium(media)
    default_id = chosen.id if chosen else None
    return [_view(m, default_id) for m in rules.display_order(media)]


# ---------------------------------------------------------------- covers


def _stamp() -> str:
    return f"{time.time_ns():020d}"


def _cover(media: list[Medium]) -> dict[str, Any] | None:
    """The owner's default medium, and the thumbnail lists show: the default's, or else
    the default image's (a document marked as default has no thumbnail)."""
    medium = rules.default_medium(media)
    if medium is None:
        return None
    pictured = medium if medium.thumbnail_key else rules.default_medium([m for m in media if m.thumbnail_key])
    return {"media_id": medium.id, "type": medium.type, "title": medium.title, "object_key": medium.object_key,
            "content_type": medium.content_type, "filename": medium.filename, "url": medium.url,
            "thumbnail_key": pictured.thumbnail_key if pictured else None}


def refresh_cover(tenant_id: str, kind: str, owner_id: str) -> None:
    """Write the owner's default medium as it is now (a later computation wins)."""
    stamp = _stamp()  # taken before reading: whatever this read misses is stamped later
    repo.put_cover(tenant_id, kind, owner_id, _cover(repo.list_media(tenant_id, kind, owner_id)), stamp)


def with_thumbnails(who: Principal, kind: str, items: list[dict[str, Any]], id_field: str) -> list[dict[str, Any]]:
    """Add ``thumbnail_url`` (the owner's default image, or None) to each listed item."""
    read = rules.READ_PERMISSION.get(kind)
    if not items or (read and not who.may(read)):
        return items
    found = repo.covers(who.tenant_id, kind, [str(i[id_field]) for i in items if i.get(id_field)])
    for item in items:
        cover = found.get(str(item.get(id_field)))
        key = cover.get("thumbnail_key") if cover else None
        item["thumbnail_url"] = store.link(key, "image/jpeg") if key else None
    return items


# ---------------------------------------------------------------- use cases


def list_media(who: Principal, kind: str, owner_id: str) -> list[dict[str, Any]]:
    owner_id = _owner(who, kind, owner_id, write=False)
    return _views(repo.list_media(who.tenant_id, kind, owner_id))


def _refuse(refusal: Refusal) -> None:
    error = MediaTooLargeError if refusal.code == "media_too_large" else MediaTypeError
    raise error(refusal.message, details={refusal.field: refusal.message})


def create(who: Principal, kind: str, owner_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """A new medium: an external video is ready at once; a file waits for its upload,
    whose presigned POST is returned (``upload``)."""
    owner_id = _owner(who, kind, owner_id, write=True)
    media_type = body["type"]
    existing = repo.list_media(who.tenant_id, kind, owner_id)
    if len(existing) >= rules.MAX_MEDIA_PER_OWNER:
        raise MediaLimitError()
    media_id = new_id("med")
    common = {"id": media_id, "owner_kind": kind, "owner_id": owner_id, "type": media_type,
              "title": body.get("title") or None, "active": body.get("active", True),
              "marked_default": bool(body.get("default")), "weight": body.get("weight") or 0,
              "created_at": datetime.now(UTC).isoformat(timespec="microseconds"), "created_by": who.user_id}
    upload = None
    if media_type == "external_video":
        problem = rules.external_url_problem(body.get("url"))
        if problem:
            raise ValidationError(details={"url": problem})
        medium = Medium(**common, status="ready", url=body["url"])
    else:
        missing = {name: "Champ obligatoire." for name in ("filename", "content_type") if not body.get(name)}
        if body.get("url"):
            missing["url"] = "Une adresse ne se donne que pour une vidéo externe."
        if missing:
            raise ValidationError(details=missing)
        accepted = rules.check_file(media_type, body["filename"], body["content_type"], body.get("size"))
        if isinstance(accepted, Refusal):
            _refuse(accepted)
            raise AssertionError("unreachable")
        key = rules.original_key(who.tenant_id, kind, owner_id, media_id, accepted.extension)
        medium = Medium(**common, status="pending", filename=body["filename"], content_type=accepted.content_type,
                        object_key=key)
        upload = {**store.presigned_upload(key, accepted.content_type, accepted.max_bytes, rules.UPLOAD_SECONDS),
                  "max_bytes": accepted.max_bytes, "expires_in": rules.UPLOAD_SECONDS}
    medium = repo.put_medium(who.tenant_id, medium, create=True)
    if medium.marked_default:
        _unmark_others(who.tenant_id, medium)
    refresh_cover(who.tenant_id, kind, owner_id)
    media = repo.list_media(who.tenant_id, kind, owner_id)
    shown = next(v for v in _views(media) if v["id"] == media_id)
    return {"id": media_id, "upload": upload, "medium": shown}


def _modify(tenant_id: str, kind: str, owner_id: str, media_id: str,
            change: Callable[[Medium], Medium]) -> Medium:
    """Read, change, write the revision read; again if someone wrote in between."""
    for _ in range(ATTEMPTS):
        current = repo.get_medium(tenant_id, kind, owner_id, media_id)
        try:
            return repo.put_medium(tenant_id, change(current))
        except ConcurrentChangeError:
            continue
    raise ConcurrentChangeError()


def _unmark_others(tenant_id: str, chosen: Medium) -> None:
    """One medium only is marked as the default."""
    for other in repo.list_media(tenant_id, chosen.owner_kind, chosen.owner_id):
        if other.id != chosen.id and other.marked_default:
            try:
                _modify(tenant_id, other.owner_kind, other.owner_id, other.id,
                        lambda m: replace(m, marked_default=False))
            except NotFoundError:
                pass  # deleted meanwhile


def update(who: Principal, kind: str, owner_id: str, media_id: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Title, active, default, weight (and an external video's address)."""
    owner_id = _owner(who, kind, owner_id, write=True)
    current = repo.get_medium(who.tenant_id, kind, owner_id, media_id)
    if "url" in changes:
        if current.type != "external_video":
            raise ValidationError(details={"url": "Seule une vidéo externe a une adresse à modifier."})
        problem = rules.external_url_problem(changes["url"])
        if problem:
            raise ValidationError(details={"url": problem})
    fields: dict[str, Any] = {}
    if "title" in changes:
        fields["title"] = changes["title"] or None
    for name in ("active", "weight", "url"):
        if name in changes and changes[name] is not None:
            fields[name] = changes[name]
    if changes.get("default") is not None:
        fields["marked_default"] = bool(changes["default"])
    medium = _modify(who.tenant_id, kind, owner_id, media_id, lambda m: replace(m, **fields))
    if fields.get("marked_default"):
        _unmark_others(who.tenant_id, medium)
    refresh_cover(who.tenant_id, kind, owner_id)
    return next(v for v in _views(repo.list_media(who.tenant_id, kind, owner_id)) if v["id"] == media_id)


def delete(who: Principal, kind: str, owner_id: str, media_id: str) -> None:
    """The medium, its original and its thumbnail."""
    owner_id = _owner(who, kind, owner_id, write=True)
    medium = repo.get_medium(who.tenant_id, kind, owner_id, media_id)
    _delete_objects(who.tenant_id, medium)
    repo.delete_medium(who.tenant_id, kind, owner_id, media_id)
    refresh_cover(who.tenant_id, kind, owner_id)


def _delete_objects(tenant_id: str, medium: Medium) -> None:
    if medium.type != "external_video":
        store.delete(medium.object_key, rules.thumbnail_key(tenant_id, medium.owner_kind, medium.owner_id, medium.id))


def delete_owner_media(tenant_id: str, kind: str, owner_id: str) -> int:
    """Everything attached to an owner being deleted (a supplier or client): objects, items, cover."""
    media = repo.list_media(tenant_id, kind, owner_id)
    for medium in media:
        _delete_objects(tenant_id, medium)
        try:
            repo.delete_medium(tenant_id, kind, owner_id, medium.id)
        except NotFoundError:
            pass
    repo.delete_cover(tenant_id, kind, owner_id)
    return len(media)


def delete_media_of(tenant_id: str, kind: str, owner_ids: set[str]) -> int:
    """The media of many owners of one kind being deleted together (a closure's articles
    and lots): one Query over that kind's media, then each owner's as above."""
    owners = {m.owner_id for m in repo.media_of_kind(tenant_id, kind) if m.owner_id in owner_ids}
    return sum(delete_owner_media(tenant_id, kind, owner_id) for owner_id in sorted(owners))


def company_logo(tenant_id: str) -> bytes | None:
    """The company's default active image (DOMAIN.md: the logo of printed headers): its
    original when small, else its thumbnail; None without one."""
    images = [m for m in repo.list_media(tenant_id, "company", rules.COMPANY_OWNER_ID) if m.type == "image"]
    logo = rules.default_medium(images)
    if logo is None:
        return None
    small = logo.size is not None and logo.size <= LOGO_ORIGINAL_BYTES
    key = logo.object_key if small or not logo.thumbnail_key else logo.thumbnail_key
    return store.read(key) if key else None



# ---------------------------------------------------------------- uploads (thumbnail function)

UNREADABLE = "Image illisible : le fichier n'est pas une image {fmt} valide."


def process_upload_event(event: dict[str, Any]) -> dict[str, list[str]]:
    """The media bucket's ObjectCreated notifications (originals/ only): check each
    stored object, make its thumbnail, mark its medium ready — or remove it and mark
    the medium rejected. Safe to run twice on one object."""
    done: dict[str, list[str]] = {"ready": [], "rejected": [], "ignored": []}
    for record in event.get("Records") or []:
        s3 = record.get("s3") or {}
        key = unquote_plus(str((s3.get("object") or {}).get("key") or ""))
        if (s3.get("bucket") or {}).get("name") != store.bucket():
            done["ignored"].append(key)
            continue
        outcome = _process(key)
        done[outcome].append(key)
    return done


def _process(key: str) -> str:
    parsed = rules.parse_original_key(key)
    if parsed is None:
        logger.warning("media: unexpected key", extra={"key": key})
        return "ignored"
    tenant_id, kind, owner_id, media_id = parsed.tenant_id, parsed.kind, parsed.owner_id, parsed.media_id
    thumb_key = rules.thumbnail_key(tenant_id, kind, owner_id, media_id)
    try:
        medium = repo.get_medium(tenant_id, kind, owner_id, media_id)
    except NotFoundError:
        store.delete(key, thumb_key)  # its medium was deleted (or never existed): keep nothing
        return "ignored"
    if medium.object_key != key:
        store.delete(key)
        return "ignored"
    size = store.size(key)
    if size is None:
        return "ignored"  # deleted since the notification was sent
    problem = rules.stored_size_problem(medium.type, size)
    made_thumbnail = None
    if problem is None and medium.type == "image":
        expected = rules.IMAGE_FORMATS[rules.extension_of(key)]
        data = store.read(key)
        from chalicelib.adapters.images import UnreadableImageError, thumbnail

        try:
            made = thumbnail(data or b"", expected)
            store.put(thumb_key, made.content, "image/jpeg")
            made_thumbnail = thumb_key
        except UnreadableImageError as exc:
            logger.info("media: image refused", extra={"key": key, "reason": str(exc)})
            problem = UNREADABLE.format(fmt=expected)
    if problem is not None:
        store.delete(key, thumb_key)
        change: Callable[[Medium], Medium] = lambda m: replace(  # noqa: E731
            m, status="rejected", rejection=problem, size=size, thumbnail_key=None)
    else:
        change = lambda m: replace(  # noqa: E731
            m, status="ready", rejection=None, size=size, thumbnail_key=made_thumbnail)
    try:
        _modify(tenant_id, kind, owner_id, media_id, change)
    except NotFoundError:
        store.delete(key, thumb_key)  # deleted while we worked
        return "ignored"
    refresh_cover(tenant_id, kind, owner_id)
    return "rejected" if problem else "ready"
