"""The Store on a Kubernetes API server: Treadle's objects as custom resources,
pods as pods, every write a request to the API server.

What the contract asks beyond what an API server does itself is bridged here, the
same for every kind:
- a namespace is created on first use, as the embedded store has namespaces
  without asking (a cluster's administrator may forbid it: the error says so);
- an update or a status write without a resourceVersion is unconditional: read,
  then write with what was read, again on Conflict (custom resources demand one);
- a field selector the API server cannot answer for a kind (custom resources
  select on name and namespace only) is answered on the listed objects;
- status goes through the `/status` subresource where the kind has one;
- a delete propagates in the background, so the cluster's garbage collector
  deletes dependants, owner first, as the contract says.
Metadata is checked before sending with the embedded store's own rules, so a bad
name is refused with the same field path and words in both homes.
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
import threading
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kubernetes.client import ApiClient

from ..errors import BadRequest, Conflict, NotFound, StorageError, TreadleError
from ..store import _metadata as md
from ..store.base import Obj, Page, WatchEvent
from ..store.fields import EVENT_FIELDS, object_filter, parse_field_selector, selectable_fields
from .connect import api_client
from .follow import Follow
from .resources import Discovery, Resource
from .transport import Query, Transport, decode_status, status_error

CONFLICT_RETRIES = 10
"""Read-then-write attempts of an unconditional update before giving up."""

LIST_PAGE = 500
"""Objects per request when Treadle filters a listing itself."""

POD_FIELDS = selectable_fields("v1", "Pod") | {"spec.nodeName"}
"""A node finds its pods by `spec.nodeName`, as a kubelet does."""

_NAME_FIELDS = frozenset({"metadata.name", "metadata.namespace"})
_SERVER_FIELDS: dict[tuple[str, str], frozenset[str]] = {
    ("v1", "Pod"): POD_FIELDS,
    ("v1", "Event"): EVENT_FIELDS,
}
"""Field selectors the API server answers per kind (for these two, every field the
store lets them be selected by); every other kind (custom resources) answers name
and namespace only."""

_LOCAL_TOKEN = "treadle:"


class KubeStore:
    """A Store over one API server as one user. Thread-safe."""

    def __init__(self, api: ApiClient) -> None:
        self.api = api
        self._http = self.transport = Transport(api)
        self.server = self._http.server
        self._discovery = Discovery(self._fetch_discovery)
        self._follows: weakref.WeakSet[Follow] = weakref.WeakSet()
        self._lock = threading.Lock()
        self._namespaces: set[str] = set()
        self._closed = False

    @classmethod
    def from_kubeconfig(
        cls,
        kubeconfig: str | Path | None,
        *,
        context: str | None = None,
        impersonate: str | None = None,
    ) -> KubeStore:
        return cls(api_client(kubeconfig, context=context, impersonate=impersonate))

    # --- kinds ---------------------------------------------------------------------

    def resource(self, api_version: str, kind: str) -> Resource:
        """The REST resource of a kind. Raises NotFound when the cluster has none."""
        return self._discovery.resource(api_version, kind)

    def _fetch_discovery(self, path: str) -> dict[str, Any] | None:
        try:
            return self._http.request("GET", path)
        except NotFound:
            return None

    # --- reads -----------------------------------------------------------------------

    def get(self, api_version: str, kind: str, namespace: str | None, name: str) -> Obj:
        res = self.resource(api_version, kind)
        ns = _scope(res, namespace)
        return self._http.request("GET", res.path(ns, name), what=md.describe(kind, ns or "", name))

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
        if limit is not None and limit < 0:
            raise BadRequest(f"limit must not be negative, got {limit}")
        fields = POD_FIELDS if (api_version, kind) == ("v1", "Pod") else None
        matches = object_filter(api_version, kind, label_selector, field_selector, fields)
        res = self.resource(api_version, kind)
        ns = _scope(res, namespace) if namespace else None
        terms = _field_terms(field_selector, fields or selectable_fields(api_version, kind))
        server_fields = _SERVER_FIELDS.get((api_version, kind), _NAME_FIELDS)
        served = [t for t in terms if t[0] in server_fields]
        query: list[tuple[str, str]] = []
        if label_selector and label_selector.strip():
            query.append(("labelSelector", label_selector))
        if served:
            query.append(("fieldSelector", ",".join(t[1] for t in served)))
        if len(served) == len(terms) and not (continue_token or "").startswith(_LOCAL_TOKEN):
            if limit:
                query.append(("limit", str(limit)))
            if continue_token:
                query.append(("continue", continue_token))
            doc = self._list_request(res, ns, query, continue_token is not None)
            meta = doc.get("metadata") or {}
            return Page(
                _items(doc, res),
                str(meta.get("resourceVersion") or ""),
                meta.get("continue") or None,
            )
        return self._list_filtered(res, ns, query, matches, limit, continue_token)

    def _list_filtered(
        self,
        res: Resource,
        ns: str | None,
        query: Query,
        matches: Any,
        limit: int | None,
        continue_token: str | None,
    ) -> Page:
        """List every object, keep the matches and page them here: the token is
        Treadle's own, the position after the last object returned."""
        after = _decode_local(continue_token) if continue_token else None
        items: list[Obj] = []
        version = ""
        server_token: str | None = None
        while True:
            page_query = [*query, ("limit", str(LIST_PAGE))]
            if server_token:
                page_query.append(("continue", server_token))
            doc = self._list_request(res, ns, page_query, False)
            meta = doc.get("metadata") or {}
            version = version or str(meta.get("resourceVersion") or "")
            items += [o for o in _items(doc, res) if matches(o) and _after(o, after)]
            server_token = meta.get("continue") or None
            if not server_token:
                break
        token = None
        if limit and len(items) > limit:
            items = items[:limit]
            last = items[-1]["metadata"]
            token = _encode_local(last.get("namespace", ""), last["name"])
        return Page(items, version, token)

    def _list_request(
        self, res: Resource, ns: str | None, query: Query, continuing: bool
    ) -> dict[str, Any]:
        try:
            return self._http.request("GET", res.path(ns), query)
        except BadRequest as exc:
            if continuing:
                raise BadRequest(f"the continue token is not one this store gave: {exc}") from None
            raise

    # --- writes ----------------------------------------------------------------------

    def create(self, obj: Obj, *, dry_run: bool = False) -> Obj:
        body, _ = md.prepare_create(obj)
        res = self.resource(body["apiVersion"], body["kind"])
        meta = body["metadata"]
        if res.namespaced:
            ns: str | None = meta.get("namespace") or md.DEFAULT_NAMESPACE
            meta["namespace"] = ns
        else:
            ns = None
            meta.pop("namespace", None)
        what = md.describe(body["kind"], ns or "", meta.get("name") or meta.get("generateName"))
        query = [("dryRun", "All")] if dry_run else []
        if ns and not dry_run:
            self._ensure_namespace(ns)
        try:
            return self._http.request("POST", res.path(ns), query, body, what=what)
        except NotFound:
            if not ns:
                raise
            # The namespace went away since it was seen: once more, creating it.
            self._namespaces.discard(ns)
            self._ensure_namespace(ns)
            return self._http.request("POST", res.path(ns), query, body, what=what)

    def _ensure_namespace(self, namespace: str) -> None:
        if namespace in self._namespaces:
            return
        path = f"/api/v1/namespaces/{namespace}"
        response = self._http.open("GET", path)
        if response.status == 404:
            doc = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}}
            response = self._http.open("POST", "/api/v1/namespaces", body=doc)
            if response.status not in (200, 201, 409):
                status = decode_status(response.status, response.data)
                raise status_error(response.status, status, f'namespace "{namespace}"')
        elif response.status == 403:
            # May not read namespaces: the create itself says whether it exists.
            return
        elif response.status >= 400:
            raise status_error(response.status, decode_status(response.status, response.data))
        with self._lock:
            self._namespaces.add(namespace)

    def update(self, obj: Obj, *, dry_run: bool = False) -> Obj:
        return self._put(obj, "", dry_run)

    def update_status(self, obj: Obj) -> Obj:
        res = self.resource(obj.get("apiVersion", ""), obj.get("kind", ""))
        if not res.has_status:
            # A kind without the subresource keeps its status in the object.
            return self._put(obj, "", False, keep="status")
        return self._put(obj, "status", False)

    def _put(self, obj: Obj, subresource: str, dry_run: bool, keep: str = "") -> Obj:
        api_version, kind, _, name = md.identity(obj)
        res = self.resource(api_version, kind)
        ns = _scope(res, (obj.get("metadata") or {}).get("namespace"))
        what = md.describe(kind, ns or "", name)
        path = res.path(ns, name, subresource)
        query = [("dryRun", "All")] if dry_run else []
        body = copy.deepcopy(obj)
        meta = body["metadata"]
        if res.namespaced:
            meta["namespace"] = ns
        else:
            meta.pop("namespace", None)
        given = meta.get("resourceVersion")
        for _ in range(CONFLICT_RETRIES):
            if not given:
                stored = self._http.request("GET", path if subresource else res.path(ns, name))
                stored_meta = stored["metadata"]
                if meta.get("uid") and meta["uid"] != stored_meta.get("uid"):
                    raise Conflict(
                        f"{what} was deleted and created again "
                        f"(uid {stored_meta.get('uid')}, not {meta['uid']})"
                    )
                meta["resourceVersion"] = stored_meta["resourceVersion"]
                if not subresource and not keep:
                    # The main resource keeps status as stored; sending it back
                    # unchanged makes that true of kinds without the subresource too.
                    body["status"] = stored.get("status")
                    if body["status"] is None:
                        body.pop("status")
            try:
                return self._http.request("PUT", path, query, body, what=what)
            except Conflict:
                if given:
                    raise
                meta.pop("resourceVersion", None)
        raise Conflict(f"{what} kept changing: gave up after {CONFLICT_RETRIES} attempts")

    def delete(self, api_version: str, kind: str, namespace: str | None, name: str) -> Obj:
        res = self.resource(api_version, kind)
        ns = _scope(res, namespace)
        what = md.describe(kind, ns or "", name)
        path = res.path(ns, name)
        for _ in range(CONFLICT_RETRIES):
            stored = self._http.request("GET", path, what=what)
            meta = stored["metadata"]
            options = {
                "apiVersion": "v1",
                "kind": "DeleteOptions",
                "propagationPolicy": "Background",
                # The object read is the one deleted, so the one returned.
                "preconditions": {"uid": meta["uid"], "resourceVersion": meta["resourceVersion"]},
            }
            try:
                doc = self._http.request("DELETE", path, body=options, what=what)
            except Conflict:
                continue
            if doc.get("kind") != "Status":
                return doc
            # Custom resources answer with a Status: the object as deleted, with the
            # resourceVersion of its deletion, is the DELETED event of its watch.
            return self._deleted(res, stored) or stored
        raise Conflict(f"{what} kept changing: gave up deleting after {CONFLICT_RETRIES} attempts")

    def _deleted(self, res: Resource, stored: Obj) -> Obj | None:
        meta = stored["metadata"]
        query = [("fieldSelector", f"metadata.name={meta['name']}")]
        ns = meta.get("namespace")
        follow = Follow(self._http, res.path(ns), query, meta["resourceVersion"], 5.0, _ignore)
        try:
            for event in follow:
                if event.type == "DELETED" and event.object["metadata"].get("uid") == meta["uid"]:
                    return event.object
        except TreadleError:
            return None
        finally:
            follow.close()
        return None

    # --- watch -----------------------------------------------------------------------

    def watch(
        self,
        api_version: str,
        kind: str,
        namespace: str | None = None,
        *,
        since: str,
        timeout: float | None,
        label_selector: str | None = None,
        field_selector: str | None = None,
    ) -> Iterator[WatchEvent]:
        """As the Store's; the selectors (beyond the contract) are passed to the API
        server as they are."""
        if self._closed:
            raise StorageError(f"the connection to {self.server} is closed")
        res = self.resource(api_version, kind)
        ns = _scope(res, namespace) if namespace else None
        query: list[tuple[str, str]] = []
        if label_selector:
            query.append(("labelSelector", label_selector))
        if field_selector:
            query.append(("fieldSelector", field_selector))
        follow = Follow(self._http, res.path(ns), query, since, timeout, self._forget)
        with self._lock:
            self._follows.add(follow)
        return follow

    def _forget(self, follow: Follow) -> None:
        with self._lock:
            self._follows.discard(follow)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            follows = list(self._follows)
        for follow in follows:
            follow.close()
        self._http.close()


