"""Create-or-update of the plain manifests `treadle install --kube` installs, through
the official client's `call_api` with dicts.

Only the kinds an installation is made of are known here, by their REST paths: no
discovery, and nothing of the Kubernetes home's store. An object already as wanted
is left alone (what we wrote is a subset of what is stored, the API server adding
its defaults), so a second install changes nothing.
"""

from __future__ import annotations

import copy
import json
import time
from dataclasses import dataclass
from typing import Any, Literal

from kubernetes.client import ApiClient
from urllib3.exceptions import HTTPError

from ..errors import TreadleError

Obj = dict[str, Any]
Outcome = Literal["created", "configured", "unchanged"]


@dataclass(frozen=True)
class _Path:
    prefix: str
    plural: str
    namespaced: bool


PATHS: dict[tuple[str, str], _Path] = {
    ("v1", "Namespace"): _Path("/api/v1", "namespaces", False),
    ("v1", "ServiceAccount"): _Path("/api/v1", "serviceaccounts", True),
    ("v1", "ConfigMap"): _Path("/api/v1", "configmaps", True),
    ("v1", "Secret"): _Path("/api/v1", "secrets", True),
    ("v1", "Service"): _Path("/api/v1", "services", True),
    ("apps/v1", "Deployment"): _Path("/apis/apps/v1", "deployments", True),
    ("rbac.authorization.k8s.io/v1", "ClusterRole"): _Path(
        "/apis/rbac.authorization.k8s.io/v1", "clusterroles", False
    ),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"): _Path(
        "/apis/rbac.authorization.k8s.io/v1", "clusterrolebindings", False
    ),
    ("rbac.authorization.k8s.io/v1", "Role"): _Path(
        "/apis/rbac.authorization.k8s.io/v1", "roles", True
    ),
    ("rbac.authorization.k8s.io/v1", "RoleBinding"): _Path(
        "/apis/rbac.authorization.k8s.io/v1", "rolebindings", True
    ),
    ("apiextensions.k8s.io/v1", "CustomResourceDefinition"): _Path(
        "/apis/apiextensions.k8s.io/v1", "customresourcedefinitions", False
    ),
    ("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration"): _Path(
        "/apis/admissionregistration.k8s.io/v1", "validatingwebhookconfigurations", False
    ),
}


class KubeError(TreadleError):
    """The API server refused a request (or could not be reached); the message is
    its own, in one line. Not one of the CLI's usage errors: the exit code is 1."""

    reason = "KubernetesError"

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


def _url(api_version: str, kind: str, namespace: str | None, name: str | None) -> str:
    where = PATHS[(api_version, kind)]
    url = where.prefix
    if where.namespaced:
        url += f"/namespaces/{namespace or 'default'}"
    url += f"/{where.plural}"
    return f"{url}/{name}" if name else url


REQUEST_SECONDS = 30.0


def request(api: ApiClient, method: str, url: str, body: Any = None) -> Obj:
    """One call; an error of the API server (or of the connection) as a KubeError."""
    headers = {"Accept": "application/json"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    # The client's configuration makes the URL and the credentials' headers; the
    # body stays a dict of the wire form, with no generated models in between.
    _, full_url, headers, _, _ = api.param_serialize(
        method, url, header_params=headers, auth_settings=["BearerToken"]
    )
    try:
        response = api.rest_client.pool_manager.request(
            method,
            full_url,
            body=json.dumps(body).encode() if body is not None else None,
            headers=headers,
            timeout=REQUEST_SECONDS,
            retries=False,
        )
    except HTTPError as exc:
        host = api.configuration.host
        raise KubeError(f"cannot reach the API server at {host}: {exc}") from None
    data = response.data
    if response.status >= 400:
        raise KubeError(_message(response.status, data), response.status)
    result: Obj = json.loads(data) if data else {}
    return result


def _message(status: int, data: bytes) -> str:
    try:
        body = json.loads(data)
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("message"):
        return str(body["message"])
    return f"HTTP {status}: {data[:200].decode(errors='replace')}".strip()


def get(
    api: ApiClient, api_version: str, kind: str, name: str, namespace: str | None = None
) -> Obj | None:
    """The stored object, or None."""
    try:
        return request(api, "GET", _url(api_version, kind, namespace, name))
    except KubeError as exc:
        if exc.status == 404:
            return None
        raise


def apply(api: ApiClient, obj: Obj) -> Outcome:
    """Create `obj`, or bring the stored one to it: `obj`'s labels and annotations
    added, every other top-level field of `obj` (spec, rules, data …) replacing the
    stored one; fields only the cluster sets stay (a ServiceAccount's token
    secrets, a Service's clusterIP)."""
    api_version, kind = obj["apiVersion"], obj["kind"]
    meta = obj["metadata"]
    namespace = meta.get("namespace")
    existing = get(api, api_version, kind, meta["name"], namespace)
    if existing is None:
        request(api, "POST", _url(api_version, kind, namespace, None), obj)
        return "created"
    if _covers(existing, obj):
        return "unchanged"
    request(api, "PUT", _url(api_version, kind, namespace, meta["name"]), _onto(existing, obj))
    return "configured"


def _onto(existing: Obj, obj: Obj) -> Obj:
    merged = copy.deepcopy(existing)
    for key in ("labels", "annotations"):
        if key in obj["metadata"]:
            merged["metadata"][key] = {
                **(merged["metadata"].get(key) or {}),
                **obj["metadata"][key],
            }
    for key, value in obj.items():
        if key not in ("metadata", "status"):
            merged[key] = copy.deepcopy(value)
    if "spec" in existing and "spec" in obj and obj.get("kind") == "Service":
        # Allocated by the cluster and immutable: keep it.
        for fixed in ("clusterIP", "clusterIPs"):
            if fixed in existing["spec"]:
                merged["spec"][fixed] = existing["spec"][fixed]
    return merged


def _covers(stored: Any, wanted: Any) -> bool:
    """Whether everything in `wanted` is in `stored` (which may hold more: the API
    server's defaults)."""
    if isinstance(wanted, dict):
        return isinstance(stored, dict) and all(
            k in stored and _covers(stored[k], v) for k, v in wanted.items()
        )
    if isinstance(wanted, list):
        return (
            isinstance(stored, list)
            and len(stored) == len(wanted)
            and all(_covers(s, w) for s, w in zip(stored, wanted, strict=True))
        )
    return bool(stored == wanted)


def wait_established(api: ApiClient, names: list[str], timeout: float) -> None:
    """Return once every CRD in `names` is Established (its kind served); a
    KubeError naming those that are not after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    waiting = list(names)
    while True:
        waiting = [n for n in waiting if not _established(api, n)]
        if not waiting:
            return
        if time.monotonic() >= deadline:
            raise KubeError(
                f"CRDs not Established after {timeout:g}s: {', '.join(waiting)} "
                "(see `kubectl describe crd NAME`)"
            )
        time.sleep(0.2)


def _established(api: ApiClient, name: str) -> bool:
    crd = get(api, "apiextensions.k8s.io/v1", "CustomResourceDefinition", name)
    conditions = ((crd or {}).get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Established" and c.get("status") == "True" for c in conditions)


__all__ = ["PATHS", "KubeError", "Obj", "Outcome", "apply", "get", "request", "wait_established"]
