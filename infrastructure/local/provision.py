"""Create the local stack's AWS resources from the same definitions as the cloud.

Tables come from the pynamodb models, the user pool and the vault from
``infrastructure.definitions``, state machines from their ASL files, functions
and event-source mappings from the Chalice app's own declarations. Every step
is idempotent: after a restart the snapshot already holds the resources and
provisioning only looks them up.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass
from typing import Any

import boto3
from chalice import Chalice
from chalice.utils import to_cfn_resource_name

from chalicelib.adapters.models import table_specs
from infrastructure import definitions
from infrastructure.local.bridge import function_name

ACCOUNT_ID = "123456789012"
LAMBDA_ROLE = "lotbook-local-lambda"
_STREAM_TABLE = re.compile(r":table/([^/]+)/stream")
_UNRESOLVED = re.compile(r"\$\{[A-Za-z_]\w*\}")


@dataclass(frozen=True)
class LocalResources:
    """What the app needs to know about the provisioned stack (its environment)."""

    endpoint: str
    region: str
    stage: str
    user_pool_id: str
    user_pool_client_id: str
    vault_bucket: str
    media_bucket: str = ""

    def environment(self) -> dict[str, str]:
        return {
            "LOTBOOK_STAGE": self.stage,
            "LOTBOOK_AWS_ENDPOINT_URL": self.endpoint,
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "LOTBOOK_TABLE_PREFIX": f"lotbook-{self.stage}",
            "LOTBOOK_USER_POOL_ID": self.user_pool_id,
            "LOTBOOK_USER_POOL_CLIENT_ID": self.user_pool_client_id,
            "LOTBOOK_VAULT_BUCKET": self.vault_bucket,
            "LOTBOOK_MEDIA_BUCKET": self.media_bucket or definitions.media_bucket_name(self.stage),
        }


def _session(region: str) -> boto3.session.Session:
    return boto3.session.Session(
        aws_access_key_id="local", aws_secret_access_key="local", region_name=region
    )


def create_tables(ddb: Any, stage: str) -> None:
    existing = set(ddb.list_tables()["TableNames"])
    for spec in table_specs():
        name = f"lotbook-{stage}-{spec['base_name']}"
        if name in existing:
            continue
        kwargs: dict[str, Any] = {
            "TableName": name,
            "AttributeDefinitions": spec["AttributeDefinitions"],
            "KeySchema": spec["KeySchema"],
            "BillingMode": "PAY_PER_REQUEST",
        }
        if spec["GlobalSecondaryIndexes"]:
            kwargs["GlobalSecondaryIndexes"] = spec["GlobalSecondaryIndexes"]
        if spec["StreamViewType"]:
            kwargs["StreamSpecification"] = {
                "StreamEnabled": True,
                "StreamViewType": spec["StreamViewType"],
            }
        ddb.create_table(**kwargs)
        if spec["TimeToLiveAttribute"]:
            ddb.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={
                    "Enabled": True,
                    "AttributeName": spec["TimeToLiveAttribute"],
                },
            )


def create_user_pool(idp: Any, stage: str) -> tuple[str, str]:
    name = definitions.user_pool_name(stage)
    pools = idp.list_user_pools(MaxResults=60)["UserPools"]
    pool_id = next((p["Id"] for p in pools if p["Name"] == name), None)
    if pool_id is None:
        pool_id = idp.create_user_pool(
            PoolName=name,
            Schema=definitions.USER_POOL_SCHEMA,
            Policies={"PasswordPolicy": definitions.PASSWORD_POLICY},
            UsernameAttributes=["email"],
            AutoVerifiedAttributes=["email"],
        )["UserPool"]["Id"]
    clients = idp.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)["UserPoolClients"]
    client_id = next((c["ClientId"] for c in clients if c["ClientName"] == "site"), None)
    if client_id is None:
        client_id = idp.create_user_pool_client(
            UserPoolId=pool_id,
            ClientName="site",
            GenerateSecret=False,
            ExplicitAuthFlows=definitions.USER_POOL_CLIENT_AUTH_FLOWS,
        )["UserPoolClient"]["ClientId"]
    groups = {g["GroupName"] for g in idp.list_groups(UserPoolId=pool_id)["Groups"]}
    for group in definitions.USER_POOL_GROUPS:
        if group not in groups:
            idp.create_group(UserPoolId=pool_id, GroupName=group)
    return pool_id, client_id


def create_vault(s3: Any, stage: str, retention_years: int) -> str:
    bucket = definitions.vault_bucket_name(stage)
    names = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    if bucket not in names:
        s3.create_bucket(
            Bucket=bucket,
            ObjectLockEnabledForBucket=True,
            CreateBucketConfiguration={"LocationConstraint": s3.meta.region_name},
        )
        s3.put_object_lock_configuration(
            Bucket=bucket,
            ObjectLockConfiguration={
                "ObjectLockEnabled": "Enabled",
                "Rule": {
                    "DefaultRetention": {
                        "Mode": definitions.VAULT_OBJECT_LOCK_MODE,
                        "Years": retention_years,
                    }
                },
            },
        )
    return bucket


def create_files_bucket(s3: Any, stage: str) -> str:
    """Generated files and backups (chalicelib/adapters/files.py): private, no lock."""
    bucket = definitions.files_bucket_name(stage)
    if bucket not in {b["Name"] for b in s3.list_buckets().get("Buckets", [])}:
        s3.create_bucket(Bucket=bucket,
                         CreateBucketConfiguration={"LocationConstraint": s3.meta.region_name})
    return bucket


# The site's origin(s): browsers upload media straight to the bucket (presigned POSTs).
# moto's server also answers CORS for any origin by itself; the rule is the cloud's.
MEDIA_CORS_ORIGINS = ["http://127.0.0.1:*", "http://localhost:*"]


def create_media_bucket(s3: Any, stage: str) -> str:
    """Media uploaded by browsers (chalicelib/adapters/media_store.py): private, CORS for the site."""
    bucket = definitions.media_bucket_name(stage)
    if bucket not in {b["Name"] for b in s3.list_buckets().get("Buckets", [])}:
        s3.create_bucket(Bucket=bucket,
                         CreateBucketConfiguration={"LocationConstraint": s3.meta.region_name})
        s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [{
            "AllowedMethods": ["GET", "HEAD", "POST"], "AllowedOrigins": MEDIA_CORS_ORIGINS,
            "AllowedHeaders": ["*"], "ExposeHeaders": ["ETag"], "MaxAgeSeconds": 3000}]})
    return bucket


def notify_media_uploads(s3: Any, bucket: str, arns: dict[str, str]) -> None:
    """Each new original (ObjectCreated under originals/) invokes the thumbnail function;
    moto delivers it synchronously through the bridge, inside the upload's request."""
    arn = arns.get(definitions.MEDIA_UPLOAD_HANDLER)
    if arn is None:
        return  # an app without the handler (a probe app in the tests)
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
        "LambdaFunctionConfigurations": [{
            "Id": "make-thumbnails",
            "LambdaFunctionArn": arn,
            "Events": ["s3:ObjectCreated:*"],
            "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": definitions.MEDIA_UPLOAD_PREFIX}]}},
        }]})


