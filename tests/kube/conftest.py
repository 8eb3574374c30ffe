"""Fixtures of the Kubernetes home's tests: the session's node agent and Treadle
on the session's cluster (tests/conftest.py starts the cluster itself)."""

from tests.kube.node_fixture import kube_node
from tests.kube.workflow_fixture import kube_treadle

__all__ = ["kube_node", "kube_treadle"]
