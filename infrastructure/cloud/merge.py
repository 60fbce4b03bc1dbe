"""The merge template: every resource chalice does not make, and what it adds to those it
makes, assembled from the package's parts (``chalice package --merge-template`` deep-merges
it into chalice's output by logical id)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from infrastructure import definitions
from infrastructure.cloud import alarms, api, identity, sealing, site, statemachines, storage, workers
from infrastructure.cloud.base import api_gateway_stage, default_retention_years, ref, sub


def build_extra_resources(stage: str, state_machines: dict[str, Path] | None = None) -> dict[str, Any]:
    """The template merged into chalice's output for ``stage``.

    ``state_machines`` defaults to the ASL files of ``infrastructure/statemachines``.
    """
    api_stage = api_gateway_stage(stage)  # also rejects an unknown stage
    files = definitions.state_machine_files() if state_machines is None else state_machines
    machines = statemachines.machine_names(files)
    resources: dict[str, Any] = {}
    resources.update(storage.tables(stage))
    resources.update(storage.vault(stage))
    resources.update(storage.media(stage))
    resources.update(storage.files(stage))
    resources.update(workers.jobs(stage))
    resources.update(site.site(stage))
    resources.update(identity.cognito(stage))
    resources.update(identity.waf(stage, api_stage))
    resources.update(statemachines.state_machines(stage, files))
    resources.update(sealing.sealer(stage))
    resources.update(workers.thumbnails(stage))
    resources.update(workers.transfers(stage))
    resources.update(alarms.alarms(stage))
    resources.update(api.api(stage, machines))
    return {
        "Description": f"Lotbook ({stage})",
        "Parameters": {
            "MailFrom": {
                "Type": "String",
                "Default": "no-reply@lotbook.fr",
                "Description": "Sender of the signup confirmation e-mails: an address SES has verified.",
            },
            "SoftwareVersion": {
                "Type": "String",
                "Default": "unknown",
                "MaxLength": 64,
                "Description": (
                    "The software's version (the deployed commit: `git rev-parse --short HEAD`), "
                    "LOTBOOK_VERSION of every function: the event log records each change of it."
                ),
            },
            "VaultRetentionYears": {
                "Type": "Number",
                "Default": default_retention_years(stage),
                "MinValue": 1,
                "MaxValue": 100,
                "Description": (
                    f"{definitions.VAULT_OBJECT_LOCK_MODE} retention of sealed records, in calendar "
                    "years: the bucket's default, and the retain-until date the sealer sets on each "
                    "record (its sealing day plus as many years, LOTBOOK_VAULT_RETENTION_YEARS), "
                    "which the verification checks. Nobody can delete an object before it ends."
                ),
            },
        },
        "Resources": resources,
        "Outputs": {
            "SiteUrl": {"Value": sub("https://${SiteDistribution.DomainName}")},
            "SiteBucketName": {"Value": ref("SiteBucket")},
            "SiteDistributionId": {"Value": ref("SiteDistribution")},
            "UserPoolId": {"Value": ref("UserPool")},
            "UserPoolClientId": {"Value": ref("UserPoolClient")},
            "VaultBucketName": {"Value": ref("VaultBucket")},
            "MediaBucketName": {"Value": ref("MediaBucket")},
            "ApiOriginPath": {"Value": f"/{api_stage}"},
            "OperationsAlarmTopicArn": {"Value": ref("OperationsAlarmTopic")},
            "SealerDeadLetterQueueUrl": {"Value": ref("SealerDeadLetterQueue")},
        },
    }
