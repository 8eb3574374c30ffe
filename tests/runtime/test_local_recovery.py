"""Surviving the controller and the supervisor: re-adoption, crashes, stop, remove."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

from tests.runtime.runtime_helpers import (
    pod,
    processes_with,
    sh,
    state,
    unique_sleep,
    visible,
    wait_finished,
    wait_for,
)
from treadle.runtime.local import LocalRuntime

PROJECT = Path(__file__).resolve().parents[2]


def test_new_runtime_readopts_unit_started_by_a_killed_controller(tmp_path: Path) -> None:
    root, trace = tmp_path / "rt", tmp_path / "trace"
    controller = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
                import sys, time
                from pathlib import Path
                from treadle.runtime.base import ContainerPlan, PodPlan
                from treadle.runtime.local import LocalRuntime
                rt = LocalRuntime(Path({str(root)!r}), sandbox=False)
                script = "echo ran >> {trace}; sleep 1; echo done"
                step = ContainerPlan("step", ["sh", "-c", script])
                rt.start(PodPlan(uid="adopted", name="p", namespace="d", init_containers=[step]))
                print("started", flush=True)
                time.sleep(60)
            """),
        ],
        cwd=PROJECT,
        stdout=subprocess.PIPE,
    )
    assert controller.stdout is not None
    assert controller.stdout.readline() == b"started\n"
    controller.send_signal(signal.SIGKILL)
    controller.wait()

    rt = LocalRuntime(root, sandbox=False)
    assert rt.observe("adopted").phase in ("Pending", "Running")  # type: ignore[union-attr]
    rt.start(PodPlan_like_the_first(rt))  # the restarted controller starts it again: no-op
    obs = wait_finished(rt, "adopted")
    assert obs.phase == "Succeeded"
    assert [line.text for line in rt.logs("adopted")] == ["done"]
    assert trace.read_text() == "ran\n"


def PodPlan_like_the_first(rt: LocalRuntime):  # type: ignore[no-untyped-def]
    from treadle.runtime.base import ContainerPlan, PodPlan

    step = ContainerPlan("step", ["sh", "-c", "echo again"])
    return PodPlan(uid="adopted", name="p", namespace="d", init_containers=[step])


def _supervisor_pid(rt: LocalRuntime, uid: str) -> int:
    pid_file = rt.root / uid / "supervisor.pid"
    wait_for(pid_file.exists, "the supervisor to claim the unit")
    return int(pid_file.read_text().split()[0])


def test_killed_supervisor_fails_the_unit_and_leaves_no_process(rt: LocalRuntime) -> None:
    marker, background = f"marker-{uuid.uuid4().hex}", unique_sleep(300)
    p = pod(containers=[sh("sleeper", f"{background} & sleep 301; : {marker}")])
    rt.start(p)
    wait_for(lambda: processes_with(marker), "the container to start")
    wait_for(lambda: rt.observe(p.uid).phase == "Running", "the start to be recorded")  # type: ignore[union-attr]
    os.kill(_supervisor_pid(rt, p.uid), signal.SIGKILL)
    obs = wait_finished(rt, p.uid)
    assert obs.phase == "Failed"
    assert obs.message is not None and "supervisor" in obs.message
    assert "exited unexpectedly" in obs.message
    assert state(obs, "sleeper").state == "terminated"
    wait_for(lambda: not processes_with(marker), "the container's processes to be gone", 5)
    wait_for(lambda: not processes_with(background), "the background sleep to be gone", 5)


