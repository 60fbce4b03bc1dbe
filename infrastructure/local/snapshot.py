"""Persist the local stack's moto state across restarts.

The local stack runs moto in server mode inside the app's process, and moto
keeps everything in memory: its per-service ``BackendDict`` objects. This
module pickles the backends the project uses to one file and puts them back
on the next start, so ``make run`` keeps a dealer's data after Ctrl-C.

What is saved
    For every source of :data:`BACKEND_SOURCES` whose moto module is loaded,
    the backend objects (``{account id: {region: backend}}``) plus the extra
    attributes a ``BackendDict`` subclass carries (S3's ``bucket_accounts``,
    the global bucket-name registry). Everything goes into ONE pickle so that
    objects shared between services (a DynamoDB stream's Lambda event source
    mapping lives in both the table and the Lambda backend) keep one identity.

File format
    One JSON header line (format number, moto version, creation time), then
    the pickle. The header is read before any unpickling: a snapshot written
    by another moto version refers to classes whose layout may have changed,
    so it is set aside (renamed, never deleted) and ignored rather than loaded.
    The file is as trusted as the code: it is written by this module on the
    developer's machine, and unpickling it runs code. It also holds the
    Cognito users' passwords in clear, as moto keeps them in memory, so it is
    created readable by its owner only.

What moto 5.2.5 needs to pickle (checked against its source)
    * joserfc ``RSAKey`` (one per Cognito user pool, signs the tokens) holds a
      ``cryptography`` key that cannot be pickled: reduced to its private JWK.
    * S3's ``_VersionedKeyStore`` is a dict of version lists whose ``items()``
      yields only the latest version, and the default dict pickling goes
      through it: every version but the last was silently lost. Reduced to
      the raw lists.
    These two are registered with :mod:`copyreg` at import, as they are right
    for any pickling of those types. The next ones only make sense for a
    snapshot, so they live in the snapshot pickler's private dispatch table
    instead of changing how the rest of the process pickles or deep-copies:
    * locks: SQS queues hold a ``threading.Condition`` (over an ``RLock``),
      Step Functions executions of the ASL parser hold locks and events. A
      fresh, unlocked one is recreated: nobody can hold it across a restart.
      (S3 keys' own ``threading.Lock`` is already dropped by
      ``FakeKey.__getstate__``; the Lambda docker-volume locks are class
      attributes, so not part of any backend.)
    * ``weakref.WeakValueDictionary``: Lambda's function and layer ARN indexes.
    * ``collections.defaultdict`` built with a lambda (Lambda's aliases):
      the factory is replaced by the type of the empty value it returns.
    * ``LambdaFunction``: its ``__getstate__`` drops the Docker client and
      nothing puts the attribute back, so a loaded function failed on invoke
      (``AttributeError: _DockerModel__docker_client``); it is restored unset.
    * DynamoDB's ``LimitedSizeDict`` (an item's attributes): unpickled the
      default way, each attribute goes through ``__setitem__``, which re-sums
      the size of every attribute already there; rebuilt with ``dict.update``
      (loading 100,000 articles: 7.3 s -> 3.1 s CPU). Old snapshots still load.

Concurrency: why no lock around requests
    The snapshot is taken while the server serves requests, and a request can
    mutate a dict while the pickler walks it ("dictionary changed size during
    iteration"). A process-wide lock held during each request would make the
    dump consistent but can deadlock: the app's Lambda bridge runs a Chalice
    handler INSIDE a moto request (DynamoDB write -> stream -> Lambda invoke)
    and the handler makes nested HTTP requests to the same server, served on
    other threads, which would wait for the lock the outer request holds.
    Instead, the dump is done in memory (the file is only touched once it
    succeeded) and retried a few times with a short back-off when a
    ``RuntimeError`` reports a concurrent mutation. Collisions are rare: the
    C pickler walks plain objects without releasing the GIL, so another
    thread can only run when a Python-level reducer does (S3 keys, Lambda
    functions, the reducers below); one was seen when buckets were created
    during a dump, and the retry took it. A dump of 5,000 DynamoDB items
    takes about 0.2 s. A ``copy.deepcopy`` under a short critical section
    was rejected: it is slower than pickling (pure Python), so the window is
    wider, and it would still need every request to take that lock. The
    price is that a snapshot taken under load is not a transaction-consistent
    cut: a write that lands during the dump may be half in it. Acceptable for
    a development stack, where the final snapshot is taken once the HTTP
    front has stopped.
    With a journal (``journal.py``, what the local stack runs), the periodic
    snapshot must be a consistent cut of it, so it IS taken at a moment when
    no journaled write is in flight, and holds new ones while the state is
    dumped; requests made from inside a journaled one (the in-process sealer)
    are recognised and let through, which avoids the deadlock above.

Loading replaces the contents of each ``BackendDict`` and of its per-account
dicts in place, under moto's own ``backend_lock`` (the one guarding lazy
backend creation): moto's URL handlers hold references to those module-level
objects, so they are never rebound. Work in flight is not resumed: a Step
Functions execution running (ASL parser mode) at save time comes back
RUNNING with no thread to finish it.
"""

