"""Powertools logger and metrics, attached once as middleware in app.py.

Tracing is X-Ray's active tracing switched on for the functions (``xray`` in
.chalice/config.json), not Powertools' Tracer: the X-Ray SDK alone costs about
330 ms of import on this machine, more than the whole cold-start budget.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics

logger = Logger(service="lotbook")
metrics = Metrics(namespace="Lotbook", service="lotbook")
