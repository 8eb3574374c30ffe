"""`?watch=true`: a list's changes as a stream of JSON lines, as Kubernetes sends them.

`{"type": "ADDED"|"MODIFIED"|"DELETED", "object": {...}}` per line. Without a
`resourceVersion` the stream starts with an ADDED line for every object that
exists, then follows changes; with one, it replays what changed after it. ("0" is
a real resourceVersion here, the one an empty store lists at, not Kubernetes'
"any": watching from it replays the whole history.) A resourceVersion older than
the history kept answers 410 before the stream starts, and an `ERROR` line with a
410 Status if the reader falls that far behind. `timeoutSeconds` ends the stream
after that long; otherwise it runs until the client disconnects or the server
shuts down.

On the embedded store streams read from the kind's shared `KindHub`
(`watchhub.py`), so an open watch costs a filter per change, not a store watch of
its own. On a Kubernetes cluster each stream is one watch of the API server
(`StoreWatch`), from the client's own resourceVersion, which the API server handed
out: sharing watches is what the API server's watch cache does already, and its
resourceVersions are opaque, so a hub here could not order them. The API server
decides what is too old (410); "0" is its "any" there, which starts with the
objects that exist, as a replay of the whole history ends in them.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator

from starlette.concurrency import run_in_threadpool
from starlette.responses import StreamingResponse

from ..api.kinds import KindInfo
from ..errors import Gone, StorageError, TreadleError
from ..store.base import Obj, WatchEvent, parse_resource_version
from ..store.fields import object_filter
from .state import ServerState
from .status import error_body
from .watchhub import Change, KindHub

POLL_SECONDS = 1.0
"""How often an idle stream looks at whether it should end (timeout, shutdown)."""
LIST_PAGE = 500
START_SECONDS = 0.5
"""How long a watch of the API server from a given resourceVersion waits for its
first answer before the stream starts: the API server refuses one too old at once,
and that refusal should be a 410, not an ERROR line."""
BEHIND = 10_000
"""Changes a reader may leave unread on a watch of the API server before the stream
ends with a 410 ERROR line (as a reader the embedded hub has dropped)."""


def _line(type_: str, obj: Obj) -> bytes:
    return (json.dumps({"type": type_, "object": obj}, separators=(",", ":")) + "\n").encode()


async def _next_changes(
    hub: KindHub, position: int, namespace: str | None
) -> tuple[list[Change], int]:
    """Changes after `position` (from memory, or from the store when behind), and the
    position after them."""
    changes = hub.after(position)
    if changes is None:
        return await run_in_threadpool(hub.catch_up, position, namespace)
    return changes, changes[-1].rv if changes else position


class StoreWatch:
    """One watch of the store (an API server's), drained by a thread of its own so
    that a stream waits for its changes in the event loop and holds no worker. The
    store's iterator must end when closed from another thread (KubeStore's does)."""

    def __init__(self, events: Iterator[WatchEvent], name: str) -> None:
        self._events = events
        self._ready = threading.Condition()
        self._pending: list[WatchEvent] = []
        self._ended = False
        self._error: TreadleError | None = None
        self._wakers: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []
        threading.Thread(target=self._drain, name=name, daemon=True).start()

    def _drain(self) -> None:
        error: TreadleError | None = None
        try:
            for event in self._events:
                with self._ready:
                    if self._ended:
                        return
                    self._pending.append(event)
                    behind = len(self._pending) > BEHIND
                if behind:
                    error = Gone(
                        f"this watch's reader fell more than {BEHIND} changes behind: "
                        "list again, then watch from that list's resourceVersion"
                    )
                    break
                self._wake()
        except TreadleError as exc:
            error = exc
        except Exception as exc:  # a broken stream is said to the reader, not lost
            error = StorageError(f"the watch broke: {exc}")
        with self._ready:
            self._ended = True
            self._error = error
        self._close_events()
        self._wake()

    def _wake(self) -> None:
        with self._ready:
            self._ready.notify_all()
            wakers = list(self._wakers)
        for loop, event in wakers:
            try:
                loop.call_soon_threadsafe(event.set)
            except RuntimeError:  # that loop has closed
                pass

    def first(self, seconds: float) -> None:
        """Wait up to `seconds` for the first change or the end (blocking), and raise
        the error the watch ended with before any change."""
        with self._ready:
            self._ready.wait_for(lambda: self._pending or self._ended, seconds)
            error = self._error if not self._pending else None
        if error is not None:
            raise error

    def waker(self) -> asyncio.Event:
        """An event set whenever changes arrive (or the watch ends)."""
        event = asyncio.Event()
        with self._ready:
            self._wakers.append((asyncio.get_running_loop(), event))
        return event

    def take(self) -> tuple[list[WatchEvent], bool, TreadleError | None]:
        """The changes not taken yet, whether the watch has ended, and its error."""
        with self._ready:
            pending, self._pending = self._pending, []
            return pending, self._ended and not pending, self._error

    def close(self) -> None:
        with self._ready:
            self._ended = True
        self._close_events()

    def _close_events(self) -> None:
        close: Callable[[], None] | None = getattr(self._events, "close", None)
        if close is not None:
            close()


def watch_response(
    state: ServerState,
    info: KindInfo,
    namespace: str | None,
    label_selector: str | None,
    field_selector: str | None,
    resource_version: str | None,
    timeout_seconds: int | None,
) -> StreamingResponse:
    """Called in a worker thread: bad selectors and a too-old resourceVersion raise
    here, so they answer with a Status instead of a broken stream."""
    matches = object_filter(info.api_version, info.kind, label_selector, field_selector)
    deadline = None if not timeout_seconds else time.monotonic() + timeout_seconds

    def remaining() -> float:
        return POLL_SECONDS if deadline is None else deadline - time.monotonic()

    async def existing() -> AsyncIterator[bytes | str]:
        """ADDED lines of what exists now, then the list's resourceVersion."""
        token: str | None = None
        version: str | None = None
        while True:
            page = await run_in_threadpool(
                state.store.list,
                info.api_version,
                info.kind,
                namespace,
                label_selector=label_selector,
                field_selector=field_selector,
                limit=LIST_PAGE,
                continue_token=token,
            )
            version = page.resource_version if version is None else version
            for obj in page.items:
                yield _line("ADDED", obj)
            token = page.continue_token
            if not token:
                break
        yield version

    if state.hubs is None:
        body = _store_stream(state, info, namespace, resource_version, matches, remaining, existing)
    else:
        body = _hub_stream(state, info, namespace, resource_version, matches, remaining, existing)
    return StreamingResponse(
        body,
        media_type="application/json",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


Existing = Callable[[], AsyncIterator[bytes | str]]


def _hub_stream(
    state: ServerState,
    info: KindInfo,
    namespace: str | None,
    resource_version: str | None,
    matches: Callable[[Obj], bool],
    remaining: Callable[[], float],
    existing: Existing,
) -> AsyncIterator[bytes]:
    assert state.hubs is not None
    hub = state.hubs.hub(info.api_version, info.kind)
    first: list[Change] = []
    position: int | None = None
    if resource_version:
        since = parse_resource_version(resource_version)
        if since >= hub.floor:
            position = since  # all in memory
        else:
            first, position = hub.catch_up(since, namespace)  # Gone raises here, not mid-stream

    def wanted(change: Change) -> bool:
        return (not namespace or change.namespace == namespace) and matches(change.object)

    async def body() -> AsyncIterator[bytes]:
        at = position
        if at is None:  # no resourceVersion: what exists now, then what changes
            async for item in existing():
                if isinstance(item, bytes):
                    yield item
                else:
                    at = int(item)
        assert at is not None
        replayed = b"".join(c.line for c in first if wanted(c))
        if replayed:
            yield replayed
        waker = hub.waker()
        try:
            while not state.closing.is_set() and remaining() > 0:
                waker.clear()
                try:
                    changes, at = await _next_changes(hub, at, namespace)
                except Gone as exc:
                    yield _line("ERROR", error_body(exc))
                    return
                lines = [c.line for c in changes if wanted(c)]
                if lines:  # one write for all that arrived together
                    yield b"".join(lines)
                if not changes:
                    try:
                        await asyncio.wait_for(waker.wait(), min(POLL_SECONDS, remaining()))
                    except TimeoutError:
                        pass
        finally:
            hub.release(waker)

    return body()


def _store_stream(
    state: ServerState,
    info: KindInfo,
    namespace: str | None,
    resource_version: str | None,
    matches: Callable[[Obj], bool],
    remaining: Callable[[], float],
    existing: Existing,
) -> AsyncIterator[bytes]:
    """One store watch for this stream. Selectors are applied here, as the hub does,
    so a change that stops matching is dropped, not turned into a DELETED."""
    name = f"treadle-api-watch-{info.kind}"

    def open_watch(since: str) -> StoreWatch:
        events = state.store.watch(
            info.api_version, info.kind, namespace, since=since, timeout=None
        )
        return StoreWatch(events, name)

    opened: StoreWatch | None = None
    if resource_version:
        opened = open_watch(resource_version)
        try:
            opened.first(START_SECONDS)  # too old: 410 here, not mid-stream
        except BaseException:
            opened.close()
            raise

    async def body() -> AsyncIterator[bytes]:
        watch = opened
        try:
            if watch is None:  # no resourceVersion: what exists now, then what changes
                try:
                    async for item in existing():
                        if isinstance(item, bytes):
                            yield item
                        else:
                            watch = await run_in_threadpool(open_watch, item)
                except TreadleError as exc:  # the API server failed once the stream began
                    yield _line("ERROR", error_body(exc))
                    return
            assert watch is not None
            waker = watch.waker()
            while not state.closing.is_set() and remaining() > 0:
                waker.clear()
                events, ended, error = watch.take()
                lines = [_line(e.type, e.object) for e in events if matches(e.object)]
                if lines:
                    yield b"".join(lines)
                if error is not None and not events:
                    yield _line("ERROR", error_body(error))
                    return
                if ended:
                    return
                if not events:
                    try:
                        await asyncio.wait_for(waker.wait(), min(POLL_SECONDS, remaining()))
                    except TimeoutError:
                        pass
        finally:
            if watch is not None:
                watch.close()

    return body()


__all__ = ["BEHIND", "StoreWatch", "object_filter", "watch_response"]
