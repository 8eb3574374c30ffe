"""Durability: the process driving a DAG is killed with -9 mid-run; a new one finishes
the run, every node runs exactly once, and no process is left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

from tests.support import TREADLE

LAYERS, WIDTH = 6, 5


def _documents(marker: str) -> str:
    nodes = []
    for layer in range(LAYERS):
        for i in range(WIDTH):
            deps = [f"n{layer - 1}-{j}" for j in range(WIDTH)] if layer else []
            nodes.append(
                f"      - name: n{layer}-{i}\n"
                f"        workflowTemplateRef: mark\n"
                f"        dependencies: {deps}\n"
                f"        params: [{{name: node, value: n{layer}-{i}}}]\n"
                f"        workspaces: [{{name: w, workspace: w}}]\n"
            )
    return f"""
apiVersion: batch.tensorstack.dev/v1beta1
kind: WorkflowTemplate
metadata: {{name: mark}}
spec:
  params: [{{name: node}}]
  workspaces: [{{name: w}}]
  type: SeqPod
  seqPod:
    steps:
      - name: mark
        image: ubuntu
        command: [sh, -c, 'echo $(params.node) >> $(workspaces.w.path)/ran.txt; sleep 0.4 # {marker}']
---
apiVersion: batch.tensorstack.dev/v1beta1
kind: WorkflowTemplate
metadata: {{name: thirty}}
spec:
  workspaces: [{{name: w}}]
  type: DAG
  dag:
    templates:
{"".join(nodes)}---
apiVersion: batch.tensorstack.dev/v1beta1
kind: WorkflowRun
metadata: {{name: thirty-run}}
spec:
  workflowTemplateRef: thirty
  workspaces: [{{name: w, persistentVolumeClaim: {{claimName: crash}}}}]
"""


def _treadle(home: Path, *args: str, stdin: str | None = None) -> str:
    env = {**os.environ, "TREADLE_NO_AUTOSTART": "1"}
    done = subprocess.run(
        [str(TREADLE), "--home", str(home), *args],
        input=stdin,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout


def _controller(home: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(TREADLE), "--home", str(home), "controller"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _processes_with(marker: str) -> list[str]:
    found = subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True)
    return found.stdout.split()


def test_a_killed_controller_is_resumed_and_never_runs_a_node_twice(tmp_path: Path) -> None:
    home = tmp_path / "home"
    marker = f"crash-{uuid.uuid4().hex}"
    _treadle(home, "apply", "-f", "-", stdin=_documents(marker))
    ran = Path(_treadle(home, "volume", "path", "crash").strip()) / "ran.txt"

    first = _controller(home)
    deadline = time.monotonic() + 60
    while not ran.exists() or len(ran.read_text().split()) < 2 * WIDTH:
        assert time.monotonic() < deadline, "the DAG did not get going"
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    first.wait()
    done_when_killed = len(ran.read_text().split())
    assert done_when_killed < LAYERS * WIDTH

    second = _controller(home)
    try:
        out = subprocess.run(
            [str(TREADLE), "--home", str(home), "wait", "thirty-run", "--timeout", "90s"],
            env={**os.environ, "TREADLE_NO_AUTOSTART": "1"},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert out.returncode == 0, out.stdout + out.stderr
    finally:
        second.terminate()
        second.wait(timeout=30)

    lines = ran.read_text().split()
    expected = sorted(f"n{layer}-{i}" for layer in range(LAYERS) for i in range(WIDTH))
    assert sorted(lines) == expected
    assert _processes_with(marker) == []
