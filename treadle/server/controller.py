"""The controller a server runs in its own process, in background threads.

One controller drives a data directory, or a cluster, at a time (the lease). If
another process holds it when the server starts (a `treadle controller`, a
CLI-started one, another replica on a cluster), the server serves the API anyway
and tries to take over every `retry_seconds`, so runs are driven again as soon as
that process stops. If the lease is lost later (a renewal failed, on a full disk
say, or found another holder), the same: the Manager has stopped driving at once;
this starts a fresh one that retries.

What it drives is the factory's business (`local_manager` of a data directory,
`kube_manager` of a cluster): this only starts, retries and stops what it makes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from ..controller.manager import Manager
from ..errors import StorageError

log = logging.getLogger("treadle.server")

RETRY_SECONDS = 2.0

ManagerFactory = Callable[[], Manager]
"""A new, unstarted Manager of what the server serves."""


class ControllerRunner:
    """Starts a `Manager` made by `make_manager` in the background and keeps trying
    until it holds the lease; after a lost lease, a new one from the factory."""

    def __init__(
        self, make_manager: ManagerFactory, *, retry_seconds: float = RETRY_SECONDS
    ) -> None:
        self._make_manager = make_manager
        self._retry = retry_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.manager: Manager | None = None
        self._started = False
        self._done = 0
        self._done_seconds = 0.0
        self._state = "starting"
        self._trouble: str | None = None
        """The storage failure last logged, so that a full disk is one line, not one
        every retry."""

    def start(self) -> None:
        """Try once now (so a server that can drive runs does so before it answers its
        first request), then keep trying in a thread."""
        self._attempt()
        self._thread = threading.Thread(
            target=self._loop, name="treadle-controller-runner", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop driving runs. Running steps keep running; the next controller of this
        data directory (or cluster) re-adopts them."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        with self._lock:
            if self.manager is not None:
                self.manager.stop()
                self.manager = None
            self._state = "stopped"

    def _loop(self) -> None:
        while not self._stop.wait(self._retry):
            self._attempt()

    def _attempt(self) -> None:
        with self._lock:
            if self._stop.is_set():
                return
            manager = self.manager
            if manager is not None and manager.running:
                return
            if manager is not None and self._started:
                # It ran and lost the lease: start afresh.
                log.warning(
                    "the controller stopped driving runs (%s); trying to take over",
                    manager.lost or "stopped",
                )
                manager.stop()
                self._done += manager.reconciles
                self._done_seconds += manager.reconcile_seconds
                manager = self.manager = None
                self._started = False
            try:
                if manager is None:
                    manager = self.manager = self._make_manager()
                started = manager.try_start()
            except StorageError as exc:
                if str(exc) != self._trouble:
                    log.error("cannot drive runs: %s; retrying every %g s", exc, self._retry)
                    self._trouble = str(exc)
                self._state = "waiting"
                return
            except Exception:
                log.exception("starting the controller failed; retrying every %g s", self._retry)
                self._state = "waiting"
                return
            self._trouble = None
            if started:
                self._started = True
                if self._state != "running":
                    log.info("controller running on %s", manager.home.root)
                self._state = "running"
                return
            if self._state != "waiting":
                log.info(
                    "another process (%s) drives %s; retrying every %g s",
                    _holder(manager),
                    manager.home.root,
                    self._retry,
                )
            self._state = "waiting"

    @property
    def state(self) -> str:
        """`starting`, `running`, `waiting` (another process holds the lease, or the
        data directory cannot be written, or the cluster cannot be reached),
        `stopped`. Not `running` from the moment the controller stops driving (a
        lost lease), not from the next retry."""
        manager = self.manager
        if self._state == "running" and (manager is None or not manager.running):
            return "waiting"
        return self._state

    def queue_depth(self) -> int:
        manager = self.manager
        return manager.queue_depth() if manager is not None and manager.running else 0

    def reconcile_totals(self) -> tuple[int, float]:
        """(reconciles done, seconds spent in them) since this server started."""
        manager = self.manager
        if manager is None:
            return self._done, self._done_seconds
        return self._done + manager.reconciles, self._done_seconds + manager.reconcile_seconds


def _holder(manager: Manager | None) -> str:
    if manager is None:
        return "?"
    try:
        return manager.lease.holder() or "?"
    except StorageError:
        return "?"


__all__ = ["RETRY_SECONDS", "ControllerRunner", "ManagerFactory"]
