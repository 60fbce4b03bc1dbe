"""Bulk reads and writes side by side (issue 17): a backup reads a tenant's articles as
several queries over ranges of references at once; a closure's batch deletions go
through several writers, each retrying what DynamoDB leaves unprocessed (throttling)
after a growing, jittered pause.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from chalicelib.adapters.repositories._common import chunks, connection

READERS = 8
WRITERS = 8
# DynamoDB's limit of requests per BatchWriteItem.
BATCH_ITEMS = 25
# Rounds of a batch's unprocessed items before the deletion is failed.
ATTEMPTS = 10


class UnprocessedItemsError(RuntimeError):
    """DynamoDB kept refusing part of a batch (throttled) after every retry."""


def _pause(attempt: int) -> None:
    time.sleep(random.uniform(0, min(0.05 * 2 ** attempt, 2.0)))


def query_in_ranges(model: Any, hash_value: str, readers: int = READERS) -> Iterator[Any]:
    """Every item under ``hash_value``, in range-key order, as ``model.query`` gives them, read
    by ``readers`` queries at once over ranges of the range key that together cover all of it.

    The cuts fall evenly between the first and the last key when both are numbers of one
    width (article references); otherwise one query reads it all.
    """
    name = model._range_keyname
    attribute = getattr(model, name)
    ends = [next(iter(model.query(hash_value, limit=1, scan_index_forward=forward, attributes_to_get=[name])), None)
            for forward in (True, False)]
    if ends[0] is None or ends[1] is None:
        return
    low, high = getattr(ends[0], name), getattr(ends[1], name)
    if readers < 2 or not (low.isdigit() and high.isdigit() and len(low) == len(high)) \
            or int(high) - int(low) < readers:
        yield from model.query(hash_value)
        return
    step = (int(high) - int(low)) / readers
    cuts = sorted({str(int(int(low) + step * k)).zfill(len(low)) for k in range(1, readers)})
    # (< c1), [c1, c2), ..., [c_last, ...): the whole key space, once
    ranges: list[tuple[Any, str | None]] = [(attribute < cuts[0], None)]
    ranges += [(attribute.between(a, b), b) for a, b in zip(cuts, cuts[1:], strict=False)]
    ranges.append((attribute >= cuts[-1], None))

    def read(part: tuple[Any, str | None]) -> list[Any]:
        condition, excluded = part
        return [i for i in model.query(hash_value, condition) if getattr(i, name) != excluded]

    with ThreadPoolExecutor(max_workers=len(ranges), thread_name_prefix="bulk-read") as pool:
        for items in pool.map(read, ranges):
            yield from items


def _key(model: Any, hash_value: str, range_value: str | None) -> dict[str, Any]:
    attributes = model.get_attributes()
    key = {model._hash_keyname: {attributes[model._hash_keyname].attr_type: hash_value}}
    if model._range_keyname is not None:
        key[model._range_keyname] = {attributes[model._range_keyname].attr_type: range_value}
    return key


def batch_delete(model: Any, hash_value: str, range_values: list[str],
                 progress: Callable[[int], None] | None = None, writers: int = WRITERS) -> int:
    """Delete these items with ``writers`` BatchWriteItem requests in flight; a batch's
    UnprocessedItems are sent again after a pause, up to :data:`ATTEMPTS` rounds.
    ``progress`` gets the number of items deleted so far. Returns how many were asked."""
    table = model.Meta.table_name
    requests = [{"DeleteRequest": {"Key": _key(model, hash_value, r)}} for r in dict.fromkeys(range_values)]
    client = connection().client

    def write(batch: list[dict[str, Any]]) -> int:
        pending: dict[str, Any] = {table: batch}
        for attempt in range(ATTEMPTS):
            pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
            if not pending:
                return len(batch)
            _pause(attempt)
        raise UnprocessedItemsError(f"{table}: {len(pending.get(table, []))} deletions refused {ATTEMPTS} times")

    done = 0
    batches = list(chunks(requests, BATCH_ITEMS))
    if not batches:
        return 0
    with ThreadPoolExecutor(max_workers=max(1, min(writers, len(batches))), thread_name_prefix="bulk-write") as pool:
        for count in pool.map(write, batches):
            done += count
            if progress is not None:
                progress(done)
    return done
