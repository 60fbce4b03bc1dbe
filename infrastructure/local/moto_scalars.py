"""Fix 11 of ``moto_fixes.py``: two per-value costs of moto 5.2.5, the long way round.

- ``Item.size`` (a Query measures each item it returns against the 1 MB page) asks each
  attribute's ``DynamoType`` whether it is a number, a set, a list, a map, a boolean,
  five calls before the length of a string: a third of the server's time in a query of
  10,000 index items. An item made only of strings, numbers, booleans and nulls is
  measured here directly, with moto's own rules (UTF-8 bytes of the name and of a
  string, the characters of a number, 1 for a boolean or a null); any other item goes
  moto's way.
- The S3 serializer turns every timestamp it writes (each version's ``LastModified`` in
  a version listing) back into a datetime through botocore's dateutil parser, ~0.1 ms
  each: an ISO 8601 string with its offset is read by ``datetime.fromisoformat`` first.

Same answers as moto's (``tests/functional/test_moto_fixes.py``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def _bytes(value: Any) -> int:
    return len(value if isinstance(value, bytes) else value.encode("utf-8"))


def _scalar_size(original: Any) -> Any:
    def size(self: Any) -> int:
        total = 0
        for name, attribute in self.attrs.items():
            kind, value = attribute.type, attribute.value
            if kind == "S" and isinstance(value, str):
                total += _bytes(name) + len(value.encode("utf-8"))
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
    def parse_to_aware_datetime(value: Any) -> Any:
        if isinstance(value, str):
            try:
                found = datetime.fromisoformat(value)
            except ValueError:
                found = None
            if found is not None and found.tzinfo is not None:
                return found.astimezone(UTC)  # as botocore's: the same instant, in UTC
        return original(value)

    parse_to_aware_datetime.moto = original  # type: ignore[attr-defined]
    return parse_to_aware_datetime


def apply() -> None:
    import moto.core.serialize
    from moto.dynamodb.models.dynamo_type import Item

    Item.size = _scalar_size(Item.size)  # type: ignore[method-assign]
    name = "parse_to_aware_datetime"  # botocore's, as moto's serializer imported it
    setattr(moto.core.serialize, name, _iso_first(getattr(moto.core.serialize, name)))
