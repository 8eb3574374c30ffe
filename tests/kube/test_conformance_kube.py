"""The shared conformance cases against the test cluster: the same tool, the same
expected outcomes, the CLI pointed at the cluster (TREADLE_KUBECONFIG) instead of a
data directory."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.kube.workflow_fixture import Controller
from tests.kube_cluster import KubeCluster
from tests.support import TREADLE
from tests.test_conformance import CASES, TOOL, TOPICS
from treadle.config import KUBECONFIG_ENV

DEFAULT_ACCOUNT_ROLE = """
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: default-edits, namespace: default}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
subjects: [{kind: Group, name: "system:serviceaccounts:default", apiGroup: rbac.authorization.k8s.io}]
"""
"""A Resource template's manifest is created as the run's service account (the
cases name `default` or their own): the namespace's accounts may edit in it."""


@pytest.mark.skipif(
    not TOOL.exists(), reason="the shared conformance cases are not beside this checkout"
)
@pytest.mark.timeout(1500)
@pytest.mark.parametrize("only", ["invalid", "valid"])
def test_conformance_cases_pass_on_the_cluster(
    kube_cluster: KubeCluster, kube_treadle: Controller, only: str
) -> None:
    kube_cluster.kubectl("apply", "-f", "-", input=DEFAULT_ACCOUNT_ROLE)
    env = {k: v for k, v in os.environ.items() if k != "TREADLE_NO_AUTOSTART"}
    env[KUBECONFIG_ENV] = str(kube_cluster.kubeconfig)
    done = subprocess.run(
        [sys.executable, str(TOOL), str(TREADLE), str(CASES), "--only", only, "--with", TOPICS],
        capture_output=True,
        text=True,
        timeout=1200,
        env=env,
    )
    assert done.returncode == 0, done.stdout + done.stderr
