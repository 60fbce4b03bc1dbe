"""The synthesized cloud template: what cfn-lint checks, and what it cannot know.

Packaging runs once for the module (``chalice package`` downloads the Lambda wheels of
requirements.txt on a cold cache: about 10 s, then about 1 s), for both stages.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chalicelib.adapters.models import table_specs
from chalicelib.domain.profiles import Profile
from infrastructure import definitions
from infrastructure import template as tpl

ROOT = Path(__file__).resolve().parents[2]
STAGES = ("dev", "prod")


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tpl.Build]:
    out = tmp_path_factory.mktemp("template")
    return {stage: tpl.build(stage, out / stage) for stage in STAGES}


ASL = {
    "Comment": "Build the yearly 2093 file.",
    "StartAt": "Build",
    "States": {
        "Build": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "${APIHandlerArn}", "Payload.$": "$"},
            "End": True,
        }
    },
}


@pytest.fixture(scope="module")
def with_state_machine(builds: dict[str, tpl.Build], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The production template had ``declaration-2093.asl.json`` existed."""
    from chalice.package import TemplateDeepMerger

    out = tmp_path_factory.mktemp("state-machine")
    path = out / "declaration-2093.asl.json"
    path.write_text(json.dumps(ASL), encoding="utf-8")
    extra = tpl.build_extra_resources("prod", {path.name.removesuffix(".json"): path})
    # Merging the richer template over the packaged one equals packaging again.
    sam = TemplateDeepMerger().merge(extra, _load(builds["prod"].sam))
    (out / "sam.json").write_text(json.dumps(sam), encoding="utf-8")
    (out / "expanded.json").write_text(json.dumps(tpl.expand_sam(sam)), encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def lint_report(builds: dict[str, tpl.Build], with_state_machine: Path) -> tuple[int, str]:
    """One cfn-lint run (its start-up is most of its time) over every template."""
    paths = [p for b in builds.values() for p in (b.sam, b.expanded)]
    paths += [with_state_machine / "sam.json", with_state_machine / "expanded.json"]
    return tpl.cfn_lint(paths)


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def sam(builds: dict[str, tpl.Build]) -> dict[str, Any]:
    return _load(builds["prod"].sam)


@pytest.fixture(scope="module")
def cfn(builds: dict[str, tpl.Build]) -> dict[str, Any]:
    """The production template after the SAM transform: what CloudFormation deploys."""
    return _load(builds["prod"].expanded)


def _of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v.get("Type") == kind}


