"""`treadle get`, `describe` and `logs` for the T9k job kinds and SimpleMLService:
tables, replicas with their phase and restarts, and every replica's log."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import TREADLE, Engine, treadle_cli

pytestmark = pytest.mark.skipif(not TREADLE.exists(), reason="the treadle command is not installed")

GV = "batch.tensorstack.dev/v1beta1"
SERVING = "tensorstack.dev/v1beta1"
CONTAINER = {"name": "tf", "image": "x", "command": ["sh", "-c", "echo I am $REPLICA"]}


def tf_job(name: str, workers: int = 2) -> dict[str, Any]:
    return {
        "apiVersion": GV,
        "kind": "TensorFlowTrainingJob",
        "metadata": {"name": name},
        "spec": {
            "replicaSpecs": [
                {
                    "type": "worker",
                    "replicas": workers,
                    "template": {"spec": {"containers": [CONTAINER]}},
                }
            ]
        },
    }


RUNNING_STATUS = {
    "phase": "Running",
    "conditions": [
        {"type": "Initialized", "status": "True", "reason": "-", "message": "initialized"},
        {"type": "ReplicaFailure", "status": "True", "reason": "Restarted", "message": "exit 137"},
    ],
    "tasks": [
        {
            "type": "worker",
            "restartCount": 1,
            "replicas": [
                {"name": "mnist-worker-0", "phase": "Running"},
                {"name": "mnist-worker-1", "phase": "Pending"},
            ],
        }
    ],
    "replicaRestarts": [{"name": "mnist-worker-1", "count": 1, "uid": "gone"}],
    "backoffCount": 1,
}


@pytest.fixture
def stored(tmp_path: Path) -> Iterator[tuple[Path, Any]]:
    """A data directory whose objects the test writes itself, statuses too; nothing
    acts on them."""
    from treadle.client.embedded import EmbeddedClient
    from treadle.config import Home

    home = tmp_path / "home"
    client = EmbeddedClient(Home(home))
    try:
        yield home, client
    finally:
        client.close()


def with_status(client: Any, obj: dict[str, Any], status: dict[str, Any]) -> dict[str, Any]:
    created, _ = client.create(obj, "default")
    return dict(client.store.update_status({**created, "status": status}))


def test_a_job_table_shows_phase_ready_replicas_and_restarts(stored: tuple[Path, Any]) -> None:
    home, client = stored
    with_status(client, tf_job("mnist"), RUNNING_STATUS)
    client.create(tf_job("fresh", workers=4), "default")
    lines = treadle_cli("get", "tj", home=home).stdout.splitlines()
    assert [line.split()[:4] for line in lines] == [
        ["NAME", "PHASE", "REPLICAS", "RESTARTS"],
        ["fresh", "Pending", "0/4", "0"],
        ["mnist", "Running", "1/2", "1"],
    ]
    assert lines[0].split()[-1] == "AGE"


def test_describe_a_job_shows_each_replica_its_conditions_and_events(
    stored: tuple[Path, Any],
) -> None:
    home, client = stored
    job = with_status(client, tf_job("mnist"), RUNNING_STATUS)
    from treadle.store.events import record_event

    record_event(client.store, job, "Restarted", "replica mnist-worker-1 exited 137", "Warning")
    text = treadle_cli("describe", "tfjob", "mnist", home=home).stdout
    assert "Phase:          Running" in text
    assert "Restarts:       1" in text
    rows = text.split("Replicas:\n")[1].split("Spec:")[0].splitlines()
    assert [r.split() for r in rows] == [
        ["TYPE", "POD", "PHASE", "RESTARTS", "EXIT"],
        ["worker", "mnist-worker-0", "Running", "0"],
        ["worker", "mnist-worker-1", "Pending", "1"],
    ]
    conditions = text.split("Conditions:\n")[1].split("Replicas:")[0]
    assert "ReplicaFailure   True     Restarted" in conditions
    assert "replica mnist-worker-1 exited 137" in text.split("Events:")[1]


def service(name: str) -> dict[str, Any]:
    return {
        "apiVersion": SERVING,
        "kind": "SimpleMLService",
        "metadata": {"name": name},
        "spec": {"custom": {"spec": {"containers": [{"name": "s", "image": "x"}]}}},
    }


def owned_pod(owner: dict[str, Any], name: str, restarts: str) -> dict[str, Any]:
    from treadle.api.objects import owner_reference

    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "ownerReferences": [owner_reference(owner)],
            "annotations": {"tensorstack.dev/restarts": restarts},
        },
        "spec": {"containers": [{"name": "s", "image": "x", "command": ["true"]}]},
    }


def test_a_service_table_shows_readiness_and_where_it_answers(stored: tuple[Path, Any]) -> None:
    home, client = stored
    ready = {"type": "Ready", "status": "True", "reason": "Answering"}
    with_status(
        client, service("up"), {"address": {"url": "http://127.0.0.1:4321"}, "conditions": [ready]}
    )
    missing = {"type": "Ready", "status": "False", "reason": "ProgramNotFound"}
    with_status(client, service("down"), {"conditions": [missing]})
    lines = treadle_cli("get", "smls", home=home).stdout.splitlines()
    assert lines[0].split() == ["NAME", "READY", "URL", "AGE"]
    assert [line.split()[:4] for line in lines[1:]] == [
        ["down", "False", "(ProgramNotFound)", "-"],
        ["up", "True", "http://127.0.0.1:4321", lines[2].split()[-1]],
    ]


def test_describe_a_service_lists_the_pods_it_controls(stored: tuple[Path, Any]) -> None:
    home, client = stored
    svc = with_status(
        client, service("up"), {"address": {"url": "http://127.0.0.1:4321"}, "conditions": []}
    )
    for name, restarts in (("up-1", "0"), ("up-0", "3")):
        client.store.create(owned_pod(svc, name, restarts))
    client.store.create({**owned_pod(svc, "stranger", "0"), "metadata": {"name": "stranger"}})
    text = treadle_cli("describe", "simplemlservice", "up", home=home).stdout
    assert "URL:            http://127.0.0.1:4321" in text
    assert "Ready:          Unknown" in text
    rows = text.split("Replicas:\n")[1].split("Spec:")[0].splitlines()
    assert [r.split() for r in rows] == [
        ["TYPE", "POD", "PHASE", "RESTARTS"],
        ["replica", "up-0", "Pending", "3"],
        ["replica", "up-1", "Pending", "0"],
    ]


JOB_DOC = """\
apiVersion: batch.tensorstack.dev/v1beta1
kind: TensorFlowTrainingJob
metadata: {name: %s}
spec:
  replicaSpecs:
    - type: worker
      replicas: 3
      template:
        spec:
          containers:
            - {name: tf, image: x, command: [sh, -c, 'echo started; echo done']}
