"""Treadle on the session's test cluster: its CRDs installed, one node agent, and
the workflow controller as a real subprocess (`treadle --kubeconfig K
controller`), as a user runs it beside a cluster."""

from __future__ import annotations

import select
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest
import yaml

from tests.kube.node_fixture import KubeNode, stop_node_process
from tests.kube_cluster import KubeCluster
from treadle.store.base import Obj

API = "batch.tensorstack.dev/v1beta1"
START_SECONDS = 60.0
T = TypeVar("T")


@dataclass
class Controller:
    process: subprocess.Popen[str]
    log: Path
    argv: list[str]


def treadle_argv(cluster: KubeCluster, *args: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "treadle.cli.main",
        "--kubeconfig",
        str(cluster.kubeconfig),
        *args,
    ]


def treadle(
    cluster: KubeCluster, *args: str, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    """The CLI against the cluster."""
    return subprocess.run(
        treadle_argv(cluster, *args), input=input, capture_output=True, text=True, timeout=120
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def install(cluster: KubeCluster, directory: Path) -> subprocess.Popen[str]:
    """Install Treadle's kinds with the admission webhook outside the cluster, as a
    controller beside the cluster has it; the webhook's process, listening."""
    port = free_port()
    url = f"https://127.0.0.1:{port}/validate"
    installed = treadle(
        cluster, "install", "--kube", "--platform-kinds", "--no-deployments", "--webhook-url", url
    )
    assert installed.returncode == 0, installed.stderr + installed.stdout
    certs = treadle(cluster, "webhook", "certs", "--out", str(directory))
    assert certs.returncode == 0, certs.stderr + certs.stdout
    return start_process(
        cluster,
        directory / "webhook.log",
        "webhook listening",
        "webhook", "serve",
        "--tls-cert", str(directory / "tls.crt"),
        "--tls-key", str(directory / "tls.key"),
        "--port", str(port),
    )  # fmt: skip


def start_controller(cluster: KubeCluster, log: Path, *extra: str) -> Controller:
    """Start the controller and return once it drives (holds the lease)."""
    argv = treadle_argv(cluster, "controller", *extra)
    return Controller(
        start_process(cluster, log, "controller running", "controller", *extra), log, argv
    )


def start_process(cluster: KubeCluster, log: Path, ready: str, *args: str) -> subprocess.Popen[str]:
    """Start a treadle command and return once it prints a line starting `ready`."""
    process, _ = await_line(
        treadle_argv(cluster, *args), log, args[0], lambda line: line.startswith(ready) or None
    )
    return process


def await_line(
    argv: list[str],
    log: Path,
    what: str,
    ready: Callable[[str], T | None],
    env: dict[str, str] | None = None,
) -> tuple[subprocess.Popen[str], T]:
    """Start `argv` (stderr to `log`) and return it once `ready` finds what it
    looks for in a line of its output, with what it found."""
    with open(log, "ab") as err:
        process = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL, text=True, env=env
        )
    assert process.stdout is not None
    deadline = time.monotonic() + START_SECONDS
    while True:
        left = deadline - time.monotonic()
        readable, _, _ = select.select([process.stdout], [], [], max(0.0, left))
        if not readable:
            stop_node_process(process)
            raise RuntimeError(f"{what} did not start:\n{log.read_text()[-3000:]}")
        line = process.stdout.readline()
        if not line:
            process.wait()
            raise RuntimeError(f"{what} exited:\n{log.read_text()[-3000:]}")
        found = ready(line.strip())
        if found is not None:
            return process, found


@pytest.fixture(scope="session")
def kube_treadle(
    kube_cluster: KubeCluster, kube_node: KubeNode, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Controller]:
    """Treadle installed on the session's cluster with a node and a controller."""
    webhook = install(kube_cluster, tmp_path_factory.mktemp("webhook"))
    try:
        controller = start_controller(
            kube_cluster, tmp_path_factory.mktemp("controller") / "log", "--platform-kinds"
        )
        try:
            yield controller
        finally:
            stop_node_process(controller.process)
    finally:
        # The registration stays (other tests' objects are judged by it); so must
        # its server, until the cluster stops with the session.
        stop_node_process(webhook)


def kubectl_apply(cluster: KubeCluster, namespace: str, *docs: Obj | str) -> None:
    text = "\n---\n".join(d if isinstance(d, str) else yaml.safe_dump(d) for d in docs)
    applied = cluster.kubectl("apply", "-n", namespace, "-f", "-", input=text, check=False)
    assert applied.returncode == 0, applied.stderr


def finished(obj: Obj) -> bool:
    return (obj.get("status") or {}).get("phase") in ("Succeeded", "Failed", "Error")
