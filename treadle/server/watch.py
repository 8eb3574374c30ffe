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

Streams read from the kind's shared `KindHub` (`watchhub.py`), so an open watch
costs a filter per change, not a store watch of its own.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

from starlette.concurrency import run_in_threadpool
from starlette.responses import StreamingResponse

from ..api.kinds import KindInfo
from ..errors import Gone
from ..store.base import Obj, parse_resource_version
from ..store.fields import object_filter
from .state import ServerState
from .status import error_body
from .watchhub import Change, KindHub

POLL_SECONDS = 1.0
"""How often an idle stream looks at whether it should end (timeout, shutdown)."""
LIST_PAGE = 500


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
    hub = state.hubs.hub(info.api_version, info.kind)
    deadline = None if not timeout_seconds else time.monotonic() + timeout_seconds
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

    def remaining() -> float:
        return POLL_SECONDS if deadline is None else deadline - time.monotonic()

    async def body() -> AsyncIterator[bytes]:
        at = position
        if at is None:  # no resourceVersion: what exists now, then what changes
            token: str | None = None
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
                at = int(page.resource_version) if at is None else at
                for obj in page.items:
                    yield _line("ADDED", obj)
                token = page.continue_token
                if not token:
                    break
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

    return StreamingResponse(
        body(),
        media_type="application/json",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


__all__ = ["object_filter", "watch_response"]
