"""The Store interface: Kubernetes-like objects with optimistic concurrency and watch.

Objects are plain dicts in wire form (`apiVersion`, `kind`, `metadata`, `spec`,
`status`). Backends: `store/sqlite.py` (embedded) and, later, `store/kube.py`.
Both must pass `tests/store/test_contract.py`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal, Protocol

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


class Store(Protocol):
    def create(self, obj: Obj) -> Obj:
        """Store a new object; fills name (from generateName), uid, resourceVersion,
        generation, creationTimestamp and the default namespace "default".
        Raises AlreadyExists, ValidationError (bad name)."""
        ...

    def get(self, api_version: str, kind: str, namespace: str | None, name: str) -> Obj:
        """Raises NotFound."""
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
        """Objects of one kind, by namespace (None: all), ordered by namespace, name.
        `field_selector` supports `metadata.name`, `metadata.namespace` and
        `status.phase` with `=`, `==` and `!=`."""
        ...

    def update(self, obj: Obj) -> Obj:
        """Replace metadata (labels, annotations, ownerReferences …) and spec;
        status is kept as stored. A given metadata.resourceVersion must match
        (Conflict otherwise). A spec change bumps generation. Raises NotFound."""
        ...

    def update_status(self, obj: Obj) -> Obj:
        """Replace only status, with the same resourceVersion rule."""
        ...

    def delete(self, api_version: str, kind: str, namespace: str | None, name: str) -> Obj:
        """Delete and cascade to every object whose ownerReferences name its uid,
        recursively, in one transaction. Returns the deleted object."""
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
        `timeout` seconds pass with none (None: forever). Raises Gone if `since`
        is older than the history kept."""
        ...

    def resource_version(self) -> str:
        """The newest resourceVersion in the store."""
        ...

    def close(self) -> None: ...
