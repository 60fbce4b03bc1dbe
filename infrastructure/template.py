"""The cloud template: chalice's SAM output plus every resource chalice does not make.

``chalice package --merge-template`` deep-merges a template into its own output by
logical id, so this module generates that merge template (:func:`build_extra_resources`)
from the same definitions the local stack uses (tables from the pynamodb models,
Cognito, the vault and the state machines from :mod:`infrastructure.definitions`),
then packages, expands SAM offline and writes both templates::

    python -m infrastructure.template --stage dev --out build/ [--lint]

writes ``build/merge-template.json``, ``build/packaged/sam.json`` (what to deploy,
with ``deployment.zip`` beside it) and ``build/packaged/expanded.json`` (the same after
the SAM transform, for cfn-lint and the tests). No AWS account and no Node needed.

Chalice's logical ids are fixed by chalice 1.34 and checked by the tests:
``APIHandler`` (the API function), ``ApiHandlerRole`` (its role: ``autogen_policy`` is
false, so chalice names it after the function and fills it from
``.chalice/policy-<stage>.json``) and ``RestAPI``.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chalicelib.adapters.models import table_specs
from infrastructure import definitions, layers

ROOT = definitions.ROOT
DEFAULT_REGION = "eu-west-3"

# Chalice's own logical ids (chalice 1.34, autogen_policy false).
API_FUNCTION = "APIHandler"
API_FUNCTION_ROLE = "ApiHandlerRole"
REST_API = "RestAPI"

# Stages whose vault defaults to a short retention (years): objects written there
# cannot be deleted before it ends, so a test stage must not keep them for ten years.
SHORT_RETENTION_STAGES = {"dev": 1}

# CloudFront managed policies (the same ids in every account).
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
SECURITY_HEADERS = "67f7725c-6f97-4210-82d7-5512b31e9d03"

SITE_ORIGIN = "site"
API_ORIGIN = "api"

# What the API function may do, and nothing more (see _api_policy).
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
]
MEDIA_ACTIONS = ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"]
# The API reads sealed records back (content, version, retention); the sealer writes.
VAULT_READ_ACTIONS = ["s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectRetention"]
# The verification's checkpoints (chalicelib/domain/checkpoint.py): written once, locked, under
# verification/ only — never a tenant's sealed records.
CHECKPOINT_WRITE_ACTIONS = ["s3:PutObject", "s3:PutObjectRetention"]

# The sealer (app.seal_journal, fed by the journal's stream) and the daily anchoring
# of chain heads (app.anchor_chain_heads): chalice's logical ids for them.
SEALER_FUNCTION = "SealJournal"
SEALER_ROLE = "SealJournalRole"
SEALER_EVENT = "SealJournalDynamodbEventSource"
ANCHOR_FUNCTION = "AnchorChainHeads"
ANCHOR_ROLE = "AnchorChainHeadsRole"
# Every 5 minutes, what the stream's retries could not seal is sealed again (app.retry_sealing).
RETRY_SEALING_FUNCTION = "RetrySealing"
RETRY_SEALING_ROLE = "RetrySealingRole"
CLOSINGS_FUNCTION = "CloseRegisters"
CLOSINGS_ROLE = "CloseRegistersRole"
# Tables the sealer alone writes; the API only reads them.
SEALER_TABLES = ("sealed", "chain_heads", "seal_claims", "seal_failures")
# Tables the API appends to and never updates nor deletes from.
APPEND_ONLY_TABLES = ("inspections",)
# A failing batch is retried (bisected) this many times, then its position goes to
# the dead-letter queue and the stream moves on (see chalicelib/services/sealing.py).
SEALER_MAX_RETRY_ATTEMPTS = 10

# ReportLab and python-barcode (PDFs) reach the API function as a layer built from
# layers/documents/ (infrastructure/layers.py), not inside chalice's deployment.zip.
DOCUMENTS_LAYER = layers.LAYERS["documents"]


# --------------------------------------------------------------------------- helpers


def _ref(logical_id: str) -> dict[str, Any]:
    return {"Ref": logical_id}


def _arn(logical_id: str) -> dict[str, Any]:
    return {"Fn::GetAtt": [logical_id, "Arn"]}


def _sub(text: str) -> dict[str, Any]:
    return {"Fn::Sub": text}


def _camel(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", name))


def table_logical_id(base_name: str) -> str:
    return f"{_camel(base_name)}Table"


def state_machine_logical_id(name: str) -> str:
    return f"{_camel(name)}StateMachine"


def _chalice_config() -> dict[str, Any]:
    return json.loads((ROOT / ".chalice" / "config.json").read_text(encoding="utf-8"))


def api_gateway_stage(stage: str) -> str:
    """The API Gateway stage chalice deploys (the CloudFront origin path)."""
    config = _chalice_config()
    if stage not in config.get("stages", {}):
        raise ValueError(f"unknown stage {stage!r}: not in .chalice/config.json")
    stage_config = config["stages"][stage]
    return str(stage_config.get("api_gateway_stage", config.get("api_gateway_stage", "api")))


def default_retention_years(stage: str) -> int:
    return SHORT_RETENTION_STAGES.get(stage, definitions.VAULT_DEFAULT_RETENTION_YEARS)


def bucket_name(name: str) -> dict[str, Any]:
    """S3 names are global: the account and region make ours unique."""
    return _sub(f"{name}-${{AWS::AccountId}}-${{AWS::Region}}")


def _media_bucket_name(stage: str) -> dict[str, Any]:
    return bucket_name(f"lotbook-{stage}-media")


def _private_bucket_properties(name: str) -> dict[str, Any]:
    return {
        "BucketName": bucket_name(name),
        "PublicAccessBlockConfiguration": {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        },
        "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
        "BucketEncryption": {
            "ServerSideEncryptionConfiguration": [
                {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
            ]
        },
    }


def _deny_insecure_transport(bucket: str) -> dict[str, Any]:
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [_arn(bucket), _sub(f"${{{bucket}.Arn}}/*")],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def _bucket_policy(bucket: str, *statements: dict[str, Any]) -> dict[str, Any]:
    return {
        "Type": "AWS::S3::BucketPolicy",
        "Properties": {
            "Bucket": _ref(bucket),
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [*statements, _deny_insecure_transport(bucket)],
            },
        },
    }


# --------------------------------------------------------------------------- resources


def _tables(stage: str) -> dict[str, Any]:
    resources = {}
    for spec in table_specs():
        properties: dict[str, Any] = {
            "TableName": f"lotbook-{stage}-{spec['base_name']}",
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": spec["AttributeDefinitions"],
            "KeySchema": spec["KeySchema"],
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            "SSESpecification": {"SSEEnabled": True},
            "DeletionProtectionEnabled": stage not in SHORT_RETENTION_STAGES,
        }
        if spec["GlobalSecondaryIndexes"]:
            properties["GlobalSecondaryIndexes"] = spec["GlobalSecondaryIndexes"]
        if spec["StreamViewType"]:
            properties["StreamSpecification"] = {"StreamViewType": spec["StreamViewType"]}
        if spec["TimeToLiveAttribute"]:
            properties["TimeToLiveSpecification"] = {
                "AttributeName": spec["TimeToLiveAttribute"],
                "Enabled": True,
            }
        resources[table_logical_id(spec["base_name"])] = {
            "Type": "AWS::DynamoDB::Table",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": properties,
        }
    return resources


def _vault(stage: str) -> dict[str, Any]:
    properties = _private_bucket_properties(definitions.vault_bucket_name(stage))
    properties.update(
        {
            "ObjectLockEnabled": True,
            "ObjectLockConfiguration": {
                "ObjectLockEnabled": "Enabled",
                "Rule": {
                    "DefaultRetention": {
                        "Mode": definitions.VAULT_OBJECT_LOCK_MODE,
                        "Years": _ref("VaultRetentionYears"),
                    }
                },
            },
            "VersioningConfiguration": {"Status": "Enabled"},
        }
    )
    return {
        "VaultBucket": {
            "Type": "AWS::S3::Bucket",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": properties,
        },
        "VaultBucketPolicy": _bucket_policy("VaultBucket"),
    }


def _media(stage: str) -> dict[str, Any]:
    properties = _private_bucket_properties(f"lotbook-{stage}-media")
    properties["BucketName"] = _media_bucket_name(stage)
    properties.update(
        {
            # Browsers upload with presigned POSTs from the site's origin.
            "CorsConfiguration": {
                "CorsRules": [
                    {
                        "AllowedMethods": ["GET", "HEAD", "POST"],
                        "AllowedOrigins": [_sub("https://${SiteDistribution.DomainName}")],
                        "AllowedHeaders": ["*"],
                        "ExposedHeaders": ["ETag"],
                        "MaxAge": 3000,
                    }
                ]
            },
            "LifecycleConfiguration": {
                "Rules": [
                    {
                        "Id": "AbortIncompleteUploads",
                        "Status": "Enabled",
                        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
                    }
                ]
            },
        }
    )
    # Each new original (never a thumbnail: another prefix) calls the thumbnail function.
    # S3 checks it may invoke it when the configuration is set: the permission comes first.
    properties["NotificationConfiguration"] = {
        "LambdaConfigurations": [
            {
                "Event": "s3:ObjectCreated:*",
                "Filter": {"S3Key": {"Rules": [{"Name": "prefix", "Value": definitions.MEDIA_UPLOAD_PREFIX}]}},
                "Function": _arn(THUMBNAIL_FUNCTION),
            }
        ]
    }
    return {
        "MediaBucket": {
            "Type": "AWS::S3::Bucket",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "DependsOn": ["MediaBucketInvokesThumbnails"],
            "Properties": properties,
        },
        "MediaBucketPolicy": _bucket_policy("MediaBucket"),
    }


def _site(stage: str) -> dict[str, Any]:
    api_domain = _sub(f"${{{REST_API}}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}")
    return {
        # Static files only, rebuilt from the repository: deleted with the stack
        # (empty it first, `aws s3 rm --recursive`).
        "SiteBucket": {
            "Type": "AWS::S3::Bucket",
            "Properties": _private_bucket_properties(f"lotbook-{stage}-site"),
        },
        "SiteBucketPolicy": _bucket_policy(
            "SiteBucket",
            {
                "Sid": "AllowCloudFrontOriginAccessControl",
                "Effect": "Allow",
                "Principal": {"Service": "cloudfront.amazonaws.com"},
                "Action": "s3:GetObject",
                "Resource": _sub("${SiteBucket.Arn}/*"),
                "Condition": {
                    "StringEquals": {
                        "AWS:SourceArn": _sub(
                            "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}"
                            ":distribution/${SiteDistribution}"
                        )
                    }
                },
            },
        ),
        "SiteOriginAccessControl": {
            "Type": "AWS::CloudFront::OriginAccessControl",
            "Properties": {
                "OriginAccessControlConfig": {
                    # Account-wide names: the region keeps two deployments apart.
                    "Name": _sub(f"lotbook-{stage}-site-${{AWS::Region}}"),
                    "Description": f"Lotbook {stage}: CloudFront reads the site bucket",
                    "OriginAccessControlOriginType": "s3",
                    "SigningBehavior": "always",
                    "SigningProtocol": "sigv4",
                }
            },
        },
        "SiteDistribution": {
            "Type": "AWS::CloudFront::Distribution",
            "Properties": {
                "DistributionConfig": {
                    "Comment": f"Lotbook {stage}: site and /api",
                    "Enabled": True,
                    "DefaultRootObject": "index.html",
                    "HttpVersion": "http2and3",
                    "IPV6Enabled": True,
                    "PriceClass": "PriceClass_100",
                    "Origins": [
                        {
                            "Id": SITE_ORIGIN,
                            "DomainName": {"Fn::GetAtt": ["SiteBucket", "RegionalDomainName"]},
                            "OriginAccessControlId": {"Fn::GetAtt": ["SiteOriginAccessControl", "Id"]},
                            # Required with an S3 origin; empty: OAC, not a legacy OAI.
                            "S3OriginConfig": {"OriginAccessIdentity": ""},
                        },
                        {
                            "Id": API_ORIGIN,
                            "DomainName": api_domain,
                            "OriginPath": f"/{api_gateway_stage(stage)}",
                            "CustomOriginConfig": {
                                "OriginProtocolPolicy": "https-only",
                                "HTTPSPort": 443,
                                "OriginSSLProtocols": ["TLSv1.2"],
                            },
                        },
                    ],
                    "DefaultCacheBehavior": {
                        "TargetOriginId": SITE_ORIGIN,
                        "ViewerProtocolPolicy": "redirect-to-https",
                        "AllowedMethods": ["GET", "HEAD"],
                        "CachedMethods": ["GET", "HEAD"],
                        "CachePolicyId": CACHING_OPTIMIZED,
                        "ResponseHeadersPolicyId": SECURITY_HEADERS,
                        "Compress": True,
                    },
                    "CacheBehaviors": [
                        {
                            # No caching; every viewer header but Host (Authorization
                            # included), every query string and cookie reach the API.
                            "PathPattern": "/api/*",
                            "TargetOriginId": API_ORIGIN,
                            "ViewerProtocolPolicy": "https-only",
                            "AllowedMethods": [
                                "GET",
                                "HEAD",
                                "OPTIONS",
                                "PUT",
                                "PATCH",
                                "POST",
                                "DELETE",
                            ],
                            "CachedMethods": ["GET", "HEAD"],
                            "CachePolicyId": CACHING_DISABLED,
                            "OriginRequestPolicyId": ALL_VIEWER_EXCEPT_HOST_HEADER,
                            "Compress": True,
                        }
                    ],
                    # No CustomErrorResponses: they would also rewrite the API's 403/404.
                }
            },
        },
    }


def _cognito(stage: str) -> dict[str, Any]:
    resources: dict[str, Any] = {
        "UserPool": {
            "Type": "AWS::Cognito::UserPool",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "UserPoolName": definitions.user_pool_name(stage),
                "UsernameAttributes": ["email"],
                "UsernameConfiguration": {"CaseSensitive": False},
                "AutoVerifiedAttributes": ["email"],
                "Schema": definitions.USER_POOL_SCHEMA,
                "Policies": {"PasswordPolicy": definitions.PASSWORD_POLICY},
                # Users are made by the API only (POST /api/signup, /api/users), which
                # sets the immutable tenant attribute: no self sign-up can choose one.
                "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": True},
                "AccountRecoverySetting": {"RecoveryMechanisms": [{"Name": "verified_email", "Priority": 1}]},
                "MfaConfiguration": "OFF",
                "DeletionProtection": "INACTIVE" if stage in SHORT_RETENTION_STAGES else "ACTIVE",
            },
        },
        "UserPoolClient": {
            "Type": "AWS::Cognito::UserPoolClient",
            "Properties": {
                "ClientName": f"lotbook-{stage}-web",
                "UserPoolId": _ref("UserPool"),
                "GenerateSecret": False,
                "ExplicitAuthFlows": definitions.USER_POOL_CLIENT_AUTH_FLOWS,
                "PreventUserExistenceErrors": "ENABLED",
                "EnableTokenRevocation": True,
                "SupportedIdentityProviders": ["COGNITO"],
            },
        },
    }
    for group in definitions.USER_POOL_GROUPS:
        resources[f"{_camel(group)}Group"] = {
            "Type": "AWS::Cognito::UserPoolGroup",
            "Properties": {
                "GroupName": group,
                "Description": f"Lotbook profile {group}",
                "UserPoolId": _ref("UserPool"),
            },
        }
    return resources


# Signups per address and window: the in-process limit (chalicelib/services/accounts.py)
# per container, and this WAF rule across them. WAF counts in windows of 60 to 600 s
# and from 10 requests: 10 per 10 minutes per viewer address.
SIGNUP_WAF_LIMIT = 10
SIGNUP_WAF_WINDOW_SECONDS = 600
# Through CloudFront, the API sees an edge's address: the viewer's is the last of
# X-Forwarded-For, which WAF cannot read; it reads the first. So one rule counts per
# forwarded address (a script that sends no X-Forwarded-For of its own) and a looser one
# per connecting address (an edge, or a caller of the execute-api endpoint directly).
SIGNUP_WAF_EDGE_LIMIT = 100


def _signup_rule(name: str, priority: int, limit: int, forwarded: bool) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Limit": limit,
        "EvaluationWindowSec": SIGNUP_WAF_WINDOW_SECONDS,
        "AggregateKeyType": "FORWARDED_IP" if forwarded else "IP",
        "ScopeDownStatement": {"AndStatement": {"Statements": [
            {"ByteMatchStatement": {
                "FieldToMatch": {"UriPath": {}}, "PositionalConstraint": "ENDS_WITH",
                "SearchString": "/api/signup", "TextTransformations": [{"Priority": 0, "Type": "LOWERCASE"}],
            }},
            {"ByteMatchStatement": {
                "FieldToMatch": {"Method": {}}, "PositionalConstraint": "EXACTLY",
                "SearchString": "POST", "TextTransformations": [{"Priority": 0, "Type": "NONE"}],
            }},
        ]}},
    }
    if forwarded:
        statement["ForwardedIPConfig"] = {"HeaderName": "X-Forwarded-For", "FallbackBehavior": "MATCH"}
    return {
        "Name": name,
        "Priority": priority,
        "Statement": {"RateBasedStatement": statement},
        "Action": {"Block": {"CustomResponse": {"ResponseCode": 429, "CustomResponseBodyKey": "too_many_signups"}}},
        "VisibilityConfig": {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True,
                             "MetricName": f"lotbook-{name}"},
    }


def _waf(stage: str, api_stage: str) -> dict[str, Any]:
    """A rate-based rule on POST /api/signup, on the API Gateway stage."""
    body = {"error": {"code": "too_many_requests",
                      "message": "Trop de demandes depuis cette adresse : réessayez plus tard."}}
    return {
        "ApiWebAcl": {
            "Type": "AWS::WAFv2::WebACL",
            "Properties": {
                "Name": f"lotbook-{stage}-api",
                "Description": "Lotbook API: signups per address",
                "Scope": "REGIONAL",
                "DefaultAction": {"Allow": {}},
                "Rules": [
                    _signup_rule("signups-per-viewer", 0, SIGNUP_WAF_LIMIT, forwarded=True),
                    _signup_rule("signups-per-connection", 1, SIGNUP_WAF_EDGE_LIMIT, forwarded=False),
                ],
                "CustomResponseBodies": {"too_many_signups": {
                    "ContentType": "APPLICATION_JSON", "Content": json.dumps(body, ensure_ascii=False)}},
                "VisibilityConfig": {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True,
                                     "MetricName": f"lotbook-{stage}-api"},
            },
        },
        "ApiWebAclAssociation": {
            "Type": "AWS::WAFv2::WebACLAssociation",
            "Properties": {
                "ResourceArn": _sub(
                    f"arn:${{AWS::Partition}}:apigateway:${{AWS::Region}}::/restapis/${{{REST_API}}}"
                    f"/stages/${{{REST_API}.Stage}}"
                ),
                "WebACLArn": _arn("ApiWebAcl"),
            },
        },
    }


_PLACEHOLDER = re.compile(r"\$\{([A-Za-z][A-Za-z0-9]*)\}")


def _state_machines(stage: str, files: dict[str, Path]) -> dict[str, Any]:
    """One state machine per ASL file, its definition inlined.

    In the ASL, ``${<LogicalId>Arn}`` stands for ``!GetAtt <LogicalId>.Arn`` (a task
    Lambda, e.g. ``${APIHandlerArn}``) and any other ``${<LogicalId>}`` for its ``Ref``.
    The role may invoke every function referenced that way.
    """
    if not files:
        return {}
    resources: dict[str, Any] = {}
    invoked: list[Any] = []
    for name, path in sorted(files.items()):
        text = path.read_text(encoding="utf-8")
        substitutions: dict[str, Any] = {}
        for key in sorted(set(_PLACEHOLDER.findall(text))):
            if key.endswith("Arn") and len(key) > 3:
                substitutions[key] = _arn(key[:-3])
                if _arn(key[:-3]) not in invoked:
                    invoked.append(_arn(key[:-3]))
            else:
                substitutions[key] = _ref(key)
        properties: dict[str, Any] = {
            "StateMachineName": state_machine_name(stage, name.removesuffix(".asl")),
            "StateMachineType": "STANDARD",
            "Definition": json.loads(text),
            "RoleArn": _arn("StateMachineRole"),
            "TracingConfiguration": {"Enabled": True},
        }
        if substitutions:
            properties["DefinitionSubstitutions"] = substitutions
        resources[state_machine_logical_id(name.removesuffix(".asl"))] = {
            "Type": "AWS::StepFunctions::StateMachine",
            "Properties": properties,
        }
    statements: list[dict[str, Any]] = [
        {
            "Sid": "WriteTraces",
            "Effect": "Allow",
            "Action": [
                "xray:PutTraceSegments",
                "xray:PutTelemetryRecords",
                "xray:GetSamplingRules",
                "xray:GetSamplingTargets",
            ],
            "Resource": "*",
        }
    ]
    if invoked:
        statements.append(
            {
                "Sid": "InvokeTaskFunctions",
                "Effect": "Allow",
                "Action": "lambda:InvokeFunction",
                "Resource": invoked + [_sub(f"${{{a['Fn::GetAtt'][0]}.Arn}}:*") for a in invoked],
            }
        )
    resources["StateMachineRole"] = {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "states.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            },
            "Policies": [
                {
                    "PolicyName": "StateMachineAccess",
                    "PolicyDocument": {"Version": "2012-10-17", "Statement": statements},
                }
            ],
        },
    }
    return resources


def _table_resources(names: tuple[str, ...] | None = None, exclude: tuple[str, ...] = ()) -> list[Any]:
    """The ARNs of the tables (all, or ``names``) and of their indexes."""
    resources: list[Any] = []
    for spec in table_specs():
        if (names is not None and spec["base_name"] not in names) or spec["base_name"] in exclude:
            continue
        logical_id = table_logical_id(spec["base_name"])
        resources.append(_arn(logical_id))
        if spec["GlobalSecondaryIndexes"]:
            resources.append(_sub(f"${{{logical_id}.Arn}}/index/*"))
    return resources


def _api_policy(stage: str, state_machines: list[str]) -> dict[str, Any]:
    statements: list[dict[str, Any]] = [
        {
            "Sid": "ReadWriteTables",
            "Effect": "Allow",
            "Action": DYNAMODB_ACTIONS,
            "Resource": _table_resources(exclude=SEALER_TABLES + APPEND_ONLY_TABLES),
        },
        {
            # The vault's index: what verification and the compliance pages read.
            "Sid": "ReadSealIndex",
            "Effect": "Allow",
            "Action": ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"],
            "Resource": _table_resources(SEALER_TABLES),
        },
        {
            # The health check counts the entries waiting to be sealed, across tenants (counts only).
            "Sid": "CountSealingFailures",
            "Effect": "Allow",
            "Action": "dynamodb:Scan",
            "Resource": _arn(table_logical_id("seal_failures")),
        },
        {
            # Inspection reports: written once (with their journal entry), never changed.
            "Sid": "AppendInspections",
            "Effect": "Allow",
            "Action": ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem"],
            "Resource": _table_resources(APPEND_ONLY_TABLES),
        },
        {
            "Sid": "ManageUsers",
            "Effect": "Allow",
            "Action": COGNITO_ACTIONS,
            "Resource": _arn("UserPool"),
        },
        {
            # The signup's confirmation code (chalicelib/adapters/mail.py), from MailFrom only.
            "Sid": "SendConfirmationEmails",
            "Effect": "Allow",
            "Action": "ses:SendEmail",
            "Resource": _sub("arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/*"),
            "Condition": {"StringEquals": {"ses:FromAddress": _ref("MailFrom")}},
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
                    {"Bucket": _media_bucket_name(stage)},
                ]
            },
        },
        {
            # Declarations and backups: the DGFiP key, download links (presigned), deletions.
            "Sid": "ReadWriteFiles",
            "Effect": "Allow",
            "Action": ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"],
            "Resource": _sub("${FilesBucket.Arn}/*"),
        },
        {
            "Sid": "ReadSealedRecords",
            "Effect": "Allow",
            "Action": VAULT_READ_ACTIONS,
            "Resource": _sub("${VaultBucket.Arn}/*"),
        },
        {
            # Verification probes the rank after the index's last: without ListBucket, S3
            # answers a missing key with 403 instead of 404.
            "Sid": "TellMissingRecords",
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": _arn("VaultBucket"),
        },
        {
            # Verification lists every version of a chain's keys: a key written over (even if
            # the index was pointed at the newcomer) holds more than the one sealed version.
            "Sid": "ListSealedVersions",
            "Effect": "Allow",
            "Action": "s3:ListBucketVersions",
            "Resource": _arn("VaultBucket"),
        },
        {
            "Sid": "WriteVerificationCheckpoints",
            "Effect": "Allow",
            "Action": CHECKPOINT_WRITE_ACTIONS,
            "Resource": _sub("${VaultBucket.Arn}/verification/*"),
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
                    _sub(
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
            "Roles": [_ref(API_FUNCTION_ROLE)],
            "PolicyDocument": {"Version": "2012-10-17", "Statement": statements},
        },
    }


def _policy(name: str, role: str, statements: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "Type": "AWS::IAM::Policy",
        "Properties": {
            "PolicyName": name,
            "Roles": [_ref(role)],
            "PolicyDocument": {"Version": "2012-10-17", "Statement": statements},
        },
    }


def worker_environment(stage: str) -> dict[str, Any]:
    """Variables of the sealer and of the anchoring job (merged into chalice's)."""
    return {
        "LOTBOOK_STAGE": stage,
        "LOTBOOK_TABLE_PREFIX": f"lotbook-{stage}",
        "LOTBOOK_VAULT_BUCKET": _ref("VaultBucket"),
        "LOTBOOK_VAULT_RETENTION_YEARS": _ref("VaultRetentionYears"),
        "POWERTOOLS_SERVICE_NAME": "lotbook",
        "POWERTOOLS_METRICS_NAMESPACE": "Lotbook",
        "POWERTOOLS_LOG_LEVEL": "DEBUG" if stage in SHORT_RETENTION_STAGES else "INFO",
    }


def _stream_reader(sid: str, table: str) -> dict[str, Any]:
    """What an event-source mapping needs of its function's role to read a table's stream."""
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Action": ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator",
                   "dynamodb:ListStreams"],
        "Resource": {"Fn::GetAtt": [table, "StreamArn"]},
    }