def _statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    statements = document["Statement"]
    return statements if isinstance(statements, list) else [statements]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _policy_documents(template: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for logical_id, resource in template["Resources"].items():
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::IAM::Role":
            for policy in properties.get("Policies", []):
                yield f"{logical_id}/{policy['PolicyName']}", policy["PolicyDocument"]
        elif resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            yield logical_id, properties["PolicyDocument"]


def _distribution(cfn: dict[str, Any]) -> dict[str, Any]:
    return cfn["Resources"]["SiteDistribution"]["Properties"]["DistributionConfig"]


def _origin(cfn: dict[str, Any], origin_id: str) -> dict[str, Any]:
    (origin,) = [o for o in _distribution(cfn)["Origins"] if o["Id"] == origin_id]
    return origin


def _mentions(value: Any, logical_id: str) -> bool:
    text = json.dumps(value)
    return (
        f'"Ref": "{logical_id}"' in text
        or f"${{{logical_id}" in text
        or (f'"Fn::GetAtt": ["{logical_id}"' in text)
    )


# --------------------------------------------------------------------------- lint


def test_cfn_lint_finds_no_error_in_the_packaged_and_expanded_templates(
    lint_report: tuple[int, str],
) -> None:
    code, report = lint_report
    assert code == 0, report


def test_chalice_still_names_the_resources_the_merge_template_extends(sam: dict[str, Any]) -> None:
    resources = sam["Resources"]
    assert resources[tpl.API_FUNCTION]["Type"] == "AWS::Serverless::Function"
    assert resources[tpl.API_FUNCTION_ROLE]["Type"] == "AWS::IAM::Role"
    assert resources[tpl.REST_API]["Type"] == "AWS::Serverless::Api"
    assert resources[tpl.API_FUNCTION]["Properties"]["Role"] == {"Fn::GetAtt": [tpl.API_FUNCTION_ROLE, "Arn"]}
    # A merged key that chalice no longer makes would be a resource without a type.
    assert [k for k, v in resources.items() if "Type" not in v] == []


# --------------------------------------------------------------------------- tables


def test_every_table_is_on_demand_recoverable_encrypted_kept_and_named_with_the_stage_prefix(
    cfn: dict[str, Any],
) -> None:
    tables = _of_type(cfn, "AWS::DynamoDB::Table")
    expected = {f"lotbook-prod-{spec['base_name']}" for spec in table_specs()}
    assert {t["Properties"]["TableName"] for t in tables.values()} == expected
    for logical_id, table in tables.items():
        properties = table["Properties"]
        assert properties["BillingMode"] == "PAY_PER_REQUEST", logical_id
        assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert properties["SSESpecification"] == {"SSEEnabled": True}
        assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain"


def test_tables_have_the_keys_and_indexes_of_their_models(cfn: dict[str, Any]) -> None:
    for spec in table_specs():
        properties = cfn["Resources"][tpl.table_logical_id(spec["base_name"])]["Properties"]
        assert properties["KeySchema"] == spec["KeySchema"]
        assert properties["AttributeDefinitions"] == spec["AttributeDefinitions"]
        assert properties.get("GlobalSecondaryIndexes", []) == spec["GlobalSecondaryIndexes"]


def test_the_journal_table_streams_its_new_images_to_the_sealer(cfn: dict[str, Any]) -> None:
    journal = cfn["Resources"][tpl.table_logical_id("journal")]["Properties"]
    assert journal["StreamSpecification"] == {"StreamViewType": "NEW_IMAGE"}
    streaming = sorted(
        k
        for k, t in _of_type(cfn, "AWS::DynamoDB::Table").items()
        if "StreamSpecification" in t["Properties"]
    )
    assert streaming == sorted([tpl.table_logical_id("journal"), tpl.table_logical_id("transfers")])


def test_transfers_are_delivered_from_their_stream_with_retries_and_a_dead_letter_queue(
    cfn: dict[str, Any]
) -> None:
    transfers = cfn["Resources"][tpl.table_logical_id("transfers")]["Properties"]
    assert transfers["StreamSpecification"] == {"StreamViewType": "KEYS_ONLY"}
    [mapping] = [m["Properties"] for m in _of_type(cfn, "AWS::Lambda::EventSourceMapping").values()
                 if m["Properties"]["EventSourceArn"] == {"Fn::GetAtt": [tpl.table_logical_id("transfers"),
                                                                         "StreamArn"]}]
    assert mapping["FunctionName"] == {"Ref": tpl.TRANSFERS_FUNCTION}
    assert mapping["BisectBatchOnFunctionError"] is True
    assert mapping["DestinationConfig"]["OnFailure"]["Destination"] == {
        "Fn::GetAtt": ["TransfersDeadLetterQueue", "Arn"]}
    alarm = cfn["Resources"]["TransfersDeadLetterAlarm"]["Properties"]
    assert alarm["AlarmActions"] == [{"Ref": "OperationsAlarmTopic"}]


def test_idempotency_records_expire(cfn: dict[str, Any]) -> None:
    idempotency = cfn["Resources"][tpl.table_logical_id("idempotency")]["Properties"]
    assert idempotency["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}


# --------------------------------------------------------------------------- vault


def test_the_vault_refuses_deletion_for_ten_years_by_default(cfn: dict[str, Any]) -> None:
    vault = cfn["Resources"]["VaultBucket"]
    properties = vault["Properties"]
    assert properties["ObjectLockEnabled"] is True
    assert properties["ObjectLockConfiguration"]["ObjectLockEnabled"] == "Enabled"
    retention = properties["ObjectLockConfiguration"]["Rule"]["DefaultRetention"]
    assert retention["Mode"] == "COMPLIANCE"
    assert {"Days", "Years"} & set(retention) == {"Years"}, "exactly one retention unit"
    assert retention["Years"] == {"Ref": "VaultRetentionYears"}
    parameter = cfn["Parameters"]["VaultRetentionYears"]
    assert parameter["Type"] == "Number"
    assert parameter["Default"] == 10
    assert properties["VersioningConfiguration"] == {"Status": "Enabled"}
    assert vault["DeletionPolicy"] == vault["UpdateReplacePolicy"] == "Retain"


def test_a_dev_stage_vault_keeps_records_one_year_by_default(builds: dict[str, tpl.Build]) -> None:
    dev = _load(builds["dev"].expanded)
    assert dev["Parameters"]["VaultRetentionYears"]["Default"] == 1
    retention = dev["Resources"]["VaultBucket"]["Properties"]["ObjectLockConfiguration"]["Rule"]
    assert retention["DefaultRetention"] == {"Mode": "COMPLIANCE", "Years": {"Ref": "VaultRetentionYears"}}


def test_every_bucket_is_private_encrypted_and_refuses_plain_http(cfn: dict[str, Any]) -> None:
    buckets = _of_type(cfn, "AWS::S3::Bucket")
    assert set(buckets) == {"VaultBucket", "MediaBucket", "SiteBucket", "FilesBucket"}
    policies = {p["Properties"]["Bucket"]["Ref"]: p for p in _of_type(cfn, "AWS::S3::BucketPolicy").values()}
    for logical_id, bucket in buckets.items():
        properties = bucket["Properties"]
        assert set(properties["PublicAccessBlockConfiguration"].values()) == {True}, logical_id
        assert properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        denies = [
            s
            for s in _statements(policies[logical_id]["Properties"]["PolicyDocument"])
            if s["Effect"] == "Deny"
        ]
        assert [s["Condition"] for s in denies] == [{"Bool": {"aws:SecureTransport": "false"}}]


# --------------------------------------------------------------------------- site


def test_the_site_bucket_is_read_only_through_cloudfront_origin_access_control(
    cfn: dict[str, Any],
) -> None:
    origin = _origin(cfn, tpl.SITE_ORIGIN)
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["SiteOriginAccessControl", "Id"]}
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}, "no legacy OAI"
    assert origin["DomainName"] == {"Fn::GetAtt": ["SiteBucket", "RegionalDomainName"]}
    assert not _of_type(cfn, "AWS::CloudFront::CloudFrontOriginAccessIdentity")

    oac = cfn["Resources"]["SiteOriginAccessControl"]["Properties"]["OriginAccessControlConfig"]
    assert oac["SigningBehavior"] == "always"
    assert oac["SigningProtocol"] == "sigv4"
    assert oac["OriginAccessControlOriginType"] == "s3"

    policy = cfn["Resources"]["SiteBucketPolicy"]["Properties"]
    assert policy["Bucket"] == {"Ref": "SiteBucket"}
    (allow,) = [s for s in _statements(policy["PolicyDocument"]) if s["Effect"] == "Allow"]
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert allow["Action"] == "s3:GetObject"
    source_arn = allow["Condition"]["StringEquals"]["AWS:SourceArn"]
    assert ":distribution/${SiteDistribution}" in source_arn["Fn::Sub"]
    assert _distribution(cfn)["DefaultRootObject"] == "index.html"


