"""Sealing: the stream-fed sealer (journal -> vault), its dead-letter queue and alarms,
the retry of what its stream gave up on, the daily anchoring of chain heads, and the
nightly cash-register closings (journal writers too), each with exactly its permissions."""

from __future__ import annotations

from typing import Any

from infrastructure.cloud.alarms import alarm, dead_letters, operations_topic
from infrastructure.cloud.base import (
    ANCHOR_FUNCTION,
    ANCHOR_ROLE,
    CLOSINGS_FUNCTION,
    CLOSINGS_ROLE,
    RETRY_SEALING_FUNCTION,
    RETRY_SEALING_ROLE,
    SEALER_EVENT,
    SEALER_FUNCTION,
    SEALER_ROLE,
    arn,
    ref,
    sub,
    table_logical_id,
)
from infrastructure.cloud.iam import policy, stream_reader
from infrastructure.cloud.statemachines import state_machine_arn
from infrastructure.cloud.workers import worker_environment

# A failing batch is retried (bisected) this many times, then its position goes to
# the dead-letter queue and the stream moves on (see chalicelib/services/sealing.py).
SEALER_MAX_RETRY_ATTEMPTS = 10


def sealer(stage: str) -> dict[str, Any]:
    """The stream-fed sealer, its dead-letter queue and alarms, the anchoring job, and
    exactly the permissions each needs (chalice gives their roles logs and traces only)."""
    journal, sealed = table_logical_id("journal"), table_logical_id("sealed")
    claims, heads = table_logical_id("seal_claims"), table_logical_id("chain_heads")
    failures = table_logical_id("seal_failures")
    vault_objects = sub("${VaultBucket.Arn}/*")
    return {
        **dead_letters(stage, "Sealer", "sealer", 60, (
            "Journal records were not sealed after every retry: their stream positions are in the "
            "sealer's dead-letter queue. Fix the cause, then seal each entry again "
            "(chalicelib.services.sealing.reseal).")),
        **operations_topic(stage),
        "SealerIteratorAgeAlarm": alarm(
            stage, "sealer-late", "The sealer is more than 15 minutes behind the journal (failing or throttled).",
            Namespace="AWS/Lambda", MetricName="IteratorAge",
            Dimensions=[{"Name": "FunctionName", "Value": ref(SEALER_FUNCTION)}], Statistic="Maximum", Period=300,
            EvaluationPeriods=1, Threshold=900000,  # milliseconds
            ComparisonOperator="GreaterThanThreshold"),
        "SealerAccessPolicy": policy("LotbookSealerAccess", SEALER_ROLE, [
            stream_reader("ReadJournalStream", journal),
            {
                # A reservation left by a failed attempt is completed from its journal entry.
                "Sid": "ReadJournal",
                "Effect": "Allow",
                "Action": "dynamodb:GetItem",
                "Resource": arn(journal),
            },
            # Put the index; read it back to tell a redelivery from a claim that leads nowhere.
            {"Sid": "WriteSealIndex", "Effect": "Allow", "Action": ["dynamodb:PutItem", "dynamodb:GetItem"],
             "Resource": arn(sealed)},
            {"Sid": "NoteSealingFailures", "Effect": "Allow", "Action": "dynamodb:UpdateItem",
             "Resource": arn(failures)},
            # A sealing failure is an event of the event log (chalicelib/services/audit.py): a
            # journal entry, and the software version last recorded (counters, event#...).
            {"Sid": "RecordFailureEvents", "Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": arn(journal)},
            {"Sid": "RecordSoftwareVersion", "Effect": "Allow", "Action": "dynamodb:UpdateItem",
             "Resource": arn(table_logical_id("counters"))},
            {
                "Sid": "ClaimJournalEntries",
                "Effect": "Allow",
                "Action": ["dynamodb:BatchGetItem", "dynamodb:PutItem"],
                "Resource": arn(claims),
            },
            {
                # The heads of a batch's chains read at once; each head written whole, on condition
                # (vault.reserve / vault.complete: a conditional put, in a transaction for the latter).
                "Sid": "MoveChainHeads",
                "Effect": "Allow",
                "Action": ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem"],
                "Resource": arn(heads),
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
        "AnchorAccessPolicy": policy("LotbookAnchorAccess", ANCHOR_ROLE, [
            {
                "Sid": "ReadChainHeads",
                "Effect": "Allow",
                "Action": ["dynamodb:Scan", "dynamodb:Query"],
                "Resource": arn(heads),
            },
            {"Sid": "ReadLastAnchor", "Effect": "Allow", "Action": "dynamodb:Query", "Resource": arn(sealed)},
            {
                "Sid": "ReadSealedRecords",
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:GetObjectVersion"],
                "Resource": vault_objects,
            },
            {"Sid": "WriteJournal", "Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": arn(journal)},
        ]),
        # Deep-merged into chalice's functions (same logical ids).
        SEALER_FUNCTION: {
            # The mapping is created with the function: its role must already read the stream.
            "DependsOn": ["SealerAccessPolicy"],
            "Properties": {
                "Timeout": 300,
                # One vCPU (Lambda gives CPU in proportion to memory, a whole one at 1,769 MB):
                # with its requests in flight the sealer is CPU-bound, ~3 ms a record of
                # botocore's work; at 512 MB (0.29 vCPU) ~75 records/s, here ~200
                # (python -m bench.sealing estimate, bench/README.md). Billed by GB-s: about
                # the same cost a record, the batch done 3.5 times sooner.
                "MemorySize": 1769,
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
        "RetrySealingAccessPolicy": policy("LotbookRetrySealingAccess", RETRY_SEALING_ROLE, [
            {"Sid": "ReadJournal", "Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": arn(journal)},
            {"Sid": "RecordFailureEvents", "Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": arn(journal)},
            {"Sid": "RecordSoftwareVersion", "Effect": "Allow", "Action": "dynamodb:UpdateItem",
             "Resource": arn(table_logical_id("counters"))},
            {"Sid": "WriteSealIndex", "Effect": "Allow", "Action": ["dynamodb:PutItem", "dynamodb:GetItem"],
             "Resource": arn(sealed)},
            {"Sid": "ClaimJournalEntries", "Effect": "Allow",
             "Action": ["dynamodb:BatchGetItem", "dynamodb:PutItem"], "Resource": arn(claims)},
            {"Sid": "MoveChainHeads", "Effect": "Allow",
             "Action": ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem"], "Resource": arn(heads)},
            {"Sid": "RetryFailures", "Effect": "Allow",
             "Action": ["dynamodb:Scan", "dynamodb:UpdateItem", "dynamodb:DeleteItem"], "Resource": arn(failures)},
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
        # tickets, writes each closing's marker and journal entry in one transaction; then
        # starts the fiscal archive of each period just closed (services/fiscal_archives.py:
        # its state item in counters, its job item, the jobs state machine).
        "CloseRegistersAccessPolicy": policy("LotbookClosingsAccess", CLOSINGS_ROLE, [
            {"Sid": "FindTenants", "Effect": "Allow", "Action": "dynamodb:Scan", "Resource": arn(heads)},
            {"Sid": "ReadTickets", "Effect": "Allow", "Action": "dynamodb:Query",
             "Resource": arn(table_logical_id("sales"))},
            {"Sid": "MarkClosings", "Effect": "Allow",
             "Action": ["dynamodb:Query", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem",
                        "dynamodb:ConditionCheckItem"],
             "Resource": arn(table_logical_id("counters"))},
            {"Sid": "WriteJournal", "Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": arn(journal)},
            {"Sid": "StartArchiveJobs", "Effect": "Allow",
             "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
             "Resource": arn(table_logical_id("jobs"))},
            {"Sid": "RunArchiveJobs", "Effect": "Allow", "Action": "states:StartExecution",
             "Resource": state_machine_arn(stage, "jobs")},
        ]),
        CLOSINGS_FUNCTION: {
            "DependsOn": ["CloseRegistersAccessPolicy"],
            "Properties": {
                "Timeout": 300,
                "Environment": {"Variables": {
                    **worker_environment(stage),
                    "LOTBOOK_STATE_MACHINE_JOBS": state_machine_arn(stage, "jobs"),
                }},
            },
        },
    }
