"""What pages the operator: the operations topic, the alarms on server errors and
throttling, and the stream consumers' dead-letter queues with theirs."""

from __future__ import annotations

import re
from typing import Any

from infrastructure.cloud.base import (
    API_FUNCTION,
    SEALER_FUNCTION,
    TRANSFERS_FUNCTION,
    api_gateway_stage,
    ref,
    table_logical_id,
)

# Tables whose throttling a user would feel first (the shop floor, the sealer's path).
HOT_TABLES = ("articles", "counters", "journal", "sales", "sealed")
API_SERVER_ERROR_RATE = 0.01  # 1 % of requests over 5 minutes, twice in a row


def operations_topic(stage: str) -> dict[str, Any]:
    """The SNS topic every alarm notifies (subscribe the operator to it)."""
    return {
        "OperationsAlarmTopic": {
            "Type": "AWS::SNS::Topic",
            "Properties": {"TopicName": f"lotbook-{stage}-alarms", "KmsMasterKeyId": "alias/aws/sns"},
        },
    }


def alarm(stage: str, name: str, description: str, **properties: Any) -> dict[str, Any]:
    """A CloudWatch alarm that notifies the operations topic when it fires and when it clears."""
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmName": f"lotbook-{stage}-{name}",
            "AlarmDescription": description,
            "TreatMissingData": "notBreaching",
            "AlarmActions": [ref("OperationsAlarmTopic")],
            "OKActions": [ref("OperationsAlarmTopic")],
            **properties,
        },
    }


def alarms(stage: str) -> dict[str, Any]:
    """What pages the operator besides the dead-letter queues: server errors of the API,
    throttled functions, throttled tables."""
    resources = {
        "ApiServerErrorsAlarm": alarm(
            stage, "api-5xx", "More than 1 % of API requests answered 5xx for 10 minutes.",
            Namespace="AWS/ApiGateway", MetricName="5XXError",
            Dimensions=[{"Name": "ApiName", "Value": "lotbook"}, {"Name": "Stage", "Value": api_gateway_stage(stage)}],
            Statistic="Average", Period=300, EvaluationPeriods=2, Threshold=API_SERVER_ERROR_RATE,
            ComparisonOperator="GreaterThanThreshold"),
    }
    for function in (API_FUNCTION, SEALER_FUNCTION, TRANSFERS_FUNCTION):
        resources[f"{function}ThrottlesAlarm"] = alarm(
            stage, f"{kebab(function)}-throttled", f"The {function} function was throttled (concurrency limit).",
            Namespace="AWS/Lambda", MetricName="Throttles", Dimensions=[{"Name": "FunctionName",
                                                                         "Value": ref(function)}],
            Statistic="Sum", Period=300, EvaluationPeriods=1, Threshold=0, ComparisonOperator="GreaterThanThreshold")
    resources[f"{SEALER_FUNCTION}ErrorsAlarm"] = alarm(
        stage, "sealer-errors", "The sealer failed on a batch (it retries; the dead-letter alarm tells if it gave up).",
        Namespace="AWS/Lambda", MetricName="Errors", Dimensions=[{"Name": "FunctionName",
                                                                  "Value": ref(SEALER_FUNCTION)}],
        Statistic="Sum", Period=300, EvaluationPeriods=1, Threshold=0, ComparisonOperator="GreaterThanThreshold")
    for base in HOT_TABLES:
        table = table_logical_id(base)
        metrics = [{"Id": f"m{i}", "ReturnData": False, "MetricStat": {
            "Metric": {"Namespace": "AWS/DynamoDB", "MetricName": metric,
                       "Dimensions": [{"Name": "TableName", "Value": ref(table)}]},
            "Period": 300, "Stat": "Sum"}} for i, metric in enumerate(("ReadThrottleEvents", "WriteThrottleEvents"))]
        resources[f"{table}ThrottlesAlarm"] = alarm(
            stage, f"{kebab(base)}-throttled", f"Requests to the {base} table were throttled.",
            Metrics=[*metrics, {"Id": "throttled", "Expression": "m0 + m1", "Label": "Throttled requests",
                                "ReturnData": True}],
            EvaluationPeriods=1, Threshold=0, ComparisonOperator="GreaterThanThreshold")
    return resources


def kebab(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).replace("_", "-").lower()


def dead_letters(stage: str, logical_prefix: str, name: str, period: int, description: str) -> dict[str, Any]:
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
        f"{logical_prefix}DeadLetterAlarm": alarm(
            stage, f"{name}-dead-letters", description, Namespace="AWS/SQS",
            MetricName="ApproximateNumberOfMessagesVisible",
            Dimensions=[{"Name": "QueueName", "Value": {"Fn::GetAtt": [queue, "QueueName"]}}],
            Statistic="Maximum", Period=period, EvaluationPeriods=1, Threshold=0,
            ComparisonOperator="GreaterThanThreshold"),
    }
