"""Global options (`--home`, `--server`) and the client they select."""

from __future__ import annotations

import os
from dataclasses import dataclass

from ..client.base import Client
from ..config import SERVER_ENV, resolve_home


@dataclass
class Options:
    home: str | None = None
    server: str | None = None
    token: str | None = None


options = Options()
_client: Client | None = None


def client() -> Client:
    """The client for this invocation: HTTP when a server is named, else embedded."""
    global _client
    if _client is None:
        server = options.server or os.environ.get(SERVER_ENV)
        if server:
            from ..client.http import HttpClient

            _client = HttpClient(server, token=options.token)
        else:
            from ..client.embedded import EmbeddedClient

            _client = EmbeddedClient(resolve_home(options.home))
    return _client
