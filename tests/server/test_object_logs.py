"""The logs of objects other than runs: a T9k job's replicas (every pod it controls),
as JSON lines labelled `<pod>/<container>`, also through `treadle logs KIND NAME`
against the server; and a Resource run's log sources, which include them."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx

from .conftest import GV, WF, Served, run_of, wait_for
from .test_cli_remote import treadle

JOBS = f"{WF}/namespaces/{{ns}}/tensorflowtrainingjobs"


def tf_job(name: str) -> dict[str, Any]:
    container = {"name": "tf", "image": "x", "command": ["sh", "-c", "echo one; echo two"]}
    replica = {"type": "worker", "replicas": 2, "template": {"spec": {"containers": [container]}}}
    return {
        "apiVersion": GV,
        "kind": "TensorFlowTrainingJob",
        "metadata": {"name": name},
        "spec": {"replicaSpecs": [replica]},
    }


def finished_job(http: httpx.Client, ns: str, name: str) -> dict[str, Any]:
    r = http.post(JOBS.format(ns=ns), json=tf_job(name))
    assert r.status_code == 201, r.text
    deadline = time.monotonic() + 60
    while True:
        job = http.get(f"{JOBS.format(ns=ns)}/{name}").json()
        if (job.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
            return dict(job)
        assert time.monotonic() < deadline, job.get("status")
        time.sleep(0.05)


def records(http: httpx.Client, path: str, **params: Any) -> list[dict[str, Any]]:
    r = http.get(path, params=params)
    assert r.status_code == 200, r.text
    return [json.loads(line) for line in r.text.splitlines() if line]


def test_a_jobs_logs_are_every_replicas_lines_labelled_by_pod(http: httpx.Client, ns: str) -> None:
    assert finished_job(http, ns, "mnist")["status"]["phase"] == "Succeeded"
    got = records(http, f"{JOBS.format(ns=ns)}/mnist/logs")
    assert [(r["source"], r["text"]) for r in got] == [
        (f"mnist-worker-{i}/tf", text) for i in range(2) for text in ("one", "two")
    ]
    one = records(http, f"{JOBS.format(ns=ns)}/mnist/logs", step="mnist-worker-1", tailLines=1)
    assert [(r["source"], r["text"]) for r in one] == [("mnist-worker-1/tf", "two")]


def test_a_replica_the_job_does_not_have_is_404_and_names_those_it_has(
    http: httpx.Client, ns: str
) -> None:
    finished_job(http, ns, "mnist")
    r = http.get(f"{JOBS.format(ns=ns)}/mnist/logs", params={"step": "mnist-worker-7"})
    assert r.status_code == 404
    assert "mnist-worker-0/tf" in r.json()["message"]
    assert http.get(f"{JOBS.format(ns=ns)}/ghost/logs").status_code == 404
    assert http.get(f"{WF}/namespaces/{ns}/nonsense/x/logs").status_code == 404


def test_a_pods_logs_are_its_containers(http: httpx.Client, ns: str) -> None:
    job = finished_job(http, ns, "mnist")
    pod = job["status"]["tasks"][0]["replicas"][0]["name"]
    got = records(http, f"/api/v1/namespaces/{ns}/pods/{pod}/logs")
    assert [(r["source"], r["text"]) for r in got] == [("tf", "one"), ("tf", "two")]


def test_treadle_logs_of_a_job_reads_them_from_the_server(served: Served, ns: str) -> None:
    with served.client() as http:
        finished_job(http, ns, "mnist")
    done = treadle(served, "logs", "tfjob", "mnist", "-n", ns)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        f"[mnist-worker-{i}/tf] {text}" for i in range(2) for text in ("one", "two")
    ]


def test_a_resource_runs_log_sources_are_its_jobs_replicas(http: httpx.Client, ns: str) -> None:
    manifest = json.dumps(tf_job("made"))  # JSON is YAML
    template = {
        "apiVersion": GV,
        "kind": "WorkflowTemplate",
        "metadata": {"name": "train"},
        "spec": {"type": "Resource", "resource": {"manifest": manifest}},
    }
    assert http.post(f"{WF}/namespaces/{ns}/workflowtemplates", json=template).status_code == 201
    assert (
        http.post(f"{WF}/namespaces/{ns}/workflowruns", json=run_of("train", "r")).status_code
        == 201
    )
    assert wait_for(http, ns, "r")["status"]["phase"] == "Succeeded"
    path = f"{WF}/namespaces/{ns}/workflowruns/r"
    sources = http.get(f"{path}/logsources").json()["items"]
    assert [s["source"] for s in sources] == ["made-worker-0/tf", "made-worker-1/tf"]
    lines = records(http, f"{path}/logs", step="made-worker-1")
    assert [r["text"] for r in lines] == ["one", "two"]
