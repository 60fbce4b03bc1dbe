"""Media: presigned uploads, the list of an owner's media, their attributes, deletion.

Owner kinds: ``supplier`` and ``client`` (by id), ``lot`` and ``article`` (by ref),
``company`` (owner id ``company``: the caller's own company, from the token).
"""

from __future__ import annotations

from typing import Any

from chalice import Response

from chalicelib.api.common import created, json_body, lazy_service, no_content
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.schemas import MediaBody, MediaPatchBody, changed_fields, parse
from chalicelib.auth import principal

media = lazy_service("media")

bp = ApiBlueprint(__name__)


@bp.route("/media/{owner_kind}/{owner_id}", methods=["GET"])
def list_media(owner_kind: str, owner_id: str) -> dict[str, Any]:
    items = media.list_media(principal(), owner_kind, owner_id)
    return {"items": items, "total": len(items)}


@bp.route("/media/{owner_kind}/{owner_id}", methods=["POST"])
def create_medium(owner_kind: str, owner_id: str) -> Response:
    body = parse(MediaBody, json_body(bp.current_request))
    return created(media.create(principal(), owner_kind, owner_id, body.model_dump()))


@bp.route("/media/{owner_kind}/{owner_id}/{media_id}", methods=["PATCH"])
def update_medium(owner_kind: str, owner_id: str, media_id: str) -> dict[str, Any]:
    body = parse(MediaPatchBody, json_body(bp.current_request))
    return media.update(principal(), owner_kind, owner_id, media_id, changed_fields(body))


@bp.route("/media/{owner_kind}/{owner_id}/{media_id}", methods=["DELETE"])
def delete_medium(owner_kind: str, owner_id: str, media_id: str) -> Response:
    media.delete(principal(), owner_kind, owner_id, media_id)
    return no_content()