from __future__ import annotations

import collections
import contextlib
import copyreg
import gc
import hashlib
import importlib
import io
import json
import logging
import os
import pickle
import sys
import tempfile
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import moto
from joserfc.jwk import RSAKey
from moto.awslambda.models import LambdaFunction
from moto.core.base_backend import AccountSpecificBackend, BackendDict, backend_lock
from moto.dynamodb.models.dynamo_type import LimitedSizeDict
from moto.s3.models import FakeKey, S3Backend
from moto.s3.utils import _VersionedKeyStore

from infrastructure.local.journal import CutTimeout

__all__ = [
    "BACKEND_SOURCES",
    "SNAPSHOT_FORMAT",
    "BackendSource",
    "PeriodicSnapshotter",
    "load_snapshot",
    "save_snapshot",
]

logger = logging.getLogger(__name__)

# Bump when the layout of the payload below changes.
SNAPSHOT_FORMAT = 1
_MAGIC = "lotbook-moto-snapshot"

# A dump interrupted by a concurrent mutation is retried this many times.
_DUMP_ATTEMPTS = 8
_DUMP_BACKOFF_SECONDS = 0.02


@dataclass(frozen=True)
class BackendSource:
    """One moto ``BackendDict``: a module-level object, found by import path."""

    label: str
    module: str
    attribute: str

    def loaded(self) -> BackendDict[Any] | None:
        """The live object, or None if moto never imported its module.

        An unimported module has no state to save, and importing some of them
        is slow (the Step Functions ASL parser takes ~1.5 s).
        """
        module = sys.modules.get(self.module)
        return None if module is None else getattr(module, self.attribute)

    def imported(self) -> BackendDict[Any]:
        backends: BackendDict[Any] = getattr(importlib.import_module(self.module), self.attribute)
        return backends


BACKEND_SOURCES: tuple[BackendSource, ...] = (
    BackendSource("dynamodb", "moto.dynamodb.models", "dynamodb_backends"),
    BackendSource("dynamodbstreams", "moto.dynamodbstreams.models", "dynamodbstreams_backends"),
    BackendSource("s3", "moto.s3.models", "s3_backends"),
    BackendSource("cognito-idp", "moto.cognitoidp.models", "cognitoidp_backends"),
    BackendSource("stepfunctions", "moto.stepfunctions.models", "stepfunctions_backends"),
    # Used instead of the one above when moto's config enables
    # ``stepfunctions.execute_state_machine``.
    BackendSource(
        "stepfunctions-parser",
        "moto.stepfunctions.parser.models",
        "stepfunctions_parser_backends",
    ),
    BackendSource("lambda", "moto.awslambda.models", "lambda_backends"),
    # Used instead of the one above when moto's config sets
    # ``lambda.use_docker`` to False.
    BackendSource("lambda-simple", "moto.awslambda_simple.models", "lambda_simple_backends"),
    BackendSource("events", "moto.events.models", "events_backends"),
    BackendSource("scheduler", "moto.scheduler.models", "scheduler_backends"),
    BackendSource("iam", "moto.iam.models", "iam_backends"),
    BackendSource("sts", "moto.sts.models", "sts_backends"),
    BackendSource("logs", "moto.logs.models", "logs_backends"),
    BackendSource("sqs", "moto.sqs.models", "sqs_backends"),
    BackendSource("cloudwatch", "moto.cloudwatch.models", "cloudwatch_backends"),
)

