"""`pods/exec` on this node: a command run inside a running container's sandbox,
its streams over a WebSocket.

The API server checks the caller's right to `pods/exec`, then proxies the
upgraded connection to `/exec/{namespace}/{pod}/{container}?command=…&input=1&
output=1&error=1&tty=1` on the pod's node, as it does for a kubelet. The command
runs the way the embedded console's terminal runs its shell (`Runtime.exec`): with
the container's environment and working dir, in its mount and pid namespaces. With
`tty=1` it gets a terminal of its own, which the resize channel sizes; else pipes.
The streams are channels of one WebSocket (channels.py); when the command ends, its
exit status goes on the status channel and the socket closes. A client that goes
away hangs the command up.

Only WebSocket clients are served: SPDY, the upgrade kubectl 1.20 asks for, is
answered with a 400 that says so. `attach` is refused the same way: a container
here runs with no stdin and no terminal to attach to.
"""

from __future__ import annotations

import contextlib
import logging
import os
import selectors
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import Message
from typing import Any
from urllib.parse import parse_qs

from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request
from websockets.protocol import Protocol, Side, State
from websockets.server import ServerProtocol
from websockets.sync.connection import Connection

from ..errors import BadRequest, NotFound
from ..runtime import ptys
from ..runtime.base import Runtime
from ..store.base import Store
from . import channels
from .channels import Subprotocol
from .podcontainers import node_pod

log = logging.getLogger("treadle.kubenode")

READ_SIZE = 65536
DRAIN_SECONDS = 1.0
"""After the command ends, how long what it wrote may still come (a child it left
behind can hold its output open for ever)."""
CLOSE_SECONDS = 5.0
WRITE_POLL = 0.5
"""Seconds between looks at the session while the command does not read its stdin."""
MAX_MESSAGE = 4 * 1024 * 1024

SPDY_REFUSED = (
    "this node serves exec over WebSocket only (subprotocols "
    + ", ".join(channels.SUBPROTOCOLS)
    + "); SPDY, which kubectl asks for, is not supported: use a WebSocket client, "
    "such as the stream() of the Kubernetes client libraries"
)
ATTACH_REFUSED = (
    "attach is not supported on this node: its containers run without stdin or a terminal; use exec"
)


def _flag(values: Mapping[str, list[str]], name: str) -> bool:
    value = (values.get(name) or ["0"])[-1].lower()
    if value not in ("1", "0", "true", "false", ""):
        raise BadRequest(f'{name}: "{value}" is not 1 or 0')
    return value in ("1", "true")


@dataclass(frozen=True)
class ExecOptions:
    command: list[str]
    stdin: bool
    stdout: bool
    stderr: bool
    tty: bool

    @classmethod
    def parse(cls, query: str) -> ExecOptions:
        """As a kubelet reads them from the API server: `command` once per word,
        `input`, `output`, `error` and `tty` for the streams wanted (`stdin`,
        `stdout`, `stderr` of `pods/exec`); a terminal carries stderr on stdout, so
        `error` is dropped with `tty`. Raises BadRequest."""
        values = parse_qs(query, keep_blank_values=True)
        command = values.get("command") or []
        if not command or not command[0]:
            raise BadRequest("command: you must specify at least 1 command")
        tty = _flag(values, "tty")
        options = cls(
            command=command,
            stdin=_flag(values, "input"),
            stdout=_flag(values, "output"),
            stderr=_flag(values, "error") and not tty,
            tty=tty,
        )
        if not (options.stdin or options.stdout or options.stderr):
            raise BadRequest("you must specify at least 1 of stdin, stdout, stderr")
        return options


class ExecTarget:
    """How to run a command in a container of this node: the pod in the store, its
    unit in the runtime."""

    def __init__(self, store: Store, runtime: Runtime, node_name: str) -> None:
        self.store = store
        self.runtime = runtime
        self.node_name = node_name

    def argv(self, namespace: str, pod: str, container: str, command: list[str]) -> list[str]:
        """Raises NotFound (no such pod here, no such container), BadRequest (the
        container is not running)."""
        obj = node_pod(self.store, self.node_name, namespace, pod, container)
        uid = obj["metadata"]["uid"]
        what = f'container "{container}" in pod "{namespace}/{pod}"'
        try:
            return self.runtime.exec(uid, container, command)
        except NotFound:
            raise BadRequest(f"{what} is waiting to start") from None
        except BadRequest:
            observed = self.runtime.observe(uid)
            states = observed.init_containers + observed.containers if observed else []
            if any(s.name == container and s.state == "waiting" for s in states):
                raise BadRequest(f"{what} is waiting to start") from None
            raise BadRequest(f"{what} is not running") from None


