"""Code 128 drawn as vectors: python-barcode computes the modules, ReportLab fills rectangles.

No raster image: the bars stay sharp at any printer resolution, and a label
sheet of 999 barcodes stays small.
"""

from __future__ import annotations

from functools import lru_cache

from barcode.codex import Code128
from reportlab.pdfgen.canvas import Canvas

# python-barcode builds a default SVG writer for each code unless given one; we only
# ask for the modules, so any stand-in will do and saves that work.
_NO_WRITER = object()
QUIET_ZONE_MODULES = 10  # the symbology's minimum blank margin each side


@lru_cache(maxsize=4096)
def modules(value: str) -> str:
    """``value`` as Code 128 modules, start to stop: ``"1"`` bar, ``"0"`` space."""
    return str(Code128(value, writer=_NO_WRITER).build()[0])


@lru_cache(maxsize=4096)
def bars(value: str) -> tuple[tuple[int, int], ...]:
    """Each bar as (first module, width in modules)."""
    out = []
    pattern = modules(value)
    start = None
    for n, module in enumerate(pattern + "0"):
        if module == "1" and start is None:
            start = n
        elif module == "0" and start is not None:
            out.append((start, n - start))
            start = None
    return tuple(out)


def draw_code128(canvas: Canvas, value: str, x: float, y: float, width: float, height: float) -> float:
    """Fill the bars of ``value`` in the box (x, y, width, height), quiet zones excluded;
    returns the module width used (points)."""
    module = width / len(modules(value))
    path = canvas.beginPath()
    for start, size in bars(value):
        path.rect(x + start * module, y, size * module, height)
    canvas.drawPath(path, stroke=0, fill=1)
    return module
