"""Starting pods on a real API server: through Treadle against a bare client.

    .venv/bin/python bench/kube_pods.py [--pods 200]

One test control plane (scripts/kube-cluster), Treadle's CRDs, and its controller
beside it. Treadle: `--pods` WorkflowRuns of a one-container Pod template are
created, timed from the first create until every run's pod exists (what a user
waits for after `kubectl apply`). Bare: the same pods (Treadle's own, their names
and owners taken off) created one after another with the official client against
the same API server. No node runs them; starting is what is measured. Prints the
times and their ratio, and for each side what the control plane did meanwhile (the
requests the API server answered, from every client, and the CPU seconds of the API
server, etcd, the scheduler and controller-manager, and the client: the controller
and the bench for Treadle, the bench for the bare client); asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kubernetes import client, config
from kubernetes.client.exceptions import ApiException

from tests.kube.node_fixture import stop_node_process
from tests.kube.workflow_fixture import start_controller, treadle_argv
from tests.kube_cluster import KubeCluster, start_cluster, stop_cluster
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


@dataclass
class Load:
    """What the control plane and a side's client processes did during one side's
    timed part."""

    requests: int
    """Answered by the API server, from every client (apiserver_request_total)."""
    cpu: dict[str, float]
    """CPU seconds by process name."""

    def line(self) -> str:
        parts = "  ".join(f"{name} {seconds:.2f}" for name, seconds in self.cpu.items())
        return f"{self.requests} requests; CPU s: {parts}, total {sum(self.cpu.values()):.2f}"


def _ticks(pid: int) -> float:
    """CPU seconds of one process, user and system, its waited-for children too."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def _requests(store: KubeStore) -> int:
    text = store.transport.open("GET", "/metrics", accept="text/plain").data.decode()
    return int(
        sum(
            float(line.rsplit(" ", 1)[1])
            for line in text.splitlines()
            if line.startswith("apiserver_request_total{")
        )
    )


def measured(
    cluster: KubeCluster, store: KubeStore, clients: dict[str, int], timed: Callable[[], float]
) -> tuple[float, Load]:
    """`timed()`'s seconds, and the load while it ran (it returns once done)."""
    programs = {
        name: int(pid)
        for pid, name in (line.split() for line in (cluster.dir / "pids").read_text().splitlines())
    }
    watched = {**programs, **clients}
    before = {name: _ticks(pid) for name, pid in watched.items()}
    asked = _requests(store)
    took = timed()
    # The metrics request itself is one of them: not counted.
    requests = _requests(store) - asked - 1
    cpu = {name: _ticks(pid) - before[name] for name, pid in watched.items()}
    return took, Load(requests, cpu)


def through_treadle(store: KubeStore, namespace: str, count: int, created: list[float]) -> float:
    """Seconds until every run's pod exists; appends to `created` the seconds the
    runs' creates took (the bench's own part)."""
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
    created.append(time.perf_counter() - begin)
    seen: set[str] = set()
    for event in pods:
        if event.type == "ADDED" and RUN_LABEL in (event.object["metadata"].get("labels") or {}):
            seen.add(event.object["metadata"]["name"])
            if len(seen) == count:
                break
    took = time.perf_counter() - begin
    assert len(seen) == count, f"only {len(seen)} of {count} pods in 120 s"
    return took


def bare_namespace(core: client.CoreV1Api, namespace: str) -> None:
    """A namespace in which pods may be created: its account and token exist."""
    core.create_namespace({"metadata": {"name": namespace}})
    while True:
        try:
            if core.read_namespaced_service_account("default", namespace).secrets:
                return
        except ApiException as exc:
            if exc.status != 404:  # the account is made a moment after the namespace
                raise
        time.sleep(0.1)


def bare(core: client.CoreV1Api, pods: list[dict[str, object]], namespace: str) -> float:
    begin = time.perf_counter()
    for pod in pods:
        core.create_namespaced_pod(namespace, pod)
    return time.perf_counter() - begin


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
            me = os.getpid()
            created: list[float] = []
            try:
                treadle_s, treadle_load = measured(
                    cluster,
                    store,
                    {"controller": controller.process.pid, "bench": me},
                    lambda: through_treadle(store, "through-treadle", args.pods, created),
                )
                copies = bare_copies(store, "through-treadle")
            finally:
                stop_node_process(controller.process)
            api = config.new_client_from_config(str(cluster.kubeconfig))
            core = client.CoreV1Api(api)
            bare_namespace(core, "bare-client")
            bare_s, bare_load = measured(
                cluster, store, {"bench": me}, lambda: bare(core, copies, "bare-client")
            )
            api.close()
            store.close()
        finally:
            stop_cluster(cluster)
    print(f"pods: {args.pods}")
    print(f"bare client:   {bare_s:6.2f} s  ({1000 * bare_s / args.pods:5.1f} ms per pod)")
    print(f"  {bare_load.line()}")
    print(
        f"through Treadle: {treadle_s:6.2f} s  ({1000 * treadle_s / args.pods:5.1f} ms per pod,"
        f" runs created and pods started; the creates took {created[0]:.2f} s)"
    )
    print(f"  {treadle_load.line()}")
    print(f"ratio Treadle / bare: {treadle_s / bare_s:.2f}x (target <= 1.5x)")


if __name__ == "__main__":
    main()
