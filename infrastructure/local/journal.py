"""Write-ahead journal of the local stack: no acknowledged write is lost to a crash.

The snapshot (``snapshot.py``) is taken every few seconds; on its own a
``kill -9`` or a power cut lost every write since the last one. Here every
request that changes moto's state is appended to a journal file and fsynced
BEFORE its answer leaves the moto server; at start the snapshot is loaded,
then the journal entries written after it are replayed in order.

Where: a WSGI middleware around moto's server app (:class:`JournaledMotoServer`).
The API server and the Lambda bridge run in-process but talk to moto over
HTTP, so every write of the app — routes, stream handlers (the sealer), Step
Functions tasks, provisioning, the demo seed — goes through it.

What is journaled: requests answered 2xx that change state — DynamoDB
PutItem/UpdateItem/DeleteItem/BatchWriteItem/TransactWriteItems and table
changes, S3 PUT/POST/DELETE (objects, retention, bucket settings), Cognito
admin and user changes, Step Functions StartExecution... Classified by
:func:`is_journaled`: reads (GET/HEAD, ``Get*``, ``List*``, ``Describe*``,
``Query``, ``Scan``...) are not, nor are logins (``InitiateAuth``: the tokens
they mint are sessions, not data — a crash costs a new login at worst), Lambda
``Invoke`` (its effects are the handler's own requests, journaled one by one),
CloudWatch Logs/metrics and moto's ``/moto-api``.

Order: each journaled request takes a sequence number when it starts; a
DynamoDB write takes a fresh one when it gets moto's write lock
(``moto_fixes``), so DynamoDB writes replay in the order they were applied.
A write made by a stream handler (the sealer) starts after the write that
streamed it, so it replays after it too.

Side effects are not fired twice: during the replay no Lambda runs (stream
deliveries, S3 notifications) and no state machine execution starts; their
own writes were journaled and are replayed from the journal. An execution
replays as the record moto keeps (RUNNING, as after a snapshot load).

Generated values: moto draws S3 version ids, Cognito subs, stream event ids...
from one random source (``mock_random``). The draws each request consumed are
journaled with it and handed back when it is replayed, so a replayed object
version or user has the id the app was told (and stored, e.g. in a sealed
record's ``storage.version_id``). Dates moto stamps itself (an S3 object's
LastModified, a user's creation date) are the replay's.

Snapshot and journal: the snapshot must hold exactly the entries up to the
sequence number it records. :meth:`Journal.cut` waits for a moment with no
journaled request in flight (new ones wait a little, nested ones — the
sealer's writes inside a write — are let through so nothing deadlocks),
rotates to a new journal segment and holds new writes while the state is
dumped. Once the snapshot file is safely written, the older segments are
deleted (:meth:`Journal.discard_through`).

File format: segments ``journal/wal-<first seq>.log``, each a sequence of
frames ``<length u32><crc32 u32><pickle>``. A frame torn by a crash fails its
check and ends the segment; a new segment is started at every start, so
nothing is ever appended after a torn frame. Like the snapshot, the journal
is created readable by its owner only (it holds passwords as sent to Cognito)
and is as trusted as the code (it is unpickled).
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import pickle
import struct
import threading
import time
import urllib.parse
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["CutTimeout", "Journal", "JournaledMotoServer", "is_journaled", "moto_app", "replay"]

logger = logging.getLogger(__name__)

JOURNAL_DIR = "journal"
_FRAME = struct.Struct(">II")
_SEGMENT_PREFIX = "wal-"
_SEGMENT_SUFFIX = ".log"

# A new top-level write waits at most this long for a snapshot cut to happen.
_CUT_HOLD_SECONDS = 0.25
# A cut gives up (the snapshot is retried at the next tick) after this long.
_CUT_WAIT_SECONDS = 5.0
# Header marking requests made by code running inside a journaled request (the
# in-process sealer): they must not wait for a cut, the outer request waits for them.
NESTED_HEADER = "X-Lotbook-Nested"

_READ_PREFIXES = (
    "Get", "List", "Describe", "Query", "Scan", "BatchGet", "TransactGet", "Head",
    "AdminGet", "AdminList", "Validate", "Test", "Filter", "Lookup", "Search",
)
# Mutate moto but are not data: logins mint session tokens.
_UNJOURNALED_ACTIONS = frozenset({
    "InitiateAuth", "AdminInitiateAuth", "RespondToAuthChallenge",
    "AdminRespondToAuthChallenge", "PutMetricData", "PutLogEvents", "CreateLogStream",
    "CreateLogGroup", "SendTaskHeartbeat",
})
_UNJOURNALED_TARGET_PREFIXES = ("Logs_",)


# --- classification ---------------------------------------------------------------


def _action(environ: dict[str, Any], body: bytes) -> str | None:
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        if target.startswith(_UNJOURNALED_TARGET_PREFIXES):
            return "PutLogEvents"
        return str(target).rpartition(".")[2]
    query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
    if "Action" in query:
        return query["Action"][0]
    if "x-www-form-urlencoded" in environ.get("CONTENT_TYPE", "") and b"Action=" in body:
        form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
        if "Action" in form:
            return form["Action"][0]
    return None


def is_journaled(environ: dict[str, Any], body: bytes) -> bool:
    """Whether this request, answered 2xx, changed data that must survive a crash."""
    path = environ.get("PATH_INFO", "")
    if path.startswith("/moto-api"):
        return False
    action = _action(environ, body)
    if action is not None:
        return not (action.startswith(_READ_PREFIXES) or action in _UNJOURNALED_ACTIONS)
    method = environ.get("REQUEST_METHOD", "GET")
    if method in ("GET", "HEAD", "OPTIONS"):
        return False
    # Lambda's REST API: an invocation changes nothing itself.
    return not (path.startswith(("/2015-03-31/functions/", "/2014-11-13/functions/"))
                and path.rstrip("/").endswith(("/invocations", "/invoke-async")))


# --- what a request draws from moto's random source ------------------------------------


@dataclass
class _Context:
    """Per thread: the journaled request being handled, or the entry being replayed."""

    draws: list[tuple[int, int]] | None = None  # live: recorded draws
    replay: deque[tuple[int, int]] | None = None  # replay: draws to hand back
    clock: list[Any] | None = None  # live: the times moto read
    clock_replay: deque[Any] | None = None  # replay: times to hand back
    paused: int = 0
    resequence: Callable[[], None] | None = None
    seq: int = 0
    resequenced: bool = False
    nested_calls: bool = field(default=False)


_local = threading.local()
_patch_lock = threading.Lock()
_patched = False
_replaying = threading.Event()


def _context() -> _Context | None:
    return getattr(_local, "context", None)


@contextlib.contextmanager
def _in_context(context: _Context) -> Iterator[_Context]:
    previous = _context()
    _local.context = context
    try:
        yield context
    finally:
        _local.context = previous


def _install_patches() -> None:
    """Hook moto's random source, Lambda invocations, executions and botocore, once."""
    global _patched
    with _patch_lock:
        if _patched:
            return
        from moto.awslambda.models import LambdaFunction
        from moto.moto_api._internal import mock_random

        from infrastructure.local import moto_fixes

        draw = type(mock_random).getrandbits

        def getrandbits(k: int) -> int:
            context = _context()
            if context is None or context.paused:
                return draw(mock_random, k)
            if context.replay is not None:
                if context.replay and context.replay[0][0] == k:
                    return context.replay.popleft()[1]
                context.replay.clear()  # diverged: fresh values from here on
                return draw(mock_random, k)
            value = draw(mock_random, k)
            if context.draws is not None:
                context.draws.append((k, value))
            return value

        mock_random.getrandbits = getrandbits  # type: ignore[method-assign]

        # The clock, where moto stamps what the app reads back: a DynamoDB
        # stream's label is part of its ARN (the event-source mappings name it).
        import importlib

        for name in _CLOCKED_MODULES:
            module = importlib.import_module(name)
            module.utcnow = _recorded_clock(module.utcnow)  # type: ignore[attr-defined]

        invoke = LambdaFunction.invoke

        def journaled_invoke(self: Any, body: str, request_headers: Any, response_headers: Any) -> Any:
            if _replaying.is_set():
                return b"null"  # the handler's writes are replayed from the journal
            context = _context()
            if context is None:
                return invoke(self, body, request_headers, response_headers)
            # The handler (the sealer, in-process) draws nothing of the outer request's.
            context.paused += 1
            context.nested_calls = True
            try:
                return invoke(self, body, request_headers, response_headers)
            finally:
                context.paused -= 1

        LambdaFunction.invoke = journaled_invoke  # type: ignore[method-assign]

        with contextlib.suppress(ImportError):
            from moto.stepfunctions.parser.backend.execution import Execution

            start = Execution.start

            def start_unless_replaying(self: Any) -> None:
                if _replaying.is_set():
                    from moto.stepfunctions.parser.api import ExecutionStatus

                    self.exec_status = ExecutionStatus.RUNNING
                    return
                start(self)

            Execution.start = start_unless_replaying  # type: ignore[method-assign]

        def on_dynamodb_write_locked() -> None:
            context = _context()
            if context is not None and context.resequence is not None and not context.resequenced:
                context.resequenced = True
                context.resequence()

        moto_fixes.on_write_locked(on_dynamodb_write_locked)

        # Requests made from a thread that is handling a journaled request (the
        # in-process Lambda bridge) are marked, so a pending cut does not hold them.
        from botocore.httpsession import URLLib3Session

        send = URLLib3Session.send

        def send_marked(self: Any, request: Any) -> Any:
            context = _context()
            if context is not None and context.draws is not None:
                request.headers[NESTED_HEADER] = "1"
            return send(self, request)

        URLLib3Session.send = send_marked  # type: ignore[method-assign]
        _patched = True


