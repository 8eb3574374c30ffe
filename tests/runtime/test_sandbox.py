"""What a container sees of the file system, with and without the sandbox."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.runtime.runtime_helpers import HAS_SANDBOX, pod, sh, state, wait_finished
from treadle.runtime.base import ContainerPlan, Mount, PodPlan
from treadle.runtime.binds import placeholder
from treadle.runtime.local import LocalRuntime
from treadle.runtime.sandbox import HostLayout, MountError, bwrap_args


def test_runtime_uses_the_sandbox_where_bubblewrap_works(tmp_path: Path) -> None:
    assert LocalRuntime(tmp_path / "rt").sandboxed is HAS_SANDBOX


def test_mount_appears_at_its_container_path_and_writes_land_on_the_host(
    sandbox_rt: LocalRuntime, tmp_path: Path
) -> None:
    volume = tmp_path / "volume"
    volume.mkdir()
    (volume / "input").write_text("from the host\n")
    script = "cat /t9k/workspaces/w/input; echo from the container > /t9k/workspaces/w/output"
    p = pod(init=[sh("use", script, mounts=[Mount(str(volume), "/t9k/workspaces/w")])])
    sandbox_rt.start(p)
    obs = wait_finished(sandbox_rt, p.uid)
    assert obs.phase == "Succeeded", obs
    assert [line.text for line in sandbox_rt.logs(p.uid)] == ["from the host"]
    assert (volume / "output").read_text() == "from the container\n"


def test_read_only_mount_is_read_only(sandbox_rt: LocalRuntime, tmp_path: Path) -> None:
    volume = tmp_path / "volume"
    volume.mkdir()
    mount = Mount(str(volume), "/data", read_only=True)
    p = pod(init=[sh("write", "touch /data/x", mounts=[mount])])
    sandbox_rt.start(p)
    obs = wait_finished(sandbox_rt, p.uid)
    assert state(obs, "write").exit_code != 0
    assert "Read-only file system" in " ".join(line.text for line in sandbox_rt.logs(p.uid))
    assert not (volume / "x").exists()


def test_working_dir_is_honoured_and_created(rt: LocalRuntime, tmp_path: Path) -> None:
    workdir = str(tmp_path / "new" / "dir") if not rt.sandboxed else "/workspace/src"
    p = pod(init=[sh("pwd", "pwd; touch here", working_dir=workdir)])
    rt.start(p)
    obs = wait_finished(rt, p.uid)
    assert obs.phase == "Succeeded", obs
    assert [line.text for line in rt.logs(p.uid)] == [workdir]


def test_working_dir_inside_a_mount_is_created_on_the_host(
    sandbox_rt: LocalRuntime, tmp_path: Path
) -> None:
    mount = Mount(str(tmp_path), "/t9k/workspaces/w")
    p = pod(init=[sh("pwd", "touch made", working_dir="/t9k/workspaces/w/sub", mounts=[mount])])
    sandbox_rt.start(p)
    assert wait_finished(sandbox_rt, p.uid).phase == "Succeeded"
    assert (tmp_path / "sub" / "made").exists()


def test_sandbox_tmp_is_private_and_host_dirs_are_read_only(sandbox_rt: LocalRuntime) -> None:
    marker = Path("/tmp") / f"treadle-test-{os.getpid()}"
    script = f"touch {marker} && ls /tmp | wc -l; touch /usr/treadle-x 2>/dev/null || echo ro"
    p = pod(init=[sh("look", script)])
    sandbox_rt.start(p)
    wait_finished(sandbox_rt, p.uid)
    assert [line.text for line in sandbox_rt.logs(p.uid)] == ["1", "ro"]
    assert not marker.exists()


def test_a_mount_point_the_host_lacks_in_a_read_only_dir_is_made_beside_its_files(
    sandbox_rt: LocalRuntime, tmp_path: Path
) -> None:
    # The platform's model path, /var/lib/t9k/model, is one such: /var is read-only.
    (tmp_path / "f").write_text("mounted\n")
    neighbour = sorted(p.name for p in Path("/usr/share").iterdir() if not p.is_symlink())[0]
    mount = Mount(str(tmp_path), "/usr/share/treadle-no-such-dir/model")
    script = (
        "cat /usr/share/treadle-no-such-dir/model/f; "
        f"test -e /usr/share/{neighbour} && echo neighbour; "
        "touch /usr/share/x 2>/dev/null || echo ro"
    )
    p = pod(containers=[sh("c", script, mounts=[mount])])
    sandbox_rt.start(p)
    wait_finished(sandbox_rt, p.uid)
    assert [line.text for line in sandbox_rt.logs(p.uid)] == ["mounted", "neighbour", "ro"]
    assert not Path("/usr/share/treadle-no-such-dir").exists()


def test_mount_point_in_a_read_only_mount_is_a_start_error(
    sandbox_rt: LocalRuntime, tmp_path: Path
) -> None:
    (tmp_path / "outer").mkdir()
    (tmp_path / "inner").mkdir()
    mounts = [
        Mount(str(tmp_path / "outer"), "/data", read_only=True),
        Mount(str(tmp_path / "inner"), "/data/missing"),
    ]
    p = pod(init=[sh("before", "true"), sh("bad", "true", mounts=mounts)])
    sandbox_rt.start(p)
    obs = wait_finished(sandbox_rt, p.uid)
    bad = state(obs, "bad")
    assert bad.reason == "StartError"
    assert bad.message is not None and "/data/missing" in bad.message
    assert "read-only" in bad.message
    assert state(obs, "before").state == "skipped"  # a unit that cannot start runs nothing
    assert obs.message is not None and obs.message.startswith('init container "bad" could not')


def test_unsandboxed_runtime_rejects_a_mount_it_cannot_provide(
    host_rt: LocalRuntime, tmp_path: Path
) -> None:
    mount = Mount(str(tmp_path), "/t9k/workspaces/w")
    p = pod(containers=[sh("main", "true", mounts=[mount])])
    host_rt.start(p)
    obs = wait_finished(host_rt, p.uid)
    main = state(obs, "main")
    assert main.reason == "StartError"
    assert main.message == (
        'mount at "/t9k/workspaces/w": this host has no sandbox (bubblewrap), so a volume '
        f'can only appear at its host path "{tmp_path}"'
    )


def test_unsandboxed_runtime_accepts_a_mount_at_its_host_path(
    host_rt: LocalRuntime, tmp_path: Path
) -> None:
    p = pod(
        containers=[sh("main", f"touch {tmp_path}/x", mounts=[Mount(str(tmp_path), str(tmp_path))])]
    )
    host_rt.start(p)
    assert wait_finished(host_rt, p.uid).phase == "Succeeded"
    assert (tmp_path / "x").exists()


LAYOUT = HostLayout(dirs=("/etc", "/usr", "/work"), symlinks=(("usr/bin", "/bin"),), devices=())


def test_sandbox_binds_host_top_level_dirs_one_by_one() -> None:
    args = bwrap_args(ContainerPlan("c", ["true"]), layout=LAYOUT).args
    binds = [args[i + 1 : i + 3] for i, a in enumerate(args) if a == "--ro-bind"]
    assert binds == [["/etc", "/etc"], ["/usr", "/usr"], ["/work", "/work"]]
    at = args.index("--symlink")
    assert args[at : at + 3] == ["--symlink", "usr/bin", "/bin"]
    assert args[-3:] == ["--chdir", "/", "--"]
    for flag in ("--unshare-pid", "--die-with-parent"):
        assert flag in args
    assert "--new-session" not in args  # it would move the container out of its process group


def test_sandbox_binds_parent_mounts_before_nested_ones(tmp_path: Path) -> None:
    c = ContainerPlan(
        "c",
        ["true"],
        mounts=[Mount(str(tmp_path), "/data/inner", True), Mount(str(tmp_path), "/data")],
    )
    args = bwrap_args(c, layout=LAYOUT).args
    assert args.index("/data") < args.index("/data/inner")
    assert args[args.index("/data/inner") - 2] == "--ro-bind-fd"


def test_a_mount_point_made_in_a_read_only_dir_keeps_what_is_hidden_there_hidden() -> None:
    # /usr/share has entries on every host; one of them stands for a data directory.
    hidden = "/usr/share/" + sorted(p.name for p in Path("/usr/share").iterdir() if p.is_dir())[0]
    c = ContainerPlan("c", ["true"], mounts=[Mount("/etc", "/usr/share/treadle-model/m")])
    args = bwrap_args(c, layout=LAYOUT, hide=[hidden]).args
    split = args.index("/usr/share") - 1
    assert args[split] == "--tmpfs"
    shown = args.index(hidden, split)
    assert args[shown - 1] == "--ro-bind"  # bound again with the entries of /usr/share …
    assert args[args.index("--tmpfs", shown) + 1] == hidden  # covered again, after it
    assert args[-5:] == ["--remount-ro", "/usr/share", "--chdir", "/", "--"]


@pytest.mark.parametrize(
    ("mount", "message"),
    [
        (
            Mount("/no/such/host/dir", "/data"),
            'mount at "/data": host path "/no/such/host/dir" does not exist',
        ),
        (Mount("/etc", "relative"), 'mount at "relative": must be an absolute path without ".."'),
        (Mount("/etc", "/proc"), 'mount at "/proc": the path is reserved by the sandbox'),
    ],
)
def test_sandbox_refuses_mounts_it_cannot_provide(mount: Mount, message: str) -> None:
    with pytest.raises(MountError) as err:
        bwrap_args(ContainerPlan("c", ["true"], mounts=[mount]), layout=LAYOUT)
    assert str(err.value) == message


@pytest.fixture
def under_tmp() -> Iterator[Path]:
    """A directory in the host's /tmp, wherever pytest keeps its own."""
    made = Path(tempfile.mkdtemp(prefix="treadle-shown-", dir="/tmp"))
    try:
        yield made
    finally:
        shutil.rmtree(made)


