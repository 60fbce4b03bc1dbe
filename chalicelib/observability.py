"""Powertools logger and metrics, attached once as middleware in app.py.

Tracing is X-Ray's active tracing switched on for every function (``xray`` in
.chalice/config.json); Powertools' Tracer only for the stream, job and thumbnail
functions, built at their first call (``chalicelib/tracing.py``): the API's cold start
never loads the X-Ray SDK.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

logger = Logger(service="lotbook")
metrics = Metrics(namespace="Lotbook", service="lotbook")


def count(name: str, value: int = 1) -> None:
    """A business counter, published as CloudWatch EMF when the request ends."""
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
