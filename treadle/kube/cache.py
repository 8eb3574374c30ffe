"""The controller's read cache on a cluster: every object of the kinds its Manager
watches, held in memory as the Manager's lists and watches deliver them, as
client-go's informers hold them.

Reconcilers read on every pass; on an API server each read is a request. Through
an `ObjectCache` a `get` or `list` of a kind the Manager has listed is answered
from memory; any other read, and every write, goes to the API server.

What it holds, per kind, follows these rules (tests/kube/test_cache.py):
- the Manager's list of a kind fills it and its watch keeps it, each change applied
  before the Manager queues the keys it touches, so a reconcile never reads older
  than the change that woke it;
- a write through it (create, update, status, delete) is read back at once: its
  answer replaces what is held unless what is held is newer;
- a watch event replaces what is held unless what is held is newer (a write's
  answer can come in after a watch has moved past it);
- a relist (after Gone) replaces the kind's contents, keeping what is newer than
  the list;
- a `get` of what it does not hold asks the API server (an object created a moment
  ago whose event has not come yet); a Conflict or NotFound on a write forgets the
  object, so that the retry reads the API server's.

A read may still be a little behind another client's writes, as an informer's is:
the reconcilers must be (and are) correct with that. A create they repeat is
refused as AlreadyExists and handled; a status write carries the resourceVersion
read, so a stale one is refused as Conflict and the key reconciled again.

"Newer" compares resourceVersions as integers. The Store contract keeps them
opaque, but the API server gives an object the etcd revision of its last write as
its resourceVersion, and a list the revision it was read at; revisions are one
counter across the whole etcd, so of two versions of one object the greater was
written later, and a change with a revision at or below a list's is in that list.
Kubernetes has since made this a promise for objects of one resource (KEP-5504,
"Comparable Resource Version"): the cache compares only within one kind. A
resourceVersion that is not such an integer (an aggregated API of another
storage) makes the cache stop serving that kind: every read of it then goes to
the API server.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ..errors import Conflict, NotFound
from ..store.base import Obj, Page, Store, WatchEvent
from ..store.fields import object_filter
from .store import POD_FIELDS, KubeStore

log = logging.getLogger("treadle.kube")

GroupKind = tuple[str, str]
Key = tuple[str, str]
"""(namespace, name); the namespace "" for a cluster-scoped kind."""


@dataclass
class _Entry:
    revision: int
    obj: Obj
    """A copy of its own, never changed once held; readers get copies of it."""


@dataclass
class _Kind:
    namespaced: bool
    position: int
    """The revision up to which the watch has delivered every change of the kind:
    what is held reflects every write at or below it."""
    objects: dict[str, dict[str, _Entry]] = field(default_factory=dict)
    """namespace → name → entry."""
    deleted: dict[Key, int] = field(default_factory=dict)
    """Objects deleted through the cache, with the revision of the deletion, until
    the watch reaches it: changes at or below it are older than the deletion."""

    def entry(self, key: Key) -> _Entry | None:
        return self.objects.get(key[0], {}).get(key[1])

    def put(self, key: Key, entry: _Entry) -> None:
        self.objects.setdefault(key[0], {})[key[1]] = entry

    def drop(self, key: Key) -> None:
        names = self.objects.get(key[0])
        if names is not None:
            names.pop(key[1], None)
            if not names:
                del self.objects[key[0]]

    def passed(self, revision: int) -> None:
        """The watch has delivered every change up to `revision`."""
        if revision > self.position:
            self.position = revision
            for key, at in list(self.deleted.items()):
                if at <= revision:
                    del self.deleted[key]


class ObjectCache:
    """A Store over a KubeStore whose reads of the kinds listed into it (`listed`)
    are answered from memory; fed by the Manager (its `cache`), which calls `listed`
    and `changed` from its watch threads. Thread-safe."""

    def __init__(self, store: KubeStore) -> None:
        self.store = store
        self._kinds: dict[GroupKind, _Kind] = {}
        self._lock = threading.Lock()
        self._writes = _Writer(store, self)

    # --- fed by the watches --------------------------------------------------------

    def listed(self, api_version: str, kind: str, items: list[Obj], resource_version: str) -> None:
        """The kind as a list at `resource_version` shows it, in full: held from now
        on, or replacing what was held (a relist after the watch lost its place),
        but for what is newer than the list."""
        at = parse_revision(resource_version)
        entries: list[tuple[Key, _Entry]] = []
        namespaced = self.store.resource(api_version, kind).namespaced
        for obj in items:
            revision = parse_revision(_version_of(obj))
            if at is None or revision is None:
                self._unservable(api_version, kind, resource_version)
                return
            entries.append((_key(obj, namespaced), _Entry(revision, _copy(obj))))
        assert at is not None
        with self._lock:
            before = self._kinds.get((api_version, kind))
            held = _Kind(namespaced, at)
            for key, entry in entries:
                held.put(key, entry)
            if before is not None:
                # Written through the cache after the list was read: newer than it.
                for namespace, names in before.objects.items():
                    for name, old in names.items():
                        if old.revision > at:
                            held.put((namespace, name), old)
                for key, revision in before.deleted.items():
                    if revision > at:
                        held.deleted[key] = revision
                        held.drop(key)
                held.position = max(at, before.position)
            self._kinds[(api_version, kind)] = held

    def changed(self, api_version: str, kind: str, event: WatchEvent) -> None:
        """One change of a held kind, as its watch delivered it (in order)."""
        revision = parse_revision(event.resource_version)
        with self._lock:
            held = self._kinds.get((api_version, kind))
            if held is None:
                return
            if revision is None:
                del self._kinds[(api_version, kind)]
                self._warn(api_version, kind, event.resource_version)
                return
            key = _key(event.object, held.namespaced)
            gone_at = held.deleted.get(key)
            if gone_at is None or revision > gone_at:
                entry = held.entry(key)
                if event.type == "DELETED":
                    if entry is None or entry.revision <= revision:
                        held.drop(key)
                elif entry is None or entry.revision < revision:
                    held.put(key, _Entry(revision, _copy(event.object)))
            held.passed(revision)

    # --- reads -----------------------------------------------------------------------

    def get(self, api_version: str, kind: str, namespace: str | None, name: str) -> Obj:
        with self._lock:
            held = self._kinds.get((api_version, kind))
            entry = None
            if held is not None:
                entry = held.entry((_namespace(namespace, held.namespaced), name))
        if entry is not None:
            return _copy(entry.obj)
        obj = self.store.get(api_version, kind, namespace, name)
        if held is not None:
            self.answered(obj)
        return obj

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
        def from_server() -> Page:
            return self.store.list(
                api_version,
                kind,
                namespace,
                label_selector=label_selector,
                field_selector=field_selector,
                limit=limit,
                continue_token=continue_token,
            )

        if continue_token is not None:
            return from_server()
        fields = POD_FIELDS if (api_version, kind) == ("v1", "Pod") else None
        matches = object_filter(api_version, kind, label_selector, field_selector, fields)
        chosen: list[_Entry] = []
        with self._lock:
            held = self._kinds.get((api_version, kind))
            if held is not None:
                if namespace:
                    spaces = [_namespace(namespace, held.namespaced)]
                else:
                    spaces = sorted(held.objects)
                for space in spaces:
                    names = held.objects.get(space, {})
                    chosen += [names[n] for n in sorted(names) if matches(names[n].obj)]
                position = held.position
        if held is None or (limit and len(chosen) > limit):
            # A list in pages is the API server's to cut (its continue token).
            return from_server()
        # What is held reflects every change up to `position`: a watch from there
        # misses nothing the items do not show.
        return Page([_copy(e.obj) for e in chosen], str(position))

    def watch(
        self,
        api_version: str,
        kind: str,
        namespace: str | None = None,
        *,
        since: str,
        timeout: float | None,
    ) -> Iterator[WatchEvent]:
        return self.store.watch(api_version, kind, namespace, since=since, timeout=timeout)

    # --- writes ------------------------------------------------------------------------

    def create(self, obj: Obj, *, dry_run: bool = False) -> Obj:
        return self._writes.create(obj, dry_run=dry_run)

    def update(self, obj: Obj, *, dry_run: bool = False) -> Obj:
        return self._writes.update(obj, dry_run=dry_run)

    def update_status(self, obj: Obj) -> Obj:
        return self._writes.update_status(obj)

    def delete(self, api_version: str, kind: str, namespace: str | None, name: str) -> Obj:
        return self._writes.delete(api_version, kind, namespace, name)

    def writing_through(self, store: Store) -> Store:
        """`store` (the same API server as another user, a run's service account)
        with its writes read back here too; its reads stay its own."""
        return _Writer(store, self)

    def close(self) -> None:
        """Forget everything; reads go to the API server from now on. The store is
        its owner's to close."""
        with self._lock:
            self._kinds.clear()

    # --- what writes leave -------------------------------------------------------------

    def answered(self, obj: Obj) -> None:
        """An object as the API server answered a write or a read: held unless what
        is held is as new, or the watch has passed it (then what is held already
        says what became of it, its deletion included: an answer can come in
        after the watch delivered a later change)."""
        revision = parse_revision(_version_of(obj))
        if revision is None:
            return
        with self._lock:
            held = self._kinds.get((obj.get("apiVersion", ""), obj.get("kind", "")))
            if held is None or revision <= held.position:
                return
            key = _key(obj, held.namespaced)
            gone_at = held.deleted.get(key)
            if gone_at is not None:
                if revision <= gone_at:
                    return
                del held.deleted[key]
            entry = held.entry(key)
            if entry is None or entry.revision < revision:
                held.put(key, _Entry(revision, _copy(obj)))

    def _forget_deleted(self, api_version: str, kind: str, obj: Obj) -> None:
        """An object as its delete answered: not held from now on, and older news
        of it ignored, until the watch reaches the deletion."""
        revision = parse_revision(_version_of(obj))
        with self._lock:
            held = self._kinds.get((api_version, kind))
            if held is None:
                return
            key = _key(obj, held.namespaced)
            entry = held.entry(key)
            if revision is None or revision <= held.position:
                # Already seen (or cannot tell): the API server's word from now on.
                if revision is None and entry is not None:
                    held.drop(key)
                return
            if entry is None or entry.revision <= revision:
                held.drop(key)
                held.deleted[key] = max(revision, held.deleted.get(key, 0))

    def _forget(self, api_version: str, kind: str, namespace: str | None, name: str) -> None:
        """The API server refused a write as stale (Conflict) or found no object:
        what is held of it is wrong, so the next read asks the API server."""
        with self._lock:
            held = self._kinds.get((api_version, kind))
            if held is not None:
                held.drop((_namespace(namespace, held.namespaced), name))

    def _unservable(self, api_version: str, kind: str, version: str) -> None:
        with self._lock:
            self._kinds.pop((api_version, kind), None)
        self._warn(api_version, kind, version)

    def _warn(self, api_version: str, kind: str, version: str) -> None:
        log.warning(
            "resourceVersion %r of %s (%s) is not a revision: its reads are not cached",
            version,
            kind,
            api_version,
        )


class _Writer:
    """Writes through `store`, each answer (or refusal) left in the cache."""

    def __init__(self, store: Store, cache: ObjectCache) -> None:
        self._store = store
        self._cache = cache

    def create(self, obj: Obj, *, dry_run: bool = False) -> Obj:
        created = self._store.create(obj, dry_run=dry_run)
        if not dry_run:
            self._cache.answered(created)
        return created

    def update(self, obj: Obj, *, dry_run: bool = False) -> Obj:
        return self._replace(obj, dry_run, status=False)

    def update_status(self, obj: Obj) -> Obj:
        return self._replace(obj, False, status=True)

    def _replace(self, obj: Obj, dry_run: bool, *, status: bool) -> Obj:
        api_version, kind = obj.get("apiVersion", ""), obj.get("kind", "")
        meta = obj.get("metadata") or {}
        try:
            if status:
                written = self._store.update_status(obj)
            else:
                written = self._store.update(obj, dry_run=dry_run)
        except (Conflict, NotFound):
            self._cache._forget(api_version, kind, meta.get("namespace"), meta.get("name", ""))
            raise
        if not dry_run:
            self._cache.answered(written)
        return written

    def delete(self, api_version: str, kind: str, namespace: str | None, name: str) -> Obj:
        try:
            deleted = self._store.delete(api_version, kind, namespace, name)
        except NotFound:
            self._cache._forget(api_version, kind, namespace, name)
            raise
        self._cache._forget_deleted(api_version, kind, deleted)
        return deleted

    def get(self, api_version: str, kind: str, namespace: str | None, name: str) -> Obj:
        return self._store.get(api_version, kind, namespace, name)

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
        return self._store.list(
            api_version,
            kind,
            namespace,
            label_selector=label_selector,
            field_selector=field_selector,
            limit=limit,
            continue_token=continue_token,
        )

    def watch(
        self,
        api_version: str,
        kind: str,
        namespace: str | None = None,
        *,
        since: str,
        timeout: float | None,
    ) -> Iterator[WatchEvent]:
        return self._store.watch(api_version, kind, namespace, since=since, timeout=timeout)

    def close(self) -> None:
        # The store is its owner's (the per-account clients' holder) to close.
        return None


def _copy(value: Any) -> Any:
    """A copy of a JSON document (dicts, lists and scalars only): what
    `copy.deepcopy` makes, several times faster, for every read is one."""
    if type(value) is dict:
        return {k: _copy(v) for k, v in value.items()}
    if type(value) is list:
        return [_copy(v) for v in value]
    return value


def parse_revision(version: str) -> int | None:
    """A resourceVersion as the etcd revision it is: a positive integer written
    without leading zeros (KEP-5504's form), else None."""
    if not (version.isascii() and version.isdigit()) or version.startswith("0"):
        return None
    return int(version)


def _version_of(obj: Obj) -> str:
    return str((obj.get("metadata") or {}).get("resourceVersion") or "")


def _namespace(namespace: str | None, namespaced: bool) -> str:
    # As the Store reads it: None means "default"; a cluster-scoped kind has none.
    return (namespace or "default") if namespaced else ""


def _key(obj: Obj, namespaced: bool) -> Key:
    meta = obj.get("metadata") or {}
    return _namespace(meta.get("namespace"), namespaced), str(meta.get("name") or "")


__all__ = ["ObjectCache", "parse_revision"]