# Attributes every BackendDict gets from its constructor; anything else on the
# instance is service state (S3's ``bucket_accounts``) and is saved with it.
_BACKEND_DICT_OWN_ATTRIBUTES = frozenset(
    {"backend", "service_name", "_use_boto3_regions", "_additional_regions", "_id"}
)


# --- reducers registered with copyreg: right for any pickling ----------------


def _reduce_rsa_key(key: RSAKey) -> tuple[Callable[..., RSAKey], tuple[Any, ...]]:
    return _rebuild_rsa_key, (key.as_dict(private=True),)


def _rebuild_rsa_key(jwk: dict[str, Any]) -> RSAKey:
    return RSAKey.import_key(jwk)


def _reduce_versioned_key_store(
    store: _VersionedKeyStore,
) -> tuple[Callable[..., _VersionedKeyStore], tuple[Any, ...]]:
    # dict.items bypasses the subclass's items(), which yields the latest
    # version only. list() of it runs in C, so no request can interleave.
    raw = list(dict.items(store))
    return _rebuild_versioned_key_store, ({key: list(history) for key, history in raw},)


def _rebuild_versioned_key_store(versions: dict[str, list[Any]]) -> _VersionedKeyStore:
    store = _VersionedKeyStore()
    for key, history in versions.items():
        # The subclass's __setitem__ appends one version: store the whole list.
        dict.__setitem__(store, key, history)
    return store


copyreg.pickle(RSAKey, _reduce_rsa_key)
copyreg.pickle(_VersionedKeyStore, _reduce_versioned_key_store)


# --- reducers private to the snapshot pickler ---------------------------------

_LOCK_TYPE = type(threading.Lock())
_RLOCK_TYPE = type(threading.RLock())


def _reduce_lock(_lock: object) -> tuple[Callable[[], Any], tuple[()]]:
    return threading.Lock, ()


def _reduce_rlock(_lock: object) -> tuple[Callable[[], Any], tuple[()]]:
    return threading.RLock, ()


def _reduce_condition(_condition: threading.Condition) -> tuple[Any, tuple[()]]:
    return threading.Condition, ()


def _reduce_event(event: threading.Event) -> tuple[Callable[[bool], Any], tuple[bool]]:
    return _rebuild_event, (event.is_set(),)


def _rebuild_event(is_set: bool) -> threading.Event:
    event = threading.Event()
    if is_set:
        event.set()
    return event


def _reduce_weak_value_dict(
    mapping: weakref.WeakValueDictionary[Any, Any],
) -> tuple[Any, tuple[()], None, None, Iterator[tuple[Any, Any]]]:
    # Pickled as its live entries. The values are held elsewhere in the
    # backend (that is why the index is weak), so they survive the load.
    return weakref.WeakValueDictionary, (), None, None, iter(list(mapping.items()))


def _portable_factory(factory: Callable[[], Any]) -> Callable[[], Any]:
    """A picklable stand-in for a defaultdict factory such as ``lambda: {}``."""
    qualname = getattr(factory, "__qualname__", "")
    if "<lambda>" not in qualname and "<locals>" not in qualname:
        return factory
    sample = factory()
    if type(sample) in (dict, list, set, int, str) and not sample:
        return type(sample)
    raise pickle.PicklingError(
        f"defaultdict factory {qualname!r} is not picklable and does not return "
        "an empty builtin: add a reducer for it in infrastructure/local/snapshot.py"
    )


def _reduce_defaultdict(
    mapping: collections.defaultdict[Any, Any],
) -> tuple[Any, tuple[Any, ...], None, None, Iterator[tuple[Any, Any]]]:
    factory = mapping.default_factory
    args = () if factory is None else (_portable_factory(factory),)
    return collections.defaultdict, args, None, None, iter(list(mapping.items()))


