"""A terminal in a running step: `GET …/workflowruns/{name}/exec?step=S` (WebSocket).

A shell runs inside the step's sandbox, working dir and environment, on a terminal
of its own, and is joined to the WebSocket: binary frames carry the terminal's bytes
both ways, a text frame `{"resize": [cols, rows]}` resizes it. Optional `cols` and
`rows` query parameters give the first size. Serving a data directory, the runtime
says how to run the shell (`Runtime.exec`) and it runs here on a new pseudo
terminal; serving a cluster, it runs in the step's pod through the cluster's
`pods/exec` (kube/podexec.py), on its node. The browser sees the same either way.

When the step cannot be entered (no such run or step, not running) the socket is
accepted, one text frame carries the Status, and it closes with code 4000 + the
HTTP status (4404, 4400 …): browsers cannot read the body of a refused handshake.
The shell is hung up when the socket closes, and the socket closes (1000) when the
shell exits or the server shuts down.

A shell is the owner's power over the machine (or the cluster's pod), so who may
open one is settled before the handshake reaches this module: a token that may
write the run's namespace (auth.py), a name the server answers to, and an Origin
that is this server's own pages or none at all (webguard.py). Another page's
handshake is refused with 403.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from fastapi import APIRouter, WebSocket
from starlette.concurrency import run_in_threadpool
from starlette.websockets import WebSocketDisconnect

from ..api.objects import GROUP_VERSION
from ..client.runlogs import LogSource, log_sources
from ..errors import BadRequest, NotFound, TreadleError
from ..runtime import ptys
from ..store.base import Obj, Store
from .logstream import wanted
from .runs import RUN_PATH
from .state import ServerState, server_state
from .status import error_body

if TYPE_CHECKING:
    from ..kube.podexec import PodExec

SHELL = [
    "/bin/sh",
    "-c",
    'export TERM="${TERM:-xterm-256color}"; '
    "if command -v bash >/dev/null 2>&1; then exec bash -i; else exec sh -i; fi",
]
_READ_SIZE = 65536

router = APIRouter(tags=["workflowruns"])

Output = asyncio.Queue[bytes | None]
"""The shell's output as it comes; None once it has ended."""


class Shell(Protocol):
    def start(self, loop: asyncio.AbstractEventLoop, output: Output) -> None:
        """Start putting the shell's output on `output`."""
        ...

    async def write(self, data: bytes) -> None: ...

    async def resize(self, cols: int, rows: int) -> None: ...

    async def hang_up(self) -> None:
        """End the shell (if it still runs) and let go of what it holds."""
        ...


# -- which step ------------------------------------------------------------------------


def _entered(
    store: Store, name: str, run: Obj, step: str | None, running: Callable[[LogSource], bool]
) -> LogSource:
    """The first of the run's containers that `step` names (every one, without it)
    that is `running`. Raises BadRequest saying there is none."""
    candidates = [s for s in log_sources(store, run) if wanted(s, step)]
    for source in candidates:
        if running(source):
            return source
    what = f'step "{step}"' if step else "no step"
    if step and not candidates:
        raise BadRequest(f'WorkflowRun "{name}" has no step "{step}"')
    raise BadRequest(f'{what} of WorkflowRun "{name}" is running; a terminal needs a running step')


def exec_argv(state: ServerState, namespace: str, name: str, step: str | None) -> list[str]:
    """The argv of a shell in the step (the first running one when `step` is None or
    names several), on this machine's runtime. Raises NotFound, BadRequest."""
    run = state.store.get(GROUP_VERSION, "WorkflowRun", namespace, name)
    runtime = state.client.runtime

    def running(source: LogSource) -> bool:
        observed = runtime.observe(source.pod_uid)
        return observed is not None and any(
            c.name == source.container and c.state == "running"
            for c in observed.init_containers + observed.containers
        )

    source = _entered(state.store, name, run, step, running)
    return runtime.exec(source.pod_uid, source.container, SHELL)


def pod_container_running(store: Store, source: LogSource) -> bool:
    """Whether the cluster says the source's container is running in its pod."""
    namespace, pod = source.pod
    try:
        obj = store.get("v1", "Pod", namespace, pod)
    except NotFound:
        return False
    if obj["metadata"].get("uid") != source.pod_uid or obj["metadata"].get("deletionTimestamp"):
        return False
    status = obj.get("status") or {}
    return any(
        s.get("name") == source.container and "running" in (s.get("state") or {})
        for key in ("initContainerStatuses", "containerStatuses")
        for s in status.get(key) or []
    )


# -- a shell on this machine -----------------------------------------------------------


