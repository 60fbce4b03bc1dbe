"""Each user's draft lot (and the pending lots received from other subscribers, stored as drafts)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError

from chalicelib.adapters.aws import ensure_models_bound
from chalicelib.adapters.models import DraftModel
from chalicelib.adapters.repositories._common import pack, unpack
from chalicelib.domain.lots import DraftHeader, DraftLine
from chalicelib.errors import ConcurrentChangeError


class Draft:
    """A stored draft: its header and lines (stored as their JSON), the reference reserved by a
    commit under way; ``version`` guards concurrent edits."""

    def __init__(self, header: DraftHeader, lines: list[DraftLine], reserved: dict | None,
                 version: int | None, pending: dict[str, Any] | None = None) -> None:
        self.header = header
        self.lines = lines
        self.reserved = reserved
        self.version = version
        self.pending = pending  # set on a lot received from another subscriber


def get_draft(tenant_id: str, user_id: str) -> Draft:
    ensure_models_bound()
    try:
        item = DraftModel.get(tenant_id, user_id, consistent_read=True)
    except DoesNotExist:
        return Draft(DraftHeader(), [], None, None)
    return Draft(DraftHeader.from_json(item.header or {}), [DraftLine.from_json(x) for x in unpack(item.lines)],
                 item.reserved, item.version, item.pending)


def _draft_item(tenant_id: str, user_id: str, draft: Draft) -> DraftModel:
    item = DraftModel(tenant_id, user_id, header=draft.header.to_json(), lines=pack([x.to_json() for x in draft.lines]),
                      reserved=draft.reserved, pending=draft.pending, updated_at=datetime.now(UTC))
    if draft.version is not None:
        item.version = draft.version
    return item


def save_draft(tenant_id: str, user_id: str, draft: Draft) -> None:
    ensure_models_bound()
    item = _draft_item(tenant_id, user_id, draft)
    try:
        item.save()
        draft.version = item.version  # the next save of this draft expects it
    except PutError as exc:
        if getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException":
            raise ConcurrentChangeError() from None
        raise


def delete_draft(tenant_id: str, user_id: str) -> None:
    ensure_models_bound()
    DraftModel(tenant_id, user_id).delete(add_version_condition=False)
