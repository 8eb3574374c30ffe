"""Questions about the whole store that the Store interface has no call for: which
namespaces hold objects, which kinds one namespace holds, how many runs are in each
phase.

On the embedded SQLite store these are single indexed queries on its file (read
only, in their own connection); on any other store they fall back to listing
through the interface, which is correct but slower. If the Store interface grows
these calls, this module becomes three one-line delegations.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..api.kinds import ALL_KINDS
from ..store.base import Obj, Store
from ..store.sqlite import SqliteStore


@contextmanager
def _reader(store: SqliteStore) -> Iterator[sqlite3.Connection]:
    uri = Path(store.path).resolve().as_uri() + "?mode=ro"
    conn = sqlite3.connect(
        uri, uri=True, timeout=10.0, isolation_level=None, check_same_thread=False
    )
    try:
        conn.execute("PRAGMA busy_timeout = 10000")
        yield conn
    finally:
        conn.close()


def namespaces_in_use(store: Store) -> set[str]:
    """Every namespace at least one stored object lives in."""
    if isinstance(store, SqliteStore):
        with _reader(store) as conn:
            rows = conn.execute("SELECT DISTINCT namespace FROM objects WHERE namespace != ''")
            return {r[0] for r in rows}
    found: set[str] = set()
    for info in ALL_KINDS:
        if info.namespaced:
            found |= {_ns(o) for o in _all(store, info.api_version, info.kind, None)}
    return found


def kinds_in(store: Store, namespace: str) -> list[tuple[str, str]]:
    """(apiVersion, kind) of every kind with objects in `namespace`, registered or not."""
    if isinstance(store, SqliteStore):
        with _reader(store) as conn:
            rows = conn.execute(
                "SELECT DISTINCT api_version, kind FROM objects WHERE namespace = ?", (namespace,)
            )
            return sorted((r[0], r[1]) for r in rows)
    return [
        (i.api_version, i.kind)
        for i in ALL_KINDS
        if i.namespaced and store.list(i.api_version, i.kind, namespace, limit=1).items
    ]


def count_by_phase(store: Store, api_version: str, kind: str) -> dict[str, int]:
    """How many objects of a kind are in each `status.phase` ("" for none yet)."""
    if isinstance(store, SqliteStore):
        with _reader(store) as conn:
            rows = conn.execute(
                "SELECT phase, count(*) FROM objects WHERE api_version = ? AND kind = ?"
                " GROUP BY phase",
                (api_version, kind),
            )
            return {r[0]: int(r[1]) for r in rows}
    return dict(
        Counter(
            ((o.get("status") or {}).get("phase") or "")
            for o in _all(store, api_version, kind, None)
        )
    )


def _all(store: Store, api_version: str, kind: str, namespace: str | None) -> Iterator[Obj]:
    token: str | None = None
    while True:
        page = store.list(api_version, kind, namespace, limit=500, continue_token=token)
        yield from page.items
        token = page.continue_token
        if not token:
            return


def _ns(obj: Obj) -> str:
    return str((obj.get("metadata") or {}).get("namespace") or "default")


def all_objects(store: Store, api_version: str, kind: str, namespace: str | None) -> Iterator[Obj]:
    """Every object of a kind (in one namespace, or all), page by page."""
    return _all(store, api_version, kind, namespace)


__all__ = ["all_objects", "count_by_phase", "kinds_in", "namespaces_in_use"]
