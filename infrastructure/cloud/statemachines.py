"""Step Functions: one state machine per ASL file of ``infrastructure/statemachines``,
its definition inlined, and the role they share."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from infrastructure.cloud.base import arn, ref, state_machine_logical_id, sub

_PLACEHOLDER = re.compile(r"\$\{([A-Za-z][A-Za-z0-9]*)\}")


def state_machines(stage: str, files: dict[str, Path]) -> dict[str, Any]:
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
                substitutions[key] = arn(key[:-3])
                if arn(key[:-3]) not in invoked:
                    invoked.append(arn(key[:-3]))
            else:
                substitutions[key] = ref(key)
        properties: dict[str, Any] = {
            "StateMachineName": state_machine_name(stage, name.removesuffix(".asl")),
            "StateMachineType": "STANDARD",
            "Definition": json.loads(text),
            "RoleArn": arn("StateMachineRole"),
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
                "Resource": invoked + [sub(f"${{{a['Fn::GetAtt'][0]}.Arn}}:*") for a in invoked],
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


def machine_names(files: dict[str, Path]) -> list[str]:
    """Names of the state machines: their file names without ``.asl.json``."""
    return sorted(name.removesuffix(".asl") for name in files)


def state_machine_name(stage: str, name: str) -> str:
    return f"lotbook-{stage}-{name}"


def state_machine_arn(stage: str, name: str) -> dict[str, Any]:
    """By name, not by reference: a task Lambda may be the API function itself."""
    return sub(
        "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}"
        f":stateMachine:{state_machine_name(stage, name)}"
    )