_CLOCKED_MODULES = ("moto.dynamodb.models.table", "moto.s3.models", "moto.cognitoidp.models",
                    "moto.awslambda.models")


def _recorded_clock(now: Callable[[], Any]) -> Callable[[], Any]:
    def utcnow() -> Any:
        context = _context()
        if context is None or context.paused:
            return now()
        if context.clock_replay is not None:
            return context.clock_replay.popleft() if context.clock_replay else now()
        value = now()
        if context.clock is not None:
            context.clock.append(value)
        return value

    return utcnow


# --- the journal file ---------------------------------------------------------------


def _segment_name(first_seq: int) -> str:
    return f"{_SEGMENT_PREFIX}{first_seq:016d}{_SEGMENT_SUFFIX}"


def _segment_first_seq(path: Path) -> int | None:
    name = path.name
    if not (name.startswith(_SEGMENT_PREFIX) and name.endswith(_SEGMENT_SUFFIX)):
        return None
    digits = name[len(_SEGMENT_PREFIX):-len(_SEGMENT_SUFFIX)]
    return int(digits) if digits.isdigit() else None


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_segment(path: Path) -> Iterator[dict[str, Any]]:
    """The entries of one segment, up to the first damaged frame (a torn tail)."""
    data = path.read_bytes()
    offset = 0
    while offset + _FRAME.size <= len(data):
        length, checksum = _FRAME.unpack_from(data, offset)
        start = offset + _FRAME.size
        payload = data[start:start + length]
        if len(payload) != length or zlib.crc32(payload) != checksum:
            logger.warning("journal %s: damaged entry at byte %d ignored (torn by a crash)", path, offset)
            return
        yield pickle.loads(payload)
        offset = start + length


