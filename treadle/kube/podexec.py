"""A command in a pod's container through the cluster's API (`pods/exec`), as
`kubectl exec` runs one: a WebSocket to the API server, which proxies it to the
pod's kubelet; the streams are its channels (`v4.channel.k8s.io`: a byte naming
the channel before each message's data; 0 stdin, 1 stdout, 2 stderr, 3 the
command's status, 4 terminal sizes).

The connection is the store's (`Transport`): the official client's configuration
gives the address, credentials (refreshed as it refreshes them), CA and client
certificate, and its default headers, impersonation included. The official
client's own `stream()` passes on only the Authorization header, so it would exec
as the kubeconfig's user rather than the one impersonated; and it reports a refused
upgrade as a string. Here the framing is the `websockets` library's and a refusal
is the error its Status stands for.

One thread may read while others write, resize or close.
"""

from __future__ import annotations

import json
import ssl
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from kubernetes.client import Configuration
from kubernetes.client.rest import should_bypass_proxies
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Subprotocol

from ..errors import BadRequest, StorageError, TreadleError
from .transport import Transport, decode_status, status_error

STDIN, STDOUT, STDERR, ERROR, RESIZE = range(5)
SUBPROTOCOL = "v4.channel.k8s.io"
OPEN_SECONDS = 30.0
CLOSE_SECONDS = 5.0
MAX_MESSAGE = 4 * 1024 * 1024


@dataclass(frozen=True)
class Output:
    channel: int
    """STDOUT or STDERR (a terminal's output is all on STDOUT)."""
    data: bytes


def exit_code_of(status: dict[str, Any]) -> int | None:
    """The exit code a v1 Status of the status channel reports: 0 for Success, the
    `ExitCode` cause of a NonZeroExitCode; None when the command did not run."""
    if status.get("status") == "Success":
        return 0
    if status.get("reason") == "NonZeroExitCode":
        for cause in (status.get("details") or {}).get("causes") or []:
            if cause.get("reason") == "ExitCode":
                try:
                    return int(cause.get("message"))
                except (TypeError, ValueError):
                    return None
    return None


def _ssl_context(cfg: Configuration) -> ssl.SSLContext:
    """TLS as the official client's REST calls make it (rest.py's pool arguments)."""
    if cfg.verify_ssl:
        context = ssl.create_default_context(cafile=cfg.ssl_ca_cert, cadata=cfg.ca_cert_data)
        if cfg.assert_hostname is False:
            context.check_hostname = False
    else:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if cfg.cert_file:
        context.load_cert_chain(cfg.cert_file, cfg.key_file)
    # Under TLS 1.3 the API server sends session tickets after the handshake: the
    # socket turns readable with no data, and the WebSocket's reader thread sits
    # inside OpenSSL's read (which closing the socket does not wake) while the
    # request is written from another thread. Seen as an upgrade never answered and
    # an open that hung past its timeout. TLS 1.2 sends nothing unasked.
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    return context


