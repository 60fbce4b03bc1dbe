"""The other functions' work: the jobs' task and the yearly 2093 drafts, the delivery of
transfers between subscribers (a stream consumer), the thumbnails of uploaded media; each
with exactly its permissions, merged into the function chalice makes."""

from __future__ import annotations

from typing import Any

from infrastructure import definitions
from infrastructure.cloud.alarms import dead_letters
from infrastructure.cloud.base import (
    DOCUMENTS_LAYER,
    DRAFTS_FUNCTION,
    DRAFTS_ROLE,
    JOB_FUNCTION,
    JOB_ROLE,
    SHORT_RETENTION_STAGES,
    THUMBNAIL_FUNCTION,
    THUMBNAIL_ROLE,
    TRANSFERS_EVENT,
    TRANSFERS_FUNCTION,
    TRANSFERS_ROLE,
    arn,
    media_bucket_name,
    ref,
    sub,
    table_logical_id,
)
from infrastructure.cloud.iam import (
    APPEND_ONLY_TABLES,
    CHECKPOINT_WRITE_ACTIONS,
    DYNAMODB_ACTIONS,
    FILES_ACTIONS,
    SEALER_TABLES,
    VAULT_READ_ACTIONS,
    policy,
    stream_reader,
    table_resources,
)
from infrastructure.cloud.statemachines import state_machine_arn


def worker_environment(stage: str) -> dict[str, Any]:
    """Variables of every function but the API (merged into chalice's)."""
    return {
        "LOTBOOK_STAGE": stage,
        "LOTBOOK_TABLE_PREFIX": f"lotbook-{stage}",
        "LOTBOOK_VAULT_BUCKET": ref("VaultBucket"),
        "LOTBOOK_VAULT_RETENTION_YEARS": ref("VaultRetentionYears"),
        "LOTBOOK_VERSION": ref("SoftwareVersion"),
        "POWERTOOLS_SERVICE_NAME": "lotbook",
        "POWERTOOLS_METRICS_NAMESPACE": "Lotbook",
        "POWERTOOLS_LOG_LEVEL": "DEBUG" if stage in SHORT_RETENTION_STAGES else "INFO",
    }


def jobs(stage: str) -> dict[str, Any]:
    """The jobs' task (the "jobs" state machine's): the tables as the API uses them, the
    files bucket, the vault read back for verification; and the yearly 2093 drafts."""
    files_objects = sub("${FilesBucket.Arn}/*")
    return {
        "JobAccessPolicy": policy("LotbookJobAccess", JOB_ROLE, [
            {
                "Sid": "ReadWriteTables",
                "Effect": "Allow",
                "Action": DYNAMODB_ACTIONS,
                "Resource": table_resources(exclude=SEALER_TABLES + APPEND_ONLY_TABLES),
            },
            {"Sid": "ReadWriteFiles", "Effect": "Allow", "Action": FILES_ACTIONS, "Resource": files_objects},
            # The verification job re-reads the sealed index and the vault (never writes them).
            {"Sid": "ReadSealedIndex", "Effect": "Allow", "Action": ["dynamodb:Query", "dynamodb:GetItem"],
             "Resource": table_resources(SEALER_TABLES)},
            {"Sid": "ReadSealedRecords", "Effect": "Allow", "Action": VAULT_READ_ACTIONS,
             "Resource": sub("${VaultBucket.Arn}/*")},
            {"Sid": "TellMissingRecords", "Effect": "Allow", "Action": "s3:ListBucket",
             "Resource": arn("VaultBucket")},
            {"Sid": "ListSealedVersions", "Effect": "Allow", "Action": "s3:ListBucketVersions",
             "Resource": arn("VaultBucket")},
            {"Sid": "WriteVerificationCheckpoints", "Effect": "Allow", "Action": CHECKPOINT_WRITE_ACTIONS,
             "Resource": sub("${VaultBucket.Arn}/verification/*")},
            # The fiscal archives (services/fiscal_archives.py): written once, COMPLIANCE-locked,
            # beside the chains, never over a tenant's sealed records.
            {"Sid": "WriteFiscalArchives", "Effect": "Allow", "Action": CHECKPOINT_WRITE_ACTIONS,
             "Resource": sub("${VaultBucket.Arn}/archives/*")},
        ]),
        # January 2nd: reads every tenant's metal purchases, starts one draft job per tenant
        # (chalicelib/services/declarations.prepare_drafts): exactly those reads and writes.
        "DraftsAccessPolicy": policy("LotbookDraftsAccess", DRAFTS_ROLE, [
            {"Sid": "ListTenants", "Effect": "Allow", "Action": "dynamodb:Scan",
             "Resource": arn(table_logical_id("tenants"))},
            {"Sid": "ReadPurchases", "Effect": "Allow", "Action": "dynamodb:Query",
             "Resource": table_resources(("families", "parties", "articles"))},
            {"Sid": "RecordJobs", "Effect": "Allow", "Action": ["dynamodb:PutItem", "dynamodb:UpdateItem"],
             "Resource": arn(table_logical_id("jobs"))},
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
                                              "LOTBOOK_FILES_BUCKET": ref("FilesBucket")}},
            },
        },
    }