def _reduce_lambda_function(function: LambdaFunction) -> tuple[Any, ...]:
    # LambdaFunction.__getstate__ drops the Docker client but moto has no
    # __setstate__ to put the attribute back: a loaded function would fail on
    # invoke with AttributeError. Restore it as "not connected yet".
    state = function.__getstate__()
    state["_DockerModel__docker_client"] = None
    # copyreg.__newobj__ (missing from typeshed) makes pickle emit NEWOBJ:
    # cls.__new__(cls), as the default reduction does, then the state.
    return copyreg.__newobj__, (type(function),), state  # type: ignore[attr-defined]


def _reduce_limited_size_dict(item: LimitedSizeDict) -> tuple[Callable[..., Any], tuple[Any, ...]]:
    # Unpickled the default way, each attribute goes through __setitem__, which
    # re-measures every attribute already there (the 400 KB item limit): 70 %
    # of the load time of 100,000 articles. The saved items were checked already.
    return _rebuild_limited_size_dict, (dict(dict.items(item)),)


def _rebuild_limited_size_dict(attributes: dict[str, Any]) -> LimitedSizeDict:
    item = LimitedSizeDict.__new__(LimitedSizeDict)
    dict.update(item, attributes)
    return item


def _refuse_backend_dict(backends: object) -> Any:
    # Pickling a BackendDict reached from a backend would save a detached copy
    # of a whole service and load it beside the live one: fail loudly instead.
    raise pickle.PicklingError(
        f"a saved backend references {type(backends).__name__} "
        f"{getattr(backends, 'service_name', '?')!r}; the snapshot cannot keep it"
    )


_SNAPSHOT_REDUCERS: dict[type, Callable[[Any], Any]] = {
    _LOCK_TYPE: _reduce_lock,
    _RLOCK_TYPE: _reduce_rlock,
    threading.Condition: _reduce_condition,
    threading.Event: _reduce_event,
    weakref.WeakValueDictionary: _reduce_weak_value_dict,
    collections.defaultdict: _reduce_defaultdict,
    LambdaFunction: _reduce_lambda_function,
    LimitedSizeDict: _reduce_limited_size_dict,
    AccountSpecificBackend: _refuse_backend_dict,
    BackendDict: _refuse_backend_dict,
}


def _pickle_backends(payload: dict[str, Any]) -> bytes:
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    # Looked up by exact type, so BackendDict subclasses are added at call time.
    table: dict[type, Callable[[Any], Any]] = {
        **copyreg.dispatch_table,
        **_SNAPSHOT_REDUCERS,
    }
    for source in BACKEND_SOURCES:
        backends = source.loaded()
        if backends is not None:
            table[type(backends)] = _refuse_backend_dict
    pickler.dispatch_table = table
    pickler.dump(payload)
    return buffer.getvalue()


# --- save ---------------------------------------------------------------------


def _collect_state() -> dict[str, Any]:
    """Label -> backend objects and BackendDict extras, as plain containers.

    The containers are copied (in C, so atomically with respect to other
    threads); the backend objects themselves are the live ones.
    """
    state: dict[str, Any] = {}
    for source in BACKEND_SOURCES:
        backends = source.loaded()
        if backends is None:
            continue
        accounts = {
            account_id: dict(dict.items(regions)) for account_id, regions in list(dict.items(backends))
        }
        extras = {
            name: value
            for name, value in list(vars(backends).items())
            if name not in _BACKEND_DICT_OWN_ATTRIBUTES
        }
        state[source.label] = {"accounts": accounts, "extras": extras}
    return state


def _dump_state() -> bytes:
    for attempt in range(1, _DUMP_ATTEMPTS + 1):
        try:
            return _pickle_backends(_collect_state())
        except RecursionError:
            raise
        except RuntimeError as exc:
            # "dictionary changed size during iteration" and friends: a request
            # mutated the state mid-dump. Let it finish, then start over.
            if attempt == _DUMP_ATTEMPTS:
                raise
            logger.debug("snapshot dump attempt %d interrupted: %s", attempt, exc)
            time.sleep(_DUMP_BACKOFF_SECONDS * attempt)
    raise AssertionError("unreachable")


