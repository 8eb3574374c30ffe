"""The part of the kubelet API the API server proxies `pods/log` and `pods/exec`
to: `GET /containerLogs/{namespace}/{pod}/{container}` and the WebSocket upgrade of
`/exec/{namespace}/{pod}/{container}` (remotecommand.py), over HTTPS, for clients
whose certificate the cluster CA signed (the API server's kubelet client
certificate).

The lines are the local runtime's log files of the pod's unit (runtime/logfiles.py),
the same ones `treadle logs` reads in the embedded home. Query parameters as the
kubelet has them: `follow`, `tailLines`, `limitBytes`, `timestamps`, `sinceSeconds`,
`sinceTime`, `previous`. Containers are never restarted here, so there is no
previous container to show.
"""

from __future__ import annotations

import json
import logging
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from ..errors import BadRequest, NotFound, TreadleError
from ..runtime.base import LogLine, Runtime
from ..runtime.unitdir import rfc3339
from ..store.base import Store
from . import remotecommand
from .podcontainers import node_pod
from .remotecommand import ExecOptions, ExecTarget, Sessions

log = logging.getLogger("treadle.kubenode")

CHUNK_BYTES = 64 * 1024
"""Lines of a finished log are sent in chunks of about this size; followed lines
one by one, as they come."""
HANDSHAKE_SECONDS = 10.0


@dataclass(frozen=True)
class TLSFiles:
    cert: Path
    """The node's serving certificate (PEM), for the address the API server dials."""
    key: Path
    client_ca: Path
    """The CA whose signature a client certificate must carry."""

    def server_context(self) -> ssl.SSLContext:
        """Raises TreadleError naming the file that cannot be used."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        try:
            context.load_cert_chain(self.cert, self.key)
        except (OSError, ssl.SSLError) as exc:
            raise TreadleError(
                f"--tls-cert {self.cert} / --tls-key {self.key}: cannot be used: {exc}"
            ) from None
        try:
            context.load_verify_locations(cafile=str(self.client_ca))
        except (OSError, ssl.SSLError) as exc:
            raise TreadleError(f"--client-ca {self.client_ca}: cannot be used: {exc}") from None
        context.verify_mode = ssl.CERT_REQUIRED
        return context


@dataclass(frozen=True)
class LogQuery:
    follow: bool = False
    tail_lines: int | None = None
    limit_bytes: int | None = None
    timestamps: bool = False
    since_time: str | None = None
    previous: bool = False

    @classmethod
    def parse(cls, query: str, now: float) -> LogQuery:
        """Raises BadRequest naming the parameter."""
        values = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}

        def flag(name: str) -> bool:
            value = values.get(name, "false").lower()
            if value not in ("true", "false", "1", "0", ""):
                raise BadRequest(f'{name}: "{value}" is not true or false')
            return value in ("true", "1")

        def number(name: str, least: int) -> int | None:
            if name not in values:
                return None
            try:
                value = int(values[name])
            except ValueError:
                raise BadRequest(f'{name}: "{values[name]}" is not a whole number') from None
            if value < least:
                raise BadRequest(f"{name}: must be at least {least}, got {value}")
            return value

        since_seconds = number("sinceSeconds", 1)
        since_time = values.get("sinceTime") or None
        if since_seconds is not None:
            since_time = rfc3339(now - since_seconds)
        return cls(
            follow=flag("follow"),
            tail_lines=number("tailLines", 0),
            limit_bytes=number("limitBytes", 1),
            timestamps=flag("timestamps"),
            since_time=since_time,
            previous=flag("previous"),
        )


class LogSource:
    """Finds a container's lines: the pod in the store (it must be bound to this
    node), its unit in the runtime."""

    def __init__(self, store: Store, runtime: Runtime, node_name: str) -> None:
        self.store = store
        self.runtime = runtime
        self.node_name = node_name

    def lines(self, namespace: str, pod: str, container: str, q: LogQuery) -> Iterator[LogLine]:
        """Raises NotFound (no such pod here, no such container), BadRequest (the
        container has not started, or there is no previous one)."""
        obj = node_pod(self.store, self.node_name, namespace, pod, container)
        if q.previous:
            raise BadRequest(
                f'previous terminated container "{container}" in pod "{pod}" not found: '
                "containers are not restarted on this node"
            )
        try:
            return self.runtime.logs(
                obj["metadata"]["uid"],
                container,
                follow=q.follow,
                tail_lines=q.tail_lines,
                since_time=q.since_time,
            )
        except NotFound:
            raise BadRequest(
                f'container "{container}" in pod "{pod}" is waiting to start'
            ) from None


class LogServer:
    """Serves container logs and exec on `host:port` (0: any free port; see `port`)."""

    def __init__(
        self, source: LogSource, commands: ExecTarget, tls: TLSFiles, host: str, port: int
    ) -> None:
        context = tls.server_context()
        self.sessions = Sessions()
        handler = type(
            "Handler",
            (_Handler,),
            {"source": source, "commands": commands, "sessions": self.sessions},
        )
        try:
            self._server = ThreadingHTTPServer((host, port), handler)
        except OSError as exc:
            raise TreadleError(
                f"log server: cannot listen on {host}:{port}: {exc.strerror}"
            ) from None
        self._server.daemon_threads = True
        # The handshake happens in each request's thread (`_Handler.setup`): done on
        # accept, one slow client would hold up every other.
        self._server.socket = context.wrap_socket(
            self._server.socket, server_side=True, do_handshake_on_connect=False
        )
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="treadle-log-server", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop accepting and end the commands of exec sessions; log streams in
        flight end with the process (their threads are daemons)."""
        self._server.shutdown()
        self._server.server_close()
        self.sessions.close()


