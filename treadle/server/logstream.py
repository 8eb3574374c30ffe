"""A run's log lines for the API, with what the CLI's `run_logs` lacks for a server:
`sinceSeconds`, steps whose pod has not started yet, and a follow that stops as
soon as its reader is gone instead of when the run ends.

Sources come from `client/runlogs.log_sources`, so the API and the CLI label and
order steps the same way.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta

from starlette.responses import StreamingResponse

from ..api.objects import GROUP_VERSION
from ..client.base import RunLogLine
from ..client.runlogs import FINAL, LogRead, LogSource, log_sources, object_sources
from ..errors import NotFound
from ..store.base import Obj, Store
from .streams import Stopped, threaded

POLL_SECONDS = 0.25


def wanted(source: LogSource, step: str | None) -> bool:
    """`step` names a source label (`node/step`), a step name, or a node prefix."""
    if step is None:
        return True
    return step in (source.label, source.label.split("/")[-1]) or source.label.startswith(
        step + "/"
    )


def check_step(store: Store, run: Obj, step: str | None) -> None:
    """NotFound when `step` matches none of the run's sources (once it has any)."""
    if step is None:
        return
    sources = log_sources(store, run)
    if sources and not any(wanted(s, step) for s in sources):
        known = ", ".join(s.label for s in sources)
        raise NotFound(
            f'WorkflowRun "{run["metadata"]["name"]}" has no step "{step}" (it has: {known})'
        )


def since_time(seconds: int | None) -> str | None:
    if seconds is None:
        return None
    start = datetime.now(UTC) - timedelta(seconds=seconds)
    return start.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def log_lines(
    store: Store,
    read_logs: LogRead,
    namespace: str,
    name: str,
    *,
    step: str | None = None,
    follow: bool = False,
    tail_lines: int | None = None,
    since: str | None = None,
    stopped: Stopped = lambda: False,
    poll: float = POLL_SECONDS,
) -> Iterator[RunLogLine]:
    """Every line of the run's sources, source by source; with `follow`, then new
    lines as they come, until the run has finished and every source is drained, the
    run is deleted, or `stopped()`. `tail_lines` counts per source; `since` (RFC 3339)
    drops older lines."""
    return _lines(
        lambda: store.get(GROUP_VERSION, "WorkflowRun", namespace, name),
        lambda run: log_sources(store, run),
        read_logs,
        step=step,
        follow=follow,
        tail_lines=tail_lines,
        since=since,
        stopped=stopped,
        poll=poll,
    )


def object_log_lines(
    store: Store,
    read_logs: LogRead,
    api_version: str,
    kind: str,
    namespace: str,
    name: str,
    *,
    step: str | None = None,
    follow: bool = False,
    tail_lines: int | None = None,
    since: str | None = None,
    stopped: Stopped = lambda: False,
    poll: float = POLL_SECONDS,
) -> Iterator[RunLogLine]:
    """As `log_lines`, for any other object: its pods' lines (`object_sources`),
    followed until its `status.phase` is final or it is deleted."""
    return _lines(
        lambda: store.get(api_version, kind, namespace, name),
        lambda obj: object_sources(store, obj),
        read_logs,
        step=step,
        follow=follow,
        tail_lines=tail_lines,
        since=since,
        stopped=stopped,
        poll=poll,
    )


def _lines(
    read: Callable[[], Obj],
    sources_of: Callable[[Obj], list[LogSource]],
    read_logs: LogRead,
    *,
    step: str | None,
    follow: bool,
    tail_lines: int | None,
    since: str | None,
    stopped: Stopped,
    poll: float,
) -> Iterator[RunLogLine]:
    seen: dict[LogSource, int] = {}
    while not stopped():
        try:
            obj = read()
        except NotFound:
            return
        finished = (obj.get("status") or {}).get("phase") in FINAL
        for source in [s for s in sources_of(obj) if wanted(s, step)]:
            try:
                lines = read_logs(source, since)
            except NotFound:
                continue  # its pod has not started yet
            start = seen.get(source)
            if start is None:
                start = 0 if tail_lines is None else max(0, len(lines) - tail_lines)
            for line in lines[start:]:
                yield RunLogLine(source.label, line.time, line.text, source.kind)
            seen[source] = max(start, len(lines))
        if not follow or finished:
            return
        deadline = time.monotonic() + poll
        while time.monotonic() < deadline and not stopped():
            time.sleep(min(0.05, poll))


def log_response(
    lines: Callable[[Stopped], Iterator[RunLogLine]], closing: threading.Event, *, name: str
) -> StreamingResponse:
    """Log lines streamed as JSON lines `{source, time, text, kind}`, produced in a
    thread of their own (`name`) that stops when the client goes or the server closes."""

    def produce(stopped: Stopped) -> Iterator[bytes]:
        for line in lines(stopped):
            record = {
                "source": line.source,
                "time": line.time,
                "text": line.text,
                "kind": line.kind,
            }
            yield (json.dumps(record, ensure_ascii=False) + "\n").encode()

    async def body() -> AsyncIterator[bytes]:
        async for chunk in threaded(produce, closing, name=name):
            yield chunk

    return StreamingResponse(
        body(),
        media_type="application/x-ndjson",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


__all__ = ["check_step", "log_lines", "log_response", "object_log_lines", "since_time", "wanted"]