def _logs(rt: LocalRuntime, p: PodPlan) -> list[str]:
    return [line.text for line in rt.logs(p.uid)]


def test_a_command_under_tmp_runs_in_the_sandbox(sandbox_rt: LocalRuntime, under_tmp: Path) -> None:
    program = under_tmp / "tool" / "bin" / "hello"
    program.parent.mkdir(parents=True)
    program.write_text("#!/bin/sh\necho hello from $(dirname $0)\n")
    program.chmod(0o755)
    p = pod(init=[ContainerPlan("c", [str(program)])])
    sandbox_rt.start(p)
    assert wait_finished(sandbox_rt, p.uid).phase == "Succeeded"
    assert _logs(sandbox_rt, p) == [f"hello from {program.parent}"]


def test_a_venv_under_tmp_on_path_is_the_python_a_step_finds(
    sandbox_rt: LocalRuntime, under_tmp: Path
) -> None:
    venv = under_tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    path = f"{venv / 'bin'}:{os.environ.get('PATH', '/usr/bin:/bin')}"
    step = ContainerPlan("c", ["python", "-c", "import sys; print(sys.prefix)"], env={"PATH": path})
    p = pod(init=[step])
    sandbox_rt.start(p)
    assert wait_finished(sandbox_rt, p.uid).phase == "Succeeded"
    assert _logs(sandbox_rt, p) == [str(venv)]