def segments(directory: Path) -> list[tuple[int, Path]]:
    if not directory.is_dir():
        return []
    found = [(_segment_first_seq(p), p) for p in directory.iterdir()]
    return sorted((first, p) for first, p in found if first is not None)


def read_entries(directory: Path, after: int = 0) -> list[dict[str, Any]]:
    """Every entry of the journal with a sequence number above ``after``, in order."""
    entries = [entry for _first, path in segments(directory) for entry in read_segment(path)
               if entry["seq"] > after]
    entries.sort(key=lambda entry: entry["seq"])
    return entries


class CutTimeout(Exception):
    """Journaled requests kept coming: no quiet moment to cut the journal."""


class Journal:
    """The journal of one data directory: append (fsynced), cut for a snapshot, discard.

    Appends are group-committed: each writer appends its frame then makes sure
    the file is synced up to it; one fdatasync covers every frame written
    before it, so concurrent writers share the cost.
    """

    def __init__(self, directory: Path, last_seq: int = 0, scan: bool = True) -> None:
        """``last_seq``: the highest sequence number already used (the snapshot's);
        the segments on disk are read for a higher one unless ``scan`` is False
        (the caller read them already)."""
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        os.chmod(directory, 0o700)
        existing = segments(directory) if scan else []
        self._seq = max([last_seq, *(e["seq"] for _f, p in existing for e in read_segment(p))])
        self._cond = threading.Condition()
        self._inflight = 0
        self._cut_pending = False
        self._append_lock = threading.Lock()
        self._sync_lock = threading.Lock()
        self._written = 0  # frames appended to the current segment
        self._synced = 0
        self._fd = -1
        self._segment_first = 0
        self.appended = 0  # entries since the last cut
        self._open_segment()

    @property
    def last_seq(self) -> int:
        return self._seq

    def _open_segment(self) -> None:
        first = self._seq + 1
        path = self.directory / _segment_name(first)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        _fsync_directory(self.directory)
        old, self._fd = self._fd, fd
        self._segment_first = first
        self._written = self._synced = 0
        if old >= 0:
            os.close(old)

    # -- the request side

    def begin(self, nested: bool) -> int:
        with self._cond:
            if self._cut_pending and not nested:
                self._cond.wait_for(lambda: not self._cut_pending, timeout=_CUT_HOLD_SECONDS)
            self._inflight += 1
            self._seq += 1
            return self._seq

    def next_seq(self) -> int:
        with self._cond:
            self._seq += 1
            return self._seq

    def end(self) -> None:
        with self._cond:
            self._inflight -= 1
            if not self._inflight:
                self._cond.notify_all()

    def append(self, entry: dict[str, Any]) -> None:
        """Write ``entry`` and return once it is on disk."""
        payload = pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL)
        frame = _FRAME.pack(len(payload), zlib.crc32(payload)) + payload
        with self._append_lock:
            view = memoryview(frame)
            while view:  # a regular file takes it whole, unless the disk is full
                view = view[os.write(self._fd, view):]
            self._written += 1
            mine, fd = self._written, self._fd
            self.appended += 1
        with self._sync_lock:
            # Holding the append lock is not needed: a rotation happens only when
            # nothing is in flight, so the fd cannot change under a writer.
            if self._synced >= mine:
                return  # another writer's sync covered this frame
            target = self._written
            os.fdatasync(fd)
            self._synced = target

    # -- the snapshot side

    @contextlib.contextmanager
    def cut(self, wait: float = _CUT_WAIT_SECONDS) -> Iterator[int]:
        """Hold journaled writes; yield the sequence number the state now includes.

        Raises :class:`CutTimeout` if writes never paused for ``wait`` seconds.
        """
        with self._cond:
            self._cut_pending = True
            try:
                if not self._cond.wait_for(lambda: self._inflight == 0, timeout=wait):
                    raise CutTimeout
                if self._written:
                    self._open_segment()
                self.appended = 0
                yield self._seq
            finally:
                self._cut_pending = False
                self._cond.notify_all()

    def discard_through(self, seq: int) -> None:
        """Delete the segments whose every entry is at most ``seq`` (in a snapshot now)."""
        found = segments(self.directory)
        for (_first, path), (next_first, _next) in zip(found, found[1:], strict=False):
            if next_first <= seq + 1 and next_first <= self._segment_first:
                path.unlink(missing_ok=True)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


