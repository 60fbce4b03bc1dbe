"""The background functions traced with Powertools' Tracer (chalicelib/tracing.py).

Each case runs in a fresh interpreter: the X-Ray SDK's recorder and the Tracer's
configuration are process-wide.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from infrastructure.definitions import ROOT

# The transfers' stream handler, invoked as Lambda would: a MODIFY record is ignored
# without any AWS call. The X-Ray emitter is replaced by one that keeps what would go
# to the daemon.
SCRIPT = """
import json, sys
import app
from aws_xray_sdk.core import xray_recorder
from aws_xray_sdk.core.emitters.udp_emitter import UDPEmitter

sent = []

class Keep(UDPEmitter):
    def send_entity(self, entity):
        sent.append(json.loads(entity.serialize()))

xray_recorder.configure(emitter=Keep())
from chalice.test import Client

event = {"Records": [{"eventName": "MODIFY", "eventID": "1", "awsRegion": "eu-west-3",
                      "eventSourceARN": "arn:aws:dynamodb:eu-west-3:1:table/transfers/stream/s",
                      "dynamodb": {"Keys": {"tenant_id": {"S": "t1"}, "id": {"S": "x"}},
                                   "ApproximateCreationDateTime": 1765000000, "SequenceNumber": "1",
                                   "SizeBytes": 10, "StreamViewType": "NEW_AND_OLD_IMAGES"}}]}
answer = Client(app.app).lambda_.invoke("deliver_transfers", event).payload
import botocore.client, wrapt
patched = isinstance(botocore.client.BaseClient.__dict__["_make_api_call"], wrapt.FunctionWrapper)  # X-Ray's patch
print(json.dumps({"answer": answer, "sent": sent, "botocore_patched": patched}))
"""


def run(environment: dict[str, str]) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POWERTOOLS_", "LAMBDA_TASK_ROOT", "_X_AMZN"))}
    env.update({"AWS_DEFAULT_REGION": "eu-west-3", **environment})
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                            check=True)
    return json.loads(result.stdout.splitlines()[-1])


def test_in_lambda_a_stream_function_sends_its_subsegment_to_xray() -> None:
    out = run({"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_SERVICE_NAME": "lotbook",
               "_X_AMZN_TRACE_ID": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"})

    assert out["answer"]["ignored"] == 1
    names = [entity["name"] for entity in out["sent"]]
    assert "## deliver_transfers" in names
    handler = next(entity for entity in out["sent"] if entity["name"] == "## deliver_transfers")
    assert handler["annotations"]["ColdStart"] is True
    assert handler["annotations"]["Service"] == "lotbook"
    assert "metadata" not in handler or "deliver_transfers response" not in json.dumps(handler["metadata"])
    assert out["botocore_patched"], "AWS calls of the traced functions would not show in X-Ray"


@pytest.mark.parametrize("environment", [
    {"POWERTOOLS_TRACE_DISABLED": "true", "LAMBDA_TASK_ROOT": "/var/task",
     "_X_AMZN_TRACE_ID": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"},
    {"POWERTOOLS_TRACE_DISABLED": "true"},  # the local stack and the tests
    {},  # outside Lambda
], ids=["disabled in Lambda", "local stack", "outside Lambda"])
def test_tracing_disabled_sends_nothing_and_patches_nothing(environment: dict[str, str]) -> None:
    out = run(environment)

    assert out["answer"]["ignored"] == 1
    assert out["sent"] == []
    assert not out["botocore_patched"]
