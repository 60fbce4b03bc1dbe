"""IAM building blocks: the actions each kind of work needs, the table ARNs a statement
names, a policy attached to a role chalice made. Each function's policy is written beside
its function (api, sealing, workers, statemachines), from these; nothing grants a wildcard
action (tests/infrastructure/iam_review.json is the reviewed list)."""

from __future__ import annotations

from typing import Any

from chalicelib.adapters.models import table_specs
from infrastructure.cloud.base import arn, ref, sub, table_logical_id

# What the API function may do, and nothing more (api.api_policy); the jobs' task too.
DYNAMODB_ACTIONS = [
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    # TransactWriteItems is authorised item by item: Put/Update/Delete/ConditionCheck.
    "dynamodb:ConditionCheckItem",
]
# Exactly the Admin* calls chalicelib makes (a test reads them from the source);
# InitiateAuth (USER_PASSWORD_AUTH on a public client) needs no IAM permission.
COGNITO_ACTIONS = [
    "cognito-idp:AdminCreateUser",
    "cognito-idp:AdminSetUserPassword",
    "cognito-idp:AdminDeleteUser",
    "cognito-idp:AdminAddUserToGroup",
    "cognito-idp:AdminRemoveUserFromGroup",
    "cognito-idp:AdminUserGlobalSignOut",
    # A refused login is logged in its account's company (adapters/cognito.tenant_of).
    "cognito-idp:AdminGetUser",
]
MEDIA_ACTIONS = ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"]
# The API reads sealed records back (content, version, retention); the sealer writes.
VAULT_READ_ACTIONS = ["s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectRetention"]
# The verification's checkpoints (chalicelib/domain/checkpoint.py): written once, locked, under
# verification/ only — never a tenant's sealed records.
CHECKPOINT_WRITE_ACTIONS = ["s3:PutObject", "s3:PutObjectRetention"]
# The jobs' task: declarations and backups in the files bucket.
FILES_ACTIONS = ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"]

# Tables the sealer alone writes; the API only reads them.
SEALER_TABLES = ("sealed", "chain_heads", "seal_claims", "seal_failures")
# Tables the API appends to and never updates nor deletes from.
APPEND_ONLY_TABLES = ("inspections",)


def table_resources(names: tuple[str, ...] | None = None, exclude: tuple[str, ...] = ()) -> list[Any]:
    """The ARNs of the tables (all, or ``names``) and of their indexes."""
    resources: list[Any] = []
    for spec in table_specs():
        if (names is not None and spec["base_name"] not in names) or spec["base_name"] in exclude:
            continue
        logical_id = table_logical_id(spec["base_name"])
        resources.append(arn(logical_id))
        if spec["GlobalSecondaryIndexes"]:
            resources.append(sub(f"${{{logical_id}.Arn}}/index/*"))
    return resources


def policy(name: str, role: str, statements: list[dict[str, Any]]) -> dict[str, Any]:
    """An inline policy attached to the role chalice made for a function."""
    return {
        "Type": "AWS::IAM::Policy",
        "Properties": {
            "PolicyName": name,
            "Roles": [ref(role)],
            "PolicyDocument": {"Version": "2012-10-17", "Statement": statements},
        },
    }


def stream_reader(sid: str, table: str) -> dict[str, Any]:
    """What an event-source mapping needs of its function's role to read a table's stream."""
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Action": ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator",
                   "dynamodb:ListStreams"],
        "Resource": {"Fn::GetAtt": [table, "StreamArn"]},
    }
