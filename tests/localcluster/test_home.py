"""The embedded cluster's own facts: what it runs, whose lease it may take over."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from treadle.config import Home
from treadle.controller.manager import Manager
from treadle.localcluster.home import KINDS_RUN_HERE, LocalCluster, local_holder_gone
from treadle.localcluster.kubelet import Kubelet
from treadle.runtime.local import LocalRuntime
from treadle.store.sqlite import SqliteStore


def test_it_runs_pods_and_jobs_and_says_so_of_any_other_kind() -> None:
    cluster = LocalCluster(KINDS_RUN_HERE)
    assert cluster.cannot_run("v1", "Pod") is None
    assert cluster.cannot_run("batch/v1", "Job") is None
    for kind in ("GenericJob", "TensorFlowTrainingJob", "MPIJob", "BeamJob"):
        assert cluster.cannot_run("batch.tensorstack.dev/v1beta1", kind) is None
    message = cluster.cannot_run("kubeflow.org/v1", "TFJob")
    assert message is not None
    assert message == (
        "kind TFJob (kubeflow.org/v1) needs a Kubernetes cluster: embedded mode runs only "
        "Pod (v1); Job (batch/v1); GenericJob, TensorFlowTrainingJob, PyTorchTrainingJob, "
        "XGBoostTrainingJob, MPIJob, DeepSpeedJob, ColossalAIJob, BeamJob "
        "(batch.tensorstack.dev/v1beta1); SimpleMLService (tensorstack.dev/v1beta1); "
        "it stores ConfigMap, Secret and PersistentVolumeClaim"
    )


def test_only_a_holder_on_this_host_whose_process_is_gone_is_gone() -> None:
    here = socket.gethostname()
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    assert local_holder_gone(f"{here}:{done.stdout.strip()}")
    assert not local_holder_gone(f"{here}:{os.getpid()}")
    assert not local_holder_gone(f"elsewhere-{here}:{done.stdout.strip()}")
    assert not local_holder_gone("not a holder")


def test_two_operators_may_not_share_a_kind(tmp_path: Path) -> None:
    home = Home(tmp_path / "home").ensure()
    store = SqliteStore(home.database)
    try:
        with pytest.raises(ValueError, match="two controllers for kind Pod"):
            Manager(store, LocalRuntime.for_home(home), home, operators=(Kubelet, Kubelet))
    finally:
        store.close()
