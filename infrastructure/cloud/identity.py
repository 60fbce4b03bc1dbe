"""Who may come in: the Cognito user pool, its client and groups, and the WAF rules that
limit signups per address on the API stage."""

from __future__ import annotations

import json
from typing import Any

from infrastructure import definitions
from infrastructure.cloud.base import REST_API, SHORT_RETENTION_STAGES, arn, camel, ref, sub


def cognito(stage: str) -> dict[str, Any]:
    """The user pool (users made by the API only), its web client, one group per profile."""
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
                "UserPoolId": ref("UserPool"),
                "GenerateSecret": False,
                "ExplicitAuthFlows": definitions.USER_POOL_CLIENT_AUTH_FLOWS,
                "PreventUserExistenceErrors": "ENABLED",
                "EnableTokenRevocation": True,
                "SupportedIdentityProviders": ["COGNITO"],
            },
        },
    }
    for group in definitions.USER_POOL_GROUPS:
        resources[f"{camel(group)}Group"] = {
            "Type": "AWS::Cognito::UserPoolGroup",
            "Properties": {
                "GroupName": group,
                "Description": f"Lotbook profile {group}",
                "UserPoolId": ref("UserPool"),
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


def waf(stage: str, api_stage: str) -> dict[str, Any]:
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
                "ResourceArn": sub(
                    f"arn:${{AWS::Partition}}:apigateway:${{AWS::Region}}::/restapis/${{{REST_API}}}"
                    f"/stages/${{{REST_API}.Stage}}"
                ),
                "WebACLArn": arn("ApiWebAcl"),
            },
        },
    }
