"""X-Ray tracing of the background functions with Powertools' Tracer.

Traced: the journal's and the transfers' streams (``seal_journal``, ``deliver_transfers``),
the jobs' task (``run_job``) and the media uploads (``make_thumbnail``) — each wrapped with
``traced`` in app.py. Every call is a subsegment ``## <handler>`` (ColdStart and Service
annotations, the error as metadata) and every botocore call inside it (boto3 and pynamodb)
a subsegment of its own.

Off the API's cold path: this module imports nothing heavy; the Tracer, and the X-Ray SDK
with it (34-40 ms in Lambda on the dev machine, see docs/architecture.md), are built at the
first call of a traced handler. The API keeps X-Ray's active tracing (its Lambda's own
segment) without the SDK.

Locally and in the tests ``POWERTOOLS_TRACE_DISABLED=true`` (and no ``LAMBDA_TASK_ROOT``):
the handlers run as they are, the X-Ray SDK is not imported, nothing is patched and
nothing is sent to an X-Ray daemon.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer

Handler = TypeVar("Handler", bound=Callable[..., Any])

_tracer: Tracer | None = None
_lock = threading.Lock()


def tracer() -> Tracer:
    """The process's Tracer, built (and botocore patched) at first use."""
    global _tracer
    with _lock:
        if _tracer is None:
            from aws_lambda_powertools import Tracer

            # Only botocore: boto3 and pynamodb go through it; httplib would trace each call twice.
            _tracer = Tracer(service="lotbook", patch_modules=["botocore"])
        return _tracer


def _disabled() -> bool:
    """Powertools' own test (POWERTOOLS_TRACE_DISABLED, or not in Lambda): then the X-Ray SDK is
    not even imported (135-147 ms outside Lambda)."""
    from aws_lambda_powertools import Tracer

    return bool(Tracer._is_tracer_disabled())


def traced(handler: Handler) -> Handler:
    """``handler(event)`` (a stream's) or ``handler(event, context)`` traced as one subsegment."""
    captured: list[Callable[[Any, Any], Any]] = []

    @functools.wraps(handler)
    def run(event: Any, *context: Any) -> Any:
        if not captured:
            def call(event: Any, context: Any) -> Any:
                return handler(event, *context)

            call.__name__ = handler.__name__
            if _disabled():
                captured.append(call)
            else:
                # No response as metadata: a job's result may name sellers (personal data).
                captured.append(tracer().capture_lambda_handler(call, capture_response=False))
        return captured[0](event, context)

    return run  # type: ignore[return-value]