"""


@pytest.fixture
def engine_home(engine: Engine, tmp_path: Path) -> Path:
    return tmp_path / "home"


def wait_job(engine: Engine, name: str) -> dict[str, Any]:
    from treadle.errors import Gone

    page = engine.store.list(GV, "TensorFlowTrainingJob", "default")
    while True:
        for obj in page.items:
            if obj["metadata"]["name"] == name and obj.get("status", {}).get("phase") in (
                "Succeeded",
                "Failed",
            ):
                return dict(obj)
        try:
            for event in engine.store.watch(
                GV, "TensorFlowTrainingJob", "default", since=page.resource_version, timeout=30
            ):
                obj = event.object
                if obj["metadata"]["name"] == name and (obj.get("status") or {}).get("phase") in (
                    "Succeeded",
                    "Failed",
                ):
                    return dict(obj)
        except Gone:
            pass
        page = engine.store.list(GV, "TensorFlowTrainingJob", "default")
        if not page.items:
            raise AssertionError(f"job {name} is gone")


def test_logs_of_a_job_print_every_replica_prefixed_by_it(
    engine: Engine, engine_home: Path
) -> None:
    engine.apply(JOB_DOC % "mnist")
    assert wait_job(engine, "mnist")["status"]["phase"] == "Succeeded"
    done = treadle_cli("logs", "tj", "mnist", home=engine_home)
    assert done.returncode == 0, done.stderr
    labels = [line.split("] ")[0] + "]" for line in done.stdout.splitlines()]
    assert labels == [f"[mnist-worker-{i}/tf]" for i in range(3) for _ in range(2)]
    one = treadle_cli("logs", "tj", "mnist", "-s", "mnist-worker-2", home=engine_home)
    assert one.stdout.splitlines() == ["[mnist-worker-2/tf] started", "[mnist-worker-2/tf] done"]


def test_a_resource_runs_logs_include_the_replicas_of_the_job_it_created(
    engine: Engine, engine_home: Path
) -> None:
    manifest = (JOB_DOC % "made").replace("\n", "\n      ")
    engine.apply(
        f"""\
apiVersion: {GV}
kind: WorkflowTemplate
metadata: {{name: train}}
spec:
  type: Resource
  resource:
    manifest: |
      {manifest}
---
apiVersion: {GV}
kind: WorkflowRun
metadata: {{name: r1}}
spec: {{workflowTemplateRef: train}}
"""
    )
    assert engine.wait("r1")["status"]["phase"] == "Succeeded"
    lines = treadle_cli("logs", "r1", home=engine_home).stdout.splitlines()
    assert [line for line in lines if line.endswith("] done")] == [
        f"[made-worker-{i}/tf] done" for i in range(3)
    ]


def test_logs_of_an_unknown_job_say_so(stored: tuple[Path, Any]) -> None:
    home, _ = stored
    done = treadle_cli("logs", "pj", "ghost", home=home)
    assert done.returncode == 3
    assert "ghost" in done.stderr and "Traceback" not in done.stderr
