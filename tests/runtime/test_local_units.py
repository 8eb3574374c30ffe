"""How a unit's containers run: order, concurrency, failure, exit codes, idempotency."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

from tests.runtime.runtime_helpers import pod, sh, state, visible, wait_finished
from treadle.runtime.base import ContainerPlan
from treadle.runtime.local import LocalRuntime

RFC3339_US = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")


def test_init_containers_run_in_order_and_stop_at_first_failure(
    rt: LocalRuntime, tmp_path: Path
) -> None:
    trace = tmp_path / "trace"
    trace.touch()
    p = pod(
        init=[
            sh("one", f"echo one >> {trace}"),
            sh("two", f"echo two >> {trace}; exit 4"),
            sh("three", f"echo three >> {trace}"),
        ],
        containers=[sh("main", f"echo main >> {trace}")],
    )
    p = visible(p, tmp_path)
    rt.start(p)
    obs = wait_finished(rt, p.uid)
    assert obs.phase == "Failed"
    assert trace.read_text() == "one\ntwo\n"
    assert [(s.name, s.state, s.exit_code) for s in obs.init_containers] == [
        ("one", "terminated", 0),
        ("two", "terminated", 4),
        ("three", "skipped", None),
    ]
    assert state(obs, "main").state == "skipped"
    assert obs.message == 'init container "two" exited with code 4 (Error)'


def test_containers_start_together(rt: LocalRuntime, tmp_path: Path) -> None:
    # Each waits for the other's flag: only containers running at the same time finish.
    d = tmp_path / "flags"
    d.mkdir()
    wait_other = "for i in $(seq 500); do [ -e {d}/{o} ] && exit 0; sleep 0.01; done; exit 1"
    p = pod(
        containers=[
            sh("a", f"touch {d}/a; " + wait_other.format(d=d, o="b")),
            sh("b", f"touch {d}/b; " + wait_other.format(d=d, o="a")),
        ]
    )
    p = visible(p, tmp_path)
    rt.start(p)
    obs = wait_finished(rt, p.uid)
    assert obs.phase == "Succeeded", obs


def test_first_failing_container_stops_the_others(rt: LocalRuntime) -> None:
    p = pod(containers=[sh("sleeper", "sleep 60"), sh("failer", "sleep 0.2; exit 2")])
    started = time.monotonic()
    rt.start(p)
    obs = wait_finished(rt, p.uid)
    assert time.monotonic() - started < 5
    assert obs.phase == "Failed"
    assert obs.message == 'container "failer" exited with code 2 (Error)'
    sleeper = state(obs, "sleeper")
    assert sleeper.state == "terminated"
    assert sleeper.reason == "Killed"
    assert sleeper.message == 'container "failer" failed'


def test_exit_codes_and_timestamps_are_recorded(host_rt: LocalRuntime) -> None:
    p = pod(init=[sh("ok", "sleep 0.1"), sh("signalled", "sleep 0.1; kill -9 $$")])
    rt = host_rt
    before = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(time.time() - 1))
    rt.start(p)
    obs = wait_finished(rt, p.uid)
    ok, killed = state(obs, "ok"), state(obs, "signalled")
    assert (ok.exit_code, ok.reason) == (0, "Completed")
    assert (killed.exit_code, killed.reason) == (137, "Error")
    for s in (ok, killed):
        assert s.started_at and s.finished_at
        assert RFC3339_US.fullmatch(s.started_at) and RFC3339_US.fullmatch(s.finished_at)
        assert before < s.started_at < s.finished_at


def test_record_of_a_finished_container_survives_in_its_state_file(host_rt: LocalRuntime) -> None:
    p = pod(init=[sh("step", "exit 5")])
    host_rt.start(p)
    wait_finished(host_rt, p.uid)
    record = (host_rt.root / p.uid / "containers" / "step.json").read_text()
    assert '"exit_code": 5' in record and '"reason": "Error"' in record


def test_unit_started_twice_runs_once(host_rt: LocalRuntime, tmp_path: Path) -> None:
    trace = tmp_path / "trace"
    p = pod(init=[sh("once", f"echo ran >> {trace}")])
    host_rt.start(p)
    host_rt.start(p)
    LocalRuntime(host_rt.root, sandbox=False).start(p)
    wait_finished(host_rt, p.uid)
    host_rt.start(p)
    time.sleep(0.2)  # a second supervisor, had one started, would have run by now
    assert trace.read_text() == "ran\n"


def test_unknown_command_is_a_start_error(rt: LocalRuntime) -> None:
    p = pod(init=[ContainerPlan("missing", ["no-such-command-xyz"]), sh("after", "true")])
    rt.start(p)
    obs = wait_finished(rt, p.uid)
    missing = state(obs, "missing")
    assert missing.reason == "StartError"
    assert missing.message is not None and "no-such-command-xyz" in missing.message
    assert state(obs, "after").state == "skipped"
    assert obs.message is not None and obs.message.startswith('init container "missing" could not')


def test_container_env_does_not_leak_the_controller_environment(
    host_rt: LocalRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONTROLLER_SECRET", "hush")
    p = pod(init=[sh("env", "env", env={"GREETING": "hi"})])
    host_rt.start(p)
    wait_finished(host_rt, p.uid)
    env = dict(line.text.split("=", 1) for line in host_rt.logs(p.uid) if "=" in line.text)
    assert "CONTROLLER_SECRET" not in env
    assert env["GREETING"] == "hi"
    assert env["PATH"] == os.environ["PATH"]
    assert env["HOME"] == str(host_rt.root / p.uid / "home")


def test_sandboxed_container_has_a_private_home_in_tmp(sandbox_rt: LocalRuntime) -> None:
    p = pod(init=[sh("home", 'echo "$HOME"; touch "$HOME/x"')])
    sandbox_rt.start(p)
    obs = wait_finished(sandbox_rt, p.uid)
    assert obs.phase == "Succeeded"
    assert [line.text for line in sandbox_rt.logs(p.uid)] == ["/tmp"]


def test_units_lists_and_remove_deletes_a_unit(host_rt: LocalRuntime) -> None:
    a, b = pod(init=[sh("x", "true")]), pod(init=[sh("x", "sleep 30")])
    host_rt.start(a)
    host_rt.start(b)
    assert host_rt.units() == sorted([a.uid, b.uid])
    host_rt.remove(b.uid)
    assert host_rt.units() == [a.uid]
    assert host_rt.observe(b.uid) is None
    assert not (host_rt.root / b.uid).exists()


def test_changes_names_a_unit_that_finished(host_rt: LocalRuntime) -> None:
    host_rt.changes(0)  # start listening before the unit runs
    p = pod(init=[sh("x", "true")])
    host_rt.start(p)
    seen: set[str] = set()
    deadline = time.monotonic() + 10
    while host_rt.observe(p.uid).phase not in ("Succeeded", "Failed"):  # type: ignore[union-attr]
        seen |= host_rt.changes(0.5)
        assert time.monotonic() < deadline
    seen |= host_rt.changes(0.1)
    assert p.uid in seen
    host_rt.close()
