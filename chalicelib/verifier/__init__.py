"""The standalone verifier of sealed records: ``lotbook_verify.py``, one file, standard
library only (docs/sealing.md). It is packaged with the API (everything under
``chalicelib/`` is), so ``GET /api/compliance/verifier`` serves the very file."""

from __future__ import annotations

from pathlib import Path

FILENAME = "lotbook_verify.py"


def source() -> bytes:
    """The verifier's file, byte for byte."""
    return (Path(__file__).parent / FILENAME).read_bytes()
