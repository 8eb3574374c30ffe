"""`treadle webhook serve|certs`: the validating admission webhook of the Kubernetes
home, and its certificates."""

from __future__ import annotations

import logging
import signal
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer

from ..api.policy import ALLOW_HOST_PATH_FLAG, Policy
from ..errors import BadRequest
from .app import app, err, handles_errors, out
from .state import options

if TYPE_CHECKING:
    from kubernetes.client import ApiClient

webhook_app = typer.Typer(
    help="The admission webhook of a Kubernetes cluster (see `treadle install --kube`).",
    no_args_is_help=True,
)
app.add_typer(webhook_app, name="webhook")


@webhook_app.command("serve")
@handles_errors
def serve_command(
    tls_cert: Annotated[Path, typer.Option("--tls-cert", help="Serving certificate (PEM)")],
    tls_key: Annotated[Path, typer.Option("--tls-key", help="Its private key (PEM)")],
    port: Annotated[int, typer.Option("--port", help="Port to listen on (0: any free one)")] = 8443,
    host: Annotated[str, typer.Option("--host", help="Address to listen on")] = "127.0.0.1",
    allow_host_path: Annotated[
        bool, typer.Option(ALLOW_HOST_PATH_FLAG, help="Admit hostPath volumes in pod specs")
    ] = False,
) -> None:
    """Judge the cluster's CREATE and UPDATE of Treadle's kinds as `treadle apply`
    does. Runs are checked against the templates stored in the cluster of
    --kubeconfig (in a pod: its own); prints its address once listening."""
    from ..kube.webhook import ClusterTemplates, NoTemplates, WebhookServer, judge_with

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    for path in (tls_cert, tls_key):
        if not path.is_file():
            raise BadRequest(f"{path}: no such file")
    templates = ClusterTemplates(_api()) if _has_cluster() else NoTemplates()
    if isinstance(templates, NoTemplates):
        err.print("note: no cluster to read templates from (--kubeconfig): runs are judged alone")
    server = WebhookServer(
        judge_with(templates, Policy(allow_host_path=allow_host_path)),
        tls_cert,
        tls_key,
        host,
        port,
    )

    def stop(signum: int, frame: FrameType | None) -> None:
        server.shutdown()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    out.print(f"webhook listening on {server.url}", markup=False)
    try:
        server.serve_forever()
    finally:
        server.close()


@webhook_app.command("certs")
@handles_errors
def certs_command(
    out_dir: Annotated[
        Path, typer.Option("--out", help="Directory to write tls.crt, tls.key, ca.crt")
    ],
) -> None:
    """Make (or keep) the webhook's certificates for the names its registration calls
    it by, store them in their Secret, put their CA into the registration, and write
    them into a directory for `treadle webhook serve`."""
    from ..kube.install import renew_registration

    api = _api()
    try:
        tls = renew_registration(api)
    finally:
        api.close()
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "ca.crt").write_text(tls.ca_cert)
    (out_dir / "tls.crt").write_text(tls.cert)
    key = out_dir / "tls.key"
    key.touch(mode=0o600)
    key.write_text(tls.key)
    out.print(f"wrote {out_dir}/tls.crt, tls.key and ca.crt", markup=False)


def _has_cluster() -> bool:
    from ..kube.connect import in_cluster

    return bool(options.kubeconfig) or in_cluster()


def _api() -> ApiClient:
    from ..kube.connect import api_client

    return api_client(options.kubeconfig)
