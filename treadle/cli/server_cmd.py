"""`treadle server` and `treadle token`: serving a data directory (or a Kubernetes
cluster) over HTTP, and the namespace tokens that let others use one namespace of
it."""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from ..api.objects import SYSTEM_NAMESPACE
from ..config import KUBECONFIG_ENV, SERVER_ENV, TOKEN_ENV, host_path_allowed, resolve_home
from ..errors import BadRequest
from .app import app, handles_errors, out
from .grid import Grid
from .state import options

if TYPE_CHECKING:
    from fastapi import FastAPI

    from ..server.auth import TokenPolicy
    from ..server.tokens import TokenStore

POLICIES: dict[str, TokenPolicy] = {"token": "required", "none": "none"}

token_app = typer.Typer(
    help="API tokens that may read, or read and write, one namespace of a server.",
    no_args_is_help=True,
)
app.add_typer(token_app, name="token")


def _url(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("", "0.0.0.0") else host
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"


@app.command("server")
@handles_errors
def server_command(
    host: Annotated[str, typer.Option("--host", help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on")] = 8080,
    home: Annotated[
        str | None, typer.Option("--home", help="Data directory [env: TREADLE_HOME]")
    ] = None,
    kube: Annotated[
        bool,
        typer.Option(
            "--kube",
            help="Serve the Kubernetes cluster of --kubeconfig [env: TREADLE_KUBECONFIG] "
            "(in a pod: its own; else the default kubeconfig) instead of a data directory; "
            "--kubeconfig alone means the same",
        ),
    ] = False,
    auth: Annotated[
        str,
        typer.Option(
            "--auth",
            help="token: every API request needs a token (on loopback too); "
            "none: none does, and any local program or step can act as you",
        ),
    ] = "token",
    allowed_host: Annotated[
        list[str] | None,
        typer.Option(
            "--allowed-host",
            help="Another name clients reach this server by (a proxy's, a DNS name); "
            "repeatable; * for any",
        ),
    ] = None,
    controller: Annotated[
        bool,
        typer.Option(
            "--controller/--no-controller",
            help="Drive runs in this process (on a cluster: while it holds the cluster's "
            "lease, standing by while another controller does)",
        ),
    ] = True,
    platform_kinds: Annotated[
        bool,
        typer.Option(
            "--platform-kinds",
            help="With --kube: the controller also runs Treadle's operators for the T9k "
            "jobs and SimpleMLService, as `treadle controller --platform-kinds`",
        ),
    ] = False,
    allow_host_path: Annotated[
        bool,
        typer.Option(
            "--allow-host-path",
            help="Admit hostPath volumes: their steps read and write this machine's "
            "files [env: TREADLE_ALLOW_HOST_PATH=1]",
        ),
    ] = False,
    log_level: Annotated[str, typer.Option("--log-level")] = "info",
) -> None:
    """Serve the API and console of a data directory (or, with --kube, of a Kubernetes
    cluster); drives its runs. Stops gracefully on Ctrl-C or SIGTERM (running steps
    keep running)."""
    from ..server.serve import make_server

    policy = POLICIES.get(auth)
    if policy is None:
        raise BadRequest(f'--auth "{auth}": use token or none')
    on_cluster = kube or bool(options.kubeconfig)
    if on_cluster and (home or options.home):
        raise BadRequest(
            "--home names a data directory; a server of a Kubernetes cluster (--kube, "
            f"--kubeconfig or {KUBECONFIG_ENV}) has none: give one or the other"
        )
    if platform_kinds and not on_cluster:
        raise BadRequest(
            "--platform-kinds runs Treadle's operators of the platform's kinds on a "
            "Kubernetes cluster: use it with --kube"
        )
    if platform_kinds and not controller:
        raise BadRequest(
            "--platform-kinds is the controller's: it does nothing with --no-controller"
        )
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(message)s")
    allowed = allowed_host or ()
    url = _url(host, port)
    if on_cluster:
        application, where, token_hint = _cluster_app(
            host, policy, allowed, controller, platform_kinds, allow_host_path
        )
    else:
        application, where, token_hint = _data_app(
            url, home, host, policy, allowed, controller, allow_host_path
        )
    policy_state = application.state.treadle.auth
    server = make_server(
        application,
        host,
        port,
        log_level=log_level.lower(),
        on_started=lambda: _print_access(
            url, token_hint, policy_state.admin_token, policy_state.required
        ),
    )
    out.print(f"Treadle server on {url}  ({where})", markup=False)
    server.run()


def _data_app(
    url: str,
    home: str | None,
    host: str,
    policy: TokenPolicy,
    allowed: Iterable[str],
    controller: bool,
    allow_host_path: bool,
) -> tuple[FastAPI, str, str]:
    """The server of a data directory, what it serves, and where the CLI finds its
    admin token."""
    from ..server import create_app

    data = resolve_home(home or options.home)
    if allow_host_path:
        data = dataclasses.replace(data, allow_host_path=True)
    application = create_app(
        data, host=host, token_policy=policy, allowed_hosts=allowed, run_controller=controller
    )
    return (
        application,
        f"data: {data.root}",
        f"in {data.token_file}; the CLI on this machine reads it "
        f"({SERVER_ENV}={url} treadle …), elsewhere set {TOKEN_ENV}",
    )


def _cluster_app(
    host: str,
    policy: TokenPolicy,
    allowed: Iterable[str],
    controller: bool,
    platform_kinds: bool,
    allow_host_path: bool,
) -> tuple[FastAPI, str, str]:
    """The server of a cluster, what it serves, and where the CLI finds its admin
    token: in the cluster, for whoever may read Secrets of treadle-system."""
    from ..server import create_cluster_app
    from ..server.tokens import ADMIN_SECRET

    application = create_cluster_app(
        options.kubeconfig,
        host=host,
        token_policy=policy,
        allowed_hosts=allowed,
        run_controller=controller,
        platform_kinds=platform_kinds,
        allow_host_path=allow_host_path or host_path_allowed(),
    )
    cluster = application.state.treadle.store.server
    secret = f"{SYSTEM_NAMESPACE}/{ADMIN_SECRET}"
    fetch = (
        f"kubectl -n {SYSTEM_NAMESPACE} get secret {ADMIN_SECRET} "
        "-o jsonpath='{.data.token}' | base64 -d"
    )
    hint = f"in Secret {secret} ({fetch}); the CLI sends it as --token or {TOKEN_ENV}"
    return application, f"cluster: {cluster}", hint


def _print_access(url: str, token_hint: str, token: str | None, required: bool) -> None:
    """How the owner gets in: the console's address with the admin token in it (the
    console keeps the token and drops it from the address bar), printed at every
    start, and where the CLI finds the token (`token_hint`)."""
    if not required:
        out.print(
            "[bold red]WARNING: --auth none: no token is asked for.[/bold red] Every program "
            "that can reach this address (every step of every run, any other user of "
            "this machine, and every machine of the network on a non-loopback address) "
            "can read all secrets and run commands as you."
        )
        out.print(f"console: {url}/", markup=False)
        return
    out.print(f"console: {url}/?token={token}", markup=False)
    out.print(f"admin token: {token_hint}", markup=False)


@contextmanager
def _token_store() -> Iterator[TokenStore]:
    """The namespace tokens of the data directory, kept in its store, or with
    --kubeconfig of the cluster, kept as its Secrets."""
    from ..server.tokens import TokenStore

    if options.server or os.environ.get(SERVER_ENV):
        raise BadRequest(
            "tokens are kept where the server keeps its objects: run this on the server's "
            f"machine with its data directory (--home), or with the cluster's --kubeconfig, "
            f"without --server / {SERVER_ENV}"
        )
    if options.kubeconfig:
        from ..kube.store import KubeStore

        store = KubeStore.from_kubeconfig(options.kubeconfig)
        try:
            yield TokenStore(store)
        finally:
            store.close()
        return
    from ..client.embedded import EmbeddedClient

    client = EmbeddedClient(resolve_home(options.home))
    try:
        yield TokenStore(client.store)
    finally:
        client.close()


@token_app.command("create")
@handles_errors
def token_create(
    namespace: Annotated[str, typer.Argument(help="The namespace the token is for")],
    read: Annotated[bool, typer.Option("--read", help="May only read")] = False,
    write: Annotated[bool, typer.Option("--write", help="May read and write")] = False,
    description: Annotated[str, typer.Option("--description", "-d")] = "",
) -> None:
    """Create a namespace token and print it (it is shown this once)."""
    if read == write:
        raise BadRequest("say what the token may do: --read or --write")
    with _token_store() as tokens:
        secret, record = tokens.create(namespace, "write" if write else "read", description)
    out.print(f"token {record.id}: {record.access} access to namespace {namespace}")
    print(secret, flush=True)


@token_app.command("list")
@handles_errors
def token_list() -> None:
    """List namespace tokens (their ids, never the tokens)."""
    with _token_store() as tokens:
        records = tokens.list()
    if not records:
        out.print("No tokens.")
        return
    grid = Grid("ID", "NAMESPACE", "ACCESS", "CREATED", "DESCRIPTION", pad_edge=False)
    for r in records:
        grid.add_row(r.id, r.namespace, r.access, r.created, r.description)
    out.print(grid)


@token_app.command("revoke")
@handles_errors
def token_revoke(token_id: Annotated[str, typer.Argument(help="The id shown by list")]) -> None:
    """Revoke a namespace token at once."""
    with _token_store() as tokens:
        tokens.revoke(token_id)
    out.print(f"token {token_id} revoked")
