"""The documents layer: ReportLab and python-barcode reach the API function as a
Lambda layer, pinned, and stay out of chalice's deployment.zip."""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest

from infrastructure import layers
from infrastructure import template as tpl

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def packaged(tmp_path_factory: pytest.TempPathFactory) -> tpl.Build:
    return tpl.build("prod", tmp_path_factory.mktemp("layers"))


def _load(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text(encoding="utf-8")))


def test_the_api_function_carries_the_documents_layer(packaged: tpl.Build) -> None:
    cfn = _load(packaged.expanded)["Resources"]
    (layer_id,) = [k for k, v in cfn.items() if v["Type"] == "AWS::Lambda::LayerVersion"]
    assert layer_id.startswith(tpl.DOCUMENTS_LAYER)
    api = cfn[tpl.API_FUNCTION]["Properties"]
    assert api["Layers"] == [{"Ref": layer_id}]
    assert api["Runtime"] in cfn[layer_id]["Properties"]["CompatibleRuntimes"]
    assert cfn[layer_id]["Properties"]["Content"]["S3Key"] == layers.zip_name("documents")
    # The thumbnail function decodes images with the layer's Pillow; no other function needs it.
    assert cfn[tpl.THUMBNAIL_FUNCTION]["Properties"]["Layers"] == [{"Ref": layer_id}]
    others = [k for k, v in cfn.items()
              if v["Type"] == "AWS::Lambda::Function" and k not in (tpl.API_FUNCTION, tpl.THUMBNAIL_FUNCTION)]
    assert others and all("Layers" not in cfn[k]["Properties"] for k in others)
    sam = _load(packaged.sam)["Resources"]
    assert sam[tpl.DOCUMENTS_LAYER]["Properties"]["ContentUri"] == f"./{layers.zip_name('documents')}"


def test_reportlab_ships_in_the_layer_and_the_fonts_in_the_function(packaged: tpl.Build) -> None:
    runtime = (ROOT / "requirements.txt").read_text(encoding="utf-8").lower()
    assert "reportlab" not in runtime and "barcode" not in runtime and "pillow" not in runtime
    with zipfile.ZipFile(packaged.sam.parent / "deployment.zip") as archive:
        names = archive.namelist()
    assert not [n for n in names if n.startswith(("reportlab/", "barcode/", "PIL/"))]
    assert {"chalicelib/documents/fonts/Vera.ttf", "chalicelib/documents/fonts/LICENSE-bitstream-vera.txt"} <= set(
        names)


def test_the_layer_is_pinned_and_is_what_the_tests_run_with() -> None:
    pins = layers.pinned("documents")
    assert {"reportlab", "python-barcode", "rl_accel"} <= set(pins)
    for package, version in pins.items():
        assert version, f"{package} is not pinned"
        assert importlib.metadata.version(package) == version, package
    dev = (ROOT / "requirements-dev.txt").read_text(encoding="utf-8")
    assert "-r layers/documents/requirements.txt" in dev.splitlines()


def test_the_layer_zip_puts_the_packages_under_python(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pip step is replaced here (no network in tests); what is zipped, and where, is ours."""
    calls = []

    def fake_pip(command: list[str], check: bool) -> None:
        calls.append(command)
        target = Path(command[command.index("--target") + 1])
        (target / "reportlab").mkdir(parents=True)
        (target / "reportlab" / "__init__.py").write_text("Version = '5'\n")
        (target / "reportlab" / "__pycache__").mkdir()
        (target / "reportlab" / "__pycache__" / "x.pyc").write_bytes(b"0")

    monkeypatch.setattr(subprocess, "run", fake_pip)
    path = layers.build_layer("documents", tmp_path)
    (command,) = calls
    assert command[command.index("--platform") + 1] == layers.PLATFORM
    assert command[command.index("--python-version") + 1] == layers.PYTHON_VERSION
    assert "--only-binary=:all:" in command
    with zipfile.ZipFile(path) as archive:
        assert archive.namelist() == ["python/reportlab/__init__.py"]


def test_the_standalone_verifier_ships_in_the_function_as_the_file_itself(packaged: tpl.Build) -> None:
    """GET /api/compliance/verifier serves the file from the deployment package (docs/sealing.md)."""
    name = "chalicelib/verifier/lotbook_verify.py"
    with zipfile.ZipFile(packaged.sam.parent / "deployment.zip") as archive:
        assert archive.read(name) == (ROOT / name).read_bytes()


def test_the_communes_data_of_the_2093_file_ships_in_the_function(packaged: tpl.Build) -> None:
    """chalicelib/domain/communes.py reads it on first use (INSEE codes of the sellers' communes)."""
    name = "chalicelib/data/communes.csv.gz"
    with zipfile.ZipFile(packaged.sam.parent / "deployment.zip") as archive:
        assert archive.read(name) == (ROOT / name).read_bytes()
