"""A work queue of object keys: each key at most once in line, with delayed re-adds.

Level-triggered reconcilers need only "look at this object again"; many events for
one key while it waits collapse into one reconcile. A key whose reconcile keeps
failing is retried later and later (`failed`), so that one object no reconciler can
handle costs a few log lines, not one a second forever.
"""

from __future__ import annotations

import heapq
import threading
import time
from collections import deque
from collections.abc import Hashable

BACKOFF_BASE = 0.5
"""Seconds before the first retry of a key whose reconcile failed."""
BACKOFF_MAX = 300.0
"""The longest wait between retries: a key that fails keeps being retried this often."""


def backoff_seconds(failures: int) -> float:
    """The wait before retrying a key that has failed `failures` times in a row
    (1 or more): doubling from BACKOFF_BASE, at most BACKOFF_MAX."""
    return min(BACKOFF_MAX, BACKOFF_BASE * 2 ** min(failures - 1, 64))


class WorkQueue:
    def __init__(self) -> None:
        self._ready: deque[Hashable] = deque()
        self._queued: set[Hashable] = set()
        self._busy: set[Hashable] = set()
        self._again: set[Hashable] = set()
        self._delayed: list[tuple[float, int, Hashable]] = []
        self._seq = 0
        self._failures: dict[Hashable, int] = {}
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

    def failed(self, key: Hashable) -> float:
        """Count one more failure of `key` in a row; returns the seconds to wait
        before trying it again (the caller re-adds it with `add_after`)."""
        with self._cond:
            failures = self._failures.get(key, 0) + 1
            self._failures[key] = failures
        return backoff_seconds(failures)

    def succeeded(self, key: Hashable) -> None:
        """`key` was reconciled without failing: its next failure waits the least."""
        with self._cond:
            self._failures.pop(key, None)

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
