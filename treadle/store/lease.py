"""A named lease in the embedded store's database, so that one controller at a
time drives the runs of a data directory.

The holder renews the lease well within `ttl_seconds` (every third of it is the
usual rhythm); once a holder has not renewed for `ttl_seconds`, anyone may take
it. Time is wall-clock seconds (`time.time` unless a clock is given), which every
process on one machine shares.

A holder must stop acting the moment it cannot be sure it still holds the lease:
`held` answers that without a query, from when the last acquire or renew began.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ._db import Synchronous, abandon, connect, ensure_schema, file_state, finish, storage_errors
from .base import Store


def _database_of(store: Store | str | Path) -> Path:
    if isinstance(store, str | Path):
        return Path(store)
    path = getattr(store, "path", None)
    if not isinstance(path, Path):
        raise TypeError(f"a Lease lives in a SQLite store's database, not in {store!r}")
    return path


CONTROLLER_LEASE = "controller"
"""The lease held by the one controller that drives a data directory."""

HELD_FRACTION = 2 / 3
"""Of `ttl_seconds` after an acquire or renew began, how long `held` says yes. The
rest is the margin in which an action that passed the check still finishes before
anyone else may take the lease."""


class Lease:
    """The lease `name` as seen by `holder` (e.g. `host:pid`), kept in the database
    of `store` (a `SqliteStore`, or the path of its file).

    Safe to share between threads. Each call is one short transaction.
    """

    def __init__(
        self,
        store: Store | str | Path,
        name: str,
        holder: str,
        ttl_seconds: float,
        *,
        clock: Callable[[], float] = time.time,
        busy_timeout: float = 10.0,
        synchronous: Synchronous = "FULL",
    ) -> None:
        if ttl_seconds <= 0:
            raise ValueError("ttl_seconds must be positive")
        path = _database_of(store)
        self.name = name
        self.holder_id = holder
        self.ttl_seconds = ttl_seconds
        self._path = path
        self._clock = clock
        self._held_until = float("-inf")
        self._lock = threading.Lock()
        with storage_errors(path):
            path.parent.mkdir(parents=True, exist_ok=True)
            self._shared = file_state(path)
            self._conn = connect(path, busy_timeout=busy_timeout, synchronous=synchronous)
            try:
                ensure_schema(self._conn)
            except BaseException:
                self._conn.close()
                raise

    def acquire(self) -> bool:
        """Take the lease if it is free, expired or already ours; True if we hold it.
        Raises StorageError (a full disk, a read-only data directory)."""
        began = self._clock()
        with self._on_failure_not_held(), self._transaction() as conn:
            row = conn.execute(
                "SELECT holder, renewed_at, ttl FROM leases WHERE name = ?", (self.name,)
            ).fetchone()
            now = self._clock()
            taken = row is not None and row[0] != self.holder_id and row[1] + row[2] > now
            if not taken:
                conn.execute(
                    "INSERT OR REPLACE INTO leases (name, holder, renewed_at, ttl)"
                    " VALUES (?, ?, ?, ?)",
                    (self.name, self.holder_id, now, self.ttl_seconds),
                )
        self._settle(began, held=not taken)
        return not taken

    def renew(self) -> bool:
        """Extend the lease; False if someone else holds it now (or nobody does, after
        a release): the caller must stop acting as holder, as it must when this
        raises (StorageError: the renewal could not be written)."""
        began = self._clock()
        with self._on_failure_not_held(), self._transaction() as conn:
            cursor = conn.execute(
                "UPDATE leases SET renewed_at = ?, ttl = ? WHERE name = ? AND holder = ?",
                (self._clock(), self.ttl_seconds, self.name, self.holder_id),
            )
            renewed = cursor.rowcount == 1
        self._settle(began, held=renewed)
        return renewed

    def release(self) -> None:
        """Give the lease up at once, if we hold it, so a successor need not wait."""
        self._held_until = float("-inf")
        with self._transaction() as conn:
            conn.execute(
                "DELETE FROM leases WHERE name = ? AND holder = ?", (self.name, self.holder_id)
            )

    def held(self) -> bool:
        """Whether this process may still act as the holder, judged without the
        database: the last acquire or renew that succeeded began less than
        `HELD_FRACTION` of `ttl_seconds` ago, and nothing since failed or let go."""
        return self._clock() < self._held_until

    def _settle(self, began: float, *, held: bool) -> None:
        # Counted from when the write began, not ended: the row says `renewed_at` >=
        # `began`, so others see the lease alive at least as long as `held` says.
        self._held_until = began + self.ttl_seconds * HELD_FRACTION if held else float("-inf")

    @contextmanager
    def _on_failure_not_held(self) -> Iterator[None]:
        """A write that failed may or may not have landed: assume the worst."""
        try:
            yield
        except BaseException:
            self._held_until = float("-inf")
            raise

    def holder(self) -> str | None:
        """Who holds the lease now; None if nobody does or the holder let it expire."""
        with self._lock, storage_errors(self._path):
            row = self._conn.execute(
                "SELECT holder, renewed_at, ttl FROM leases WHERE name = ?", (self.name,)
            ).fetchone()
        if row is None or row[1] + row[2] <= self._clock():
            return None
        return str(row[0])

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, queued behind this process's other writers."""
        with self._lock, self._shared.write_lock, storage_errors(self._path):
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                abandon(self._conn)
                raise
            finish(self._conn)
