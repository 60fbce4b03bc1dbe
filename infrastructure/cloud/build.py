"""The cloud template: chalice's SAM output plus every resource chalice does not make.

``chalice package --merge-template`` deep-merges a template into its own output by
logical id, so the merge template (:func:`infrastructure.cloud.merge.build_extra_resources`)
is generated from the same definitions the local stack uses (tables from the pynamodb
models, Cognito, the vault and the state machines from :mod:`infrastructure.definitions`),
then this module packages, expands SAM offline and writes both templates::

    python -m infrastructure.template --stage dev --out build/ [--lint]

writes ``build/merge-template.json``, ``build/packaged/sam.json`` (what to deploy,
with ``deployment.zip`` beside it) and ``build/packaged/expanded.json`` (the same after
the SAM transform, for cfn-lint and the tests). No AWS account and no Node needed.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infrastructure import layers
from infrastructure.cloud.base import DEFAULT_REGION, ROOT
from infrastructure.cloud.merge import build_extra_resources


class _OfflinePolicyLoader:
    """SAM asks for managed policy ARNs only when it makes a role; chalice makes them."""

    def load(self) -> dict[str, str]:
        return {
            "AWSLambdaBasicExecutionRole": (
                "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
            ),
            "AWSXrayWriteOnlyAccess": "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
        }


# Stands for the artifact bucket `aws cloudformation package` uploads to.
PLACEHOLDER_ARTIFACT_BUCKET = "lotbook-artifacts-placeholder"


def expand_sam(sam_template: dict[str, Any], region: str = DEFAULT_REGION) -> dict[str, Any]:
    """The CloudFormation that the SAM transform makes of ``sam_template``, offline."""
    import boto3
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    template = copy.deepcopy(sam_template)
    # SAM wants S3 locations; the local zips are uploaded at deploy time.
    for resource in template.get("Resources", {}).values():
        key = {
            "AWS::Serverless::Function": "CodeUri",
            "AWS::Serverless::LayerVersion": "ContentUri",
        }.get(resource.get("Type", ""))
        uri = resource.get("Properties", {}).get(key) if key else None
        if isinstance(uri, str) and not uri.startswith("s3://"):
            resource["Properties"][key] = f"s3://{PLACEHOLDER_ARTIFACT_BUCKET}/{Path(uri).name}"
    translator = Translator(None, Parser(), boto_session=boto3.session.Session(region_name=region))
    loader = _OfflinePolicyLoader()
    return translator.translate(template, parameter_values={}, get_managed_policy_map=loader.load)


def _python(code: str, *args: str, env: dict[str, str] | None = None, cwd: Path | None = None):
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def chalice_package(
    stage: str,
    merge_template: Path,
    packaged_dir: Path,
    region: str = DEFAULT_REGION,
    project_dir: Path = ROOT,
) -> Path:
    """Run ``chalice package`` with the merge template; returns the SAM template's path."""
    if packaged_dir.exists():
        shutil.rmtree(packaged_dir)
    env = dict(os.environ, AWS_DEFAULT_REGION=region, AWS_REGION=region)
    result = _python(
        "import sys; from chalice.cli import main; sys.exit(main())",
        "--project-dir",
        str(project_dir),
        "package",
        "--pkg-format",
        "cloudformation",
        "--stage",
        stage,
        "--merge-template",
        str(merge_template.resolve()),
        str(packaged_dir.resolve()),
        env=env,
        cwd=project_dir,
    )
    sam = packaged_dir / "sam.json"
    if result.returncode != 0 or not sam.exists():
        raise RuntimeError(f"chalice package failed:\n{result.stdout}\n{result.stderr}")
    return sam


def cfn_lint(paths: list[Path], region: str = DEFAULT_REGION) -> tuple[int, str]:
    """``cfn-lint --non-zero-exit-code error``: (exit code, report)."""
    result = _python(
        "import sys; from cfnlint.runner import main; sys.exit(main())",
        "--non-zero-exit-code",
        "error",
        "--regions",
        region,
        "--format",
        "parseable",
        *[str(p) for p in paths],
    )
    return result.returncode, (result.stdout + result.stderr).strip()


@dataclass
class Build:
    stage: str
    merge_template: Path
    sam: Path
    expanded: Path
    timings: dict[str, float] = field(default_factory=dict)


def build(stage: str, out: Path, region: str = DEFAULT_REGION) -> Build:
    """Merge template, ``chalice package``, SAM expansion: every file under ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    timings = {}
    started = time.perf_counter()
    merge_template = out / "merge-template.json"
    merge_template.write_text(json.dumps(build_extra_resources(stage), indent=2) + "\n", encoding="utf-8")
    timings["merge template"] = time.perf_counter() - started

    started = time.perf_counter()
    sam = chalice_package(stage, merge_template, out / "packaged", region=region)
    timings["chalice package"] = time.perf_counter() - started

    started = time.perf_counter()
    expanded_template = expand_sam(json.loads(sam.read_text(encoding="utf-8")), region=region)
    expanded = sam.with_name("expanded.json")
    expanded.write_text(json.dumps(expanded_template, indent=2) + "\n", encoding="utf-8")
    timings["SAM transform"] = time.perf_counter() - started
    return Build(stage, merge_template, sam, expanded, timings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m infrastructure.template", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--stage", required=True, help="a stage of .chalice/config.json")
    parser.add_argument("--out", type=Path, default=Path("build"), help="output folder")
    parser.add_argument("--region", default=DEFAULT_REGION, help="the region to deploy to")
    parser.add_argument("--lint", action="store_true", help="run cfn-lint on both templates")
    parser.add_argument("--layers", action="store_true", help="also build the layers' zips beside sam.json")
    args = parser.parse_args(argv)

    result = build(args.stage, args.out, region=args.region)
    if args.layers:
        for name in layers.LAYERS:
            print(f"wrote {layers.build_layer(name, result.sam.parent)}")
    code = 0
    if args.lint:
        started = time.perf_counter()
        code, report = cfn_lint([result.sam, result.expanded], region=args.region)
        result.timings["cfn-lint"] = time.perf_counter() - started
        if report:
            print(report)
    for path in (result.merge_template, result.sam, result.expanded):
        print(f"wrote {path}")
    print(", ".join(f"{name} {seconds:.1f} s" for name, seconds in result.timings.items()))
    return code


if __name__ == "__main__":
    sys.exit(main())
