"""Fix 7 of ``moto_fixes.py``: a DynamoDB Query that reads only its partition.

moto 5.2.5's ``Table.query`` lists and sorts every item of the table (``all_items``)
on every page, then keeps those of the partition: a page of 100 articles of one
tenant cost a sort of the whole table. Here each table keeps, per partition, its
items sorted as moto sorts them (the base table by its keys; each index by
index hash, index range, table hash, table range, as ``Table.sorted_items``),
with their sort keys beside them: a page starts by bisection after
``ExclusiveStartKey`` and, under a key condition on the range key, at the first
item that can match; it stops where moto stops.

The sorted partitions are kept lazily: every write path of moto (``put_item``,
``delete_item`` on the table — batch writes, transactions, PartiQL and imports go
through them — the backend's ``update_item``, which changes items in place, and
``update_table``, which changes indexes) bumps a per-table version before and
after it writes, and a query rebuilds what it reads when the version it was built
at has changed. Nothing is kept with the table itself (a weak map beside it), so
snapshots pickle tables as before.

Everything after the candidates are found (limits, 1 MB pages, ``LastEvaluatedKey``,
range comparison, ``ScannedCount``, index projection, filter and projection
expressions) is moto's own loop, copied; anything this path does not handle
(multi-attribute keys, legacy ``QueryFilter``, unknown index, a start key missing
a sort attribute, values that do not sort) goes to moto's original query, which
also raises moto's errors. ``tests/functional/test_moto_fixes.py`` compares both
on random tables and queries.
"""

from __future__ import annotations

import bisect
import copy
import itertools
import threading
import weakref
from typing import Any

# False: every query goes to moto's own code (the equivalence test compares both).
enabled = True
served = 0  # queries this path answered (the tests check it is used)
_versions = itertools.count(1)
_caches: weakref.WeakKeyDictionary[Any, _TableCache] = weakref.WeakKeyDictionary()
_caches_lock = threading.Lock()
# Leading items that cannot match are skipped only when the page's first match is
# certain to come before any size limit: moto refuses items over 400 KB.
_MAX_ITEM_SIZE = 400 * 1024


class _Unsupported(Exception):
    """This query goes to moto's own code."""


class _Partition:
    __slots__ = ("items", "keys", "ranges")

    def __init__(self, items: list[Any], sort_attrs: list[str]) -> None:
        try:
            keyed = [(tuple(item.attrs[a].cast_value for a in sort_attrs), item) for item in items]
            keyed.sort(key=lambda pair: pair[0])
        except (TypeError, KeyError) as exc:  # mixed types: moto raises, or sorts its own way
            raise _Unsupported from exc
        self.keys = [k for k, _ in keyed]
        self.items = [item for _, item in keyed]
        # the range attribute is the second sort attribute (base table and indexes with a range key)
        self.ranges = [k[1] for k in self.keys] if len(sort_attrs) > 1 else None


class _TableCache:
    def __init__(self) -> None:
        self.version = next(_versions)
        self.lock = threading.Lock()
        # (version, id of table.items, what) -> partitions
        self.base: tuple[Any, dict[Any, _Partition]] = (None, {})
        self.indexes: dict[Any, tuple[Any, dict[Any, _Partition]]] = {}


def _cache(table: Any) -> _TableCache:
    cache = _caches.get(table)
    if cache is None:
        with _caches_lock:
            cache = _caches.get(table)
            if cache is None:
                cache = _caches[table] = _TableCache()
    return cache


def touched(table: Any) -> None:
    """Forget what was sorted for ``table``: its items change."""
    _cache(table).version = next(_versions)


def _touching_table(write: Any) -> Any:
    def write_table(self: Any, *args: Any, **kwargs: Any) -> Any:
        touched(self)
        try:
            return write(self, *args, **kwargs)
        finally:
            touched(self)

    return write_table


def _touching_named_table(write: Any) -> Any:
    def write_backend(self: Any, *args: Any, **kwargs: Any) -> Any:
        # update_item(table_name, ...), update_table(name=...)
        name = args[0] if args else kwargs.get("table_name", kwargs.get("name"))
        table = self.tables.get(name)
        if table is not None:
            touched(table)
        try:
            return write(self, *args, **kwargs)
        finally:
            table = self.tables.get(name)
            if table is not None:
                touched(table)

    return write_backend


def _touching_all_tables(write: Any) -> Any:
    def write_backend(self: Any, *args: Any, **kwargs: Any) -> Any:
        for table in list(self.tables.values()):
            touched(table)
        try:
            return write(self, *args, **kwargs)
        finally:
            for table in list(self.tables.values()):
                touched(table)

    return write_backend


def _base_partition(table: Any, cache: _TableCache, hash_key: Any, sort_attrs: list[str]) -> _Partition:
    version = (cache.version, id(table.items))
    with cache.lock:
        built_at, partitions = cache.base
        if built_at != version:
            partitions = {}
            cache.base = (version, partitions)
        part = partitions.get(hash_key)
        if part is None:
            held = table.items.get(hash_key) if hash_key in table.items else None
            if held is None:
                items: list[Any] = []
            elif table.range_key_attr:
                items = list(held.values())
            else:
                items = [held]
            part = partitions[hash_key] = _Partition(items, sort_attrs)
        return part


