"""Starting pods on a real API server: through Treadle against a bare client.

    .venv/bin/python bench/kube_pods.py [--pods 200]

One test control plane (scripts/kube-cluster), Treadle's CRDs, and its controller
beside it. Treadle: `--pods` WorkflowRuns of a one-container Pod template are
created, timed from the first create until every run's pod exists (what a user
waits for after `kubectl apply`). Bare: the same pods (Treadle's own, their names
and owners taken off) created one after another with the official client against
the same API server. No node runs them; starting is what is measured. Prints the
times and their ratio; asserts nothing.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kubernetes import client, config

from tests.kube.node_fixture import stop_node_process
from tests.kube.workflow_fixture import start_controller, treadle_argv
from tests.kube_cluster import start_cluster, stop_cluster
from treadle.api.objects import RUN_LABEL
from treadle.kube.store import KubeStore

API = "batch.tensorstack.dev/v1beta1"
TEMPLATE = {
    "apiVersion": API,
    "kind": "WorkflowTemplate",
    "metadata": {"name": "one-pod"},
    "spec": {
        "type": "Pod",
        "pod": {"containers": [{"name": "main", "image": "ubuntu", "command": ["true"]}]},
    },
}


def through_treadle(store: KubeStore, namespace: str, count: int) -> float:
    store.create({**TEMPLATE, "metadata": {"name": "one-pod", "namespace": namespace}})
    since = store.list("v1", "Pod", namespace, limit=1).resource_version
    pods = store.watch("v1", "Pod", namespace, since=since, timeout=120)
    begin = time.perf_counter()
    for i in range(count):
        store.create(
            {
                "apiVersion": API,
                "kind": "WorkflowRun",
                "metadata": {"name": f"r{i}", "namespace": namespace},
                "spec": {"workflowTemplateRef": "one-pod"},
            }
        )
    seen: set[str] = set()
    for event in pods:
        if event.type == "ADDED" and RUN_LABEL in (event.object["metadata"].get("labels") or {}):
            seen.add(event.object["metadata"]["name"])
            if len(seen) == count:
                break
    took = time.perf_counter() - begin
    assert len(seen) == count, f"only {len(seen)} of {count} pods in 120 s"
    return took


def bare(kubeconfig: Path, pods: list[dict[str, object]], namespace: str) -> float:
    api = config.new_client_from_config(str(kubeconfig))
    core = client.CoreV1Api(api)
    core.create_namespace({"metadata": {"name": namespace}})
    while not core.read_namespaced_service_account("default", namespace).secrets:
        time.sleep(0.1)  # pods may be created once the account's token exists
    begin = time.perf_counter()
    for pod in pods:
        core.create_namespaced_pod(namespace, pod)
    took = time.perf_counter() - begin
    api.close()
    return took


def bare_copies(store: KubeStore, namespace: str) -> list[dict[str, object]]:
    out = []
    for i, pod in enumerate(store.list("v1", "Pod", namespace).items):
        spec = {k: v for k, v in pod["spec"].items() if k not in ("nodeName",)}
        spec["volumes"] = [v for v in spec.get("volumes") or [] if "secret" not in v]
        for c in spec.get("containers", []) + spec.get("initContainers", []):
            c["volumeMounts"] = [
                m for m in c.get("volumeMounts") or [] if "serviceaccount" not in m["mountPath"]
            ]
        labels = pod["metadata"].get("labels") or {}
        out.append(
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": f"p{i}", "labels": labels},
                "spec": spec,
            }
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pods", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="treadle-bench-kube-") as d:
        cluster = start_cluster(Path(d) / "cluster")
        try:
            out = Path(d) / "crds"
            subprocess.run(treadle_argv(cluster, "schema", "--crd", "--out", str(out)), check=True)
            cluster.kubectl("apply", "-f", str(out))
            cluster.kubectl("wait", "--for=condition=Established", "crd", "--all", "--timeout=60s")
            controller = start_controller(cluster, Path(d) / "controller.log")
            store = KubeStore.from_kubeconfig(cluster.kubeconfig)
            try:
                treadle_s = through_treadle(store, "through-treadle", args.pods)
                copies = bare_copies(store, "through-treadle")
            finally:
                stop_node_process(controller.process)
            bare_s = bare(cluster.kubeconfig, copies, "bare-client")
            store.close()
        finally:
            stop_cluster(cluster)
    print(f"pods: {args.pods}")
    print(f"bare client:   {bare_s:6.2f} s  ({1000 * bare_s / args.pods:5.1f} ms per pod)")
    print(
        f"through Treadle: {treadle_s:6.2f} s  ({1000 * treadle_s / args.pods:5.1f} ms per pod,"
        " runs created and pods started)"
    )
    print(f"ratio Treadle / bare: {treadle_s / bare_s:.2f}x (target <= 1.5x)")


if __name__ == "__main__":
    main()
