"""The local Runtime: each unit is a supervisor process running its containers on this host.

A unit's state lives in ``<root>/<uid>/`` (see `runtime/unitdir.py` for every
file in it), so any `LocalRuntime` on the same root, in this process or a restarted
one, observes, stops and reads the logs of units another one started: a controller
killed with SIGKILL re-adopts its running units and never starts one twice.

Isolation: where bubblewrap works each container runs in a sandbox that shows its
mounts at their `container_path` and hides the directories given as `hide` (the data
directory) and the runtime's own root (`runtime/sandbox.py`); each mount's source is
opened by the supervisor the moment the container starts (`runtime/binds.py`).
Elsewhere `sandboxed` is False and mounts must already be at their host paths.

Environment: a container gets its own `env` over a small base: the controller's
PATH (or a default), LANG and TZ, and HOME (`/tmp` in the sandbox; a per-unit
directory, with TMPDIR beside it, on the host). Nothing else of the controller's
environment is passed on.

Memory limits: a cgroup v2 child group where the host delegates the memory
controller (OOM kills reported as `OOMKilled`), else RLIMIT_DATA (allocations beyond
it fail inside the program); see `runtime/memlimit.py`. ``<uid>/limits.json``
records what was applied.

The supervisor (`runtime/supervisor.py`, `runtime/unitrun.py`) is a separate,
stdlib-only program, so that a unit's processes do not depend on this one.
"""

from __future__ import annotations

import dataclasses
import errno
import json
import marshal
import os
import re
import secrets
import select
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from treadle.errors import BadRequest, NotFound, TreadleError
from treadle.runtime import unitdir as ud
from treadle.runtime.base import (
    ContainerPlan,
    ContainerState,
    LogLine,
    PodObservation,
    PodPlan,
)
from treadle.runtime.logfiles import read_logs
from treadle.runtime.sandbox import (
    MountError,
    bwrap_args,
    bwrap_binds_fds,
    bwrap_works,
    check_unsandboxed,
    shown_programs,
)

if TYPE_CHECKING:
    from treadle.config import Home

__all__ = ["LocalRuntime"]

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
ORPHAN_SECONDS = 5.0
"""A unit still unclaimed this long after it was created lost its starter."""
PASSED_ENV = ("PATH", "LANG", "TZ")
"""The only variables of the controller's environment a container inherits."""
SUPERVISOR = Path(__file__).resolve().with_name("supervisor.py")

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,252}")


@dataclasses.dataclass
class _Unit:
    """What `LocalRuntime` keeps in memory of a unit, all of it final once known: its
    containers, and the states of those that terminated (never rewritten), so that
    observing a long SeqPod reads only the files that can still change."""

    init: tuple[str, ...]
    containers: tuple[str, ...]
    sandboxed: bool
    terminated: dict[str, ContainerState] = dataclasses.field(default_factory=dict)
    final: PodObservation | None = None


