"""Media: presigned uploads, the list of an owner's media, their attributes, deletion.

Owner kinds: ``supplier`` and ``client`` (by id), ``lot`` and ``article`` (by ref),
``company`` (owner id ``company``: the caller's own company, from the token).
"""

from __future__ import annotations

from typing import Any

from chalice import Response

from chalicelib.api.common import created, json_body, lazy_service, no_content
from chalicelib.api.doc import INTEGER, Doc, array, obj, ref
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.schemas import MediaBody, MediaPatchBody, changed_fields, parse
from chalicelib.auth import principal

media = lazy_service("media")

bp = ApiBlueprint(__name__)
def OWNER() -> dict[str, Any]:  # noqa: N802 - read as the constant it documents
    """The owner kinds, read when the document is built (the media rules load with their first request)."""
    from chalicelib.domain.media import OWNER_KINDS

    return {"owner_kind": {"type": "string", "enum": list(OWNER_KINDS)}}


def _purchase_paperwork(uri_params: dict[str, Any], answer: Any) -> str | None:
    """A seller's or a lot's media are purchase paperwork (ID scans, receipts): reads of the register."""
    kind = uri_params.get("owner_kind")
    return f"media:{kind}:{uri_params.get('owner_id')}" if kind in ("supplier", "lot") else None


@bp.route("/media/{owner_kind}/{owner_id}", methods=["GET"], register_read=_purchase_paperwork, doc=Doc(
    "An owner's media, in display order", obj({"items": array(ref("Medium")), "total": INTEGER}, ("items",)),
    path=OWNER))
def list_media(owner_kind: str, owner_id: str) -> dict[str, Any]:
    items = media.list_media(principal(), owner_kind, owner_id)
    return {"items": items, "total": len(items)}


@bp.route("/media/{owner_kind}/{owner_id}", methods=["POST"], doc=Doc(
    "Add a medium: a presigned upload (none for external videos)", ref("MediumCreated"), 201,
    body=MediaBody, path=OWNER,
    description="Owner ids: suppliers and clients by id, lots and articles by ref, the company as `company` "
                "(always the caller's own). Upload: a multipart POST to `upload.url` with every field of "
                "`upload.fields`, then the file as `file`; the medium turns `ready` (or `rejected`) once "
                "the stored file is checked."))
def create_medium(owner_kind: str, owner_id: str) -> Response:
    body = parse(MediaBody, json_body(bp.current_request))
    return created(media.create(principal(), owner_kind, owner_id, body.model_dump()))


@bp.route("/media/{owner_kind}/{owner_id}/{media_id}", methods=["PATCH"],
          doc=Doc("Change a medium", ref("Medium"), body=MediaPatchBody, path=OWNER))
def update_medium(owner_kind: str, owner_id: str, media_id: str) -> dict[str, Any]:
    body = parse(MediaPatchBody, json_body(bp.current_request))
    return media.update(principal(), owner_kind, owner_id, media_id, changed_fields(body))


@bp.route("/media/{owner_kind}/{owner_id}/{media_id}", methods=["DELETE"],
          doc=Doc("Delete a medium", None, 204, path=OWNER))
def delete_medium(owner_kind: str, owner_id: str, media_id: str) -> Response:
    media.delete(principal(), owner_kind, owner_id, media_id)
    return no_content()
