"""Resource definitions shared by the cloud template and the local stack.

Tables come from the pynamodb models (``chalicelib.adapters.models.table_specs``);
what is not a table is described here once: the Cognito user pool, its groups,
the vault bucket's Object Lock and the state machines' ASL files.
"""

from __future__ import annotations

from pathlib import Path

from chalicelib.domain.media import ORIGINALS_PREFIX, THUMBNAILS_PREFIX
from chalicelib.domain.profiles import Profile

ROOT = Path(__file__).resolve().parent.parent
STATEMACHINES_DIR = ROOT / "infrastructure" / "statemachines"

# Custom attribute carrying the tenant of a user (claim "custom:tenant_id").
TENANT_ATTRIBUTE = "tenant_id"

USER_POOL_SCHEMA = [
    {
        "Name": TENANT_ATTRIBUTE,
        "AttributeDataType": "String",
        "Mutable": False,
        "StringAttributeConstraints": {"MinLength": "1", "MaxLength": "64"},
    }
]

PASSWORD_POLICY = {
    "MinimumLength": 8,
    "RequireUppercase": False,
    "RequireLowercase": False,
    "RequireNumbers": False,
    "RequireSymbols": False,
}

USER_POOL_CLIENT_AUTH_FLOWS = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]

# One Cognito group per profile.
USER_POOL_GROUPS = [p.value for p in Profile]

# Sealed records: COMPLIANCE mode, default retention in years.
VAULT_DEFAULT_RETENTION_YEARS = 10
VAULT_OBJECT_LOCK_MODE = "COMPLIANCE"


def user_pool_name(stage: str) -> str:
    return f"lotbook-{stage}-users"


def vault_bucket_name(stage: str) -> str:
    return f"lotbook-{stage}-vault"


def files_bucket_name(stage: str) -> str:
    return f"lotbook-{stage}-files"


def media_bucket_name(stage: str) -> str:
    """Locally; the cloud's adds the account and region (infrastructure/cloud/base.py)."""
    return f"lotbook-{stage}-media"


# The media bucket calls this handler of app.py for each new original (never for the
# thumbnails it writes under another prefix): locally and in the cloud template.
MEDIA_UPLOAD_HANDLER = "make_thumbnail"
MEDIA_UPLOAD_PREFIX = ORIGINALS_PREFIX
MEDIA_THUMBNAILS_PREFIX = THUMBNAILS_PREFIX


def state_machine_files() -> dict[str, Path]:
    """Name → ASL file, for every state machine of the project."""
    return {p.stem: p for p in sorted(STATEMACHINES_DIR.glob("*.asl.json"))}
