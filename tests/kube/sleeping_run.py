"""A Pod run whose step keeps running, on the session's cluster: what a terminal
(`pods/exec`) goes into. Its step writes a result first, so a command in it has
something of the step's own to read."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.kube.node_fixture import await_object, await_pod, await_pods_gone, namespace_for_pods
from tests.kube.workflow_fixture import API, kubectl_apply
from tests.kube_cluster import KubeCluster
from treadle.api.objects import RUN_LABEL

NOTE = "noted"
NOTE_PATH = "/t9k/results/note"
STEP = "main"


@dataclass(frozen=True)
class SleepingRun:
    namespace: str
    run: str
    pod: str
    container: str


def container_running(container: str) -> Callable[[dict[str, Any]], bool]:
    """Whether a pod's `container` is running (not merely the pod's phase Running,
    which a pod whose container just ended still has for a moment)."""

    def done(pod: dict[str, Any]) -> bool:
        statuses = (pod.get("status") or {}).get("containerStatuses") or []
        return any(s["name"] == container and "running" in s.get("state", {}) for s in statuses)

    return done


def start_sleeping_run(cluster: KubeCluster, prefix: str, name: str = "sleeper") -> SleepingRun:
    """Apply the template and run in a new namespace; return once the step's
    container runs."""
    ns = namespace_for_pods(cluster, f"{prefix}-{uuid.uuid4().hex[:8]}")
    template = {
        "apiVersion": API,
        "kind": "WorkflowTemplate",
        "metadata": {"name": name},
        "spec": {
            "type": "Pod",
            "results": [{"name": "note"}],
            "pod": {
                "containers": [
                    {
                        "name": STEP,
                        "image": "ubuntu",
                        "command": [
                            "sh",
                            "-c",
                            f"printf {NOTE} > $(results.note.path); exec sleep 900",
                        ],
                    }
                ]
            },
        },
    }
    run = {
        "apiVersion": API,
        "kind": "WorkflowRun",
        "metadata": {"name": name},
        "spec": {"workflowTemplateRef": name},
    }
    kubectl_apply(cluster, ns, template, run)
    started = await_object(
        cluster,
        API,
        "WorkflowRun",
        ns,
        name,
        lambda r: bool((r.get("status") or {}).get("podName")),
    )
    pod = started["status"]["podName"]
    await_pod(cluster, ns, pod, container_running(STEP))
    return SleepingRun(ns, name, pod, STEP)


def stop_run(cluster: KubeCluster, run: SleepingRun) -> None:
    """Delete the run and return once its pod is gone: the node has ended its
    processes by then (a node stopping first would leave them running)."""
    cluster.kubectl(
        "delete", "workflowrun", run.run, "-n", run.namespace, "--wait=false", check=False
    )
    await_pods_gone(cluster, run.namespace, f"{RUN_LABEL}={run.run}")


def wait_for_note() -> list[str]:
    """A command that waits until the step has written its note, then prints it."""
    return ["sh", "-c", f"until [ -s {NOTE_PATH} ]; do sleep 0.05; done; cat {NOTE_PATH}"]


__all__ = ["SleepingRun", "container_running", "start_sleeping_run", "stop_run", "wait_for_note"]
