"""Running the app under uvicorn, with a shutdown that ends open streams first.

uvicorn's graceful shutdown waits for open connections to finish; a watch or a log
follow never does by itself. `TreadleServer` tells the app it is closing as soon
as shutdown starts, so every stream and terminal ends within about a second, and
the controller then stops in the app's lifespan shutdown. SIGINT and SIGTERM both
start this shutdown (uvicorn installs the handlers when run in the main thread), and
the process then exits with status 0.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from types import FrameType

import uvicorn
from fastapi import FastAPI

GRACEFUL_SECONDS = 10


class TreadleServer(uvicorn.Server):
    def __init__(
        self,
        config: uvicorn.Config,
        closing: threading.Event,
        on_started: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(config)
        self._closing = closing
        self._on_started = on_started

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        # Once the socket listens, so that an address printed now can be opened now.
        if self.started and self._on_started is not None:
            self._on_started()

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        # uvicorn re-raises the signal once it has shut down, so the process would
        # end "killed by SIGTERM"; a graceful stop is a normal exit, status 0.
        self._captured_signals.clear()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self._closing.set()
        await super().shutdown(sockets)


def make_server(
    app: FastAPI,
    host: str,
    port: int,
    *,
    log_level: str = "info",
    access_log: bool = False,
    on_started: Callable[[], None] | None = None,
) -> TreadleServer:
    """A server for `app` (made by `create_app`) on host:port; `.run()` serves until
    SIGINT/SIGTERM or `should_exit`, calling `on_started` once it listens."""
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        access_log=access_log,
        timeout_graceful_shutdown=GRACEFUL_SECONDS,
        ws_ping_interval=20.0,
        lifespan="on",
    )
    return TreadleServer(config, app.state.treadle.closing, on_started)


__all__ = ["GRACEFUL_SECONDS", "TreadleServer", "make_server"]
