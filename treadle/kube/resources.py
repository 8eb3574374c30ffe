"""Which REST resource serves a kind: the API server's discovery documents, read
once per group version and again when a kind is missing (a CRD installed since)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from ..errors import NotFound


@dataclass(frozen=True)
class Resource:
    api_version: str
    kind: str
    plural: str
    namespaced: bool
    has_status: bool
    """Whether status is written through the `/status` subresource."""

    def path(
        self, namespace: str | None = None, name: str | None = None, subresource: str = ""
    ) -> str:
        """The URL path of the collection (name None) or of one object; namespace
        None for all namespaces (or a cluster-scoped kind)."""
        parts = [group_version_path(self.api_version)]
        if self.namespaced and namespace:
            parts += ["namespaces", quote(namespace, safe="")]
        parts.append(self.plural)
        if name is not None:
            parts.append(quote(name, safe=""))
            if subresource:
                parts.append(subresource)
        return "/".join(parts)


def group_version_path(api_version: str) -> str:
    """`/api/v1` for the core group, `/apis/GROUP/VERSION` for the others."""
    return "/api/v1" if api_version == "v1" else f"/apis/{api_version}"


def parse_resource_list(api_version: str, doc: dict[str, Any]) -> dict[str, Resource]:
    """The kinds an APIResourceList serves, each with its main resource."""
    entries = doc.get("resources") or []
    subresources = {str(e.get("name", "")) for e in entries if "/" in str(e.get("name", ""))}
    out: dict[str, Resource] = {}
    for entry in entries:
        plural = str(entry.get("name", ""))
        if "/" in plural or not entry.get("kind"):
            continue
        kind = str(entry["kind"])
        out[kind] = Resource(
            api_version,
            kind,
            plural,
            bool(entry.get("namespaced")),
            f"{plural}/status" in subresources,
        )
    return out


Fetch = Callable[[str], dict[str, Any] | None]
"""GET of a discovery path: the document, or None when the group version is not
served."""


class Discovery:
    """The kinds of the API server, cached. Thread-safe."""

    def __init__(self, fetch: Fetch) -> None:
        self._fetch = fetch
        self._known: dict[str, dict[str, Resource]] = {}
        self._lock = threading.Lock()

    def resource(self, api_version: str, kind: str) -> Resource:
        """The resource of a kind. Raises NotFound saying the cluster has no such
        API (so a run can fail with that reason instead of waiting)."""
        with self._lock:
            found = self._known.get(api_version, {}).get(kind)
        if found is not None:
            return found
        # Unknown here: maybe installed since the last read. Ask again.
        doc = self._fetch(group_version_path(api_version))
        kinds = parse_resource_list(api_version, doc) if doc is not None else {}
        with self._lock:
            self._known[api_version] = kinds
        if kind not in kinds:
            raise NotFound(f"the cluster has no API for kind {kind} of apiVersion {api_version}")
        return kinds[kind]

    def forget(self, api_version: str) -> None:
        """Drop what is known of a group version (its CRD was removed or changed)."""
        with self._lock:
            self._known.pop(api_version, None)
