"""Who holds a data directory's controller lease, named so that a controller on the
same machine can tell for sure when that holder's process is gone.

A local holder identity is `host:pid:nonce:boot.pidns.start`: the Manager's
`host:pid:nonce` (`manager.holder_id`; the nonce, random per process, keeps two
containers that share a data directory, a hostname and pid 1 apart), then what
makes the pid mean one process: the first 8 hex digits of the kernel's boot id, the
inode of the pid namespace the pid is counted in, and the process's start time (in
clock ticks since boot, field 22 of /proc/<pid>/stat, so a reused pid is told apart).

`local_holder_gone` says "gone" only when all of that is checked here: same host,
same boot, same pid namespace, and no process with that pid and start time. Any
identity it cannot verify (another host or container, another boot, an older
`host:pid` identity, a machine without /proc) is "not gone": its lease is waited out,
never cleared from under a holder that may still be acting.
"""

from __future__ import annotations

import os
import socket

from ..controller.manager import holder_id
from ..runtime.unitdir import process_alive, process_start

_BOOT_ID = "/proc/sys/kernel/random/boot_id"
_PID_NAMESPACE = "/proc/self/ns/pid"
_UNKNOWN = "-"


def _boot() -> str:
    """The first 8 hex digits of this boot's id, or "-"."""
    try:
        with open(_BOOT_ID) as f:
            boot = f.read().strip().replace("-", "")[:8]
    except OSError:
        return _UNKNOWN
    return boot or _UNKNOWN


def _pid_namespace() -> str:
    """The inode of this process's pid namespace (`pid:[4026531836]`), or "-"."""
    try:
        link = os.readlink(_PID_NAMESPACE)
    except OSError:
        return _UNKNOWN
    inode = link.removeprefix("pid:[").removesuffix("]")
    return inode if inode.isdigit() else _UNKNOWN


def local_holder_id() -> str:
    """This process's identity as a controller lease holder (see the module)."""
    return f"{holder_id()}:{_boot()}.{_pid_namespace()}.{process_start(os.getpid())}"


def local_holder_gone(holder: str) -> bool:
    """Whether `holder` (a `local_holder_id`) is a process of this host, boot and pid
    namespace that no longer runs: killed with -9, it can never renew its lease."""
    parts = holder.split(":")
    if len(parts) != 4:
        return False
    host, pid, _nonce, where = parts
    boot, _, rest = where.partition(".")
    namespace, _, start = rest.partition(".")
    here = (socket.gethostname(), _boot(), _pid_namespace())
    if _UNKNOWN in here or (host, boot, namespace) != here:
        return False
    if not (pid.isdigit() and start.isdigit()):
        return False
    return not process_alive(int(pid), start)


__all__ = ["local_holder_gone", "local_holder_id"]
