"""The controller's hands, tied the moment it may no longer hold the lease.

Reconcilers act through a `Store` and a `Runtime`; the Manager hands them these
wrappers instead, so that every write and every step started, stopped or removed
first asks `check` (which raises LeaseLost once the lease is not held for sure).
A reconcile that was half way through when the lease went stops at its next act,
not at its end. Reads pass straight through: looking is never a second driver.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ..runtime.base import LogLine, PodObservation, PodPlan, Runtime
from ..store.base import Obj, Page, Store, WatchEvent

Check = Callable[[], None]
"""Returns if the caller may act now; raises LeaseLost otherwise."""


class FencedStore:
    """A `Store` whose writes go through only while `check` allows."""

    def __init__(self, store: Store, check: Check) -> None:
        self._store = store
        self._check = check

    def create(self, obj: Obj, *, dry_run: bool = False) -> Obj:
        self._check()
        return self._store.create(obj, dry_run=dry_run)

    def update(self, obj: Obj, *, dry_run: bool = False) -> Obj:
        self._check()
        return self._store.update(obj, dry_run=dry_run)

    def update_status(self, obj: Obj) -> Obj:
        self._check()
        return self._store.update_status(obj)

    def delete(self, api_version: str, kind: str, namespace: str | None, name: str) -> Obj:
        self._check()
        return self._store.delete(api_version, kind, namespace, name)

    def get(self, api_version: str, kind: str, namespace: str | None, name: str) -> Obj:
        return self._store.get(api_version, kind, namespace, name)

    def list(
        self,
        api_version: str,
        kind: str,
        namespace: str | None = None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        limit: int | None = None,
        continue_token: str | None = None,
    ) -> Page:
        return self._store.list(
            api_version,
            kind,
            namespace,
            label_selector=label_selector,
            field_selector=field_selector,
            limit=limit,
            continue_token=continue_token,
        )

    def watch(
        self,
        api_version: str,
        kind: str,
        namespace: str | None = None,
        *,
        since: str,
        timeout: float | None,
    ) -> Iterator[WatchEvent]:
        return self._store.watch(api_version, kind, namespace, since=since, timeout=timeout)

    def close(self) -> None:
        # The Manager owns the store's lifetime, not the reconcilers.
        raise RuntimeError("reconcilers do not close the controller's store")


class FencedRuntime:
    """A `Runtime` that starts, stops and removes units only while `check` allows."""

    def __init__(self, runtime: Runtime, check: Check) -> None:
        self._runtime = runtime
        self._check = check
        self.sandboxed = runtime.sandboxed

    def start(self, plan: PodPlan) -> None:
        self._check()
        self._runtime.start(plan)

    def stop(self, uid: str, grace_seconds: float = 5.0) -> None:
        self._check()
        self._runtime.stop(uid, grace_seconds)

    def remove(self, uid: str) -> None:
        self._check()
        self._runtime.remove(uid)

    def observe(self, uid: str) -> PodObservation | None:
        return self._runtime.observe(uid)

    def logs(
        self,
        uid: str,
        container: str | None = None,
        *,
        follow: bool = False,
        tail_lines: int | None = None,
        since_time: str | None = None,
    ) -> Iterator[LogLine]:
        return self._runtime.logs(
            uid, container, follow=follow, tail_lines=tail_lines, since_time=since_time
        )

    def exec(self, uid: str, container: str, argv: list[str]) -> list[str]:
        return self._runtime.exec(uid, container, argv)

    def changes(self, timeout: float) -> set[str]:
        return self._runtime.changes(timeout)

    def units(self) -> list[str]:
        return self._runtime.units()


__all__ = ["Check", "FencedRuntime", "FencedStore"]
