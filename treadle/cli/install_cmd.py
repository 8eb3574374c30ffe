"""`treadle install --kube`: install Treadle into a Kubernetes cluster (the CRDs,
RBAC, the controller, server and admission webhook), or print what it installs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from ..errors import BadRequest, TreadleError
from ..kube.manifests import DEFAULT_IMAGE
from .app import app, err, handles_errors, out
from .state import options

if TYPE_CHECKING:
    from ..kube.manifests import InstallOptions


@app.command("install")
@handles_errors
def install_command(
    kube: Annotated[
        bool, typer.Option("--kube", help="Install into the Kubernetes cluster of --kubeconfig")
    ] = False,
    kubeconfig: Annotated[
        str | None,
        typer.Option(
            "--kubeconfig",
            help="The cluster's kubeconfig [env: TREADLE_KUBECONFIG; default: "
            "in-cluster, or kubectl's]",
        ),
    ] = None,
    platform_kinds: Annotated[
        bool,
        typer.Option(
            "--platform-kinds",
            help="Also install the T9k jobs' and SimpleMLService's CRDs and run Treadle's "
            "operators for them (a cluster without the platform's own)",
        ),
    ] = False,
    webhook_url: Annotated[
        str | None,
        typer.Option(
            "--webhook-url",
            help="Register the admission webhook at this https URL (one running outside "
            "the cluster) instead of its in-cluster Service",
        ),
    ] = None,
    image: Annotated[
        str, typer.Option("--image", help="Treadle's container image (built from this repository)")
    ] = DEFAULT_IMAGE,
    print_only: Annotated[
        bool, typer.Option("--print", help="Write the manifests to stdout; change nothing")
    ] = False,
    no_deployments: Annotated[
        bool,
        typer.Option(
            "--no-deployments",
            help="CRDs, RBAC and the webhook's registration only (controller and webhook "
            "run outside the cluster)",
        ),
    ] = False,
    timeout: Annotated[
        float, typer.Option("--timeout", help="Seconds to wait for the CRDs to be Established")
    ] = 60.0,
) -> None:
    """Install Treadle into a Kubernetes cluster; running it again updates what
    differs and leaves the rest alone."""
    from ..kube.manifests import InstallOptions

    if not kube:
        raise BadRequest("say where to install: --kube (a Kubernetes cluster)")
    if no_deployments and webhook_url is None:
        # Without its Deployment the webhook's Service answers nobody, and the
        # registration fails closed: every write of the kinds would be refused.
        raise BadRequest(
            "--no-deployments runs the admission webhook outside the cluster: "
            "give its address with --webhook-url https://HOST:PORT/validate"
        )
    if webhook_url is not None and not webhook_url.startswith("https://"):
        raise BadRequest(f'--webhook-url "{webhook_url}": the API server calls webhooks over https')
    settings = InstallOptions(
        image=image,
        platform_kinds=platform_kinds,
        webhook_url=webhook_url,
        deployments=not no_deployments,
    )
    if print_only:
        from ..kube.manifests import render

        print(render(settings), end="")
        if no_deployments:
            err.print(
                "note: the webhook's certificates are made per installation: "
                "`treadle webhook certs --out DIR` makes them and registers their CA"
            )
        return
    _install(kubeconfig or options.kubeconfig, settings, timeout)


def _install(kubeconfig: str | None, settings: InstallOptions, timeout: float) -> None:
    from ..kube.connect import api_client
    from ..kube.install import describe, install

    try:
        api = api_client(kubeconfig)
    except BadRequest as exc:
        # The cluster cannot be used: a failure of the install (1), not of its usage.
        raise TreadleError(str(exc)) from None
    try:
        outcomes = install(
            api,
            settings,
            lambda obj, outcome: out.print(f"{describe(obj)} {outcome}", markup=False),
            timeout=timeout,
        )
    finally:
        api.close()
    changed = sum(o != "unchanged" for o in outcomes)
    if changed:
        out.print(f"installed: {changed} of {len(outcomes)} objects created or updated")
    else:
        out.print(f"nothing to change: all {len(outcomes)} objects are as installed")
