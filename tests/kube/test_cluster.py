"""The test cluster itself: a real control plane answers as Kubernetes does."""

from __future__ import annotations

import json
import time

from tests.kube_cluster import KubeCluster


def test_the_api_server_and_kubectl_are_the_version_built_from_debian_source(
    kube_cluster: KubeCluster,
) -> None:
    version = json.loads(kube_cluster.kubectl("version", "-o", "json").stdout)
    assert version["serverVersion"]["gitVersion"] == "v1.20.2"
    assert version["clientVersion"]["gitVersion"] == "v1.20.2"


def test_the_controller_manager_gives_a_new_namespace_its_default_service_account(
    kube_cluster: KubeCluster,
) -> None:
    kube_cluster.kubectl("create", "namespace", "cluster-smoke")
    deadline = time.monotonic() + 30
    while kube_cluster.kubectl(
        "get", "serviceaccount", "default", "-n", "cluster-smoke", check=False
    ).returncode:
        assert time.monotonic() < deadline, "no default service account after 30 s"
        time.sleep(0.1)
