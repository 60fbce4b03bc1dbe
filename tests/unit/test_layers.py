"""No pynamodb model outside the adapters: services, routes and domain rules hand plain data
(chalicelib/domain/records.py, entities.py) to the repositories, which alone build items."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ("services", "api", "domain")
STORAGE = ("pynamodb", "chalicelib.adapters.models")


def _storage_imports(source: str, label: str) -> list[str]:
    """The storage modules a module imports, at its top or inside a function (type-checking ones too)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        names = ([node.module] if isinstance(node, ast.ImportFrom) and node.module and node.level == 0
                 else [a.name for a in node.names] if isinstance(node, ast.Import) else [])
        found += [f"{label}: {name}" for name in names
                  if any(name == s or name.startswith(s + ".") for s in STORAGE)]
    return found


def test_services_routes_and_domain_never_import_pynamodb_or_the_models() -> None:
    paths = [p for layer in LAYERS for p in sorted((ROOT / "chalicelib" / layer).rglob("*.py"))]
    assert len(paths) > 50  # the walk sees the layers
    assert [hit for path in paths
            for hit in _storage_imports(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))] == []


def test_the_check_sees_a_model_imported_inside_a_function() -> None:
    source = "def f():\n    from chalicelib.adapters.models import SaleModel\n    import pynamodb.models\n"
    assert _storage_imports(source, "probe") == ["probe: chalicelib.adapters.models", "probe: pynamodb.models"]
