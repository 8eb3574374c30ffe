"""Volumes for claims nobody else provisions: a cluster of test nodes has no storage
provisioner, and a Pending PersistentVolumeClaim keeps its pods unschedulable.

For each Pending claim without a storage class (or of class `treadle-local`), a
hostPath PersistentVolume is made, bound in advance to the claim (`claimRef`), at
the directory the node's kubelet gives the claim (`Home.volume(namespace, claim)`:
the kubelet resolves a claim by its name, so the volume must be that directory),
and pinned to this node, whose disk holds it. kube-controller-manager's volume
controller then binds the pair. When the claim is deleted its volume is deleted
too; the directory is kept, as the embedded home keeps a claim's directory until
`treadle volume rm`.
"""

from __future__ import annotations

import logging

from ..controller.context import Context
from ..controller.operator import GroupKind, Operator
from ..errors import AlreadyExists, BadRequest, NotFound
from ..store.base import Obj
from .node import HOSTNAME_LABEL

log = logging.getLogger("treadle.kubenode")

CLAIM: GroupKind = ("v1", "PersistentVolumeClaim")
STORAGE_CLASS = "treadle-local"
PROVISIONED_BY = "pv.kubernetes.io/provisioned-by"
PROVISIONER = "treadle.kube-node"


def volume_name(claim: Obj) -> str:
    """The volume of a claim: named by its uid, as dynamic provisioners name theirs,
    so that two nodes provisioning one claim make one volume."""
    return f"pvc-{claim['metadata']['uid']}"


class Provisioner(Operator):
    kinds = (CLAIM,)
    owner_kinds = ()

    def __init__(self, ctx: Context, node_name: str) -> None:
        self.ctx = ctx
        self.node_name = node_name

    def reconcile(self, kind: str, namespace: str, name: str) -> float | None:
        try:
            claim = self.ctx.store.get(*CLAIM, namespace, name)
        except NotFound:
            return None
        spec = claim.get("spec") or {}
        if (claim.get("status") or {}).get("phase", "Pending") != "Pending":
            return None
        if spec.get("volumeName") or spec.get("storageClassName") not in (None, "", STORAGE_CLASS):
            return None
        if spec.get("volumeMode", "Filesystem") != "Filesystem":
            return None  # a block device is not a directory
        try:
            path = self.ctx.home.ensure_volume(namespace, name)
        except (BadRequest, OSError) as exc:
            log.warning('claim "%s/%s": no volume: %s', namespace, name, exc)
            return None
        try:
            self.ctx.store.create(self._volume(claim, str(path)))
            log.info('claim "%s/%s": volume %s at %s', namespace, name, volume_name(claim), path)
        except AlreadyExists:
            pass  # made already, here or by another node
        return None

    def _volume(self, claim: Obj, path: str) -> Obj:
        meta = claim["metadata"]
        spec = claim.get("spec") or {}
        request = ((spec.get("resources") or {}).get("requests") or {}).get("storage", "1Gi")
        return {
            "apiVersion": "v1",
            "kind": "PersistentVolume",
            "metadata": {"name": volume_name(claim), "annotations": {PROVISIONED_BY: PROVISIONER}},
            "spec": {
                "capacity": {"storage": request},
                "accessModes": spec.get("accessModes") or ["ReadWriteOnce"],
                "hostPath": {"path": path, "type": "DirectoryOrCreate"},
                "persistentVolumeReclaimPolicy": "Retain",
                "storageClassName": spec.get("storageClassName") or "",
                "volumeMode": "Filesystem",
                "claimRef": {
                    "apiVersion": "v1",
                    "kind": "PersistentVolumeClaim",
                    "namespace": meta["namespace"],
                    "name": meta["name"],
                    "uid": meta["uid"],
                },
                "nodeAffinity": {
                    "required": {
                        "nodeSelectorTerms": [
                            {
                                "matchExpressions": [
                                    {
                                        "key": HOSTNAME_LABEL,
                                        "operator": "In",
                                        "values": [self.node_name],
                                    }
                                ]
                            }
                        ]
                    }
                },
            },
        }

    def deleted(self, obj: Obj) -> None:
        """The claim is gone: so goes the volume made for it (Released, it could
        never be bound again), not its directory."""
        if not (obj.get("metadata") or {}).get("uid"):
            return
        name = volume_name(obj)
        try:
            volume = self.ctx.store.get("v1", "PersistentVolume", None, name)
            if (volume["metadata"].get("annotations") or {}).get(PROVISIONED_BY) == PROVISIONER:
                self.ctx.store.delete("v1", "PersistentVolume", None, name)
        except NotFound:
            pass
