"""Leader election as Kubernetes does it: a `coordination.k8s.io/v1` Lease object,
written through the Store, so that one controller at a time drives the runs of a
store, whichever backend holds it.

The Lease says who holds it (`spec.holderIdentity`), since when (`acquireTime`),
when it was last renewed (`renewTime`, an RFC 3339 MicroTime) and for how long a
renewal counts (`leaseDurationSeconds`); `leaseTransitions` counts changes of
holder. It is free when nobody is named, or when `renewTime +
leaseDurationSeconds` has passed on the reader's clock: wall-clock seconds
(`time.time` unless a clock is given).

That comparison assumes that every contender and reader shares the writer's wall
clock: they all run on the one machine whose disk holds the data directory (a
container on it included: pid and time namespaces do not virtualise
CLOCK_REALTIME). The embedded store, SQLite, supports nothing else (not a network
file system). On that assumption the holder's `held` is judged on the same clock
too, so a step of that clock moves the holder's deadline and everyone else's alike.
Between machines it does not hold: a reader whose clock runs ahead would take a
live lease. A Store shared by several machines (a Kubernetes backend) therefore
needs expiry timed as client-go times it: from when this reader last saw the
record change, on its own monotonic clock. That is not done here because the
contenders of an embedded store are often one-shot (`treadle controller`, the
autostart of the CLI) and its readers stateless (`treadle status`): with no
earlier sighting, they could only wait a whole duration before any takeover, where
today a lease left by a crash is free as soon as it has run out.

Every write is guarded by the Store's optimistic concurrency: a Lease is taken
by creating it (AlreadyExists: someone was first) or by updating it with the
resourceVersion it was read at (Conflict: someone else wrote in between), so two
contenders never both win.

A holder renews well within its TTL (every third of it is the usual rhythm) and
must stop acting the moment it cannot be sure it still holds the lease: `held`
answers that without I/O, from when the last acquire or renew began.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..api.objects import SYSTEM_NAMESPACE
from ..errors import AlreadyExists, Conflict, NotFound
from ..store.base import Obj, Store

LEASE_API_VERSION = "coordination.k8s.io/v1"
LEASE_KIND = "Lease"
LEASE_NAMESPACE = SYSTEM_NAMESPACE
"""Where Treadle's own leases live, apart from the users' namespaces (as
Kubernetes keeps its controllers' leases in kube-system)."""
CONTROLLER_LEASE = "controller"
"""The lease held by the one controller that drives a store's runs."""

HELD_FRACTION = 2 / 3
"""Of `ttl_seconds` after an acquire or renew began, how long `held` says yes. The
rest is the margin in which an action that passed the check still finishes before
anyone else may take the lease."""

_ATTEMPTS = 2
"""Reads and writes per call: a Conflict means someone wrote first, so the lease is
read again and judged afresh once (a label edited, say, need not lose it)."""

Clock = Callable[[], float]


def micro_time(seconds: float) -> str:
    """Wall-clock `seconds` as a Kubernetes MicroTime: RFC 3339, microseconds, UTC."""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _seconds(text: Any) -> float | None:
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


@dataclass(frozen=True)
class Record:
    """What a stored Lease says, read leniently: a field that is missing or not of
    its type counts as absent."""

    holder: str | None
    renewed: float | None
    """`renewTime` in wall-clock seconds."""
    duration: int | None
    transitions: int

    @classmethod
    def of(cls, obj: Obj) -> Record:
        spec = obj.get("spec")
        spec = spec if isinstance(spec, dict) else {}
        holder = spec.get("holderIdentity")
        duration = spec.get("leaseDurationSeconds")
        transitions = spec.get("leaseTransitions")
        return cls(
            holder=holder if isinstance(holder, str) and holder else None,
            renewed=_seconds(spec.get("renewTime")),
            duration=duration if isinstance(duration, int) and duration > 0 else None,
            transitions=transitions if isinstance(transitions, int) else 0,
        )

    def live_holder(self, now: float) -> str | None:
        """Who holds it at `now`; None if nobody is named or the renewal has run
        out. A lease that does not say until when it holds is free."""
        if self.holder is None or self.renewed is None or self.duration is None:
            return None
        return self.holder if now < self.renewed + self.duration else None


def lease_holder(
    store: Store,
    name: str = CONTROLLER_LEASE,
    *,
    namespace: str = LEASE_NAMESPACE,
    clock: Clock = time.time,
) -> str | None:
    """Who holds the lease `name` now, as any reader sees it; None if nobody does or
    the holder let it expire. Raises what the store raises for a failed read."""
    try:
        obj = store.get(LEASE_API_VERSION, LEASE_KIND, namespace, name)
    except NotFound:
        return None
    return Record.of(obj).live_holder(clock())


class LeaderLease:
    """The Lease `name` in `namespace` of `store`, as seen by `holder` (e.g.
    `host:pid:nonce`), who takes it for `ttl_seconds` at a time.

    The stored `leaseDurationSeconds` is a whole number (as Kubernetes has it), so
    `ttl_seconds` is rounded up there: others wait at least as long as `held`
    trusts a renewal. Safe to share between threads; the store stays the caller's.
    """

    def __init__(
        self,
        store: Store,
        name: str,
        holder: str,
        ttl_seconds: float,
        *,
        namespace: str = LEASE_NAMESPACE,
        clock: Clock = time.time,
    ) -> None:
        if ttl_seconds <= 0:
            raise ValueError("ttl_seconds must be positive")
        if not holder:
            raise ValueError("a lease holder needs a name")
        self.store = store
        self.name = name
        self.namespace = namespace
        self.holder_id = holder
        self.ttl_seconds = ttl_seconds
        self._duration = math.ceil(ttl_seconds)
        self._clock = clock
        self._held_until = float("-inf")
        self._lock = threading.Lock()

    # -- taking and keeping ---------------------------------------------------------

    def acquire(self) -> bool:
        """Take the lease if it is free, expired or already ours; True if we hold it.
        Raises what the store raises for a failed write (StorageError: a full disk,
        a read-only data directory), and is then not held."""
        began = self._clock()
        with self._lock, self._on_failure_not_held():
            held = self._write(self._taken, create=True)
            self._settle(began, held=held)
        return held

    def renew(self) -> bool:
        """Extend the lease; False if it no longer names us (someone else took it,
        or nobody holds it after a release): the caller must stop acting as holder,
        as it must when this raises (the renewal could not be written)."""
        began = self._clock()
        with self._lock, self._on_failure_not_held():
            held = self._write(self._renewed)
            self._settle(began, held=held)
        return held

    def release(self) -> None:
        """Give the lease up at once, if we hold it, so a successor need not wait."""
        with self._lock:
            self._held_until = float("-inf")
            self._write(self._released_by(self.holder_id))

    def release_on_behalf_of(self, holder: str) -> bool:
        """Clear the lease if it still names `holder`, one known to be gone for good
        (its process no longer exists), so that it need not be waited out; True if
        this cleared it. Guarded like every write: if anyone wrote the lease in
        between, it is judged again as it is now, so a successor keeps it."""
        with self._lock:
            return self._write(self._released_by(holder))

    # -- looking --------------------------------------------------------------------

    def held(self) -> bool:
        """Whether this process may still act as the holder, judged without the
        store: the last acquire or renew that succeeded began less than
        `HELD_FRACTION` of `ttl_seconds` ago, and nothing since failed or let go."""
        return self._clock() < self._held_until

    def holder(self) -> str | None:
        """Who holds the lease now; None if nobody does or the holder let it expire."""
        return lease_holder(self.store, self.name, namespace=self.namespace, clock=self._clock)

    def close(self) -> None:
        """Stop being the holder here (without writing: `release` gives it up)."""
        self._held_until = float("-inf")

    # -- the specs written ------------------------------------------------------------

    def _taken(self, old: Record | None, now: float) -> dict[str, Any] | None:
        if old is not None and old.live_holder(now) not in (None, self.holder_id):
            return None
        if old is not None and old.holder == self.holder_id:
            return self._renewed(old, now)  # ours already: no change of holder
        stamp = micro_time(now)
        return {
            "holderIdentity": self.holder_id,
            "leaseDurationSeconds": self._duration,
            "acquireTime": stamp,
            "renewTime": stamp,
            "leaseTransitions": 0 if old is None else old.transitions + 1,
        }

    def _renewed(self, old: Record | None, now: float) -> dict[str, Any] | None:
        # A lease that still names us is ours, even past its expiry: nobody took it.
        if old is None or old.holder != self.holder_id:
            return None
        return {"renewTime": micro_time(now), "leaseDurationSeconds": self._duration}

    @staticmethod
    def _released_by(holder: str) -> Callable[[Record | None, float], dict[str, Any] | None]:
        def released(old: Record | None, now: float) -> dict[str, Any] | None:
            if old is None or old.holder != holder:
                return None
            return {"holderIdentity": None}

        return released

    # -- the one way the lease is written ----------------------------------------------

    def _write(
        self,
        change: Callable[[Record | None, float], dict[str, Any] | None],
        *,
        create: bool = False,
    ) -> bool:
        """Read the lease, ask `change` for the spec fields to set (None: leave it
        as it is; a field set to None is removed) and write them with the
        resourceVersion read; True if written. A missing lease is created only
        with `create`."""
        for _ in range(_ATTEMPTS):
            try:
                obj: Obj | None = self.store.get(
                    LEASE_API_VERSION, LEASE_KIND, self.namespace, self.name
                )
            except NotFound:
                obj = None
            if obj is None and not create:
                return False
            fields = change(None if obj is None else Record.of(obj), self._clock())
            if fields is None:
                return False
            try:
                if obj is None:
                    self.store.create(self._new(fields))
                else:
                    self.store.update(_with_spec(obj, fields))
                return True
            except (AlreadyExists, Conflict, NotFound):
                continue  # someone else wrote first: judge again what is there now
        return False

    def _new(self, spec: dict[str, Any]) -> Obj:
        return {
            "apiVersion": LEASE_API_VERSION,
            "kind": LEASE_KIND,
            "metadata": {"name": self.name, "namespace": self.namespace},
            "spec": spec,
        }

    def _settle(self, began: float, *, held: bool) -> None:
        # Counted from when the write began, not ended: the stored renewTime is not
        # earlier than `began` (to the microsecond), so others see the lease alive
        # at least as long as `held` says (longer: the duration is rounded up).
        self._held_until = began + self.ttl_seconds * HELD_FRACTION if held else float("-inf")

    @contextmanager
    def _on_failure_not_held(self) -> Iterator[None]:
        """A write that failed may or may not have landed: assume the worst."""
        try:
            yield
        except BaseException:
            self._held_until = float("-inf")
            raise


def _with_spec(obj: Obj, fields: dict[str, Any]) -> Obj:
    """`obj` (as read, so its resourceVersion guards the update) with `fields` set
    in its spec, those set to None removed."""
    spec = dict(obj.get("spec") or {})
    for key, value in fields.items():
        if value is None:
            spec.pop(key, None)
        else:
            spec[key] = value
    return {**obj, "spec": spec}


__all__ = [
    "CONTROLLER_LEASE",
    "HELD_FRACTION",
    "LEASE_API_VERSION",
    "LEASE_KIND",
    "LEASE_NAMESPACE",
    "LeaderLease",
    "Record",
    "lease_holder",
    "micro_time",
]