def _dead_letters(stage: str, logical_prefix: str, name: str, period: int, description: str) -> dict[str, Any]:
    """A stream consumer's dead-letter queue (what failed after every retry) and the alarm
    that fires as soon as it holds one message."""
    queue = f"{logical_prefix}DeadLetterQueue"
    return {
        queue: {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "QueueName": f"lotbook-{stage}-{name}-dead-letters",
                "MessageRetentionPeriod": 1209600,  # 14 days, SQS's longest
                "SqsManagedSseEnabled": True,
            },
        },
        f"{logical_prefix}DeadLetterAlarm": _alarm(
            stage, f"{name}-dead-letters", description, Namespace="AWS/SQS",
            MetricName="ApproximateNumberOfMessagesVisible",
            Dimensions=[{"Name": "QueueName", "Value": {"Fn::GetAtt": [queue, "QueueName"]}}],
            Statistic="Maximum", Period=period, EvaluationPeriods=1, Threshold=0,
            ComparisonOperator="GreaterThanThreshold"),
    }


def _sealer(stage: str) -> dict[str, Any]:
    """The stream-fed sealer, its dead-letter queue and alarms, the anchoring job, and
    exactly the permissions each needs (chalice gives their roles logs and traces only)."""
    journal, sealed = table_logical_id("journal"), table_logical_id("sealed")
    claims, heads = table_logical_id("seal_claims"), table_logical_id("chain_heads")
    failures = table_logical_id("seal_failures")
    vault_objects = _sub("${VaultBucket.Arn}/*")
    return {
        **_dead_letters(stage, "Sealer", "sealer", 60, (
            "Journal records were not sealed after every retry: their stream positions are in the "
            "sealer's dead-letter queue. Fix the cause, then seal each entry again "
            "(chalicelib.services.sealing.reseal).")),
        "OperationsAlarmTopic": {
            "Type": "AWS::SNS::Topic",
            "Properties": {"TopicName": f"lotbook-{stage}-alarms", "KmsMasterKeyId": "alias/aws/sns"},
        },
        "SealerIteratorAgeAlarm": _alarm(
            stage, "sealer-late", "The sealer is more than 15 minutes behind the journal (failing or throttled).",
            Namespace="AWS/Lambda", MetricName="IteratorAge",
            Dimensions=[{"Name": "FunctionName", "Value": _ref(SEALER_FUNCTION)}], Statistic="Maximum", Period=300,
            EvaluationPeriods=1, Threshold=900000,  # milliseconds
            ComparisonOperator="GreaterThanThreshold"),
        "SealerAccessPolicy": _policy("LotbookSealerAccess", SEALER_ROLE, [
            _stream_reader("ReadJournalStream", journal),
            {
                # A reservation left by a failed attempt is completed from its journal entry.
                "Sid": "ReadJournal",
                "Effect": "Allow",
                "Action": "dynamodb:GetItem",
                "Resource": _arn(journal),
            },
            # Put the index; read it back to tell a redelivery from a claim that leads nowhere.
            {"Sid": "WriteSealIndex", "Effect": "Allow", "Action": ["dynamodb:PutItem", "dynamodb:GetItem"],
             "Resource": _arn(sealed)},
            {"Sid": "NoteSealingFailures", "Effect": "Allow", "Action": "dynamodb:UpdateItem",
             "Resource": _arn(failures)},
            {
                "Sid": "ClaimJournalEntries",
                "Effect": "Allow",
                "Action": ["dynamodb:BatchGetItem", "dynamodb:PutItem"],
                "Resource": _arn(claims),
            },
            {
                "Sid": "MoveChainHeads",
                "Effect": "Allow",
                "Action": ["dynamodb:GetItem", "dynamodb:UpdateItem"],
                "Resource": _arn(heads),
            },
            {
                # Write once with a retention; read back (HeadObject) when a retry finds it there.
                "Sid": "WriteVault",
                "Effect": "Allow",
                "Action": ["s3:PutObject", "s3:PutObjectRetention", "s3:GetObject"],
                "Resource": vault_objects,
            },
            {
                "Sid": "ReportUnsealedBatches",
                "Effect": "Allow",
                "Action": "sqs:SendMessage",
                "Resource": {"Fn::GetAtt": ["SealerDeadLetterQueue", "Arn"]},
            },
        ]),
        "AnchorAccessPolicy": _policy("LotbookAnchorAccess", ANCHOR_ROLE, [
            {
                "Sid": "ReadChainHeads",
                "Effect": "Allow",
                "Action": ["dynamodb:Scan", "dynamodb:Query"],
                "Resource": _arn(heads),
            },
            {"Sid": "ReadLastAnchor", "Effect": "Allow", "Action": "dynamodb:Query", "Resource": _arn(sealed)},
            {
                "Sid": "ReadSealedRecords",
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:GetObjectVersion"],
                "Resource": vault_objects,
            },
            {"Sid": "WriteJournal", "Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": _arn(journal)},
        ]),
        # Deep-merged into chalice's functions (same logical ids).
        SEALER_FUNCTION: {
            # The mapping is created with the function: its role must already read the stream.
            "DependsOn": ["SealerAccessPolicy"],
            "Properties": {
                "Timeout": 300,
                "MemorySize": 512,
                "Environment": {"Variables": worker_environment(stage)},
                "Events": {
                    SEALER_EVENT: {
                        "Properties": {
                            "Stream": {"Fn::GetAtt": [journal, "StreamArn"]},
                            "BisectBatchOnFunctionError": True,
                            "MaximumRetryAttempts": SEALER_MAX_RETRY_ATTEMPTS,
                            "MaximumRecordAgeInSeconds": -1,
                            "ParallelizationFactor": 1,  # one batch per shard at a time: order kept
                            "DestinationConfig": {
                                "OnFailure": {"Destination": {"Fn::GetAtt": ["SealerDeadLetterQueue", "Arn"]}}
                            },
                        }
                    }
                },
            },
        },
        # The sealer's work again, for the entries its stream gave up on: the same tables and
        # vault writes (no stream, no queue), and the failures it clears.
        "RetrySealingAccessPolicy": _policy("LotbookRetrySealingAccess", RETRY_SEALING_ROLE, [
            {"Sid": "ReadJournal", "Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": _arn(journal)},
            {"Sid": "WriteSealIndex", "Effect": "Allow", "Action": ["dynamodb:PutItem", "dynamodb:GetItem"],
             "Resource": _arn(sealed)},
            {"Sid": "ClaimJournalEntries", "Effect": "Allow",
             "Action": ["dynamodb:BatchGetItem", "dynamodb:PutItem"], "Resource": _arn(claims)},
            {"Sid": "MoveChainHeads", "Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:UpdateItem"],
             "Resource": _arn(heads)},
            {"Sid": "RetryFailures", "Effect": "Allow",
             "Action": ["dynamodb:Scan", "dynamodb:UpdateItem", "dynamodb:DeleteItem"], "Resource": _arn(failures)},
            {"Sid": "WriteVault", "Effect": "Allow",
             "Action": ["s3:PutObject", "s3:PutObjectRetention", "s3:GetObject"], "Resource": vault_objects},
        ]),
        RETRY_SEALING_FUNCTION: {
            "DependsOn": ["RetrySealingAccessPolicy"],
            "Properties": {
                "Timeout": 300,
                "MemorySize": 512,
                "Environment": {"Variables": worker_environment(stage)},
            },
        },
        ANCHOR_FUNCTION: {
            "DependsOn": ["AnchorAccessPolicy"],
            "Properties": {
                "Timeout": 300,
                "Environment": {"Variables": worker_environment(stage)},
            },
        },
        # The nightly cash-register closings (chalicelib/services/closings.py): reads the
        # tickets, writes each closing's marker and journal entry in one transaction.
        "CloseRegistersAccessPolicy": _policy("LotbookClosingsAccess", CLOSINGS_ROLE, [
            {"Sid": "FindTenants", "Effect": "Allow", "Action": "dynamodb:Scan", "Resource": _arn(heads)},
            {"Sid": "ReadTickets", "Effect": "Allow", "Action": "dynamodb:Query",
             "Resource": _arn(table_logical_id("sales"))},
            {"Sid": "MarkClosings", "Effect": "Allow",
             "Action": ["dynamodb:Query", "dynamodb:PutItem", "dynamodb:ConditionCheckItem"],
             "Resource": _arn(table_logical_id("counters"))},
            {"Sid": "WriteJournal", "Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": _arn(journal)},
        ]),
        CLOSINGS_FUNCTION: {
            "DependsOn": ["CloseRegistersAccessPolicy"],
            "Properties": {
                "Timeout": 300,
                "Environment": {"Variables": worker_environment(stage)},
            },
        },
    }


