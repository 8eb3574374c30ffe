"""A node for the session's test cluster: `treadle kube-node` as a real subprocess,
its data directory under the session's tmp. Tests that need pods to run take the
`kube_node` fixture; like the cluster, the node is shared, so each test works in
namespaces of its own."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client, config, watch

from tests.kube_cluster import KubeCluster
from treadle.kube.store import KubeStore

NODE_NAME = "treadle-test-node"
START_SECONDS = 60.0
STOP_SECONDS = 20.0
AWAIT_SECONDS = 120.0


@dataclass(frozen=True)
class KubeNode:
    name: str
    home: Path
    port: int
    """The log server's."""
    process: subprocess.Popen[str]
    log: Path
    """The agent's own log (stderr)."""


def start_node(cluster: KubeCluster, directory: Path, name: str = NODE_NAME) -> KubeNode:
    """Start the agent and return once it says its node is registered Ready."""
    directory.mkdir(parents=True, exist_ok=True)
    log = directory / "agent.log"
    argv = [
        sys.executable, "-m", "treadle.cli.main", "kube-node",
        "--kubeconfig", str(cluster.kubeconfig),
        "--name", name,
        "--home", str(directory / "home"),
        "--tls-cert", str(cluster.dir / "node.crt"),
        "--tls-key", str(cluster.dir / "node.key"),
        "--client-ca", str(cluster.dir / "ca.crt"),
        "--port", "0",
        # Pods request what a training cluster has (the seed's workers 2 CPUs each);
        # like the embedded home, the node runs them all at once anyway.
        "--cpus", "64",
    ]  # fmt: skip
    with open(log, "ab") as err:
        process = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL, text=True
        )
    assert process.stdout is not None
    deadline = time.monotonic() + START_SECONDS
    line = ""
    while not line:
        left = deadline - time.monotonic()
        ready, _, _ = select.select([process.stdout], [], [], max(0.0, left))
        if not ready:
            stop_node_process(process)
            raise RuntimeError(f"the node agent did not start within {START_SECONDS:g} s:\n"
                               f"{log.read_text()[-3000:]}")  # fmt: skip
        line = process.stdout.readline()
        if not line:
            process.wait()
            raise RuntimeError(
                f"the node agent exited with {process.returncode}:\n{log.read_text()[-3000:]}"
            )
    # "node NAME running (logs on ADDRESS:PORT)"
    port = int(line.strip().rstrip(")").rsplit(":", 1)[1])
    cluster.kubectl("wait", "--for=condition=Ready", f"node/{name}", "--timeout=60s")
    return KubeNode(name, directory / "home", port, process, log)


def stop_node_process(process: subprocess.Popen[str]) -> int:
    """SIGTERM, as a supervisor stops it; SIGKILL if it does not stop in time."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


@pytest.fixture(scope="session")
def kube_node(
    kube_cluster: KubeCluster, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[KubeNode]:
    """One node agent on the session's cluster, Ready."""
    node = start_node(kube_cluster, tmp_path_factory.mktemp("kube-node"))
    try:
        yield node
    finally:
        stop_node_process(node.process)


# -- awaiting objects ------------------------------------------------------------------


def api(cluster: KubeCluster) -> client.ApiClient:
    return config.new_client_from_config(str(cluster.kubeconfig))


Obj = dict[str, Any]


def await_object(
    cluster: KubeCluster,
    api_version: str,
    kind: str,
    namespace: str,
    name: str,
    done: Callable[[Obj], bool],
    seconds: float = AWAIT_SECONDS,
) -> Obj:
    """The object once `done` holds of it (as a wire dict), followed on a watch."""
    store = KubeStore.from_kubeconfig(cluster.kubeconfig)
    try:
        deadline = time.monotonic() + seconds
        last: Obj | None = None
        while time.monotonic() < deadline:
            page = store.list(api_version, kind, namespace, field_selector=f"metadata.name={name}")
            for obj in page.items:
                last = obj
                if done(obj):
                    return obj
            events = store.watch(
                api_version, kind, namespace, since=page.resource_version, timeout=2.0
            )
            for event in events:
                if event.object["metadata"]["name"] != name or event.type == "DELETED":
                    continue
                last = event.object
                if done(event.object):
                    return event.object
        raise AssertionError(f"{kind} {namespace}/{name} not as awaited in {seconds:g} s: {last}")
    finally:
        store.close()


def await_pod(cluster: KubeCluster, namespace: str, name: str, done: Callable[[Obj], bool]) -> Obj:
    return await_object(cluster, "v1", "Pod", namespace, name, done)


def await_job(cluster: KubeCluster, namespace: str, name: str, done: Callable[[Obj], bool]) -> Obj:
    return await_object(cluster, "batch/v1", "Job", namespace, name, done)


def namespace_for_pods(cluster: KubeCluster, name: str) -> str:
    """Create namespace `name` and return it once pods may be created in it: when
    its default service account has the token admission mounts into every pod."""
    cluster.kubectl("create", "namespace", name)
    await_object(
        cluster, "v1", "ServiceAccount", name, "default", lambda sa: bool(sa.get("secrets"))
    )
    return name


def await_pods_gone(cluster: KubeCluster, namespace: str, selector: str) -> None:
    """Return once no pod matches the label `selector`."""
    with api(cluster) as c:
        core = client.CoreV1Api(c)
        deadline = time.monotonic() + AWAIT_SECONDS
        listed = core.list_namespaced_pod(namespace, label_selector=selector)
        left = {p.metadata.name for p in listed.items}
        since = listed.metadata.resource_version
        while left and time.monotonic() < deadline:
            for event in watch.Watch().stream(
                core.list_namespaced_pod,
                namespace,
                label_selector=selector,
                resource_version=since,
                timeout_seconds=max(1, int(deadline - time.monotonic())),
            ):
                since = event["object"].metadata.resource_version
                if event["type"] == "DELETED":
                    left.discard(event["object"].metadata.name)
                else:
                    left.add(event["object"].metadata.name)
                if not left:
                    return
        assert not left, f"pods {sorted(left)} still there after {AWAIT_SECONDS:g} s"


def processes_with(marker: str) -> list[int]:
    """Pids of this machine's processes whose command line holds `marker`."""
    pids = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry.name}/cmdline", "rb") as f:
                if marker.encode() in f.read():
                    pids.append(int(entry.name))
        except OSError:
            continue
    return pids
