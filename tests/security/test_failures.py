"""Failing cleanly: a full disk, a read-only or impossible data directory, SIGTERM,
an idle controller. Real processes, real SQLite, real file systems: a small tmpfs
that really fills up, a read-only bind mount that stops root too.

The rule under a full disk: a controller that cannot renew its lease stops acting
at once, before the lease can expire, so two controllers never drive one data
directory at the same time; users see one line naming the directory and the cause.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import sqlite3
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support import TREADLE, treadle_cli
from treadle.client.embedded import EmbeddedClient
from treadle.config import Home
from treadle.controller import manager as manager_module
from treadle.controller.leader import (
    CONTROLLER_LEASE,
    LEASE_KIND,
    LeaderLease,
    Record,
    lease_holder,
)
from treadle.errors import DiskFull, LeaseLost, storage_error
from treadle.localcluster.holder import local_holder_id
from treadle.localcluster.home import local_manager, manager_for_home
from treadle.runtime.base import PodPlan
from treadle.runtime.local import LocalRuntime
from treadle.server.controller import ControllerRunner
from treadle.store.base import Obj
from treadle.store.sqlite import SqliteStore

GV = "batch.tensorstack.dev/v1beta1"


# -- file systems that fail for real ----------------------------------------------------


def _mount(*args: str) -> None:
    done = subprocess.run(["mount", *args], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount here ({done.stderr.strip() or done.returncode})")


def _unmount(path: Path) -> None:
    if subprocess.run(["umount", str(path)], capture_output=True).returncode != 0:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


class SmallDisk:
    """A tmpfs of a few MiB at `root` that `fill` fills to the last byte."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.filler = root / "filler"

    @property
    def home(self) -> Path:
        return self.root / "home"

    def fill(self) -> None:
        fd = os.open(self.filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        chunk = 1 << 20
        block = b"\0" * chunk
        try:
            while chunk >= 1:
                try:
                    os.write(fd, block[:chunk])
                except OSError as exc:
                    if exc.errno != errno.ENOSPC:
                        raise
                    chunk //= 2
        finally:
            os.close(fd)

    def free(self) -> None:
        self.filler.unlink(missing_ok=True)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[SmallDisk]:
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    root = tmp_path / "disk"
    root.mkdir()
    _mount("-t", "tmpfs", "-o", "size=16m", "tmpfs", str(root))
    try:
        yield SmallDisk(root)
    finally:
        _unmount(root)


@pytest.fixture
def read_only_home(tmp_path: Path) -> Iterator[Path]:
    """A data directory with a template in it, seen through a read-only bind mount
    (which, unlike the permission bits, stops root as well)."""
    if os.geteuid() != 0:
        pytest.skip("a read-only bind mount needs root")
    source, view = tmp_path / "home", tmp_path / "read-only"
    view.mkdir()
    assert treadle_cli("apply", "-f", "-", home=source, stdin=TEMPLATE).returncode == 0
    _mount("--bind", str(source), str(view))
    try:
        _mount("-o", "remount,bind,ro", str(view))
        yield view
    finally:
        _unmount(view)


# -- documents and helpers -------------------------------------------------------------

TEMPLATE = f"""\
apiVersion: {GV}
kind: WorkflowTemplate
metadata: {{name: hello}}
spec:
  type: Pod
  pod:
    containers: [{{name: c, image: ubuntu, command: [echo, hello]}}]
"""

RUN = f"""\
apiVersion: {GV}
kind: WorkflowRun
metadata: {{name: hello-run}}
spec:
  workflowTemplateRef: hello
"""


def _gated_dag(marks: Path, gate: Path) -> str:
    """A DAG whose first node waits for `gate` to exist; every node appends its name
    to `marks` (both outside the data directory, so a full disk spares them)."""
    nodes = ["gate", "a", "b", "c"]
    entries = "".join(
        f"      - name: {node}\n"
        f"        workflowTemplateRef: mark\n"
        f"        dependencies: {[nodes[i - 1]] if i else []}\n"
        f"        params: [{{name: node, value: {node}}}]\n"
        for i, node in enumerate(nodes)
    )
    wait = f"while [ ! -e {gate} ]; do sleep 0.05; done"
    return f"""\
apiVersion: {GV}
kind: WorkflowTemplate
metadata: {{name: mark}}
spec:
  params: [{{name: node}}]
  type: Pod
  pod:
    containers:
      - name: c
        image: ubuntu
        command: [sh, -c, 'echo $(params.node) >> {marks}; if [ $(params.node) = gate ]; then {wait}; fi']
---
apiVersion: {GV}
kind: WorkflowTemplate
metadata: {{name: chain}}
spec:
  type: DAG
  dag:
    templates:
{entries}---
apiVersion: {GV}
kind: WorkflowRun
metadata: {{name: chain-run}}
spec:
  workflowTemplateRef: chain
"""


def _eventually(what: str, condition: Callable[[], bool], timeout: float = 30) -> float:
    """Poll (nothing here can be awaited) until `condition`; when it held, monotonic."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s: {what}")
        time.sleep(0.02)
    return time.monotonic()


def _controller(home: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(TREADLE), "--home", str(home), "controller", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "NO_COLOR": "1", "TREADLE_NO_AUTOSTART": "1"},
    )


def _started(proc: subprocess.Popen[str]) -> None:
    """Wait for the controller to say it runs (its first line)."""
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.startswith("controller running"), line + (proc.stderr.read() if proc.stderr else "")


def _finished_run(store: SqliteStore, name: str) -> Obj | None:
    run = store.get(GV, "WorkflowRun", "default", name)
    return run if (run.get("status") or {}).get("phase") in ("Succeeded", "Failed") else None


def _full(home: Path) -> str:
    """How a full disk is reported, up to SQLite's own words for what failed."""
    return f"the disk of data directory {home} is full ("


def _one_line(done: subprocess.CompletedProcess[str]) -> str:
    output = (done.stdout + done.stderr).strip()
    assert done.returncode != 0, output
    assert "Traceback" not in output, output
    assert len(output.splitlines()) == 1, output
    return output


# -- 10. a full disk: the lease, and one controller at a time ---------------------------


def test_a_full_disk_stops_the_controller_before_its_lease_can_expire(
    small_disk: SmallDisk,
) -> None:
    home = small_disk.home
    assert treadle_cli("apply", "-f", "-", home=home, stdin=TEMPLATE).returncode == 0
    controller = _controller(home)
    try:
        _started(controller)
        small_disk.fill()
        filled = time.time()
        _, errors = controller.communicate(timeout=manager_module.RENEW_EVERY + 10)
    finally:
        controller.kill()
    stopped = time.time()
    lease = _stored_lease(home / "treadle.db")  # reads need no space
    assert controller.returncode == 1
    assert "Traceback" not in errors
    last = errors.strip().splitlines()[-1]
    assert last.startswith(f"error: the controller lease could not be renewed: {_full(home)}"), (
        errors
    )
    assert last.endswith("; stopped")
    assert stopped - filled < manager_module.RENEW_EVERY + 2
    assert lease.renewed is not None and lease.duration is not None
    assert stopped < lease.renewed + lease.duration  # nobody else could have taken it yet


def test_a_controller_cannot_start_on_a_full_disk_and_says_why(small_disk: SmallDisk) -> None:
    home = small_disk.home
    assert treadle_cli("apply", "-f", "-", home=home, stdin=TEMPLATE).returncode == 0
    small_disk.fill()
    done = subprocess.run(
        [str(TREADLE), "--home", str(home), "controller"],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert _one_line(done).startswith(f"error: {_full(home)}")


def test_a_lease_renews_again_once_the_full_disk_has_room(small_disk: SmallDisk) -> None:
    """A renewal that failed for want of space leaves the lease unsure but usable:
    the same store renews it once there is space again."""
    store = SqliteStore(small_disk.home / "treadle.db")
    lease = LeaderLease(store, CONTROLLER_LEASE, "a", 15)
    try:
        assert lease.acquire()
        small_disk.fill()
        with pytest.raises(DiskFull):
            lease.renew()
        assert not lease.held()
        small_disk.free()
        assert lease.renew()
        assert lease.held()
    finally:
        store.close()


def _stored_lease(database: Path) -> Record:
    """The controller lease as stored, read with plain SQLite (no write at all)."""
    with closing(sqlite3.connect(database)) as db:
        (body,) = db.execute("SELECT body FROM objects WHERE kind = ?", (LEASE_KIND,)).fetchone()
    return Record.of(json.loads(body))


class _Witness:
    """Checks, around every act of one controller, that the stored lease names it."""

    def __init__(self, database: Path, holder: str) -> None:
        self._observer = SqliteStore(database)
        self._holder = holder
        self.acts = 0
        self.violations: list[str] = []
        self._lock = threading.Lock()

    def around(self, what: str, act: Callable[[], Any]) -> Any:
        before = lease_holder(self._observer)
        try:
            return act()
        finally:
            after = lease_holder(self._observer)
            with self._lock:
                self.acts += 1
                if before != self._holder or after != self._holder:
                    self.violations.append(f"{what} while the lease named {before} / {after}")

    def close(self) -> None:
        self._observer.close()


class _WitnessedStore(SqliteStore):
    witness: _Witness

    # Writing the lease itself is how a controller comes to hold it, not an act.
    def create(self, obj: Obj, *, dry_run: bool = False) -> Obj:
        if obj.get("kind") == LEASE_KIND or dry_run:
            return super().create(obj, dry_run=dry_run)
        return self.witness.around("create", lambda: super(_WitnessedStore, self).create(obj))

    def update(self, obj: Obj, *, dry_run: bool = False) -> Obj:
        if obj.get("kind") == LEASE_KIND or dry_run:
            return super().update(obj, dry_run=dry_run)
        return self.witness.around("update", lambda: super(_WitnessedStore, self).update(obj))

    def update_status(self, obj: Obj) -> Obj:
        return self.witness.around(
            "update_status", lambda: super(_WitnessedStore, self).update_status(obj)
        )


class _WitnessedRuntime(LocalRuntime):
    witness: _Witness

    def start(self, plan: PodPlan) -> None:
        self.witness.around(
            f"start {plan.name}", lambda: super(_WitnessedRuntime, self).start(plan)
        )


@pytest.mark.parametrize("first_back", ["server", "cli"])
def test_two_controllers_on_a_filling_disk_never_drive_at_once(
    small_disk: SmallDisk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, first_back: str
) -> None:
    """A server's controller (in this process, its every act witnessed) drives a run;
    the disk fills, so it cannot renew its lease; its lease expires; a second
    controller (a `treadle controller` process) comes along. Once there is space
    again, one of them drives the rest of the run: the server's, retrying, if it is
    back first (then the second one steps aside); else the second one, and the
    server's acts no more. The lease always names the one that acts, and every
    node runs once."""
    monkeypatch.setenv("TREADLE_SANDBOX", "off")  # steps write marks outside the sandbox
    monkeypatch.setattr(manager_module, "LEASE_TTL", 3.0)
    monkeypatch.setattr(manager_module, "RENEW_EVERY", 1.0)
    home = Home(small_disk.home).ensure()
    marks, gate = tmp_path / "marks", tmp_path / "gate"
    client = EmbeddedClient(home)
    witness = _Witness(home.database, local_holder_id())
    store = _WitnessedStore(home.database, synchronous="NORMAL")
    runtime = _WitnessedRuntime(home.pods, sandbox=False)
    store.witness = runtime.witness = witness
    # Back first: retrying twice a second; or not retrying within this test.
    runner = ControllerRunner(
        lambda: local_manager(store, runtime, home),
        retry_seconds=0.5 if first_back == "server" else 3600,
    )
    second: subprocess.Popen[str] | None = None
    try:
        runner.start()
        for doc in yaml.safe_load_all(_gated_dag(marks, gate)):
            client.apply(doc)
        _eventually("the first node to start", lambda: marks.exists())

        small_disk.fill()
        filled = time.monotonic()
        stopped = _eventually("the first controller to stop", lambda: runner.state != "running")
        assert stopped - filled < manager_module.RENEW_EVERY + 1.5
        _eventually("its lease to expire", lambda: client.controller_holder() is None)

        refused = subprocess.run(
            [str(TREADLE), "--home", str(home.root), "controller"],
            capture_output=True,
            text=True,
            timeout=30,
            env={**os.environ, "NO_COLOR": "1"},
        )
        assert "is full" in _one_line(refused)

        acts_until_its_lease_expired = witness.acts
        small_disk.free()
        if first_back == "server":
            _eventually("the server's controller to be back", lambda: runner.state == "running")
            second = _controller(home.root)
            _, errors = second.communicate(timeout=30)
            assert second.returncode == 0
            assert errors.startswith(f"another controller drives {home.root} ({local_holder_id()})")
        else:
            second = _controller(home.root)
            _started(second)
        gate.touch()
        _eventually(
            "the run to finish", lambda: _finished_run(client.store, "chain-run") is not None, 60
        )
        if first_back == "cli":
            assert witness.acts == acts_until_its_lease_expired
    finally:
        gate.touch()
        if second is not None:
            second.send_signal(signal.SIGTERM)
            second.communicate(timeout=30)
        runner.stop()
        for uid in runtime.units():
            runtime.remove(uid)
        witness.close()
        store.close()
        client.close()
    assert witness.violations == []
    assert witness.acts > 0
    assert sorted(marks.read_text().split()) == ["a", "b", "c", "gate"]


def test_a_controller_whose_lease_is_taken_acts_no_more(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(manager_module, "RENEW_EVERY", 0.2)
    home = Home(tmp_path / "home")
    manager = manager_for_home(home)
    assert manager.try_start()
    # A clock a minute ahead sees the lease expired, as a process would after a
    # pause of a minute: it takes it.
    thief_store = SqliteStore(home.database)
    thief = LeaderLease(thief_store, CONTROLLER_LEASE, "thief", 15, clock=lambda: time.time() + 60)
    try:
        assert thief.acquire()
        manager.wait_stopped(timeout=5)
        assert not manager.running
        assert manager.lost == "another process took the controller lease"
        with pytest.raises(LeaseLost):
            manager.ctx.store.create(
                {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}
            )
        with pytest.raises(LeaseLost):
            manager.ctx.runtime.start(PodPlan(uid="u", name="p", namespace="default"))
        assert manager.ctx.runtime.units() == []
    finally:
        manager.stop()
        thief_store.close()


def test_a_controller_whose_renewals_stall_acts_no_more(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(manager_module, "RENEW_EVERY", 3600.0)  # never, within this test
    monkeypatch.setattr(manager_module, "LEASE_TTL", 0.6)
    manager = manager_for_home(Home(tmp_path / "home"))
    assert manager.try_start()
    try:
        _eventually("the lease to be no longer surely held", lambda: not manager.lease.held())
        with pytest.raises(LeaseLost):
            manager.ctx.store.create(
                {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}
            )
        assert not manager.running
        assert manager.lost is not None and "not renewed" in manager.lost
    finally:
        manager.stop()


def test_the_api_answers_507_with_a_status_when_the_disk_is_full(small_disk: SmallDisk) -> None:
    from fastapi.testclient import TestClient

    from treadle.server import create_app

    app = create_app(
        Home(small_disk.home),
        token_policy="none",
        allowed_hosts=["testserver"],
        run_controller=False,
    )
    with TestClient(app) as api:
        small_disk.fill()
        answer = api.post(
            f"/apis/{GV}/namespaces/default/workflowtemplates",
            json=yaml.safe_load(TEMPLATE),
        )
    assert answer.status_code == 507
    body = answer.json()
    assert (body["kind"], body["reason"], body["code"]) == ("Status", "InsufficientStorage", 507)
    assert body["message"].startswith(_full(small_disk.home))


def test_a_command_on_a_full_disk_says_so_in_one_line(small_disk: SmallDisk) -> None:
    home = small_disk.home
    assert treadle_cli("apply", "-f", "-", home=home, stdin=TEMPLATE).returncode == 0
    small_disk.fill()
    output = _one_line(treadle_cli("apply", "-f", "-", home=home, stdin=RUN))
    assert _full(home) in output


# -- 11. a data directory that is read-only, or cannot be made ---------------------------


def test_a_full_disk_met_anywhere_in_the_data_directory_is_a_full_disk() -> None:
    written = OSError(errno.ENOSPC, "No space left on device", "/d/volumes/ns/claim/big")
    explained = storage_error(written, "/d")
    assert isinstance(explained, DiskFull)
    assert str(explained) == "the disk of data directory /d is full (No space left on device)"


def test_a_bad_path_inside_a_volume_is_not_a_data_directory_failure() -> None:
    named = NotADirectoryError(errno.ENOTDIR, "Not a directory", "/d/volumes/ns/claim/file/x")
    assert storage_error(named, "/d") is None


COMMANDS = [
    ["get", "workflowruns"],
    ["apply", "-f", "-"],
    ["run", "hello"],
    ["logs", "hello-run"],
    ["volume", "ls"],
    ["controller"],
]
COMMAND_IDS = ["get", "apply", "run", "logs", "volume-ls", "controller"]


@pytest.mark.parametrize("args", COMMANDS, ids=COMMAND_IDS)
def test_every_command_on_a_read_only_data_directory_says_so_in_one_line(
    read_only_home: Path, args: list[str]
) -> None:
    output = _one_line(treadle_cli(*args, home=read_only_home, stdin=RUN))
    assert output.startswith(f"error: data directory {read_only_home} is read-only (")


@pytest.mark.parametrize("args", COMMANDS, ids=COMMAND_IDS)
def test_every_command_on_a_data_directory_that_cannot_be_made_says_so_in_one_line(
    tmp_path: Path, args: list[str]
) -> None:
    (tmp_path / "a-file").write_text("")
    home = tmp_path / "a-file" / "home"
    output = _one_line(treadle_cli(*args, home=home, stdin=RUN))
    assert output == f"error: data directory {home} cannot be created: Not a directory"


# -- 12. shutting down, and going idle ----------------------------------------------------


def test_sigterm_stops_the_controller_in_order(tmp_path: Path) -> None:
    home = tmp_path / "home"
    controller = _controller(home)
    _started(controller)
    controller.send_signal(signal.SIGTERM)
    _, errors = controller.communicate(timeout=30)
    assert controller.returncode == 0, errors
    assert "Traceback" not in errors, errors
    assert _stored_lease(home / "treadle.db").holder is None  # released, not left to expire


def test_an_idle_controller_exits_by_itself_once_the_work_is_done(tmp_path: Path) -> None:
    """A run with a timeout an hour away leaves a timer behind when it finishes early;
    that timer is no work to stay up for."""
    home = tmp_path / "home"
    run = RUN.replace("spec:\n", "spec:\n  timeout: 1h\n")
    assert (
        treadle_cli("apply", "-f", "-", home=home, stdin=TEMPLATE + "---\n" + run).returncode == 0
    )
    began = time.monotonic()
    controller = _controller(home, "--idle-exit", "2")
    _, errors = controller.communicate(timeout=60)
    took = time.monotonic() - began
    assert controller.returncode == 0, errors
    with SqliteStore(home / "treadle.db") as store:
        run_status = store.get(GV, "WorkflowRun", "default", "hello-run")["status"]
    assert run_status["phase"] == "Succeeded"
    assert took < 15
