"""Who is calling: the verified ID token is the only source of tenant and profile.

The signature is checked against the user pool's JWKS, the issuer against this
deployment's pool and the audience against its app client, so a token from
another pool (the local stack's, another stage's) is refused.
"""

from __future__ import annotations

import threading
import time
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Any

from chalicelib.config import get_settings
from chalicelib.domain.profiles import Profile, may
from chalicelib.errors import ForbiddenError, InvalidTokenError, TokenRevokedError, UnauthenticatedError

TENANT_CLAIM = "custom:tenant_id"
GROUPS_CLAIM = "cognito:groups"


@dataclass(frozen=True)
class Principal:
    tenant_id: str
    user_id: str
    email: str
    profile: Profile
    # When the ID token was issued (its ``iat``, seconds): a token older than its user's record
    # (deleted, then created again with the same e-mail) or than a password change is refused.
    issued_at: int = 0
    # An inspector's read-only session (DOMAIN.md "Inspector access"): the grant's
    # ``{"id", "name", "service", "purpose"}``, recorded with every read of the register.
    inspector: dict[str, str] | None = None
    # Training mode (mode formation) of the user, from the users table (check_standing):
    # their sales are fictitious, their other writes refused (chalicelib/domain/training.py).
    training: bool = False

    def require(self, permission: str) -> None:
        if not may(self.profile, permission):
            raise ForbiddenError()

    def may(self, permission: str) -> bool:
        return may(self.profile, permission)


_current: ContextVar[Principal | None] = ContextVar("lotbook_principal", default=None)
_jwks_lock = threading.Lock()
_jwks_clients: dict[str, Any] = {}


def _jwks_client(url: str) -> Any:
    import jwt  # lazy: keeps PyJWT and cryptography out of the import-time budget

    with _jwks_lock:
        if url not in _jwks_clients:
            _jwks_clients[url] = jwt.PyJWKClient(url, cache_keys=True, lifespan=3600)
        return _jwks_clients[url]


def _profile_from_groups(groups: Any) -> Profile:
    if not isinstance(groups, list):
        raise InvalidTokenError()
    # A user is in exactly one profile group; the strongest wins if not.
    for profile in (Profile.MANAGER, Profile.COLLABORATOR, Profile.SHOP, Profile.INSPECTOR):
        if profile.value in groups:
            return profile
    raise InvalidTokenError()


def verify_token(token: str) -> Principal:
    import jwt

    settings = get_settings()
    try:
        signing_key = _jwks_client(settings.jwks_url).get_signing_key_from_jwt(token)
        claims = jwt.decode(
            token,
            signing_key.key,
            algorithms=["RS256"],
            audience=settings.user_pool_client_id,
            issuer=settings.token_issuer,
            options={"require": ["exp", "iss", "aud", "sub"]},
        )
    except jwt.PyJWTError:
        raise InvalidTokenError() from None
    if claims.get("token_use") != "id" or not claims.get(TENANT_CLAIM):
        raise InvalidTokenError()
    return Principal(
        tenant_id=str(claims[TENANT_CLAIM]),
        user_id=str(claims["sub"]),
        email=str(claims.get("email", "")),
        profile=_profile_from_groups(claims.get(GROUPS_CLAIM)),
        issued_at=int(claims.get("iat") or 0),
    )


# The token's user as the users table last said, per container: (tenant, e-mail) →
# (read at, profile or None when gone, status, not before, training). Trusted for at most 60 s.
_standing_lock = threading.Lock()
_standing: dict[tuple[str, str], tuple[float, Profile | None, str | None, int, bool]] = {}


def _clock() -> float:
    return time.monotonic()


def forget_user(tenant_id: str, email: str) -> None:
    """A user was changed or deleted here: the next request re-reads it."""
    with _standing_lock:
        _standing.pop((tenant_id, email.lower()), None)


def forget_all_users() -> None:
    with _standing_lock:
        _standing.clear()
        _grants.clear()


# An inspector's grant as the counters table last said, per container: (tenant, grant) →
# (read at, its session or None when gone or revoked, expires at, epoch seconds).
_grants: dict[tuple[str, str], tuple[float, dict[str, str] | None, float]] = {}


def forget_inspector(tenant_id: str, grant_id: str) -> None:
    """A grant was revoked here: this container refuses its session at once."""
    with _standing_lock:
        _grants.pop((tenant_id, grant_id), None)


def _inspector_standing(who: Principal) -> Principal:
    """An inspector's token stands while its grant does (not revoked, not expired; other
    containers notice a revocation within the same 60 s as a user's); its requests then
    carry the grant (``Principal.inspector``)."""
    from chalicelib.domain import inspector

    grant_id = inspector.grant_of_login(who.email)
    if grant_id is None:
        raise TokenRevokedError()
    key = (who.tenant_id, grant_id)
    now = _clock()
    with _standing_lock:
        cached = _grants.get(key)
    if cached is None or now - cached[0] >= get_settings().auth_cache_seconds:
        from chalicelib.adapters.repositories import inspectors  # lazy, like users below

        grant = inspectors.get(who.tenant_id, grant_id)
        valid = grant is not None and grant.revoked_at is None and grant.used_at is not None
        cached = (now, grant.session() if grant and valid else None,
                  grant.expires_at.timestamp() if grant else 0.0)
        with _standing_lock:
            if len(_grants) > 10_000:
                _grants.clear()
            _grants[key] = cached
    _, session, expires_at = cached
    if session is None or time.time() >= expires_at:
        raise TokenRevokedError("L'accès inspecteur a expiré ou a été révoqué : demandez un nouvel accès au gérant.")
    return replace(who, inspector=dict(session))


def check_standing(who: Principal) -> Principal:
    """The token's user still exists in the token's company, is active and holds the
    token's profile; else the token is refused although its signature is good."""
    if who.profile is Profile.INSPECTOR:
        return _inspector_standing(who)
    key = (who.tenant_id, who.email.lower())
    now = _clock()
    ttl = get_settings().auth_cache_seconds
    with _standing_lock:
        cached = _standing.get(key)
    if cached is None or now - cached[0] >= ttl:
        from chalicelib.adapters.repositories import users  # lazy: keeps pynamodb off the cold start

        found = users.standing(who.tenant_id, who.email) if who.email else None
        cached = (now, *found) if found else (now, None, None, 0, False)
        with _standing_lock:
            if len(_standing) > 10_000:
                _standing.clear()
            _standing[key] = cached
    _, profile, status, not_before, training = cached
    if profile is None or status is not None or profile is not who.profile or who.issued_at < not_before:
        raise TokenRevokedError()
    return replace(who, training=True) if training else who


def authenticate(headers: Any) -> Principal:
    raw = headers.get("authorization") or headers.get("Authorization")
    if not raw:
        raise UnauthenticatedError()
    scheme, _, token = raw.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise UnauthenticatedError("En-tête Authorization attendu : « Bearer <jeton> ».")
    return check_standing(verify_token(token.strip()))


def set_principal(principal: Principal | None) -> Any:
    return _current.set(principal)


def reset_principal(token: Any) -> None:
    _current.reset(token)


def principal() -> Principal:
    current = _current.get()
    if current is None:  # a route outside the middleware's protection: a bug, not user input
        raise UnauthenticatedError()
    return current
