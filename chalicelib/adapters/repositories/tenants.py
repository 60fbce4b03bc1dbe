from __future__ import annotations

from datetime import UTC, datetime

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.aws import ensure_models_bound
from chalicelib.adapters.models import LotModel, RegistryModel, TenantModel, UserModel
from chalicelib.adapters.repositories import sigma as sigma_repo
from chalicelib.adapters.repositories._common import cancellation_codes, connection
from chalicelib.domain.entities import Tenant, User
from chalicelib.domain.verification import PendingSignup
from chalicelib.errors import NotFoundError, SubscriberRefTakenError

SUBSCRIBER_KEY = "subscriber#"
PENDING_KEY = "signup#"
PENDING_EMAIL = "pending_email"


def _tenant(item: TenantModel) -> Tenant:
    return Tenant(
        tenant_id=item.tenant_id,
        subscriber_ref=item.subscriber_ref,
        settings=dict(item.settings or {}),
        user_count=int(item.user_count or 0),
        max_users=int(item.max_users),
        training_users=frozenset(item.training_users or ()),
    )


def _pending_item(pending: PendingSignup) -> RegistryModel:
    return RegistryModel(
        PENDING_KEY + pending.email,
        tenant_id=pending.tenant_id,
        user_id=pending.user_id,
        code_hash=pending.code_hash,
        code_salt=pending.code_salt,
        expires_at=pending.expires_at,
        attempts=pending.attempts,
    )


def create_tenant(tenant: Tenant, manager: User, pending: PendingSignup | None = None) -> None:
    """The company, its subscriber reference and its first user, all or nothing.

    With ``pending``, the manager stays unusable until the e-mail is confirmed."""
    now = datetime.now(UTC)
    with_user = UserModel(
        manager.tenant_id,
        manager.id,
        email=manager.email,
        first_name=manager.first_name,
        last_name=manager.last_name,
        profile=manager.profile.value,
        created_at=now,
        status=PENDING_EMAIL if pending else None,
    )
    try:
        with TransactWrite(connection=connection()) as tx:
            if pending is not None:
                tx.save(_pending_item(pending))
            tx.save(
                RegistryModel(SUBSCRIBER_KEY + tenant.subscriber_ref, tenant_id=tenant.tenant_id),
                condition=RegistryModel.key.does_not_exist(),
            )
            tx.save(
                TenantModel(
                    tenant.tenant_id,
                    subscriber_ref=tenant.subscriber_ref,
                    settings=tenant.settings,
                    user_count=1,
                    max_users=tenant.max_users,
                    created_at=now,
                ),
                condition=TenantModel.tenant_id.does_not_exist(),
            )
            tx.save(with_user, condition=UserModel.id.does_not_exist())
            tx.save(sigma_repo.ready_item(tenant.tenant_id))  # its Σ buckets are complete from the start
    except TransactWriteError as exc:
        if "ConditionalCheckFailed" in cancellation_codes(exc):
            raise SubscriberRefTakenError() from None
        raise


def get_pending_signup(email: str) -> PendingSignup | None:
    ensure_models_bound()
    try:
        item = RegistryModel.get(PENDING_KEY + email.lower(), consistent_read=True)
    except DoesNotExist:
        return None
    return PendingSignup(
        email=email.lower(),
        tenant_id=item.tenant_id,
        user_id=item.user_id or "",
        code_hash=item.code_hash or "",
        code_salt=item.code_salt or "",
        expires_at=int(item.expires_at or 0),
        attempts=int(item.attempts or 0),
    )


def save_pending_signup(pending: PendingSignup) -> None:
    """A new code (resend) or one more wrong attempt."""
    ensure_models_bound()
    _pending_item(pending).save(condition=RegistryModel.key.exists())


def confirm_signup(pending: PendingSignup) -> None:
    """The manager becomes usable and the pending signup goes, both or neither."""
    with TransactWrite(connection=connection()) as tx:
        tx.update(
            UserModel(pending.tenant_id, pending.user_id),
            actions=[UserModel.status.remove()],
            condition=UserModel.id.exists(),
        )
        tx.delete(RegistryModel(PENDING_KEY + pending.email), condition=RegistryModel.key.exists())


def delete_tenant(tenant_id: str, subscriber_ref: str, manager_id: str) -> None:
    """Undo :func:`create_tenant` (a signup whose account creation failed)."""
    with TransactWrite(connection=connection()) as tx:
        tx.delete(RegistryModel(SUBSCRIBER_KEY + subscriber_ref))
        tx.delete(TenantModel(tenant_id))
        tx.delete(UserModel(tenant_id, manager_id))


def drop_pending_signup(pending: PendingSignup, subscriber_ref: str) -> None:
    """An unconfirmed signup, gone whole (company, reference, manager, pending code), only
    while it is still unconfirmed."""
    with TransactWrite(connection=connection()) as tx:
        tx.delete(RegistryModel(PENDING_KEY + pending.email), condition=RegistryModel.key.exists())
        tx.delete(RegistryModel(SUBSCRIBER_KEY + subscriber_ref))
        tx.delete(TenantModel(tenant_id=pending.tenant_id))
        tx.delete(UserModel(pending.tenant_id, pending.user_id), condition=UserModel.status == PENDING_EMAIL)
        tx.delete(sigma_repo.ready_item(pending.tenant_id))


def get_tenant(tenant_id: str) -> Tenant:
    ensure_models_bound()
    try:
        return _tenant(TenantModel.get(tenant_id, consistent_read=True))
    except DoesNotExist:
        raise NotFoundError("Entreprise introuvable.") from None


def save_settings(tenant_id: str, settings: dict) -> None:
    ensure_models_bound()
    TenantModel(tenant_id).update(
        actions=[TenantModel.settings.set(settings)],
        condition=TenantModel.tenant_id.exists(),
    )


def has_lots(tenant_id: str) -> bool:
    ensure_models_bound()
    return any(LotModel.query(tenant_id, limit=1, attributes_to_get=["ref"]))