def _header(wal_seq: int | None = None) -> bytes:
    header: dict[str, Any] = {
        "magic": _MAGIC,
        "format": SNAPSHOT_FORMAT,
        "moto": moto.__version__,
        "python": ".".join(map(str, sys.version_info[:3])),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    if wal_seq is not None:  # the last journal entry this state includes (journal.py)
        header["wal_seq"] = wal_seq
    return json.dumps(header).encode() + b"\n"


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Same directory as the target, so os.replace is a rename on one file system.
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as tmp:
            tmp.write(data)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    # The rename itself must be on disk before the journal it replaces is deleted.
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _snapshot_bytes(wal_seq: int | None = None) -> bytes:
    return _header(wal_seq) + _dump_state()


def save_snapshot(path: Path, wal_seq: int | None = None) -> None:
    """Write the state of the moto backends of :data:`BACKEND_SOURCES` to ``path``.

    Safe while the server handles requests (see the module docstring). The
    file replaces the previous one atomically: a crash mid-write leaves the
    old snapshot intact.
    """
    started = time.perf_counter()
    data = _snapshot_bytes(wal_seq)
    _write_atomically(path, data)
    logger.debug(
        "moto snapshot saved to %s (%d bytes, %.3f s)",
        path,
        len(data),
        time.perf_counter() - started,
    )


# --- load ---------------------------------------------------------------------


class _Unusable(Exception):
    """The file is not a snapshot this code can load."""


def _read(path: Path) -> tuple[dict[str, Any], bytes]:
    raw = path.read_bytes()
    line, _, body = raw.partition(b"\n")
    try:
        header = json.loads(line)
    except ValueError as exc:
        raise _Unusable("no snapshot header") from exc
    if not isinstance(header, dict) or header.get("magic") != _MAGIC:
        raise _Unusable("no snapshot header")
    if header.get("format") != SNAPSHOT_FORMAT:
        raise _Unusable(f"snapshot format {header.get('format')!r}, this code reads {SNAPSHOT_FORMAT}")
    if header.get("moto") != moto.__version__:
        raise _Unusable(f"written by moto {header.get('moto')}, running moto {moto.__version__}")
    return header, body


def read_header(path: Path) -> dict[str, Any] | None:
    """The header of the snapshot at ``path`` (None without a usable one); unpickles nothing."""
    try:
        with path.open("rb") as file:
            header = json.loads(file.readline())
    except (OSError, ValueError):
        return None
    return header if isinstance(header, dict) and header.get("magic") == _MAGIC else None


def _set_aside(path: Path, reason: str) -> None:
    """Rename an unusable snapshot so the next save does not overwrite it."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    aside = path.with_name(f"{path.name}.unusable-{stamp}")
    os.replace(path, aside)
    logger.warning(
        "Ignoring the local AWS state snapshot %s (%s); the stack starts EMPTY. The old file was kept as %s.",
        path,
        reason,
        aside,
    )


def _release(backend: object) -> None:
    """Free what a replaced backend holds outside Python's memory.

    S3 keys keep their bodies in SpooledTemporaryFiles (real files above the
    buffer size). ``S3Backend.reset()`` is not used: it also disposes every
    key moto ever tracked, including the ones just loaded.
    """
    if not isinstance(backend, S3Backend):
        return
    for bucket in list(backend.buckets.values()):
        for versions in list(dict.values(bucket.keys)):
            for key in versions:
                if isinstance(key, FakeKey):  # not the delete markers
                    key.dispose()
        for part in list(bucket.multiparts.values()):
            part.dispose()


def _install(backends: BackendDict[Any], saved: Mapping[str, Any]) -> None:
    accounts: Mapping[str, Mapping[str, Any]] = saved["accounts"]
    replaced: list[object] = []
    with backend_lock:
        for live in list(dict.values(backends)):
            replaced.extend(dict.values(live))
            live.clear()
        for account_id, regions in accounts.items():
            # Indexing creates the account's dict if needed and registers the
            # BackendDict with moto, so /moto-api/reset clears it later.
            backends[account_id].update(regions)
        for name, value in saved["extras"].items():
            current = getattr(backends, name, None)
            if isinstance(current, dict) and isinstance(value, dict):
                current.clear()
                current.update(value)
            else:
                setattr(backends, name, value)
    for backend in replaced:
        _release(backend)


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    # Unpickling allocates tens of thousands of objects and frees none: the
    # cyclic collector's passes over them made up a third of the load time.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_snapshot(path: Path) -> bool:
    """Put the state saved in ``path`` into the live moto backends.

    Returns False, starting from an empty state, when there is no snapshot,
    or when it cannot be used (another moto version, damaged file): such a
    file is renamed aside with a warning rather than loaded or overwritten.
    Best called before the server takes requests; loading while it runs is
    safe, but a request racing with the load may see the state before it.
    """
    if not path.exists():
        logger.info("no local AWS state snapshot at %s: starting empty", path)
        return False
    started = time.perf_counter()
    try:
        header, body = _read(path)
        with _gc_paused():
            state: dict[str, Any] = pickle.loads(body)
    except _Unusable as exc:
        _set_aside(path, str(exc))
        return False
    except Exception as exc:  # noqa: BLE001 - any unpickling failure means "unusable"
        logger.debug("unpickling %s failed", path, exc_info=True)
        _set_aside(path, f"cannot be read: {type(exc).__name__}: {exc}")
        return False

    sources = {source.label: source for source in BACKEND_SOURCES}
    for label, saved in state.items():
        source = sources.get(label)
        if source is None:  # a source dropped from BACKEND_SOURCES since
            logger.warning("snapshot holds unknown backends %r: skipped", label)
            continue
        _install(source.imported(), saved)
    logger.info(
        "local AWS state restored from %s (saved %s, %.2f s)",
        path,
        header.get("created"),
        time.perf_counter() - started,
    )
    return True


# --- periodic saving --------------------------------------------------------------


class PeriodicSnapshotter:
    """Save the snapshot every ``interval`` seconds, and once more on :meth:`stop`.

    The periodic writes run on a daemon thread. Without a journal, a process
    killed without :meth:`stop` loses at most ``interval`` seconds of changes;
    with one (the local stack), it loses nothing acknowledged. A periodic
    save that fails is logged and retried at the next tick; a write is
    skipped when the state has not changed since the last one.
    """

    def __init__(self, path: Path, interval: float = 10.0, journal: Any = None) -> None:
        if interval <= 0:
            raise ValueError(f"interval must be positive, got {interval}")
        self.path = path
        self.interval = interval
        # With a journal (journal.Journal), each snapshot is a cut of it: the
        # state holds exactly the entries up to the recorded sequence number,
        # and the entries it holds are deleted once the file is written.
        self.journal = journal
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        # Serialises the thread's saves with the final one in stop().
        self._save_lock = threading.Lock()
        self._last_digest: bytes | None = None

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("PeriodicSnapshotter already started")
        self._thread = threading.Thread(target=self._run, name="moto-snapshotter", daemon=True)
        self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        """End the thread, then save one last time (errors propagate)."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self.save_now()

    def save_now(self, idle_skip: bool = False) -> bool:
        """Save if the state changed since the last write; True if written.

        ``idle_skip`` (the periodic saves): with a journal, nothing journaled
        since the last save means nothing to save — not even a dump, which
        holds journaled writes while it runs (logins' session tokens are not
        journaled: they wait for a busier tick or the final save).
        """
        with self._save_lock:
            if (idle_skip and self.journal is not None and not self.journal.appended
                    and self._last_digest is not None and self.path.exists()):
                return False
            wal_seq = None
            if self.journal is None:
                data = _snapshot_bytes()
            else:
                with self.journal.cut() as wal_seq:
                    data = _snapshot_bytes(wal_seq)
            # The header carries a timestamp: compare the state only.
            digest = hashlib.blake2b(data.partition(b"\n")[2], digest_size=16).digest()
            if digest == self._last_digest and self.path.exists():
                return False  # the journal since the last file replays to this same state
            _write_atomically(self.path, data)
            self._last_digest = digest
            if wal_seq is not None:
                self.journal.discard_through(wal_seq)
            return True

    def _run(self) -> None:
        while not self._stopping.wait(self.interval):
            try:
                self.save_now(idle_skip=True)
            except CutTimeout:
                logger.info("journaled writes never paused: snapshot postponed to the next tick")
            except Exception:  # noqa: BLE001 - keep saving at the next tick
                logger.exception("periodic save of the local AWS state failed")

    def __enter__(self) -> PeriodicSnapshotter:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