class LocalRuntime:
    """Runs units as local processes under `root`.

    `sandbox`: True requires bubblewrap, False never uses it, None uses it where it
    works (`sandboxed` tells which). `hide`: directories no sandbox shows (its
    mounts excepted), such as the data directory `root` is part of."""

    def __init__(
        self, root: Path, sandbox: bool | None = None, *, hide: Sequence[str | Path] = ()
    ) -> None:
        self.root = Path(root).resolve()
        self.hide = [str(Path(h).resolve()) for h in hide]
        # Units' files hold their containers' environments: the owner's alone.
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._bwrap = shutil.which("bwrap")
        works = self._bwrap is not None and bwrap_works(self._bwrap)
        if sandbox and not works:
            raise TreadleError("bubblewrap (bwrap) is not installed or does not work here")
        self.sandboxed: bool = works if sandbox is None else sandbox
        self._bind_fd = self.sandboxed and bwrap_binds_fds(self._bwrap or "")
        self._prlimit = shutil.which("prlimit")
        self._units: dict[str, _Unit] = {}
        self._children: dict[str, subprocess.Popen[bytes]] = {}
        self._fifo: Path | None = self.root / ud.NOTIFY_FIFO
        self._fifo_fds: tuple[int, int] | None = None
        try:
            os.mkfifo(self._fifo, 0o600)
        except FileExistsError:
            pass
        except OSError:  # a file system without FIFOs: `changes` only waits
            self._fifo = None

    @classmethod
    def for_home(cls, home: Home) -> LocalRuntime:
        """The runtime of a data directory: its units under `home.pods`, the sandbox as
        configured, and the whole data directory (database, token) out of steps' sight."""
        from treadle.config import sandbox_setting

        return cls(home.pods, sandbox_setting(), hide=[home.root])

    # -- start ------------------------------------------------------------------------

    def start(self, plan: PodPlan) -> None:
        """Start the unit, detached, so that it outlives this process. Idempotent and
        cheap: a unit that exists is left alone (a second start of the same uid, even
        with another plan, does nothing), except that a unit whose starter died before
        launching its supervisor gets one. A container that cannot start (a mount
        the host cannot provide) fails the unit at once, with reason StartError;
        nothing of it runs."""
        _check_plan(plan)
        self._reap_children()
        unit_dir = self.root / plan.uid
        if unit_dir.exists():
            self._relaunch_if_orphaned(plan.uid)
            return
        tmp = self.root / f".new-{plan.uid}-{secrets.token_hex(4)}"
        try:
            failed = self._prepare(plan, tmp, unit_dir)
            os.rename(tmp, unit_dir)
        except OSError as e:
            shutil.rmtree(tmp, ignore_errors=True)
            if e.errno in (errno.EEXIST, errno.ENOTEMPTY):
                return  # started concurrently by someone else
            raise
        if not failed:
            self._launch(plan.uid)

    def _prepare(self, plan: PodPlan, tmp: Path, unit_dir: Path) -> bool:
        """Write the unit's directory at `tmp`; True if it failed to start already."""
        (tmp / ud.CONTAINERS_DIR).mkdir(parents=True)
        failed: list[tuple[str, str, str]] = []
        spawn: dict[str, Any] = {
            "sandboxed": self.sandboxed,
            "prlimit": self._prlimit,
            "init": [],
            "containers": [],
        }
        if not self.sandboxed:
            (tmp / "home").mkdir()
            (tmp / "tmp").mkdir()
        for kind, containers in (("init", plan.init_containers), ("containers", plan.containers)):
            for c in containers:
                try:
                    spawn[kind].append(self._spawn_spec(c, unit_dir))
                except MountError as e:
                    failed.append((c.name, kind, str(e)))
        record = {"sandboxed": self.sandboxed, "plan": dataclasses.asdict(plan)}
        ud.write_atomic(str(tmp / ud.PLAN_FILE), json.dumps(record, indent=1))
        with open(tmp / ud.SPAWN_FILE, "wb") as f:
            marshal.dump(spawn, f)
        if failed:
            now = ud.rfc3339()
            for name, _, message in failed:
                state = {
                    "state": "terminated",
                    "started_at": now,
                    "finished_at": now,
                    "exit_code": ud.START_ERROR_EXIT_CODE,
                    "reason": "StartError",
                    "message": message,
                }
                ud.write_atomic(str(tmp / ud.CONTAINERS_DIR / f"{name}.json"), json.dumps(state))
            name, kind, message = failed[0]
            label = "init container" if kind == "init" else "container"
            result = {
                "phase": "Failed",
                "message": f'{label} "{name}" could not start: {message}',
                "finished_at": now,
            }
            ud.write_atomic(str(tmp / ud.RESULT_FILE), json.dumps(result), sync_dir=True)
        return bool(failed)

    def _spawn_spec(self, c: ContainerPlan, unit_dir: Path) -> dict[str, Any]:
        """What the supervisor needs to run `c`; raises MountError."""
        env = {k: os.environ[k] for k in PASSED_ENV if k in os.environ}
        env.setdefault("PATH", DEFAULT_PATH)
        extra: dict[str, Any] = {}
        if self.sandboxed:
            assert self._bwrap is not None
            env["HOME"] = "/tmp"
            programs = shown_programs(c.argv, {**env, **c.env}["PATH"])
            sandbox = bwrap_args(
                c, hide=[*self.hide, str(self.root)], show=programs, bind_fd=self._bind_fd
            )
            wrapper = [self._bwrap, *sandbox.args]
            # Mount sources are opened by the supervisor as each container starts.
            extra = {
                "binds": sandbox.binds,
                "workdir_in": sandbox.workdir,
                "bind_fd": self._bind_fd,
            }
            cwd = None
        else:
            env["HOME"] = str(unit_dir / "home")
            env["TMPDIR"] = str(unit_dir / "tmp")
            check_unsandboxed(c)
            wrapper = []
            cwd = c.working_dir or str(unit_dir / "home")
            if c.working_dir is not None:
                if not os.path.isabs(c.working_dir):
                    raise MountError(f'workingDir "{c.working_dir}": must be an absolute path')
                try:
                    os.makedirs(c.working_dir, exist_ok=True)
                except OSError as e:
                    raise MountError(f'workingDir "{c.working_dir}": {e.strerror}') from e
        env.update(c.env)
        return {
            "name": c.name,
            "argv": list(c.argv),
            "env": env,
            "wrapper": wrapper,
            "cwd": cwd,
            "workdir": c.working_dir or "/",
            "memory": c.memory_limit_bytes,
            **extra,
        }

    def _launch(self, uid: str) -> None:
        unit_dir = self.root / uid
        with open(unit_dir / ud.SUPERVISOR_LOG, "ab") as log:
            self._children[uid] = subprocess.Popen(
                [sys.executable, "-S", "-I", str(SUPERVISOR), str(unit_dir)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd="/",
                env={k: os.environ[k] for k in PASSED_ENV if k in os.environ},
                start_new_session=True,
            )

    def _relaunch_if_orphaned(self, uid: str, min_age: float = 0.0) -> None:
        """Launch a supervisor for a unit that has none (its starter died between
        creating it and launching one) and was created at least `min_age` seconds ago.
        A supervisor that finds the unit claimed exits at once, so one too many, while
        another process's is still starting, is harmless."""
        d = self.root / uid
        if (d / ud.PID_FILE).exists() or (d / ud.RESULT_FILE).exists():
            return
        child = self._children.get(uid)
        if child is not None and child.poll() is None:
            return  # launched from here, not claimed yet
        try:
            age = time.time() - (d / ud.PLAN_FILE).stat().st_mtime
        except FileNotFoundError:
            return
        if age >= min_age:
            self._launch(uid)

    def _reap_children(self) -> None:
        for uid, child in list(self._children.items()):
            if child.poll() is not None:
                self._children.pop(uid, None)  # another thread may have reaped it

    # -- observe ----------------------------------------------------------------------

    def observe(self, uid: str) -> PodObservation | None:
        """The unit's state from its files; None if it does not exist. A unit whose
        supervisor died is reported Failed (and what it left running is killed); one
        that never got a supervisor (its starter died first) is given one."""
        unit = self._unit(uid)
        if unit is None:
            return None
        if unit.final is not None:
            return unit.final
        d = self.root / uid
        result = _read_json(d / ud.RESULT_FILE)
        message = None
        if result is None:
            alive = self._supervisor_alive(uid)
            if alive is False:
                result = _read_json(d / ud.RESULT_FILE) or self._abandon(uid, unit)
            elif alive is None:
                child = self._children.get(uid)
                if child is not None and child.poll() is not None:
                    result = _read_json(d / ud.RESULT_FILE) or self._abandon(uid, unit)
                else:
                    message = "waiting for the supervisor to start"
                    self._relaunch_if_orphaned(uid, min_age=ORPHAN_SECONDS)
        done = result is not None
        init = [self._container_state(unit, d, n, done) for n in unit.init]
        main = [self._container_state(unit, d, n, done) for n in unit.containers]
        if result is not None:
            phase = result["phase"]
            message = result.get("message")
        elif any(s.state != "waiting" for s in init + main):
            phase = "Running"
        else:
            phase = "Pending"
        obs = PodObservation(uid, phase, init, main, message)
        if done:
            unit.final = obs
        return obs

    @staticmethod
    def _container_state(unit: _Unit, d: Path, name: str, unit_done: bool) -> ContainerState:
        known = unit.terminated.get(name)
        if known is not None:
            return known
        s = _read_json(d / ud.CONTAINERS_DIR / f"{name}.json")
        if s is None:
            return ContainerState(name, "skipped" if unit_done else "waiting")
        state = ContainerState(
            name,
            s["state"],
            exit_code=s.get("exit_code"),
            reason=s.get("reason"),
            message=s.get("message"),
            started_at=s.get("started_at"),
            finished_at=s.get("finished_at"),
        )
        if state.state == "terminated":
            unit.terminated[name] = state
        return state

    def _supervisor_alive(self, uid: str) -> bool | None:
        """True/False once a supervisor claimed the unit; None before."""
        pid_start = _read_pid(self.root / uid / ud.PID_FILE)
        if pid_start is None:
            return None
        child = self._children.get(uid)
        if child is not None and child.pid == pid_start[0]:
            child.poll()  # reap it if it exited, so it is not seen as a zombie forever
        return ud.process_alive(*pid_start)

    def _abandon(self, uid: str, unit: _Unit) -> dict[str, Any]:
        """The supervisor died without finishing: kill what it left, record the failure."""
        d = self.root / uid
        pid_start = _read_pid(d / ud.PID_FILE)
        if pid_start is None:
            why = "the unit's supervisor exited before it started the unit"
        else:
            why = f"the unit's supervisor (pid {pid_start[0]}) exited unexpectedly"
            # Containers stay in the supervisor's session (each in a group of its own),
            # which also catches one it spawned but had not recorded yet.
            ud.kill_session(*pid_start)
        last = _last_line(d / ud.SUPERVISOR_LOG)
        if last:
            why += f": {last}"
        now = ud.rfc3339()
        result = {"phase": "Failed", "message": why, "finished_at": now}
        try:
            for name in unit.init + unit.containers:
                path = d / ud.CONTAINERS_DIR / f"{name}.json"
                state = _read_json(path)
                if state is None or state.get("state") != "running":
                    continue
                _kill_recorded_group(state)
                state.update(state="terminated", finished_at=now, exit_code=None, reason="Error")
                state["message"] = why
                ud.write_atomic(str(path), json.dumps(state), durable=True)
            ud.write_atomic(str(d / ud.RESULT_FILE), json.dumps(result), sync_dir=True)
        except FileNotFoundError:
            # The unit was removed meanwhile (its pod deleted): nothing is left to
            # record the end in, and nothing of it runs.
            pass
        return result

    def _unit(self, uid: str) -> _Unit | None:
        unit = self._units.get(uid)
        if unit is not None:
            if (self.root / uid).is_dir():
                return unit
            self._units.pop(uid, None)
            return None
        if not _NAME.fullmatch(uid):
            return None
        record = _read_json(self.root / uid / ud.PLAN_FILE)
        if record is None:
            return None
        plan = record["plan"]
        unit = _Unit(
            tuple(c["name"] for c in plan["init_containers"]),
            tuple(c["name"] for c in plan["containers"]),
            bool(record["sandboxed"]),
        )
        self._units[uid] = unit
        return unit

    # -- stop, remove, list -------------------------------------------------------------

    def stop(self, uid: str, grace_seconds: float = 5.0) -> None:
        """Ask the supervisor to SIGTERM every container, and SIGKILL them after the
        grace period; returns at once (observe shows when they are gone). Containers not
        yet started never start. Does nothing to a finished or unknown unit."""
        unit = self._unit(uid)
        d = self.root / uid
        if unit is None or (d / ud.RESULT_FILE).exists():
            return
        ud.write_atomic(str(d / ud.STOP_FILE), f"{max(0.0, grace_seconds)}\n")
        pid_start = _read_pid(d / ud.PID_FILE)
        if pid_start is None:
            # Not claimed yet: the supervisor will see the stop file and run nothing.
            result = {"phase": "Failed", "message": "stopped", "finished_at": ud.rfc3339()}
            ud.write_atomic(str(d / ud.RESULT_FILE), json.dumps(result), sync_dir=True)
            return
        if ud.process_alive(*pid_start):
            try:
                os.kill(pid_start[0], signal.SIGTERM)
            except ProcessLookupError:
                pass
        elif not (d / ud.RESULT_FILE).exists():
            self._abandon(uid, unit)

    def remove(self, uid: str) -> None:
        """Kill the unit at once if it runs, then delete its directory, logs included."""
        unit = self._unit(uid)
        d = self.root / uid
        if unit is None:
            return
        self.stop(uid, grace_seconds=0)
        pid_start = _read_pid(d / ud.PID_FILE)
        deadline = time.monotonic() + 2.0
        while pid_start and ud.process_alive(*pid_start) and time.monotonic() < deadline:
            child = self._children.get(uid)
            if child is not None:
                child.poll()
            time.sleep(0.005)
        if pid_start and ud.process_alive(*pid_start):
            os.kill(pid_start[0], signal.SIGKILL)
            self._abandon(uid, unit)
        trash = self.root / f".trash-{uid}-{secrets.token_hex(4)}"
        try:
            os.rename(d, trash)  # the uid is gone at once; deleting the files takes longer
        except FileNotFoundError:
            pass  # removed concurrently
        shutil.rmtree(trash, ignore_errors=True)
        self._units.pop(uid, None)
        child = self._children.pop(uid, None)
        if child is not None:
            child.poll()

    def units(self) -> list[str]:
        """uids of every unit under the root, finished or not, sorted."""
        return sorted(
            e.name for e in os.scandir(self.root) if e.is_dir() and _NAME.fullmatch(e.name)
        )

    # -- logs and exec ---------------------------------------------------------------

    def logs(
        self,
        uid: str,
        container: str | None = None,
        *,
        follow: bool = False,
        tail_lines: int | None = None,
        since_time: str | None = None,
    ) -> Iterator[LogLine]:
        """Lines of one container, or of all (merged in time order). `since_time`
        (RFC 3339) keeps lines read at or after it; `tail_lines` the last N of those.
        With `follow`, polls for new lines until the unit has finished and every line
        is out. Raises NotFound for an unknown unit or container, BadRequest for a
        malformed filter."""
        unit = self._unit(uid)
        if unit is None:
            raise NotFound(f'unit "{uid}" not found')
        names = list(unit.init + unit.containers)
        if container is not None:
            if container not in names:
                raise NotFound(f'unit "{uid}" has no container "{container}"')
            names = [container]
        if tail_lines is not None and tail_lines < 0:
            raise BadRequest(f"tailLines: must not be negative, got {tail_lines}")
        d = self.root / uid
        return read_logs(
            {n: d / ud.CONTAINERS_DIR / f"{n}.log" for n in names},
            finished=(lambda: self._finished(uid)) if follow else None,
            tail_lines=tail_lines,
            since_time=_normalise_time(since_time) if since_time else None,
        )

    def _finished(self, uid: str) -> bool:
        if not (self.root / uid).is_dir():
            return True
        obs = self.observe(uid)
        return obs is None or obs.phase in ("Succeeded", "Failed")

    def exec(self, uid: str, container: str, argv: list[str]) -> list[str]:
        """The argv that runs `argv` as in a running container: with exactly its
        environment; sandboxed, inside its sandbox (its mount and pid namespaces, via
        nsenter; where that is not permitted, a fresh sandbox with the same mounts);
        unsandboxed, in its working dir. Raises NotFound for an unknown unit or
        container and BadRequest for a container that is not running."""
        unit = self._unit(uid)
        if unit is None:
            raise NotFound(f'unit "{uid}" not found')
        if container not in unit.init + unit.containers:
            raise NotFound(f'unit "{uid}" has no container "{container}"')
        obs = self.observe(uid)
        assert obs is not None
        state = next(s for s in obs.init_containers + obs.containers if s.name == container)
        if obs.phase in ("Succeeded", "Failed") or state.state != "running":
            raise BadRequest(f'container "{container}" of unit "{uid}" is not running')
        d = str(self.root / uid)
        return [sys.executable, "-S", "-I", str(SUPERVISOR), "exec", d, container, "--", *argv]

    # -- change notification ------------------------------------------------------------

    def changes(self, timeout: float) -> set[str]:
        """Wait up to `timeout` seconds for units to change (a container started or
        ended, the unit finished); return their uids, possibly none. Hints only: one
        reader per root gets them, and none are kept while nobody reads, so callers
        still observe every unit now and then."""
        if self._fifo is None:
            time.sleep(max(0.0, timeout))
            return set()
        if self._fifo_fds is None:
            r = os.open(self._fifo, os.O_RDONLY | os.O_NONBLOCK)
            # Our own writer keeps the FIFO from reporting end-of-file between writers.
            w = os.open(self._fifo, os.O_WRONLY | os.O_NONBLOCK)
            self._fifo_fds = (r, w)
        r = self._fifo_fds[0]
        ready, _, _ = select.select([r], [], [], max(0.0, timeout))
        if not ready:
            return set()
        data = b""
        while True:
            try:
                chunk = os.read(r, 65536)
            except BlockingIOError:
                break
            if not chunk:
                break
            data += chunk
        return {line for line in data.decode(errors="replace").splitlines() if line}

    def close(self) -> None:
        """Release the change-notification FIFO, if open; units keep running."""
        if self._fifo_fds is not None:
            for fd in self._fifo_fds:
                os.close(fd)
            self._fifo_fds = None


def _check_plan(plan: PodPlan) -> None:
    if not _NAME.fullmatch(plan.uid):
        raise ValueError(f"unit uid {plan.uid!r}: letters, digits, '.', '_' and '-' only")
    seen: set[str] = set()
    for c in [*plan.init_containers, *plan.containers]:
        if not _NAME.fullmatch(c.name):
            raise ValueError(f"container name {c.name!r}: letters, digits, '.', '_', '-' only")
        if c.name in seen:
            raise ValueError(f"container name {c.name!r} is used twice")
        if not c.argv:
            raise ValueError(f"container {c.name!r} has no command")
        seen.add(c.name)


def _kill_recorded_group(state: dict[str, Any]) -> None:
    """SIGKILL the process group recorded in a container's state, unless its number now
    belongs to another process (the leader's start time tells)."""
    pgid = state.get("pgid")
    if not isinstance(pgid, int) or pgid <= 1:
        return
    start = ud.process_start(pgid)
    if start != "-" and start != state.get("pid_start"):
        return
    ud.kill_group(pgid, signal.SIGKILL)


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        with open(path, "rb") as f:
            value = json.loads(f.read())
    except FileNotFoundError:
        return None
    return value if isinstance(value, dict) else None


def _read_pid(path: Path) -> tuple[int, str] | None:
    try:
        pid, start = path.read_text().split()
        return int(pid), start
    except (OSError, ValueError):
        return None


def _last_line(path: Path) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(max(0, os.fstat(f.fileno()).st_size - 4096))
            lines = f.read().decode(errors="replace").strip().splitlines()
    except OSError:
        return ""
    return lines[-1] if lines else ""


def _normalise_time(value: str) -> str:
    """Any RFC 3339 time as the logs write it, so that strings compare as times."""
    try:
        t = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        raise BadRequest(f'sinceTime: not an RFC 3339 time: "{value}"') from None
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