def test_stop_kills_every_process_of_the_unit(rt: LocalRuntime) -> None:
    marker = f"marker-{uuid.uuid4().hex}"
    sleeps = [unique_sleep(200), unique_sleep(201), unique_sleep(202)]
    p = pod(
        init=[sh("first", "true")],
        containers=[
            sh("a", f"{sleeps[0]} & {sleeps[1]} & wait; : {marker}"),
            sh("b", sleeps[2]),
        ],
    )
    rt.start(p)
    wait_for(lambda: processes_with(marker), "the containers to start")
    wait_for(lambda: state(rt.observe(p.uid), "b").state == "running", "b to run")  # type: ignore[arg-type]
    rt.stop(p.uid, grace_seconds=5)
    obs = wait_finished(rt, p.uid, timeout=10)
    assert obs.phase == "Failed"
    assert obs.message == "stopped"
    assert [(s.name, s.reason) for s in obs.containers] == [("a", "Killed"), ("b", "Killed")]
    assert state(obs, "first").reason == "Completed"
    assert not processes_with(marker)
    for sleep in sleeps:
        assert not processes_with(sleep)


def test_stop_gives_the_grace_period_before_sigkill(rt: LocalRuntime, tmp_path: Path) -> None:
    flag = tmp_path / "terminated"
    script = f'trap "echo bye > {flag}; exit 3" TERM; touch {tmp_path}/up; sleep 100 & wait'
    p = visible(pod(containers=[sh("polite", script)]), tmp_path)
    rt.start(p)
    wait_for((tmp_path / "up").exists, "the container to start")
    rt.stop(p.uid, grace_seconds=5)
    obs = wait_finished(rt, p.uid)
    polite = state(obs, "polite")
    assert flag.read_text() == "bye\n"
    assert (polite.exit_code, polite.reason) == (3, "Killed")


def test_stop_escalates_to_sigkill_after_the_grace_period(host_rt: LocalRuntime) -> None:
    p = pod(containers=[sh("stubborn", "trap '' TERM; sleep 100 & wait; sleep 100")])
    host_rt.start(p)
    wait_for(lambda: host_rt.observe(p.uid).phase == "Running", "the unit to run")  # type: ignore[union-attr]
    time.sleep(0.1)
    started = time.monotonic()
    host_rt.stop(p.uid, grace_seconds=0.5)
    obs = wait_finished(host_rt, p.uid)
    assert 0.4 < time.monotonic() - started < 5
    assert (state(obs, "stubborn").exit_code, state(obs, "stubborn").reason) == (137, "Killed")


def test_remove_kills_a_running_unit(host_rt: LocalRuntime) -> None:
    marker = f"marker-{uuid.uuid4().hex}"
    p = pod(init=[sh("long", f"sleep 100; : {marker}")])
    host_rt.start(p)
    wait_for(lambda: processes_with(marker), "the container to start")
    host_rt.remove(p.uid)
    assert host_rt.observe(p.uid) is None
    wait_for(lambda: not processes_with(marker), "the container to be gone", 5)


def test_stop_right_after_start_does_not_wait_out_the_grace_period(rt: LocalRuntime) -> None:
    p = pod(containers=[sh("fresh", unique_sleep(100))])
    rt.start(p)
    wait_for(lambda: rt.observe(p.uid).phase == "Running", "the unit to run")  # type: ignore[union-attr]
    started = time.monotonic()
    rt.stop(p.uid, grace_seconds=5)
    obs = wait_finished(rt, p.uid)
    assert time.monotonic() - started < 2
    assert state(obs, "fresh").reason == "Killed"


def test_unit_whose_starter_died_before_launching_it_gets_a_supervisor(
    host_rt: LocalRuntime,
) -> None:
    # What a starter killed between creating the unit and launching its supervisor
    # leaves behind: the unit's directory, created a while ago, and nothing running.
    p = pod(init=[sh("step", "echo ran")])
    unit_dir = host_rt.root / p.uid
    host_rt._prepare(p, host_rt.root / ".new", unit_dir)
    os.rename(host_rt.root / ".new", unit_dir)
    an_hour_ago = time.time() - 3600
    os.utime(unit_dir / "plan.json", (an_hour_ago, an_hour_ago))

    restarted = LocalRuntime(host_rt.root, sandbox=False)
    assert restarted.observe(p.uid).phase == "Pending"  # type: ignore[union-attr]
    assert wait_finished(restarted, p.uid).phase == "Succeeded"
    assert [line.text for line in restarted.logs(p.uid)] == ["ran"]
