"""Reading our PDFs back as a person (or a scanner) would: page sizes in mm, the
text, and the Code 128 bars decoded from the drawing operators themselves.

The decoder is written here from the symbology's table, independently of
python-barcode, so a bar drawn wrong (width, gap, order) fails the tests.
"""

from __future__ import annotations

import io
from collections import defaultdict
from typing import Any

from pypdf import PdfReader
from pypdf.generic import ContentStream

POINTS_PER_MM = 72 / 25.4

# Code 128 symbol values 0..105 as bar/space widths in modules (ISO/IEC 15417, table 1).
PATTERNS = (
    '212222', '222122', '222221', '121223', '121322', '131222', '122213', '122312', '132212', '221213',
    '221312', '231212', '112232', '122132', '122231', '113222', '123122', '123221', '223211', '221132',
    '221231', '213212', '223112', '312131', '311222', '321122', '321221', '312212', '322112', '322211',
    '212123', '212321', '232121', '111323', '131123', '131321', '112313', '132113', '132311', '211313',
    '231113', '231311', '112133', '112331', '132131', '113123', '113321', '133121', '313121', '211331',
    '231131', '213113', '213311', '213131', '311123', '311321', '331121', '312113', '312311', '332111',
    '314111', '221411', '431111', '111224', '111422', '121124', '121421', '141122', '141221', '112214',
    '112412', '122114', '122411', '142112', '142211', '241211', '221114', '413111', '241112', '134111',
    '111242', '121142', '121241', '114212', '124112', '124211', '411212', '421112', '421211', '212141',
    '214121', '412121', '111143', '111341', '131141', '114113', '114311', '411113', '411311', '113141',
    '114131', '311141', '411131', '211412', '211214', '211232',
)
STOP = "2331112"
START = {103: "A", 104: "B", 105: "C"}


class BarcodeError(AssertionError):
    pass


def decode_code128(widths: list[int]) -> str:
    """Bar/space widths in modules, first bar to last, → the encoded text (checksum verified)."""
    text = "".join(str(w) for w in widths)
    if not text.endswith(STOP) or (len(text) - len(STOP)) % 6:
        raise BarcodeError(f"no stop pattern or broken symbols: {text}")
    try:
        values = [PATTERNS.index(text[i:i + 6]) for i in range(0, len(text) - len(STOP), 6)]
    except ValueError as exc:
        raise BarcodeError(f"unknown symbol in {text}") from exc
    if len(values) < 2 or values[0] not in START:
        raise BarcodeError("no start symbol")
    *data, check = values
    expected = (data[0] + sum(position * value for position, value in enumerate(data[1:], start=1))) % 103
    if check != expected:
        raise BarcodeError(f"bad checksum {check}, expected {expected}")
    charset, out = START[data[0]], []
    for value in data[1:]:
        if charset == "C":
            if value < 100:
                out.append(f"{value:02d}")
            else:
                charset = {100: "B", 101: "A"}[value]
        elif value == 99:
            charset = "C"
        elif charset == "B" and value == 101:
            charset = "A"
        elif charset == "A" and value == 100:
            charset = "B"
        elif charset == "B":
            out.append(chr(value + 32))
        else:
            out.append(chr(value + 32) if value < 64 else chr(value - 64))
    return "".join(out)


def reader(content: bytes) -> PdfReader:
    assert content.startswith(b"%PDF-"), content[:40]
    return PdfReader(io.BytesIO(content))


def page_size_mm(page: Any) -> tuple[float, float]:
    box = page.mediabox
    return round(float(box.width) / POINTS_PER_MM, 1), round(float(box.height) / POINTS_PER_MM, 1)


def flat(text: str) -> str:
    """Every run of white space (line breaks of wrapped cells, non-breaking spaces) as one
    space, so "1 250,00 €" or a wrapped sentence reads as typed."""
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def page_text(page: Any) -> str:
    return flat(page.extract_text() or "")


def all_text(content: bytes) -> str:
    return " ".join(page_text(page) for page in reader(content).pages)


def _rectangles(page: Any, pdf: PdfReader) -> list[tuple[float, float, float, float]]:
    stream = ContentStream(page.get_contents(), pdf)
    return [tuple(float(v) for v in operands) for operands, operator in stream.operations  # type: ignore[misc]
            if operator == b"re"]


def barcodes(content: bytes) -> list[str]:
    """Every Code 128 drawn on each page (a row of filled rectangles of one height), decoded."""
    pdf = reader(content)
    found = []
    for page in pdf.pages:
        rows: dict[tuple[float, float], list[tuple[float, float]]] = defaultdict(list)
        for x, y, w, h in _rectangles(page, pdf):
            rows[(round(y, 2), round(h, 2))].append((x, w))
        for bars in rows.values():
            if len(bars) < 10:  # table backgrounds, boxes
                continue
            bars.sort()
            widths: list[float] = []
            for n, (x, w) in enumerate(bars):
                if n:
                    previous_x, previous_w = bars[n - 1]
                    widths.append(x - (previous_x + previous_w))
                widths.append(w)
            unit = min(widths)
            modules = [round(w / unit) for w in widths]
            if any(abs(w / unit - m) > 0.2 for w, m in zip(widths, modules, strict=True)):
                raise BarcodeError(f"bars off the module grid: {widths}")
            found.append(decode_code128(modules))
    return found
