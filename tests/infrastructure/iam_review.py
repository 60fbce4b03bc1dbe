"""The IAM review: every action each role of the cloud template gets, and on what.

The production template is generated (merge template, ``chalice package``, SAM
expansion: what CloudFormation deploys), and for every ``AWS::IAM::Role`` the
actions of its inline policies, of the ``AWS::IAM::Policy`` resources attached to
it and of its managed policies (AWS's own, spelled out below) are gathered:
``{role: {action: [resources]}}``, resources summarised (``Table.Arn``,
``${VaultBucket.Arn}/*``…). tests/infrastructure/test_iam_review.py compares it
with ``iam_review.json``, the reviewed copy: a new permission fails until a person
has looked at it and recorded it.

    python -m tests.infrastructure.iam_review           # what changed since the review
    python -m tests.infrastructure.iam_review --write   # record the template's permissions, once reviewed
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

REVIEWED = Path(__file__).with_name("iam_review.json")

# AWS managed policies a role may carry, as AWS defines them (the template cannot say).
MANAGED_POLICIES: dict[str, dict[str, list[str]]] = {
    "AWSLambdaBasicExecutionRole": {a: ["*"] for a in ("logs:CreateLogGroup", "logs:CreateLogStream",
                                                        "logs:PutLogEvents")},
    "AWSXrayWriteOnlyAccess": {a: ["*"] for a in ("xray:PutTraceSegments", "xray:PutTelemetryRecords",
                                                   "xray:GetSamplingRules", "xray:GetSamplingTargets",
                                                   "xray:GetSamplingStatisticSummaries")},
}


def summarise(value: Any) -> str:
    """A resource as a reviewer reads it: intrinsic functions written out."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1:
        (function, argument), = value.items()
        if function == "Ref":
            return f"{argument}"
        if function == "Fn::GetAtt":
            return ".".join(argument) if isinstance(argument, list) else str(argument)
        if function == "Fn::Sub":
            if isinstance(argument, str):
                return argument
            text, variables = argument
            for name, inner in variables.items():
                text = text.replace("${" + name + "}", summarise(inner))
            return text
        if function == "Fn::Join":
            separator, parts = argument
            return separator.join(summarise(p) for p in parts)
    return json.dumps(value, sort_keys=True)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _grant(granted: dict[str, dict[str, set[str]]], role: str, document: dict[str, Any]) -> None:
    for statement in _as_list(document.get("Statement", [])):
        prefix = "" if statement.get("Effect") == "Allow" else f"{statement.get('Effect')} "
        actions = [f"NOT {a}" for a in _as_list(statement["NotAction"])] if "NotAction" in statement else [
            a for a in _as_list(statement.get("Action", []))]
        resources = ([f"NOT {summarise(r)}" for r in _as_list(statement["NotResource"])] if "NotResource" in statement
                     else [summarise(r) for r in _as_list(statement.get("Resource", []))])
        if "Condition" in statement:
            resources = [f"{r} if {json.dumps(statement['Condition'], sort_keys=True)}" for r in resources]
        for action in actions:
            granted[role].setdefault(prefix + action, set()).update(resources)


def permissions(template: dict[str, Any]) -> dict[str, dict[str, list[str]]]:
    """``{role: {action: sorted resources}}`` for every role of ``template``."""
    resources = template["Resources"]
    granted: dict[str, dict[str, set[str]]] = {
        logical_id: {} for logical_id, r in resources.items() if r["Type"] == "AWS::IAM::Role"}
    for logical_id, resource in resources.items():
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::IAM::Role":
            for policy in properties.get("Policies", []):
                _grant(granted, logical_id, policy["PolicyDocument"])
            for arn in properties.get("ManagedPolicyArns", []):
                name = summarise(arn).rsplit("/", 1)[-1]
                if name not in MANAGED_POLICIES:
                    raise KeyError(f"{logical_id}: managed policy {name} unknown here: spell out its actions")
                for action, where in MANAGED_POLICIES[name].items():
                    granted[logical_id].setdefault(action, set()).update(where)
        elif resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            for role in properties.get("Roles", []):
                _grant(granted, summarise(role), properties["PolicyDocument"])
    return {role: {action: sorted(where) for action, where in sorted(actions.items())}
            for role, actions in sorted(granted.items())}


def template_permissions(stage: str = "prod", out: Path | None = None) -> dict[str, dict[str, list[str]]]:
    from infrastructure import template as tpl

    with tempfile.TemporaryDirectory() as scratch:
        build = tpl.build(stage, (out or Path(scratch)) / stage)
        return permissions(json.loads(build.expanded.read_text(encoding="utf-8")))


def differences(current: dict[str, dict[str, list[str]]], reviewed: dict[str, dict[str, list[str]]]) -> list[str]:
    """What the template grants beyond the review (+) and what it no longer grants (-)."""
    lines = []
    for role in sorted(set(current) | set(reviewed)):
        now, then = current.get(role, {}), reviewed.get(role, {})
        for action in sorted(set(now) | set(then)):
            added = sorted(set(now.get(action, [])) - set(then.get(action, [])))
            removed = sorted(set(then.get(action, [])) - set(now.get(action, [])))
            lines += [f"+ {role}: {action} on {r}" for r in added]
            lines += [f"- {role}: {action} on {r}" for r in removed]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.infrastructure.iam_review",
                                     description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--write", action="store_true", help=f"write {REVIEWED.name} from the template")
    args = parser.parse_args(argv)
    current = template_permissions()
    if args.write:
        REVIEWED.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        print(f"wrote {REVIEWED}")
        return 0
    reviewed = json.loads(REVIEWED.read_text(encoding="utf-8")) if REVIEWED.exists() else {}
    changes = differences(current, reviewed)
    print("\n".join(changes) or "the template grants exactly what was reviewed")
    return 1 if changes else 0


if __name__ == "__main__":
    sys.exit(main())
