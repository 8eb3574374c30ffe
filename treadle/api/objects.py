"""Small facts about objects in wire form (dicts): keys, owners, labels."""

from __future__ import annotations

import hashlib
from typing import Any, NamedTuple

GROUP_VERSION = "batch.tensorstack.dev/v1beta1"
TEMPLATE_LABEL = "batch.tensorstack.dev/workflowTemplate"
RUN_LABEL = "batch.tensorstack.dev/workflowRun"
NODE_LABEL = "batch.tensorstack.dev/dagNode"
ATTEMPT_LABEL = "batch.tensorstack.dev/attempt"
CRON_LABEL = "batch.tensorstack.dev/cronWorkflowRun"
STOP_ANNOTATION = "batch.tensorstack.dev/stop"
"""Set (to a reason) on a running WorkflowRun to stop it; the controller does the rest."""
SYSTEM_NAMESPACE = "treadle-system"
"""The namespace of Treadle's own objects (the server's API tokens, the controller's
Lease), as `kube-system` is a cluster's: no namespace token is made for it."""


def label_value(name: str) -> str:
    """A name as a label value: itself when it fits in 63 characters, else cut and
    suffixed with a digest, so it stays unique. Readers match owners by uid anyway."""
    if len(name) <= 63:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[:54].rstrip('-.')}-{digest}"


class Key(NamedTuple):
    api_version: str
    kind: str
    namespace: str
    name: str


def key_of(obj: dict[str, Any]) -> Key:
    meta = obj.get("metadata") or {}
    return Key(obj["apiVersion"], obj["kind"], meta.get("namespace") or "default", meta["name"])


def owner_reference(owner: dict[str, Any], controller: bool = True) -> dict[str, Any]:
    meta = owner["metadata"]
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": meta["name"],
        "uid": meta["uid"],
        "controller": controller,
        "blockOwnerDeletion": True,
    }


def controller_of(obj: dict[str, Any]) -> dict[str, Any] | None:
    """The ownerReference marked controller (or the only one)."""
    refs = (obj.get("metadata") or {}).get("ownerReferences") or []
    for ref in refs:
        if ref.get("controller"):
            return dict(ref)
    return dict(refs[0]) if len(refs) == 1 else None


def is_owned_by(obj: dict[str, Any], owner: dict[str, Any]) -> bool:
    uid = owner["metadata"]["uid"]
    return any(
        r.get("uid") == uid for r in (obj.get("metadata") or {}).get("ownerReferences") or []
    )


def labels_of(obj: dict[str, Any]) -> dict[str, str]:
    return dict((obj.get("metadata") or {}).get("labels") or {})


def annotations_of(obj: dict[str, Any]) -> dict[str, str]:
    return dict((obj.get("metadata") or {}).get("annotations") or {})
