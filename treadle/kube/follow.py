"""A watch of one kind on the API server as the Store's iterator of changes.

A reader thread holds the HTTP stream and queues its events; the iterator hands
them out and ends after `timeout` idle seconds. Bookmarks move the position
without an event, so when the API server ends a stream (it does every few
minutes) the reader resumes from the last position it saw; a position the
server has compacted away arrives as Gone, which the consumer answers by listing
again.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import urllib3

from ..errors import Gone, StorageError, TreadleError
from ..store.base import WatchEvent
from .transport import Query, Transport, decode_status, status_error

STREAM_SECONDS = 290
"""How long one stream is asked to last before the API server ends it and the
reader resumes (as client-go's reflectors, a few minutes)."""

_CHANGES = frozenset({"ADDED", "MODIFIED", "DELETED"})


class Follow:
    """One watch, an iterator of its changes. `close` ends it at once, from any
    thread (a consumer waiting for the next change then sees the end); so does
    dropping the last reference to it."""

    def __init__(
        self,
        transport: Transport,
        path: str,
        query: Query,
        since: str,
        timeout: float | None,
        on_end: Callable[[Follow], None],
    ) -> None:
        self._timeout = timeout
        self._on_end = on_end
        self._queue: queue.Queue[WatchEvent | TreadleError | None] = queue.Queue()
        # The reader holds no reference to this iterator, so an abandoned watch is
        # collected, and its collection stops the reader.
        self._reader = _Reader(transport, path, list(query), since, self._queue)
        threading.Thread(target=self._reader.run, name=f"watch {path}", daemon=True).start()

    def __iter__(self) -> Follow:
        return self

    def __next__(self) -> WatchEvent:
        try:
            item = self._queue.get(timeout=self._timeout)
        except queue.Empty:
            item = None
        if item is None:
            self.close()
            raise StopIteration
        if isinstance(item, TreadleError):
            self.close()
            raise item
        return item

    def close(self) -> None:
        if self._reader.closed.is_set():
            return
        self._reader.stop()
        self._queue.put(None)
        self._on_end(self)

    def __del__(self) -> None:
        self.close()


class _Reader:
    """The reader thread's side of a watch: one HTTP stream after another."""

    def __init__(
        self,
        transport: Transport,
        path: str,
        query: list[tuple[str, str]],
        since: str,
        out: queue.Queue[WatchEvent | TreadleError | None],
    ) -> None:
        self._transport = transport
        self._path = path
        self._query = query
        self._position = since
        self._out = out
        self.closed = threading.Event()
        self._response: urllib3.BaseHTTPResponse | None = None
        self._lock = threading.Lock()

    def stop(self) -> None:
        self.closed.set()
        with self._lock:
            response = self._response
        if response is not None:
            # Wakes the reader from its blocking read of the stream.
            try:
                response.shutdown()
            except OSError:
                pass  # the stream closed meanwhile: the reader is waking anyway

    def run(self) -> None:
        try:
            while not self.closed.is_set():
                self._stream_once()
        except TreadleError as exc:
            if not self.closed.is_set():
                self._out.put(exc)
        except Exception as exc:  # a broken stream: said to the consumer, not lost
            if not self.closed.is_set():
                self._out.put(StorageError(f"the watch of {self._path} broke: {exc}"))

    def _stream_once(self) -> None:
        query = [
            *self._query,
            ("watch", "true"),
            ("resourceVersion", self._position),
            ("allowWatchBookmarks", "true"),
            ("timeoutSeconds", str(STREAM_SECONDS)),
        ]
        started = time.monotonic()
        response = self._transport.open(
            "GET",
            self._path,
            query,
            timeout=urllib3.Timeout(connect=10.0, read=STREAM_SECONDS + 30),
            preload=False,
        )
        with self._lock:
            self._response = response
        try:
            if self.closed.is_set():
                return
            if response.status >= 400:
                data = response.read()
                raise status_error(response.status, decode_status(response.status, data))
            for line in _lines(response):
                self._handle(json.loads(line))
        except (urllib3.exceptions.HTTPError, OSError, ValueError):
            if self.closed.is_set():
                return
            # A dropped connection: resume from the position, after a pause if it
            # broke at once (so an unreachable server is not hammered).
            if time.monotonic() - started < 1.0:
                self.closed.wait(1.0)
        finally:
            with self._lock:
                self._response = None
            response.release_conn()

    def _handle(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        obj = event.get("object") or {}
        if kind == "ERROR":
            code = int(obj.get("code") or 500)
            if code == 410:
                raise Gone(f"resourceVersion {self._position} is older than the API server keeps")
            raise status_error(code, obj)
        rv = str((obj.get("metadata") or {}).get("resourceVersion") or "")
        if rv:
            self._position = rv
        if kind in _CHANGES:
            self._out.put(WatchEvent(kind, obj, rv))


def _lines(response: urllib3.BaseHTTPResponse) -> Iterator[bytes]:
    """The newline-separated JSON documents of a watch stream, as they arrive."""
    pending = b""
    for chunk in response.stream(amt=None, decode_content=True):
        pending += chunk
        *complete, pending = pending.split(b"\n")
        for line in complete:
            if line.strip():
                yield line
    if pending.strip():
        yield pending