def _index_partition(table: Any, cache: _TableCache, index: Any, hash_attr: str, range_attrs: list[str],
                     sort_attrs: list[str], hash_value: Any) -> _Partition:
    version = (cache.version, id(table.items))
    what = (index.name, id(index), repr(index.schema))
    with cache.lock:
        built_at, partitions = cache.indexes.get(what, (None, {}))
        if built_at != version:
            grouped: dict[Any, list[Any]] = {}
            try:
                for held in list(table.items.values()):
                    for item in (list(held.values()) if table.range_key_attr else [held]):
                        value = item.attrs.get(hash_attr)
                        if value is None or not all(item.attrs.get(a) for a in range_attrs):
                            continue
                        grouped.setdefault(value, []).append(item)
            except TypeError as exc:  # an unhashable value under the index's hash key
                raise _Unsupported from exc
            partitions = {value: _Partition(items, sort_attrs) for value, items in grouped.items()}
            cache.indexes[what] = (version, partitions)
        return partitions.get(hash_value) or _Partition([], sort_attrs)


def _leading_bound(op: str, values: list[Any], ranges: list[Any], forward: bool) -> int | None:
    """Forward: the first position that can match; backward: one past the last. None: unknown."""
    bounds = [v.cast_value for v in values]
    if forward:
        if op in ("<", "<=", "LT", "LE"):
            return 0
        if op in ("=", "EQ", ">=", "GE", "BETWEEN", "BEGINS_WITH"):
            return bisect.bisect_left(ranges, bounds[0])
        if op in (">", "GT"):
            return bisect.bisect_right(ranges, bounds[0])
        return None
    if op in (">", ">=", "GT", "GE"):
        return len(ranges)
    if op in ("<", "LT"):
        return bisect.bisect_left(ranges, bounds[0])
    if op in ("<=", "LE", "=", "EQ"):
        return bisect.bisect_right(ranges, bounds[0])
    if op == "BETWEEN":
        return bisect.bisect_right(ranges, bounds[1])
    return None