class PodExec:
    """One command running in a container; its output is read with `read`."""

    def __init__(self, conn: ClientConnection, what: str) -> None:
        self._conn = conn
        self.what = what
        self.status: dict[str, Any] | None = None
        """How the command ended (a v1 Status), once the status channel said."""
        self._ended = False
        self._send_lock = threading.Lock()

    @classmethod
    def open(
        cls,
        transport: Transport,
        namespace: str,
        pod: str,
        container: str,
        command: list[str],
        *,
        tty: bool = False,
        stdin: bool = False,
        stdout: bool = True,
        stderr: bool = True,
        timeout: float = OPEN_SECONDS,
    ) -> PodExec:
        """Start `command` in the container. Raises NotFound, BadRequest, Forbidden …
        as the API server (or the kubelet) refuses; StorageError when it cannot be
        reached."""
        what = f'container "{container}" of pod "{namespace}/{pod}"'
        if not command:
            raise BadRequest(f"{what}: exec needs a command")
        query = [("command", word) for word in command] + [
            ("container", container),
            ("stdin", str(stdin).lower()),
            ("stdout", str(stdout).lower()),
            ("stderr", str(stderr and not tty).lower()),
            ("tty", str(tty).lower()),
        ]
        api = transport.api
        cfg: Configuration = api.configuration
        path = f"/api/v1/namespaces/{quote(namespace)}/pods/{quote(pod)}/exec"
        _, url, headers, _, _ = api.param_serialize(
            "GET", path, query_params=query, header_params={}, auth_settings=["BearerToken"]
        )
        headers = dict(headers)
        agent = headers.pop("User-Agent", None)
        proxy = (
            cfg.proxy
            if cfg.proxy and not should_bypass_proxies(cfg.host, cfg.no_proxy or "")
            else None
        )
        secure = url.startswith("https://")
        try:
            conn = connect(
                "ws" + url.removeprefix("http"),
                ssl=_ssl_context(cfg) if secure else None,
                server_hostname=(cfg.tls_server_name or None) if secure else None,
                subprotocols=[Subprotocol(SUBPROTOCOL)],
                additional_headers=headers,
                user_agent_header=agent,
                compression=None,
                proxy=proxy,
                open_timeout=timeout,
                ping_interval=None,
                close_timeout=CLOSE_SECONDS,
                max_size=MAX_MESSAGE,
                legacy=True,  # the connection is this object's to close
            )
        except InvalidStatus as exc:
            code = exc.response.status_code
            raise status_error(code, decode_status(code, bytes(exc.response.body))) from None
        except (InvalidHandshake, OSError, TimeoutError, ssl.SSLError) as exc:
            raise StorageError(
                f"{what}: exec: cannot reach the API server at {transport.server}: {exc}"
            ) from None
        return cls(conn, what)

    # -- reading ---------------------------------------------------------------------

    def read(self, timeout: float | None = None) -> Output | None:
        """The next output of the command; None once the session has ended (then see
        `exit_code`). Raises TimeoutError when nothing came within `timeout` seconds."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self._ended:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                message = self._conn.recv(left, decode=False)
            except ConnectionClosed:
                self._ended = True
                break
            if not message:
                continue
            channel, data = message[0], message[1:]
            if channel == ERROR:
                self._status(data)
            elif channel in (STDOUT, STDERR) and data:
                return Output(channel, data)
        return None

    def _status(self, data: bytes) -> None:
        try:
            doc = json.loads(data)
        except ValueError:
            doc = None
        if isinstance(doc, dict):
            self.status = doc
        elif data:  # not JSON: a kubelet of an older protocol sends a failure's text
            self.status = {"status": "Failure", "message": data.decode(errors="replace")}

    @property
    def ended(self) -> bool:
        return self._ended

    @property
    def exit_code(self) -> int | None:
        """The command's exit code once it is known; None while it runs, or when it
        could not be run (see `error`)."""
        return exit_code_of(self.status) if self.status is not None else None

    @property
    def error(self) -> str | None:
        """Why the command did not run, or did not report how it ended."""
        if self.status is not None and self.exit_code is None:
            return str(self.status.get("message") or "the command did not run")
        if self._ended and self.status is None:
            return f"{self.what}: the connection ended before the command did"
        return None

    # -- writing ---------------------------------------------------------------------

    def write(self, data: bytes) -> None:
        """Send `data` to the command's stdin; dropped once the session has ended."""
        self._send(bytes([STDIN]) + data)

    def resize(self, cols: int, rows: int) -> None:
        """Size the command's terminal (with `tty`)."""
        size = json.dumps({"Width": max(1, cols), "Height": max(1, rows)})
        self._send(bytes([RESIZE]) + size.encode())

    def _send(self, message: bytes) -> None:
        try:
            with self._send_lock:
                self._conn.send(message)
        except ConnectionClosed:
            pass

    def close(self) -> None:
        """End the session: the kubelet hangs the command up."""
        try:
            self._conn.close()
        except (ConnectionClosed, OSError, TreadleError):
            pass

    def __enter__(self) -> PodExec:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