def _machine_names(files: dict[str, Path]) -> list[str]:
    """Names of the state machines: their file names without ``.asl.json``."""
    return sorted(name.removesuffix(".asl") for name in files)


def state_machine_name(stage: str, name: str) -> str:
    return f"lotbook-{stage}-{name}"


def state_machine_arn(stage: str, name: str) -> dict[str, Any]:
    """By name, not by reference: a task Lambda may be the API function itself."""
    return _sub(
        "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}"
        f":stateMachine:{state_machine_name(stage, name)}"
    )


def api_environment(stage: str, state_machines: list[str] | None = None) -> dict[str, Any]:
    """Variables merged into chalice's (``.chalice/config.json`` keeps its own)."""
    variables: dict[str, Any] = {
        "LOTBOOK_STAGE": stage,
        "LOTBOOK_TABLE_PREFIX": f"lotbook-{stage}",
        "LOTBOOK_USER_POOL_ID": _ref("UserPool"),
        "LOTBOOK_USER_POOL_CLIENT_ID": _ref("UserPoolClient"),
        "LOTBOOK_VAULT_BUCKET": _ref("VaultBucket"),
        # The verification holds each record's retention to its sealing day plus these years.
        "LOTBOOK_VAULT_RETENTION_YEARS": _ref("VaultRetentionYears"),
        "LOTBOOK_MEDIA_BUCKET": _media_bucket_name(stage),  # by name: see _api_policy
        "LOTBOOK_FILES_BUCKET": _ref("FilesBucket"),
        # Signup confirmation codes go out through SES from this (verified) address.
        "LOTBOOK_MAIL_FROM": _ref("MailFrom"),
        # CloudFront sets it (the origin request policy forwards it): the viewer's "ip:port".
        "LOTBOOK_CLIENT_IP_HEADER": "CloudFront-Viewer-Address",
        "POWERTOOLS_SERVICE_NAME": "lotbook",
        "POWERTOOLS_METRICS_NAMESPACE": "Lotbook",
        "POWERTOOLS_LOG_LEVEL": "DEBUG" if stage in SHORT_RETENTION_STAGES else "INFO",
    }
    for name in state_machines or []:
        variables[f"LOTBOOK_STATE_MACHINE_{re.sub(r'[^A-Za-z0-9]+', '_', name).upper()}"] = state_machine_arn(
            stage, name
        )
    return variables


