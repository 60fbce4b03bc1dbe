from __future__ import annotations

from datetime import UTC, datetime

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.aws import ensure_models_bound
from chalicelib.adapters.models import TenantModel, UserModel
from chalicelib.adapters.repositories._common import cancellation_codes, connection
from chalicelib.domain.entities import User
from chalicelib.domain.profiles import Profile
from chalicelib.errors import NotFoundError, UserLimitError


def _user(item: UserModel) -> User:
    return User(
        tenant_id=item.tenant_id,
        id=item.id,
        email=item.email,
        profile=Profile(item.profile),
        first_name=item.first_name,
        last_name=item.last_name,
        created_at=item.created_at,
        training=bool(item.training),
    )


def add_user(user: User) -> None:
    """Store a user and take one of the tenant's seats, or refuse at the limit."""
    try:
        with TransactWrite(connection=connection()) as tx:
            tx.update(
                TenantModel(user.tenant_id),
                actions=[TenantModel.user_count.add(1)],
                condition=TenantModel.tenant_id.exists()
                & (TenantModel.user_count < TenantModel.max_users),
            )
            tx.save(
                UserModel(
                    user.tenant_id,
                    user.id,
                    email=user.email,
                    first_name=user.first_name,
                    last_name=user.last_name,
                    profile=user.profile.value,
                    created_at=datetime.now(UTC),
                ),
                condition=UserModel.id.does_not_exist(),
            )
    except TransactWriteError as exc:
        if "ConditionalCheckFailed" in cancellation_codes(exc):
            raise UserLimitError() from None
        raise


def remove_user(tenant_id: str, user_id: str, email: str | None = None) -> None:
    """Delete a user and free its seat, both or neither (``email``: and take it out of the
    users in training mode, so that an account created again with it starts out of it)."""
    actions = [TenantModel.user_count.add(-1)]
    if email:
        actions.append(TenantModel.training_users.delete({email.lower()}))
    try:
        with TransactWrite(connection=connection()) as tx:
            tx.delete(UserModel(tenant_id, user_id), condition=UserModel.id.exists())
            tx.update(TenantModel(tenant_id), actions=actions)
    except TransactWriteError as exc:
        if "ConditionalCheckFailed" in cancellation_codes(exc):
            raise NotFoundError("Utilisateur introuvable.") from None
        raise


def get_user(tenant_id: str, user_id: str) -> User:
    ensure_models_bound()
    try:
        return _user(UserModel.get(tenant_id, user_id, consistent_read=True))
    except DoesNotExist:
        raise NotFoundError("Utilisateur introuvable.") from None


def list_users(tenant_id: str) -> list[User]:
    ensure_models_bound()
    return [_user(i) for i in UserModel.query(tenant_id, consistent_read=True)]


def update_user(user: User) -> None:
    ensure_models_bound()
    UserModel(user.tenant_id, user.id).update(
        actions=[
            UserModel.first_name.set(user.first_name),
            UserModel.last_name.set(user.last_name),
            UserModel.profile.set(user.profile.value),
        ],
        condition=UserModel.id.exists(),
    )


def standing(tenant_id: str, email: str) -> tuple[Profile, str | None, int, bool] | None:
    """The profile, status, "no token issued before" second and training mode of the tenant's
    user with this e-mail, or None when the tenant has no such user: one query of its few
    users (its seats).

    The record's creation counts: a user deleted then created again with the same e-mail
    is a new user, whose predecessor's tokens must not come back to life."""
    ensure_models_bound()
    wanted = email.lower()
    for item in UserModel.query(tenant_id, filter_condition=UserModel.email == wanted, consistent_read=True):
        moments = [m for m in (item.created_at, item.tokens_after) if m is not None]
        return (Profile(item.profile), item.status, int(max(moments).timestamp()) if moments else 0,
                bool(item.training))
    return None


def set_training(tenant_id: str, user_id: str, email: str, on: bool) -> None:
    """Switch the user's training mode (mode formation) on or off: on the user's item (what
    ``GET /api/me`` and the token check read) and in the tenant's ``training_users`` (what a
    sale reads), both or neither."""
    ensure_models_bound()
    member = {email.lower()}
    try:
        with TransactWrite(connection=connection()) as tx:
            tx.update(UserModel(tenant_id, user_id), actions=[UserModel.training.set(on)],
                      condition=UserModel.id.exists())
            tx.update(TenantModel(tenant_id), actions=[TenantModel.training_users.add(member) if on
                                                       else TenantModel.training_users.delete(member)],
                      condition=TenantModel.tenant_id.exists())
    except TransactWriteError as exc:
        if "ConditionalCheckFailed" in cancellation_codes(exc):
            raise NotFoundError("Utilisateur introuvable.") from None
        raise


def revoke_tokens(tenant_id: str, user_id: str, at: datetime) -> None:
    """Every token the user holds, issued before ``at``, is refused from now on."""
    ensure_models_bound()
    UserModel(tenant_id, user_id).update(actions=[UserModel.tokens_after.set(at)],
                                         condition=UserModel.id.exists())
