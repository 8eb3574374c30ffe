"""The SQLite file under the embedded store: schema, connection settings, and the
per-file state shared by every store object of one process.

Durability: WAL journal with `synchronous=FULL`. In WAL mode `NORMAL` already
survives a killed process (committed pages are in the WAL file, which the OS keeps
when the process dies); `FULL` adds an fsync of the WAL at every commit, so an
acknowledged write also survives a power cut or an OS crash. A commit costs one
fsync and reads cost nothing extra; "created" and "event queued" must mean it.

Failures that concern the data directory (a full disk, a read-only mount, a
directory that cannot be made) leave through `storage_errors` as `StorageError`s
naming it, never as raw sqlite3 errors.
"""

from __future__ import annotations

import sqlite3
import threading
import weakref
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

from ..errors import storage_error

Synchronous = Literal["FULL", "NORMAL"]

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT OR IGNORE INTO meta (key, value) VALUES ('rv', 0), ('trimmed_through', 0);

CREATE TABLE IF NOT EXISTS objects (
    id          INTEGER PRIMARY KEY,
    api_version TEXT NOT NULL,
    kind        TEXT NOT NULL,
    namespace   TEXT NOT NULL,   -- '' for cluster-scoped kinds
    name        TEXT NOT NULL,
    uid         TEXT NOT NULL UNIQUE,
    rv          INTEGER NOT NULL,
    phase       TEXT NOT NULL,   -- status.phase or '': field selectors without JSON
    body        TEXT NOT NULL
);
-- Lists walk this index in (namespace, name) order and page by a range on it.
CREATE UNIQUE INDEX IF NOT EXISTS objects_key
    ON objects (api_version, kind, namespace, name);
-- Newest-first lists (the console's run list) walk this one: id grows with creation.
CREATE INDEX IF NOT EXISTS objects_created
    ON objects (api_version, kind, namespace, id);
CREATE INDEX IF NOT EXISTS objects_phase
    ON objects (api_version, kind, phase, namespace, name);
CREATE INDEX IF NOT EXISTS objects_involved_uid
    ON objects (json_extract(body, '$.involvedObject.uid'))
    WHERE kind = 'Event';

-- One row per label, so a selector is an index lookup, not a JSON scan.
CREATE TABLE IF NOT EXISTS labels (
    object_id INTEGER NOT NULL,
    key       TEXT NOT NULL,
    value     TEXT NOT NULL,
    PRIMARY KEY (object_id, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS labels_key_value ON labels (key, value, object_id);

-- One row per ownerReference: cascading deletion walks owner_uid.
CREATE TABLE IF NOT EXISTS owners (
    owner_uid TEXT NOT NULL,
    object_id INTEGER NOT NULL,
    PRIMARY KEY (owner_uid, object_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS owners_object ON owners (object_id);

-- The watch history: the newest changes, one per resourceVersion.
CREATE TABLE IF NOT EXISTS changes (
    rv          INTEGER PRIMARY KEY,
    type        TEXT NOT NULL,
    api_version TEXT NOT NULL,
    kind        TEXT NOT NULL,
    namespace   TEXT NOT NULL,
    object      TEXT NOT NULL
);

-- Unused: the controller lease is a Lease object now (controller/leader.py). Kept,
-- so that an older Treadle still finds the table it elects in, in a new database.
CREATE TABLE IF NOT EXISTS leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    renewed_at REAL NOT NULL,
    ttl        REAL NOT NULL
) WITHOUT ROWID;
"""


@contextmanager
def storage_errors(database: Path) -> Iterator[None]:
    """Raise what SQLite or the file system report about the database file at
    `database` as a `StorageError` about its directory; anything else unchanged."""
    try:
        yield
    except (sqlite3.DatabaseError, OSError) as exc:
        translated = storage_error(exc, database.parent)
        if translated is None:
            raise
        raise translated from exc


def finish(conn: sqlite3.Connection) -> None:
    """Commit the open transaction, or roll it back if the commit fails: a failed
    COMMIT (SQLITE_FULL, SQLITE_IOERR) may leave it open, and the connection could
    then begin no other."""
    try:
        conn.execute("COMMIT")
    except BaseException:
        abandon(conn)
        raise


def abandon(conn: sqlite3.Connection) -> None:
    """Roll back the open transaction, if SQLite has not already."""
    if conn.in_transaction:
        conn.execute("ROLLBACK")


def connect(
    path: Path, *, busy_timeout: float, synchronous: Synchronous = "FULL"
) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit `BEGIN`s), usable
    from any thread as long as one thread at a time uses it."""
    conn = sqlite3.connect(
        path, timeout=busy_timeout, isolation_level=None, check_same_thread=False
    )
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute(f"PRAGMA synchronous = {synchronous}")
    return conn


def ensure_schema(conn: sqlite3.Connection) -> None:
    """Create the tables on first use; refuse a file written by a newer Treadle."""
    if conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
        return  # the common case, without taking the write lock
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise RuntimeError(
                f"database schema version {version} is newer than this Treadle "
                f"understands ({SCHEMA_VERSION}); upgrade Treadle"
            )
        if version < SCHEMA_VERSION:
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    except BaseException:
        abandon(conn)
        raise
    finish(conn)


Kind = tuple[str, str]
"""(apiVersion, kind)"""


class FileState:
    """What the store objects of one process share about one database file: a
    lock that queues this process's writers (cheaper and fairer than SQLite's
    sleeping busy handler) and conditions that wake this process's watchers.

    A watch of one kind is woken only by writes of its kind: the controller keeps a
    watch per kind, and waking each of them on every write, to find nothing of
    theirs, would cost every write a thread switch per watch. (Writes by other
    processes are found by polling, whatever their kind.)"""

    def __init__(self) -> None:
        self.write_lock = threading.Lock()
        self._lock = threading.Lock()
        self._any = threading.Condition(self._lock)
        self._of_kind: dict[Kind, threading.Condition] = {}
        self._ticket = 0
        self._written: dict[Kind, int] = {}
        """The ticket of the newest write of each kind."""
        self._everyone = 0
        """The ticket of the newest notify meant for every watch (the store closing)."""

    def ticket(self) -> int:
        """Take before reading; `wait(ticket)` returns at once if a write came since."""
        with self._lock:
            return self._ticket

    def notify(self, kinds: Iterable[Kind] | None = None) -> None:
        """A write of objects of `kinds` committed; None wakes every watch."""
        with self._lock:
            self._ticket += 1
            if kinds is None:
                self._everyone = self._ticket
                for condition in self._of_kind.values():
                    condition.notify_all()
            else:
                for kind in kinds:
                    self._written[kind] = self._ticket
                    waiting = self._of_kind.get(kind)
                    if waiting is not None:
                        waiting.notify_all()
            self._any.notify_all()

    def wait(self, ticket: int, timeout: float, kind: Kind | None = None) -> None:
        """Until a write after `ticket` (of `kind`, when given) or `timeout` seconds."""
        with self._lock:
            if kind is None:
                if self._ticket == ticket:
                    self._any.wait(timeout)
                return
            if max(self._written.get(kind, 0), self._everyone) > ticket:
                return
            condition = self._of_kind.get(kind)
            if condition is None:
                condition = self._of_kind[kind] = threading.Condition(self._lock)
            condition.wait(timeout)


_states: weakref.WeakValueDictionary[str, FileState] = weakref.WeakValueDictionary()
_states_lock = threading.Lock()


def file_state(path: Path) -> FileState:
    key = str(path.resolve())
    with _states_lock:
        state = _states.get(key)
        if state is None:
            state = _states[key] = FileState()
        return state
