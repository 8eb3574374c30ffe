"""The embedded cluster's own facts: what it runs, whose lease it may take over."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from treadle.config import Home
from treadle.controller.manager import Manager
from treadle.localcluster.holder import local_holder_id
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


def _exited_holder() -> str:
    """The `local_holder_id` of a process that has exited since."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from treadle.localcluster.holder import local_holder_id; print(local_holder_id())",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


def _with(holder: str, field: int, value: str) -> str:
    """`holder` with one of its fields (host, pid, nonce, boot, pid namespace, start
    time, in that order) replaced."""
    host, pid, nonce, where = holder.split(":")
    fields = [host, pid, nonce, *where.split(".")]
    fields[field] = value
    return ":".join(fields[:3]) + ":" + ".".join(fields[3:])


def test_a_holder_of_this_host_boot_and_pid_namespace_that_exited_is_gone() -> None:
    assert local_holder_gone(_exited_holder())


def test_a_running_holder_is_not_gone() -> None:
    assert not local_holder_gone(local_holder_id())


def test_a_holder_whose_pid_now_names_another_process_is_gone() -> None:
    assert local_holder_gone(_with(local_holder_id(), 5, "1"))


def test_two_processes_with_one_host_and_pid_are_two_holders() -> None:
    """Pid 1 of two containers sharing a data directory: the nonce tells them apart."""
    here = local_holder_id()
    assert local_holder_id() == here
    assert _exited_holder().split(":")[2] != here.split(":")[2]


@pytest.mark.parametrize(
    ("field", "value"),
    [(0, f"elsewhere-{socket.gethostname()}"), (3, "00000000"), (4, "1")],
    ids=["another host", "another boot", "another pid namespace"],
)
def test_a_holder_that_cannot_be_checked_here_is_not_gone(field: int, value: str) -> None:
    """Its pid means nothing here: the process may well be running, in another
    container (whose pid namespace this one cannot see) or on another machine."""
    assert not local_holder_gone(_with(_exited_holder(), field, value))


@pytest.mark.parametrize("holder", [f"{socket.gethostname()}:999999999", "not a holder", ""])
def test_an_identity_of_another_shape_is_not_gone(holder: str) -> None:
    """Such as `host:pid`, which older controllers wrote: it says too little."""
    assert not local_holder_gone(holder)


def test_two_operators_may_not_share_a_kind(tmp_path: Path) -> None:
    home = Home(tmp_path / "home").ensure()
    store = SqliteStore(home.database)
    try:
        with pytest.raises(ValueError, match="two controllers for kind Pod"):
            Manager(store, LocalRuntime.for_home(home), home, operators=(Kubelet, Kubelet))
    finally:
        store.close()
