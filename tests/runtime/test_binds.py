"""Mounts opened when a container starts: subPaths beneath their volume, fds handed to
bubblewrap and to nothing else, and the data directory out of sight."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.runtime.runtime_helpers import (
    HAS_SANDBOX,
    pod,
    sh,
    shown_host_dir,
    state,
    wait_finished,
)
from treadle.runtime.base import Mount, PodObservation
from treadle.runtime.binds import BindError, open_binds, placeholder
from treadle.runtime.local import LocalRuntime


@pytest.fixture
def volume(tmp_path: Path) -> Path:
    v = tmp_path / "volume"
    (v / "sub").mkdir(parents=True)
    (v / "sub" / "f").write_text("in sub\n")
    return v


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    o = tmp_path / "outside"
    o.mkdir()
    (o / "secret").write_text("secret\n")
    return o


def run_one(
    rt: LocalRuntime, script: str, *mounts: Mount, working_dir: str | None = None
) -> tuple[PodObservation, list[str]]:
    """Run `script` in one container with `mounts`; its observation and log lines."""
    p = pod(init=[sh("c", script, mounts=mounts, working_dir=working_dir)])
    rt.start(p)
    obs = wait_finished(rt, p.uid)
    return obs, [line.text for line in rt.logs(p.uid)]


# -- open_binds -----------------------------------------------------------------------


def bind(host: Path, sub: str = "", **extra: object) -> dict[str, object]:
    return {"host": str(host), "sub": sub, "dest": "/data", "within": None, **extra}


def test_open_binds_puts_an_inheritable_fd_in_the_placeholder(volume: Path) -> None:
    argv, fds = open_binds(["bwrap", "--bind-fd", placeholder(0), "/data"], [bind(volume, "sub")])
    try:
        assert argv[2] == str(fds[0]) and os.get_inheritable(fds[0])
        assert os.path.samestat(os.fstat(fds[0]), os.stat(volume / "sub"))
    finally:
        for fd in fds:
            os.close(fd)


def test_without_bind_fd_the_placeholder_gets_the_resolved_path(volume: Path) -> None:
    (volume / "latest").symlink_to("sub")
    argv, fds = open_binds(
        ["--bind", placeholder(0), "/data"], [bind(volume, "latest")], by_fd=False
    )
    try:
        assert argv[1] == str(volume / "sub")
        assert not os.get_inheritable(fds[0])  # bubblewrap would hand it to the container
    finally:
        for fd in fds:
            os.close(fd)


def test_a_missing_sub_path_is_made_beneath_the_volume(volume: Path) -> None:
    _, fds = open_binds([placeholder(0)], [bind(volume, "new/deeper")])
    for fd in fds:
        os.close(fd)
    assert (volume / "new" / "deeper").is_dir()


def test_a_sub_path_through_a_symlink_out_is_a_bind_error(volume: Path, outside: Path) -> None:
    (volume / "esc").symlink_to(outside)
    before = len(os.listdir("/proc/self/fd"))
    with pytest.raises(BindError) as err:
        open_binds([placeholder(0), placeholder(1)], [bind(volume), bind(volume, "esc/x")])
    assert str(err.value) == (
        'mount at "/data": subPath "esc/x" leads out of its volume (through a symlink or \'..\')'
    )
    assert len(os.listdir("/proc/self/fd")) == before  # nothing left open
    assert os.listdir(outside) == ["secret"]


def test_a_mount_point_inside_another_mount_is_made_beneath_it(volume: Path, outside: Path) -> None:
    binds = [bind(volume), bind(outside, within=0, point="sub/inner", make=True)]
    _, fds = open_binds([placeholder(0), placeholder(1)], binds)
    for fd in fds:
        os.close(fd)
    assert (volume / "sub" / "inner").is_dir()


def test_a_mount_point_through_a_symlink_out_is_a_bind_error(volume: Path, outside: Path) -> None:
    (volume / "esc").symlink_to(outside)
    binds = [bind(volume), bind(volume, "sub", within=0, point="esc/inner", make=True)]
    with pytest.raises(BindError, match="esc/inner"):
        open_binds([placeholder(0), placeholder(1)], binds)
    assert os.listdir(outside) == ["secret"]


def test_a_working_dir_through_a_symlink_out_is_a_bind_error(volume: Path, outside: Path) -> None:
    (volume / "esc").symlink_to(outside)
    workdir = {"within": 0, "point": "esc/wd", "make": True, "dest": "/data/esc/wd"}
    with pytest.raises(BindError, match='workingDir "/data/esc/wd"'):
        open_binds([placeholder(0)], [bind(volume)], workdir)
    assert os.listdir(outside) == ["secret"]


# -- in a sandbox ----------------------------------------------------------------------


def test_a_sub_path_mount_shows_only_that_directory(sandbox_rt: LocalRuntime, volume: Path) -> None:
    obs, logs = run_one(
        sandbox_rt, "ls /data; cat /data/f", Mount(str(volume), "/data", sub_path="sub")
    )
    assert obs.phase == "Succeeded", obs
    assert logs == ["f", "in sub"]


def test_a_read_only_sub_path_mount_is_read_only(sandbox_rt: LocalRuntime, volume: Path) -> None:
    mount = Mount(str(volume), "/data", read_only=True, sub_path="sub")
    obs, _ = run_one(sandbox_rt, "touch /data/x", mount)
    assert state(obs, "c").exit_code != 0
    assert not (volume / "sub" / "x").exists()


def test_a_sub_path_naming_a_file_mounts_the_file(sandbox_rt: LocalRuntime, volume: Path) -> None:
    obs, logs = run_one(
        sandbox_rt, "cat /app.conf", Mount(str(volume), "/app.conf", sub_path="sub/f")
    )
    assert obs.phase == "Succeeded", obs
    assert logs == ["in sub"]


def test_a_container_inherits_no_mount_fd(sandbox_rt: LocalRuntime, volume: Path) -> None:
    script = "for f in /proc/self/fd/*; do readlink $f || true; done"
    obs, logs = run_one(sandbox_rt, script, Mount(str(volume), "/data", sub_path="sub"))
    assert obs.phase == "Succeeded", obs
    assert not [line for line in logs if str(volume) in line or line.startswith("/data")]


def test_a_sub_path_swapped_for_a_symlink_before_the_next_container_is_refused(
    sandbox_rt: LocalRuntime, volume: Path, outside: Path
) -> None:
    swap = f"rm -rf /data/sub && ln -s {outside} /data/sub"
    p = pod(
        init=[
            sh("swap", swap, mounts=[Mount(str(volume), "/data")]),
            sh(
                "use",
                "cat /data/secret; touch /data/pwned",
                mounts=[Mount(str(volume), "/data", sub_path="sub")],
            ),
        ]
    )
    sandbox_rt.start(p)
    obs = wait_finished(sandbox_rt, p.uid)
    use = state(obs, "use")
    assert use.reason == "StartError" and use.message is not None and "subPath" in use.message
    assert os.listdir(outside) == ["secret"]


@pytest.fixture
def shown(tmp_path: Path) -> Iterator[Path]:
    """A fresh directory where the sandbox would show it (see `shown_host_dir`)."""
    base = shown_host_dir()
    if base is None:
        pytest.skip("no writable host directory the sandbox shows")
    d = Path(tempfile.mkdtemp(prefix="treadle-test-", dir=base))
    try:
        yield d
    finally:
        shutil.rmtree(d)


def test_a_hidden_directory_is_empty_but_a_mount_from_inside_it_works(
    tmp_path: Path, shown: Path
) -> None:
    if not HAS_SANDBOX:
        pytest.skip("bubblewrap does not work here")
    (shown / "db").write_text("secrets\n")
    (shown / "vol").mkdir()
    (shown / "vol" / "mine").write_text("mine\n")
    rt = LocalRuntime(tmp_path / "rt", sandbox=True, hide=[shown])
    try:
        script = f"ls -A {shown} | wc -l; cat /data/mine"
        obs, logs = run_one(rt, script, Mount(str(shown / "vol"), "/data"))
    finally:
        for uid in rt.units():
            rt.remove(uid)
        rt.close()
    assert obs.phase == "Succeeded", obs
    assert logs == ["0", "mine"]
