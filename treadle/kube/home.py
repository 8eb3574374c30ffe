"""The Kubernetes home assembled: the workflow controller on a cluster's API server.

The same Manager and reconcilers as the embedded home, on a KubeStore, read
through a cache its watches keep (cache.py): on an API server every read is a
request, and a reconcile reads on every pass. The cluster's own kubelets, Job
controller and garbage collector do what the embedded operators do on one
machine; Treadle's operators for the platform's kinds (the T9k jobs,
SimpleMLService) run only where Treadle installed those kinds' CRDs
(`treadle install --kube --platform-kinds`), never beside the platform's own.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

from ..api.objects import GROUP_VERSION
from ..config import Home
from ..controller.manager import Manager
from ..controller.operator import OperatorFactory
from ..errors import BadRequest, Forbidden, NotFound
from ..runtime.base import LogLine, PodObservation, PodPlan
from ..store.base import Store
from .cache import ObjectCache
from .claims import ClaimMaker
from .connect import api_client
from .store import KubeStore

WORKERS = 8
"""Reconcile threads of the cluster's controller. A pass spends most of its time
waiting on the API server for its writes, not on this process's CPU: with the
embedded home's three, the last of 200 runs created one after another got its pod
one to three seconds after its create (bench/kube_pods.py, 2 cores); with eight,
within a few tenths of a second."""

WATCHED_FOR_READS = ((GROUP_VERSION, "WorkflowTemplate"),)
"""Kinds the controller only reads, watched so that its cache holds them: every run
reads its template when it starts."""


class ClusterKinds:
    """What the cluster serves, asked of its API (discovery through a list): a kind
    it has no API for is one no run can create, said at once instead of a hang."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def cannot_run(self, api_version: str, kind: str) -> str | None:
        try:
            self.store.list(api_version, kind, limit=1)
        except NotFound as exc:
            return str(exc)
        except Forbidden as exc:
            return f"the controller may not watch {kind} ({api_version}): {exc}"
        return None


class ClusterRuntime:
    """The Runtime seat of a Manager whose pods run on the cluster's nodes: nothing
    runs in this process, and an operator that tries is told so."""

    sandboxed = True

    def _refuse(self) -> BadRequest:
        return BadRequest("pods of a Kubernetes cluster run on its nodes, not in the controller")

    def start(self, plan: PodPlan) -> None:
        raise self._refuse()

    def observe(self, uid: str) -> PodObservation | None:
        return None

    def stop(self, uid: str, grace_seconds: float = 5.0) -> None:
        raise self._refuse()

    def logs(
        self,
        uid: str,
        container: str | None = None,
        *,
        follow: bool = False,
        tail_lines: int | None = None,
        since_time: str | None = None,
    ) -> Iterator[LogLine]:
        raise self._refuse()

    def exec(self, uid: str, container: str, argv: list[str]) -> list[str]:
        raise self._refuse()

    def remove(self, uid: str) -> None:
        return None

    def changes(self, timeout: float) -> set[str]:
        threading.Event().wait(timeout)
        return set()

    def units(self) -> list[str]:
        return []


class Impersonation:
    """The store as a run's service account uses it, one client per account."""

    def __init__(self, kubeconfig: str | Path | None) -> None:
        self.kubeconfig = kubeconfig
        self._stores: dict[str, KubeStore] = {}
        self._lock = threading.Lock()

    def __call__(self, namespace: str, service_account: str) -> Store:
        user = f"system:serviceaccount:{namespace}:{service_account}"
        with self._lock:
            store = self._stores.get(user)
            if store is None:
                store = KubeStore(api_client(self.kubeconfig, impersonate=user))
                self._stores[user] = store
            return store

    def close(self) -> None:
        with self._lock:
            for store in self._stores.values():
                store.close()
            self._stores.clear()


def platform_operators() -> tuple[OperatorFactory, ...]:
    """Treadle's operators for the platform's kinds; their pods go to the cluster."""
    from ..localcluster.mlservice import SimpleMLServiceOperator
    from ..localcluster.t9kjobs import T9kJobOperator

    return (T9kJobOperator, SimpleMLServiceOperator)


def kube_manager(
    kubeconfig: str | Path | None,
    *,
    platform_kinds: bool = False,
    holder: str | None = None,
    allow_host_path: bool = False,
) -> Manager:
    """The controller of the cluster of `kubeconfig` (None: in-cluster, or the
    default kubeconfig). It holds the Lease `treadle-system/controller` on the API
    server, so of several replicas one drives and the others wait. Stopping it
    closes its connections, those it opened as runs' service accounts too."""
    store = KubeStore(api_client(kubeconfig))
    cache = ObjectCache(store)
    impersonation = Impersonation(kubeconfig)
    # The Home names the installation in messages and carries the admission policy;
    # nothing of it is on this machine's disk.
    home = Home(Path(f"kubernetes:{store.server}"), allow_host_path=allow_host_path)
    return Manager(
        store,
        ClusterRuntime(),
        home,
        operators=(ClaimMaker, *(platform_operators() if platform_kinds else ())),
        cluster=ClusterKinds(store),
        owns_store=True,
        holder=holder,
        # What a run creates as its account is read back from the cache as well.
        impersonate=lambda ns, account: cache.writing_through(impersonation(ns, account)),
        cache=cache,
        watch_also=WATCHED_FOR_READS,
        workers=WORKERS,
        closes=(impersonation.close,),
        pulls_images=True,
    )
