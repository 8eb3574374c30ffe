"""`treadle kube-node`: a node agent for a Kubernetes cluster where no kubelet can
run. It runs the pods bound to its node with Treadle's local runtime (commands on
this host, images ignored) and serves their logs to the API server."""

from __future__ import annotations

import logging
import signal
import socket
import threading
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

from ..config import resolve_home
from ..core.names import dns1123_subdomain_errors
from ..errors import BadRequest
from .app import app, err, handles_errors, out
from .state import options


def _default_name() -> str:
    return socket.gethostname().split(".")[0].lower()


@app.command("kube-node")
@handles_errors
def kube_node_command(
    kubeconfig: Annotated[
        Path,
        typer.Option(
            "--kubeconfig",
            exists=True,
            dir_okay=False,
            resolve_path=True,
            help="Kubeconfig of the cluster to join",
        ),
    ],
    tls_cert: Annotated[
        Path,
        typer.Option(
            "--tls-cert",
            exists=True,
            dir_okay=False,
            resolve_path=True,
            help="Serving certificate of the log server (the API server verifies it)",
        ),
    ],
    tls_key: Annotated[
        Path,
        typer.Option("--tls-key", exists=True, dir_okay=False, resolve_path=True),
    ],
    client_ca: Annotated[
        Path,
        typer.Option(
            "--client-ca",
            exists=True,
            dir_okay=False,
            resolve_path=True,
            help="CA that signs the API server's kubelet client certificate",
        ),
    ],
    name: Annotated[
        str | None, typer.Option("--name", help="Node name [default: the host name]")
    ] = None,
    home: Annotated[
        str | None,
        typer.Option("--home", help="Data directory of the node's pods and volumes"),
    ] = None,
    address: Annotated[
        str, typer.Option("--address", help="Address the log server listens on")
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", help="Port of the log server; 0: any free one")
    ] = 10250,
    no_sandbox: Annotated[
        bool,
        typer.Option(
            "--no-sandbox",
            help="Run commands without bubblewrap (pods then cannot mount secrets, "
            "such as their service-account token)",
        ),
    ] = False,
    cpus: Annotated[
        int | None,
        typer.Option(
            "--cpus",
            min=1,
            help="CPUs the node offers the scheduler [default: the host's]. Pods share "
            "the host as the embedded home's do, whatever they request: offer more to "
            "schedule pods that request more than the host has",
        ),
    ] = None,
    log_level: Annotated[str, typer.Option("--log-level")] = "info",
) -> None:
    """Join a cluster as a node: run the pods bound to it on this host and serve
    their logs. Stops on Ctrl-C or SIGTERM (running pods keep running)."""
    from ..kubenode.agent import NodeAgent, NodeOptions
    from ..kubenode.logserver import TLSFiles

    node = name if name is not None else _default_name()
    problems = dns1123_subdomain_errors(node)
    if problems:
        raise BadRequest(f'--name "{node}": {"; ".join(problems)}')
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(message)s")
    agent = NodeAgent(
        NodeOptions(
            kubeconfig=kubeconfig,
            name=node,
            home=resolve_home(home or options.home),
            tls=TLSFiles(tls_cert, tls_key, client_ca),
            sandbox=False if no_sandbox else None,
            address=address,
            port=port,
            cpus=cpus,
        )
    )
    stopping = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        agent.start()
        out.print(f"node {node} running (logs on {address}:{agent.logs.port})", markup=False)
        while not stopping.is_set():
            if agent.wait(0.5):
                break
    finally:
        agent.stop()
    if agent.lost:
        err.print(f"error: node {node}: {agent.lost}", markup=False)
        raise typer.Exit(1)