class LocalShell:
    """A shell on a pseudo terminal of this machine."""

    def __init__(self, master: int, proc: subprocess.Popen[bytes]) -> None:
        self.master = master
        self.proc = proc
        self._loop: asyncio.AbstractEventLoop | None = None

    @classmethod
    def open(
        cls, state: ServerState, namespace: str, name: str, step: str | None, cols: int, rows: int
    ) -> LocalShell:
        return cls(*ptys.spawn(exec_argv(state, namespace, name, step), cols, rows))

    def start(self, loop: asyncio.AbstractEventLoop, output: Output) -> None:
        self._loop = loop
        os.set_blocking(self.master, False)

        def readable() -> None:
            try:
                data = os.read(self.master, _READ_SIZE)
            except BlockingIOError:
                return
            except OSError:  # EIO: every holder of the terminal's other end is gone
                data = b""
            if not data:
                loop.remove_reader(self.master)
            output.put_nowait(data or None)

        loop.add_reader(self.master, readable)

    async def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                written = os.write(self.master, view)
            except BlockingIOError:
                await asyncio.sleep(0.01)  # the shell is not reading: wait, do not drop
                continue
            except OSError:
                return
            view = view[written:]

    async def resize(self, cols: int, rows: int) -> None:
        with contextlib.suppress(OSError):
            ptys.set_size(self.master, cols, rows)

    async def hang_up(self) -> None:
        """Close the terminal and SIGHUP the shell's process group (SIGKILL if it
        lingers)."""
        if self._loop is not None:
            self._loop.remove_reader(self.master)
        with contextlib.suppress(OSError):
            os.close(self.master)
        await run_in_threadpool(ptys.hang_up, self.proc)


# -- a shell in a cluster's pod --------------------------------------------------------


class PodShell:
    """A shell in a pod's container, through the cluster's `pods/exec`."""

    def __init__(self, session: PodExec) -> None:
        self.session = session
        self._reader: threading.Thread | None = None

    @classmethod
    def open(
        cls, state: ServerState, namespace: str, name: str, step: str | None, cols: int, rows: int
    ) -> PodShell:
        """Raises NotFound, BadRequest (no running step), and what the cluster says
        when it refuses the exec (Forbidden, …)."""
        from ..kube.client import KubeClient
        from ..kube.podexec import PodExec

        client = state.client
        assert isinstance(client, KubeClient)
        store = client.store
        run = store.get(GROUP_VERSION, "WorkflowRun", namespace, name)
        source = _entered(store, name, run, step, lambda s: pod_container_running(store, s))
        pod_namespace, pod = source.pod
        session = PodExec.open(
            store.transport,
            pod_namespace,
            pod,
            source.container,
            SHELL,
            tty=True,
            stdin=True,
            stdout=True,
            stderr=False,
        )
        session.resize(cols, rows)
        return cls(session)

    def start(self, loop: asyncio.AbstractEventLoop, output: Output) -> None:
        def put(data: bytes | None) -> None:
            with contextlib.suppress(RuntimeError):  # the loop is closed: nobody reads
                loop.call_soon_threadsafe(output.put_nowait, data)

        def read() -> None:
            try:
                while (chunk := self.session.read()) is not None:
                    put(chunk.data)
                if self.session.error and self.session.status is not None:
                    put(f"\r\n{self.session.error}\r\n".encode())
            finally:
                put(None)

        self._reader = threading.Thread(target=read, name="treadle-pod-terminal", daemon=True)
        self._reader.start()

    async def write(self, data: bytes) -> None:
        await run_in_threadpool(self.session.write, data)

    async def resize(self, cols: int, rows: int) -> None:
        await run_in_threadpool(self.session.resize, cols, rows)

    async def hang_up(self) -> None:
        """Close the session: the pod's node hangs the shell up."""
        await run_in_threadpool(self.session.close)


# -- the route ---------------------------------------------------------------------------


@router.websocket(RUN_PATH + "/exec")
async def terminal(
    websocket: WebSocket,
    namespace: str,
    name: str,
    step: str | None = None,
    cols: int = 80,
    rows: int = 24,
) -> None:
    state = server_state(websocket)
    opener = PodShell.open if state.mode == "kubernetes" else LocalShell.open
    try:
        shell: Shell = await run_in_threadpool(opener, state, namespace, name, step, cols, rows)
    except TreadleError as exc:
        await websocket.accept()
        await websocket.send_text(json.dumps(error_body(exc)))
        await websocket.close(code=4000 + exc.http_status)
        return
    try:
        await websocket.accept()
        await _bridge(websocket, shell, state)
    finally:
        await shell.hang_up()


async def _bridge(websocket: WebSocket, shell: Shell, state: ServerState) -> None:
    output: Output = asyncio.Queue()
    shell.start(asyncio.get_running_loop(), output)

    async def to_client() -> None:
        while (data := await output.get()) is not None:
            await websocket.send_bytes(data)
        await websocket.close(code=1000)

    async def from_client() -> None:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            if message.get("bytes"):
                await shell.write(message["bytes"])
            elif message.get("text"):
                size = _resize(message["text"])
                if size is not None:
                    await shell.resize(*size)

    async def shutdown() -> None:
        while not state.closing.is_set():
            await asyncio.sleep(0.5)
        with contextlib.suppress(RuntimeError):
            await websocket.close(code=1001)

    tasks = [asyncio.create_task(t()) for t in (to_client, from_client, shutdown)]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
                await task


def _resize(text: str) -> tuple[int, int] | None:
    """A text frame: `{"resize": [cols, rows]}`; anything else is ignored (None)."""
    try:
        cols, rows = json.loads(text)["resize"]
        return int(cols), int(rows)
    except (ValueError, TypeError, KeyError):
        return None


__all__ = ["SHELL", "exec_argv", "router"]
