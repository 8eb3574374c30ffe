"""A work queue of object keys: each key at most once in line, with delayed re-adds.

Level-triggered reconcilers need only "look at this object again"; many events for
one key while it waits collapse into one reconcile.
"""

from __future__ import annotations

import heapq
import threading
import time
from collections import deque
from collections.abc import Hashable


class WorkQueue:
    def __init__(self) -> None:
        self._ready: deque[Hashable] = deque()
        self._queued: set[Hashable] = set()
        self._busy: set[Hashable] = set()
        self._again: set[Hashable] = set()
        self._delayed: list[tuple[float, int, Hashable]] = []
        self._seq = 0
        self._cond = threading.Condition()
        self._closed = False

    def add(self, key: Hashable) -> None:
        with self._cond:
            if key in self._busy:
                # Reconcile it again once the current pass ends, never twice at once.
                self._again.add(key)
            elif key not in self._queued:
                self._queued.add(key)
                self._ready.append(key)
                self._cond.notify()

    def add_after(self, key: Hashable, seconds: float) -> None:
        if seconds <= 0:
            self.add(key)
            return
        with self._cond:
            self._seq += 1
            heapq.heappush(self._delayed, (time.monotonic() + seconds, self._seq, key))
            self._cond.notify()

    def get(self, timeout: float | None = None) -> Hashable | None:
        """The next ready key (marked busy until `done`), or None on timeout/close."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while True:
                self._promote()
                if self._ready:
                    key = self._ready.popleft()
                    self._queued.discard(key)
                    self._busy.add(key)
                    return key
                if self._closed:
                    return None
                wait = self._delayed[0][0] - time.monotonic() if self._delayed else None
                if deadline is not None:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return None
                    wait = left if wait is None else min(wait, left)
                self._cond.wait(wait)

    def done(self, key: Hashable) -> None:
        with self._cond:
            self._busy.discard(key)
            if key in self._again:
                self._again.discard(key)
                if key not in self._queued:
                    self._queued.add(key)
                    self._ready.append(key)
                    self._cond.notify()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def __len__(self) -> int:
        with self._cond:
            return len(self._ready) + len(self._delayed)

    def in_progress(self) -> int:
        with self._cond:
            return len(self._busy)

    def _promote(self) -> None:
        now = time.monotonic()
        while self._delayed and self._delayed[0][0] <= now:
            _, _, key = heapq.heappop(self._delayed)
            if key not in self._queued and key not in self._busy:
                self._queued.add(key)
                self._ready.append(key)
            elif key in self._busy:
                self._again.add(key)
