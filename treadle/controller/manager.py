"""The controller: watches the store, queues keys, runs reconcilers, holds the lease.

It reconciles WorkflowRuns itself and hands every other kind to the operators it is
given (operator.py): it knows no kind of theirs by name, nor the machine it runs on.
The embedded cluster (`treadle.localcluster.home`) assembles one for a data directory.

It watches as a controller on Kubernetes does, one watch (thread) per kind: WorkflowRuns,
the operators' kinds and Pods from the start, and any kind a Resource run creates
once its reconciler asks (`Context.watch_kind`). Each watch starts from a list of its
kind and lists it again when the store says Gone (or the watch fails); an operator's
object that list no longer shows was deleted in the gap, and its operator is told so
(`Operator.deleted`), as an informer tells of a DeletedFinalStateUnknown.

Where each read is a request (an API server), the Manager may be given a `Cache`:
reconcilers then read and write through it, and every list and change its watches
see is handed to it before any key is queued for it, as informers feed a lister.

One Manager per data directory drives runs (the lease says which); everything else
(CLI, console) only writes objects and reads status. The moment the lease may no
longer be held (a renewal failed, say on a full disk, or found another holder), the
Manager stops: its reconcilers act through fenced hands (fence.py), so not one more
write or step start gets through, and whoever runs it may try to acquire again.
"""

from __future__ import annotations

import inspect
import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, Protocol, cast

from ..api.objects import GROUP_VERSION, controller_of
from ..config import Home
from ..errors import Gone, LeaseLost, StorageError
from ..runtime.base import Runtime
from ..store.base import ChangeFeed, Obj, Store, WatchEvent
from .context import AnyKind, Cluster, Context, utcnow
from .fence import FencedRuntime, FencedStore
from .leader import CONTROLLER_LEASE, HELD_FRACTION, LEASE_NAMESPACE, LeaderLease
from .operator import GroupKind, Operator, OperatorFactory
from .workflowrun import reconcile_run

log = logging.getLogger("treadle.controller")

WORKERS = 3
"""Reconcile threads, unless the Manager is given another number: a slow pass over
one run (a DAG of a thousand nodes, a step's events) must not hold up a pod that
just finished. The queue never hands one key to two workers at once."""
LEASE_TTL = 15.0
RENEW_EVERY = 5.0
STOP_JOIN_SECONDS = 5.0
"""How long `stop` waits, in all, for the threads to end."""

Key = tuple[str, str, str]
"""(kind, namespace, name)"""

WORKFLOW_RUN: GroupKind = (GROUP_VERSION, "WorkflowRun")
POD: GroupKind = ("v1", "Pod")
"""Runs create Pods (podrun.py) and wait on them, with or without a kubelet here."""

HolderGone = Callable[[str], bool]
"""Whether the named lease holder is surely gone for good (its process no longer
exists), so that its lease may be released on its behalf instead of waited out."""


_NONCE = secrets.token_hex(4)
"""Drawn once per interpreter: two processes with one hostname and one pid (pid 1 of
two containers sharing a data directory) must never share a holder identity, or
each would take the other's lease for its own."""


def holder_id() -> str:
    """This process as a lease holder: `host:pid:nonce`, readable where `treadle
    status` shows who drives. (A fork keeps the nonce but not the pid.)"""
    return f"{socket.gethostname()}:{os.getpid()}:{_NONCE}"


WATCH_IDLE = 0.5
"""Seconds a watch of a ChangeFeed store waits for a change before it is opened again."""
REMOTE_WATCH_IDLE = 60.0
"""The same for a store over the network (an API server), where opening costs a
request; `stop` closes such watches at once."""


class Cache(Store, Protocol):
    """A store whose reads may be answered from what the Manager's lists and watches
    have seen (a store over the network, where each read is a request). The
    Manager hands each list and change to it before it queues a key for them, so
    that a reconcile never reads older than the change that woke it."""

    def listed(self, api_version: str, kind: str, items: list[Obj], resource_version: str) -> None:
        """Every object of a kind, as a list at `resource_version` showed them."""
        ...

    def changed(self, api_version: str, kind: str, event: WatchEvent) -> None:
        """One change of a listed kind, in the order its watch delivered them."""
        ...