_ROUTES = {
    "containerLogs": "/containerLogs",
    "exec": "/exec (WebSocket)",
    "attach": "/attach (refused)",
}


class _Handler(BaseHTTPRequestHandler):
    source: LogSource
    commands: ExecTarget
    sessions: Sessions
    server_version = "treadle-kube-node"
    # As a kubelet answers; WebSocket clients accept no other for a refused upgrade
    # (every response says `Connection: close`, so nothing is kept alive).
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        self.request.settimeout(HANDSHAKE_SECONDS)
        super().setup()

    def handle(self) -> None:
        try:
            self.request.do_handshake()
        except (ssl.SSLError, OSError) as exc:
            log.info("log server: TLS handshake with %s failed: %s", self.client_address[0], exc)
            return
        self.request.settimeout(None)  # a followed log may be quiet for a long time
        super().handle()

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("log server: %s " + format, self.client_address[0], *args)

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        parts = [unquote(p) for p in url.path.split("/")[1:]]
        if len(parts) != 4 or not all(parts[1:]) or parts[0] not in _ROUTES:
            self._plain(
                404, f"{url.path}: not found (this node serves {', '.join(_ROUTES.values())})"
            )
            return
        route, namespace, pod, container = parts
        if route == "containerLogs":
            self._logs(namespace, pod, container, url.query)
        else:
            self._exec(route, namespace, pod, container, url.query)

    def do_POST(self) -> None:
        """exec and attach are POSTs from kubectl, GETs from most other clients."""
        if urlsplit(self.path).path.split("/")[1:2] == ["containerLogs"]:
            self._plain(405, "containerLogs: method not allowed (use GET)")
            return
        self.do_GET()

    def _logs(self, namespace: str, pod: str, container: str, query: str) -> None:
        try:
            q = LogQuery.parse(query, time.time())
            lines = self.source.lines(namespace, pod, container, q)
        except NotFound as exc:
            self._plain(404, str(exc))
            return
        except BadRequest as exc:
            self._plain(400, str(exc))
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Connection", "close")
        self.end_headers()
        try:
            self._stream(lines, q)
        except (OSError, ssl.SSLError):
            pass  # the client went away (a `kubectl logs -f` ended): so does the stream
        except TreadleError as exc:
            log.warning("log of %s/%s/%s ended: %s", namespace, pod, container, exc)

    def _exec(self, kind: str, namespace: str, pod: str, container: str, query: str) -> None:
        self.close_connection = True  # after a session the socket is the WebSocket's
        try:
            if kind == "attach":
                node_pod(self.source.store, self.source.node_name, namespace, pod, container)
                raise BadRequest(remotecommand.ATTACH_REFUSED)
            options = ExecOptions.parse(query)
            argv = self.commands.argv(namespace, pod, container, options.command)
            log.info("exec in %s/%s/%s", namespace, pod, container)
            remotecommand.serve(self.request, self.path, self.headers, options, argv, self.sessions)
        except NotFound as exc:
            self._status(404, "NotFound", str(exc))
        except BadRequest as exc:
            self._status(400, "BadRequest", str(exc))

    def _status(self, code: int, reason: str, message: str) -> None:
        """A v1 Status, as the API server's clients decode a refused upgrade."""
        body = json.dumps(
            {
                "kind": "Status",
                "apiVersion": "v1",
                "metadata": {},
                "status": "Failure",
                "message": message,
                "reason": reason,
                "code": code,
            }
        ).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def _stream(self, lines: Iterator[LogLine], q: LogQuery) -> None:
        left = q.limit_bytes
        pending: list[bytes] = []
        size = 0
        for line in lines:
            text = f"{line.time} {line.text}\n" if q.timestamps else f"{line.text}\n"
            data = text.encode()
            if left is not None:
                data = data[:left]
                left -= len(data)
            pending.append(data)
            size += len(data)
            if q.follow or size >= CHUNK_BYTES or left == 0:
                self.wfile.write(b"".join(pending))
                pending, size = [], 0
            if left == 0:
                return
        if pending:
            self.wfile.write(b"".join(pending))

    def _plain(self, code: int, message: str) -> None:
        body = (message + "\n").encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