def transfers(stage: str) -> dict[str, Any]:
    """The delivery of V's outgoing transfers as A's pending lots: a stream consumer that
    reads V's record, A's suppliers and the subscriber registry, and writes A's pending lot
    and delivery mark; what fails after every retry waits in a dead-letter queue."""
    transfers, drafts = table_logical_id("transfers"), table_logical_id("drafts")
    return {
        **dead_letters(stage, "Transfers", "transfers", 300, (
            "Transfers between subscribers were not delivered after every retry: their stream positions are "
            "in the dead-letter queue. Fix the cause, then deliver each again "
            "(chalicelib.services.transfers.deliver).")),
        "TransfersAccessPolicy": policy("LotbookTransfersAccess", TRANSFERS_ROLE, [
            stream_reader("ReadTransfersStream", transfers),
            {
                # V's record (read, marked), A's delivery mark (written with the pending lot).
                "Sid": "ReadMarkTransfers",
                "Effect": "Allow",
                "Action": ["dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:PutItem",
                           "dynamodb:ConditionCheckItem"],
                "Resource": arn(transfers),
            },
            {"Sid": "FindSubscribers", "Effect": "Allow", "Action": "dynamodb:GetItem",
             "Resource": [arn(table_logical_id("registry")), arn(table_logical_id("tenants"))]},
            {"Sid": "FindMutualSupplier", "Effect": "Allow", "Action": "dynamodb:Query",
             "Resource": arn(table_logical_id("parties"))},
            {"Sid": "WritePendingLots", "Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": arn(drafts)},
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


def thumbnails(stage: str) -> dict[str, Any]:
    """The thumbnail function: checks each uploaded original, writes its thumbnail, marks
    its medium ready or rejected. It reads originals, writes thumbnails, deletes what it
    refuses, and touches the media table only. The bucket is named, not referenced: the
    bucket's notification already depends on this function."""

    def objects(prefix: str) -> dict[str, Any]:
        return {"Fn::Sub": [f"arn:${{AWS::Partition}}:s3:::${{Bucket}}/{prefix}*",
                            {"Bucket": media_bucket_name(stage)}]}

    originals, thumbnails = objects(definitions.MEDIA_UPLOAD_PREFIX), objects(definitions.MEDIA_THUMBNAILS_PREFIX)
    bucket = {"Fn::Sub": ["arn:${AWS::Partition}:s3:::${Bucket}", {"Bucket": media_bucket_name(stage)}]}
    media = table_logical_id("media")
    return {
        "ThumbnailAccessPolicy": policy("LotbookThumbnailAccess", THUMBNAIL_ROLE, [
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
             "Resource": arn(media)},
        ]),
        "MediaBucketInvokesThumbnails": {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "Action": "lambda:InvokeFunction",
                "FunctionName": arn(THUMBNAIL_FUNCTION),
                "Principal": "s3.amazonaws.com",
                "SourceAccount": ref("AWS::AccountId"),
                "SourceArn": bucket,
            },
        },
        # Deep-merged into chalice's function (same logical id): Pillow comes with the documents layer.
        THUMBNAIL_FUNCTION: {
            "DependsOn": ["ThumbnailAccessPolicy"],
            "Properties": {
                "Timeout": 60,
                "MemorySize": 1024,  # a 10 MB image decoded in full
                "Layers": [ref(DOCUMENTS_LAYER)],
                "Environment": {"Variables": {**worker_environment(stage),
                                              "LOTBOOK_MEDIA_BUCKET": media_bucket_name(stage)}},
            },
        },
    }
