"""Lambda layers: heavy runtime dependencies kept out of the functions' own zip.

Each folder ``layers/<name>/`` holds a pinned ``requirements.txt``; this module
turns it into ``<name>-layer.zip`` (``python/…`` inside, as Lambda's Python
runtime expects) with Linux wheels for the functions' runtime, whatever the
machine that builds it::

    python -m infrastructure.layers --out build/dev/packaged

writes ``build/dev/packaged/documents-layer.zip`` beside the ``sam.json`` whose
``DocumentsLayer`` names it (infrastructure/cloud/api.py), so ``aws cloudformation
package`` uploads both. ``python -m infrastructure.template --layers`` does the
same after packaging.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYERS_DIR = ROOT / "layers"
# The functions' runtime (chalice packages for the Python that runs it: 3.11 here).
PYTHON_VERSION = "3.11"
RUNTIME = f"python{PYTHON_VERSION}"
ARCHITECTURE = "x86_64"
PLATFORM = "manylinux2014_x86_64"
# A fixed date in the zip entries: the same requirements give the same bytes.
_ZIP_DATE = (2020, 1, 1, 0, 0, 0)

# layer folder → its logical id in the template
LAYERS = {"documents": "DocumentsLayer"}


def requirements(name: str) -> Path:
    return LAYERS_DIR / name / "requirements.txt"


def zip_name(name: str) -> str:
    return f"{name}-layer.zip"


def pinned(name: str) -> dict[str, str]:
    """Package → version of ``layers/<name>/requirements.txt`` (every line pinned with ==)."""
    out = {}
    for line in requirements(name).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            package, _, version = line.partition("==")
            out[package.strip().lower()] = version.strip()
    return out


def build_layer(name: str, out_dir: Path) -> Path:
    """pip-install the layer's requirements for Lambda's Linux, then zip them under ``python/``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / zip_name(name)
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "python"
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile",
             "--target", str(site), "--platform", PLATFORM, "--implementation", "cp",
             "--python-version", PYTHON_VERSION, "--only-binary=:all:", "-r", str(requirements(name))],
            check=True,
        )
        for cache in site.rglob("__pycache__"):
            shutil.rmtree(cache, ignore_errors=True)
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(p for p in site.rglob("*") if p.is_file()):
                entry = zipfile.ZipInfo(str(path.relative_to(tmp)), date_time=_ZIP_DATE)
                entry.external_attr = 0o644 << 16
                entry.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(entry, path.read_bytes())
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infrastructure.layers", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("build") / "layers", help="where the zips go")
    parser.add_argument("names", nargs="*", default=list(LAYERS), help="layers to build (default: all)")
    args = parser.parse_args(argv)
    for name in args.names:
        path = build_layer(name, args.out)
        print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
