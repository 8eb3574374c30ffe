"""The state directory of one local unit: its files, their formats, and the processes
they name. Shared by `runtime/local.py` (the controller's side) and the supervisor
program (`runtime/supervisor.py`), so it imports only cheap standard-library modules.

``<root>/<uid>/`` holds:

- ``plan.json``: the `PodPlan` as started, and whether it runs sandboxed.
- ``spawn.marshal``: what the supervisor runs, resolved by the controller (argv with
  the sandbox's wrapper, environment, working dir, memory limit); marshal, because
  the json module is slow to import.
- ``supervisor.pid``: ``<pid> <start ticks>``, created with a hard link so that only
  one supervisor ever claims a unit: a unit never runs twice.
- ``supervisor.log``: the supervisor's own output (a crash's traceback).
- ``stop``: a stop request, holding the grace period in seconds; the requester then
  sends SIGTERM to the supervisor.
- ``containers/<name>.log``: one line per output line, ``<RFC 3339 µs UTC> <text>``;
  stdout and stderr share one pipe so they stay in order; a final line without a
  newline is kept (and given one in the file).
- ``containers/<name>.json``: the container's state, replaced atomically: ``running``
  with ``started_at``, ``pid``, ``pgid`` and ``pid_start``; then ``terminated`` with
  ``exit_code``, ``reason``, ``message`` and ``finished_at``, fsynced before it
  replaces the old one. No file: not started (skipped, once the unit has finished).
- ``limits.json``: how each memory limit was applied.
- ``result.json``: ``phase``, ``message`` and ``finished_at``, written last, after
  every log line and container state, and synced with its directory.
- ``home/``, ``tmp/``: HOME and TMPDIR of containers run without a sandbox.

``<root>/.notify`` is a FIFO on which every supervisor writes its uid when something
changed, for a controller that listens (`LocalRuntime.changes`).
"""

from __future__ import annotations

import os
import time

TYPE_CHECKING = False  # `typing` costs milliseconds to import; annotations are strings
if TYPE_CHECKING:
    from typing import Any

try:  # the C modules: the public wrappers import enum and re, which cost milliseconds
    import _signal as _sig
except ImportError:  # pragma: no cover - interpreters without it
    import signal as _sig
try:
    from _json import encode_basestring_ascii as _quote
except ImportError:  # pragma: no cover
    from json.encoder import encode_basestring_ascii as _quote

PLAN_FILE = "plan.json"
SPAWN_FILE = "spawn.marshal"
PID_FILE = "supervisor.pid"
SUPERVISOR_LOG = "supervisor.log"
STOP_FILE = "stop"
RESULT_FILE = "result.json"
LIMITS_FILE = "limits.json"
CONTAINERS_DIR = "containers"
NOTIFY_FIFO = ".notify"
START_ERROR_EXIT_CODE = 128
"""The exit code of a container that could not start, as container runtimes report."""


def rfc3339(t: float | None = None) -> str:
    """`t` (default: now) as RFC 3339 UTC with microseconds, e.g. 2024-05-01T12:00:00.000001Z."""
    if t is None:
        t = time.time()
    sec = int(t)
    return f"{time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(sec))}.{int((t - sec) * 1e6):06d}Z"


def dumps(value: Any) -> str:
    """JSON of None, bool, int, float, str, list and dict: the json module is too slow
    to import here."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return str(_quote(value))
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_quote(k)}: {dumps(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(dumps(v) for v in value) + "]"
    raise TypeError(f"cannot encode {type(value).__name__}")


def write_atomic(path: str, text: str, durable: bool = False, sync_dir: bool = False) -> None:
    """Replace `path` with `text` so that readers see the old or the new content, never
    a mix. With `durable`, the content is on disk before it replaces the old one, so a
    host crash leaves one or the other whole; with `sync_dir` the replacement itself is
    on disk too (a crash cannot bring the old content back)."""
    tmp = f"{path}.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.write(fd, text.encode())
        if durable or sync_dir:
            os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    if sync_dir:
        dfd = os.open(os.path.dirname(path) or ".", os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)


def _stat_fields(pid: int) -> list[bytes] | None:
    """/proc/<pid>/stat from field 3 (state) on, or None."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
    except OSError:
        return None
    return data[data.rfind(b")") + 2 :].split()


def process_start(pid: int) -> str:
    """The process's start time in clock ticks since boot ("-" where unknown): with the
    pid, it names a process even after the pid is reused."""
    fields = _stat_fields(pid)
    return fields[19].decode() if fields else "-"


def process_alive(pid: int, start: str) -> bool:
    """True when `pid` runs (not a zombie) and is the process that started at `start`."""
    if os.path.isdir("/proc/self"):
        fields = _stat_fields(pid)
        if fields is None or fields[0] in (b"Z", b"X"):
            return False
        return start in ("-", fields[19].decode())
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def term_sandbox(leader: int) -> bool:
    """SIGTERM the processes of a sandbox whose bwrap (outside) leads group `leader`;
    False if its command has not started yet (bwrap is still setting up).

    bwrap itself is spared: it would die of SIGTERM and take the sandbox down with
    SIGKILL, cutting the grace period short. So is its child, the sandbox's pid 1,
    which ignores signals it has no handler for."""
    targets = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            fields = _stat_fields(int(name))
            if fields is None or int(fields[2]) != leader:
                continue
            if int(name) != leader and int(fields[1]) != leader:
                targets.append(int(name))
    for pid in targets:
        try:
            os.kill(pid, _sig.SIGTERM)
        except OSError:
            pass
    return bool(targets)


def kill_session(sid: int, start: str) -> None:
    """SIGKILL every process of session `sid`, whose leader started at `start`, unless
    that number now belongs to another process. (A session id is not reused while any
    process is in the session.)"""
    fields = _stat_fields(sid)
    if fields is not None and start not in ("-", fields[19].decode()):
        return
    try:
        names = os.listdir("/proc")
    except OSError:
        return
    for name in names:
        if name.isdigit():
            fields = _stat_fields(int(name))
            if fields is not None and int(fields[3]) == sid:
                try:
                    os.kill(int(name), _sig.SIGKILL)
                except OSError:
                    pass


def kill_group(pgid: int, sig: int) -> None:
    """Send `sig` to process group `pgid`, if it still exists."""
    try:
        os.killpg(pgid, sig)
    except OSError:
        pass


def notify(fifo: str, uid: str) -> None:
    """Tell a listening controller that `uid` changed; a hint, dropped if nobody listens."""
    try:
        fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
    except OSError:
        return
    try:
        os.write(fd, uid.encode() + b"\n")
    except OSError:
        pass
    finally:
        os.close(fd)


def find_executable(name: str, path: str) -> str | None:
    """`name` looked up in `path` as execvp does; None if not found there."""
    if "/" in name:
        return name
    for d in path.split(os.pathsep):
        candidate = os.path.join(d or ".", name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None
