"""The event log's own state: the software version last recorded per tenant, and the
sealing failures already reported (chalicelib/services/audit.py)."""

from __future__ import annotations

import json

from pynamodb.exceptions import UpdateError

from chalicelib.adapters.aws import ensure_models_bound
from chalicelib.adapters.models import CounterModel

VERSION_KEY = "event#software_version"

_UNCHANGED = object()


def _conditional_failure(exc: Exception) -> bool:
    return getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException"


def note_version(tenant_id: str, version: str) -> tuple[bool, str | None]:
    """Record ``version`` as the tenant's, unless it is already: one conditional write, so
    two containers starting together record a new version once. Returns (changed, the
    version recorded before, None for the first)."""
    ensure_models_bound()
    state = {"version": version}
    connection = CounterModel._get_connection()
    try:
        reply = connection.update_item(
            tenant_id, VERSION_KEY,
            actions=[CounterModel.state.set(state)],
            condition=CounterModel.key.does_not_exist() | (CounterModel.state != state),
            return_values="UPDATED_OLD")
    except UpdateError as exc:
        if _conditional_failure(exc):
            return False, version
        raise
    old = (reply.get("Attributes") or {}).get("state", {}).get("S")
    if not old:
        return True, None
    try:
        return True, str(json.loads(old).get("version"))
    except (ValueError, AttributeError):
        return True, None
