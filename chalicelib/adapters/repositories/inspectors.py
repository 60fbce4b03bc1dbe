"""Inspector access grants (``domain/inspector.py``).

A grant is a ``counters`` item of its tenant (``inspector#<id>``: listed per tenant like the
pending lots); its one-time code is a ``registry`` item named by the code's keyed hash
(``inspector-code#<hash>``), looked up at login and deleted when used, so a code opens one
session only, even under two simultaneous logins.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.aws import ensure_models_bound
from chalicelib.adapters.models import CounterModel, RegistryModel
from chalicelib.adapters.repositories._common import cancellation_codes, connection
from chalicelib.domain.inspector import Grant

KEY_PREFIX = "inspector#"
CODE_PREFIX = "inspector-code#"


class CodeAlreadyUsedError(Exception):
    """Another login consumed the code first."""


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _when(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _state(grant: Grant) -> dict[str, Any]:
    return {
        "id": grant.id, "inspector": grant.inspector, "service": grant.service, "purpose": grant.purpose,
        "email": grant.email, "days": grant.days, "created_at": _iso(grant.created_at),
        "expires_at": _iso(grant.expires_at), "created_by": grant.created_by,
        "revoked_at": _iso(grant.revoked_at), "revoked_by": grant.revoked_by, "used_at": _iso(grant.used_at),
    }


def _grant(tenant_id: str, state: dict[str, Any]) -> Grant:
    return Grant(
        tenant_id=tenant_id, id=state["id"], inspector=state["inspector"], service=state["service"],
        purpose=state["purpose"], email=state.get("email"), days=int(state["days"]),
        created_at=_when(state["created_at"]),  # type: ignore[arg-type]
        expires_at=_when(state["expires_at"]),  # type: ignore[arg-type]
        created_by=state.get("created_by") or "", revoked_at=_when(state.get("revoked_at")),
        revoked_by=state.get("revoked_by"), used_at=_when(state.get("used_at")),
    )


def _item(grant: Grant) -> CounterModel:
    return CounterModel(grant.tenant_id, KEY_PREFIX + grant.id, value=int(grant.expires_at.timestamp()),
                        state=_state(grant))


def add(grant: Grant, code_hash: str) -> None:
    """The grant and its code, both or neither."""
    with TransactWrite(connection=connection()) as tx:
        tx.save(_item(grant), condition=CounterModel.key.does_not_exist())
        tx.save(RegistryModel(CODE_PREFIX + code_hash, tenant_id=grant.tenant_id, user_id=grant.id,
                              expires_at=int(grant.expires_at.timestamp())),
                condition=RegistryModel.key.does_not_exist())


def get(tenant_id: str, grant_id: str) -> Grant | None:
    ensure_models_bound()
    try:
        item = CounterModel.get(tenant_id, KEY_PREFIX + grant_id, consistent_read=True)
    except DoesNotExist:
        return None
    return _grant(tenant_id, dict(item.state or {}))


def list_grants(tenant_id: str) -> list[Grant]:
    ensure_models_bound()
    return [_grant(tenant_id, dict(item.state or {}))
            for item in CounterModel.query(tenant_id, CounterModel.key.startswith(KEY_PREFIX), consistent_read=True)]


def find_code(code_hash: str) -> tuple[str, str] | None:
    """The (tenant, grant) a code opens, or None."""
    ensure_models_bound()
    try:
        item = RegistryModel.get(CODE_PREFIX + code_hash, consistent_read=True)
    except DoesNotExist:
        return None
    return item.tenant_id, item.user_id or ""


def use_code(grant: Grant, code_hash: str) -> None:
    """The code is consumed and the grant marked used, both or neither; the second of two
    simultaneous logins with one code gets :class:`CodeAlreadyUsedError`."""
    try:
        with TransactWrite(connection=connection()) as tx:
            tx.delete(RegistryModel(CODE_PREFIX + code_hash), condition=RegistryModel.key.exists())
            tx.save(_item(grant), condition=CounterModel.key.exists())
    except TransactWriteError as exc:
        if "ConditionalCheckFailed" in cancellation_codes(exc):
            raise CodeAlreadyUsedError() from None
        raise


def revoke(grant: Grant, code_hash: str | None = None) -> None:
    """The grant revoked; its unused code (when still there) goes with it."""
    ensure_models_bound()
    _item(grant).save(condition=CounterModel.key.exists())
    if code_hash:
        RegistryModel(CODE_PREFIX + code_hash).delete()