def _documents_layer(stage: str) -> dict[str, Any]:
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


# The jobs' task (app.run_job, the "jobs" state machine): chalice's logical ids.
JOB_FUNCTION = "RunJob"
JOB_ROLE = "RunJobRole"
DRAFTS_FUNCTION = "Prepare2093Drafts"
DRAFTS_ROLE = "Prepare2093DraftsRole"
FILES_ACTIONS = ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"]


def _files(stage: str) -> dict[str, Any]:
    """Generated files and backups (2093 declarations, archives), and the jobs' task access."""
    files_objects = _sub("${FilesBucket.Arn}/*")
    return {
        "FilesBucket": {
            "Type": "AWS::S3::Bucket",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": _private_bucket_properties(definitions.files_bucket_name(stage)),
        },
        "FilesBucketPolicy": _bucket_policy("FilesBucket"),
        "JobAccessPolicy": _policy("LotbookJobAccess", JOB_ROLE, [
            {
                "Sid": "ReadWriteTables",
                "Effect": "Allow",
                "Action": DYNAMODB_ACTIONS,
                "Resource": _table_resources(exclude=SEALER_TABLES + APPEND_ONLY_TABLES),
            },
            {"Sid": "ReadWriteFiles", "Effect": "Allow", "Action": FILES_ACTIONS, "Resource": files_objects},
            # The verification job re-reads the sealed index and the vault (never writes them).
            {"Sid": "ReadSealedIndex", "Effect": "Allow", "Action": ["dynamodb:Query", "dynamodb:GetItem"],
             "Resource": _table_resources(SEALER_TABLES)},
            {"Sid": "ReadSealedRecords", "Effect": "Allow", "Action": VAULT_READ_ACTIONS,
             "Resource": _sub("${VaultBucket.Arn}/*")},
            {"Sid": "TellMissingRecords", "Effect": "Allow", "Action": "s3:ListBucket",
             "Resource": _arn("VaultBucket")},
            {"Sid": "ListSealedVersions", "Effect": "Allow", "Action": "s3:ListBucketVersions",
             "Resource": _arn("VaultBucket")},
            {"Sid": "WriteVerificationCheckpoints", "Effect": "Allow", "Action": CHECKPOINT_WRITE_ACTIONS,
             "Resource": _sub("${VaultBucket.Arn}/verification/*")},
        ]),
        # January 2nd: reads every tenant's metal purchases, starts one draft job per tenant
        # (chalicelib/services/declarations.prepare_drafts): exactly those reads and writes.
        "DraftsAccessPolicy": _policy("LotbookDraftsAccess", DRAFTS_ROLE, [
            {"Sid": "ListTenants", "Effect": "Allow", "Action": "dynamodb:Scan",
             "Resource": _arn(table_logical_id("tenants"))},
            {"Sid": "ReadPurchases", "Effect": "Allow", "Action": "dynamodb:Query",
             "Resource": _table_resources(("families", "parties", "articles"))},
            {"Sid": "RecordJobs", "Effect": "Allow", "Action": ["dynamodb:PutItem", "dynamodb:UpdateItem"],
             "Resource": _arn(table_logical_id("jobs"))},
            {"Sid": "RunJobs", "Effect": "Allow", "Action": "states:StartExecution",
             "Resource": state_machine_arn(stage, "jobs")},
        ]),
        DRAFTS_FUNCTION: {
            "DependsOn": ["DraftsAccessPolicy"],
            "Properties": {
                "Timeout": 900,
                "Environment": {"Variables": {**worker_environment(stage),
                                              "LOTBOOK_STATE_MACHINE_JOBS": state_machine_arn(stage, "jobs")}},
            },
        },
        # Deep-merged into chalice's function (same logical id).
        JOB_FUNCTION: {
            "DependsOn": ["JobAccessPolicy"],
            "Properties": {
                "Timeout": 900,
                "MemorySize": 1024,
                "Environment": {"Variables": {**worker_environment(stage),
                                              "LOTBOOK_FILES_BUCKET": _ref("FilesBucket")}},
            },
        },
    }


