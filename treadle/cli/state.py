"""Global options (`--home`, `--server`, `--token`) and the client they select."""

from __future__ import annotations

import os
from dataclasses import dataclass

from ..client.base import Client
from ..client.http import is_loopback_url
from ..config import SERVER_ENV, Home, resolve_home


@dataclass
class Options:
    home: str | None = None
    server: str | None = None
    token: str | None = None
    kubeconfig: str | None = None


options = Options()
_client: Client | None = None


def client() -> Client:
    """The client for this invocation: HTTP when a server is named, Kubernetes when
    a kubeconfig is, else embedded."""
    global _client
    if _client is None:
        server = options.server or os.environ.get(SERVER_ENV)
        if server:
            from ..client.http import HttpClient

            _client = HttpClient(server, token=server_token(server))
        elif options.kubeconfig:
            from ..kube.client import KubeClient

            _client = KubeClient.from_kubeconfig(options.kubeconfig)
        else:
            from ..client.embedded import EmbeddedClient

            _client = EmbeddedClient(resolve_home(options.home))
    return _client


def server_token(server: str) -> str | None:
    """The token for `server`: `--token` / TREADLE_TOKEN, else, for a server on this
    machine, the admin token of the data directory (`--home` / TREADLE_HOME / the
    default), as the owner's own server keeps it there. It is never sent to another
    machine."""
    if options.token:
        return options.token
    if not is_loopback_url(server):
        return None
    return admin_token_of(resolve_home(options.home))


def admin_token_of(home: Home) -> str | None:
    # Read here rather than through treadle.server.tokens, which would import the
    # whole server (FastAPI) into every CLI command.
    try:
        return home.token_file.read_text().strip() or None
    except OSError:
        return None
