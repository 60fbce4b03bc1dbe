"""The Cognito user pool: accounts, passwords, profile groups, tokens."""

from __future__ import annotations

from typing import Any

from chalicelib.adapters.aws import client
from chalicelib.config import get_settings
from chalicelib.domain.profiles import Profile
from chalicelib.errors import EmailTakenError, InvalidCredentialsError, ValidationError

TENANT_ATTRIBUTE = "custom:tenant_id"


def _idp() -> Any:
    return client("cognito-idp")


def _password_error(exc: Exception) -> ValidationError:
    return ValidationError(
        "Le mot de passe ne respecte pas les règles de sécurité.",
        details={"password": "Au moins 8 caractères."},
    )


def _create_account(idp: Any, pool: str, email: str, tenant_id: str) -> Any:
    """A confirmed account of ``tenant_id``, no e-mail sent (the app sends its own)."""
    return idp.admin_create_user(
        UserPoolId=pool,
        Username=email,
        MessageAction="SUPPRESS",
        UserAttributes=[
            {"Name": "email", "Value": email},
            {"Name": "email_verified", "Value": "true"},
            {"Name": TENANT_ATTRIBUTE, "Value": tenant_id},
        ],
    )


def create_user(email: str, password: str, tenant_id: str, profile: Profile) -> str:
    """Create a confirmed account in the profile's group; returns its ``sub``."""
    idp = _idp()
    pool = get_settings().user_pool_id
    try:
        response = _create_account(idp, pool, email, tenant_id)
    except idp.exceptions.UsernameExistsException:
        raise EmailTakenError() from None
    except idp.exceptions.InvalidParameterException:
        # the pool's own check of the address (e.g. "0@0.0", non-ASCII), stricter than ours
        raise ValidationError(details={"email": "Adresse e-mail refusée : vérifiez-la."}) from None
    try:
        idp.admin_set_user_password(
            UserPoolId=pool, Username=email, Password=password, Permanent=True
        )
        idp.admin_add_user_to_group(UserPoolId=pool, Username=email, GroupName=profile.value)
    except Exception as exc:
        delete_user(email)
        if exc.__class__.__name__ in ("InvalidPasswordException", "InvalidParameterException"):
            raise _password_error(exc) from None
        raise
    attributes = {a["Name"]: a["Value"] for a in response["User"]["Attributes"]}
    return attributes.get("sub") or email


def delete_user(email: str) -> None:
    idp = _idp()
    try:
        idp.admin_delete_user(UserPoolId=get_settings().user_pool_id, Username=email)
    except idp.exceptions.UserNotFoundException:
        pass


def set_profile(email: str, old: Profile, new: Profile) -> None:
    idp = _idp()
    pool = get_settings().user_pool_id
    idp.admin_add_user_to_group(UserPoolId=pool, Username=email, GroupName=new.value)
    idp.admin_remove_user_from_group(UserPoolId=pool, Username=email, GroupName=old.value)


def set_password(email: str, password: str) -> None:
    idp = _idp()
    try:
        idp.admin_set_user_password(
            UserPoolId=get_settings().user_pool_id,
            Username=email,
            Password=password,
            Permanent=True,
        )
    except idp.exceptions.InvalidPasswordException as exc:
        raise _password_error(exc) from None


def sign_out_everywhere(email: str) -> None:
    idp = _idp()
    try:
        idp.admin_user_global_sign_out(UserPoolId=get_settings().user_pool_id, Username=email)
    except idp.exceptions.UserNotFoundException:
        pass


def _tokens(result: dict[str, Any]) -> dict[str, Any]:
    auth = result["AuthenticationResult"]
    tokens = {"id_token": auth["IdToken"], "expires_in": auth["ExpiresIn"]}
    if "RefreshToken" in auth:
        tokens["refresh_token"] = auth["RefreshToken"]
    return tokens


def login(email: str, password: str) -> dict[str, Any]:
    idp = _idp()
    try:
        result = idp.initiate_auth(
            ClientId=get_settings().user_pool_client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": password},
        )
    except (idp.exceptions.NotAuthorizedException, idp.exceptions.UserNotFoundException):
        raise InvalidCredentialsError() from None
    return _tokens(result)


def refresh(refresh_token: str) -> dict[str, Any]:
    idp = _idp()
    try:
        result = idp.initiate_auth(
            ClientId=get_settings().user_pool_client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": refresh_token},
        )
    except idp.exceptions.NotAuthorizedException:
        raise InvalidCredentialsError("Session expirée : reconnectez-vous.") from None
    return _tokens(result)


def open_inspector_session(login: str, tenant_id: str) -> dict[str, Any]:
    """An inspector's session (chalicelib/services/inspectors.py): the grant's own account in
    the ``inspector`` group, created on its first login with a password nobody knows, reset
    at each login and thrown away; returns its tokens."""
    import secrets

    idp = _idp()
    pool = get_settings().user_pool_id
    try:
        _create_account(idp, pool, login, tenant_id)
        idp.admin_add_user_to_group(UserPoolId=pool, Username=login, GroupName=Profile.INSPECTOR.value)
    except idp.exceptions.UsernameExistsException:
        pass
    password = secrets.token_urlsafe(24) + "aA1!"
    idp.admin_set_user_password(UserPoolId=pool, Username=login, Password=password, Permanent=True)
    result = idp.initiate_auth(
        ClientId=get_settings().user_pool_client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": login, "PASSWORD": password},
    )
    return _tokens(result)


def close_inspector_session(login: str) -> None:
    """The grant's account signed out everywhere and deleted (a revoked grant)."""
    sign_out_everywhere(login)
    delete_user(login)


def tenant_of(email: str) -> str | None:
    """The company an account belongs to (None for an address with no account): a refused
    login is recorded in that company's event log."""
    idp = _idp()
    try:
        user = idp.admin_get_user(UserPoolId=get_settings().user_pool_id, Username=email)
    except idp.exceptions.UserNotFoundException:
        return None
    attributes = {a["Name"]: a["Value"] for a in user.get("UserAttributes", [])}
    return attributes.get(TENANT_ATTRIBUTE) or None


def token_tenant(id_token: str) -> str | None:
    """The company of an ID token Cognito just issued (read, not verified: it comes
    straight from the pool, and the API verifies it on every request)."""
    import jwt  # lazy, as in chalicelib/auth.py

    try:
        claims = jwt.decode(id_token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    return str(claims.get(TENANT_ATTRIBUTE) or "") or None
