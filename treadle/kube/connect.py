"""A connection to a cluster's API server, as kubectl makes one: from a kubeconfig
file (its current context, or a named one), or from inside a pod (the service
account's token), optionally impersonating a user."""

from __future__ import annotations

import os
from pathlib import Path

from kubernetes import config as kube_config
from kubernetes.client import ApiClient, Configuration
from kubernetes.config.config_exception import ConfigException

from ..errors import BadRequest

POOL_SIZE = 64
"""Connections kept open to the API server: every watch holds one for as long as
it follows, and a controller follows a dozen kinds while it writes."""


def in_cluster() -> bool:
    """Whether this process runs in a pod with a service account mounted."""
    return bool(os.environ.get("KUBERNETES_SERVICE_HOST"))


def configuration(kubeconfig: str | Path | None, *, context: str | None = None) -> Configuration:
    """The client configuration of `kubeconfig`; None or "": in-cluster when in a
    pod, else the default kubeconfig (KUBECONFIG, ~/.kube/config) as kubectl reads
    it. Raises BadRequest naming the file when it cannot be used."""
    cfg = Configuration()
    try:
        if not kubeconfig and in_cluster():
            kube_config.load_incluster_config(client_configuration=cfg)
        else:
            path = str(kubeconfig) if kubeconfig else None
            kube_config.load_kube_config(
                config_file=path,
                context=context,
                client_configuration=cfg,
                persist_config=False,
            )
    except (ConfigException, OSError, ValueError, TypeError) as exc:
        where = str(kubeconfig) if kubeconfig else "the default kubeconfig"
        raise BadRequest(f"cannot connect with {where}: {exc}") from None
    cfg.connection_pool_maxsize = POOL_SIZE
    # The proxy the environment named at load, kept: the client sets the host again
    # before every request (its token refresh hook), and would read the whole
    # environment each time to choose the proxy anew (a third of a request's CPU).
    cfg.proxy = cfg.proxy
    return cfg


def api_client(
    kubeconfig: str | Path | None,
    *,
    context: str | None = None,
    impersonate: str | None = None,
) -> ApiClient:
    """A client of the API server of `kubeconfig`. With `impersonate`, every request
    is made as that user (`system:serviceaccount:NS:NAME` for a service account),
    which the kubeconfig's own user must be allowed to do."""
    client = ApiClient(configuration(kubeconfig, context=context))
    if impersonate:
        client.set_default_header("Impersonate-User", impersonate)
    return client
