"""Every IAM permission of the cloud template is one a person reviewed.

The reviewed list is ``iam_review.json`` (role → action → resources), written by
``python -m tests.infrastructure.iam_review --write`` after reading the diff that
``python -m tests.infrastructure.iam_review`` prints; this test never writes it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.infrastructure import iam_review

# Actions AWS grants on no narrower resource than "*", and only those may have it.
STAR_RESOURCE_ALLOWED = frozenset({
    # X-Ray has no resource-level permissions (active tracing of every function and the state machines).
    "xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets",
    "xray:GetSamplingStatisticSummaries",
    # CloudWatch metrics: PutMetricData has no resource-level permissions (Powertools uses EMF logs today).
    "cloudwatch:PutMetricData",
    # Lambda's basic execution role (AWS managed) writes logs on "*"; ours names the log groups.
    "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents",
    # Step Functions' log delivery, should the state machines log to CloudWatch: "*" only.
    "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups",
})

REGENERATE = "python -m tests.infrastructure.iam_review --write"


@pytest.fixture(scope="module")
def granted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, dict[str, list[str]]]]:
    out = tmp_path_factory.mktemp("iam")
    return {stage: iam_review.template_permissions(stage, out) for stage in ("prod", "dev")}


def test_every_role_gets_exactly_the_reviewed_permissions(granted: dict[str, dict[str, dict[str, list[str]]]]) -> None:
    reviewed = json.loads(Path(iam_review.REVIEWED).read_text(encoding="utf-8"))
    changes = iam_review.differences(granted["prod"], reviewed)
    assert not changes, ("IAM permissions differ from the review; read them, then run `" + REGENERATE + "`:\n"
                         + "\n".join(changes))
    assert len(reviewed) >= 9  # the API, the job runner, the sealer, the schedules, the state machine...
    # dev deploys the same permissions (on its own stage's resources)
    assert {r: sorted(a) for r, a in granted["dev"].items()} == {r: sorted(a) for r, a in granted["prod"].items()}


def test_no_wildcard_action_and_no_star_resource_but_where_aws_requires_it(
    granted: dict[str, dict[str, dict[str, list[str]]]]
) -> None:
    for role, actions in granted["prod"].items():
        for action, resources in actions.items():
            assert not action.startswith("NOT "), f"{role} gets everything but {action[4:]} (NotAction)"
            assert "*" not in action, f"{role} gets the wildcard action {action}"
            if "*" in resources or any(r.startswith("NOT ") for r in resources):
                assert action in STAR_RESOURCE_ALLOWED, f"{role} gets {action} on every resource"


def test_the_review_tool_sees_every_kind_of_grant() -> None:
    """Inline policies, attached policies, managed ones and intrinsic functions are all read."""
    template = {"Resources": {
        "Role": {"Type": "AWS::IAM::Role", "Properties": {
            "ManagedPolicyArns": ["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"],
            "Policies": [{"PolicyDocument": {"Statement": {"Effect": "Allow", "Action": "s3:GetObject",
                                                           "Resource": {"Fn::Sub": "${Bucket.Arn}/*"}}}}]}},
        "Attached": {"Type": "AWS::IAM::Policy", "Properties": {"Roles": [{"Ref": "Role"}], "PolicyDocument": {
            "Statement": [{"Effect": "Allow", "Action": ["dynamodb:Query"], "Resource": [
                {"Fn::GetAtt": ["Table", "Arn"]}, {"Fn::Join": ["", [{"Fn::GetAtt": ["Table", "Arn"]}, "/index/*"]]}],
                "Condition": {"StringEquals": {"aws:SourceAccount": "1"}}}]}}},
    }}
    assert iam_review.permissions(template) == {"Role": {
        "dynamodb:Query": ['Table.Arn if {"StringEquals": {"aws:SourceAccount": "1"}}',
                           'Table.Arn/index/* if {"StringEquals": {"aws:SourceAccount": "1"}}'],
        "logs:CreateLogGroup": ["*"], "logs:CreateLogStream": ["*"], "logs:PutLogEvents": ["*"],
        "s3:GetObject": ["${Bucket.Arn}/*"]}}
    assert iam_review.differences({"Role": {"s3:PutObject": ["x"]}}, {}) == ["+ Role: s3:PutObject on x"]
