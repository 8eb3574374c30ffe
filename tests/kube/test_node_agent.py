"""`treadle kube-node` on the session's real control plane: the scheduler binds pods
to it, Kubernetes' own Job controller and garbage collector act on what it reports,
and the API server proxies `kubectl logs` to it."""

from __future__ import annotations

import json
import ssl
import subprocess
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.kube.node_fixture import (
    KubeNode,
    Obj,
    await_job,
    await_pod,
    await_pods_gone,
    namespace_for_pods,
    processes_with,
)
from tests.kube_cluster import KubeCluster


def _create(cluster: KubeCluster, namespace: str, obj: Obj) -> None:
    made = cluster.kubectl(
        "create", "-n", namespace, "-f", "-", input=yaml.safe_dump(obj), check=False
    )
    assert made.returncode == 0, made.stderr


def _template(script: str, volumes: dict[str, Obj] | None = None, **spec: Any) -> Obj:
    """A pod template of one container running `script`; `volumes` by mount path."""
    volumes = volumes or {}
    container = {
        "name": "main",
        "image": "busybox",  # not pulled: the node runs the command on its host
        "command": ["sh", "-c", script],
        "volumeMounts": [{"name": f"v{i}", "mountPath": p} for i, p in enumerate(volumes)],
    }
    return {
        "spec": {
            "restartPolicy": "Never",
            "containers": [container],
            "volumes": [{"name": f"v{i}", **v} for i, v in enumerate(volumes.values())],
            **spec,
        }
    }


def _pod(name: str, script: str, volumes: dict[str, Obj] | None = None) -> Obj:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}} | _template(
        script, volumes
    )


def _job(name: str, template: Obj, **spec: Any) -> Obj:
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name},
        "spec": {"template": template, **spec},
    }


def _phase(pod: Obj) -> str:
    return str((pod.get("status") or {}).get("phase", ""))


def _finished(pod: Obj) -> bool:
    return _phase(pod) in ("Succeeded", "Failed")


def _running(pod: Obj) -> bool:
    return _phase(pod) == "Running"


def test_the_node_registers_ready_with_its_log_server_as_kubelet_endpoint(
    kube_cluster: KubeCluster, kube_node: KubeNode
) -> None:
    node = json.loads(kube_cluster.kubectl("get", "node", kube_node.name, "-o", "json").stdout)
    conditions = {c["type"]: c["status"] for c in node["status"]["conditions"]}
    assert conditions == {
        "Ready": "True",
        "MemoryPressure": "False",
        "DiskPressure": "False",
        "PIDPressure": "False",
    }
    assert node["status"]["daemonEndpoints"]["kubeletEndpoint"]["Port"] == kube_node.port
    assert {"type": "InternalIP", "address": "127.0.0.1"} in node["status"]["addresses"]
    assert node["status"]["allocatable"]["pods"] == "110"
    assert node["status"]["nodeInfo"]["kubeletVersion"] == "v1.20.2"
    lease = kube_cluster.kubectl(
        "get", "lease", kube_node.name, "-n", "kube-node-lease", "-o", "json"
    )
    assert json.loads(lease.stdout)["spec"]["holderIdentity"]


def test_a_pod_that_exits_3_ends_failed_with_exit_code_3(
    kube_cluster: KubeCluster, kube_node: KubeNode
) -> None:
    ns = namespace_for_pods(kube_cluster, "node-exit-code")
    _create(kube_cluster, ns, _pod("exits", "echo hi; exit 3"))
    pod = await_pod(kube_cluster, ns, "exits", _finished)
    assert _phase(pod) == "Failed"
    assert pod["spec"]["nodeName"] == kube_node.name
    assert pod["status"]["containerStatuses"][0]["state"]["terminated"]["exitCode"] == 3


def test_a_job_of_two_completions_succeeds_through_the_job_controller(
    kube_cluster: KubeCluster, kube_node: KubeNode
) -> None:
    ns = namespace_for_pods(kube_cluster, "node-job")
    _create(kube_cluster, ns, _job("twice", _template("echo done"), completions=2))
    done = await_job(
        kube_cluster,
        ns,
        "twice",
        lambda j: any(
            c["type"] == "Complete" for c in (j.get("status") or {}).get("conditions") or []
        ),
    )
    assert done["status"]["succeeded"] == 2


def test_kubectl_logs_shows_a_finished_pods_lines(
    kube_cluster: KubeCluster, kube_node: KubeNode
) -> None:
    ns = namespace_for_pods(kube_cluster, "node-logs")
    _create(kube_cluster, ns, _pod("talks", "echo one; echo two >&2; echo three"))
    await_pod(kube_cluster, ns, "talks", _finished)
    assert kube_cluster.kubectl("logs", "talks", "-n", ns).stdout == "one\ntwo\nthree\n"
    assert kube_cluster.kubectl("logs", "talks", "-n", ns, "--tail=1").stdout == "three\n"


