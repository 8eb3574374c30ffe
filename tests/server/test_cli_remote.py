"""The CLI against a server (`--server URL`): the same commands, over HTTP. It runs
on the server's machine with the server's data directory, whose admin token it sends."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from .conftest import Served, template

CLI = [sys.executable, "-m", "treadle.cli.main"]


def treadle(served: Served, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    env.pop("TREADLE_HOME", None)
    return subprocess.run(
        [*CLI, "--home", str(served.home.root), "--server", served.url, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_apply_run_wait_and_logs_round_trip(served: Served, ns: str, tmp_path: Path) -> None:
    path = tmp_path / "hello.yaml"
    path.write_text(yaml.safe_dump(template("hello", ["sh", "-c", "echo hi from $0", "remote"])))
    applied = treadle(served, "apply", "-f", str(path), "-n", ns)
    assert applied.returncode == 0, applied.stderr
    assert "workflowtemplate/hello created" in applied.stdout
    listed = treadle(served, "get", "wt", "-n", ns)
    assert "hello" in listed.stdout
    started = treadle(served, "run", "hello", "--name", "r1", "-n", ns)
    assert started.returncode == 0 and started.stdout.strip() == "r1"
    waited = treadle(served, "wait", "r1", "--timeout", "60s", "-n", ns)
    assert waited.returncode == 0 and "Succeeded" in waited.stdout
    logs = treadle(served, "logs", "r1", "-n", ns)
    assert logs.stdout.strip() == "hi from remote"


def test_invalid_apply_names_the_field_and_exits_2(served: Served, ns: str, tmp_path: Path) -> None:
    doc = template("bad", ["true"])
    doc["spec"]["type"] = "Nope"
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(doc))
    done = treadle(served, "apply", "-f", str(path), "-n", ns)
    assert done.returncode == 2 and "spec.type" in done.stderr
    assert "NotFound" not in done.stderr


def test_get_of_a_missing_object_exits_3(served: Served, ns: str) -> None:
    done = treadle(served, "get", "wt", "ghost", "-n", ns)
    assert done.returncode == 3 and "not found" in done.stderr


def _greet_and_run(tmp_path: Path, **params: str) -> Path:
    greet = template("greet", ["echo", "$(params.who)"])
    greet["spec"]["params"] = [{"name": "who"}]
    run = {
        "apiVersion": "batch.tensorstack.dev/v1beta1",
        "kind": "WorkflowRun",
        "metadata": {"name": "r"},
        "spec": {
            "workflowTemplateRef": "greet",
            "params": [{"name": k, "value": v} for k, v in params.items()],
        },
    }
    path = tmp_path / "objects.yaml"
    path.write_text(yaml.safe_dump_all([greet, run]))
    return path


def test_warnings_of_the_server_are_printed_per_document(
    served: Served, ns: str, tmp_path: Path
) -> None:
    path = _greet_and_run(tmp_path, who="x", extra="y")
    done = treadle(served, "apply", "-f", str(path), "-n", ns)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["workflowtemplate/greet created", "workflowrun/r created"]
    assert done.stderr.splitlines() == [
        f'Warning: {path} (document 2): WorkflowRun "r": spec.params[1].name: param "extra" '
        'is not declared by template "greet" (accepted: substituted only where the template '
        "references it)"
    ]


def test_a_server_dry_run_over_http_stores_nothing(served: Served, ns: str, tmp_path: Path) -> None:
    path = _greet_and_run(tmp_path, who="x")
    done = treadle(served, "apply", "--dry-run=server", "-f", str(path), "-n", ns)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "workflowtemplate/greet created (server dry run)",
        "workflowrun/r created (server dry run)",
    ]
    assert treadle(served, "get", "wt", "greet", "-n", ns).returncode == 3