# --- the middleware -------------------------------------------------------------------


def _read_body(environ: dict[str, Any]) -> bytes:
    from werkzeug.wsgi import get_input_stream

    body: bytes = get_input_stream(environ, max_content_length=None).read()
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    environ.pop("HTTP_TRANSFER_ENCODING", None)
    environ["wsgi.input_terminated"] = True
    return body


def _recordable_environ(environ: dict[str, Any]) -> dict[str, str]:
    return {k: v for k, v in environ.items()
            if isinstance(v, str) and not k.startswith(("werkzeug.", "HTTP_X_LOTBOOK"))}


class JournalingMiddleware:
    """Journal the 2xx answers of state-changing requests before they are sent."""

    def __init__(self, app: Callable[..., Any], journal: Journal) -> None:
        self.app = app
        self.journal = journal
        _install_patches()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        body = _read_body(environ)
        if not is_journaled(environ, body):
            return self.app(environ, start_response)  # type: ignore[no-any-return]
        nested = bool(environ.get("HTTP_X_LOTBOOK_NESTED"))
        journal = self.journal
        context = _Context(draws=[], clock=[], seq=journal.begin(nested))

        def resequence() -> None:
            context.seq = journal.next_seq()

        context.resequence = resequence
        try:
            captured: dict[str, Any] = {}

            def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[..., Any]:
                captured["status"], captured["headers"] = status, headers
                return lambda _data: None

            with _in_context(context):
                result = self.app(environ, capture)
                try:
                    answer = b"".join(result)
                finally:
                    close = getattr(result, "close", None)
                    if close is not None:
                        close()
            status = captured["status"]
            if status[:1] == "2":
                journal.append({
                    "seq": context.seq, "environ": _recordable_environ(environ), "body": body,
                    "draws": context.draws, "clock": context.clock, "status": int(status[:3]), "at": time.time(),
                })
        finally:
            journal.end()
        start_response(status, captured["headers"])
        return [answer]


