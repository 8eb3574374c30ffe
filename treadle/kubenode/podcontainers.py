"""Which container a request to this node's kubelet API is about: a pod the store
has, bound to this node, and one of its containers (init containers included)."""

from __future__ import annotations

from ..errors import NotFound
from ..store.base import Obj, Store


def node_pod(store: Store, node_name: str, namespace: str, pod: str, container: str) -> Obj:
    """The pod, once it is known to be this node's and to have `container`. Raises
    NotFound saying which of the three it is not."""
    try:
        obj = store.get("v1", "Pod", namespace, pod)
    except NotFound:
        raise NotFound(f'pod "{pod}" not found in namespace "{namespace}"') from None
    spec = obj.get("spec") or {}
    if spec.get("nodeName") != node_name:
        raise NotFound(f'pod "{namespace}/{pod}" does not run on node "{node_name}"')
    names = [c.get("name") for key in ("initContainers", "containers") for c in spec.get(key) or []]
    if container not in names:
        raise NotFound(f'container "{container}" not found in pod "{namespace}/{pod}"')
    return obj
