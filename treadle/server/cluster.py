"""The client a server of a Kubernetes cluster holds (`treadle server --kube`).

Imported only by such a server, so that serving a data directory does not load the
Kubernetes client library.
"""

from __future__ import annotations

from pathlib import Path

from ..api.policy import Policy
from ..kube.client import KubeClient
from ..kube.home import ClusterRuntime
from ..kube.store import KubeStore


class KubeServerClient(KubeClient):
    """The cluster's client, with the runtime seat of the Kubernetes home: the
    cluster's pods run on its nodes, so nothing runs in the server's process and
    what would (a process started beside a step) is refused, saying so."""

    def __init__(self, store: KubeStore, policy: Policy) -> None:
        super().__init__(store, policy)
        self.runtime = ClusterRuntime()

    @classmethod
    def connect(cls, kubeconfig: str | Path | None, policy: Policy) -> KubeServerClient:
        """The cluster of `kubeconfig` (None: in-cluster, else the default
        kubeconfig, as `treadle.kube.connect` resolves it). Raises BadRequest
        naming the kubeconfig when it cannot be used."""
        return cls(KubeStore.from_kubeconfig(kubeconfig), policy)


__all__ = ["KubeServerClient"]
