"""Memory limits, and running a command inside a running container (a terminal)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.runtime.runtime_helpers import pod, sh, state, wait_finished, wait_for
from treadle.errors import BadRequest, NotFound
from treadle.runtime.base import ContainerPlan
from treadle.runtime.local import LocalRuntime

MiB = 1024 * 1024


def _allocate(name: str, mib: int, limit: int) -> ContainerPlan:
    code = f"b = bytearray({mib} * 1024 * 1024); print('allocated')"
    return ContainerPlan(name, [sys.executable, "-S", "-c", code], memory_limit_bytes=limit)


def test_memory_limit_is_recorded_and_enforced(rt: LocalRuntime) -> None:
    p = pod(init=[_allocate("small", 10, 200 * MiB), _allocate("big", 400, 200 * MiB)])
    rt.start(p)
    obs = wait_finished(rt, p.uid)
    limits = json.loads((rt.root / p.uid / "limits.json").read_text())
    assert limits["big"]["memory_limit_bytes"] == 200 * MiB
    mechanism = limits["big"]["mechanism"]
    assert mechanism in ("cgroup-v2", "rlimit-data")
    assert state(obs, "small").reason == "Completed"
    big = state(obs, "big")
    assert big.exit_code != 0
    if mechanism == "cgroup-v2":
        assert big.reason == "OOMKilled"
    else:  # the allocation fails inside the program
        assert "MemoryError" in " ".join(line.text for line in rt.logs(p.uid, "big"))


def test_container_without_a_memory_limit_records_none(host_rt: LocalRuntime) -> None:
    p = pod(init=[sh("free", "true")])
    host_rt.start(p)
    wait_finished(host_rt, p.uid)
    assert not (host_rt.root / p.uid / "limits.json").exists()


def _run(argv: list[str]) -> str:
    return subprocess.run(argv, capture_output=True, text=True, timeout=10, check=True).stdout


def test_exec_runs_with_the_containers_env_and_working_dir(
    host_rt: LocalRuntime, tmp_path: Path
) -> None:
    p = pod(containers=[sh("main", "sleep 30", env={"GREETING": "hi"}, working_dir=str(tmp_path))])
    host_rt.start(p)
    wait_for(lambda: state(host_rt.observe(p.uid), "main").state == "running", "main to run")  # type: ignore[arg-type]
    argv = host_rt.exec(
        p.uid, "main", ["sh", "-c", 'pwd; echo "$GREETING"; echo "${PYTEST_CURRENT_TEST:-unset}"']
    )
    assert _run(argv).splitlines() == [str(tmp_path), "hi", "unset"]


def test_exec_enters_the_running_sandbox(sandbox_rt: LocalRuntime) -> None:
    script = "echo secret > /tmp/inside; sleep 30"
    p = pod(containers=[sh("main", script, env={"GREETING": "hi"}, working_dir="/workspace/dir")])
    sandbox_rt.start(p)
    wait_for(lambda: state(sandbox_rt.observe(p.uid), "main").state == "running", "main to run")  # type: ignore[arg-type]
    argv = sandbox_rt.exec(p.uid, "main", ["sh", "-c", 'pwd; echo "$GREETING"; cat /tmp/inside'])
    wait_for(
        lambda: subprocess.run(argv, capture_output=True).returncode == 0, "the sandbox to be up"
    )
    assert _run(argv).splitlines() == ["/workspace/dir", "hi", "secret"]


def test_exec_into_a_finished_or_unknown_container_is_refused(host_rt: LocalRuntime) -> None:
    p = pod(init=[sh("done", "true")])
    host_rt.start(p)
    wait_finished(host_rt, p.uid)
    with pytest.raises(BadRequest):
        host_rt.exec(p.uid, "done", ["sh"])
    with pytest.raises(NotFound):
        host_rt.exec(p.uid, "other", ["sh"])
    with pytest.raises(NotFound):
        host_rt.exec("no-such-unit", "done", ["sh"])
