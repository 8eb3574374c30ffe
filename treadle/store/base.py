"""The Store interface: Kubernetes-like objects with optimistic concurrency and watch.

Objects are plain dicts in wire form (`apiVersion`, `kind`, `metadata`, `spec`,
`status`). Backends: `store/sqlite.py` (embedded) and, later, `store/kube.py`.
Both must pass `tests/store/test_contract.py`.
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
    """The store's resourceVersion when the list was taken: watch from here."""
    continue_token: str | None = None
    """Pass back as `continue_token` for the next page; None on the last page."""


def parse_resource_version(text: str) -> int:
    """A resourceVersion as the number it is. Raises BadRequest for other text."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise BadRequest(f'"{text}" is not a resourceVersion of this store')
    return value


class Store(Protocol):
    def create(self, obj: Obj) -> Obj:
        """Store a new object; fills name (from generateName: prefix + 5 random
        lower-case alphanumerics), uid, resourceVersion, generation (1),
        creationTimestamp and the namespace "default" (namespaced kinds only).
        `status` is dropped, as with a status subresource: only `update_status`
        writes it. Raises AlreadyExists, ValidationError (bad name, namespace,
        labels or ownerReferences, each naming its field)."""
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
        newest_first: bool = False,
        name_contains: str | None = None,
    ) -> Page:
        """Objects of one kind, by namespace (None or "": all), ordered by
        namespace, name. `label_selector` is Kubernetes syntax (core/labels.py);
        `field_selector` supports `metadata.name`, `metadata.namespace` and
        `status.phase` (and `involvedObject.*`, `reason`, `type` on v1 Events) with
        `=`, `==` and `!=` (store/fields.py). `limit` None or 0: no limit.
        `newest_first` orders by creation, newest first, instead; `name_contains`
        keeps names holding that substring (both extensions for the console's lists).
        Raises BadRequest for a malformed selector or continue token."""
        ...

    def update(self, obj: Obj) -> Obj:
        """Replace metadata (labels, annotations, ownerReferences …) and spec;
        name, namespace, uid, creationTimestamp and status are kept as stored. A
        given metadata.resourceVersion (or uid) must match (Conflict otherwise). A
        spec change bumps generation; an update that changes nothing writes nothing
        and keeps the resourceVersion. Raises NotFound, ValidationError."""
        ...

    def update_status(self, obj: Obj) -> Obj:
        """Replace only status, with the same resourceVersion rule; everything else
        sent is ignored. Raises NotFound, Conflict."""
        ...

    def delete(self, api_version: str, kind: str, namespace: str | None, name: str) -> Obj:
        """Delete and cascade to every object whose ownerReferences name its uid,
        recursively, in one transaction, one DELETED event each (owner first). A
        dependant that still has another existing owner is kept, without the
        reference to the deleted one. Returns the deleted object. Raises NotFound."""
        ...

    def watch(
        self,
        api_version: str | None = None,
        kind: str | None = None,
        namespace: str | None = None,
        *,
        since: str | None = None,
        timeout: float | None = None,
    ) -> Iterator[WatchEvent]:
        """Events after resourceVersion `since` (None: from now), in order, until
        `timeout` seconds pass with none (None: forever). Raises Gone when called if
        `since` is older than the history kept (and while iterating if the
        consumer falls that far behind): list again, then watch from the list's
        resourceVersion."""
        ...

    def resource_version(self) -> str:
        """The newest resourceVersion in the store."""
        ...

    def close(self) -> None: ...


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
