"""The application factories: one data directory, or one Kubernetes cluster,
served over HTTP (docs/api.md, docs/kubernetes.md).

`create_app(home, host=…)` opens the data directory's store and runtime;
`create_cluster_app(kubeconfig, host=…)` connects to a cluster's API server. Either
on startup starts the controller in background threads (or keeps trying, every two
seconds, while another process drives runs) and a watch that feeds the step-duration
metric. On shutdown it stops both; running steps keep running and are re-adopted by
the next controller. Store calls block, so routes that make them are plain `def`
routes (FastAPI runs them in its threadpool) and streams have threads of their own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import anyio.to_thread
from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from ..api.policy import Policy
from ..config import Home
from ..controller.manager import Manager
from ..localcluster.home import local_manager
from .auth import AuthMiddleware, AuthPolicy, TokenPolicy
from .bodies import ObjectBodies
from .console import STATIC_DIR, Console
from .controller import ControllerRunner
from .metrics import Metrics, MetricsMiddleware
from .namespaces import router as namespaces_router
from .objectlogs import router as object_logs_router
from .openapi import install as install_openapi
from .ops import router as ops_router
from .ops import version
from .resources import resources_router
from .runs import router as runs_router
from .state import ServerClient, ServerState
from .status import JSONResponse, install_error_handlers
from .terminal import router as terminal_router
from .triggers import router as triggers_router
from .volumes import router as volumes_router
from .webguard import HostPolicy, WebGuard

if TYPE_CHECKING:
    from .cluster import KubeServerClient

THREADPOOL_SIZE = 64
"""Workers for blocking routes; streams do not use them."""

DESCRIPTION = """Kubernetes-style REST API of Treadle (T9k Workflows), with run logs,
actions, volumes, a terminal and event listeners. See docs/api.md."""


def create_app(
    home: Home,
    *,
    host: str = "127.0.0.1",
    token_policy: TokenPolicy = "required",
    allowed_hosts: Iterable[str] = (),
    run_controller: bool = True,
    static_dir: Path | None = None,
) -> FastAPI:
    """The server of `home`, for a socket bound to `host`: it answers to that name,
    `localhost`, this machine's name, IP addresses and `allowed_hosts` (webguard.py).
    `token_policy="none"` serves without tokens. `run_controller=False` serves the
    API without driving runs (tests, or when a separate controller process is wanted).

    `app.state.treadle.auth.admin_token` is what the caller shows the owner
    (`treadle server` prints the console's address with it at every start)."""
    home = home.ensure()
    client = ServerClient(home)
    auth = AuthPolicy.load(home, client.store, token_policy)
    controller = (
        ControllerRunner(lambda: local_manager(client.store, client.runtime, home))
        if run_controller
        else None
    )
    return _assemble(home, client, auth, controller, host, allowed_hosts, static_dir)


def create_cluster_app(
    kubeconfig: str | Path | None,
    *,
    host: str = "127.0.0.1",
    token_policy: TokenPolicy = "required",
    allowed_hosts: Iterable[str] = (),
    run_controller: bool = True,
    platform_kinds: bool = False,
    allow_host_path: bool = False,
    static_dir: Path | None = None,
) -> FastAPI:
    """The server of the Kubernetes cluster of `kubeconfig` (None: in-cluster, else
    the default kubeconfig), as `create_app` serves a data directory. Its store is
    the cluster's API server, its tokens are the cluster's Secrets (tokens.py);
    with `run_controller` it runs the cluster's controller (`kube_manager`, with
    Treadle's operators of the platform's kinds when `platform_kinds`), which
    drives while it holds the cluster's lease and stands by while another does.
    Raises BadRequest naming the kubeconfig when it cannot be used, StorageError
    when the cluster cannot be reached."""
    from ..kube.home import kube_manager
    from .cluster import KubeServerClient

    client = KubeServerClient.connect(kubeconfig, Policy(allow_host_path=allow_host_path))
    try:
        auth = AuthPolicy.for_cluster(client.store, token_policy)
    except BaseException:
        client.close()
        raise

    def manager() -> Manager:
        return kube_manager(
            kubeconfig, platform_kinds=platform_kinds, allow_host_path=allow_host_path
        )

    controller = ControllerRunner(manager) if run_controller else None
    return _assemble(None, client, auth, controller, host, allowed_hosts, static_dir)


def _assemble(
    home: Home | None,
    client: ServerClient | KubeServerClient,
    auth: AuthPolicy,
    controller: ControllerRunner | None,
    host: str,
    allowed_hosts: Iterable[str],
    static_dir: Path | None,
) -> FastAPI:
    hosts = HostPolicy.for_bind(host, allowed_hosts)

    def controller_numbers() -> tuple[bool, int, int, float]:
        if controller is None:
            return False, 0, 0, 0.0
        done, seconds = controller.reconcile_totals()
        return controller.state == "running", controller.queue_depth(), done, seconds

    metrics = Metrics(client.store, controller_numbers)
    console = Console(static_dir or STATIC_DIR)
    state = ServerState(
        home=home,
        client=client,
        auth=auth,
        metrics=metrics,
        controller=controller,
        static_dir=console.root,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        limiter = anyio.to_thread.current_default_thread_limiter()
        limiter.total_tokens = max(limiter.total_tokens, THREADPOOL_SIZE)
        if controller is not None:
            await run_in_threadpool(controller.start)
        metrics.start()
        try:
            yield
        finally:
            state.closing.set()
            await run_in_threadpool(_stop, state)

    app = FastAPI(
        title="Treadle",
        version=version(),
        description=DESCRIPTION,
        lifespan=lifespan,
        default_response_class=JSONResponse,
        strict_content_type=False,
    )
    app.state.treadle = state
    install_error_handlers(app, console.not_found)
    install_openapi(app)
    for router in (
        ops_router,
        namespaces_router,
        runs_router,
        object_logs_router,  # after runs_router: a run's own logs route comes first
        terminal_router,
        volumes_router,
        triggers_router,
        resources_router(),
    ):
        app.include_router(router)
    # Added last = outermost: metrics also count the requests auth turns away, and
    # the web checks come before the token, so a rebound name learns nothing. Object
    # bodies are read only once the token has been accepted.
    app.add_middleware(ObjectBodies)
    app.add_middleware(AuthMiddleware, policy=auth)
    app.add_middleware(WebGuard, hosts=hosts)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    return app


def _stop(state: ServerState) -> None:
    if state.controller is not None:
        state.controller.stop()
    state.metrics.stop()
    state.client.close()


__all__ = ["create_app", "create_cluster_app"]
