"""One store watch per kind, shared by every API watch of that kind.

Fifty consoles watching WorkflowRuns must not mean fifty store watches, each waking
on every write and each decoding and re-encoding every object. A `KindHub` runs one
store watch of its kind in a thread, encodes each change as a JSON line once, and
keeps the newest `capacity` changes in memory; API watches read from there in the
event loop, filtering by namespace and selectors, and are woken by the hub.

A watch that starts from an older resourceVersion than the hub holds, or that reads
so slowly that the hub has dropped what it has not read yet, catches up from the
store's own history (`catch_up`) and then joins the hub. Older than the store's
history is Gone, as ever.

A hub follows its kind with the Store's per-kind watch, from a list's
resourceVersion. What it needs beyond the Store contract is order: it keeps changes
sorted by resourceVersion and serves "everything after N" from memory, which only
a `ChangeFeed`'s numbered resourceVersions allow (the embedded store's, which the
server's HTTP API also hands out as numbers). `WatchHubs` refuses any other store
with a TypeError rather than misorder changes; the server of a Kubernetes cluster
makes none, and watches the API server once per stream instead (watch.py).
"""

from __future__ import annotations

import asyncio
import bisect
import itertools
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import Gone
from ..store.base import ChangeFeed, Obj, Store, WatchEvent, current_resource_version

log = logging.getLogger("treadle.server")

CAPACITY = 1024
"""Changes of one kind kept in memory; older ones are read from the store again."""
CATCH_UP_BATCH = 500
POLL_SECONDS = 1.0


@dataclass(frozen=True)
class Change:
    rv: int
    type: str
    namespace: str
    object: Obj
    line: bytes
    """`{"type", "object"}` as one JSON line, encoded once for every reader."""


def change_of(event: WatchEvent) -> Change:
    obj = event.object
    line = json.dumps({"type": event.type, "object": obj}, separators=(",", ":")) + "\n"
    namespace = str((obj.get("metadata") or {}).get("namespace") or "")
    return Change(int(event.resource_version), event.type, namespace, obj, line.encode())


class KindHub:
    """The shared watch of one kind. Thread-safe; readers live in one event loop."""

    def __init__(
        self,
        store: Store,
        api_version: str,
        kind: str,
        closing: threading.Event,
        *,
        capacity: int = CAPACITY,
    ) -> None:
        self.store = store
        self.api_version = api_version
        self.kind = kind
        self._closing = closing
        self._capacity = capacity
        self._lock = threading.Lock()
        self._changes: list[Change] = []
        self._rvs: list[int] = []
        self._floor = int(current_resource_version(store, api_version, kind))
        self._wakers: dict[asyncio.AbstractEventLoop, set[asyncio.Event]] = {}
        self._thread = threading.Thread(
            target=self._run, name=f"treadle-api-hub-{kind}", daemon=True
        )
        self._thread.start()

    @property
    def floor(self) -> int:
        """Every change of the kind after this resourceVersion is in memory."""
        with self._lock:
            return self._floor

    def after(self, rv: int) -> list[Change] | None:
        """The changes in memory after `rv`; None if some after it are no longer in
        memory (read them with `catch_up`)."""
        with self._lock:
            if rv < self._floor:
                return None
            start = bisect.bisect_right(self._rvs, rv)
            return self._changes[start:]

    def catch_up(self, since: int, namespace: str | None) -> tuple[list[Change], int]:
        """Up to a batch of changes after `since` from the store's history (blocking),
        and the position to read on from. Raises Gone when `since` is older than the
        store keeps, BadRequest when it is no resourceVersion."""
        floor = self.floor
        events = self.store.watch(
            self.api_version, self.kind, namespace, since=str(since), timeout=0
        )
        try:
            changes = [change_of(e) for e in itertools.islice(events, CATCH_UP_BATCH)]
        finally:
            close = getattr(events, "close", None)  # a generator: frees its connection
            if close is not None:
                close()
        if len(changes) == CATCH_UP_BATCH:
            return changes, changes[-1].rv
        # The store had nothing more up to its head, which was at least `floor`.
        return changes, max([floor, since, *(c.rv for c in changes[-1:])])

    def waker(self) -> asyncio.Event:
        """An event set whenever changes arrive; `release` it when done."""
        loop = asyncio.get_running_loop()
        event = asyncio.Event()
        with self._lock:
            self._wakers.setdefault(loop, set()).add(event)
        return event

    def readers(self) -> int:
        """How many streams are reading from this hub now."""
        with self._lock:
            return sum(len(events) for events in self._wakers.values())

    def release(self, event: asyncio.Event) -> None:
        with self._lock:
            for events in self._wakers.values():
                events.discard(event)

    def _run(self) -> None:
        since = str(self._floor)
        while not self._closing.is_set():
            try:
                for event in self.store.watch(
                    self.api_version, self.kind, None, since=since, timeout=POLL_SECONDS
                ):
                    since = event.resource_version
                    self._append(change_of(event))
                    if self._closing.is_set():
                        return
            except Gone:
                # Starved for longer than the store's history: readers from before
                # this point must catch up from the store, which will say Gone.
                head = current_resource_version(self.store, self.api_version, self.kind)
                with self._lock:
                    self._changes.clear()
                    self._rvs.clear()
                    self._floor = int(head)
                since = head
            except Exception:
                if self._closing.is_set():
                    return
                log.exception("watch of %s failed; resuming", self.kind)
                self._closing.wait(1.0)

    def _append(self, change: Change) -> None:
        with self._lock:
            self._changes.append(change)
            self._rvs.append(change.rv)
            if len(self._changes) > 2 * self._capacity:
                drop = len(self._changes) - self._capacity
                self._floor = self._rvs[drop - 1]
                del self._changes[:drop]
                del self._rvs[:drop]
            loops = [(loop, list(events)) for loop, events in self._wakers.items() if events]
        for loop, events in loops:
            try:
                loop.call_soon_threadsafe(_wake, events)
            except RuntimeError:  # that loop has closed
                with self._lock:
                    self._wakers.pop(loop, None)


def _wake(events: list[asyncio.Event]) -> None:
    for event in events:
        event.set()


class WatchHubs:
    """The hubs of one server, made on first use. The store must be a `ChangeFeed`
    (see the module's docstring); TypeError otherwise."""

    def __init__(self, store: Store, closing: threading.Event) -> None:
        if not isinstance(store, ChangeFeed):
            raise TypeError(
                f"the server's watches order resourceVersions as numbers, which "
                f"{type(store).__name__} does not promise (it is no ChangeFeed)"
            )
        self._store = store
        self._closing = closing
        self._hubs: dict[tuple[str, str], KindHub] = {}
        self._lock = threading.Lock()

    def hub(self, api_version: str, kind: str) -> KindHub:
        with self._lock:
            hub = self._hubs.get((api_version, kind))
            if hub is None:
                hub = self._hubs[(api_version, kind)] = KindHub(
                    self._store, api_version, kind, self._closing
                )
            return hub


Filter = Callable[[Obj], bool]

__all__ = ["CAPACITY", "Change", "Filter", "KindHub", "WatchHubs", "change_of"]
