"""What the Manager asks of an operator: the controller of some kinds other than
WorkflowRun, run by the same queue, watch and lease as the workflow reconcilers.

The Manager knows only this interface; which operators there are is for whoever
assembles it to say. The embedded cluster (`treadle.localcluster`) brings the
kubelet and the batch/v1 Job controller; on a real cluster the cluster's own take
their place and the Manager may run with none.

An operator acts only through the Context it is built with, whose store and runtime
are fenced by the lease (fence.py): it needs no lease logic of its own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Sequence
from typing import Protocol

from ..store.base import Obj
from .context import Context

GroupKind = tuple[str, str]
"""(apiVersion, kind), e.g. ("batch/v1", "Job")."""

Loop = tuple[str, Callable[[threading.Event], None]]
"""A background loop: its thread's name, and a body that returns soon after the
event it is handed is set (the Manager's stop; the body only reads it)."""


class Operator(Protocol):
    """The controller of `kinds`. Subclass it to inherit the hooks' defaults (none)."""

    kinds: Collection[GroupKind]
    """What it reconciles. Two operators of one Manager never share a kind name: keys
    in the queue are (kind, namespace, name), as reconcilers ask for them."""
    owner_kinds: Collection[GroupKind]
    """Of `kinds`, those reconciled again whenever an object they control changes (a
    Job, when one of its Pods does)."""

    def reconcile(self, kind: str, namespace: str, name: str) -> float | None:
        """Bring one object towards its spec; seconds until another look is needed
        even without a change, or None. Called with one key at a time, never twice
        at once for the same key; it must be idempotent."""
        ...

    def start(self) -> None:
        """Once the lease is held and before any reconcile: catch up on what changed
        while no controller ran (the kubelet's orphan sweep)."""
        return None

    def deleted(self, obj: Obj) -> None:
        """An object of one of its kinds was deleted: its last state, or, when the
        deletion fell in a gap of the watch and was found by listing again, only
        which object it was (apiVersion, kind, metadata namespace, name and uid).
        It may be told twice of one deletion, so it must be idempotent."""
        return None

    def loops(self) -> Sequence[Loop]:
        """Work besides reconciles, each loop in a thread of its own while the
        Manager drives (the kubelet turns runtime notifications into reconciles)."""
        return ()


OperatorFactory = Callable[[Context], Operator]
"""Builds an operator on the Manager's (fenced) Context; an operator class is one."""


__all__ = ["GroupKind", "Loop", "Operator", "OperatorFactory"]
