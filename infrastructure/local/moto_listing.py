"""Fix 13 of ``moto_fixes.py``: a version listing's XML written directly.

moto 5.2.5 serializes a ``ListObjectVersions`` page by walking the botocore model's
shapes for every member of every version (eight members, an owner, a timestamp
parsed and formatted again), then ``xmltodict`` writes the XML through SAX: about two
thirds of the CPU of listing a 10,000-record chain (11 pages) went there. Here moto
serializes the page without its versions and delete markers (the markers, name,
prefix, headers: all moto's), and the ``<Version>`` and ``<DeleteMarker>`` elements
are written as strings in moto's member order, with moto's own escaping (SAX's) and
timestamp format (each distinct ``LastModified`` formatted once, by moto's code).

Anything this path does not know (another member, a value that is not a string,
number or boolean, pretty printing, a delimiter's common prefixes) goes moto's way.
``tests/functional/test_moto_fixes.py`` compares both bodies on random listings.
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

# False: every listing goes to moto's own serializer (the equivalence test compares both).
enabled = True
served = 0  # pages this path wrote (the tests check it is used)

# moto 5.2.5's order of the members it fills (the model's order, which its serializer follows).
_VERSION = ("ETag", "Size", "StorageClass", "Key", "VersionId", "IsLatest", "LastModified", "Owner")
_MARKER = ("Owner", "Key", "VersionId", "IsLatest", "LastModified")
_OWNER = ("DisplayName", "ID")
# Where the lists go: the member that follows them in ListVersionsResult (always present).
_AFTER_LISTS = "<Name>"


class _Unsupported(Exception):
    """This page goes to moto's own serializer."""


def _element(tag: str, text: str) -> str:
    # xmltodict writes an empty text as a short empty element (short_empty_elements=True)
    return f"<{tag}/>" if text == "" else f"<{tag}>{text}</{tag}>"


def _text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str):
        raise _Unsupported
    return escape(value)


def _boolean(value: Any) -> str:
    return "true" if value is True or str(value).lower() == "true" else "false"  # moto's rule


def _integer(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Unsupported
    return str(value)


class _Writer:
    def __init__(self, timestamp: Any) -> None:
        self._timestamp = timestamp
        self._timestamps: dict[Any, str] = {}

    def time(self, value: Any) -> str:
        found = self._timestamps.get(value)
        if found is None:
            if not isinstance(value, str):
                raise _Unsupported
            found = self._timestamps[value] = escape(self._timestamp(value))
        return found

    def owner(self, owner: Any) -> str:
        if not isinstance(owner, dict) or set(owner) - set(_OWNER):
            raise _Unsupported
        return "<Owner>" + "".join(_element(n, _text(owner[n])) for n in _OWNER if owner.get(n) is not None) \
            + "</Owner>"

    def member(self, name: str, value: Any) -> str:
        if name == "Owner":
            return self.owner(value)
        if name == "Size":
            return _element(name, _integer(value))
        if name == "IsLatest":
            return _element(name, _boolean(value))
        if name == "LastModified":
            return _element(name, self.time(value))
        return _element(name, _text(value))

    def entries(self, tag: str, order: tuple[str, ...], entries: Any) -> str:
        parts = []
        for entry in entries:
            if not isinstance(entry, dict) or set(entry) - set(order):
                raise _Unsupported
            inner = "".join(self.member(n, entry[n]) for n in order if entry.get(n) is not None)
            parts.append(f"<{tag}>{inner}</{tag}>")
        return "".join(parts)


def _written_directly(original: Any) -> Any:
    from moto import settings
    from moto.core.responses import ActionResult
    from moto.core.serialize import TimestampSerializer

    def serialized(self: Any, action_result: Any) -> Any:
        result = getattr(action_result, "result", None)
        if not enabled or getattr(self, "data", {}).get("Action") != "ListObjectVersions" \
                or type(action_result) is not ActionResult or not isinstance(result, dict) \
                or settings.PRETTIFY_RESPONSES or result.get("CommonPrefixes"):
            return original(self, action_result)
        stamps = TimestampSerializer(TimestampSerializer.TIMESTAMP_FORMAT_ISO8601_ZEROED)
        writer = _Writer(lambda value: stamps._convert_timestamp_to_str(value, "iso8601_zeroed"))
        try:
            lists = writer.entries("Version", _VERSION, result.get("Versions") or []) \
                + writer.entries("DeleteMarker", _MARKER, result.get("DeleteMarkers") or [])
        except _Unsupported:
            return original(self, action_result)
        status, headers, body = original(self, ActionResult({**result, "Versions": [], "DeleteMarkers": []}))
        if not isinstance(body, str) or body.count(_AFTER_LISTS) < 1:
            return original(self, action_result)
        at = body.index(_AFTER_LISTS)
        global served
        served += 1
        return status, headers, body[:at] + lists + body[at:]

    serialized.moto = original  # type: ignore[attr-defined]
    return serialized


def apply() -> None:
    from moto.s3.responses import S3Response

    S3Response.serialized = _written_directly(S3Response.serialized)  # type: ignore[method-assign]
