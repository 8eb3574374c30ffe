"""Questions about the whole store that the Store interface has no call for: which
namespaces hold objects, which kinds one namespace holds, how many runs are in each
phase.

A store that answers them itself (store/base.py StoreSummary, as the embedded SQLite
store does with one indexed query each) is asked; any other store is listed through
the interface, which is correct but slower.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from ..api.kinds import ALL_KINDS
from ..store.base import Obj, Store, StoreSummary


def namespaces_in_use(store: Store) -> set[str]:
    """Every namespace at least one stored object lives in."""
    if isinstance(store, StoreSummary):
        return store.namespaces_in_use()
    found: set[str] = set()
    for info in ALL_KINDS:
        if info.namespaced:
            found |= {_ns(o) for o in _all(store, info.api_version, info.kind, None)}
    return found


def kinds_in(store: Store, namespace: str) -> list[tuple[str, str]]:
    """(apiVersion, kind) of every kind with objects in `namespace`, registered or not."""
    if isinstance(store, StoreSummary):
        return store.kinds_in(namespace)
    return [
        (i.api_version, i.kind)
        for i in ALL_KINDS
        if i.namespaced and store.list(i.api_version, i.kind, namespace, limit=1).items
    ]


def count_by_phase(store: Store, api_version: str, kind: str) -> dict[str, int]:
    """How many objects of a kind are in each `status.phase` ("" for none yet)."""
    if isinstance(store, StoreSummary):
        return store.count_by_phase(api_version, kind)
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
