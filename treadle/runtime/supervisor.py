"""Run one unit of the local runtime: its init containers in order, then its containers.

`LocalRuntime.start` launches ``python -S -I supervisor.py <state dir>`` in a new
session with stdin from /dev/null, so the unit outlives the controller. This file is
standalone and imports only the standard library, and only its cheap C modules
(`_signal`, `_json`, `marshal`, `select`): its start-up time is paid by every unit.

The state directory is the whole contract with `runtime/local.py`:

- ``spawn.marshal`` (input): what to run, resolved by the controller.
- ``supervisor.pid``: ``<pid> <start ticks>``, created with a hard link so that only
  one supervisor ever claims a unit; a unit is never run twice.
- ``stop``: written by `LocalRuntime.stop` (the grace period in seconds), followed by
  SIGTERM to the supervisor.
- ``containers/<name>.log``: one line per output line, ``<RFC 3339 µs UTC> <text>``;
  stdout and stderr share one pipe so they stay in order; a final line without a
  newline is kept (and given one in the file).
- ``containers/<name>.json``: the container's state, replaced atomically: ``running``
  with ``started_at``, ``pid`` and ``pgid``; then ``terminated`` with ``exit_code``,
  ``reason``, ``message`` and ``finished_at``, written durably (fsync). A container
  without a file has not started; once the unit has finished it was skipped.
- ``limits.json``: how each memory limit was applied.
- ``result.json``: ``phase`` and ``message``, written durably and last, after every
  log line and container state.

Each container is a process in its own process group. When its main process exits,
whatever is left in its group is killed, as when a pod's container ends. A non-zero
exit of a container stops the others (SIGTERM, SIGKILL after a grace period); a stop
request does the same to every running container. Both report reason ``Killed``.
"""

from __future__ import annotations

import marshal
import os
import select
import sys
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

SPAWN_FILE = "spawn.marshal"
PID_FILE = "supervisor.pid"
STOP_FILE = "stop"
RESULT_FILE = "result.json"
LIMITS_FILE = "limits.json"
CONTAINERS_DIR = "containers"
NOTIFY_FIFO = ".notify"
"""In the runtime root: each supervisor writes its uid there on every change."""

FAILURE_GRACE_SECONDS = 5.0
"""How long the other containers get between SIGTERM and SIGKILL when one fails."""
DRAIN_SECONDS = 0.5
"""How long output is still read after a container's main process exited, in case
something that escaped its process group holds the pipe open."""
TERM_RETRY_SECONDS = 0.02
"""How soon a SIGTERM is retried for a sandbox that had nothing to signal yet."""
MAX_LINE = 64 * 1024
"""A longer run of output without a newline is logged as a line of its own."""
START_ERROR_EXIT_CODE = 128

_SIGDEF = (_sig.SIGPIPE, _sig.SIGXFSZ, _sig.SIGHUP)
"""Ignored in this process (by Python or below); containers get the defaults back."""


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


def write_atomic(path: str, text: str, durable: bool = False) -> None:
    """Replace `path` with `text` so that readers see the old or the new content, never
    a mix. With `durable`, the content and the rename survive a host crash."""
    tmp = f"{path}.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.write(fd, text.encode())
        if durable:
            os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    if durable:
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