def _fast_query(original: Any) -> Any:
    from moto.dynamodb.comparisons import OpDefault
    from moto.dynamodb.models.dynamo_type import DynamoType, Item
    from moto.dynamodb.models.table import RESULT_SIZE_LIMIT, GlobalSecondaryIndex

    def query(self: Any, hash_key: Any, range_comparison: str | None, range_objs: list[Any], limit: int,
              exclusive_start_key: dict[str, Any], scan_index_forward: bool,
              projection_expressions: list[list[str]] | None, index_name: str | None = None,
              consistent_read: bool = False, filter_expression: Any = None,
              hash_key_conditions: list[tuple[str, Any]] | None = None,
              range_key_conditions: list[tuple[str, str, list[Any]]] | None = None,
              **filter_kwargs: Any) -> Any:
        def moto() -> Any:
            return original(self, hash_key, range_comparison, range_objs, limit, exclusive_start_key,
                            scan_index_forward, projection_expressions, index_name, consistent_read,
                            filter_expression, hash_key_conditions=hash_key_conditions,
                            range_key_conditions=range_key_conditions, **filter_kwargs)

        if not enabled or filter_kwargs or not hash_key_conditions or len(hash_key_conditions) != 1 \
                or (range_key_conditions and len(range_key_conditions) > 1) \
                or (limit is not None and (not isinstance(limit, int) or limit < 1)):
            return moto()
        cache = _cache(self)
        index_range_key: dict[str, Any] | None = None
        last_range_key_name = range_key_conditions[-1][0] if range_key_conditions else None
        try:
            if index_name:
                index = {i.name: i for i in self.all_indexes()}.get(index_name)
                if index is None or (consistent_read and index in self.global_indexes):
                    return moto()
                index_hash_keys = [k for k in index.schema if k["KeyType"] == "HASH"]
                index_range_keys = [k for k in index.schema if k["KeyType"] == "RANGE"]
                if len(index_hash_keys) != 1 or len(index_range_keys) > 1:
                    return moto()
                hash_attr = index_hash_keys[0]["AttributeName"]
                if hash_key_conditions[0][0] != hash_attr:
                    return moto()
                if not index_range_keys:
                    if range_comparison:
                        return moto()  # moto raises
                    if isinstance(index, GlobalSecondaryIndex) and self.range_key_attr:
                        index_range_key = {"AttributeName": self.range_key_attr}
                    else:
                        index_range_key = {"AttributeName": self.hash_key_attr}
                    range_attrs: list[str | None] = [index_range_key["AttributeName"], self.range_key_attr]
                else:
                    index_range_key = index_range_keys[0]
                    range_attrs = [index_range_keys[0]["AttributeName"], self.range_key_attr]
                hash_attrs = [hash_attr, self.hash_key_attr]
                sort_attrs = self._generate_attr_to_sort_by(hash_attrs, range_attrs)
                part = _index_partition(self, cache, index, hash_attr,
                                        [k["AttributeName"] for k in index_range_keys], sort_attrs,
                                        hash_key_conditions[0][1])
                range_attr = index_range_keys[0]["AttributeName"] if index_range_keys else None
            else:
                if hash_key is None or hash_key_conditions[0][0] != self.hash_key_attr:
                    return moto()
                hash_attrs = [self.hash_key_attr]
                range_attrs = [self.range_key_attr]
                sort_attrs = self._generate_attr_to_sort_by(hash_attrs, range_attrs)
                part = _base_partition(self, cache, hash_key, sort_attrs)
                range_attr = self.range_key_attr

            count = len(part.items)
            forward = scan_index_forward is not False
            # where the previous page ended
            low, high = 0, count
            if exclusive_start_key is not None:
                if any(a not in exclusive_start_key for a in sort_attrs):
                    return moto()
                start = tuple(DynamoType(exclusive_start_key[a]).cast_value for a in sort_attrs)
                if forward:
                    low = bisect.bisect_right(part.keys, start)
                else:
                    high = bisect.bisect_left(part.keys, start)
            # the first item that can match the key condition on the range key
            bounded = False
            if range_comparison and range_attr is not None and part.ranges is not None \
                    and (last_range_key_name in (None, range_attr)):
                bound = _leading_bound(range_comparison.upper(), range_objs, part.ranges, forward)
                if bound is not None:
                    bounded = True
                    if forward:
                        low = max(low, bound)
                    else:
                        high = min(high, bound)
        except (_Unsupported, TypeError, KeyError, AttributeError):
            return moto()

        global served
        served += 1
        positions = range(low, high) if forward else range(high - 1, low - 1, -1)
        items = part.items

        # moto's loop from here (table.py, Table.query), over the candidates above
        results: list[Any] = []
        result_size = 0
        scanned_count = 0
        last_evaluated_key = None
        matched_before = False
        for position in positions:
            result = items[position]
            if not isinstance(result, Item):
                continue
            reached_length_limit = len(results) == limit
            size = result.size()  # measured once (moto measures each item twice: half the page's cost)
            reached_size_limit = (result_size + size) > RESULT_SIZE_LIMIT
            if reached_length_limit or reached_size_limit:
                last_evaluated_key = self._get_last_evaluated_key(results[-1], index_name)
                break

            if not range_comparison:
                results.append(result)
                result_size += size
                scanned_count += 1
                continue

            range_attr_for_comparison: str | None = None
            if last_range_key_name:
                range_attr_for_comparison = last_range_key_name
            elif index_name and index_range_key:
                range_attr_for_comparison = index_range_key["AttributeName"]

            matched = False
            if range_attr_for_comparison and result.attrs.get(range_attr_for_comparison):
                matched = result.attrs.get(range_attr_for_comparison).compare(range_comparison, range_objs)
            elif not index_name:
                matched = result.range_key.compare(range_comparison, range_objs)
            if matched:
                results.append(result)
                result_size += size
                scanned_count += 1
                matched_before = True
            elif (matched_before or bounded) and result_size + _MAX_ITEM_SIZE <= RESULT_SIZE_LIMIT:
                # past the matching run (key conditions select one run of the sorted
                # partition, and with a leading bound it starts at the first candidate:
                # a prefix no item has ends here, where moto read the rest of the
                # partition): the items left can neither match nor fill the page
                break

        # moto's backend hands over an ``OpDefault`` (always true) when the request has no
        # FilterExpression: that is no filter, so a projection below builds new items and the
        # deep copy of every item (half a page's cost) is not needed.
        if isinstance(filter_expression, OpDefault):
            filter_expression = None
        if not (projection_expressions and filter_expression is None):
            results = copy.deepcopy(results)  # a projection below builds new items anyway
        if index_name:
            index = self.get_index(index_name)
            results = [index.project(r) for r in results]
        if filter_expression is not None:
            results = [item for item in results if filter_expression.expr(item)]
        if projection_expressions:
            results = [r.project(projection_expressions) for r in results]
        return results, scanned_count, last_evaluated_key

    return query


def apply() -> None:
    """Install the partition-only query (called by ``moto_fixes.apply``)."""
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table

    Table.query = _fast_query(Table.query)  # type: ignore[method-assign]
    Table.put_item = _touching_table(Table.put_item)  # type: ignore[method-assign]
    Table.delete_item = _touching_table(Table.delete_item)  # type: ignore[method-assign]
    for name in ("update_item", "update_table"):
        setattr(DynamoDBBackend, name, _touching_named_table(getattr(DynamoDBBackend, name)))
    for name in ("execute_statement", "execute_transaction", "batch_execute_statement", "transact_write_items"):
        setattr(DynamoDBBackend, name, _touching_all_tables(getattr(DynamoDBBackend, name)))
