"""The local stack's Lambda bridge: moto's invocations reach Chalice handlers.

A small app of its own declares a stream handler and a task function; the
same provisioning and bridge as ``make run`` wire them to moto.
"""

from __future__ import annotations

import json
import time
from typing import Any

import boto3
from chalice import Chalice

from infrastructure.local import bridge
from infrastructure.local.provision import provision

received: list[dict[str, Any]] = []

probe = Chalice(app_name="bridge-probe")


@probe.on_dynamodb_record(stream_arn="arn:aws:dynamodb:eu-west-3:123456789012:table/journal/stream/x")
def probe_journal_stream(event: Any) -> None:
    for record in event:
        received.append({"name": record.event_name, "keys": record.keys,
                         "new": record.new_image, "source": record.event_source_arn})


@probe.lambda_function(name="probe_double")
def probe_double(event: dict, context: Any) -> dict:
    return {"value": event["value"] * 2}


def test_stream_records_and_state_machine_tasks_reach_the_chalice_handlers(aws_stack: Any) -> None:
    from app import app

    endpoint, region = aws_stack.endpoint, aws_stack.region
    bridge.install(probe)
    try:
        provision(probe, endpoint, stage="bridge", region=region)
        ddb = boto3.client("dynamodb", endpoint_url=endpoint, region_name=region)
        stream_arn = ddb.describe_table(TableName="lotbook-bridge-journal")["Table"]["LatestStreamArn"]
        ddb.put_item(TableName="lotbook-bridge-journal", Item={
            "tenant_id": {"S": "t1"}, "seq": {"S": "0001"}, "kind": {"S": "lot_committed"}})
        assert received == [{
            "name": "INSERT",
            "keys": {"tenant_id": {"S": "t1"}, "seq": {"S": "0001"}},
            "new": {"tenant_id": {"S": "t1"}, "seq": {"S": "0001"}, "kind": {"S": "lot_committed"}},
            "source": stream_arn,
        }]

        lam = boto3.client("lambda", endpoint_url=endpoint, region_name=region)
        function_arn = lam.get_function(FunctionName=bridge.function_name("probe_double"))[
            "Configuration"]["FunctionArn"]
        sfn = boto3.client("stepfunctions", endpoint_url=endpoint, region_name=region)
        definition = {"StartAt": "Double", "States": {
            "Double": {"Type": "Task", "Resource": function_arn, "End": True}}}
        machine = sfn.create_state_machine(
            name="bridge-probe", definition=json.dumps(definition),
            roleArn="arn:aws:iam::123456789012:role/lotbook-local-lambda")["stateMachineArn"]
        execution = sfn.start_execution(stateMachineArn=machine, input=json.dumps({"value": 21}))
        deadline = time.monotonic() + 20
        while True:
            described = sfn.describe_execution(executionArn=execution["executionArn"])
            if described["status"] != "RUNNING" or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert described["status"] == "SUCCEEDED", described
        assert json.loads(described["output"]) == {"value": 42}
    finally:
        bridge.install(app)