def _find_executable(name: str, path: str) -> str | None:
    if "/" in name:
        return name
    for d in path.split(os.pathsep):
        candidate = os.path.join(d or ".", name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def _noop(signum: int, frame: object) -> None:
    """Signals are read from the wake-up pipe; the handler only has to exist."""


class Container:
    """One container while the supervisor runs it."""

    def __init__(self, spec: dict[str, Any], kind: str, state_dir: str) -> None:
        self.spec = spec
        self.kind = kind
        self.name: str = spec["name"]
        base = os.path.join(state_dir, CONTAINERS_DIR, self.name)
        self.log_path = base + ".log"
        self.state_path = base + ".json"
        self.pid = 0
        self.pid_start = "-"
        self.started_at = ""
        self.finished_at = ""
        self.fd: int | None = None
        self.log_fd: int | None = None
        self.pending = b""
        self.first_line: bytes | None = None
        self.status: int | None = None
        self.exited = 0.0
        self.kill_at: float | None = None
        self.term_pending = False
        self.signaled: str | None = None
        self.start_error: str | None = spec.get("start_error")
        self.cgroup: str | None = None
        self.done = False
        self.exit_code: int | None = None
        self.reason = ""
        self.message: str | None = None

    def label(self) -> str:
        return f'{"init container" if self.kind == "init" else "container"} "{self.name}"'


class Supervisor:
    def __init__(self, state_dir: str) -> None:
        self.dir = os.path.abspath(state_dir)
        self.uid = os.path.basename(self.dir)
        self.fifo = os.path.join(os.path.dirname(self.dir), NOTIFY_FIFO)
        self.spec: dict[str, Any] = {}
        self.stopping = False
        self.failure: Container | None = None
        self.limits: dict[str, Any] = {}
        self.by_fd: dict[int, Container] = {}
        self.by_pid: dict[int, Container] = {}
        self.wake_r, self.wake_w = os.pipe()
        os.set_blocking(self.wake_r, False)
        os.set_blocking(self.wake_w, False)
        self.poller = select.poll()
        self.poller.register(self.wake_r, select.POLLIN)

    def path(self, name: str) -> str:
        return os.path.join(self.dir, name)

    # -- life cycle ---------------------------------------------------------------

    def run(self) -> int:
        # Handlers first: `stop` signals the pid it reads from PID_FILE, so a SIGTERM
        # must never find the default action in place.
        _sig.set_wakeup_fd(self.wake_w, warn_on_full_buffer=False)
        for s in (_sig.SIGCHLD, _sig.SIGTERM, _sig.SIGINT):
            _sig.signal(s, _noop)
        _sig.signal(_sig.SIGHUP, _sig.SIG_IGN)
        if not self._claim() or os.path.exists(self.path(RESULT_FILE)):
            return 0
        with open(self.path(SPAWN_FILE), "rb") as f:
            self.spec = marshal.load(f)
        self.stopping = os.path.exists(self.path(STOP_FILE))
        init = [Container(s, "init", self.dir) for s in self.spec["init"]]
        main = [Container(s, "main", self.dir) for s in self.spec["containers"]]
        for c in init:
            if self.stopping or self.failure:
                break
            self._run_group([c])
        if not (self.stopping or self.failure):
            self._run_group(main)
        self._write_result(init + main)
        return 0

    def _claim(self) -> bool:
        tmp = self.path(f"{PID_FILE}.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            os.write(fd, f"{os.getpid()} {process_start(os.getpid())}\n".encode())
        finally:
            os.close(fd)
        try:
            os.link(tmp, self.path(PID_FILE))
            return True
        except FileExistsError:
            return False
        finally:
            os.unlink(tmp)

    def _write_result(self, containers: list[Container]) -> None:
        ran = [c for c in containers if c.done]
        if self.failure is not None:
            c = self.failure
            if c.reason == "StartError":
                message = f"{c.label()} could not start: {c.message}"
            elif c.reason == "OOMKilled":
                message = f"{c.label()} was killed for exceeding its memory limit"
            else:
                message = f"{c.label()} exited with code {c.exit_code} ({c.reason})"
            phase = "Failed"
        elif self.stopping:
            phase, message = "Failed", "stopped"
        elif len(ran) == len(containers):
            phase, message = "Succeeded", None
        else:  # pragma: no cover - every path above accounts for unstarted containers
            phase, message = "Failed", "containers did not run"
        result = {"phase": phase, "message": message, "finished_at": rfc3339()}
        write_atomic(self.path(RESULT_FILE), dumps(result), durable=True)
        notify(self.fifo, self.uid)

    # -- one group: an init container alone, or the containers together -----------

    def _run_group(self, group: list[Container]) -> None:
        active: list[Container] = []
        for c in group:
            self._on_signals(active)  # a stop may have come in since the last poll
            if self.stopping or self.failure:
                break
            self._spawn(c)
            active.append(c)
            if c.done:  # could not start
                self._after_finish(c, active)
        while not all(c.done for c in active):
            now = time.monotonic()
            deadlines = [c.kill_at for c in active if c.kill_at is not None and not c.done]
            deadlines += [c.exited + DRAIN_SECONDS for c in active if c.exited and not c.done]
            if any(c.term_pending and not c.exited for c in active):
                deadlines.append(now + TERM_RETRY_SECONDS)
            timeout = None if not deadlines else max(0, int((min(deadlines) - now) * 1000) + 1)
            for fd, _ in self.poller.poll(timeout):
                if fd == self.wake_r:
                    self._on_signals(active)
                elif fd in self.by_fd:
                    self._on_output(self.by_fd[fd])
            now = time.monotonic()
            for c in active:
                if c.done:
                    continue
                if c.kill_at is not None and now >= c.kill_at and not c.exited:
                    kill_group(c.pid, _sig.SIGKILL)
                    c.kill_at = None
                elif c.term_pending and not c.exited:
                    self._sigterm(c)
                if c.exited and (c.fd is None or now >= c.exited + DRAIN_SECONDS):
                    self._finish(c)
                    self._after_finish(c, active)

    def _after_finish(self, c: Container, active: list[Container]) -> None:
        if c.exit_code != 0 and self.failure is None and not self.stopping:
            self.failure = c
            self._terminate(active, FAILURE_GRACE_SECONDS, f"{c.label()} failed")

    def _terminate(self, active: list[Container], grace: float, why: str) -> None:
        """SIGTERM the running containers now, SIGKILL them after `grace` seconds."""
        deadline = time.monotonic() + grace
        for c in active:
            if c.done or c.exited or not c.pid:
                continue
            if c.signaled is None:
                c.signaled = why
            if grace <= 0:
                kill_group(c.pid, _sig.SIGKILL)
                continue
            c.kill_at = deadline if c.kill_at is None else min(c.kill_at, deadline)
            self._sigterm(c)

    def _sigterm(self, c: Container) -> None:
        if not self.spec["sandboxed"]:
            kill_group(c.pid, _sig.SIGTERM)
        else:
            # A sandbox still being set up has nothing to signal yet: retry shortly.
            c.term_pending = not term_sandbox(c.pid)

    def _on_signals(self, active: list[Container]) -> None:
        try:
            received = os.read(self.wake_r, 512)
        except BlockingIOError:
            return
        if _sig.SIGCHLD in received:
            self._reap()
        if _sig.SIGTERM in received or _sig.SIGINT in received:
            self.stopping = True
            self._terminate(active, self._stop_grace(), "stopped")

    def _stop_grace(self) -> float:
        try:
            with open(self.path(STOP_FILE)) as f:
                return max(0.0, float(f.read().strip() or 5.0))
        except (OSError, ValueError):
            return 5.0

    # -- one container --------------------------------------------------------------

    def _spawn(self, c: Container) -> None:
        spec = c.spec
        c.started_at = rfc3339()
        if c.start_error is None:
            argv = list(spec["argv"])
            if not self.spec["sandboxed"]:
                # Under bwrap the command is looked up inside the sandbox, whose PATH
                # may name directories the host does not have.
                exe = _find_executable(argv[0], spec["env"].get("PATH", os.defpath))
                if exe is None:
                    c.start_error = f'exec: "{argv[0]}": executable file not found in $PATH'
                else:
                    argv[0] = exe
            if c.start_error is None:
                self._spawn_process(c, [*spec["wrapper"], *self._limit_prefix(c), *argv])
        if c.start_error is not None:
            c.status = START_ERROR_EXIT_CODE << 8
            c.finished_at = rfc3339()
            self._finish(c)
            return
        self._write_state(c, {"state": "running", "started_at": c.started_at})

    def _spawn_process(self, c: Container, argv: list[str]) -> None:
        cwd = c.spec["cwd"]
        if cwd:
            # posix_spawn has no cwd; this process is single-threaded, so changing its
            # own directory around the spawn is safe.
            try:
                os.chdir(cwd)
            except OSError as e:
                c.start_error = f"working dir {cwd}: {e.strerror}"
                return
        c.log_fd = os.open(c.log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        r, w = os.pipe()
        try:
            c.pid = os.posix_spawn(
                argv[0],
                argv,
                c.spec["env"],
                file_actions=[
                    (os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
                    (os.POSIX_SPAWN_DUP2, w, 1),
                    (os.POSIX_SPAWN_DUP2, w, 2),
                ],
                setpgroup=0,
                setsigdef=_SIGDEF,
            )
        except OSError as e:
            os.close(r)
            c.start_error = f"{argv[0]}: {e.strerror}"
            return
        finally:
            os.close(w)
            if cwd:
                os.chdir("/")
        c.pid_start = process_start(c.pid)
        c.fd = r
        self.by_fd[r] = c
        self.by_pid[c.pid] = c
        self.poller.register(r, select.POLLIN)
        self._limit_after_spawn(c)

    def _on_output(self, c: Container) -> None:
        assert c.fd is not None
        data = os.read(c.fd, 65536)
        if not data:
            self.poller.unregister(c.fd)
            del self.by_fd[c.fd]
            os.close(c.fd)
            c.fd = None
            if c.pending:
                self._log(c, [c.pending])
                c.pending = b""
            return
        lines = (c.pending + data).split(b"\n")
        c.pending = lines.pop()
        if len(c.pending) >= MAX_LINE:
            lines.append(c.pending)
            c.pending = b""
        if lines:
            self._log(c, lines)

    def _log(self, c: Container, lines: list[bytes]) -> None:
        assert c.log_fd is not None
        if c.first_line is None:
            c.first_line = lines[0][:512]
        stamp = rfc3339().encode() + b" "
        out = memoryview(b"".join(stamp + line + b"\n" for line in lines))
        while out:
            out = out[os.write(c.log_fd, out) :]

    def _reap(self) -> None:
        while True:
            try:
                # WNOWAIT: the exited leader stays a zombie, so its group id cannot be
                # reused while what is left of the group is killed.
                info = os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
            except ChildProcessError:
                return
            if info is None or info.si_pid == 0:
                return
            pid = info.si_pid
            kill_group(pid, _sig.SIGKILL)
            _, status = os.waitpid(pid, 0)
            c = self.by_pid.pop(pid, None)
            if c is not None:
                c.status = status
                c.exited = time.monotonic()
                c.finished_at = rfc3339()

    def _finish(self, c: Container) -> None:
        if c.fd is not None:
            self.poller.unregister(c.fd)
            del self.by_fd[c.fd]
            os.close(c.fd)
            c.fd = None
        if c.pending:
            self._log(c, [c.pending])
            c.pending = b""
        if c.log_fd is not None:
            os.close(c.log_fd)
            c.log_fd = None
        status = c.status or 0
        if os.WIFSIGNALED(status):
            c.exit_code = 128 + os.WTERMSIG(status)
        else:
            c.exit_code = os.WEXITSTATUS(status)
        oom = self._limit_cleanup(c)
        first = (c.first_line or b"").decode(errors="replace")
        if c.start_error is not None:
            c.reason, c.message = "StartError", c.start_error
        elif oom:
            c.reason = "OOMKilled"
            c.message = f"memory limit of {c.spec['memory']} bytes exceeded"
        elif c.signaled is not None:
            c.reason, c.message = "Killed", c.signaled
        elif c.exit_code == 0:
            c.reason = "Completed"
        elif self.spec["sandboxed"] and c.exit_code == 1 and first.startswith("bwrap: "):
            c.reason, c.message = "StartError", first
        else:
            c.reason = "Error"
        c.done = True
        self._write_state(
            c,
            {
                "state": "terminated",
                "started_at": c.started_at,
                "finished_at": c.finished_at,
                "exit_code": c.exit_code,
                "reason": c.reason,
                "message": c.message,
            },
            durable=True,
        )

    def _write_state(self, c: Container, state: dict[str, Any], durable: bool = False) -> None:
        if c.pid:
            state.update(pid=c.pid, pgid=c.pid, pid_start=c.pid_start)
        write_atomic(c.state_path, dumps(state), durable)
        notify(self.fifo, self.uid)

    # -- memory limits ----------------------------------------------------------------

    def _limit_prefix(self, c: Container) -> list[str]:
        """Decide how to apply the container's memory limit; the argv prefix it needs.

        In order: a cgroup v2 child group with memory.max (enforced, OOM kills seen);
        else RLIMIT_DATA set by the `prlimit` program before the command starts; else
        RLIMIT_DATA set on the process just after it started."""
        limit = c.spec["memory"]
        if not limit:
            return []
        base = _cgroup_base()
        if base is not None:
            group = os.path.join(base, f"treadle-{self.uid}-{c.name}")
            try:
                os.mkdir(group)
                with open(os.path.join(group, "memory.max"), "w") as f:
                    f.write(str(limit))
                c.cgroup = group
                self._record_limit(c, "cgroup-v2", group)
                return []
            except OSError:
                _rmdir(group)
        if self.spec["prlimit"]:
            self._record_limit(c, "rlimit-data", "set by prlimit before the command starts")
            return [self.spec["prlimit"], f"--data={limit}", "--"]
        return []

    def _limit_after_spawn(self, c: Container) -> None:
        limit = c.spec["memory"]
        if not limit:
            return
        if c.cgroup is not None:
            try:
                with open(os.path.join(c.cgroup, "cgroup.procs"), "w") as f:
                    f.write(str(c.pid))
            except OSError:
                self._record_limit(c, "none", "could not move the container into its cgroup")
            return
        if c.name in self.limits:
            return
        try:  # no prlimit program: the limit applies from a few microseconds in
            import resource

            resource.prlimit(c.pid, resource.RLIMIT_DATA, (limit, limit))
            self._record_limit(c, "rlimit-data", "set just after the command started")
        except (ImportError, AttributeError, OSError):
            self._record_limit(c, "none", "no way to limit memory on this host")

    def _record_limit(self, c: Container, mechanism: str, detail: str | None) -> None:
        self.limits[c.name] = {
            "memory_limit_bytes": c.spec["memory"],
            "mechanism": mechanism,
            "detail": detail,
            "oom_detected": mechanism == "cgroup-v2",
        }
        write_atomic(self.path(LIMITS_FILE), dumps(self.limits))

    def _limit_cleanup(self, c: Container) -> bool:
        """Remove the container's cgroup; True if the kernel OOM-killed in it."""
        if c.cgroup is None:
            return False
        oom = False
        try:
            with open(os.path.join(c.cgroup, "memory.events")) as f:
                for line in f:
                    key, _, value = line.partition(" ")
                    if key == "oom_kill" and int(value) > 0:
                        oom = True
        except (OSError, ValueError):
            pass
        _rmdir(c.cgroup)
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


def run_exec(state_dir: str, name: str, argv: list[str]) -> int:
    """Replace this process with `argv` run as in container `name` of the unit, with
    exactly the container's environment: unsandboxed, in its working dir; sandboxed,
    inside its running sandbox (nsenter into its mount and pid namespaces: same mounts,
    same /tmp, same process list) or, where that is not allowed, in a fresh sandbox
    with the same mounts and working dir."""
    import json

    with open(os.path.join(state_dir, SPAWN_FILE), "rb") as f:
        spec = marshal.load(f)
    c = next(c for c in spec["init"] + spec["containers"] if c["name"] == name)
    env: dict[str, str] = c["env"]
    if not spec["sandboxed"]:
        os.chdir(c["cwd"])
        exe = _find_executable(argv[0], env.get("PATH", os.defpath)) or argv[0]
        os.execve(exe, argv, env)
    inner = None
    try:
        with open(os.path.join(state_dir, CONTAINERS_DIR, name + ".json")) as f:
            pid = int(json.load(f)["pid"])
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            inner = int(f.read().split()[0])
    except (OSError, LookupError, ValueError):
        pass
    nsenter = _find_executable("nsenter", os.environ.get("PATH", os.defpath))
    if inner is not None and nsenter is not None and os.access(f"/proc/{inner}/ns/mnt", os.R_OK):
        enter = [nsenter, "-t", str(inner), "-m", "-p", "-r", "-w"]
        if os.readlink(f"/proc/{inner}/ns/user") != os.readlink("/proc/self/ns/user"):
            enter += ["-U", "--preserve-credentials"]
        os.execve(nsenter, [*enter, "--", "env", "-C", c["workdir"], "--", *argv], env)
    wrapper = c["wrapper"]
    os.execve(wrapper[0], [*wrapper, *argv], env)
    return 1  # pragma: no cover - execve does not return


def main(args: list[str]) -> int:
    if len(args) >= 3 and args[0] == "exec":
        sep = args.index("--") if "--" in args else len(args)
        return run_exec(args[1], args[2], args[sep + 1 :])
    if len(args) != 1:
        sys.stderr.write("usage: supervisor.py <state dir>\n")
        sys.stderr.write("       supervisor.py exec <state dir> <container> -- <argv>\n")
        return 2
    return Supervisor(args[0]).run()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
