"""The client for a Kubernetes cluster: the Store on its API server, pod logs from
`pods/log`. The CLI uses it with `--kubeconfig`, and `treadle server --kube`
serves it."""

from __future__ import annotations

import builtins
import os
import time
from pathlib import Path
from typing import Any

from ..api.policy import Policy
from ..client.storeclient import StoreClient, _ns
from ..controller.leader import lease_holder
from ..errors import AlreadyExists, BadRequest
from .claims import new_claim
from .podlogs import PodLogs
from .store import KubeStore

VOLUMES_ON_A_CLUSTER = (
    "on a Kubernetes cluster a volume is a PersistentVolumeClaim on the cluster's "
    "storage; Treadle does not reach its files (use a pod, or kubectl cp)"
)
BIND_SECONDS = 30.0


class KubeClient(StoreClient):
    def __init__(self, store: KubeStore, policy: Policy | None = None) -> None:
        super().__init__(store, policy or Policy(), PodLogs(store.transport).read)
        self.store: KubeStore = store

    @classmethod
    def from_kubeconfig(cls, kubeconfig: str | Path) -> KubeClient:
        return cls(KubeStore.from_kubeconfig(kubeconfig))

    def controller_holder(self) -> str | None:
        """Who drives the cluster's runs now (None: nobody)."""
        return lease_holder(self.store)

    # A cluster's volumes are its claims. Their files are reachable from here only
    # where the claim's volume is a directory of this machine (a test node's).

    def list_volumes(self, namespace: str | None) -> builtins.list[dict[str, Any]]:
        claims = self.store.list("v1", "PersistentVolumeClaim", _ns(namespace)).items
        return [{"name": c["metadata"]["name"], "files": None, "bytes": None} for c in claims]

    def volume_files(
        self, namespace: str | None, claim: str, path: str = ""
    ) -> builtins.list[dict[str, Any]]:
        raise BadRequest(VOLUMES_ON_A_CLUSTER)

    def delete_volume(self, namespace: str | None, claim: str) -> None:
        self.store.delete("v1", "PersistentVolumeClaim", _ns(namespace), claim)

    def volume_path(self, namespace: str | None, claim: str) -> str:
        """The directory of a claim's volume, making the claim as a run would
        (kube/claims.py) and awaiting its binding. Refused where the volume is not
        a directory of this machine."""
        ns = _ns(namespace)
        try:
            self.store.create(new_claim(ns, claim, "treadle volume path"))
        except AlreadyExists:
            pass
        deadline = time.monotonic() + BIND_SECONDS
        while True:
            found = self.store.get("v1", "PersistentVolumeClaim", ns, claim)
            volume = (found.get("spec") or {}).get("volumeName")
            if volume and (found.get("status") or {}).get("phase") == "Bound":
                break
            if time.monotonic() > deadline:
                raise BadRequest(
                    f'claim "{ns}/{claim}" is not bound after {BIND_SECONDS:g} s: '
                    "the cluster has no volume for it (a storage class? a node?)"
                )
            time.sleep(0.2)
        pv = self.store.get("v1", "PersistentVolume", None, volume)
        path = ((pv.get("spec") or {}).get("hostPath") or {}).get("path")
        if not path or not os.path.isdir(path):
            raise BadRequest(
                f'claim "{ns}/{claim}" is bound to volume {volume}: {VOLUMES_ON_A_CLUSTER}'
            )
        return str(path)
