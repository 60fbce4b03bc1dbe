"""Cost: moto's ``list_object_versions`` deep-copies every version of every key of the
bucket on every page, whatever the prefix (moto 5.2.5) — bodies included, since a
``FakeKey`` pickles its value: one page of a 10,000-record chain's listing took 3 s,
and the verification lists each chain and its checkpoints. Here only the keys under
the prefix are handed to moto's own code, each version as a shallow copy (moto only
sets ``is_latest`` on what it returns), none before the page's key marker, which
moto's code skips, and, without a delimiter, none past the ``max_keys + 2`` keys after
it, which the page cannot reach (moto copied and sorted every version to the end of the
prefix on each page: 56,000 for 11 pages of a 10,100-record chain). Results and
pagination are moto's.
Installed by ``moto_fixes.apply``; guarded by ``tests/functional/test_moto_fixes.py``.
"""

from __future__ import annotations

from typing import Any

_LIGHT: dict[type, type] = {}
# False: every page is handed the keys to the end of the prefix (the equivalence test compares both).
limited = True


def _light(cls: type) -> type:
    """``cls`` whose copies share the body's buffer: never closed by them (``FakeKey.__del__``
    closes it), and deep-copied by moto as themselves."""
    found = _LIGHT.get(cls)
    if found is None:
        found = _LIGHT.setdefault(cls, type(cls.__name__, (cls,), {
            "__del__": lambda self: None, "__deepcopy__": lambda self, memo: self}))
    return found


def _copy(version: Any) -> Any:
    clone = object.__new__(_light(type(version)))
    clone.__dict__.update(version.__dict__)  # the body's buffer shared: read, never written or closed
    return clone


class _Keys:
    """The keys under ``prefix`` from ``start`` on (moto skips those before a page's key marker).

    ``after``: when set, only the first ``after`` keys past ``start`` in key order (and
    ``start`` itself): a page of ``max_keys`` entries ends within the first ``max_keys + 2``
    of them (each key has a version or a delete marker), so moto's loop, which sorts and
    walks whatever it is handed, stops at the same entry — instead of copying and sorting
    every version to the end of the prefix on every page.
    """

    def __init__(self, keys: Any, prefix: str, start: str, after: int | None = None) -> None:
        self._keys, self._prefix, self._start, self._after = keys, prefix, start, after

    def iterlists(self) -> Any:
        held = [(key, versions) for key, versions in list(dict.items(self._keys))  # the raw version lists
                if key.startswith(self._prefix) and key >= self._start]
        if self._after is not None:
            held.sort(key=lambda pair: pair[0])
            past = next((n for n, (key, _) in enumerate(held) if key != self._start), len(held))
            held = held[:past + self._after]
        for key, versions in held:
            yield key, [_copy(v) for v in versions]


class _Bucket:
    def __init__(self, bucket: Any, prefix: str, start: str, after: int | None = None) -> None:
        self._bucket = bucket
        self.keys = _Keys(bucket.keys, prefix, start, after)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._bucket, name)


class _Backend:
    def __init__(self, backend: Any, bucket: Any) -> None:
        self._backend, self._bucket = backend, bucket

    def get_bucket(self, bucket_name: str) -> Any:
        return self._bucket

    def __getattr__(self, name: str) -> Any:
        return getattr(self._backend, name)


def _prefix_only(original: Any) -> Any:
    def list_object_versions(self: Any, bucket_name: str, delimiter: str | None = None,
                             key_marker: str | None = None, max_keys: int | None = 1000, prefix: str = "",
                             version_id_marker: str | None = None) -> Any:
        # without a delimiter, a page is at most ``max_keys`` entries: see ``_Keys``
        # (+ 2: moto also skips the entry its key marker designates, or the first one past it)
        after = max_keys + 2 if limited and delimiter is None and isinstance(max_keys, int) and max_keys >= 0 \
            else None
        bucket = _Bucket(self.get_bucket(bucket_name), prefix or "", key_marker or "", after)
        return original(_Backend(self, bucket), bucket_name, delimiter, key_marker, max_keys, prefix,
                        version_id_marker)

    return list_object_versions


def apply() -> None:
    from moto.s3.models import S3Backend

    S3Backend.list_object_versions = _prefix_only(S3Backend.list_object_versions)  # type: ignore[method-assign]
