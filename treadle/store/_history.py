"""The embedded store's change history: the resourceVersion counter, the table of
recent changes, and how a watch reads it.

Every change takes the next resourceVersion and appends one row, inside the write
transaction that makes it, so the history has no gaps and commits in
resourceVersion order (SQLite runs one writer at a time). A watch therefore only
needs "rows after the last one I saw, up to the head".
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from treadle.errors import Gone

from ._db import FileState
from .base import EventType, Obj, WatchEvent

BATCH = 500
"""Changes read per query; a backlog is read batch by batch without waiting."""

_EVENT_TYPES: dict[str, EventType] = {
    "ADDED": "ADDED",
    "MODIFIED": "MODIFIED",
    "DELETED": "DELETED",
}


def head(conn: sqlite3.Connection) -> int:
    """The newest resourceVersion (0 for an empty store)."""
    return int(conn.execute("SELECT value FROM meta WHERE key = 'rv'").fetchone()[0])


def positions(conn: sqlite3.Connection) -> tuple[int, int]:
    """(newest resourceVersion, newest one trimmed from the history)."""
    values = dict(
        conn.execute("SELECT key, value FROM meta WHERE key IN ('rv', 'trimmed_through')")
    )
    return int(values["rv"]), int(values["trimmed_through"])


def next_rv(conn: sqlite3.Connection) -> int:
    """Take the next resourceVersion (inside a write transaction)."""
    row = conn.execute("UPDATE meta SET value = value + 1 WHERE key = 'rv' RETURNING value")
    return int(row.fetchone()[0])


def append(conn: sqlite3.Connection, rv: int, type_: EventType, body: Obj) -> None:
    """Record that `body` was ADDED, MODIFIED or DELETED at `rv`."""
    conn.execute(
        "INSERT INTO changes (rv, type, api_version, kind, namespace, object)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (
            rv,
            type_,
            body["apiVersion"],
            body["kind"],
            body["metadata"].get("namespace", ""),
            json.dumps(body),
        ),
    )


def kinds_after(conn: sqlite3.Connection, rv: int) -> list[tuple[str, str]]:
    """(apiVersion, kind) of the changes after `rv` (in a write transaction: what it
    wrote, so that only the watches of those kinds are woken)."""
    rows = conn.execute("SELECT DISTINCT api_version, kind FROM changes WHERE rv > ?", (rv,))
    return [(r[0], r[1]) for r in rows]


def trim(conn: sqlite3.Connection, keep: int) -> None:
    """Forget all but the newest `keep` changes (inside a write transaction)."""
    cutoff = head(conn) - keep
    if cutoff > 0:
        conn.execute("DELETE FROM changes WHERE rv <= ?", (cutoff,))
        # Conditional, so a transaction that trims nothing writes nothing more.
        conn.execute(
            "UPDATE meta SET value = ? WHERE key = 'trimmed_through' AND value < ?",
            (cutoff, cutoff),
        )


def gone(since: int, trimmed: int) -> Gone:
    return Gone(
        f"resourceVersion {since} is too old: the history starts after {trimmed}; "
        "list again and watch from the list's resourceVersion"
    )


@dataclass(frozen=True)
class Filter:
    """Which changes a watch wants; None matches anything."""

    api_version: str | None = None
    kind: str | None = None
    namespace: str | None = None

    def query(self) -> tuple[str, list[Any]]:
        """SQL for the changes in (after, upto], and its parameters after those two."""
        where, params = ["rv > ?", "rv <= ?"], []
        for column in ("api_version", "kind", "namespace"):
            value = getattr(self, column)
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        sql = f"SELECT rv, type, object FROM changes WHERE {' AND '.join(where)}"
        return f"{sql} ORDER BY rv LIMIT {BATCH}", params


def stream(
    conn: sqlite3.Connection,
    wanted: Filter,
    last: int,
    *,
    timeout: float | None,
    poll_interval: float,
    shared: FileState,
    closed: Callable[[], bool],
) -> Iterator[WatchEvent]:
    """Yield the wanted changes after `last`, for as long as one arrives within
    `timeout` seconds (None: until `closed()`). Owns `conn` and closes it.

    It holds no lock between reads. It wakes when `shared` is notified of a write
    in this process (of the wanted kind, when it wants one) or every `poll_interval`
    seconds, and only queries the history when `PRAGMA data_version` says some
    other connection has committed.
    """
    sql, params = wanted.query()
    kind = (wanted.api_version, wanted.kind) if wanted.api_version and wanted.kind else None

    def new_deadline() -> float | None:
        return None if timeout is None else time.monotonic() + timeout

    deadline = new_deadline()
    seen_version: int | None = None
    try:
        while not closed():
            ticket = shared.ticket()
            version = conn.execute("PRAGMA data_version").fetchone()[0]
            if version != seen_version:
                seen_version = version
                conn.execute("BEGIN")
                try:
                    newest, trimmed = positions(conn)
                    if last < trimmed:
                        raise gone(last, trimmed)
                    rows = conn.execute(sql, [last, newest, *params]).fetchall()
                finally:
                    conn.execute("COMMIT")
                if len(rows) == BATCH:
                    last, seen_version = rows[-1][0], None  # more to read at once
                else:
                    last = newest
                for rv, type_, obj in rows:
                    yield WatchEvent(_EVENT_TYPES[type_], json.loads(obj), str(rv))
                if rows:
                    deadline = new_deadline()
                    continue
            wait = poll_interval
            if deadline is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return
                wait = min(wait, remaining)
            shared.wait(ticket, wait, kind)
    finally:
        conn.close()
