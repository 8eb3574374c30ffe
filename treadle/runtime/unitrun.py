"""Running one unit: its init containers one after another, then its containers
together, each a process in its own process group, with its output logged and its
end recorded in the unit's state directory (`runtime/unitdir.py`).

When a container's main process exits, whatever is left in its group is killed, as
when a pod's container ends. The first non-zero exit of an init container ends the
unit (the later ones never start); of a container, stops the others (SIGTERM, then
SIGKILL after a grace period), which report reason ``Killed``; a stop request
(SIGTERM to this process, grace period in the ``stop`` file) does the same to
everything running. Run by the supervisor program: standard library only.
"""

from __future__ import annotations

import marshal
import os
import select
import sys
import time

from treadle.runtime import unitdir
from treadle.runtime.binds import BindError, open_binds
from treadle.runtime.memlimit import MemoryLimit
from treadle.runtime.unitdir import (
    CONTAINERS_DIR,
    LIMITS_FILE,
    NOTIFY_FIFO,
    PID_FILE,
    RESULT_FILE,
    SPAWN_FILE,
    START_ERROR_EXIT_CODE,
    STOP_FILE,
    dumps,
    kill_group,
    notify,
    process_start,
    rfc3339,
    term_sandbox,
    write_atomic,
)

TYPE_CHECKING = False  # `typing` costs milliseconds to import; annotations are strings
if TYPE_CHECKING:
    from typing import Any

try:  # the C module: the public wrapper imports enum, which costs milliseconds
    import _signal as _sig
except ImportError:  # pragma: no cover - interpreters without it
    import signal as _sig

FAILURE_GRACE_SECONDS = 5.0
"""How long the other containers get between SIGTERM and SIGKILL when one fails."""
DRAIN_SECONDS = 0.5
"""How long output is still read after a container's main process exited, in case
something that escaped its process group holds the pipe open."""
TERM_RETRY_SECONDS = 0.02
"""How soon a SIGTERM is retried for a sandbox that had nothing to signal yet."""
MAX_LINE = 64 * 1024
"""A longer run of output without a newline is logged as a line of its own."""

_SIGDEF = (_sig.SIGPIPE, _sig.SIGXFSZ, _sig.SIGHUP)
"""Ignored in this process (by Python or below); containers get the defaults back."""


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
        self.start_error: str | None = None
        self.limit: MemoryLimit | None = None
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
        self._write_result()
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

    def _write_result(self) -> None:
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
        else:  # every container ran and exited 0
            phase, message = "Succeeded", None
        result = {"phase": phase, "message": message, "finished_at": rfc3339()}
        write_atomic(self.path(RESULT_FILE), dumps(result), sync_dir=True)
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
        argv = list(spec["argv"])
        if not self.spec["sandboxed"]:
            # Under bwrap the command is looked up inside the sandbox, whose PATH may
            # name directories the host does not have.
            exe = unitdir.find_executable(argv[0], spec["env"].get("PATH", os.defpath))
            if exe is None:
                c.start_error = f'exec: "{argv[0]}": executable file not found in $PATH'
            else:
                argv[0] = exe
        wrapper: list[str] = spec["wrapper"]
        fds: list[int] = []
        if c.start_error is None and (spec.get("binds") or spec.get("workdir_in")):
            # Opened now, not when planned: an earlier container (or one running
            # beside this one) may have swapped a subPath for a symlink since.
            try:
                wrapper, fds = open_binds(
                    wrapper, spec["binds"], spec.get("workdir_in"), by_fd=spec["bind_fd"]
                )
            except (BindError, OSError) as e:
                c.start_error = str(e)
        try:
            if c.start_error is None:
                prefix: list[str] = []
                if spec["memory"]:
                    group = f"treadle-{self.uid}-{c.name}"
                    c.limit = MemoryLimit(group, spec["memory"], self.spec["prlimit"])
                    prefix = c.limit.prefix
                self._spawn_process(c, [*wrapper, *prefix, *argv])
        finally:
            # bwrap holds them now; no later container may inherit them.
            for fd in fds:
                os.close(fd)
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
        if c.limit is not None:
            c.limit.attach(c.pid)
            self.limits[c.name] = c.limit.record
            write_atomic(self.path(LIMITS_FILE), dumps(self.limits))

    def _on_output(self, c: Container) -> None:
        assert c.fd is not None
        data = os.read(c.fd, 65536)
        if not data:
            self._close_output(c)
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

    def _close_output(self, c: Container) -> None:
        """Stop reading the container's pipe and log its unfinished last line."""
        if c.fd is not None:
            self.poller.unregister(c.fd)
            del self.by_fd[c.fd]
            os.close(c.fd)
            c.fd = None
        if c.pending:
            self._log(c, [c.pending])
            c.pending = b""

    def _finish(self, c: Container) -> None:
        self._close_output(c)
        if c.log_fd is not None:
            os.close(c.log_fd)
            c.log_fd = None
        status = c.status or 0
        if os.WIFSIGNALED(status):
            c.exit_code = 128 + os.WTERMSIG(status)
        else:
            c.exit_code = os.WEXITSTATUS(status)
        oom = c.limit.release() if c.limit is not None else False
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


def main(args: list[str]) -> int:
    """The supervisor program: ``<state dir>`` runs the unit there;
    ``exec <state dir> <container> -- <argv>`` runs a command as in one of its
    containers (see `runtime/enter.py`)."""
    if len(args) >= 3 and args[0] == "exec":
        from treadle.runtime.enter import run_exec

        sep = args.index("--") if "--" in args else len(args)
        return run_exec(args[1], args[2], args[sep + 1 :])
    if len(args) != 1:
        sys.stderr.write("usage: supervisor.py <state dir>\n")
        sys.stderr.write("       supervisor.py exec <state dir> <container> -- <argv>\n")
        return 2
    return Supervisor(args[0]).run()
