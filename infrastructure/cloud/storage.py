"""Storage: the DynamoDB tables (from the pynamodb models), the vault (S3 Object Lock),
the media bucket (browser uploads, thumbnails) and the files bucket (declarations,
backups); every bucket private, encrypted and refusing plain HTTP."""

from __future__ import annotations

from typing import Any

from chalicelib.adapters.models import table_specs
from infrastructure import definitions
from infrastructure.cloud.base import (
    SHORT_RETENTION_STAGES,
    THUMBNAIL_FUNCTION,
    arn,
    bucket_name,
    media_bucket_name,
    ref,
    sub,
    table_logical_id,
)

# --------------------------------------------------------------------------- bucket helpers


def private_bucket_properties(name: str) -> dict[str, Any]:
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


def deny_insecure_transport(bucket: str) -> dict[str, Any]:
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [arn(bucket), sub(f"${{{bucket}.Arn}}/*")],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def bucket_policy(bucket: str, *statements: dict[str, Any]) -> dict[str, Any]:
    return {
        "Type": "AWS::S3::BucketPolicy",
        "Properties": {
            "Bucket": ref(bucket),
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [*statements, deny_insecure_transport(bucket)],
            },
        },
    }


# --------------------------------------------------------------------------- resources


def tables(stage: str) -> dict[str, Any]:
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


def vault(stage: str) -> dict[str, Any]:
    properties = private_bucket_properties(definitions.vault_bucket_name(stage))
    properties.update(
        {
            "ObjectLockEnabled": True,
            "ObjectLockConfiguration": {
                "ObjectLockEnabled": "Enabled",
                "Rule": {
                    "DefaultRetention": {
                        "Mode": definitions.VAULT_OBJECT_LOCK_MODE,
                        "Years": ref("VaultRetentionYears"),
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
        "VaultBucketPolicy": bucket_policy("VaultBucket"),
    }


def media(stage: str) -> dict[str, Any]:
    properties = private_bucket_properties(f"lotbook-{stage}-media")
    properties["BucketName"] = media_bucket_name(stage)
    properties.update(
        {
            # Browsers upload with presigned POSTs from the site's origin.
            "CorsConfiguration": {
                "CorsRules": [
                    {
                        "AllowedMethods": ["GET", "HEAD", "POST"],
                        "AllowedOrigins": [sub("https://${SiteDistribution.DomainName}")],
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
                "Function": arn(THUMBNAIL_FUNCTION),
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
        "MediaBucketPolicy": bucket_policy("MediaBucket"),
    }


def files(stage: str) -> dict[str, Any]:
    """Generated files and backups (2093 declarations, archives); the jobs' task writes them
    (workers.jobs)."""
    return {
        "FilesBucket": {
            "Type": "AWS::S3::Bucket",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": private_bucket_properties(definitions.files_bucket_name(stage)),
        },
        "FilesBucketPolicy": bucket_policy("FilesBucket"),
    }
