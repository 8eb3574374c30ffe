"""The Runtime interface: start, observe, stop, read logs of, and exec into pod-like units.

The controller hands a runtime a fully resolved `PodPlan` (commands, env, host paths
of every mount); the runtime knows nothing of the Store or the API types.
Backends: `runtime/local.py` (processes) and, later, `runtime/kube.py` (pods).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal, Protocol


@dataclass(frozen=True)
class Mount:
    host_path: str
    """The volume's directory on the host."""
    container_path: str
    read_only: bool = False
    sub_path: str = ""
    """What of the volume is mounted: a path beneath `host_path`, resolved (and made,
    if missing) when the container starts, never through a symlink out of it."""


@dataclass(frozen=True)
class ContainerPlan:
    name: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    working_dir: str | None = None
    image: str | None = None
    mounts: list[Mount] = field(default_factory=list)
    memory_limit_bytes: int | None = None


@dataclass(frozen=True)
class PodPlan:
    uid: str
    """Unique key of the unit; starting the same uid twice starts it once."""
    name: str
    namespace: str
    init_containers: list[ContainerPlan] = field(default_factory=list)
    """Run one after another; the first non-zero exit fails the pod and the rest
    (and `containers`) never start. SeqPod steps are init containers."""
    containers: list[ContainerPlan] = field(default_factory=list)
    """Run together after the init containers; the first non-zero exit stops the others."""


ContainerStateName = Literal["waiting", "running", "terminated", "skipped"]
"""`skipped`: the unit finished without starting the container (an earlier init
container failed, another container failed first, or the unit was stopped)."""
PodPhase = Literal["Pending", "Running", "Succeeded", "Failed", "Unknown"]


@dataclass(frozen=True)
class ContainerState:
    name: str
    state: ContainerStateName
    exit_code: int | None = None
    """Set once terminated: 128 + the signal number for a process killed by a signal;
    None when it cannot be known (the process vanished with its supervisor)."""
    reason: str | None = None
    """`Completed`, `Error`, `OOMKilled`, `Killed` (stopped), `StartError` …"""
    message: str | None = None
    started_at: str | None = None
    finished_at: str | None = None


@dataclass(frozen=True)
class PodObservation:
    uid: str
    phase: PodPhase
    init_containers: list[ContainerState]
    containers: list[ContainerState]
    message: str | None = None


@dataclass(frozen=True)
class LogLine:
    container: str
    time: str
    """RFC 3339 UTC with microseconds, when the runtime read the line."""
    text: str
    """The line without its trailing newline."""


class Runtime(Protocol):
    sandboxed: bool
    """True when mounts appear at their `container_path`; False when the host's
    own paths must be used (see `resolve_path`)."""

    def start(self, plan: PodPlan) -> None:
        """Start the unit, detached from the caller so it outlives it. Idempotent."""
        ...

    def observe(self, uid: str) -> PodObservation | None:
        """Current state, or None if this uid was never started (or was removed)."""
        ...

    def stop(self, uid: str, grace_seconds: float = 5.0) -> None:
        """SIGTERM every process of the unit, SIGKILL after the grace period. Returns
        without waiting (`observe` shows when they are gone); containers not started
        yet never start, and stopped ones report reason `Killed`."""
        ...

    def logs(
        self,
        uid: str,
        container: str | None = None,
        *,
        follow: bool = False,
        tail_lines: int | None = None,
        since_time: str | None = None,
    ) -> Iterator[LogLine]:
        """Lines of one container (None: all, in time order). `since_time` (RFC 3339)
        keeps lines read at or after it, `tail_lines` the last N of those. With
        `follow`, keeps yielding until the unit has finished and its output is
        drained. Raises NotFound (unknown unit or container), BadRequest (a malformed
        filter)."""
        ...

    def exec(self, uid: str, container: str, argv: list[str]) -> list[str]:
        """The argv that runs `argv` inside the container's sandbox, working dir
        and environment (the caller attaches a pty). Raises NotFound (unknown unit or
        container), BadRequest (the container is not running)."""
        ...

    def remove(self, uid: str) -> None:
        """Stop the unit if needed and delete everything it left (logs included)."""
        ...

    def changes(self, timeout: float) -> set[str]:
        """Wait up to `timeout` seconds for units to change state and return their
        uids (possibly none). Hints only: callers still observe units now and then."""
        ...

    def units(self) -> list[str]:
        """uids of every unit the runtime holds, finished or not."""
        ...
