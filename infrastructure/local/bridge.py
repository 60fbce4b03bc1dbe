"""Run moto's Lambda invocations as in-process calls into the Chalice app.

moto runs no Lambda without Docker. Every invocation it makes — a DynamoDB
stream delivering records through an event-source mapping, a Step Functions
task, an EventBridge schedule, a plain ``lambda:Invoke`` — goes through
``LambdaFunction._invoke_lambda``; replacing it hands the real event to the
Chalice handler of the same name, as ``chalice.test.Client`` would.

Local function names are ``<prefix><handler name>`` (see :func:`function_name`).
"""

from __future__ import annotations

import json
import threading
import traceback
from typing import Any

from chalice import Chalice
from chalice.test import Client

FUNCTION_PREFIX = "lotbook-local-"

_lock = threading.Lock()
_installed: dict[str, Any] = {}


def function_name(handler_name: str) -> str:
    return FUNCTION_PREFIX + handler_name


def handler_name(function_name_: str) -> str:
    return function_name_[len(FUNCTION_PREFIX):] if function_name_.startswith(
        FUNCTION_PREFIX
    ) else function_name_


def _to_text(result: Any) -> str:
    if result is None:
        return "null"
    if isinstance(result, (bytes, bytearray)):
        return result.decode("utf-8")
    if isinstance(result, str):
        return json.dumps(result)
    return json.dumps(result, default=str)


def install(app: Chalice) -> None:
    """Route every moto Lambda invocation to ``app``'s handlers."""
    from moto.awslambda.models import LambdaFunction

    with _lock:
        if "original" not in _installed:
            _installed["original"] = LambdaFunction._invoke_lambda
        client = Client(app)

        def invoke_in_process(self: Any, event: Any = None) -> tuple[str, bool, str]:
            payload = event if event is not None else {}
            if isinstance(payload, (str, bytes)):
                payload = json.loads(payload or "{}")
            name = handler_name(self.function_name)
            try:
                response = client.lambda_.invoke(name, payload)
            # The handler failed — or its runtime died (a BaseException such as SystemExit, or the
            # tests' simulated kill): report it as Lambda does, so retries happen as in AWS.
            except BaseException as exc:  # noqa: BLE001
                error = {
                    "errorMessage": str(exc),
                    "errorType": type(exc).__name__,
                    "stackTrace": traceback.format_exception(exc)[-5:],
                }
                return json.dumps(error), True, traceback.format_exc()
            return _to_text(response.payload), False, ""

        LambdaFunction._invoke_lambda = invoke_in_process  # type: ignore[method-assign]
        _installed["app"] = app


def uninstall() -> None:
    from moto.awslambda.models import LambdaFunction

    with _lock:
        if "original" in _installed:
            LambdaFunction._invoke_lambda = _installed.pop("original")  # type: ignore[method-assign]
        _installed.pop("app", None)