# Transfers between subscribers (app.deliver_transfers, fed by the transfers table's stream).
TRANSFERS_FUNCTION = "DeliverTransfers"
TRANSFERS_ROLE = "DeliverTransfersRole"
TRANSFERS_EVENT = "DeliverTransfersDynamodbEventSource"


def _transfers(stage: str) -> dict[str, Any]:
    """The delivery of V's outgoing transfers as A's pending lots: a stream consumer that
    reads V's record, A's suppliers and the subscriber registry, and writes A's pending lot
    and delivery mark; what fails after every retry waits in a dead-letter queue."""
    transfers, drafts = table_logical_id("transfers"), table_logical_id("drafts")
    return {
        **_dead_letters(stage, "Transfers", "transfers", 300, (
            "Transfers between subscribers were not delivered after every retry: their stream positions are "
            "in the dead-letter queue. Fix the cause, then deliver each again "
            "(chalicelib.services.transfers.deliver).")),
        "TransfersAccessPolicy": _policy("LotbookTransfersAccess", TRANSFERS_ROLE, [
            _stream_reader("ReadTransfersStream", transfers),
            {
                # V's record (read, marked), A's delivery mark (written with the pending lot).
                "Sid": "ReadMarkTransfers",
                "Effect": "Allow",
                "Action": ["dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:PutItem",
                           "dynamodb:ConditionCheckItem"],
                "Resource": _arn(transfers),
            },
            {"Sid": "FindSubscribers", "Effect": "Allow", "Action": "dynamodb:GetItem",
             "Resource": [_arn(table_logical_id("registry")), _arn(table_logical_id("tenants"))]},
            {"Sid": "FindMutualSupplier", "Effect": "Allow", "Action": "dynamodb:Query",
             "Resource": _arn(table_logical_id("parties"))},
            {"Sid": "WritePendingLots", "Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": _arn(drafts)},
            {
                "Sid": "ReportUndelivered",
                "Effect": "Allow",
                "Action": "sqs:SendMessage",
                "Resource": {"Fn::GetAtt": ["TransfersDeadLetterQueue", "Arn"]},
            },
        ]),
        TRANSFERS_FUNCTION: {
            "DependsOn": ["TransfersAccessPolicy"],
            "Properties": {
                "Timeout": 120,
                "Environment": {"Variables": worker_environment(stage)},
                "Events": {
                    TRANSFERS_EVENT: {
                        "Properties": {
                            "Stream": {"Fn::GetAtt": [transfers, "StreamArn"]},
                            "BisectBatchOnFunctionError": True,
                            "MaximumRetryAttempts": 5,
                            "MaximumRecordAgeInSeconds": -1,
                            "DestinationConfig": {
                                "OnFailure": {"Destination": {"Fn::GetAtt": ["TransfersDeadLetterQueue", "Arn"]}}
                            },
                        }
                    }
                },
            },
        },
    }