def _ignore(_: Follow) -> None:
    return None


def _scope(res: Resource, namespace: str | None) -> str | None:
    if not res.namespaced:
        return None
    return namespace or md.DEFAULT_NAMESPACE


def _items(doc: dict[str, Any], res: Resource) -> list[Obj]:
    """A list's items as objects: an API server leaves out apiVersion and kind."""
    items = doc.get("items") or []
    for item in items:
        item.setdefault("apiVersion", res.api_version)
        item.setdefault("kind", res.kind)
    return list(items)


def _field_terms(selector: str | None, fields: frozenset[str]) -> list[tuple[str, str]]:
    """(field, term as text) of each requirement of a valid field selector."""
    try:
        parsed = parse_field_selector(selector or "", fields)
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    return [(r.field, str(r)) for r in parsed]


def _encode_local(namespace: str, name: str) -> str:
    raw = json.dumps([namespace, name]).encode()
    return _LOCAL_TOKEN + base64.urlsafe_b64encode(raw).decode()


def _decode_local(token: str) -> tuple[str, str]:
    try:
        if not token.startswith(_LOCAL_TOKEN):
            raise ValueError(token)
        ns, name = json.loads(base64.urlsafe_b64decode(token[len(_LOCAL_TOKEN) :]))
        return str(ns), str(name)
    except (ValueError, TypeError, binascii.Error):
        raise BadRequest("the continue token is not one this store gave") from None


def _after(obj: Obj, position: tuple[str, str] | None) -> bool:
    if position is None:
        return True
    meta = obj["metadata"]
    return (meta.get("namespace", ""), meta["name"]) > position
