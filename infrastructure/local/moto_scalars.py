"""Fix 11 of ``moto_fixes.py``: two per-value costs of moto 5.2.5, the long way round.

- ``Item.size`` (a Query measures each item it returns against the 1 MB page) asks each
  attribute's ``DynamoType`` whether it is a number, a set, a list, a map, a boolean,
  five calls before the length of a string: a third of the server's time in a query of
  10,000 index items. An item made only of strings, numbers, booleans and nulls is
  measured here directly, with moto's own rules (UTF-8 bytes of the name and of a
  string, the characters of a number, 1 for a boolean or a null); any other item goes
  moto's way.
- A DynamoDB answer's items go through ``dynamo_to_dict`` (a recursive walk that tries
  five types on each value), then fix 4 walks them again to see they are plain JSON: a
  string, number, boolean or null attribute is turned into its ``{type: value}`` here
  directly, and an item so made is known to be plain (``_Plain``).
- The S3 serializer turns every timestamp it writes (each version's ``LastModified`` in
  a version listing) back into a datetime through botocore's dateutil parser, ~0.1 ms
  each: an ISO 8601 string with its offset is read by ``datetime.fromisoformat`` first.

Same answers as moto's (``tests/functional/test_moto_fixes.py``).
"""

from __future__ import annotations

from datetime import UTC
from typing import Any


def _bytes(value: Any) -> int:
    if isinstance(value, bytes):
        return len(value)
    return len(value) if value.isascii() else len(value.encode("utf-8"))  # ASCII: one byte a character


def _scalar_size(original: Any) -> Any:
    def size(self: Any) -> int:
        total = 0
        for name, attribute in self.attrs.items():
            kind, value = attribute.type, attribute.value
            if kind == "S" and isinstance(value, str):
                total += _bytes(name) + _bytes(value)
            elif kind == "N":
                total += _bytes(name) + len(str(value))
            elif kind in ("BOOL", "NULL") and isinstance(value, bool):
                total += _bytes(name) + 1
            else:
                return int(original(self))
        return total

    size.moto = original  # type: ignore[attr-defined]  # for the equivalence test
    return size


def _iso_first(original: Any) -> Any:
    from chalicelib.adapters.aws import aware_iso  # the one quick ISO read (the listing client's too)

    def parse_to_aware_datetime(value: Any) -> Any:
        found = aware_iso(value)
        if found is not None:
            return found.astimezone(UTC)  # as botocore's: the same instant, in UTC
        return original(value)

    parse_to_aware_datetime.moto = original  # type: ignore[attr-defined]
    return parse_to_aware_datetime


_SCALARS = frozenset({"S", "N", "BOOL", "NULL"})


class _Plain(dict):  # type: ignore[type-arg]
    """An item's attributes, each ``{type: str | bool}``: plain JSON (fix 4 passes it as is)."""


def _scalar_dicts(original: Any) -> Any:
    from moto.dynamodb.models.dynamo_type import DynamoType

    def dynamo_to_dict(obj: Any) -> Any:
        kind = type(obj)
        if kind is DynamoType:
            value = obj.value
            if obj.type in _SCALARS and type(value) in (str, bool):
                return {obj.type: value}
            return original(obj)
        if kind is dict or (isinstance(obj, dict) and not hasattr(obj, "to_json")):
            converted = {}
            plain = True
            for k, v in obj.items():
                if type(v) is DynamoType and v.type in _SCALARS and type(v.value) in (str, bool):
                    converted[k] = {v.type: v.value}
                else:
                    converted[k] = dynamo_to_dict(v)
                    plain = False
            return _Plain(converted) if plain and converted else converted
        if kind is list:
            return [dynamo_to_dict(v) for v in obj]
        return original(obj)

    dynamo_to_dict.moto = original  # type: ignore[attr-defined]
    return dynamo_to_dict


def plain(value: Any) -> bool:
    """Made of scalar attributes only by :func:`_scalar_dicts` (no need to walk it again)."""
    return type(value) is _Plain


def apply() -> None:
    import moto.core.serialize
    import moto.dynamodb.responses
    from moto.dynamodb.models.dynamo_type import Item

    Item.size = _scalar_size(Item.size)  # type: ignore[method-assign]
    name = "parse_to_aware_datetime"  # botocore's, as moto's serializer imported it
    setattr(moto.core.serialize, name, _iso_first(getattr(moto.core.serialize, name)))
    # the name DynamoResult calls (moto.dynamodb.responses imported it)
    moto.dynamodb.responses.dynamo_to_dict = _scalar_dicts(moto.dynamodb.responses.dynamo_to_dict)