def _close(events: object) -> None:
    close = getattr(events, "close", None)
    if close is not None:
        close()


class Manager:
    def __init__(
        self,
        store: Store,
        runtime: Runtime,
        home: Home,
        *,
        operators: Iterable[OperatorFactory] = (),
        cluster: Cluster | None = None,
        holder_gone: HolderGone | None = None,
        owns_store: bool = False,
        holder: str | None = None,
        clock: Callable[[], Any] = utcnow,
        impersonate: Callable[[str, str], Store] | None = None,
        lease: tuple[str, str] = (LEASE_NAMESPACE, CONTROLLER_LEASE),
        runs: bool = True,
        cache: Cache | None = None,
        watch_also: Iterable[GroupKind] = (),
        workers: int = WORKERS,
        closes: Iterable[Callable[[], None]] = (),
        pulls_images: bool = False,
    ) -> None:
        """`operators` are built on the fenced Context, in order; `cluster` says what
        the cluster can run (default: every kind); `holder_gone` lets a dead holder's
        lease be taken over at once; `owns_store`: `stop` closes the store;
        `impersonate` gives the store as a run's service account (Context.store_as);
        `lease` is the (namespace, name) of the Lease held, the controller's unless
        said; `runs`: reconcile WorkflowRuns (a node agent runs only its pods, and
        holds a lease of its own); `cache`: what reconcilers and operators read and
        write through instead of `store`, fed by the watches (the lease and the
        watches themselves use `store`); `watch_also`: kinds watched from the start
        though nothing here reconciles them, so that the cache holds them;
        `workers`: reconcile threads; `closes`: called by `stop` once the store
        is closed (what was opened for this Manager alone); `pulls_images`: the
        nodes that run pods pull their images (Context.pulls_images)."""
        from ..controller.queue import WorkQueue

        self.store = store
        self.runtime = runtime
        self.home = home
        self.queue = WorkQueue()
        self._cache = cache
        self.ctx = Context(
            FencedStore(store if cache is None else cache, self._check_lease),
            FencedRuntime(runtime, self._check_lease),
            home,
            clock,
            enqueue=self._want,
            cluster=cluster if cluster is not None else AnyKind(),
            pulls_images=pulls_images,
            watch_kind=self._watch_kind,
            impersonate=(
                None
                if impersonate is None
                else lambda ns, account: FencedStore(impersonate(ns, account), self._check_lease)
            ),
        )
        self.operators: list[Operator] = [build(self.ctx) for build in operators]
        self._by_kind: dict[str, Operator] = {}
        for op in self.operators:
            for api_version, kind in op.kinds:
                # Keys name a kind without its group (dagrun.py asks for a
                # ("WorkflowRun", namespace, name)), so a kind name is one operator's.
                if kind == WORKFLOW_RUN[1] or kind in self._by_kind:
                    raise ValueError(f"two controllers for kind {kind} ({api_version})")
                self._by_kind[kind] = op
        self._runs = runs
        self._owner_kinds = {
            *([WORKFLOW_RUN] if runs else []),
            *(k for op in self.operators for k in op.owner_kinds),
        }
        self._holder_gone = holder_gone
        # On the store itself, not the fenced one: the lease is what the fence asks.
        self.lease = LeaderLease(
            store, lease[1], holder or holder_id(), LEASE_TTL, namespace=lease[0]
        )
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.reconciles = 0
        self._owns_store = owns_store
        self._watch_also = list(watch_also)
        self._workers = workers
        self._closes = list(closes)
        self.reconcile_seconds = 0.0
        self.lost: str | None = None
        """Why this Manager stopped driving without being asked to, once it has."""
        self._closing = threading.Lock()
        self._closed = False
        self._wants = threading.Lock()
        self._wanted: set[Key] = set()
        """Keys with work: seen changing, or their last reconcile asked to look again."""
        self._wanted_since_taken: set[Key] = set()
        self._watch_lock = threading.Lock()
        self._open_watches: set[Iterable[Any]] = set()
        # A watch of the embedded store is a cheap read of its history, ended often
        # to look at `_stop`; an API server's is an HTTP stream, kept open and
        # closed by `stop` instead.
        self._watch_idle = WATCH_IDLE if isinstance(store, ChangeFeed) else REMOTE_WATCH_IDLE
        """Held to change `_watching`, `_listing` or `_threads`; never while listing."""
        self._watching: frozenset[GroupKind] = frozenset()
        """Kinds with a watch thread: those of `_kinds_watched_from_start`, and those
        a reconciler asked for since (`_watch_kind`). Replaced whole, never changed
        in place, so that it can be read without the lock."""
        self._listing: dict[GroupKind, threading.Event] = {}
        """Kinds whose first list `_watch_kind` is taking; set once it is over."""
        self._seen: dict[GroupKind, dict[tuple[str, str], str]] = {}
        """Of each operator's kind, the uid of every object as the last list and the
        watch since left it, by (namespace, name): what a list after a gap in the
        watch compares with to tell the operator of deletions it missed. Only the
        kind's watch thread touches it once started."""

    # -- lifecycle -------------------------------------------------------------------

    def try_start(self) -> bool:
        """Take the lease and start driving runs in background threads; False if
        another process already drives this data directory."""
        if not self.lease.acquire():
            if not self._take_over_from_dead_holder():
                return False
        try:
            positions = self._resync()
            for op in self.operators:
                op.start()
        except BaseException:
            self._let_go()
            raise
        loops: list[tuple[Callable[..., None], str, tuple[Any, ...]]] = [
            *(
                (self._watch_loop, f"watch-{kind}", (api_version, kind, rv))
                for (api_version, kind), rv in positions.items()
            ),
            *((self._work_loop, f"work-{i}", ()) for i in range(self._workers)),
            (self._lease_loop, "lease", ()),
            *((body, name, (self._stop,)) for op in self.operators for name, body in op.loops()),
        ]
        with self._watch_lock:
            if self._stop.is_set():
                # `stop` ran meanwhile (and released the lease): start no thread
                # that it would not join.
                return False
            self._watching = frozenset(positions)
            for target, name, args in loops:
                t = threading.Thread(target=target, args=args, name=f"treadle-{name}", daemon=True)
                t.start()
                self._threads.append(t)
        return True

    def stop(self) -> None:
        """Stop driving, give the lease up, close the database; running steps keep
        running and are re-adopted on restart. Once only: later calls return.

        The lease is released only once every thread has ended. One still running
        after `STOP_JOIN_SECONDS` (a reconcile stuck in a slow write, say) may be
        past its fence check with an act in hand; released, the lease could go to a
        successor before that act lands. Left to expire instead, it stays taken for
        the margin `held` keeps for just that (see leader.py)."""
        with self._closing:
            if self._closed:
                return
            self._closed = True
        self._stop.set()
        self.queue.close()
        # Under the lock that `_watch_kind` starts threads under: once `_stop` is
        # set, every thread it starts is in this list or none is started.
        with self._watch_lock:
            threads, self._threads = self._threads, []
            watches = list(self._open_watches)
        for events in watches:
            if not inspect.isgenerator(events):  # a generator closes on its own thread only
                _close(events)
        deadline = time.monotonic() + STOP_JOIN_SECONDS
        for t in threads:
            t.join(timeout=max(0.0, deadline - time.monotonic()))
        still = [t.name for t in threads if t.is_alive()]
        try:
            if still:
                log.warning(
                    "%s still running; the controller lease is left to expire within %g s",
                    ", ".join(still),
                    LEASE_TTL,
                )
            else:
                self._let_go()
        finally:
            self.lease.close()
            try:
                if self._cache is not None:
                    self._cache.close()
                if self._owns_store:
                    self.store.close()
            finally:
                for close in self._closes:
                    close()

    def request_stop(self) -> None:
        """Ask every loop to end soon; `stop` then finishes the shutdown."""
        self._stop.set()
        self.queue.close()

    def _let_go(self) -> None:
        """Release the lease, before anything closes the store it lives in."""
        try:
            self.lease.release()
        except StorageError as exc:
            log.warning(
                "could not release the controller lease (%s); it expires within %g s",
                exc,
                LEASE_TTL,
            )

    def _take_over_from_dead_holder(self) -> bool:
        """A holder whose process is gone (killed with -9) cannot renew; when
        `holder_gone` can tell, release its lease on its behalf rather than wait it out."""
        holder = self.lease.holder()
        if holder is None:
            return self.lease.acquire()
        if self._holder_gone is None or not self._holder_gone(holder):
            return False
        # Guarded by what was read: if anyone took the lease meanwhile, it stays theirs.
        self.lease.release_on_behalf_of(holder)
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

    def _kinds_watched_from_start(self) -> list[GroupKind]:
        """WorkflowRuns (and so child runs), every kind of the operators, and Pods,
        which runs create; kinds known only at run time join by `_watch_kind`."""
        runs = [WORKFLOW_RUN] if self._runs else []
        kinds = [*runs, *(k for op in self.operators for k in op.kinds), POD, *self._watch_also]
        return list(dict.fromkeys(kinds))

    def _resync(self) -> dict[GroupKind, str]:
        """Queue every unfinished object of the kinds watched from the start (and
        their owners); returns where each kind's watch starts."""
        return {k: self._list_kind(*k) for k in self._kinds_watched_from_start()}

    def _list_kind(self, api_version: str, kind: str, *, everything: bool = False) -> str:
        """Queue the objects of one kind that may need a decision, and their owners:
        the unfinished ones, or with `everything` all of them (after a watch missed
        changes, which may have been an object finishing). Of an operator's kind, an
        object listed before and missing now (or there again with another uid) was
        deleted in between: the operator is told before anything is queued. Returns
        the first page's resourceVersion: a watch from there misses nothing the
        pages did not show."""
        position: str | None = None
        token = None
        wanted: dict[Key, None] = {}
        listed: dict[tuple[str, str], str] = {}
        items: list[Obj] = []
        while True:
            page = self.store.list(api_version, kind, None, limit=500, continue_token=token)
            position = page.resource_version if position is None else position
            for obj in page.items:
                if everything or not _finished(obj):
                    wanted.update(dict.fromkeys(self._keys_for(obj)))
                listed[_name_of(obj)] = _uid_of(obj)
            if self._cache is not None:
                items += page.items
            token = page.continue_token
            if not token:
                break
        if self._cache is not None:
            # The pages after the first were read at the first one's position.
            self._cache.listed(api_version, kind, items, position)
        if self._operator_of(api_version, kind) is not None:
            before = self._seen.get((api_version, kind), {})
            for (namespace, name), uid in before.items():
                if listed.get((namespace, name)) != uid:
                    self._deleted(_last_known(api_version, kind, namespace, name, uid))
            self._seen[(api_version, kind)] = listed
        for key in wanted:
            self._want(key)
        return position

    def _watch_kind(self, api_version: str, kind: str) -> None:
        """`Context.watch_kind`: start one more watch thread, once per kind, from a
        list of the kind taken now (its unfinished objects queued, as at start).
        Only while driving: before `try_start` there is nothing to wake, and while
        stopping the caller's next act raises LeaseLost anyway.

        A kind watched already costs one lookup, without a lock: reconcilers ask on
        every pass. The first list of a kind is taken outside the lock, so a big
        one holds up only those asking for that kind, and they return once the
        watch's position is taken, before they create anything."""
        wanted = (api_version, kind)
        while wanted not in self._watching and self.running:
            with self._watch_lock:
                if wanted in self._watching:
                    return
                listing = self._listing.get(wanted)
                ours = listing is None
                if listing is None:
                    listing = self._listing[wanted] = threading.Event()
            if not ours:
                listing.wait()
                continue  # watched now, or its lister failed: ask again
            try:
                self._start_watch(api_version, kind)
            finally:
                with self._watch_lock:
                    del self._listing[wanted]
                listing.set()
            return

    def _start_watch(self, api_version: str, kind: str) -> None:
        """List the kind (unlocked: it may be big), then start its watch from there,
        unless the Manager began stopping meanwhile."""
        since = self._list_kind(api_version, kind)
        with self._watch_lock:
            # `stop` may have taken the threads to join while this listed.
            if self._stop.is_set():
                return
            self._watching = self._watching | {(api_version, kind)}
            t = threading.Thread(
                target=self._watch_loop,
                args=(api_version, kind, since),
                name=f"treadle-watch-{kind}",
                daemon=True,
            )
            t.start()
            self._threads.append(t)

    def _watch_loop(self, api_version: str, kind: str, since: str | None) -> None:
        """Follow one kind's changes from `since`, queueing what they touch; on Gone
        (or a failure) list the kind again and watch on from that list."""
        while not self._stop.is_set():
            try:
                if since is None:
                    since = self._list_kind(api_version, kind, everything=True)
                events = self.store.watch(
                    api_version, kind, None, since=since, timeout=self._watch_idle
                )
                with self._watch_lock:
                    self._open_watches.add(events)
                try:
                    for event in events:
                        since = event.resource_version
                        if self._cache is not None:
                            self._cache.changed(api_version, kind, event)
                        self._follow(api_version, kind, event.type, event.object)
                        self._enqueue_for(event.object)
                        if self._stop.is_set():
                            return
                finally:
                    with self._watch_lock:
                        self._open_watches.discard(events)
                    _close(events)
            except Gone:
                since = None
            except Exception:  # the loop must outlive any one bad event
                log.exception("watch of %s failed; listing it again", kind)
                since = None
                self._stop.wait(0.5)

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

    def operator(self, kind: str) -> Operator | None:
        """The operator that reconciles `kind`, if any."""
        return self._by_kind.get(kind)

    def _reconcile(self, key: Key) -> float | None:
        kind, namespace, name = key
        if kind == WORKFLOW_RUN[1]:
            return reconcile_run(self.ctx, namespace, name) if self._runs else None
        op = self._by_kind.get(kind)
        return op.reconcile(kind, namespace, name) if op is not None else None

    def _handles(self, api_version: str, kind: str) -> bool:
        if (api_version, kind) == WORKFLOW_RUN:
            return self._runs
        op = self._by_kind.get(kind)
        return op is not None and (api_version, kind) in op.kinds

    def _keys_for(self, obj: Obj) -> list[Key]:
        """The keys a change of `obj` concerns: its own, if reconciled here, and its
        controlling owner's, if that is reconciled again on its children's changes."""
        api_version, kind = obj.get("apiVersion", ""), obj.get("kind", "")
        meta = obj.get("metadata") or {}
        namespace = meta.get("namespace") or "default"
        keys: list[Key] = []
        if self._handles(api_version, kind):
            keys.append((kind, namespace, meta.get("name", "")))
        owner = controller_of(obj)
        if owner and (owner.get("apiVersion"), owner.get("kind")) in self._owner_kinds:
            keys.append((owner["kind"], namespace, owner["name"]))
        return keys

    def _enqueue_for(self, obj: Obj) -> None:
        for key in self._keys_for(obj):
            self._want(key)

    def _operator_of(self, api_version: str, kind: str) -> Operator | None:
        op = self._by_kind.get(kind)
        return op if op is not None and (api_version, kind) in op.kinds else None

    def _follow(self, api_version: str, kind: str, change: str, obj: Obj) -> None:
        """Keep `_seen` as a watch event of an operator's kind leaves it, and tell
        the operator of a deletion."""
        if self._operator_of(api_version, kind) is None:
            return
        seen = self._seen.setdefault((api_version, kind), {})
        if change == "DELETED":
            seen.pop(_name_of(obj), None)
            self._deleted(obj)
        else:
            seen[_name_of(obj)] = _uid_of(obj)

    def _deleted(self, obj: Obj) -> None:
        op = self._operator_of(obj.get("apiVersion", ""), obj.get("kind", ""))
        if op is not None:
            op.deleted(obj)

    def queue_depth(self) -> int:
        return len(self.queue)


def _name_of(obj: Obj) -> tuple[str, str]:
    meta = obj.get("metadata") or {}
    return meta.get("namespace") or "default", meta.get("name", "")


def _uid_of(obj: Obj) -> str:
    return (obj.get("metadata") or {}).get("uid") or ""


def _last_known(api_version: str, kind: str, namespace: str, name: str, uid: str) -> Obj:
    """What is known of an object whose deletion no watch event told (it happened
    while the watch was Gone): which object it was, as client-go's
    DeletedFinalStateUnknown tells an informer."""
    return {
        "apiVersion": api_version,
        "kind": kind,
        "metadata": {"namespace": namespace, "name": name, "uid": uid},
    }


def _finished(obj: Obj) -> bool:
    return (obj.get("status") or {}).get("phase") in ("Succeeded", "Failed")