# Tables whose throttling a user would feel first (the shop floor, the sealer's path).
HOT_TABLES = ("articles", "counters", "journal", "sales", "sealed")
API_SERVER_ERROR_RATE = 0.01  # 1 % of requests over 5 minutes, twice in a row


def _alarm(stage: str, name: str, description: str, **properties: Any) -> dict[str, Any]:
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmName": f"lotbook-{stage}-{name}",
            "AlarmDescription": description,
            "TreatMissingData": "notBreaching",
            "AlarmActions": [_ref("OperationsAlarmTopic")],
            "OKActions": [_ref("OperationsAlarmTopic")],
            **properties,
        },
    }


def _alarms(stage: str) -> dict[str, Any]:
    """What pages the operator besides the dead-letter queues: server errors of the API,
    throttled functions, throttled tables."""
    alarms = {
        "ApiServerErrorsAlarm": _alarm(
            stage, "api-5xx", "More than 1 % of API requests answered 5xx for 10 minutes.",
            Namespace="AWS/ApiGateway", MetricName="5XXError",
            Dimensions=[{"Name": "ApiName", "Value": "lotbook"}, {"Name": "Stage", "Value": api_gateway_stage(stage)}],
            Statistic="Average", Period=300, EvaluationPeriods=2, Threshold=API_SERVER_ERROR_RATE,
            ComparisonOperator="GreaterThanThreshold"),
    }
    for function in (API_FUNCTION, SEALER_FUNCTION, TRANSFERS_FUNCTION):
        alarms[f"{function}ThrottlesAlarm"] = _alarm(
            stage, f"{_kebab(function)}-throttled", f"The {function} function was throttled (concurrency limit).",
            Namespace="AWS/Lambda", MetricName="Throttles", Dimensions=[{"Name": "FunctionName",
                                                                         "Value": _ref(function)}],
            Statistic="Sum", Period=300, EvaluationPeriods=1, Threshold=0, ComparisonOperator="GreaterThanThreshold")
    alarms[f"{SEALER_FUNCTION}ErrorsAlarm"] = _alarm(
        stage, "sealer-errors", "The sealer failed on a batch (it retries; the dead-letter alarm tells if it gave up).",
        Namespace="AWS/Lambda", MetricName="Errors", Dimensions=[{"Name": "FunctionName",
                                                                  "Value": _ref(SEALER_FUNCTION)}],
        Statistic="Sum", Period=300, EvaluationPeriods=1, Threshold=0, ComparisonOperator="GreaterThanThreshold")
    for base in HOT_TABLES:
        table = table_logical_id(base)
        metrics = [{"Id": f"m{i}", "ReturnData": False, "MetricStat": {
            "Metric": {"Namespace": "AWS/DynamoDB", "MetricName": metric,
                       "Dimensions": [{"Name": "TableName", "Value": _ref(table)}]},
            "Period": 300, "Stat": "Sum"}} for i, metric in enumerate(("ReadThrottleEvents", "WriteThrottleEvents"))]
        alarms[f"{table}ThrottlesAlarm"] = _alarm(
            stage, f"{_kebab(base)}-throttled", f"Requests to the {base} table were throttled.",
            Metrics=[*metrics, {"Id": "throttled", "Expression": "m0 + m1", "Label": "Throttled requests",
                                "ReturnData": True}],
            EvaluationPeriods=1, Threshold=0, ComparisonOperator="GreaterThanThreshold")
    return alarms


