from __future__ import annotations

from datetime import UTC, datetime

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.aws import ensure_models_bound
from chalicelib.adapters.models import LotModel, RegistryModel, TenantModel, UserModel
from chalicelib.adapters.repositories._common import cancellation_codes, connection
from chalicelib.domain.entities import Tenant, User
from chalicelib.errors import ConflictError, NotFoundError

SUBSCRIBER_KEY = "subscriber#"


class SubscriberRefTakenError(ConflictError):
    code = "subscriber_ref_taken"


def _tenant(item: TenantModel) -> Tenant:
    return Tenant(
        tenant_id=item.tenant_id,
        subscriber_ref=item.subscriber_ref,
        settings=dict(item.settings or {}),
        user_count=int(item.user_count or 0),
        max_users=int(item.max_users),
    )


def create_tenant(tenant: Tenant, manager: User) -> None:
    """The company, its subscriber reference and its first user, all or nothing."""
    now = datetime.now(UTC)
    with_user = UserModel(
        manager.tenant_id,
        manager.id,
        email=manager.email,
        first_name=manager.first_name,
        last_name=manager.last_name,
        profile=manager.profile.value,
        created_at=now,
    )
    try:
        with TransactWrite(connection=connection()) as tx:
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
    except TransactWriteError as exc:
        if "ConditionalCheckFailed" in cancellation_codes(exc):
            raise SubscriberRefTakenError() from None
        raise


def delete_tenant(tenant_id: str, subscriber_ref: str, manager_id: str) -> None:
    """Undo :func:`create_tenant` (a signup whose account creation failed)."""
    with TransactWrite(connection=connection()) as tx:
        tx.delete(RegistryModel(SUBSCRIBER_KEY + subscriber_ref))
        tx.delete(TenantModel(tenant_id))
        tx.delete(UserModel(tenant_id, manager_id))


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
