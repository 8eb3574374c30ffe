"""The Store interface: Kubernetes-like objects with optimistic concurrency and watch.

Objects are plain dicts in wire form (`apiVersion`, `kind`, `metadata`, `spec`,
`status`). Backends: `store/sqlite.py` (embedded) and, later, `store/kube.py`.
Both must pass `tests/store/test_contract.py`.

The interface promises what a kube-apiserver does, no more: a watch follows one
kind; resourceVersions are opaque strings, to be compared only for equality and
passed back as `since` (the position to watch a kind from is the resourceVersion
of a list of it, `current_resource_version`); and a delete's cascade to dependants
is garbage collection, which may finish after `delete` returns. What a backend
can do beyond that is an optional capability, checked with `isinstance`:
`StoreSummary`, `OrderedListing`, and `ChangeFeed` (one history of every kind, with
numbered resourceVersions, as the embedded store has).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal, Protocol, runtime_checkable

from ..errors import BadRequest

Obj = dict[str, Any]
EventType = Literal["ADDED", "MODIFIED", "DELETED"]


@dataclass(frozen=True)
class WatchEvent:
    type: EventType
    object: Obj
    resource_version: str


@dataclass(frozen=True)
class Page:
    items: list[Obj]
    resource_version: str
    """Where the list was taken: a watch of the kind from here misses no change
    after it. Opaque, like every resourceVersion."""
    continue_token: str | None = None
    """Pass back as `continue_token` for the next page; None on the last page."""


def parse_resource_version(text: str) -> int:
    """A resourceVersion of a `ChangeFeed` as the number it is. (The Store contract
    keeps resourceVersions opaque; only a ChangeFeed's are numbers that order
    changes.) Raises BadRequest for other text."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise BadRequest(f'"{text}" is not a resourceVersion of this store')
    return value


class Store(Protocol):
    def create(self, obj: Obj, *, dry_run: bool = False) -> Obj:
        """Store a new object; fills name (from generateName: prefix + 5 random
        lower-case alphanumerics), uid, resourceVersion, generation (1),
        creationTimestamp and the namespace "default" (namespaced kinds only).
        `status` is dropped, as with a status subresource: only `update_status`
        writes it. Raises AlreadyExists, ValidationError (bad name, namespace,
        labels or ownerReferences, each naming its field). With `dry_run`, every
        check is made and the object that would be stored is returned, but nothing
        is stored (an API server's `dryRun=All`)."""
        ...

    def get(self, api_version: str, kind: str, namespace: str | None, name: str) -> Obj:
        """`namespace` None means "default" (ignored for cluster-scoped kinds).
        Raises NotFound."""
        ...

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
        """Objects of one kind, by namespace (None or "": all), ordered by
        namespace, name. `label_selector` is Kubernetes syntax (core/labels.py);
        `field_selector` supports `metadata.name`, `metadata.namespace` and
        `status.phase` (and `involvedObject.*`, `reason`, `type` on v1 Events) with
        `=`, `==` and `!=` (store/fields.py). `limit` None or 0: no limit.
        Raises BadRequest for a malformed selector or continue token. (Other
        orders and a name filter are served above the store: client/listing.py.)"""
        ...

    def update(self, obj: Obj, *, dry_run: bool = False) -> Obj:
        """Replace metadata (labels, annotations, ownerReferences …) and spec;
        name, namespace, uid, creationTimestamp and status are kept as stored. A
        given metadata.resourceVersion (or uid) must match (Conflict otherwise). A
        spec change bumps generation; an update that changes nothing writes nothing
        and keeps the resourceVersion. `dry_run` as for `create`. Raises NotFound,
        ValidationError."""
        ...

    def update_status(self, obj: Obj) -> Obj:
        """Replace only status, with the same resourceVersion rule; everything else
        sent is ignored. Raises NotFound, Conflict."""
        ...

    def delete(self, api_version: str, kind: str, namespace: str | None, name: str) -> Obj:
        """Delete the object and return it as deleted (its DELETED event comes
        before any of its dependants'). Raises NotFound.

        Its dependants (objects whose ownerReferences name its uid) are then
        deleted by garbage collection, recursively, one DELETED event each, each
        owner's before its dependants'; a dependant that still has another existing
        owner is kept instead, without the reference to the deleted one. That may
        happen after `delete` returns, as on Kubernetes (background propagation):
        await it by watching for the events. A backend may do it sooner (SQLite:
        in the same transaction)."""
        ...

    def watch(
        self,
        api_version: str,
        kind: str,
        namespace: str | None = None,
        *,
        since: str,
        timeout: float | None,
    ) -> Iterator[WatchEvent]:
        """The changes of one kind (in `namespace`; None or "": all) after
        resourceVersion `since`, in the order they were made, each event carrying
        the resourceVersion of its change. `since` is one the store gave: a
        list's (`Page.resource_version`, so a list then a watch from it misses
        nothing), an event's or an object's. The iterator ends once `timeout`
        seconds pass without an event (None: when the store is closed).

        Raises Gone when called if `since` is older than the history kept (and
        while iterating if the consumer falls that far behind): list the kind
        again, then watch from that list's resourceVersion."""
        ...

    def close(self) -> None: ...


def current_resource_version(store: Store, api_version: str, kind: str) -> str:
    """Where to watch a kind from to miss nothing from now on: the resourceVersion
    of a list of it. One item is asked for, so it is cheap on any backend."""
    return store.list(api_version, kind, limit=1).resource_version


@runtime_checkable
class ChangeFeed(Protocol):
    """One history of the whole store, every kind's changes in one order; optional,
    so a Store without it is still a Store (a kube-apiserver has a watch per kind
    only). Its resourceVersions are the decimal numbers of that one sequence: a
    higher one is a later change (`parse_resource_version` reads them), and a
    list's, of any kind, is the head at the time of the list."""

    def watch_all(
        self,
        namespace: str | None = None,
        *,
        since: str | None = None,
        timeout: float | None = None,
    ) -> Iterator[WatchEvent]:
        """As `Store.watch`, but the changes of every kind (in `namespace`; None
        or "": all), in resourceVersion order; `since` None: from now."""
        ...

    def head(self) -> str:
        """The resourceVersion of the newest change in the store ("0" when empty)."""
        ...


@runtime_checkable
class StoreSummary(Protocol):
    """Questions about the whole store that a backend may answer cheaply; optional,
    so a Store without them is still a Store (server/storeinfo.py lists instead)."""

    def namespaces_in_use(self) -> set[str]:
        """Every namespace at least one stored object lives in."""
        ...

    def kinds_in(self, namespace: str) -> list[tuple[str, str]]:
        """(apiVersion, kind) of every kind with objects in `namespace`, registered
        or not, sorted."""
        ...

    def count_by_phase(self, api_version: str, kind: str) -> dict[str, int]:
        """How many objects of a kind are in each `status.phase` ("" for none yet)."""
        ...


@runtime_checkable
class OrderedListing(Protocol):
    """The console's list extensions, paged by a backend that can do so cheaply (an
    index); optional, so a Store without it is still a Store (client/listing.py then
    lists the kind and orders, filters and pages in memory)."""

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
        """As `Store.list`, but with `newest_first` in order of creation, newest
        first, and with `name_contains` only the names holding that text (literally,
        case-sensitive; empty: no filter). A continue token marks a place in one
        order: given to a list in the other order it raises BadRequest. The position
        holds while objects are added: newest first, an object created after a page
        was listed is not on the pages after it, and no object is listed twice."""
        ...
