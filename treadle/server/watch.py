"""`?watch=true`: a list's changes as a stream of JSON lines, as Kubernetes sends them.

`{"type": "ADDED"|"MODIFIED"|"DELETED", "object": {...}}` per line. Without a
`resourceVersion` (or with "0") the stream starts with an ADDED line for every
object that exists, then follows changes; with one, it replays what changed after
it. A resourceVersion older than the history kept answers 410 before the stream
starts, and an `ERROR` line with a 410 Status if the reader falls that far behind.
`timeoutSeconds` ends the stream after that long; otherwise it runs until the
client disconnects or the server shuts down.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable, Iterator

from starlette.responses import StreamingResponse

from ..api.kinds import KindInfo
from ..core.labels import parse_label_selector
from ..errors import BadRequest, Gone
from ..store.base import Obj, WatchEvent
from ..store.fields import parse_field_selector, selectable_fields
from .state import ServerState
from .status import error_body
from .streams import Stopped, threaded

POLL_SECONDS = 1.0
"""How long one store watch waits for a change before the stream looks at whether it
should stop (client gone, timeout, shutdown)."""
LIST_PAGE = 500


def object_filter(info: KindInfo, label_selector: str | None,
                  field_selector: str | None) -> Callable[[Obj], bool]:
    """The list selectors as a predicate on one object. Raises BadRequest."""
    try:
        labels = parse_label_selector(label_selector or "")
        fields = parse_field_selector(field_selector or "",
                                      selectable_fields(info.api_version, info.kind))
    except ValueError as e:
        raise BadRequest(str(e)) from e

    def matches(obj: Obj) -> bool:
        meta = obj.get("metadata") or {}
        if not labels.matches(meta.get("labels") or {}):
            return False
        return all((_field_value(obj, r.field) == r.value) != r.negated for r in fields)

    return matches


def _field_value(obj: Obj, path: str) -> str:
    node: object = obj
    for part in path.split("."):
        if not isinstance(node, dict):
            return ""
        node = node.get(part)
    return "" if node is None else str(node)


def _line(type_: str, obj: Obj) -> bytes:
    return (json.dumps({"type": type_, "object": obj}, separators=(",", ":")) + "\n").encode()


def watch_response(state: ServerState, info: KindInfo, namespace: str | None,
                   label_selector: str | None, field_selector: str | None,
                   resource_version: str | None, timeout_seconds: int | None
                   ) -> StreamingResponse:
    """Called in a worker thread: bad selectors and a too-old resourceVersion raise
    here, so they answer with a Status instead of a broken stream."""
    store = state.store
    matches = object_filter(info, label_selector, field_selector)
    replay = resource_version not in (None, "", "0")
    first: Iterator[WatchEvent] | None = None
    if replay:
        first = store.watch(info.api_version, info.kind, namespace, since=resource_version,
                            timeout=POLL_SECONDS)
    deadline = None if not timeout_seconds else time.monotonic() + timeout_seconds

    def expired() -> bool:
        return deadline is not None and time.monotonic() >= deadline

    def produce(stopped: Stopped) -> Iterator[bytes]:
        events = first
        since = resource_version or ""
        if events is None:
            token: str | None = None
            while True:
                page = store.list(info.api_version, info.kind, namespace,
                                  label_selector=label_selector, field_selector=field_selector,
                                  limit=LIST_PAGE, continue_token=token)
                since = since if token else page.resource_version
                for obj in page.items:
                    yield _line("ADDED", obj)
                token = page.continue_token
                if not token or stopped():
                    break
        while not (stopped() or expired()):
            if events is None:
                wait = POLL_SECONDS if deadline is None else max(
                    0.0, min(POLL_SECONDS, deadline - time.monotonic()))
                events = store.watch(info.api_version, info.kind, namespace, since=since,
                                     timeout=wait)
            try:
                for event in events:
                    since = event.resource_version
                    if matches(event.object):
                        yield _line(event.type, event.object)
                    if stopped() or expired():
                        return
            except Gone as exc:
                yield _line("ERROR", error_body(exc))
                return
            events = None

    async def body() -> AsyncIterator[bytes]:
        async for chunk in threaded(produce, state.closing, name="treadle-watch"):
            yield chunk

    return StreamingResponse(body(), media_type="application/json",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


__all__ = ["object_filter", "watch_response"]
