"""The API function: what it may do (its policy), where everything is (its environment),
the documents layer it carries, and chalice's function and REST API completed."""

from __future__ import annotations

import re
from typing import Any

from infrastructure import layers
from infrastructure.cloud.base import (
    API_FUNCTION,
    API_FUNCTION_ROLE,
    DOCUMENTS_LAYER,
    REST_API,
    SHORT_RETENTION_STAGES,
    arn,
    media_bucket_name,
    ref,
    sub,
    table_logical_id,
)
from infrastructure.cloud.iam import (
    APPEND_ONLY_TABLES,
    CHECKPOINT_WRITE_ACTIONS,
    COGNITO_ACTIONS,
    DYNAMODB_ACTIONS,
    MEDIA_ACTIONS,
    SEALER_TABLES,
    VAULT_READ_ACTIONS,
    table_resources,
)
from infrastructure.cloud.statemachines import state_machine_arn, state_machine_name


def api_policy(stage: str, state_machines: list[str]) -> dict[str, Any]:
    """What the API function may do, and nothing more."""
    statements: list[dict[str, Any]] = [
        {
            "Sid": "ReadWriteTables",
            "Effect": "Allow",
            "Action": DYNAMODB_ACTIONS,
            "Resource": table_resources(exclude=SEALER_TABLES + APPEND_ONLY_TABLES),
        },
        {
            # The vault's index: what verification and the compliance pages read.
            "Sid": "ReadSealIndex",
            "Effect": "Allow",
            "Action": ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"],
            "Resource": table_resources(SEALER_TABLES),
        },
        {
            # The health check counts the entries waiting to be sealed, across tenants (counts only).
            "Sid": "CountSealingFailures",
            "Effect": "Allow",
            "Action": "dynamodb:Scan",
            "Resource": arn(table_logical_id("seal_failures")),
        },
        {
            # Inspection reports: written once (with their journal entry), never changed.
            "Sid": "AppendInspections",
            "Effect": "Allow",
            "Action": ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem"],
            "Resource": table_resources(APPEND_ONLY_TABLES),
        },
        {
            "Sid": "ManageUsers",
            "Effect": "Allow",
            "Action": COGNITO_ACTIONS,
            "Resource": arn("UserPool"),
        },
        {
            # The signup's confirmation code (chalicelib/adapters/mail.py), from MailFrom only.
            "Sid": "SendConfirmationEmails",
            "Effect": "Allow",
            "Action": "ses:SendEmail",
            "Resource": sub("arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/*"),
            "Condition": {"StringEquals": {"ses:FromAddress": ref("MailFrom")}},
        },
        {
            "Sid": "ReadWriteMedia",
            "Effect": "Allow",
            "Action": MEDIA_ACTIONS,
            # By name, not by reference: the media bucket's CORS names the distribution,
            # which names the API, whose function would then depend on the bucket.
            "Resource": {
                "Fn::Sub": [
                    "arn:${AWS::Partition}:s3:::${Bucket}/*",
                    {"Bucket": media_bucket_name(stage)},
                ]
            },
        },
        {
            # Declarations and backups: the DGFiP key, download links (presigned), deletions.
            "Sid": "ReadWriteFiles",
            "Effect": "Allow",
            "Action": ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"],
            "Resource": sub("${FilesBucket.Arn}/*"),
        },
        {
            "Sid": "ReadSealedRecords",
            "Effect": "Allow",
            "Action": VAULT_READ_ACTIONS,
            "Resource": sub("${VaultBucket.Arn}/*"),
        },
        {
            # Verification probes the rank after the index's last: without ListBucket, S3
            # answers a missing key with 403 instead of 404.
            "Sid": "TellMissingRecords",
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": arn("VaultBucket"),
        },
        {
            # Verification lists every version of a chain's keys: a key written over (even if
            # the index was pointed at the newcomer) holds more than the one sealed version.
            "Sid": "ListSealedVersions",
            "Effect": "Allow",
            "Action": "s3:ListBucketVersions",
            "Resource": arn("VaultBucket"),
        },
        {
            "Sid": "WriteVerificationCheckpoints",
            "Effect": "Allow",
            "Action": CHECKPOINT_WRITE_ACTIONS,
            "Resource": sub("${VaultBucket.Arn}/verification/*"),
        },
    ]
    if state_machines:
        statements.append(
            {
                "Sid": "RunJobs",
                "Effect": "Allow",
                "Action": "states:StartExecution",
                "Resource": [state_machine_arn(stage, name) for name in state_machines],
            }
        )
        statements.append(
            {
                "Sid": "FollowJobs",
                "Effect": "Allow",
                "Action": "states:DescribeExecution",
                "Resource": [
                    sub(
                        "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}"
                        f":execution:{state_machine_name(stage, name)}:*"
                    )
                    for name in state_machines
                ],
            }
        )
    return {
        "Type": "AWS::IAM::Policy",
        "Properties": {
            "PolicyName": "LotbookApiAccess",
            "Roles": [ref(API_FUNCTION_ROLE)],
            "PolicyDocument": {"Version": "2012-10-17", "Statement": statements},
        },
    }