def _kebab(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).replace("_", "-").lower()


# Media uploads (app.make_thumbnail, called by the media bucket): chalice's logical ids.
THUMBNAIL_FUNCTION = "MakeThumbnail"
THUMBNAIL_ROLE = "MakeThumbnailRole"


def _thumbnails(stage: str) -> dict[str, Any]:
    """The thumbnail function: checks each uploaded original, writes its thumbnail, marks
    its medium ready or rejected. It reads originals, writes thumbnails, deletes what it
    refuses, and touches the media table only. The bucket is named, not referenced: the
    bucket's notification already depends on this function."""

    def objects(prefix: str) -> dict[str, Any]:
        return {"Fn::Sub": [f"arn:${{AWS::Partition}}:s3:::${{Bucket}}/{prefix}*",
                            {"Bucket": _media_bucket_name(stage)}]}

    originals, thumbnails = objects(definitions.MEDIA_UPLOAD_PREFIX), objects(definitions.MEDIA_THUMBNAILS_PREFIX)
    bucket = {"Fn::Sub": ["arn:${AWS::Partition}:s3:::${Bucket}", {"Bucket": _media_bucket_name(stage)}]}
    media = table_logical_id("media")
    return {
        "ThumbnailAccessPolicy": _policy("LotbookThumbnailAccess", THUMBNAIL_ROLE, [
            {"Sid": "ReadOriginals", "Effect": "Allow", "Action": "s3:GetObject", "Resource": originals},
            {"Sid": "WriteThumbnails", "Effect": "Allow", "Action": "s3:PutObject", "Resource": thumbnails},
            # A refused file and its thumbnail are removed; so is an upload whose medium was deleted.
            {"Sid": "RemoveRefusedFiles", "Effect": "Allow", "Action": "s3:DeleteObject",
             "Resource": [originals, thumbnails]},
            {
                # Without ListBucket, S3 answers a missing key (deleted meanwhile) with 403, not 404.
                "Sid": "TellMissingFiles",
                "Effect": "Allow",
                "Action": "s3:ListBucket",
                "Resource": bucket,
            },
            {"Sid": "UpdateMedia", "Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:Query",
                                                                   "dynamodb:PutItem"],
             "Resource": _arn(media)},
        ]),
        "MediaBucketInvokesThumbnails": {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "Action": "lambda:InvokeFunction",
                "FunctionName": _arn(THUMBNAIL_FUNCTION),
                "Principal": "s3.amazonaws.com",
                "SourceAccount": _ref("AWS::AccountId"),
                "SourceArn": bucket,
            },
        },
        # Deep-merged into chalice's function (same logical id): Pillow comes with the documents layer.
        THUMBNAIL_FUNCTION: {
            "DependsOn": ["ThumbnailAccessPolicy"],
            "Properties": {
                "Timeout": 60,
                "MemorySize": 1024,  # a 10 MB image decoded in full
                "Layers": [_ref(DOCUMENTS_LAYER)],
                "Environment": {"Variables": {**worker_environment(stage),
                                              "LOTBOOK_MEDIA_BUCKET": _media_bucket_name(stage)}},
            },
        },
    }


