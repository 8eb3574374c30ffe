"""The controller: watches the store, queues keys, runs reconcilers, holds the lease.

One Manager per data directory drives runs (the lease says which); everything else
(CLI, console) only writes objects and reads status. The moment the lease may no
longer be held (a renewal failed, say on a full disk, or found another holder), the
Manager stops: its reconcilers act through fenced hands (fence.py), so not one more
write or step start gets through, and whoever runs it may try to acquire again.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from typing import Any, cast

from ..api.objects import GROUP_VERSION, controller_of
from ..config import Home
from ..errors import Gone, LeaseLost, StorageError
from ..runtime.base import Runtime
from ..runtime.unitdir import process_alive
from ..store.base import Obj, Store
from ..store.lease import CONTROLLER_LEASE, HELD_FRACTION, Lease
from .context import Context, utcnow
from .fence import FencedRuntime, FencedStore
from .jobs import reconcile_job
from .kubelet import Kubelet
from .workflowrun import reconcile_run

log = logging.getLogger("treadle.controller")

WORKERS = 3
"""Reconcile threads: a slow pass over one run (a DAG of a thousand nodes, a step's
events) must not hold up a pod that just finished. The queue never hands one key to
two workers at once."""
LEASE_TTL = 15.0
RENEW_EVERY = 5.0

Key = tuple[str, str, str]
"""(kind, namespace, name)"""

_WATCHED = (
    (GROUP_VERSION, "WorkflowRun"),
    ("v1", "Pod"),
    ("batch/v1", "Job"),
)


def holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Manager:
    def __init__(
        self,
        store: Store,
        runtime: Runtime,
        home: Home,
        *,
        holder: str | None = None,
        clock: Callable[[], Any] = utcnow,
    ) -> None:
        from ..controller.queue import WorkQueue

        self.store = store
        self.runtime = runtime
        self.home = home
        self.queue = WorkQueue()
        self.ctx = Context(
            FencedStore(store, self._check_lease),
            FencedRuntime(runtime, self._check_lease),
            home,
            clock,
            enqueue=self._want,
        )
        self.kubelet = Kubelet(self.ctx)
        self.lease = Lease(store, CONTROLLER_LEASE, holder or holder_id(), LEASE_TTL)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.reconciles = 0
        self._owns_store = False
        self.reconcile_seconds = 0.0
        self.lost: str | None = None
        """Why this Manager stopped driving without being asked to, once it has."""
        self._closing = threading.Lock()
        self._closed = False
        self._wants = threading.Lock()
        self._wanted: set[Key] = set()
        """Keys with work: seen changing, or their last reconcile asked to look again."""
        self._wanted_since_taken: set[Key] = set()

    @classmethod
    def for_home(cls, home: Home, *, holder: str | None = None) -> Manager:
        """The controller of a data directory, on a connection of its own.

        Its writes (statuses, events, children) are durable against the process being
        killed, like every WAL commit, but skip the per-commit fsync that guards what
        users are told was stored against power loss: what the controller writes, it
        can derive again from what it finds.
        """
        from ..runtime.local import LocalRuntime
        from ..store.sqlite import SqliteStore

        store = SqliteStore(home.ensure().database, synchronous="NORMAL")
        manager = cls(store, LocalRuntime.for_home(home), home, holder=holder)
        manager._owns_store = True
        return manager

    # -- lifecycle -------------------------------------------------------------------

    def try_start(self) -> bool:
        """Take the lease and start driving runs in background threads; False if
        another process already drives this data directory."""
        if not self.lease.acquire():
            if not self._take_over_from_dead_holder():
                return False
        try:
            rv = self._resync()
            self.kubelet.sweep_orphans()
        except BaseException:
            self._let_go()
            raise
        loops: list[tuple[Callable[..., None], str, tuple[Any, ...]]] = [
            (self._watch_loop, "watch", (rv,)),
            *((self._work_loop, f"work-{i}", ()) for i in range(WORKERS)),
            (self._lease_loop, "lease", ()),
            (self._runtime_loop, "runtime", ()),
        ]
        for target, name, args in loops:
            t = threading.Thread(target=target, args=args, name=f"treadle-{name}", daemon=True)
            t.start()
            self._threads.append(t)
        return True

    def stop(self) -> None:
        """Stop driving, give the lease up, close the database; running steps keep
        running and are re-adopted on restart. Once only: later calls return."""
        with self._closing:
            if self._closed:
                return
            self._closed = True
        self._stop.set()
        self.queue.close()
        for t in self._threads:
            t.join(timeout=5)
        self._threads.clear()
        try:
            self._let_go()
        finally:
            self.lease.close()
            if self._owns_store:
                self.store.close()

    def request_stop(self) -> None:
        """Ask every loop to end soon; `stop` then finishes the shutdown."""
        self._stop.set()
        self.queue.close()

    def _let_go(self) -> None:
        """Release the lease, before anything closes the database it lives in."""
        try:
            self.lease.release()
        except StorageError as exc:
            log.warning(
                "could not release the controller lease (%s); it expires within %g s",
                exc,
                LEASE_TTL,
            )

    def _take_over_from_dead_holder(self) -> bool:
        """A holder on this host whose process is gone (killed with -9) cannot renew;
        rather than wait out its lease, release it on its behalf."""
        holder = self.lease.holder()
        if holder is None:
            return self.lease.acquire()
        host, _, pid = holder.rpartition(":")
        if host != socket.gethostname() or not pid.isdigit() or process_alive(int(pid), "-"):
            return False
        dead = Lease(self.store, CONTROLLER_LEASE, holder, LEASE_TTL)
        try:
            dead.release()
        finally:
            dead.close()
        return self.lease.acquire()

    def busy(self) -> bool:
        """Whether there is work: an object seen changing and not reconciled since,
        one whose last reconcile asked for another look (a running pod is polled),
        or a reconcile under way. A timer left behind by an object that has finished
        since (a run's timeout an hour away) is not work."""
        with self._wants:
            if self._wanted:
                return True
        return self.queue.in_progress() > 0

    @property
    def running(self) -> bool:
        return bool(self._threads) and not self._stop.is_set()

    def wait_stopped(self, timeout: float | None = None) -> None:
        self._stop.wait(timeout)

    # -- loops -----------------------------------------------------------------------

    def _resync(self) -> str:
        """Queue every object the controller owns a decision on; returns the rv to
        watch from."""
        rv = self.store.resource_version()
        for api_version, kind in _WATCHED:
            token = None
            while True:
                page = self.store.list(api_version, kind, None, limit=500, continue_token=token)
                for obj in page.items:
                    if not _finished(obj):
                        self._enqueue_for(obj)
                token = page.continue_token
                if not token:
                    break
        return rv

    def _watch_loop(self, since: str) -> None:
        while not self._stop.is_set():
            try:
                for event in self.store.watch(since=since, timeout=0.5):
                    since = event.resource_version
                    if event.type == "DELETED":
                        self._deleted(event.object)
                    self._enqueue_for(event.object)
                    if self._stop.is_set():
                        return
            except Gone:
                since = self._resync()
            except Exception:  # the loop must outlive any one bad event
                log.exception("watch failed; resyncing")
                time.sleep(0.5)
                since = self._resync()

    def _work_loop(self) -> None:
        while not self._stop.is_set():
            taken = self.queue.get(timeout=0.5)
            if taken is None:
                continue
            key = cast(Key, taken)  # the queue holds only the keys `_want` adds
            started = time.perf_counter()
            with self._wants:
                self._wanted_since_taken.discard(key)
            try:
                again = self._reconcile(key)
                self.queue.succeeded(key)
            except LeaseLost:
                return  # the lease went mid-reconcile: not one more act
            except StorageError as exc:  # a full disk, say: one line, not a traceback
                again = self.queue.failed(key)
                log.error("reconcile %s failed: %s; retrying in %.1fs", key, exc, again)
            except Exception:
                again = self.queue.failed(key)
                log.exception("reconcile %s failed; retrying in %.1fs", key, again)
            finally:
                self.queue.done(key)
                self.reconciles += 1
                self.reconcile_seconds += time.perf_counter() - started
            self._settled(key, again)
            if again is not None:
                self.queue.add_after(key, again)

    def _runtime_loop(self) -> None:
        """Turn the runtime's change notifications into pod reconciles at once."""
        while not self._stop.is_set():
            try:
                changed = self.runtime.changes(0.5)
            except OSError:
                log.exception("runtime notifications failed")
                time.sleep(0.5)
                continue
            for uid in changed:
                key = self.kubelet.key_of(uid)
                if key is not None:
                    self._want(("Pod", *key))

    def _lease_loop(self) -> None:
        while not self._stop.wait(RENEW_EVERY):
            try:
                renewed = self.lease.renew()
            except Exception as exc:  # not written, so not provably ours any more
                self._lose(f"the controller lease could not be renewed: {exc}")
                return
            if not renewed:
                self._lose("another process took the controller lease")
                return

    # -- the lease, guarding every act -------------------------------------------------

    def _check_lease(self) -> None:
        """Let a reconciler act only while the lease is surely held; raises LeaseLost."""
        if self._stop.is_set():
            raise LeaseLost(self.lost or f"the controller of {self.home.root} is stopping")
        if not self.lease.held():  # the renewals stalled: the lease may expire any time
            held_for = LEASE_TTL * HELD_FRACTION
            self._lose(f"the controller lease was not renewed for {held_for:g} s")
            raise LeaseLost(self.lost or "the controller lease was lost")

    def _lose(self, reason: str) -> None:
        with self._closing:
            first = self.lost is None
            if first:
                self.lost = reason
        if first:
            log.error("%s; no longer driving the runs of %s", reason, self.home.root)
        self.request_stop()

    # -- what there is to do ---------------------------------------------------------

    def _want(self, key: Key) -> None:
        with self._wants:
            self._wanted.add(key)
            self._wanted_since_taken.add(key)
        self.queue.add(key)

    def _settled(self, key: Key, again: float | None) -> None:
        with self._wants:
            if again is not None:
                self._wanted.add(key)
            elif key not in self._wanted_since_taken:
                # Done with it, unless it changed again while being reconciled.
                self._wanted.discard(key)

    # -- routing ---------------------------------------------------------------------

    def _reconcile(self, key: Key) -> float | None:
        kind, namespace, name = key
        if kind == "WorkflowRun":
            return reconcile_run(self.ctx, namespace, name)
        if kind == "Pod":
            return self.kubelet.reconcile(namespace, name)
        if kind == "Job":
            return reconcile_job(self.ctx, namespace, name)
        return None

    def _enqueue_for(self, obj: Obj) -> None:
        kind = obj.get("kind", "")
        meta = obj.get("metadata") or {}
        namespace = meta.get("namespace") or "default"
        if kind in ("WorkflowRun", "Pod", "Job"):
            self._want((kind, namespace, meta.get("name", "")))
        owner = controller_of(obj)
        if owner and owner.get("kind") in ("WorkflowRun", "Job"):
            self._want((owner["kind"], namespace, owner["name"]))

    def _deleted(self, obj: Obj) -> None:
        if obj.get("kind") == "Pod":
            self.kubelet.forget(obj)

    def queue_depth(self) -> int:
        return len(self.queue)


def _finished(obj: Obj) -> bool:
    return (obj.get("status") or {}).get("phase") in ("Succeeded", "Failed")