def _moto_server_class() -> type:
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    class _JournaledMotoServer(ThreadedMotoServer):  # type: ignore[misc]
        """moto's threaded server with the journal around its app."""

        def __init__(self, journal: Journal, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.journal = journal
            self.moto_app = DomainDispatcherApplication(create_backend_app)

        def _server_entry(self) -> None:
            self._server = make_server(
                self._ip_address, self._port, JournalingMiddleware(self.moto_app, self.journal), True,
                request_handler=MotoRequestHandler,
            )
            self._server_ready_event.set()
            self._server.serve_forever()

    return _JournaledMotoServer


def JournaledMotoServer(journal: Journal, **kwargs: Any) -> Any:  # noqa: N802 - a class, built lazily
    """A ``ThreadedMotoServer`` journaling into ``journal`` (moto imported on call)."""
    return _moto_server_class()(journal, **kwargs)


def moto_app(server: Any) -> Callable[..., Any]:
    """The WSGI app of a started moto server, journaled or not, without the journal."""
    app = getattr(server, "moto_app", None)
    if app is None:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

        app = DomainDispatcherApplication(create_backend_app)
    return app  # type: ignore[no-any-return]


# --- replay ---------------------------------------------------------------------------


def replay(app: Callable[..., Any], entries: list[dict[str, Any]]) -> int:
    """Apply ``entries`` to moto through ``app`` (moto's WSGI app), in order.

    No Lambda runs and no execution starts meanwhile. Returns how many entries
    were answered 2xx again; the others are logged (a request that cannot be
    applied again changes nothing).
    """
    _install_patches()
    applied = 0
    _replaying.set()
    try:
        for entry in entries:
            environ: dict[str, Any] = dict(entry["environ"])
            body: bytes = entry["body"]
            environ.update({
                "wsgi.input": io.BytesIO(body), "wsgi.errors": io.StringIO(), "wsgi.version": (1, 0),
                "wsgi.multithread": True, "wsgi.multiprocess": False, "wsgi.run_once": False,
                "wsgi.input_terminated": True, "CONTENT_LENGTH": str(len(body)),
            })
            environ.setdefault("wsgi.url_scheme", "http")
            statuses: list[str] = []

            def start_response(status: str, headers: Any, exc_info: Any = None,
                               _statuses: list[str] = statuses) -> Callable[..., Any]:
                _statuses.append(status)
                return lambda _data: None

            context = _Context(replay=deque(entry["draws"]), clock_replay=deque(entry.get("clock", ())))
            with _in_context(context):
                result = app(environ, start_response)
                try:
                    answer = b"".join(result)
                finally:
                    close = getattr(result, "close", None)
                    if close is not None:
                        close()
            if statuses and statuses[0][:1] == "2":
                applied += 1
            else:
                logger.warning("journal entry %d (%s %s) replayed with %s: %r", entry["seq"],
                               environ.get("REQUEST_METHOD"), environ.get("PATH_INFO"),
                               statuses[:1], answer[:300])
    finally:
        _replaying.clear()
    return applied
