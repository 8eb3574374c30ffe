"""Prometheus metrics of one server (`GET /metrics`).

- `treadle_workflowruns{phase}`: runs in the store by phase (read at scrape time).
- `treadle_step_duration_seconds{result}`: how long finished steps (containers) ran,
  seen by a watch on Pods while this server is up.
- `treadle_controller_queue_depth`, `treadle_controller_running`,
  `treadle_reconcile_seconds` (count and sum of reconciles) of the in-process controller.
- `treadle_http_requests_total{method,code}` and
  `treadle_http_request_duration_seconds{method}` of the API.

Each server has its own registry, so several servers in one process (tests) do not
share numbers.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric, SummaryMetricFamily
from prometheus_client.registry import Collector

from ..api.objects import GROUP_VERSION
from ..client.storeinfo import count_by_phase
from ..errors import Gone
from ..store.base import ChangeFeed, Obj, Store, WatchEvent, current_resource_version
from .auth import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("treadle.server")

RUN_PHASES = ("Pending", "Running", "Succeeded", "Failed")
STEP_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 14400)


class _StoreCollector(Collector):
    def __init__(
        self, store: Store, controller: Callable[[], tuple[bool, int, int, float]]
    ) -> None:
        self._store = store
        self._controller = controller

    def collect(self) -> Iterable[Metric]:
        runs = GaugeMetricFamily(
            "treadle_workflowruns", "WorkflowRuns in the store by phase", labels=["phase"]
        )
        counts = count_by_phase(self._store, GROUP_VERSION, "WorkflowRun")
        counts["Pending"] = counts.get("Pending", 0) + counts.pop("", 0)
        for phase in sorted(set(RUN_PHASES) | set(counts)):
            runs.add_metric([phase], counts.get(phase, 0))
        yield runs
        running, depth, reconciles, seconds = self._controller()
        yield GaugeMetricFamily(
            "treadle_controller_running",
            "1 when this server drives the runs of its data directory",
            value=1 if running else 0,
        )
        yield GaugeMetricFamily(
            "treadle_controller_queue_depth", "Objects waiting for a reconcile", value=depth
        )
        yield SummaryMetricFamily(
            "treadle_reconcile_seconds",
            "Time spent reconciling",
            count_value=reconciles,
            sum_value=seconds,
        )


class Metrics:
    def __init__(
        self, store: Store, controller: Callable[[], tuple[bool, int, int, float]]
    ) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.registry.register(_StoreCollector(store, controller))
        self.step_seconds = Histogram(
            "treadle_step_duration_seconds",
            "How long finished steps ran",
            ["result"],
            buckets=STEP_BUCKETS,
            registry=self.registry,
        )
        self.requests = Counter(
            "treadle_http_requests_total",
            "API requests answered",
            ["method", "code"],
            registry=self.registry,
        )
        self.request_seconds = Histogram(
            "treadle_http_request_duration_seconds",
            "Time to answer API requests (to the first byte for streams)",
            ["method"],
            registry=self.registry,
        )
        self._store = store
        self._seen: dict[str, set[str]] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # A ChangeFeed's watch is polled here, so its timeout is how often the
        # thread looks at `_stop`. Another store's (an API server's) holds a stream
        # open that would be reopened at every timeout; it is followed without
        # one, and `stop` closes it, which its iterator allows from any thread.
        self._polled = isinstance(store, ChangeFeed)
        self._events: Iterator[WatchEvent] | None = None
        self._events_lock = threading.Lock()

    # -- steps ---------------------------------------------------------------------

    def start(self) -> None:
        """Watch Pods in the background and observe each step's duration when it ends."""
        self._thread = threading.Thread(
            target=self._watch_steps, name="treadle-step-metrics", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        with self._events_lock:
            events = None if self._polled else self._events
        close = getattr(events, "close", None)
        if close is not None:
            close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _follow(self, since: str) -> Iterator[WatchEvent]:
        events = self._store.watch("v1", "Pod", since=since, timeout=1.0 if self._polled else None)
        with self._events_lock:
            self._events = events
        close = getattr(events, "close", None)
        if not self._polled and close is not None and self._stop.is_set():
            close()  # stopped while it was being opened
        return events

    def _watch_steps(self) -> None:
        """Follow v1 Pods with the Store's per-kind watch, from a list's position.
        Steps that end while the watch is behind (Gone) or failing are not counted:
        it picks up from a fresh position, as a scrape-time gauge would not."""
        since: str | None = None
        while not self._stop.is_set():
            try:
                if since is None:
                    since = current_resource_version(self._store, "v1", "Pod")
                for event in self._follow(since):
                    since = event.resource_version
                    self.observe_pod(event.object, deleted=event.type == "DELETED")
                    if self._stop.is_set():
                        return
            except Gone:
                since = None
            except Exception:
                if self._stop.is_set():
                    return
                log.exception("step metrics watch failed; resuming")
                since = None
                self._stop.wait(1.0)

    def observe_pod(self, pod: Obj, *, deleted: bool = False) -> None:
        uid = str((pod.get("metadata") or {}).get("uid", ""))
        if deleted:
            self._seen.pop(uid, None)
            return
        status = pod.get("status") or {}
        seen = self._seen.setdefault(uid, set())
        for entry in [
            *(status.get("initContainerStatuses") or []),
            *(status.get("containerStatuses") or []),
        ]:
            done = (entry.get("state") or {}).get("terminated")
            name = entry.get("name", "")
            if not done or name in seen:
                continue
            seen.add(name)
            seconds = _seconds_between(done.get("startedAt"), done.get("finishedAt"))
            if seconds is not None:
                result = "Succeeded" if done.get("exitCode") == 0 else "Failed"
                self.step_seconds.labels(result).observe(seconds)
        if status.get("phase") in ("Succeeded", "Failed"):
            self._seen.pop(uid, None)


class MetricsMiddleware:
    """Counts and times API requests (a stream is timed to its first byte)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        method = scope.get("method", "GET")
        metrics = self.metrics

        async def send_counted(message: Message) -> None:
            if message["type"] == "http.response.start":
                metrics.requests.labels(method, str(message["status"])).inc()
                metrics.request_seconds.labels(method).observe(time.perf_counter() - started)
            await send(message)

        await self.app(scope, receive, send_counted)


def _seconds_between(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    try:
        a = datetime.fromisoformat(start.replace("Z", "+00:00"))
        b = datetime.fromisoformat(end.replace("Z", "+00:00"))
    except ValueError:
        return None
    return max(0.0, (b - a).total_seconds())


__all__ = ["RUN_PHASES", "Metrics", "MetricsMiddleware"]