def handshake(path: str, headers: Message) -> tuple[Subprotocol, bytes]:
    """Accept a WebSocket upgrade request: the subprotocol agreed on and the bytes
    of the 101 response. Raises BadRequest for anything but a WebSocket upgrade
    this node can speak."""
    upgrade = (headers.get("Upgrade") or "").strip().lower()
    if upgrade.startswith("spdy"):
        raise BadRequest(SPDY_REFUSED)
    if upgrade != "websocket":
        raise BadRequest("Upgrade request required (a WebSocket, subprotocol channel.k8s.io)")
    offered = channels.offered_subprotocols(headers.get_all("Sec-WebSocket-Protocol") or [])
    chosen = channels.negotiate(offered)
    if chosen is None:
        raise BadRequest(
            f"requested protocol(s) are not supported: {offered}; "
            f"supports {list(channels.SUBPROTOCOLS)}"
        )
    answer: Any = chosen.name if offered else None
    # The HTTP server has read the request: the handshake's protocol only answers it.
    response = ServerProtocol(select_subprotocol=lambda _p, _o: answer).accept(
        Request(path, Headers(headers.items()))
    )
    if response.status_code != 101:
        raise BadRequest(f"WebSocket handshake refused: {response.body.decode(errors='replace')}")
    return chosen, response.serialize()


class ExecSession:
    """One command and the WebSocket its streams go over."""

    def __init__(
        self, conn: Connection, protocol: Subprotocol, options: ExecOptions, argv: list[str]
    ) -> None:
        self.conn = conn
        self.protocol = protocol
        self.options = options
        self.argv = argv
        self._proc: subprocess.Popen[bytes] | None = None
        self._over = threading.Event()
        """Set once the command has ended or the client has gone."""
        self._send_lock = threading.Lock()

    def run(self) -> None:
        """Run the command until it ends or the client goes; then report and close."""
        try:
            proc, stdin, outputs, terminal = self._start()
        except OSError as exc:
            self.refuse(f"cannot run {self.options.command[0]!r}: {exc}")
            return
        self._proc = proc
        wake_r, wake_w = os.pipe()
        pump = threading.Thread(target=self._pump, args=(outputs, wake_r), daemon=True)
        receiver = threading.Thread(target=self._receive, args=(stdin, terminal), daemon=True)
        try:
            self._announce()
            pump.start()
            receiver.start()
            code = ptys.exit_code(proc.wait())
            self._over.set()
            pump.join(DRAIN_SECONDS)
            os.write(wake_w, b"x")  # what is left after the drain time is dropped
            pump.join()
            self._report(channels.exited(code))
            self._close()
            receiver.join(CLOSE_SECONDS)
        finally:
            self._over.set()
            if proc.poll() is None:
                ptys.hang_up(proc)
            for fd in {*outputs, *(f for f in (stdin, terminal) if f is not None), wake_r, wake_w}:
                with contextlib.suppress(OSError):
                    os.close(fd)

    def hang_up(self) -> None:
        """End the command (the node is stopping): SIGHUP now, as a closing terminal
        does; the session then reports and closes as when it exits."""
        proc = self._proc
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGHUP)

    def wait(self, timeout: float) -> None:
        """Wait up to `timeout` seconds for the command to end."""
        proc = self._proc
        if proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout)

    def refuse(self, message: str) -> None:
        """Report that the command was not run, and close."""
        self._report(channels.internal_error(message))
        self._close()

    def kill(self) -> None:
        proc = self._proc
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)

    # -- the command -----------------------------------------------------------------

    def _start(self) -> tuple[subprocess.Popen[bytes], int | None, dict[int, int], int | None]:
        """The process, the fd its stdin is written to, its output fds by channel, and
        its terminal's (with `tty`)."""
        o = self.options
        if o.tty:
            master, proc = ptys.spawn(self.argv)
            os.set_blocking(master, False)
            return proc, master if o.stdin else None, {master: channels.STDOUT}, master
        pipe, null = subprocess.PIPE, subprocess.DEVNULL
        proc = subprocess.Popen(
            self.argv,
            stdin=pipe if o.stdin else null,
            stdout=pipe if o.stdout else null,
            stderr=pipe if o.stderr else null,
            close_fds=True,
            start_new_session=True,  # so that hanging up reaches what it started
        )
        stdin = None
        if proc.stdin is not None:
            stdin = os.dup(proc.stdin.fileno())
            proc.stdin.close()
            os.set_blocking(stdin, False)
        outputs: dict[int, int] = {}
        for stream, channel in ((proc.stdout, channels.STDOUT), (proc.stderr, channels.STDERR)):
            if stream is not None:
                outputs[os.dup(stream.fileno())] = channel
                stream.close()
        return proc, stdin, outputs, None

    def _pump(self, outputs: dict[int, int], wake: int) -> None:
        """Send what the command writes, until every output is at its end or `wake`."""
        with selectors.DefaultSelector() as selector:
            for fd, channel in outputs.items():
                selector.register(fd, selectors.EVENT_READ, channel)
            selector.register(wake, selectors.EVENT_READ, None)
            left = len(outputs)
            while left:
                for key, _ in selector.select():
                    if key.data is None:
                        return
                    try:
                        data = os.read(key.fd, READ_SIZE)
                    except BlockingIOError:
                        continue
                    except OSError:  # EIO: the terminal's every other holder is gone
                        data = b""
                    if not data:
                        selector.unregister(key.fd)
                        left -= 1
                    elif not self._send(key.data, data):
                        return

    def _receive(self, stdin: int | None, terminal: int | None) -> None:
        """The client's messages: stdin for the command, sizes for its terminal. When
        the client goes, the command is hung up."""
        sizes = channels.ResizeReader()
        try:
            while True:
                decoded = channels.decode(self.protocol, self.conn.recv(decode=False))
                if decoded is None:
                    continue
                channel, data = decoded
                if channel == channels.STDIN and stdin is not None and data:
                    written = self._write_all(stdin, data)
                    if written is None:
                        return
                    if not written:
                        stdin = None  # the command closed its stdin: the rest is dropped
                elif channel == channels.RESIZE and terminal is not None:
                    for cols, rows in sizes.feed(data):
                        with contextlib.suppress(OSError):
                            ptys.set_size(terminal, cols, rows)
        except ConnectionClosed:
            pass
        finally:
            if not self._over.is_set() and self._proc is not None:
                self._over.set()
                ptys.hang_up(self._proc)

    def _write_all(self, fd: int, data: bytes) -> bool | None:
        """Write all of `data` to the command's stdin, waiting while it does not read.
        False when its stdin is closed; None when the session ended meanwhile."""
        view = memoryview(data)
        while view:
            try:
                view = view[os.write(fd, view) :]
            except BlockingIOError:
                with selectors.DefaultSelector() as selector:
                    selector.register(fd, selectors.EVENT_WRITE)
                    selector.select(WRITE_POLL)
                if self._over.is_set() or self.conn.state is State.CLOSED:
                    return None
            except OSError:  # EPIPE; EIO from a terminal nobody holds any more
                return False
        return True

    # -- the socket ------------------------------------------------------------------

    def _announce(self) -> None:
        """An empty message on the first channel the client reads, which is how a
        kubelet says the streams are open."""
        o = self.options
        first = channels.STDOUT if o.stdout or o.tty else channels.STDERR if o.stderr else None
        self._send(first if first is not None else channels.ERROR, b"")

    def _send(self, channel: int, data: bytes) -> bool:
        try:
            with self._send_lock:
                self.conn.send(channels.encode(self.protocol, channel, data))
            return True
        except ConnectionClosed:
            return False

    def _report(self, status: dict[str, Any]) -> None:
        message = channels.status_message(self.protocol, status)
        if message is not None:
            self._send(channels.ERROR, message)

    def _close(self) -> None:
        with contextlib.suppress(ConnectionClosed, OSError):
            self.conn.close()


