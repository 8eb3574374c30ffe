"""The embedded Store: Kubernetes-style objects in one SQLite file.

Several processes (a CLI and a server) may open the same file; each write is one
`BEGIN IMMEDIATE` transaction, committed before the call returns (see `_db.py` for
why that survives `kill -9` and power loss). Threads of one process share a small
pool of connections and queue their writes on one lock.

resourceVersion is a global counter: every created, modified or deleted object
takes the next value, and the change is appended to a history table that `watch`
reads. The history keeps the newest `history` changes; watching from before that
raises Gone, as a compacted Kubernetes API server does. Because it is one counter,
the store is also a `ChangeFeed` (store/base.py): `watch_all` follows every kind at
once and `head` names the newest change. A delete cascades to its dependants in its
own transaction, sooner than the Store contract requires.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from treadle.core.names import GENERATED_SUFFIX_ALPHABET, GENERATED_SUFFIX_LENGTH, generate_name
from treadle.errors import AlreadyExists, BadRequest, Conflict, NotFound

from . import _history as history
from . import _metadata as md
from ._db import (
    FileState,
    Synchronous,
    abandon,
    connect,
    ensure_schema,
    file_state,
    storage_errors,
)
from ._listing import build_list_query, decode_continue, encode_continue
from .base import Obj, Page, WatchEvent, parse_resource_version

_MAX_IDLE_CONNECTIONS = 8
_GENERATE_NAME_ATTEMPTS = 16


# `SqliteStore.list` hides the builtin inside the class body.
_Rows = list["_Row"]
_Values = list[Any]
_Kinds = list[tuple[str, str]]


@dataclass(frozen=True)
class _Row:
    id: int
    uid: str
    rv: int
    body: Obj


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _random_suffix() -> str:
    alphabet = GENERATED_SUFFIX_ALPHABET
    return "".join(secrets.choice(alphabet) for _ in range(GENERATED_SUFFIX_LENGTH))


class SqliteStore:
    """A `Store` in the SQLite file at `path` (created with its directory if missing),
    and a `ChangeFeed`, `StoreSummary` and `OrderedListing` (store/base.py).

    Options: `history`, how many changes `watch` can replay; `synchronous`, "FULL"
    (default) or "NORMAL" (survives a killed process but maybe not a power cut);
    `busy_timeout`, how long a write waits for another process's transaction;
    `poll_interval`, how often a watch looks for writes made by other processes
    (writes through this process wake it at once); `clock` and `random_suffix`
    feed creationTimestamp and generateName.

    Safe to share between threads. A watch iterator has its own connection and may
    be advanced from any thread, one at a time.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        history: int = 10_000,
        synchronous: Synchronous = "FULL",
        busy_timeout: float = 10.0,
        poll_interval: float = 0.025,
        clock: Callable[[], datetime] = _utc_now,
        random_suffix: Callable[[], str] = _random_suffix,
    ) -> None:
        if history < 1:
            raise ValueError("history must keep at least one change")
        self._path = Path(path)
        with storage_errors(self._path):
            self._path.parent.mkdir(parents=True, exist_ok=True)
        self._history = history
        self._synchronous: Synchronous = synchronous
        self._busy_timeout = busy_timeout
        self._poll_interval = poll_interval
        self._clock = clock
        self._random_suffix = random_suffix
        self._shared: FileState = file_state(self._path)
        self._idle: list[sqlite3.Connection] = []
        self._closed = False
        conn = self._connect()
        try:
            with storage_errors(self._path):
                ensure_schema(conn)
        except BaseException:
            conn.close()
            raise
        self._idle.append(conn)

    @property
    def path(self) -> Path:
        return self._path

    # --- connections and transactions --------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        with storage_errors(self._path):
            return connect(
                self._path, busy_timeout=self._busy_timeout, synchronous=self._synchronous
            )

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        if self._closed:
            raise RuntimeError(f"store {self._path} is closed")
        try:
            conn = self._idle.pop()  # list.pop and append are atomic: no lock needed
        except IndexError:
            conn = self._connect()
        try:
            with storage_errors(self._path):
                yield conn
        finally:
            abandon(conn)
            if self._closed or len(self._idle) >= _MAX_IDLE_CONNECTIONS:
                conn.close()
            else:
                self._idle.append(conn)

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: every query inside sees one snapshot."""
        with self._connection() as conn:
            conn.execute("BEGIN")
            yield conn
            conn.execute("COMMIT")

    @contextmanager
    def _write(self, *, dry_run: bool = False) -> Iterator[sqlite3.Connection]:
        """A write transaction, committed (durably) when the block ends without error;
        with `dry_run` rolled back instead, so the write is checked as a real one
        (names taken, resourceVersions, constraints) and leaves no trace."""
        with self._shared.write_lock, self._connection() as conn:
            conn.execute("BEGIN IMMEDIATE")
            before = history.head(conn)
            yield conn
            if dry_run:
                abandon(conn)
                return
            written = history.kinds_after(conn, before)
            history.trim(conn, self._history)
            conn.execute("COMMIT")
        self._shared.notify(written)

    def close(self) -> None:
        """Release the connections. Watches of this store end at their next poll."""
        self._closed = True
        while self._idle:
            self._idle.pop().close()
        self._shared.notify()

    def __enter__(self) -> SqliteStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # --- reads -------------------------------------------------------------------

    def get(self, api_version: str, kind: str, namespace: str | None, name: str) -> Obj:
        """The stored object. `namespace` None means "default" (ignored for
        cluster-scoped kinds). Raises NotFound."""
        ns = md.scope(api_version, kind, namespace)
        with self._connection() as conn:
            row = self._find(conn, api_version, kind, ns, name)
        if row is None:
            raise NotFound(f"{md.describe(kind, ns, name)} not found")
        return row.body

    def list(
        self,
        api_version: str,
        kind: str,
        namespace: str | None = None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        limit: int | None = None,
        continue_token: str | None = None,
    ) -> Page:
        """Objects of one kind ordered by (namespace, name); `namespace` None or ""
        lists every namespace. `limit` None or 0: everything. Raises BadRequest for
        a malformed selector or continue token.

        Pages are not a snapshot: an object created behind the page position after
        the first page is not seen, one created ahead of it is."""
        return self.list_ordered(
            api_version,
            kind,
            namespace,
            label_selector=label_selector,
            field_selector=field_selector,
            limit=limit,
            continue_token=continue_token,
        )

    def list_ordered(
        self,
        api_version: str,
        kind: str,
        namespace: str | None = None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        limit: int | None = None,
        continue_token: str | None = None,
        newest_first: bool = False,
        name_contains: str | None = None,
    ) -> Page:
        """`list`, or newest first (store/base.py OrderedListing): in row order,
        which is creation order, so a page stops after `limit` rows of an index
        walk however many objects the kind has. `name_contains` keeps names with
        that substring."""
        if limit is not None and limit < 0:
            raise BadRequest(f"limit must not be negative, got {limit}")
        position = decode_continue(continue_token) if continue_token else None
        if position is not None and (position[2] is not None) != newest_first:
            # A token marks a place in one order; in the other it means nothing.
            raise BadRequest(
                "the continue token belongs to a list in another order: page on with the same order"
            )
        after = position[:2] if position else None
        created_before = position[2] if position else None
        ns = md.scope(api_version, kind, namespace) if namespace else None
        query = build_list_query(
            api_version,
            kind,
            ns,
            label_selector=label_selector,
            field_selector=field_selector,
            after=after,
            newest_first=newest_first,
            created_before=created_before,
            name_contains=name_contains,
        )
        sql, params = query.sql(limit + 1 if limit else None)
        with self._read() as conn:
            head = history.head(conn)
            rows = conn.execute(sql, params).fetchall()
        token = None
        if limit and len(rows) > limit:
            rows = rows[:limit]
            last = rows[-1]
            token = encode_continue(last[0], last[1], last[3] if newest_first else None)
        return Page([json.loads(r[2]) for r in rows], str(head), token)

    def head(self) -> str:
        """The resourceVersion of the newest change ("0" for an empty store)."""
        with self._connection() as conn:
            return str(history.head(conn))

    # --- summaries (store/base.py StoreSummary) ------------------------------------
    # One indexed query each, where listing through the interface reads every object.

    def namespaces_in_use(self) -> set[str]:
        """Every namespace at least one stored object lives in."""
        with self._read() as conn:
            rows = conn.execute(
                "SELECT DISTINCT namespace FROM objects WHERE namespace != ''"
            ).fetchall()
        return {r[0] for r in rows}

    def kinds_in(self, namespace: str) -> _Kinds:
        """(apiVersion, kind) of every kind with objects in `namespace`, sorted."""
        with self._read() as conn:
            rows = conn.execute(
                "SELECT DISTINCT api_version, kind FROM objects WHERE namespace = ?",
                (namespace,),
            ).fetchall()
        return sorted((r[0], r[1]) for r in rows)

    def count_by_phase(self, api_version: str, kind: str) -> dict[str, int]:
        """How many objects of a kind are in each `status.phase` ("" for none yet)."""
        with self._read() as conn:
            rows = conn.execute(
                "SELECT phase, count(*) FROM objects WHERE api_version = ? AND kind = ?"
                " GROUP BY phase",
                (api_version, kind),
            ).fetchall()
        return {r[0]: int(r[1]) for r in rows}

    # --- writes ------------------------------------------------------------------

    def create(self, obj: Obj, *, dry_run: bool = False) -> Obj:
        """Store a new object and return it as stored.

        Fills metadata.name from generateName (prefix + 5 random lower-case
        alphanumerics, another draw on collision), namespace ("default" when absent
        on a namespaced kind), uid, resourceVersion, generation 1 and
        creationTimestamp; drops `status` (only `update_status` writes it).
        Raises ValidationError (bad name, labels, ownerReferences) and AlreadyExists.
        `dry_run`: the same checks and answer, nothing stored, no resourceVersion.
        """
        body, prefix = md.prepare_create(obj)
        api_version, kind = body["apiVersion"], body["kind"]
        ns = body["metadata"]["namespace"]
        with self._write(dry_run=dry_run) as conn:
            if prefix is None:
                name = body["metadata"]["name"]
                if self._find(conn, api_version, kind, ns, name) is not None:
                    raise AlreadyExists(f"{md.describe(kind, ns, name)} already exists")
            else:
                name = self._free_generated_name(conn, api_version, kind, ns, prefix)
            rv = history.next_rv(conn)
            md.stamp_created(
                body,
                name=name,
                uid=str(uuid.uuid4()),
                resource_version=rv,
                timestamp=self._clock().strftime("%Y-%m-%dT%H:%M:%SZ"),
            )
            cursor = conn.execute(
                "INSERT INTO objects (api_version, kind, namespace, name, uid, rv, phase, body)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (api_version, kind, ns, name, body["metadata"]["uid"], rv, "", json.dumps(body)),
            )
            assert cursor.lastrowid is not None
            self._index(conn, cursor.lastrowid, body)
            history.append(conn, rv, "ADDED", body)
        if dry_run:
            # The version it took was rolled back and will name another write: a
            # client must not take it for this object's.
            del body["metadata"]["resourceVersion"]
        return body

    def update(self, obj: Obj, *, dry_run: bool = False) -> Obj:
        """Replace metadata (labels, annotations, ownerReferences …) and everything
        outside metadata and status; identity, system fields and status stay as
        stored. A metadata.resourceVersion (or uid) that is given must match the
        stored one, or Conflict. A change outside metadata and status bumps
        generation. An update that changes nothing writes nothing and returns the
        stored object. Raises NotFound, Conflict, ValidationError. `dry_run`: the
        same checks and answer, nothing stored, the stored resourceVersion kept."""
        api_version, kind, ns, name = md.identity(obj)
        with self._write(dry_run=dry_run) as conn:
            row = self._existing(conn, api_version, kind, ns, name, obj)
            body = md.merge_update(row.body, obj)
            if body == row.body:
                return body
            body = self._replace(conn, row, body, reindex=True)
        if dry_run:
            # As for create: the version taken was rolled back. Keeping the stored
            # one means a later update based on this answer is checked against
            # what really is stored.
            body["metadata"]["resourceVersion"] = str(row.rv)
        return body

    def update_status(self, obj: Obj) -> Obj:
        """Replace only `status` (absent or null removes it); same resourceVersion
        rule as `update`. Generation does not change. Raises NotFound, Conflict."""
        api_version, kind, ns, name = md.identity(obj)
        with self._write() as conn:
            row = self._existing(conn, api_version, kind, ns, name, obj)
            body = md.merge_status(row.body, obj)
            if body == row.body:
                return body
            return self._replace(conn, row, body, reindex=False)

    def delete(self, api_version: str, kind: str, namespace: str | None, name: str) -> Obj:
        """Delete the object and, in the same transaction, every object it owns,
        recursively (breadth first, owner before dependants, one DELETED change
        each): when it returns, the cascade is complete (the Store contract only
        promises it eventually). As Kubernetes' garbage collector does, a
        dependant that still has another existing owner is kept, minus the
        reference to the deleted one. Returns the deleted object, at the
        resourceVersion of its deletion. Raises NotFound."""
        ns = md.scope(api_version, kind, namespace)
        with self._write() as conn:
            row = self._find(conn, api_version, kind, ns, name)
            if row is None:
                raise NotFound(f"{md.describe(kind, ns, name)} not found")
            deleted = self._remove(conn, row)
            owners = deque([row.uid])
            while owners:
                owner_uid = owners.popleft()
                for child in self._owned_by(conn, owner_uid):
                    others = [u for u in md.owner_uids(child.body) if u != owner_uid]
                    if self._any_exists(conn, others):
                        self._drop_owner(conn, child, owner_uid)
                    else:
                        self._remove(conn, child)
                        owners.append(child.uid)
        return deleted

    # --- watch -------------------------------------------------------------------

    def watch(
        self,
        api_version: str,
        kind: str,
        namespace: str | None = None,
        *,
        since: str | None = None,
        timeout: float | None = None,
    ) -> Iterator[WatchEvent]:
        """Changes of one kind after resourceVersion `since` (None or "": from now,
        beyond the contract) in order, in `namespace` (None or "": all; ignored for
        a cluster-scoped kind). The iterator ends once `timeout` seconds pass
        without an event (None: when the store is closed).

        Raises Gone (here, not at the first `next`) if `since` is older than the
        history kept, and later if the consumer falls that far behind; BadRequest if
        `since` is not a resourceVersion. Never takes a write lock: it reads the
        history table, waking at once on this process's writes and within
        `poll_interval` on other processes' (`PRAGMA data_version`).
        """
        scoped = md.scope(api_version, kind, namespace) if namespace else ""
        # All namespaces when none is given, or for a cluster-scoped kind.
        wanted = history.Filter(api_version, kind, scoped or None)
        return self._stream(wanted, since, timeout)

    def watch_all(
        self,
        namespace: str | None = None,
        *,
        since: str | None = None,
        timeout: float | None = None,
    ) -> Iterator[WatchEvent]:
        """As `watch`, but the changes of every kind, in resourceVersion order
        (store/base.py `ChangeFeed`); a namespace keeps only objects in it."""
        return self._stream(history.Filter(None, None, namespace or None), since, timeout)

    def _stream(
        self, wanted: history.Filter, since: str | None, timeout: float | None
    ) -> Iterator[WatchEvent]:
        conn = self._connect()
        try:
            with storage_errors(self._path):
                newest, trimmed = history.positions(conn)
            start = parse_resource_version(since) if since else newest
            if start < trimmed:
                raise history.gone(start, trimmed)
        except BaseException:
            conn.close()
            raise
        return history.stream(
            conn,
            wanted,
            start,
            timeout=timeout,
            poll_interval=self._poll_interval,
            shared=self._shared,
            closed=lambda: self._closed,
        )

    # --- internals ---------------------------------------------------------------

    def _find(
        self, conn: sqlite3.Connection, api_version: str, kind: str, namespace: str, name: str
    ) -> _Row | None:
        row = conn.execute(
            "SELECT id, uid, rv, body FROM objects"
            " WHERE api_version = ? AND kind = ? AND namespace = ? AND name = ?",
            (api_version, kind, namespace, name),
        ).fetchone()
        return None if row is None else _Row(row[0], row[1], row[2], json.loads(row[3]))

    def _existing(
        self,
        conn: sqlite3.Connection,
        api_version: str,
        kind: str,
        namespace: str,
        name: str,
        incoming: Obj,
    ) -> _Row:
        """The stored row an update targets, after checking its preconditions."""
        row = self._find(conn, api_version, kind, namespace, name)
        what = md.describe(kind, namespace, name)
        if row is None:
            raise NotFound(f"{what} not found")
        meta = incoming.get("metadata") or {}
        given_rv = meta.get("resourceVersion")
        if given_rv not in (None, "") and str(given_rv) != str(row.rv):
            raise Conflict(
                f"{what} was modified (resourceVersion {row.rv}, not {given_rv}): "
                "get it again and reapply the change"
            )
        given_uid = meta.get("uid")
        if given_uid and given_uid != row.uid:
            raise Conflict(f"{what} was deleted and created again (uid {row.uid}, not {given_uid})")
        return row

    def _free_generated_name(
        self, conn: sqlite3.Connection, api_version: str, kind: str, namespace: str, prefix: str
    ) -> str:
        for _ in range(_GENERATE_NAME_ATTEMPTS):
            name = generate_name(prefix, self._random_suffix())
            if self._find(conn, api_version, kind, namespace, name) is None:
                return name
        raise AlreadyExists(
            f'{kind} names generated from "{prefix}" in "{namespace}" keep colliding; '
            "try again or choose a longer prefix"
        )

    def _replace(self, conn: sqlite3.Connection, row: _Row, body: Obj, *, reindex: bool) -> Obj:
        rv = history.next_rv(conn)
        body["metadata"]["resourceVersion"] = str(rv)
        conn.execute(
            "UPDATE objects SET rv = ?, phase = ?, body = ? WHERE id = ?",
            (rv, md.phase_of(body), json.dumps(body), row.id),
        )
        if reindex:
            self._unindex(conn, row.id)
            self._index(conn, row.id, body)
        history.append(conn, rv, "MODIFIED", body)
        return body

    def _remove(self, conn: sqlite3.Connection, row: _Row) -> Obj:
        rv = history.next_rv(conn)
        body = row.body
        body["metadata"]["resourceVersion"] = str(rv)
        conn.execute("DELETE FROM objects WHERE id = ?", (row.id,))
        self._unindex(conn, row.id)
        history.append(conn, rv, "DELETED", body)
        return body

    def _drop_owner(self, conn: sqlite3.Connection, row: _Row, owner_uid: str) -> None:
        body = json.loads(json.dumps(row.body))
        meta = body["metadata"]
        meta["ownerReferences"] = [r for r in meta["ownerReferences"] if r["uid"] != owner_uid]
        self._replace(conn, row, body, reindex=True)

    def _index(self, conn: sqlite3.Connection, object_id: int, body: Obj) -> None:
        conn.executemany(
            "INSERT INTO labels (object_id, key, value) VALUES (?, ?, ?)",
            [(object_id, k, v) for k, v in md.labels_of(body).items()],
        )
        conn.executemany(
            "INSERT INTO owners (owner_uid, object_id) VALUES (?, ?)",
            [(uid, object_id) for uid in md.owner_uids(body)],
        )

    def _unindex(self, conn: sqlite3.Connection, object_id: int) -> None:
        conn.execute("DELETE FROM labels WHERE object_id = ?", (object_id,))
        conn.execute("DELETE FROM owners WHERE object_id = ?", (object_id,))

    def _owned_by(self, conn: sqlite3.Connection, owner_uid: str) -> _Rows:
        rows = conn.execute(
            "SELECT o.id, o.uid, o.rv, o.body FROM owners AS w"
            " JOIN objects AS o ON o.id = w.object_id WHERE w.owner_uid = ?"
            " ORDER BY o.namespace, o.name",
            (owner_uid,),
        ).fetchall()
        return [_Row(r[0], r[1], r[2], json.loads(r[3])) for r in rows]

    def _any_exists(self, conn: sqlite3.Connection, uids: _Values) -> bool:
        if not uids:
            return False
        marks = ", ".join("?" * len(uids))
        row = conn.execute(f"SELECT 1 FROM objects WHERE uid IN ({marks}) LIMIT 1", uids)
        return row.fetchone() is not None