def _lambda_role(iam: Any) -> str:
    try:
        return str(iam.get_role(RoleName=LAMBDA_ROLE)["Role"]["Arn"])
    except iam.exceptions.NoSuchEntityException:
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "lambda.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
        return str(
            iam.create_role(RoleName=LAMBDA_ROLE, AssumeRolePolicyDocument=json.dumps(trust))[
                "Role"
            ]["Arn"]
        )


def _placeholder_zip() -> bytes:
    # The code never runs: the bridge calls the Chalice handler instead.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    raise RuntimeError('bridged')\n")
    return buffer.getvalue()


def lambda_handler_names(app: Chalice) -> list[str]:
    """Every non-HTTP handler the app declares (stream, schedule, pure Lambda)."""
    names = [config.name for config in app.event_sources]
    names += [function.name for function in app.pure_lambda_functions]
    return sorted(set(names))


def create_functions(lam: Any, iam: Any, ddb: Any, app: Chalice, stage: str) -> dict[str, str]:
    """One Lambda function per handler, and the stream mappings; name → ARN."""
    role = _lambda_role(iam)
    arns: dict[str, str] = {}
    existing = {f["FunctionName"]: f["FunctionArn"] for f in lam.list_functions()["Functions"]}
    for name in lambda_handler_names(app):
        fname = function_name(name)
        if fname in existing:
            arns[name] = existing[fname]
            continue
        arns[name] = lam.create_function(
            FunctionName=fname,
            Runtime="python3.11",
            Role=role,
            Handler="app.handler",
            Code={"ZipFile": _placeholder_zip()},
            Timeout=300,
        )["FunctionArn"]
    mappings = lam.list_event_source_mappings()["EventSourceMappings"]
    mapped = {(m["FunctionArn"], m["EventSourceArn"]) for m in mappings}
    for config in app.event_sources:
        stream_arn = getattr(config, "stream_arn", None)
        if stream_arn is None:
            continue
        match = _STREAM_TABLE.search(stream_arn)
        if match is None:
            raise ValueError(f"{config.name}: cannot tell the table of stream {stream_arn!r}")
        base = match.group(1).split("-")[-1]
        table = ddb.describe_table(TableName=f"lotbook-{stage}-{base}")["Table"]
        real_arn = table["LatestStreamArn"]
        if (arns[config.name], real_arn) in mapped:
            continue
        lam.create_event_source_mapping(
            EventSourceArn=real_arn,
            FunctionName=arns[config.name],
            StartingPosition=getattr(config, "starting_position", "LATEST") or "LATEST",
            BatchSize=getattr(config, "batch_size", 100) or 100,
        )
    return arns