def test_api_requests_go_uncached_to_the_api_gateway_stage_over_https(cfn: dict[str, Any]) -> None:
    distribution = _distribution(cfn)
    (behavior,) = [b for b in distribution["CacheBehaviors"] if b["PathPattern"] == "/api/*"]
    assert behavior["TargetOriginId"] == tpl.API_ORIGIN
    assert set(behavior["AllowedMethods"]) == {"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"}
    assert behavior["CachePolicyId"] == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # CachingDisabled
    # AllViewerExceptHostHeader: Authorization, query strings and cookies, not Host.
    assert behavior["OriginRequestPolicyId"] == "b689b0a8-53d0-40ab-baf2-68738e2966ac"
    assert behavior["ViewerProtocolPolicy"] == "https-only"

    origin = _origin(cfn, tpl.API_ORIGIN)
    assert origin["OriginPath"] == "/v1"
    assert json.loads((ROOT / ".chalice" / "config.json").read_text())["api_gateway_stage"] == "v1"
    assert _mentions(origin["DomainName"], tpl.REST_API)
    assert ".execute-api." in origin["DomainName"]["Fn::Sub"]
    assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    assert distribution["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"
    # An error page for the site would also replace the API's 403 and 404 answers.
    assert "CustomErrorResponses" not in distribution


def test_the_api_is_regional_behind_cloudfront_and_traced(sam: dict[str, Any]) -> None:
    api = sam["Resources"][tpl.REST_API]["Properties"]
    assert api["EndpointConfiguration"] == "REGIONAL"
    assert api["TracingEnabled"] is True
    assert api["StageName"] == "v1"


def test_the_media_bucket_accepts_browser_uploads_from_the_site_only(cfn: dict[str, Any]) -> None:
    media = cfn["Resources"]["MediaBucket"]["Properties"]
    (rule,) = media["CorsConfiguration"]["CorsRules"]
    assert "POST" in rule["AllowedMethods"]
    assert rule["AllowedOrigins"] == [{"Fn::Sub": "https://${SiteDistribution.DomainName}"}]
    allows = [
        s
        for s in _statements(cfn["Resources"]["MediaBucketPolicy"]["Properties"]["PolicyDocument"])
        if s["Effect"] == "Allow"
    ]
    assert allows == []


def test_each_uploaded_original_calls_the_thumbnail_function_which_may_do_only_that(
        cfn: dict[str, Any], sam: dict[str, Any]) -> None:
    bucket = cfn["Resources"]["MediaBucket"]
    (notify,) = bucket["Properties"]["NotificationConfiguration"]["LambdaConfigurations"]
    assert notify["Event"] == "s3:ObjectCreated:*"
    # originals only: the thumbnails it writes under thumbnails/ do not call it again
    assert notify["Filter"] == {"S3Key": {"Rules": [{"Name": "prefix", "Value": "originals/"}]}}
    assert notify["Function"] == {"Fn::GetAtt": [tpl.THUMBNAIL_FUNCTION, "Arn"]}
    permission = cfn["Resources"]["MediaBucketInvokesThumbnails"]
    assert "MediaBucketInvokesThumbnails" in bucket["DependsOn"]
    assert permission["Properties"]["Principal"] == "s3.amazonaws.com"
    assert permission["Properties"]["SourceAccount"] == {"Ref": "AWS::AccountId"}
    assert permission["Properties"]["FunctionName"] == notify["Function"]
    assert sam["Resources"][tpl.THUMBNAIL_FUNCTION]["Properties"]["Handler"] == "app.make_thumbnail"
    function = cfn["Resources"][tpl.THUMBNAIL_FUNCTION]
    assert "ThumbnailAccessPolicy" in function["DependsOn"]
    name = bucket["Properties"]["BucketName"]
    assert function["Properties"]["Environment"]["Variables"]["LOTBOOK_MEDIA_BUCKET"] == name

    def objects(prefix: str) -> dict[str, Any]:
        return {"Fn::Sub": [f"arn:${{AWS::Partition}}:s3:::${{Bucket}}/{prefix}*", {"Bucket": name}]}

    assert _policy_actions(cfn, "ThumbnailAccessPolicy") == {
        "ReadOriginals": ({"s3:GetObject"}, objects("originals/")),
        "WriteThumbnails": ({"s3:PutObject"}, objects("thumbnails/")),
        "RemoveRefusedFiles": ({"s3:DeleteObject"}, [objects("originals/"), objects("thumbnails/")]),
        "TellMissingFiles": ({"s3:ListBucket"}, {"Fn::Sub": ["arn:${AWS::Partition}:s3:::${Bucket}",
                                                             {"Bucket": name}]}),
        "UpdateMedia": ({"dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem"},
                        {"Fn::GetAtt": [tpl.table_logical_id("media"), "Arn"]}),
    }
    assert cfn["Resources"]["ThumbnailAccessPolicy"]["Properties"]["Roles"] == [{"Ref": tpl.THUMBNAIL_ROLE}]


# --------------------------------------------------------------------------- Cognito


def test_users_are_made_by_the_api_only_and_grouped_by_profile(cfn: dict[str, Any]) -> None:
    pool = cfn["Resources"]["UserPool"]["Properties"]
    assert pool["UsernameAttributes"] == ["email"]
    assert pool["Schema"] == definitions.USER_POOL_SCHEMA
    assert pool["Policies"]["PasswordPolicy"] == definitions.PASSWORD_POLICY
    # Self sign-up would let anyone choose their custom:tenant_id.
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert cfn["Resources"]["UserPool"]["DeletionPolicy"] == "Retain"

    client = cfn["Resources"]["UserPoolClient"]["Properties"]
    assert client["GenerateSecret"] is False
    assert client["ExplicitAuthFlows"] == definitions.USER_POOL_CLIENT_AUTH_FLOWS

    groups = _of_type(cfn, "AWS::Cognito::UserPoolGroup").values()
    assert sorted(g["Properties"]["GroupName"] for g in groups) == sorted(p.value for p in Profile)
    assert all(g["Properties"]["UserPoolId"] == {"Ref": "UserPool"} for g in groups)


def test_the_tenant_attribute_of_a_user_can_never_change(cfn: dict[str, Any]) -> None:
    """Issue 15: a mutable custom:tenant_id moved a user into another company."""
    schema = cfn["Resources"]["UserPool"]["Properties"]["Schema"]
    assert [a["Mutable"] for a in schema if a["Name"] == "tenant_id"] == [False]


def test_signups_are_rate_limited_per_address_by_a_waf_rule_on_the_api_stage(cfn: dict[str, Any]) -> None:
    acl = cfn["Resources"]["ApiWebAcl"]["Properties"]
    assert acl["Scope"] == "REGIONAL" and acl["DefaultAction"] == {"Allow": {}}
    for rule in acl["Rules"]:
        limit = rule["Statement"]["RateBasedStatement"]
        assert 10 <= limit["Limit"] <= 100 and limit["EvaluationWindowSec"] == 600
        scope = json.dumps(limit["ScopeDownStatement"])
        assert '"/api/signup"' in scope and '"POST"' in scope
        assert rule["Action"]["Block"]["CustomResponse"]["ResponseCode"] == 429
    keys = sorted(r["Statement"]["RateBasedStatement"]["AggregateKeyType"] for r in acl["Rules"])
    assert keys == ["FORWARDED_IP", "IP"]
    body = json.loads(acl["CustomResponseBodies"]["too_many_signups"]["Content"])
    assert body["error"]["code"] == "too_many_requests"
    association = cfn["Resources"]["ApiWebAclAssociation"]["Properties"]
    assert association["WebACLArn"] == {"Fn::GetAtt": ["ApiWebAcl", "Arn"]}
    arn = association["ResourceArn"]["Fn::Sub"]
    assert f"/restapis/${{{tpl.REST_API}}}/stages/${{" in arn
    (stage,) = [k for k, v in cfn["Resources"].items() if v["Type"] == "AWS::ApiGateway::Stage"]
    assert arn.endswith(f"${{{stage}}}")


def test_confirmation_codes_are_mailed_through_ses_from_one_address(cfn: dict[str, Any]) -> None:
    variables = cfn["Resources"][tpl.API_FUNCTION]["Properties"]["Environment"]["Variables"]
    assert variables["LOTBOOK_MAIL_FROM"] == {"Ref": "MailFrom"}
    assert "LOTBOOK_MAIL_DIR" not in variables  # files are the local stack's mailbox only
    statements = _statements(cfn["Resources"]["ApiHandlerAccessPolicy"]["Properties"]["PolicyDocument"])
    (ses,) = [s for s in statements if s.get("Sid") == "SendConfirmationEmails"]
    assert ses["Action"] == "ses:SendEmail"
    assert ses["Condition"] == {"StringEquals": {"ses:FromAddress": {"Ref": "MailFrom"}}}


# --------------------------------------------------------------------------- API function


def test_the_api_function_is_told_where_everything_is_and_traces(cfn: dict[str, Any]) -> None:
    function = cfn["Resources"][tpl.API_FUNCTION]
    variables = function["Properties"]["Environment"]["Variables"]
    assert variables["LOTBOOK_STAGE"] == "prod"
    assert variables["LOTBOOK_TABLE_PREFIX"] == "lotbook-prod"
    assert variables["LOTBOOK_USER_POOL_ID"] == {"Ref": "UserPool"}
    assert variables["LOTBOOK_USER_POOL_CLIENT_ID"] == {"Ref": "UserPoolClient"}
    assert variables["LOTBOOK_VAULT_BUCKET"] == {"Ref": "VaultBucket"}
    assert variables["LOTBOOK_MEDIA_BUCKET"] == (cfn["Resources"]["MediaBucket"]["Properties"]["BucketName"])
    assert variables["POWERTOOLS_SERVICE_NAME"] == "lotbook"
    assert {"POWERTOOLS_METRICS_NAMESPACE", "POWERTOOLS_LOG_LEVEL"} <= set(variables)
    assert function["Properties"]["TracingConfig"] == {"Mode": "Active"}
    assert "ApiHandlerAccessPolicy" in function["DependsOn"]


def test_no_iam_policy_grants_a_wildcard_action(cfn: dict[str, Any]) -> None:
    documents = dict(_policy_documents(cfn))
    assert any(name.startswith(tpl.API_FUNCTION_ROLE) for name in documents)
    for name, document in documents.items():
        for statement in _statements(document):
            assert "NotAction" not in statement, name
            if statement["Effect"] == "Allow":
                wild = [a for a in _as_list(statement["Action"]) if "*" in a]
                assert wild == [], f"{name}: {wild}"


def test_the_api_function_may_use_every_table_and_index_and_nothing_broader(
    cfn: dict[str, Any],
) -> None:
    policy = cfn["Resources"]["ApiHandlerAccessPolicy"]["Properties"]
    assert policy["Roles"] == [{"Ref": tpl.API_FUNCTION_ROLE}]
    statements = {s["Sid"]: s for s in _statements(policy["PolicyDocument"])}
    for spec in table_specs():
        logical_id = tpl.table_logical_id(spec["base_name"])
        sid = ("ReadSealIndex" if spec["base_name"] in tpl.SEALER_TABLES
               else "AppendInspections" if spec["base_name"] in tpl.APPEND_ONLY_TABLES else "ReadWriteTables")
        tables = statements[sid]["Resource"]
        assert {"Fn::GetAtt": [logical_id, "Arn"]} in tables
        if spec["GlobalSecondaryIndexes"]:
            assert {"Fn::Sub": f"${{{logical_id}.Arn}}/index/*"} in tables
    assert "dynamodb:Scan" not in statements["ReadWriteTables"]["Action"]
    # The vault's index is written by the sealer only; inspections are never changed nor deleted.
    assert set(statements["ReadSealIndex"]["Action"]) == {"dynamodb:GetItem", "dynamodb:BatchGetItem",
                                                          "dynamodb:Query"}
    assert set(statements["AppendInspections"]["Action"]) == {"dynamodb:GetItem", "dynamodb:Query",
                                                              "dynamodb:PutItem"}
    assert statements["ManageUsers"]["Resource"] == {"Fn::GetAtt": ["UserPool", "Arn"]}
    # Sealed records are written by the sealer, never overwritten through the API.
    assert not {"s3:PutObject", "s3:DeleteObject"} & set(statements["ReadSealedRecords"]["Action"])
    assert statements["TellMissingRecords"]["Action"] == "s3:ListBucket"
    assert statements["TellMissingRecords"]["Resource"] == {"Fn::GetAtt": ["VaultBucket", "Arn"]}


# --------------------------------------------------------------------------- sealer


def _policy_actions(cfn: dict[str, Any], logical_id: str) -> dict[str, tuple[set[str], Any]]:
    document = cfn["Resources"][logical_id]["Properties"]["PolicyDocument"]
    return {s["Sid"]: (set(_as_list(s["Action"])), s["Resource"]) for s in _statements(document)}


def test_the_sealer_reads_the_journal_stream_in_order_bisects_retries_then_reports(cfn: dict[str, Any]) -> None:
    (properties,) = [m["Properties"] for m in _of_type(cfn, "AWS::Lambda::EventSourceMapping").values()
                     if m["Properties"]["FunctionName"] == {"Ref": tpl.SEALER_FUNCTION}]
    assert properties["EventSourceArn"] == {"Fn::GetAtt": [tpl.table_logical_id("journal"), "StreamArn"]}
    assert properties["StartingPosition"] == "TRIM_HORIZON"
    assert properties["BisectBatchOnFunctionError"] is True
    assert 1 <= properties["MaximumRetryAttempts"] <= 100
    assert properties["ParallelizationFactor"] == 1
    assert properties["DestinationConfig"]["OnFailure"]["Destination"] == {
        "Fn::GetAtt": ["SealerDeadLetterQueue", "Arn"]}
    function = cfn["Resources"][tpl.SEALER_FUNCTION]
    assert function["Properties"]["Handler"] == "app.seal_journal"
    assert "SealerAccessPolicy" in function["DependsOn"]
    variables = function["Properties"]["Environment"]["Variables"]
    assert variables["LOTBOOK_VAULT_BUCKET"] == {"Ref": "VaultBucket"}
    assert variables["LOTBOOK_TABLE_PREFIX"] == "lotbook-prod"
    # The sealer sets each record's retain-until date in calendar years, as the bucket's default.
    assert variables["LOTBOOK_VAULT_RETENTION_YEARS"] == {"Ref": "VaultRetentionYears"}
    assert "LOTBOOK_VAULT_RETENTION_DAYS" not in variables and "SealRetentionDays" not in cfn["Parameters"]


def test_a_batch_left_unsealed_raises_an_alarm(cfn: dict[str, Any]) -> None:
    queue = cfn["Resources"]["SealerDeadLetterQueue"]["Properties"]
    assert queue["MessageRetentionPeriod"] == 1209600
    alarm = cfn["Resources"]["SealerDeadLetterAlarm"]["Properties"]
    assert (alarm["Namespace"], alarm["MetricName"]) == ("AWS/SQS", "ApproximateNumberOfMessagesVisible")
    assert alarm["Dimensions"] == [{"Name": "QueueName",
                                    "Value": {"Fn::GetAtt": ["SealerDeadLetterQueue", "QueueName"]}}]
    assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("GreaterThanThreshold", 0)
    assert alarm["AlarmActions"] == [{"Ref": "OperationsAlarmTopic"}]
    late = cfn["Resources"]["SealerIteratorAgeAlarm"]["Properties"]
    assert (late["MetricName"], late["Dimensions"][0]["Value"]) == ("IteratorAge", {"Ref": tpl.SEALER_FUNCTION})


def test_the_sealer_may_do_exactly_what_sealing_needs(cfn: dict[str, Any]) -> None:
    policy = cfn["Resources"]["SealerAccessPolicy"]["Properties"]
    assert policy["Roles"] == [{"Ref": tpl.SEALER_ROLE}]
    granted = _policy_actions(cfn, "SealerAccessPolicy")
    table = tpl.table_logical_id
    assert granted == {
        "ReadJournalStream": ({"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator",
                               "dynamodb:ListStreams"}, {"Fn::GetAtt": [table("journal"), "StreamArn"]}),
        "ReadJournal": ({"dynamodb:GetItem"}, {"Fn::GetAtt": [table("journal"), "Arn"]}),
        "WriteSealIndex": ({"dynamodb:PutItem", "dynamodb:GetItem"}, {"Fn::GetAtt": [table("sealed"), "Arn"]}),
        "NoteSealingFailures": ({"dynamodb:UpdateItem"}, {"Fn::GetAtt": [table("seal_failures"), "Arn"]}),
        "ClaimJournalEntries": ({"dynamodb:BatchGetItem", "dynamodb:PutItem"},
                                {"Fn::GetAtt": [table("seal_claims"), "Arn"]}),
        "MoveChainHeads": ({"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem"},
                           {"Fn::GetAtt": [table("chain_heads"), "Arn"]}),
        "WriteVault": ({"s3:PutObject", "s3:PutObjectRetention", "s3:GetObject"},
                       {"Fn::Sub": "${VaultBucket.Arn}/*"}),
        "ReportUnsealedBatches": ({"sqs:SendMessage"}, {"Fn::GetAtt": ["SealerDeadLetterQueue", "Arn"]}),
        # a sealing failure is an event of the event log, with the software version it ran
        "RecordFailureEvents": ({"dynamodb:PutItem"}, {"Fn::GetAtt": [table("journal"), "Arn"]}),
        "RecordSoftwareVersion": ({"dynamodb:UpdateItem"}, {"Fn::GetAtt": [table("counters"), "Arn"]}),
    }
    # The role chalice made holds logs and traces only: nothing else to remove.
    role = cfn["Resources"][tpl.SEALER_ROLE]["Properties"]
    actions = {a for p in role["Policies"] for st in _statements(p["PolicyDocument"]) for a in _as_list(st["Action"])}
    assert not [a for a in actions if a.startswith(("dynamodb:", "s3:"))]


def test_unsealed_entries_are_retried_every_5_minutes_by_a_job_that_may_only_seal(
    cfn: dict[str, Any], sam: dict[str, Any]
) -> None:
    function = sam["Resources"][tpl.RETRY_SEALING_FUNCTION]["Properties"]
    assert function["Handler"] == "app.retry_sealing"
    (event,) = function["Events"].values()
    assert (event["Type"], event["Properties"]["Schedule"]) == ("Schedule", "rate(5 minutes)")
    granted = _policy_actions(cfn, "RetrySealingAccessPolicy")
    sealer = _policy_actions(cfn, "SealerAccessPolicy")
    for sid in ("ReadJournal", "WriteSealIndex", "ClaimJournalEntries", "MoveChainHeads", "WriteVault",
                "RecordFailureEvents", "RecordSoftwareVersion"):
        assert granted[sid] == sealer[sid], sid  # the sealer's own work, nothing more
    assert granted["RetryFailures"] == ({"dynamodb:Scan", "dynamodb:UpdateItem", "dynamodb:DeleteItem"},
                                        {"Fn::GetAtt": [tpl.table_logical_id("seal_failures"), "Arn"]})
    assert set(granted) == {"ReadJournal", "WriteSealIndex", "ClaimJournalEntries", "MoveChainHeads", "WriteVault",
                            "RetryFailures", "RecordFailureEvents", "RecordSoftwareVersion"}
    # The alarms that call a human when sealing fails: the dead-letter queue and the sealer's lag.
    alarms = {k for k, v in cfn["Resources"].items() if v["Type"] == "AWS::CloudWatch::Alarm"}
    assert {"SealerDeadLetterAlarm", "SealerIteratorAgeAlarm"} <= alarms


def test_chain_heads_are_anchored_daily_by_a_job_that_reads_heads_and_writes_the_journal(
    cfn: dict[str, Any], sam: dict[str, Any]
) -> None:
    function = sam["Resources"][tpl.ANCHOR_FUNCTION]["Properties"]
    assert function["Handler"] == "app.anchor_chain_heads"
    (event,) = function["Events"].values()
    assert (event["Type"], event["Properties"]["Schedule"]) == ("Schedule", "cron(50 23 * * ? *)")
    granted = _policy_actions(cfn, "AnchorAccessPolicy")
    assert granted["WriteJournal"] == ({"dynamodb:PutItem"}, {"Fn::GetAtt": [tpl.table_logical_id("journal"), "Arn"]})
    assert granted["ReadChainHeads"][0] == {"dynamodb:Scan", "dynamodb:Query"}
    assert all(not a.endswith(("Delete", "DeleteItem", "UpdateItem", "PutObject"))
               for actions, _ in granted.values() for a in actions)


def test_the_api_role_allows_every_cognito_admin_call_the_code_makes() -> None:
    calls = set()
    for path in (ROOT / "chalicelib").rglob("*.py"):
        calls |= set(re.findall(r"\.(admin_[a-z_]+)\(", path.read_text(encoding="utf-8")))
    needed = {"cognito-idp:" + "".join(w.capitalize() for w in call.split("_")) for call in calls}
    missing = needed - set(tpl.COGNITO_ACTIONS)
    assert not missing, f"add {sorted(missing)} to infrastructure.template.COGNITO_ACTIONS"


# --------------------------------------------------------------------------- state machines


def test_each_asl_file_becomes_a_state_machine_with_its_definition_inlined(
    with_state_machine: Path, lint_report: tuple[int, str]
) -> None:
    code, report = lint_report
    assert str(with_state_machine) not in report
    sam = _load(with_state_machine / "sam.json")
    machine = sam["Resources"]["Declaration2093StateMachine"]["Properties"]
    assert machine["Definition"] == ASL
    assert machine["StateMachineName"] == "lotbook-prod-declaration-2093"
    assert machine["DefinitionSubstitutions"] == {"APIHandlerArn": {"Fn::GetAtt": ["APIHandler", "Arn"]}}
    role = sam["Resources"]["StateMachineRole"]["Properties"]["Policies"][0]["PolicyDocument"]
    (invoke,) = [s for s in _statements(role) if s["Action"] == "lambda:InvokeFunction"]
    assert {"Fn::GetAtt": ["APIHandler", "Arn"]} in invoke["Resource"]
    variables = sam["Resources"][tpl.API_FUNCTION]["Properties"]["Environment"]["Variables"]
    assert (
        "stateMachine:lotbook-prod-declaration-2093"
        in (variables["LOTBOOK_STATE_MACHINE_DECLARATION_2093"]["Fn::Sub"])
    )


def test_without_asl_files_there_is_no_state_machine_nor_its_role() -> None:
    resources = tpl.build_extra_resources("prod", {})["Resources"]
    assert "StateMachineRole" not in resources
    assert not [r for r in resources.values() if r.get("Type") == "AWS::StepFunctions::StateMachine"]


def test_an_unknown_stage_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown stage"):
        tpl.build_extra_resources("staging")


def test_the_operator_is_paged_for_server_errors_throttling_and_sealer_failures(cfn: dict[str, Any]) -> None:
    alarms = {k: v["Properties"] for k, v in _of_type(cfn, "AWS::CloudWatch::Alarm").items()}
    assert all(a["AlarmActions"] == [{"Ref": "OperationsAlarmTopic"}] for a in alarms.values())
    api = alarms["ApiServerErrorsAlarm"]
    assert (api["Namespace"], api["MetricName"], api["Threshold"]) == ("AWS/ApiGateway", "5XXError", 0.01)
    assert {"Name": "Stage", "Value": tpl.api_gateway_stage("prod")} in api["Dimensions"]
    for function in (tpl.API_FUNCTION, tpl.SEALER_FUNCTION, tpl.TRANSFERS_FUNCTION):
        throttles = alarms[f"{function}ThrottlesAlarm"]
        assert throttles["MetricName"] == "Throttles"
        assert throttles["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": function}}]
        assert function in cfn["Resources"]
    assert alarms[f"{tpl.SEALER_FUNCTION}ErrorsAlarm"]["MetricName"] == "Errors"
    for base in tpl.HOT_TABLES:
        metrics = alarms[f"{tpl.table_logical_id(base)}ThrottlesAlarm"]["Metrics"]
        watched = {m["MetricStat"]["Metric"]["MetricName"] for m in metrics if "MetricStat" in m}
        assert watched == {"ReadThrottleEvents", "WriteThrottleEvents"}
        assert all(m["MetricStat"]["Metric"]["Dimensions"] == [{"Name": "TableName",
                                                                 "Value": {"Ref": tpl.table_logical_id(base)}}]
                   for m in metrics if "MetricStat" in m)
    assert {"SealerDeadLetterAlarm", "TransfersDeadLetterAlarm", "SealerIteratorAgeAlarm"} <= set(alarms)


def test_every_function_is_traced_with_x_ray(cfn: dict[str, Any]) -> None:
    functions = _of_type(cfn, "AWS::Lambda::Function")
    assert len(functions) >= 8
    assert {k: f["Properties"].get("TracingConfig") for k, f in functions.items()} == {
        k: {"Mode": "Active"} for k in functions}
