"""What every reconciler is handed: the store, the runtime, the clock, the home, and
what the cluster it runs against can run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from ..api.rules.run import MAX_NESTING
from ..config import Home
from ..runtime.base import Runtime
from ..store.base import Obj, Store
from ..store.events import record_event


def utcnow() -> datetime:
    return datetime.now(UTC)


def rfc3339(t: datetime) -> str:
    """RFC 3339 UTC with milliseconds: runs and nodes of a second or less are common,
    and their durations should not read as zero."""
    return t.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class Cluster(Protocol):
    """What the cluster behind the Store can honestly run: a fact of the cluster,
    not of the workflow reconcilers."""

    def cannot_run(self, api_version: str, kind: str) -> str | None:
        """Why objects of this kind would never be acted on here, or None."""
        ...


class AnyKind:
    """A real cluster: every kind can be created, and acting on it is for the
    cluster's controllers (or a Resource run's rules to find out)."""

    def cannot_run(self, api_version: str, kind: str) -> str | None:
        return None


@dataclass
class Context:
    store: Store
    runtime: Runtime
    home: Home
    clock: Callable[[], datetime] = utcnow
    max_depth: int = MAX_NESTING
    enqueue: Callable[[Any], None] = field(default=lambda key: None)
    """Ask for another reconcile of a key, e.g. a parent run when a child finished."""
    watch_kind: Callable[[str, str], None] = field(default=lambda api_version, kind: None)
    """`watch_kind(api_version, kind)`: have changes of this kind wake the runs that
    own its objects. The Manager watches one kind per watch, and knows the kinds a
    run creates only once the run says so; call it before creating an object of a
    kind known only at run time (a Resource run's manifest), and again on later
    passes (a restarted Manager knows no such kind until then). Once it returns the
    kind is watched from a list taken no earlier than the call, so an object
    created after it is seen. Idempotent and cheap once the kind is watched."""
    cluster: Cluster = field(default_factory=AnyKind)
    pulls_images: bool = False
    """Whether the nodes that run pods pull their images (a cluster's kubelets do);
    where they do not (the embedded home runs each command on this host), a run
    of images says so once, as it starts (its handler's `notes`)."""
    impersonate: Callable[[str, str], Store] | None = None
    """`impersonate(namespace, service_account)`: the store as that account may use
    it, where the cluster can tell accounts apart (Kubernetes); None where it cannot
    (the embedded home has one user), and `store_as` is then `store`."""

    def store_as(self, namespace: str, service_account: str | None) -> Store:
        """The store for what a run creates on its own behalf (a Resource run's
        manifest): as the run's service account, `default` when it names none, as
        a pod of the run would be, so a run can create only what its account may."""
        if self.impersonate is None:
            return self.store
        return self.impersonate(namespace, service_account or "default")

    def now(self) -> str:
        return rfc3339(self.clock())

    def event(self, obj: Obj, reason: str, message: str, type_: str = "Normal") -> None:
        record_event(self.store, obj, reason, message, type_)