def create_state_machines(sfn: Any, iam: Any, stage: str, arns: dict[str, str]) -> dict[str, str]:
    """State machines from their ASL files; ``${handler}`` becomes the function ARN."""
    role = _lambda_role(iam)
    existing = {m["name"]: m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"]}
    result = {}
    for name, path in definitions.state_machine_files().items():
        full_name = f"lotbook-{stage}-{name}"
        definition = path.read_text(encoding="utf-8")
        for handler, arn in arns.items():
            definition = definition.replace("${" + handler + "}", arn)
            # The cloud template's form: ${<LogicalId>Arn} (infrastructure/cloud/statemachines.py).
            definition = definition.replace("${" + to_cfn_resource_name(handler) + "Arn}", arn)
        if _UNRESOLVED.search(definition):
            continue  # a task this app does not declare (e.g. a probe app in the tests)
        if full_name in existing:
            sfn.update_state_machine(stateMachineArn=existing[full_name], definition=definition)
            result[name] = existing[full_name]
        else:
            result[name] = sfn.create_state_machine(
                name=full_name, definition=definition, roleArn=role
            )["stateMachineArn"]
    return result


def provision(
    app: Chalice,
    endpoint: str,
    *,
    stage: str = "local",
    region: str = "eu-west-3",
    vault_retention_years: int = 1,
) -> LocalResources:
    session = _session(region)

    def client(service: str) -> Any:
        return session.client(service, endpoint_url=endpoint)

    ddb = client("dynamodb")
    create_tables(ddb, stage)
    pool_id, client_id = create_user_pool(client("cognito-idp"), stage)
    bucket = create_vault(client("s3"), stage, vault_retention_years)
    create_files_bucket(client("s3"), stage)
    media_bucket = create_media_bucket(client("s3"), stage)
    iam = client("iam")
    arns = create_functions(client("lambda"), iam, ddb, app, stage)
    notify_media_uploads(client("s3"), media_bucket, arns)
    create_state_machines(client("stepfunctions"), iam, stage, arns)
    return LocalResources(endpoint, region, stage, pool_id, client_id, bucket, media_bucket)
