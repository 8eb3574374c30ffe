"""Durability on the cluster: the controller is killed with -9 in the middle of a
30-node DAG; its successor finishes the run, every node's pod is created once, and
no pod is left without its run."""

from __future__ import annotations

import signal
import time
import uuid
from pathlib import Path

from tests.controller.test_crash import LAYERS, WIDTH, _documents
from tests.kube.node_fixture import await_object, namespace_for_pods, processes_with
from tests.kube.workflow_fixture import (
    API,
    Controller,
    finished,
    kubectl_apply,
    start_controller,
    treadle,
)
from tests.kube_cluster import KubeCluster
from treadle.api.objects import NODE_LABEL
from treadle.kube.store import KubeStore


def test_a_killed_controller_is_resumed_and_creates_each_nodes_pod_once(
    kube_cluster: KubeCluster, kube_treadle: Controller, tmp_path: Path
) -> None:
    namespace = namespace_for_pods(kube_cluster, f"crash-{uuid.uuid4().hex[:8]}")
    marker = f"crash-{uuid.uuid4().hex}"
    found = treadle(kube_cluster, "volume", "path", "crash", "-n", namespace)
    assert found.returncode == 0, found.stderr
    ran = Path(found.stdout.strip().splitlines()[-1]) / "ran.txt"
    kubectl_apply(kube_cluster, namespace, _documents(marker))

    deadline = time.monotonic() + 120
    while not ran.exists() or len(ran.read_text().split()) < 2 * WIDTH:
        assert time.monotonic() < deadline, "the DAG did not get going"
        time.sleep(0.05)
    kube_treadle.process.send_signal(signal.SIGKILL)
    kube_treadle.process.wait()
    assert len(ran.read_text().split()) < LAYERS * WIDTH
    # The successor waits out the dead one's lease, then drives.
    kube_treadle.process = start_controller(
        kube_cluster, kube_treadle.log, "--platform-kinds"
    ).process

    run = await_object(kube_cluster, API, "WorkflowRun", namespace, "thirty-run", finished, 180)
    assert run["status"]["phase"] == "Succeeded", run["status"]
    expected = sorted(f"n{layer}-{i}" for layer in range(LAYERS) for i in range(WIDTH))
    assert sorted(ran.read_text().split()) == expected

    store = KubeStore.from_kubeconfig(kube_cluster.kubeconfig)
    try:
        runs = store.list(API, "WorkflowRun", namespace).items
        pods = store.list("v1", "Pod", namespace).items
    finally:
        store.close()
    children = [r for r in runs if NODE_LABEL in (r["metadata"].get("labels") or {})]
    assert sorted(r["metadata"]["labels"][NODE_LABEL] for r in children) == expected
    run_uids = {r["metadata"]["uid"] for r in runs}
    owners = [[o["uid"] for o in p["metadata"].get("ownerReferences") or []] for p in pods]
    assert len(pods) == LAYERS * WIDTH
    assert all(len(o) == 1 and o[0] in run_uids for o in owners)
    assert len({o[0] for o in owners}) == LAYERS * WIDTH  # one pod per node's run
    assert processes_with(marker) == []
