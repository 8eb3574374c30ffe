"""Helpers for the runtime tests: building plans, waiting, finding processes."""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from treadle.runtime.base import ContainerPlan, ContainerState, Mount, PodObservation, PodPlan
from treadle.runtime.local import LocalRuntime
from treadle.runtime.sandbox import NOT_FROM_HOST, bwrap_works

_BWRAP = shutil.which("bwrap")
HAS_SANDBOX = _BWRAP is not None and bwrap_works(_BWRAP)


def sh(
    name: str,
    script: str,
    *,
    env: dict[str, str] | None = None,
    working_dir: str | None = None,
    mounts: Sequence[Mount] = (),
    memory_limit_bytes: int | None = None,
) -> ContainerPlan:
    """A container running `script` with sh -c."""
    return ContainerPlan(
        name=name,
        argv=["sh", "-c", script],
        env=env or {},
        working_dir=working_dir,
        mounts=list(mounts),
        memory_limit_bytes=memory_limit_bytes,
    )


def pod(init: Sequence[ContainerPlan] = (), containers: Sequence[ContainerPlan] = ()) -> PodPlan:
    return PodPlan(
        uid=uuid.uuid4().hex,
        name="p",
        namespace="default",
        init_containers=list(init),
        containers=list(containers),
    )


def wait_finished(rt: LocalRuntime, uid: str, timeout: float = 15.0) -> PodObservation:
    deadline = time.monotonic() + timeout
    while True:
        obs = rt.observe(uid)
        assert obs is not None
        if obs.phase in ("Succeeded", "Failed"):
            return obs
        assert time.monotonic() < deadline, f"unit still {obs.phase}: {obs}"
        time.sleep(0.01)


def wait_for(predicate: Callable[[], object], what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def processes_with(marker: str) -> list[int]:
    """pids of live processes whose command line contains `marker`."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == os.getpid():
            continue
        try:
            with open(f"/proc/{name}/cmdline", "rb") as f:
                cmdline = f.read()
        except OSError:
            continue
        if marker.encode() in cmdline:
            found.append(int(name))
    return found


def state(obs: PodObservation, name: str) -> ContainerState:
    """The state of container `name` (init or not)."""
    return next(s for s in obs.init_containers + obs.containers if s.name == name)


def visible(p: PodPlan, host_dir: Path) -> PodPlan:
    """`p` with `host_dir` mounted at its own path in every container, so that a
    sandboxed container sees it too (the sandbox's /tmp is its own)."""
    m = Mount(str(host_dir), str(host_dir))
    return replace(
        p,
        init_containers=[replace(c, mounts=[*c.mounts, m]) for c in p.init_containers],
        containers=[replace(c, mounts=[*c.mounts, m]) for c in p.containers],
    )


def unique_sleep(seconds: int) -> str:
    """A `sleep` command line no other test's process has (GNU sleep takes fractions)."""
    return f"sleep {seconds}.{uuid.uuid4().int % 10**9:09d}"


def shown_host_dir() -> Path | None:
    """A writable host directory the sandbox shows (read-only), unlike /tmp, which it
    replaces with its own: where a test puts what a sandbox must not see."""
    for base in (Path("/var/tmp"), Path.home()):
        if base.parts[1] not in NOT_FROM_HOST and base.is_dir() and os.access(base, os.W_OK):
            return base
    return None