def test_kubectl_logs_follow_streams_a_running_pods_lines_as_they_come(
    kube_cluster: KubeCluster, kube_node: KubeNode, tmp_path: Path
) -> None:
    ns = namespace_for_pods(kube_cluster, "node-logs-follow")
    script = "echo first; while [ ! -e /gate/open ]; do sleep 0.05; done; echo second"
    gate = {"hostPath": {"path": str(tmp_path)}}
    _create(kube_cluster, ns, _pod("waits", script, {"/gate": gate}))
    await_pod(kube_cluster, ns, "waits", _running)
    follow = subprocess.Popen(
        [str(kube_cluster.kubectl_path), "--kubeconfig", str(kube_cluster.kubeconfig),
         "logs", "-f", "waits", "-n", ns],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert follow.stdout is not None
        assert follow.stdout.readline() == "first\n"  # while the container still waits
        (tmp_path / "open").touch()
        assert follow.stdout.readline() == "second\n"
        assert follow.wait(timeout=30) == 0  # the stream ends with the container
    finally:
        follow.kill()
        follow.wait()


def test_deleting_a_job_deletes_its_pods_and_stops_their_processes(
    kube_cluster: KubeCluster, kube_node: KubeNode
) -> None:
    ns = namespace_for_pods(kube_cluster, "node-job-delete")
    marker = f"marker-{uuid.uuid4().hex}"
    script = f"while :; do sleep 0.1; done # {marker}"
    template = _template(script, terminationGracePeriodSeconds=2)
    _create(kube_cluster, ns, _job("forever", template))
    await_job(kube_cluster, ns, "forever", lambda j: (j.get("status") or {}).get("active") == 1)
    pods = json.loads(
        kube_cluster.kubectl("get", "pods", "-n", ns, "-l", "job-name=forever", "-o", "json").stdout
    )["items"]
    await_pod(kube_cluster, ns, pods[0]["metadata"]["name"], _running)
    assert processes_with(marker)
    kube_cluster.kubectl("delete", "job", "forever", "-n", ns, "--wait=false")
    await_pods_gone(kube_cluster, ns, "job-name=forever")
    # The node deletes a pod for good only once its processes have ended.
    assert processes_with(marker) == []


def test_a_claim_gets_a_volume_that_a_second_pod_reads_what_the_first_wrote(
    kube_cluster: KubeCluster, kube_node: KubeNode
) -> None:
    ns = namespace_for_pods(kube_cluster, "node-claims")
    claim = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": "shared"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Mi"}}},
    }
    _create(kube_cluster, ns, claim)
    volume = {"persistentVolumeClaim": {"claimName": "shared"}}
    _create(kube_cluster, ns, _pod("writer", "echo hello > /data/note", {"/data": volume}))
    assert _phase(await_pod(kube_cluster, ns, "writer", _finished)) == "Succeeded"
    _create(kube_cluster, ns, _pod("reader", "cat /data/note", {"/data": volume}))
    assert _phase(await_pod(kube_cluster, ns, "reader", _finished)) == "Succeeded"
    assert kube_cluster.kubectl("logs", "reader", "-n", ns).stdout == "hello\n"
    bound = json.loads(kube_cluster.kubectl("get", "pvc", "shared", "-n", ns, "-o", "json").stdout)
    assert bound["status"]["phase"] == "Bound"


def _log_server(kube_cluster: KubeCluster, kube_node: KubeNode, path: str, cert: bool) -> Any:
    context = ssl.create_default_context(cafile=str(kube_cluster.dir / "ca.crt"))
    if cert:
        context.load_cert_chain(
            kube_cluster.dir / "kubelet-client.crt", kube_cluster.dir / "kubelet-client.key"
        )
    url = f"https://127.0.0.1:{kube_node.port}{path}"
    return urllib.request.urlopen(url, context=context, timeout=10)


def test_the_log_server_answers_404_for_a_pod_it_does_not_have(
    kube_cluster: KubeCluster, kube_node: KubeNode
) -> None:
    with pytest.raises(urllib.error.HTTPError) as raised:
        _log_server(kube_cluster, kube_node, "/containerLogs/default/nothing/main", cert=True)
    assert raised.value.code == 404
    assert raised.value.read() == b'pod "nothing" not found in namespace "default"\n'


def test_the_log_server_refuses_a_client_without_a_cluster_certificate(
    kube_cluster: KubeCluster, kube_node: KubeNode
) -> None:
    with pytest.raises((ssl.SSLError, urllib.error.URLError, ConnectionError)):
        _log_server(kube_cluster, kube_node, "/containerLogs/default/nothing/main", cert=False)
