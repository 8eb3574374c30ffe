"""Fixtures shared by the suites: a data directory with a running controller, and
the session's Kubernetes cluster with its node agent and Treadle's controller
(shared by tests/kube and the console's tests of a cluster's server)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.kube.node_fixture import kube_node
from tests.kube.workflow_fixture import kube_treadle
from tests.kube_cluster import KubeCluster, start_cluster, stop_cluster
from tests.support import Engine

__all__ = ["kube_node", "kube_treadle"]

# Tests start the controllers they need; none may be left running in the background.
os.environ.setdefault("TREADLE_NO_AUTOSTART", "1")


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    e = Engine(tmp_path / "home")
    try:
        yield e
    finally:
        e.close()


@pytest.fixture(scope="session")
def kube_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KubeCluster]:
    """One real control plane for the whole session (tests/kube_cluster.py). Tests
    share it, so each works in namespaces of its own."""
    cluster = start_cluster(tmp_path_factory.mktemp("kube"))
    try:
        yield cluster
    finally:
        stop_cluster(cluster)