def build_extra_resources(stage: str, state_machines: dict[str, Path] | None = None) -> dict[str, Any]:
    """The template merged into chalice's output for ``stage``.

    ``state_machines`` defaults to the ASL files of ``infrastructure/statemachines``.
    """
    api_stage = api_gateway_stage(stage)  # also rejects an unknown stage
    files = definitions.state_machine_files() if state_machines is None else state_machines
    machines = _machine_names(files)
    resources: dict[str, Any] = {}
    resources.update(_tables(stage))
    resources.update(_vault(stage))
    resources.update(_media(stage))
    resources.update(_files(stage))
    resources.update(_site(stage))
    resources.update(_cognito(stage))
    resources.update(_waf(stage, api_stage))
    resources.update(_state_machines(stage, files))
    resources.update(_sealer(stage))
    resources.update(_thumbnails(stage))
    resources.update(_transfers(stage))
    resources.update(_alarms(stage))
    resources["ApiHandlerAccessPolicy"] = _api_policy(stage, machines)
    # Deep-merged into chalice's own resources (same logical ids).
    resources[API_FUNCTION] = {
        # The function never runs without its permissions.
        "DependsOn": ["ApiHandlerAccessPolicy"],
        "Properties": {
            "Tracing": "Active",
            "Environment": {"Variables": api_environment(stage, machines)},
            "Layers": [_ref(DOCUMENTS_LAYER)],
        },
    }
    resources[DOCUMENTS_LAYER] = _documents_layer(stage)
    resources[REST_API] = {
        "Properties": {
            # CloudFront is the edge: an EDGE endpoint would put a second one behind it.
            "EndpointConfiguration": "REGIONAL",
            "TracingEnabled": True,
        }
    }
    return {
        "Description": f"Lotbook ({stage})",
        "Parameters": {
            "MailFrom": {
                "Type": "String",
                "Default": "no-reply@lotbook.fr",
                "Description": "Sender of the signup confirmation e-mails: an address SES has verified.",
            },
            "VaultRetentionYears": {
                "Type": "Number",
                "Default": default_retention_years(stage),
                "MinValue": 1,
                "MaxValue": 100,
                "Description": (
                    f"{definitions.VAULT_OBJECT_LOCK_MODE} retention of sealed records, in calendar "
                    "years: the bucket's default, and the retain-until date the sealer sets on each "
                    "record (its sealing day plus as many years, LOTBOOK_VAULT_RETENTION_YEARS), "
                    "which the verification checks. Nobody can delete an object before it ends."
                ),
            },
        },
        "Resources": resources,
        "Outputs": {
            "SiteUrl": {"Value": _sub("https://${SiteDistribution.DomainName}")},
            "SiteBucketName": {"Value": _ref("SiteBucket")},
            "SiteDistributionId": {"Value": _ref("SiteDistribution")},
            "UserPoolId": {"Value": _ref("UserPool")},
            "UserPoolClientId": {"Value": _ref("UserPoolClient")},
            "VaultBucketName": {"Value": _ref("VaultBucket")},
            "MediaBucketName": {"Value": _ref("MediaBucket")},
            "ApiOriginPath": {"Value": f"/{api_stage}"},
            "OperationsAlarmTopicArn": {"Value": _ref("OperationsAlarmTopic")},
            "SealerDeadLetterQueueUrl": {"Value": _ref("SealerDeadLetterQueue")},
        },
    }


# --------------------------------------------------------------------------- pipeline


class _OfflinePolicyLoader:
    """SAM asks for managed policy ARNs only when it makes a role; chalice makes them."""

    def load(self) -> dict[str, str]:
        return {
            "AWSLambdaBasicExecutionRole": (
                "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
            ),
            "AWSXrayWriteOnlyAccess": "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
        }


# Stands for the artifact bucket `aws cloudformation package` uploads to.
PLACEHOLDER_ARTIFACT_BUCKET = "lotbook-artifacts-placeholder"


def expand_sam(sam_template: dict[str, Any], region: str = DEFAULT_REGION) -> dict[str, Any]:
    """The CloudFormation that the SAM transform makes of ``sam_template``, offline."""
    import boto3
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    template = copy.deepcopy(sam_template)
    # SAM wants S3 locations; the local zips are uploaded at deploy time.
    for resource in template.get("Resources", {}).values():
        key = {
            "AWS::Serverless::Function": "CodeUri",
            "AWS::Serverless::LayerVersion": "ContentUri",
        }.get(resource.get("Type", ""))
        uri = resource.get("Properties", {}).get(key) if key else None
        if isinstance(uri, str) and not uri.startswith("s3://"):
            resource["Properties"][key] = f"s3://{PLACEHOLDER_ARTIFACT_BUCKET}/{Path(uri).name}"
    translator = Translator(None, Parser(), boto_session=boto3.session.Session(region_name=region))
    loader = _OfflinePolicyLoader()
    return translator.translate(template, parameter_values={}, get_managed_policy_map=loader.load)


def _python(code: str, *args: str, env: dict[str, str] | None = None, cwd: Path | None = None):
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def chalice_package(
    stage: str,
    merge_template: Path,
    packaged_dir: Path,
    region: str = DEFAULT_REGION,
    project_dir: Path = ROOT,
) -> Path:
    """Run ``chalice package`` with the merge template; returns the SAM template's path."""
    if packaged_dir.exists():
        shutil.rmtree(packaged_dir)
    env = dict(os.environ, AWS_DEFAULT_REGION=region, AWS_REGION=region)
    result = _python(
        "import sys; from chalice.cli import main; sys.exit(main())",
        "--project-dir",
        str(project_dir),
        "package",
        "--pkg-format",
        "cloudformation",
        "--stage",
        stage,
        "--merge-template",
        str(merge_template.resolve()),
        str(packaged_dir.resolve()),
        env=env,
        cwd=project_dir,
    )
    sam = packaged_dir / "sam.json"
    if result.returncode != 0 or not sam.exists():
        raise RuntimeError(f"chalice package failed:\n{result.stdout}\n{result.stderr}")
    return sam


def cfn_lint(paths: list[Path], region: str = DEFAULT_REGION) -> tuple[int, str]:
    """``cfn-lint --non-zero-exit-code error``: (exit code, report)."""
    result = _python(
        "import sys; from cfnlint.runner import main; sys.exit(main())",
        "--non-zero-exit-code",
        "error",
        "--regions",
        region,
        "--format",
        "parseable",
        *[str(p) for p in paths],
    )
    return result.returncode, (result.stdout + result.stderr).strip()


@dataclass
class Build:
    stage: str
    merge_template: Path
    sam: Path
    expanded: Path
    timings: dict[str, float] = field(default_factory=dict)


def build(stage: str, out: Path, region: str = DEFAULT_REGION) -> Build:
    """Merge template, ``chalice package``, SAM expansion: every file under ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    timings = {}
    started = time.perf_counter()
    merge_template = out / "merge-template.json"
    merge_template.write_text(json.dumps(build_extra_resources(stage), indent=2) + "\n", encoding="utf-8")
    timings["merge template"] = time.perf_counter() - started

    started = time.perf_counter()
    sam = chalice_package(stage, merge_template, out / "packaged", region=region)
    timings["chalice package"] = time.perf_counter() - started

    started = time.perf_counter()
    expanded_template = expand_sam(json.loads(sam.read_text(encoding="utf-8")), region=region)
    expanded = sam.with_name("expanded.json")
    expanded.write_text(json.dumps(expanded_template, indent=2) + "\n", encoding="utf-8")
    timings["SAM transform"] = time.perf_counter() - started
    return Build(stage, merge_template, sam, expanded, timings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m infrastructure.template", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--stage", required=True, help="a stage of .chalice/config.json")
    parser.add_argument("--out", type=Path, default=Path("build"), help="output folder")
    parser.add_argument("--region", default=DEFAULT_REGION, help="the region to deploy to")
    parser.add_argument("--lint", action="store_true", help="run cfn-lint on both templates")
    parser.add_argument("--layers", action="store_true", help="also build the layers' zips beside sam.json")
    args = parser.parse_args(argv)

    result = build(args.stage, args.out, region=args.region)
    if args.layers:
        for name in layers.LAYERS:
            print(f"wrote {layers.build_layer(name, result.sam.parent)}")
    code = 0
    if args.lint:
        started = time.perf_counter()
        code, report = cfn_lint([result.sam, result.expanded], region=args.region)
        result.timings["cfn-lint"] = time.perf_counter() - started
        if report:
            print(report)
    for path in (result.merge_template, result.sam, result.expanded):
        print(f"wrote {path}")
    print(", ".join(f"{name} {seconds:.1f} s" for name, seconds in result.timings.items()))
    return code


if __name__ == "__main__":
    sys.exit(main())