class Sessions:
    """The sessions in progress, so that a stopping node ends their commands."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._sessions: set[ExecSession] = set()
        self._closed = False

    def run(self, session: ExecSession) -> None:
        with self._changed:
            if self._closed:
                session.refuse("the node is stopping")
                return
            self._sessions.add(session)
        try:
            session.run()
        finally:
            with self._changed:
                self._sessions.discard(session)
                self._changed.notify_all()

    def close(self, wait: float = ptys.HANG_UP_SECONDS) -> None:
        """Hang up every command, kill what still runs after `wait` seconds, and
        give the sessions time to tell their clients how the commands ended."""
        with self._changed:
            self._closed = True
            sessions = list(self._sessions)
        for s in sessions:
            s.hang_up()
        deadline = time.monotonic() + wait
        for s in sessions:
            s.wait(max(0.0, deadline - time.monotonic()))
            s.kill()
        with self._changed:
            self._changed.wait_for(lambda: not self._sessions, DRAIN_SECONDS + CLOSE_SECONDS)


def serve(
    sock: socket.socket,
    path: str,
    headers: Message,
    options: ExecOptions,
    argv: list[str],
    sessions: Sessions,
) -> None:
    """Upgrade the request on `sock` and run the session on it. Raises BadRequest
    (before anything is written) when the upgrade cannot be accepted."""
    subprotocol, response = handshake(path, headers)
    sock.sendall(response)
    # The client sends nothing before it has the 101 (RFC 6455 §4.1), so nothing of
    # the WebSocket is in the HTTP server's read buffer: the socket has it all. The
    # connection starts open, past the handshake.
    frames = Protocol(Side.SERVER, max_size=MAX_MESSAGE)
    conn = Connection(sock, frames, ping_interval=None, close_timeout=CLOSE_SECONDS)
    try:
        sessions.run(ExecSession(conn, subprotocol, options, argv))
    finally:
        conn.close_socket()
