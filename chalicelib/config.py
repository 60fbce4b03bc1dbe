"""The one settings module: one field per environment variable, validated once.

Read lazily through :func:`get_settings` so importing the app builds nothing.
The local stack and the tests set the environment, then call
:func:`reset_settings` when they change it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache


class SettingsError(RuntimeError):
    """The environment does not describe a usable deployment."""


@dataclass(frozen=True)
class Settings:
    stage: str
    region: str
    # Set only on the local stack and in tests: every AWS client goes there.
    aws_endpoint_url: str | None
    table_prefix: str
    user_pool_id: str
    user_pool_client_id: str
    # Defaults to Cognito's public JWKS document for the pool.
    jwks_url: str
    vault_bucket: str
    max_users_per_tenant: int
    tmp_rate: Decimal
    # COMPLIANCE retention of each sealed record, in calendar years from the day of its
    # sealing (ten: the police register's legal term; dev stages use a shorter one).
    vault_retention_years: int = 10
    # Generated files and backups (2093 declarations, archives): lotbook-<stage>-files.
    files_bucket: str = ""
    # Media (photos, videos, documents, logos): lotbook-<stage>-media, uploaded by browsers.
    media_bucket: str = ""
    # Signups accepted per source address and window (the WAF rule does the same in the cloud).
    signup_limit: int = 5
    signup_window_seconds: int = 600
    # How long a container trusts its last read of a token's user (at most 60 s).
    auth_cache_seconds: int = 60
    # Local stack and tests: each e-mail sent is a file here. Empty: sent through SES.
    mail_dir: str = ""
    mail_from: str = ""
    # Where the caller's address is when a proxy stands in front (cloud: CloudFront-Viewer-Address).
    client_ip_header: str = ""
    # The software's version, recorded in the event log each time it changes: the build's
    # (template parameter) in the cloud, the git commit on the local stack and in tests.
    software_version: str = "unknown"
    # The site's address (links e-mailed or shown: an inspector's access). Empty: the request's own.
    site_url: str = ""
    # Key of the hash under which an inspector's one-time code is looked up (a secret in the cloud).
    inspector_code_key: str = "lotbook-local-inspector-codes"
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def token_issuer(self) -> str:
        # Cognito (and moto) sign ID tokens with this issuer.
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.user_pool_id}"

    def table_name(self, base: str) -> str:
        return f"{self.table_prefix}-{base}"


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from exc
    if value < 1:
        raise SettingsError(f"{name} must be positive, got {value}")
    return value


def load_settings() -> Settings:
    env = os.environ
    stage = env.get("LOTBOOK_STAGE", "dev")
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "eu-west-3"
    endpoint = env.get("LOTBOOK_AWS_ENDPOINT_URL") or None
    pool_id = env.get("LOTBOOK_USER_POOL_ID", "")
    jwks_default = (
        f"{endpoint}/{pool_id}/.well-known/jwks.json"
        if endpoint
        else f"https://cognito-idp.{region}.amazonaws.com/{pool_id}/.well-known/jwks.json"
    )
    tmp_raw = env.get("LOTBOOK_TMP_RATE", "0.115")
    try:
        tmp_rate = Decimal(tmp_raw)
    except ArithmeticError as exc:
        raise SettingsError(f"LOTBOOK_TMP_RATE must be a decimal, got {tmp_raw!r}") from exc
    return Settings(
        stage=stage,
        region=region,
        aws_endpoint_url=endpoint,
        table_prefix=env.get("LOTBOOK_TABLE_PREFIX", f"lotbook-{stage}"),
        user_pool_id=pool_id,
        user_pool_client_id=env.get("LOTBOOK_USER_POOL_CLIENT_ID", ""),
        jwks_url=env.get("LOTBOOK_JWKS_URL") or jwks_default,
        vault_bucket=env.get("LOTBOOK_VAULT_BUCKET", f"lotbook-{stage}-vault"),
        max_users_per_tenant=_int("LOTBOOK_MAX_USERS_PER_TENANT", 3),
        tmp_rate=tmp_rate,
        vault_retention_years=_int("LOTBOOK_VAULT_RETENTION_YEARS", 10),
        files_bucket=env.get("LOTBOOK_FILES_BUCKET")
        or f'{env.get("LOTBOOK_TABLE_PREFIX", f"lotbook-{stage}")}-files',
        media_bucket=env.get("LOTBOOK_MEDIA_BUCKET")
        or f'{env.get("LOTBOOK_TABLE_PREFIX", f"lotbook-{stage}")}-media',
        signup_limit=_int("LOTBOOK_SIGNUP_LIMIT", 5),
        signup_window_seconds=_int("LOTBOOK_SIGNUP_WINDOW_SECONDS", 600),
        auth_cache_seconds=min(60, _int("LOTBOOK_AUTH_CACHE_SECONDS", 60)),
        mail_dir=env.get("LOTBOOK_MAIL_DIR", ""),
        mail_from=env.get("LOTBOOK_MAIL_FROM", ""),
        client_ip_header=env.get("LOTBOOK_CLIENT_IP_HEADER", ""),
        software_version=env.get("LOTBOOK_VERSION", "") or "unknown",
        site_url=env.get("LOTBOOK_SITE_URL", ""),
        inspector_code_key=env.get("LOTBOOK_INSPECTOR_CODE_KEY", "") or "lotbook-local-inspector-codes",
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()


# What is built from the settings (the AWS clients, adapters/aws.py) registers here how to
# forget it: adapters depend on config, never the other way round.
_resets: list[Callable[[], None]] = []


def on_reset(forget: Callable[[], None]) -> None:
    """Call ``forget`` each time the settings are reset."""
    if forget not in _resets:
        _resets.append(forget)


def reset_settings() -> None:
    """Forget the cached settings and everything bound to them."""
    get_settings.cache_clear()
    for forget in list(_resets):
        forget()
