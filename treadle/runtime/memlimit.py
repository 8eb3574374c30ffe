"""Applying a container's memory limit, as well as this host allows.

In order of preference:

1. a cgroup v2 child group with ``memory.max``, where the supervisor's own cgroup
   delegates the memory controller (``memory`` in its ``cgroup.subtree_control`` and
   writable): enforced by the kernel, and an OOM kill is seen (``memory.events``)
   and reported as reason ``OOMKilled``;
2. RLIMIT_DATA (soft and hard), set by the ``prlimit`` program just before the
   command starts: allocations beyond it fail (``MemoryError``, ``ENOMEM``), which
   the program reports as its own error; no OOM kill to detect;
3. RLIMIT_DATA set on the process just after it started (no ``prlimit`` program).

cgroup v1 hierarchies are left alone. What was applied is recorded per container in
the unit's ``limits.json``. Imported by the supervisor program: standard library only.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # `typing` costs milliseconds to import; annotations are strings
if TYPE_CHECKING:
    from typing import Any


class MemoryLimit:
    """How one container's limit is applied: `prefix` goes before its command (inside
    the sandbox), `attach` follows its start, `release` its end; `record` says how."""

    def __init__(self, group_name: str, limit: int, prlimit: str | None) -> None:
        self.limit = limit
        self.cgroup: str | None = None
        self.prefix: list[str] = []
        base = _cgroup_base()
        if base is not None:
            group = os.path.join(base, group_name)
            try:
                os.mkdir(group)
                with open(os.path.join(group, "memory.max"), "w") as f:
                    f.write(str(limit))
                self.cgroup = group
                self._set("cgroup-v2", group)
                return
            except OSError:
                _rmdir(group)
        if prlimit:
            self.prefix = [prlimit, f"--data={limit}", "--"]
            self._set("rlimit-data", "set by prlimit before the command starts")
        else:
            self._set("rlimit-data", "set just after the command started")

    def _set(self, mechanism: str, detail: str) -> None:
        self.record: dict[str, Any] = {
            "memory_limit_bytes": self.limit,
            "mechanism": mechanism,
            "detail": detail,
            "oom_kills_reported": mechanism == "cgroup-v2",
        }

    def attach(self, pid: int) -> None:
        """Put the started process `pid` under the limit (the cgroup or the rlimit)."""
        if self.cgroup is not None:
            try:
                with open(os.path.join(self.cgroup, "cgroup.procs"), "w") as f:
                    f.write(str(pid))
            except OSError:
                self._set("none", "could not move the container into its cgroup")
        elif not self.prefix:
            try:
                import resource

                resource.prlimit(pid, resource.RLIMIT_DATA, (self.limit, self.limit))
            except (ImportError, AttributeError, OSError):
                self._set("none", "no way to limit memory on this host")

    def release(self) -> bool:
        """Remove the container's cgroup, if any; True if the kernel OOM-killed in it."""
        if self.cgroup is None:
            return False
        oom = False
        try:
            with open(os.path.join(self.cgroup, "memory.events")) as f:
                for line in f:
                    key, _, value = line.partition(" ")
                    if key == "oom_kill" and int(value) > 0:
                        oom = True
        except (OSError, ValueError):
            pass
        _rmdir(self.cgroup)
        return oom


def _cgroup_base() -> str | None:
    """This process's cgroup v2 directory, if it lets us create children that have the
    memory controller; None otherwise (cgroup v1, no delegation, not writable)."""
    try:
        with open("/proc/self/cgroup") as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    for line in lines:
        if line.startswith("0::"):
            base = "/sys/fs/cgroup" + line[3:].rstrip("/")
            try:
                with open(os.path.join(base, "cgroup.subtree_control")) as f:
                    controllers = f.read().split()
            except OSError:
                return None
            if "memory" in controllers and os.access(base, os.W_OK):
                return base
    return None


def _rmdir(path: str) -> None:
    try:
        os.rmdir(path)
    except OSError:
        pass
