"""Long work as jobs: a job item per tenant, run by the ``jobs`` state machine.

``start`` stores the job (``running``) and starts an execution whose one task is
the ``run_job`` Lambda (app.py); :func:`run` dispatches on the job's kind, lets
the work report its progress, and ends the job ``succeeded`` with a result or
``failed`` with a French message (work that fails leaves the data as it was).
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from typing import Any

from chalicelib.adapters import files
from chalicelib.adapters.repositories import jobs as repo
from chalicelib.auth import Principal
from chalicelib.errors import LotbookError
from chalicelib.observability import logger

STATE_MACHINE = "jobs"

# kind → "module:function"; each runs ``(tenant_id, params, progress) -> result``.
RUNNERS = {
    "dmet_2093": "chalicelib.services.declarations:run_2093",
    "dmet_2093_draft": "chalicelib.services.declarations:run_2093_draft",
    "backup": "chalicelib.services.archives:run_backup",
    "closure": "chalicelib.services.archives:run_closure",
    "verify": "chalicelib.services.compliance:run_verification",
    "fiscal_archive": "chalicelib.services.fiscal_archives:run_build",
}

FAILED_MESSAGE = "La tâche a échoué sur une erreur interne ; aucune donnée n'a été modifiée. Réessayez."

Progress = Callable[[float], None]


def start(tenant_id: str, kind: str, params: dict[str, Any], user_id: str | None = None) -> dict[str, Any]:
    job = repo.create_job(tenant_id, kind, params, user_id)
    try:
        files.start_execution(STATE_MACHINE, f"{kind}-{job['id']}",
                              json.dumps({"tenant_id": tenant_id, "job_id": job["id"]}))
    except Exception:
        logger.exception("job start failed", extra={"job": job["id"]})
        repo.update_job(tenant_id, job["id"], status="failed", error="La tâche n'a pas pu démarrer. Réessayez.")
        raise
    return {"job_id": job["id"]}


# Jobs whose files are handed out by their own route, never as a job's result links.
LINKS_ELSEWHERE = frozenset({"fiscal_archive"})


def view(who: Principal, job_id: str) -> dict[str, Any]:
    job = repo.get_job(who.tenant_id, job_id)  # another tenant's id is simply not found
    result = job["result"]
    if job["kind"] in LINKS_ELSEWHERE and isinstance(result, dict):
        # A fiscal archive is downloaded through GET /api/compliance/archives/{period} alone,
        # which checks it against its seal and records the download (event and consultation).
        result = {k: v for k, v in result.items() if k != "files"}
    elif isinstance(result, dict) and isinstance(result.get("files"), list):
        # Stored by key; each view hands out fresh time-limited links.
        result = {**result, "files": [{"name": f["name"], "url": files.link(f["key"], f["name"])}
                                      for f in result["files"]]}
    return {"id": job["id"], "kind": job["kind"], "status": job["status"], "progress": job["progress"],
            "result": result, "error": job["error"], "created_at": job["created_at"]}


def _runner(kind: str) -> Callable[..., Any]:
    module, _, name = RUNNERS[kind].partition(":")
    return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]


def run(event: dict[str, Any]) -> dict[str, Any]:
    """The state machine's task: do the job's work and record how it ended."""
    tenant_id, job_id = event["tenant_id"], event["job_id"]
    job = repo.get_job(tenant_id, job_id)
    if job["status"] != "running":  # a redelivered task: the first run decided
        return {"status": job["status"]}

    def progress(value: float) -> None:
        repo.update_job(tenant_id, job_id, progress=round(max(0.0, min(1.0, value)), 3))

    try:
        result = _runner(job["kind"])(tenant_id, job["params"], progress)
    except LotbookError as error:
        details = error.details
        repo.update_job(tenant_id, job_id, status="failed", error=error.message,
                        result={"details": details} if details is not None else None)
        return {"status": "failed"}
    except Exception:
        logger.exception("job failed", extra={"job": job_id, "kind": job["kind"]})
        repo.update_job(tenant_id, job_id, status="failed", error=FAILED_MESSAGE)
        return {"status": "failed"}
    repo.update_job(tenant_id, job_id, status="succeeded", progress=1, result=result)
    return {"status": "succeeded"}
