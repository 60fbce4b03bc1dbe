"""Each user's selection of article references (the basket bulk actions work on)."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist, PutError

from chalicelib.adapters.aws import ensure_models_bound
from chalicelib.adapters.models import SelectionModel
from chalicelib.adapters.repositories._common import pack, unpack
from chalicelib.errors import ConflictError


def get_selection(tenant_id: str, user_id: str) -> tuple[list[str], int | None]:
    ensure_models_bound()
    try:
        item = SelectionModel.get(tenant_id, user_id, consistent_read=True)
    except DoesNotExist:
        return [], None
    return unpack(item.refs), item.version


def save_selection(tenant_id: str, user_id: str, refs: list[str], version: int | None) -> None:
    ensure_models_bound()
    item = SelectionModel(tenant_id, user_id, refs=pack(refs))
    if version is not None:
        item.version = version
    try:
        item.save()
    except PutError as exc:
        if getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException":
            raise ConflictError("La sélection vient d'être modifiée ailleurs : réessayez.") from None
        raise
