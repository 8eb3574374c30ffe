"""Commands about the installation: volume, controller, config."""

from __future__ import annotations

import logging
import os
import signal
import time
from collections.abc import Callable
from types import FrameType
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from ..config import SERVER_ENV, resolve_home
from ..errors import BadRequest, LeaseLost
from .app import app, err, handles_errors, out
from .grid import Grid
from .objects_cmd import NamespaceOpt
from .state import client, options

if TYPE_CHECKING:
    from ..controller.manager import Manager

volume_app = typer.Typer(
    help="Embedded volumes: the directories behind PVC names.", no_args_is_help=True
)
app.add_typer(volume_app, name="volume")


@volume_app.command("path")
@handles_errors
def volume_path(
    name: Annotated[str, typer.Argument(help="PVC (claim) name")], namespace: NamespaceOpt = None
) -> None:
    """Print the directory of a PVC, creating it."""
    print(client().volume_path(namespace, name))


@volume_app.command("ls")
@handles_errors
def volume_ls(
    name: Annotated[str | None, typer.Argument(help="PVC name (all when omitted)")] = None,
    path: Annotated[str, typer.Argument(help="Directory inside the volume")] = "",
    namespace: NamespaceOpt = None,
) -> None:
    """List volumes, or the files of one volume (or of a directory in it)."""
    c = client()
    if name is None:
        volumes = Grid("NAME", "FILES", "BYTES", pad_edge=False)
        for v in c.list_volumes(namespace):
            volumes.add_row(v["name"], str(v["files"]), str(v["bytes"]))
        if volumes.rows:
            out.print(volumes)
        return
    for e in c.volume_files(namespace, name, path):
        suffix = "/" if e["type"] == "dir" else f"  {e['size']}"
        out.print(f"{e['name']}{suffix}", markup=False)


@volume_app.command("rm")
@handles_errors
def volume_rm(
    name: Annotated[str, typer.Argument(help="PVC name")], namespace: NamespaceOpt = None
) -> None:
    """Delete a volume and everything in it."""
    client().delete_volume(namespace, name)
    out.print(f"volume/{name} deleted")


@app.command("controller")
@handles_errors
def controller_command(
    idle_exit: Annotated[
        float | None,
        typer.Option("--idle-exit", help="Exit after this many seconds with nothing running"),
    ] = None,
    platform_kinds: Annotated[
        bool,
        typer.Option(
            "--platform-kinds",
            help="With --kubeconfig: also run Treadle's operators for the T9k jobs and "
            "SimpleMLService (where `treadle install --kube --platform-kinds` installed them)",
        ),
    ] = False,
) -> None:
    """Run the controller in the foreground: it drives every run of the data directory
    (or, with --kubeconfig, of the Kubernetes cluster)."""
    from ..client.embedded import EmbeddedClient
    from ..localcluster.home import manager_for_home

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    if options.kubeconfig and not (options.server or os.environ.get(SERVER_ENV)):
        _drive_cluster(options.kubeconfig, platform_kinds)
        return
    c = client()
    if not isinstance(c, EmbeddedClient):
        raise BadRequest(
            f"the controller runs on a data directory, not against a server "
            f"(unset --server / {SERVER_ENV})"
        )
    manager = manager_for_home(c.home)
    if not manager.try_start():
        err.print(f"another controller drives {c.home.root} ({c.controller_holder()})")
        manager.stop()
        raise typer.Exit(0)
    _run_manager(manager, lambda: True, idle_exit)


def _drive_cluster(kubeconfig: str, platform_kinds: bool) -> None:
    """The controller of a cluster, as a Kubernetes controller runs: it waits while
    another replica holds the lease, then drives until stopped or the lease is lost."""
    from ..kube.home import kube_manager

    manager = kube_manager(kubeconfig, platform_kinds=platform_kinds)

    def started() -> bool:
        waiting = False
        while not manager.try_start():
            if not waiting:
                err.print(f"waiting for the lease held by {manager.lease.holder()}")
                waiting = True
            time.sleep(1.0)
        return True

    _run_manager(manager, started, None)


def _run_manager(manager: Manager, started: Callable[[], bool], idle_exit: float | None) -> None:
    """Drive once `started` has the lease, until SIGTERM, idleness or the lease's loss."""
    try:
        signal.signal(signal.SIGTERM, _terminate)
        try:
            # Inside the try: a SIGTERM may come as soon as the handler is in place,
            # also while the lease is being taken or this line written.
            started()
            out.print(f"controller running on {manager.home.root}")
            _drive(manager, idle_exit)
        except _Terminated:
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            out.print("terminated: stopping")
    finally:
        # The shutdown runs once, here, in order (the lease is released before the
        # database closes); a second SIGTERM must not cut it short.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        manager.stop()
    if manager.lost:
        raise LeaseLost(f"{manager.lost}; stopped")


class _Terminated(BaseException):
    """SIGTERM, raised in the main thread as Ctrl-C raises KeyboardInterrupt: the
    handler itself does nothing that could block or race the threads it stops."""


def _terminate(signum: int, frame: FrameType | None) -> NoReturn:
    raise _Terminated


def _drive(manager: Manager, idle_exit: float | None) -> None:
    """Return when the manager stops driving (it lost the lease), or once it has
    had nothing to do for `idle_exit` seconds."""
    idle_since = time.monotonic()
    tick = 0.5 if idle_exit is None else min(0.5, idle_exit / 4)
    while manager.running:
        manager.wait_stopped(tick)
        if idle_exit is None:
            continue
        if manager.busy():
            idle_since = time.monotonic()
        elif time.monotonic() - idle_since >= idle_exit:
            out.print(f"nothing to do for {idle_exit:g} s: exiting")
            return


@app.command("config")
def config_command() -> None:
    """Print the configuration in force and where each value came from."""
    import os

    home = resolve_home(options.home)
    server = options.server or os.environ.get(SERVER_ENV)
    out.print(f"home:      {home.root}")
    out.print(f"database:  {home.database}")
    out.print(f"volumes:   {home.volumes}")
    out.print(f"server:    {server or '(none: embedded mode)'}")
    out.print(f"namespace: {os.environ.get('TREADLE_NAMESPACE', 'default')}")
    out.print(
        f"sandbox:   {os.environ.get('TREADLE_SANDBOX', 'auto')} (TREADLE_SANDBOX: on, off, auto)"
    )
    out.print(
        f"hostPath:  {'allowed' if home.allow_host_path else 'refused'} "
        "(TREADLE_ALLOW_HOST_PATH=1 allows)"
    )
