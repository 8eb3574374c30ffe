"""What one server holds: the client of what it serves (a data directory's store and
runtime, or a Kubernetes cluster's API server), the controller it drives, its auth
policy and metrics, and the signal that it is shutting down."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from starlette.requests import HTTPConnection

from ..client.embedded import EmbeddedClient
from ..config import Home
from ..store.base import ChangeFeed, Store
from .watchhub import WatchHubs

if TYPE_CHECKING:
    from .auth import AuthPolicy
    from .cluster import KubeServerClient
    from .controller import ControllerRunner
    from .metrics import Metrics

Mode = Literal["embedded", "kubernetes"]


class ServerClient(EmbeddedClient):
    """The embedded client, minus starting controllers: the server drives runs
    itself (or waits for the process that does to go away)."""

    def ensure_controller(self) -> None:
        return None


@dataclass
class ServerState:
    home: Home | None
    """The data directory served; None for a cluster, which has none."""
    client: ServerClient | KubeServerClient
    """`KubeServerClient` (a `KubeClient`) exactly when serving a cluster."""
    auth: AuthPolicy
    metrics: Metrics
    controller: ControllerRunner | None
    static_dir: Path
    closing: threading.Event = field(default_factory=threading.Event)
    """Set when the server starts shutting down: open streams and terminals end."""
    hubs: WatchHubs | None = field(init=False)
    """The shared store watches behind `?watch=true` streams, where the store is a
    ChangeFeed; None on a cluster, whose API server shares its watches itself
    (watch.py)."""

    def __post_init__(self) -> None:
        store = self.client.store
        self.hubs = WatchHubs(store, self.closing) if isinstance(store, ChangeFeed) else None

    @property
    def store(self) -> Store:
        return self.client.store

    @property
    def mode(self) -> Mode:
        return "embedded" if self.home is not None else "kubernetes"

    def controller_state(self) -> str:
        """`running` (this server drives runs), `waiting` (another process does; we
        take over when it stops) or `disabled`."""
        if self.controller is None:
            return "disabled"
        return self.controller.state


def server_state(conn: HTTPConnection) -> ServerState:
    """The dependency every route (and WebSocket) uses to reach the server's state."""
    state: ServerState = conn.app.state.treadle
    return state


__all__ = ["Mode", "ServerClient", "ServerState", "server_state"]