def test_what_the_command_does_not_name_in_tmp_stays_private(
    sandbox_rt: LocalRuntime, under_tmp: Path
) -> None:
    (under_tmp / "tool" / "bin").mkdir(parents=True)
    (under_tmp / "secret").write_text("s3cret")
    path = f"{under_tmp / 'tool' / 'bin'}:/usr/bin:/bin"
    look = f"ls {under_tmp}; cat {under_tmp / 'secret'} 2>/dev/null || echo private"
    p = pod(init=[sh("c", look, env={"PATH": path})])
    sandbox_rt.start(p)
    wait_finished(sandbox_rt, p.uid)
    assert _logs(sandbox_rt, p) == ["tool", "private"]


@pytest.fixture
def host_tree() -> Iterator[Path]:
    """A directory on the host outside /tmp (which the sandbox replaces), as the
    sandbox shows the host: read-only, with a data directory to hide below it."""
    root = Path(tempfile.mkdtemp(prefix="treadle-walls-", dir="/var/tmp"))
    try:
        (root / "data" / "treadle").mkdir(parents=True)
        (root / "data" / "treadle" / "treadle.db").write_text("SECRET\n")
        (root / "volume").mkdir()
        (root / "volume" / "f").write_text("mounted\n")
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _bwrap(c: ContainerPlan, hide: list[str]) -> subprocess.CompletedProcess[str]:
    """`c` run under bwrap as the runtime would, its mounts bound by path."""
    built = bwrap_args(c, hide=hide, bind_fd=False)
    args = list(built.args)
    for i, record in enumerate(built.binds):
        args = [record["host"] if a == placeholder(i) else a for a in args]
    return subprocess.run(["bwrap", *args, *c.argv], capture_output=True, text=True, timeout=30)


@pytest.mark.skipif(not HAS_SANDBOX, reason="bubblewrap does not work on this host")
def test_a_mount_point_made_above_a_hidden_directory_keeps_it_hidden(host_tree: Path) -> None:
    """The attack: a step asks for a mount point the host lacks, so that the tmpfs
    made for it covers whatever hid the data directory two levels below."""
    secret = host_tree / "data" / "treadle" / "treadle.db"
    point = host_tree / "missing" / "model"
    c = ContainerPlan(
        "c",
        ["sh", "-c", f"cat {point}/f; cat {secret} || echo hidden"],
        mounts=[Mount(str(host_tree / "volume"), str(point))],
    )
    done = _bwrap(c, hide=[str(host_tree / "data" / "treadle")])
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["mounted", "hidden"]


@pytest.mark.skipif(not HAS_SANDBOX, reason="bubblewrap does not work on this host")
def test_a_mount_point_reached_through_a_host_symlink_is_refused(host_tree: Path) -> None:
    """Spelled through a symlink, the split directory would not be recognised as
    holding the hidden one: refused instead."""
    (host_tree / "alias").symlink_to("data")
    c = ContainerPlan(
        "c", ["true"], mounts=[Mount(str(host_tree / "volume"), f"{host_tree}/alias/treadle/x")]
    )
    with pytest.raises(MountError, match="cannot be created in the sandbox"):
        bwrap_args(c, hide=[str(host_tree / "data" / "treadle")], bind_fd=False)


@pytest.mark.skipif(not HAS_SANDBOX, reason="bubblewrap does not work on this host")
def test_two_mount_points_in_one_read_only_tree_are_both_made(host_tree: Path) -> None:
    (host_tree / "share").mkdir()
    (host_tree / "other").mkdir()
    (host_tree / "other" / "g").write_text("other\n")
    first, second = host_tree / "share" / "new1", host_tree / "new2" / "a" / "b"
    c = ContainerPlan(
        "c",
        ["sh", "-c", f"cat {first}/f {second}/g"],
        mounts=[
            Mount(str(host_tree / "volume"), str(first)),
            Mount(str(host_tree / "other"), str(second)),
        ],
    )
    done = _bwrap(c, hide=[])
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["mounted", "other"]
