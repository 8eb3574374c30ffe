"""`treadle server` and `treadle token`: serving a data directory over HTTP, and the
namespace tokens that let others use one namespace of it."""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Annotated

import typer

from ..config import SERVER_ENV, resolve_home
from ..errors import BadRequest
from .app import app, handles_errors, out
from .state import options

if TYPE_CHECKING:
    from ..server.auth import TokenPolicy
    from ..server.tokens import TokenStore

POLICIES: dict[str, TokenPolicy] = {"auto": "auto", "token": "required", "none": "none"}

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
    auth: Annotated[
        str,
        typer.Option(
            "--auth",
            help="auto: a token is needed unless HOST is loopback; token: always; none: never",
        ),
    ] = "auto",
    controller: Annotated[
        bool,
        typer.Option("--controller/--no-controller", help="Drive runs in this process"),
    ] = True,
    log_level: Annotated[str, typer.Option("--log-level")] = "info",
) -> None:
    """Serve the API and console of a data directory; drives its runs. Stops
    gracefully on Ctrl-C or SIGTERM (running steps keep running)."""
    from ..server import create_app
    from ..server.auth import is_loopback
    from ..server.serve import make_server

    policy = POLICIES.get(auth)
    if policy is None:
        raise BadRequest(f'--auth "{auth}": use auto, token or none')
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(message)s")
    data = resolve_home(home or options.home)
    application = create_app(
        data,
        host=host,
        token_policy=policy,
        run_controller=controller,
    )
    policy_state = application.state.treadle.auth
    server = make_server(application, host, port, log_level=log_level.lower())
    out.print(f"Treadle server on {_url(host, port)}  (data: {data.root})")
    if policy_state.required:
        if policy_state.generated:
            out.print(f"admin token (shown once; kept in {data.token_file}):")
            out.print(f"  {policy_state.admin_token}", markup=False)
        else:
            out.print(f"admin token: in {data.token_file}")
        out.print(f"clients: {SERVER_ENV}={_url(host, port)} TREADLE_TOKEN=<token> treadle …")
    elif not is_loopback(host):
        out.print("[yellow]warning[/yellow]: no token is required on a non-loopback address")
    server.run()


def _token_store() -> TokenStore:
    from ..server.tokens import TokenStore

    if options.server or os.environ.get(SERVER_ENV):
        raise BadRequest(
            "tokens are kept in the server's data directory: run this on the server's "
            f"machine, without --server / {SERVER_ENV}"
        )
    home = resolve_home(options.home).ensure()
    return TokenStore(home.database)


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
    tokens = _token_store()
    try:
        secret, record = tokens.create(namespace, "write" if write else "read", description)
    finally:
        tokens.close()
    out.print(f"token {record.id}: {record.access} access to namespace {namespace}")
    print(secret, flush=True)


@token_app.command("list")
@handles_errors
def token_list() -> None:
    """List namespace tokens (their ids, never the tokens)."""
    tokens = _token_store()
    try:
        records = tokens.list()
    finally:
        tokens.close()
    if not records:
        out.print("No tokens.")
        return
    out.print(f"{'ID':<10}{'NAMESPACE':<24}{'ACCESS':<8}{'CREATED':<22}DESCRIPTION")
    for r in records:
        out.print(
            f"{r.id:<10}{r.namespace:<24}{r.access:<8}{r.created:<22}{r.description}",
            markup=False,
        )


@token_app.command("revoke")
@handles_errors
def token_revoke(token_id: Annotated[str, typer.Argument(help="The id shown by list")]) -> None:
    """Revoke a namespace token at once."""
    tokens = _token_store()
    try:
        tokens.revoke(token_id)
    finally:
        tokens.close()
    out.print(f"token {token_id} revoked")
