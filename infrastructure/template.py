"""The cloud template: chalice's SAM output plus every resource chalice does not make.

The entry point; the template is built by the :mod:`infrastructure.cloud` package
(one module per part: storage, identity, site, state machines, IAM, API, sealing,
workers, alarms, the merge template and the build), re-exported here::

    python -m infrastructure.template --stage dev --out build/ [--lint] [--layers]

writes ``build/merge-template.json``, ``build/packaged/sam.json`` (what to deploy,
with ``deployment.zip`` beside it) and ``build/packaged/expanded.json`` (the same after
the SAM transform, for cfn-lint and the tests). No AWS account and no Node needed.
"""

from __future__ import annotations

import sys

from infrastructure.cloud.alarms import API_SERVER_ERROR_RATE, HOT_TABLES
from infrastructure.cloud.api import api_environment
from infrastructure.cloud.base import (
    ANCHOR_FUNCTION,
    ANCHOR_ROLE,
    API_FUNCTION,
    API_FUNCTION_ROLE,
    CLOSINGS_FUNCTION,
    CLOSINGS_ROLE,
    DEFAULT_REGION,
    DOCUMENTS_LAYER,
    DRAFTS_FUNCTION,
    DRAFTS_ROLE,
    JOB_FUNCTION,
    JOB_ROLE,
    REST_API,
    RETRY_SEALING_FUNCTION,
    RETRY_SEALING_ROLE,
    ROOT,
    SEALER_EVENT,
    SEALER_FUNCTION,
    SEALER_ROLE,
    SHORT_RETENTION_STAGES,
    THUMBNAIL_FUNCTION,
    THUMBNAIL_ROLE,
    TRANSFERS_EVENT,
    TRANSFERS_FUNCTION,
    TRANSFERS_ROLE,
    api_gateway_stage,
    bucket_name,
    default_retention_years,
    state_machine_logical_id,
    table_logical_id,
)
from infrastructure.cloud.build import (
    PLACEHOLDER_ARTIFACT_BUCKET,
    Build,
    build,
    cfn_lint,
    chalice_package,
    expand_sam,
    main,
)
from infrastructure.cloud.iam import (
    APPEND_ONLY_TABLES,
    CHECKPOINT_WRITE_ACTIONS,
    COGNITO_ACTIONS,
    DYNAMODB_ACTIONS,
    FILES_ACTIONS,
    MEDIA_ACTIONS,
    SEALER_TABLES,
    VAULT_READ_ACTIONS,
)
from infrastructure.cloud.identity import SIGNUP_WAF_EDGE_LIMIT, SIGNUP_WAF_LIMIT, SIGNUP_WAF_WINDOW_SECONDS
from infrastructure.cloud.merge import build_extra_resources
from infrastructure.cloud.sealing import SEALER_MAX_RETRY_ATTEMPTS
from infrastructure.cloud.site import (
    ALL_VIEWER_EXCEPT_HOST_HEADER,
    API_ORIGIN,
    CACHING_DISABLED,
    CACHING_OPTIMIZED,
    SECURITY_HEADERS,
    SITE_ORIGIN,
)
from infrastructure.cloud.statemachines import state_machine_arn, state_machine_name
from infrastructure.cloud.workers import worker_environment

__all__ = [
    "ALL_VIEWER_EXCEPT_HOST_HEADER", "ANCHOR_FUNCTION", "ANCHOR_ROLE", "API_FUNCTION", "API_FUNCTION_ROLE",
    "API_ORIGIN", "API_SERVER_ERROR_RATE", "APPEND_ONLY_TABLES", "CACHING_DISABLED", "CACHING_OPTIMIZED",
    "CHECKPOINT_WRITE_ACTIONS", "CLOSINGS_FUNCTION", "CLOSINGS_ROLE", "COGNITO_ACTIONS", "DEFAULT_REGION",
    "DOCUMENTS_LAYER", "DRAFTS_FUNCTION", "DRAFTS_ROLE", "DYNAMODB_ACTIONS", "FILES_ACTIONS", "HOT_TABLES",
    "JOB_FUNCTION", "JOB_ROLE", "MEDIA_ACTIONS", "PLACEHOLDER_ARTIFACT_BUCKET", "REST_API",
    "RETRY_SEALING_FUNCTION", "RETRY_SEALING_ROLE", "ROOT", "SEALER_EVENT", "SEALER_FUNCTION",
    "SEALER_MAX_RETRY_ATTEMPTS", "SEALER_ROLE", "SEALER_TABLES", "SECURITY_HEADERS", "SHORT_RETENTION_STAGES",
    "SIGNUP_WAF_EDGE_LIMIT", "SIGNUP_WAF_LIMIT", "SIGNUP_WAF_WINDOW_SECONDS", "SITE_ORIGIN", "THUMBNAIL_FUNCTION",
    "THUMBNAIL_ROLE", "TRANSFERS_EVENT", "TRANSFERS_FUNCTION", "TRANSFERS_ROLE", "VAULT_READ_ACTIONS", "Build",
    "api_environment", "api_gateway_stage", "bucket_name", "build", "build_extra_resources", "cfn_lint",
    "chalice_package", "default_retention_years", "expand_sam", "main", "state_machine_arn",
    "state_machine_logical_id", "state_machine_name", "table_logical_id", "worker_environment",
]

if __name__ == "__main__":
    sys.exit(main())