def api_environment(stage: str, state_machines: list[str] | None = None) -> dict[str, Any]:
    """Variables merged into chalice's (``.chalice/config.json`` keeps its own)."""
    variables: dict[str, Any] = {
        "LOTBOOK_STAGE": stage,
        "LOTBOOK_TABLE_PREFIX": f"lotbook-{stage}",
        "LOTBOOK_USER_POOL_ID": ref("UserPool"),
        "LOTBOOK_USER_POOL_CLIENT_ID": ref("UserPoolClient"),
        "LOTBOOK_VAULT_BUCKET": ref("VaultBucket"),
        # The verification holds each record's retention to its sealing day plus these years.
        "LOTBOOK_VAULT_RETENTION_YEARS": ref("VaultRetentionYears"),
        "LOTBOOK_MEDIA_BUCKET": media_bucket_name(stage),  # by name: see api_policy
        "LOTBOOK_FILES_BUCKET": ref("FilesBucket"),
        # Signup confirmation codes go out through SES from this (verified) address.
        "LOTBOOK_MAIL_FROM": ref("MailFrom"),
        # CloudFront sets it (the origin request policy forwards it): the viewer's "ip:port".
        "LOTBOOK_CLIENT_IP_HEADER": "CloudFront-Viewer-Address",
        "LOTBOOK_VERSION": ref("SoftwareVersion"),
        # The key of the inspectors' one-time code hashes: generated by Secrets Manager at the
        # stack's creation, resolved into the environment at deployment (never in the template).
        "LOTBOOK_INSPECTOR_CODE_KEY": sub("{{resolve:secretsmanager:${InspectorCodeKey}:SecretString}}"),
        "POWERTOOLS_SERVICE_NAME": "lotbook",
        "POWERTOOLS_METRICS_NAMESPACE": "Lotbook",
        "POWERTOOLS_LOG_LEVEL": "DEBUG" if stage in SHORT_RETENTION_STAGES else "INFO",
    }
    for name in state_machines or []:
        variables[f"LOTBOOK_STATE_MACHINE_{re.sub(r'[^A-Za-z0-9]+', '_', name).upper()}"] = state_machine_arn(
            stage, name
        )
    return variables


def documents_layer(stage: str) -> dict[str, Any]:
    """The layer's zip sits beside sam.json (``python -m infrastructure.layers --out <packaged>``),
    so ``aws cloudformation package`` uploads it like chalice's deployment.zip."""
    return {
        "Type": "AWS::Serverless::LayerVersion",
        "Properties": {
            "LayerName": f"lotbook-{stage}-documents",
            "Description": "ReportLab, rl_accel, python-barcode, Pillow (layers/documents/requirements.txt)",
            "ContentUri": f"./{layers.zip_name('documents')}",
            "CompatibleRuntimes": [layers.RUNTIME],
            "CompatibleArchitectures": [layers.ARCHITECTURE],
            "RetentionPolicy": "Delete",
        },
    }


def api(stage: str, state_machines: list[str]) -> dict[str, Any]:
    """The API function's policy and layer, and what the merge adds to chalice's function
    and REST API (deep-merged: same logical ids)."""
    return {
        # The key under which inspectors' one-time codes are hashed (chalicelib/domain/inspector.py):
        # random, made once, read by CloudFormation only (a dynamic reference in the environment).
        "InspectorCodeKey": {
            "Type": "AWS::SecretsManager::Secret",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "Description": f"Lotbook ({stage}): key of the inspector access codes' hashes",
                "GenerateSecretString": {"PasswordLength": 48, "ExcludePunctuation": True},
            },
        },
        "ApiHandlerAccessPolicy": api_policy(stage, state_machines),
        API_FUNCTION: {
            # The function never runs without its permissions.
            "DependsOn": ["ApiHandlerAccessPolicy"],
            "Properties": {
                "Tracing": "Active",
                "Environment": {"Variables": api_environment(stage, state_machines)},
                "Layers": [ref(DOCUMENTS_LAYER)],
            },
        },
        DOCUMENTS_LAYER: documents_layer(stage),
        REST_API: {
            "Properties": {
                # CloudFront is the edge: an EDGE endpoint would put a second one behind it.
                "EndpointConfiguration": "REGIONAL",
                "TracingEnabled": True,
            }
        },
    }
