"""Workflows on the test cluster as a Kubernetes user drives them: kubectl applies
a template and a run, Treadle's controller runs it as pods on the node, and the
logs are read with kubectl and with treadle."""

from __future__ import annotations

import uuid

import pytest

from tests.kube.node_fixture import await_object, await_pods_gone, namespace_for_pods
from tests.kube.workflow_fixture import (
    API,
    Controller,
    finished,
    kubectl_apply,
    treadle,
)
from tests.kube_cluster import KubeCluster
from tests.support import ROOT
from treadle.api.objects import RUN_LABEL


@pytest.fixture
def namespace(kube_cluster: KubeCluster) -> str:
    return namespace_for_pods(kube_cluster, f"wf-{uuid.uuid4().hex[:8]}")


def _example(name: str) -> str:
    return (ROOT / "examples" / name).read_text()


def test_a_seqpod_applied_with_kubectl_succeeds_and_its_logs_read_with_kubectl(
    kube_cluster: KubeCluster, kube_treadle: Controller, namespace: str
) -> None:
    kubectl_apply(kube_cluster, namespace, _example("seqpod-scripts.yaml"))
    run = await_object(kube_cluster, API, "WorkflowRun", namespace, "example-seqpod-run", finished)
    assert run["status"]["phase"] == "Succeeded", run["status"]
    pods = kube_cluster.kubectl("get", "pods", "-n", namespace, "-o", "name").stdout.split()
    assert len(pods) == 1
    logs = kube_cluster.kubectl("logs", "-n", namespace, pods[0], "-c", "command").stdout
    assert "step one says bonjour" in logs


def test_treadle_logs_reads_a_run_on_the_cluster(
    kube_cluster: KubeCluster, kube_treadle: Controller, namespace: str
) -> None:
    kubectl_apply(kube_cluster, namespace, _example("seqpod-scripts.yaml"))
    await_object(kube_cluster, API, "WorkflowRun", namespace, "example-seqpod-run", finished)
    logs = treadle(kube_cluster, "logs", "example-seqpod-run", "-n", namespace)
    assert logs.returncode == 0, logs.stderr
    assert "step one says bonjour" in logs.stdout
    assert "shell arithmetic is left alone: 42" in logs.stdout


def test_kubectl_get_wr_shows_phase_template_and_age(
    kube_cluster: KubeCluster, kube_treadle: Controller, namespace: str
) -> None:
    kubectl_apply(kube_cluster, namespace, _example("pod-hello.yaml"))
    runs = kube_cluster.kubectl("get", "wr", "-n", namespace).stdout.splitlines()
    assert runs[0].split() == ["NAME", "PHASE", "TEMPLATE", "AGE"]


def test_a_dag_passes_results_between_child_runs_on_the_cluster(
    kube_cluster: KubeCluster, kube_treadle: Controller, namespace: str
) -> None:
    kubectl_apply(kube_cluster, namespace, _example("dag-results.yaml"))
    run = await_object(kube_cluster, API, "WorkflowRun", namespace, "example-dag-run", finished)
    assert run["status"]["phase"] == "Succeeded", run["status"]
    results = {r["name"]: r["value"] for r in run["status"].get("results") or []}
    assert results == {"total": "40"}  # (5 + 10) + (5 + 20)


def test_deleting_a_run_deletes_its_pods(
    kube_cluster: KubeCluster, kube_treadle: Controller, namespace: str
) -> None:
    kubectl_apply(kube_cluster, namespace, _example("pod-hello.yaml"))
    await_object(kube_cluster, API, "WorkflowRun", namespace, "example-pod-run", finished)
    selector = f"{RUN_LABEL}=example-pod-run"
    pods = kube_cluster.kubectl("get", "pods", "-n", namespace, "-l", selector, "-o", "name")
    assert pods.stdout.split(), "the run made no pod"
    kube_cluster.kubectl("delete", "wr", "--all", "-n", namespace, "--wait=true")
    await_pods_gone(kube_cluster, namespace, selector)
