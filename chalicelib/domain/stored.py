"""The key order of a stored record, for the aggregates that read and write one
(``article.py``, ``lot.py``, ``sale.py``): a record read and written back comes out byte for
byte as it was (a closure deletes an article on condition its stored bytes are as backed up;
older records keep their missing and unknown keys)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any


def in_stored_order(values: Mapping[str, Any], key_order: tuple[str, ...], usual: tuple[str, ...],
                    extras: Mapping[str, Any], empty: Callable[[str, Any], bool]) -> dict[str, Any]:
    """``values`` (each field in its stored form) and ``extras`` (the unknown keys kept) as one
    record: the keys of the record read in their order (``key_order``), or for a new record
    the ``usual`` ones; then, in ``values``' order, every other field that is not ``empty``
    (a field the record did not have is written once it is set); then the unknown keys."""
    out: dict[str, Any] = {}
    for key in key_order or usual:
        if key in extras:
            out[key] = extras[key]
        elif key in values:
            out[key] = values[key]
    for key, value in values.items():
        if key not in out and not empty(key, value):
            out[key] = value
    for key, value in extras.items():
        out.setdefault(key, value)
    return out
