"""The embedded cluster assembled for a data directory: the workflow controller with
this machine's operators, on the SQLite store and the local runtime."""

from __future__ import annotations

from collections.abc import Sequence

from ..config import Home
from ..controller.manager import Manager
from ..controller.operator import GroupKind, OperatorFactory
from ..runtime.base import Runtime
from ..store.base import Store
from .holder import local_holder_gone, local_holder_id
from .jobs import JobController
from .kubelet import Kubelet
from .mlservice import SimpleMLServiceOperator
from .t9kjobs import T9kJobOperator

OPERATORS: tuple[OperatorFactory, ...] = (
    Kubelet,
    JobController,
    T9kJobOperator,
    SimpleMLServiceOperator,
)
"""What acts on objects here; the order is the order their start hooks run in."""
KINDS_RUN_HERE: tuple[GroupKind, ...] = (
    *Kubelet.kinds,
    *JobController.kinds,
    *T9kJobOperator.kinds,
    *SimpleMLServiceOperator.kinds,
)
"""The kinds of OPERATORS: a Resource run of any other kind would never finish."""


class LocalCluster:
    """What this machine can run: the kinds of its operators, nothing else."""

    def __init__(self, kinds: Sequence[GroupKind]) -> None:
        self.kinds = tuple(kinds)

    def cannot_run(self, api_version: str, kind: str) -> str | None:
        if (api_version, kind) in self.kinds:
            return None
        groups: dict[str, list[str]] = {}
        for av, k in self.kinds:
            groups.setdefault(av, []).append(k)
        runs = "; ".join(f"{', '.join(kinds)} ({av})" for av, kinds in groups.items())
        # The stored kinds are the ones any cluster merely stores (the Resource
        # reconciler's PASSIVE_KINDS); they never reach this question.
        return (
            f"kind {kind} ({api_version}) needs a Kubernetes cluster: embedded mode runs "
            f"only {runs}; it stores ConfigMap, Secret and PersistentVolumeClaim"
        )


def local_manager(
    store: Store,
    runtime: Runtime,
    home: Home,
    *,
    holder: str | None = None,
    owns_store: bool = False,
) -> Manager:
    """The controller of `home` on a store and runtime the caller opened; it holds
    the lease as `holder`, by default this process's `local_holder_id`, which a
    successor on this machine can tell is gone once it is."""
    return Manager(
        store,
        runtime,
        home,
        operators=OPERATORS,
        cluster=LocalCluster(KINDS_RUN_HERE),
        holder_gone=local_holder_gone,
        owns_store=owns_store,
        holder=holder or local_holder_id(),
    )


def manager_for_home(home: Home, holder: str | None = None) -> Manager:
    """The controller of a data directory, on a connection of its own.

    Its writes (statuses, events, children) are durable against the process being
    killed, like every WAL commit, but skip the per-commit fsync that guards what
    users are told was stored against power loss: what the controller writes, it
    can derive again from what it finds.
    """
    from ..runtime.local import LocalRuntime
    from ..store.sqlite import SqliteStore

    store = SqliteStore(home.ensure().database, synchronous="NORMAL")
    return local_manager(store, LocalRuntime.for_home(home), home, holder=holder, owns_store=True)


__all__ = [
    "KINDS_RUN_HERE",
    "OPERATORS",
    "LocalCluster",
    "local_holder_gone",
    "local_holder_id",
    "local_manager",
    "manager_for_home",
]
