"""What every part of the cloud template shares: chalice's logical ids, intrinsic
functions, resource names, and what a stage changes.

Chalice's logical ids are fixed by chalice 1.34 and checked by the tests:
``APIHandler`` (the API function), ``ApiHandlerRole`` (its role: ``autogen_policy`` is
false, so chalice names it after the function and fills it from
``.chalice/policy-<stage>.json``) and ``RestAPI``; every other function is named after
its handler in app.py (``SealJournal`` for ``seal_journal``), its role ``<Function>Role``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from infrastructure import definitions, layers

ROOT = definitions.ROOT
DEFAULT_REGION = "eu-west-3"

# Chalice's own logical ids (chalice 1.34, autogen_policy false).
API_FUNCTION = "APIHandler"
API_FUNCTION_ROLE = "ApiHandlerRole"
REST_API = "RestAPI"

# Stages whose vault defaults to a short retention (years): objects written there
# cannot be deleted before it ends, so a test stage must not keep them for ten years.
SHORT_RETENTION_STAGES = {"dev": 1}

# The sealer (app.seal_journal, fed by the journal's stream) and the daily anchoring
# of chain heads (app.anchor_chain_heads): chalice's logical ids for them.
SEALER_FUNCTION = "SealJournal"
SEALER_ROLE = "SealJournalRole"
SEALER_EVENT = "SealJournalDynamodbEventSource"
ANCHOR_FUNCTION = "AnchorChainHeads"
ANCHOR_ROLE = "AnchorChainHeadsRole"
# Every 5 minutes, what the stream's retries could not seal is sealed again (app.retry_sealing).
RETRY_SEALING_FUNCTION = "RetrySealing"
RETRY_SEALING_ROLE = "RetrySealingRole"
CLOSINGS_FUNCTION = "CloseRegisters"
CLOSINGS_ROLE = "CloseRegistersRole"
# The jobs' task (app.run_job, the "jobs" state machine): chalice's logical ids.
JOB_FUNCTION = "RunJob"
JOB_ROLE = "RunJobRole"
DRAFTS_FUNCTION = "Prepare2093Drafts"
DRAFTS_ROLE = "Prepare2093DraftsRole"
# Transfers between subscribers (app.deliver_transfers, fed by the transfers table's stream).
TRANSFERS_FUNCTION = "DeliverTransfers"
TRANSFERS_ROLE = "DeliverTransfersRole"
TRANSFERS_EVENT = "DeliverTransfersDynamodbEventSource"
# Media uploads (app.make_thumbnail, called by the media bucket): chalice's logical ids.
THUMBNAIL_FUNCTION = "MakeThumbnail"
THUMBNAIL_ROLE = "MakeThumbnailRole"

# ReportLab and python-barcode (PDFs) reach the API function as a layer built from
# layers/documents/ (infrastructure/layers.py), not inside chalice's deployment.zip.
DOCUMENTS_LAYER = layers.LAYERS["documents"]


# --------------------------------------------------------------------------- intrinsics and names


def ref(logical_id: str) -> dict[str, Any]:
    return {"Ref": logical_id}


def arn(logical_id: str) -> dict[str, Any]:
    return {"Fn::GetAtt": [logical_id, "Arn"]}


def sub(text: str) -> dict[str, Any]:
    return {"Fn::Sub": text}


def camel(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", name))


def table_logical_id(base_name: str) -> str:
    return f"{camel(base_name)}Table"


def state_machine_logical_id(name: str) -> str:
    return f"{camel(name)}StateMachine"


def _chalice_config() -> dict[str, Any]:
    return json.loads((ROOT / ".chalice" / "config.json").read_text(encoding="utf-8"))


def api_gateway_stage(stage: str) -> str:
    """The API Gateway stage chalice deploys (the CloudFront origin path)."""
    config = _chalice_config()
    if stage not in config.get("stages", {}):
        raise ValueError(f"unknown stage {stage!r}: not in .chalice/config.json")
    stage_config = config["stages"][stage]
    return str(stage_config.get("api_gateway_stage", config.get("api_gateway_stage", "api")))


def default_retention_years(stage: str) -> int:
    return SHORT_RETENTION_STAGES.get(stage, definitions.VAULT_DEFAULT_RETENTION_YEARS)


def bucket_name(name: str) -> dict[str, Any]:
    """S3 names are global: the account and region make ours unique."""
    return sub(f"{name}-${{AWS::AccountId}}-${{AWS::Region}}")


def media_bucket_name(stage: str) -> dict[str, Any]:
    return bucket_name(f"lotbook-{stage}-media")

