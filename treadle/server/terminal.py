"""A terminal in a running step: `GET …/workflowruns/{name}/exec?step=S` (WebSocket).

The runtime says how to run a command inside the step's sandbox, working dir and
environment (`Runtime.exec`); this module runs a shell that way on a new pseudo
terminal and joins it to the WebSocket: binary frames carry the terminal's bytes
both ways, a text frame `{"resize": [cols, rows]}` resizes it. Optional `cols` and
`rows` query parameters give the first size.

When the step cannot be entered (no such run or step, not running) the socket is
accepted, one text frame carries the Status, and it closes with code 4000 + the
HTTP status (4404, 4400 …): browsers cannot read the body of a refused handshake.
The shell is hung up when the socket closes, and the socket closes (1000) when the
shell exits or the server shuts down.

A shell is the owner's power over the machine, so who may open one is settled before
the handshake reaches this module: a token that may write the run's namespace
(auth.py), a name the server answers to, and an Origin that is this server's own
pages or none at all (webguard.py). Another page's handshake is refused with 403.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import pty
import signal
import struct
import subprocess
import sys
import termios

from fastapi import APIRouter, WebSocket
from starlette.concurrency import run_in_threadpool
from starlette.websockets import WebSocketDisconnect

from ..api.objects import GROUP_VERSION
from ..client.runlogs import log_sources
from ..errors import BadRequest, TreadleError
from .logstream import wanted
from .runs import RUN_PATH
from .state import ServerState, server_state
from .status import error_body

SHELL = [
    "/bin/sh",
    "-c",
    'export TERM="${TERM:-xterm-256color}"; '
    "if command -v bash >/dev/null 2>&1; then exec bash -i; else exec sh -i; fi",
]
# Makes the pty the shell's controlling terminal (job control, ^C) without a
# preexec_fn, which is unsafe in a process with threads.
_CONTROLLING_TTY = (
    "import fcntl, os, sys, termios; os.setsid(); "
    "fcntl.ioctl(0, termios.TIOCSCTTY, 0); os.execvp(sys.argv[1], sys.argv[1:])"
)
_READ_SIZE = 65536

router = APIRouter(tags=["workflowruns"])


def exec_argv(state: ServerState, namespace: str, name: str, step: str | None) -> list[str]:
    """The argv of a shell in the step (the first running one when `step` is None or
    names several). Raises NotFound, BadRequest."""
    run = state.store.get(GROUP_VERSION, "WorkflowRun", namespace, name)
    runtime = state.client.runtime
    candidates = [s for s in log_sources(state.store, run) if wanted(s, step)]
    for source in candidates:
        observed = runtime.observe(source.pod_uid)
        if observed is None:
            continue
        for container in observed.init_containers + observed.containers:
            if container.name == source.container and container.state == "running":
                return runtime.exec(source.pod_uid, source.container, SHELL)
    what = f'step "{step}"' if step else "no step"
    if step and not candidates:
        raise BadRequest(f'WorkflowRun "{name}" has no step "{step}"')
    raise BadRequest(f'{what} of WorkflowRun "{name}" is running; a terminal needs a running step')


def _set_size(fd: int, cols: int, rows: int) -> None:
    cols, rows = max(1, min(cols, 1000)), max(1, min(rows, 1000))
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


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
    try:
        argv = await run_in_threadpool(exec_argv, state, namespace, name, step)
    except TreadleError as exc:
        await websocket.accept()
        await websocket.send_text(json.dumps(error_body(exc)))
        await websocket.close(code=4000 + exc.http_status)
        return
    master, proc = await run_in_threadpool(_spawn, argv, cols, rows)
    await websocket.accept()
    try:
        await _bridge(websocket, master, state)
    finally:
        await _hang_up(proc, master)


def _spawn(argv: list[str], cols: int, rows: int) -> tuple[int, subprocess.Popen[bytes]]:
    """`argv` on a new pseudo terminal of that size, as its controlling terminal."""
    master, slave = pty.openpty()
    _set_size(master, cols, rows)
    try:
        proc = subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", _CONTROLLING_TTY, *argv],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            close_fds=True,
        )
    except BaseException:
        os.close(master)
        raise
    finally:
        os.close(slave)
    return master, proc


async def _bridge(websocket: WebSocket, master: int, state: ServerState) -> None:
    loop = asyncio.get_running_loop()
    output: asyncio.Queue[bytes | None] = asyncio.Queue()
    os.set_blocking(master, False)

    def readable() -> None:
        try:
            data = os.read(master, _READ_SIZE)
        except BlockingIOError:
            return
        except OSError:  # EIO: every holder of the terminal's other end is gone
            data = b""
        if not data:
            loop.remove_reader(master)
        output.put_nowait(data or None)

    loop.add_reader(master, readable)

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
                await _write_all(master, message["bytes"])
            elif message.get("text"):
                _control(master, message["text"])

    async def shutdown() -> None:
        while not state.closing.is_set():
            await asyncio.sleep(0.5)
        with contextlib.suppress(RuntimeError):
            await websocket.close(code=1001)

    tasks = [asyncio.create_task(t()) for t in (to_client, from_client, shutdown)]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        loop.remove_reader(master)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
                await task


def _control(master: int, text: str) -> None:
    """A text frame: `{"resize": [cols, rows]}`; anything else is ignored."""
    try:
        message = json.loads(text)
        cols, rows = message["resize"]
        _set_size(master, int(cols), int(rows))
    except (ValueError, TypeError, KeyError, OSError):
        pass


async def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        try:
            written = os.write(fd, view)
        except BlockingIOError:
            await asyncio.sleep(0.01)  # the shell is not reading: wait, do not drop
            continue
        except OSError:
            return
        view = view[written:]


async def _hang_up(proc: subprocess.Popen[bytes], master: int) -> None:
    """Hang up the shell (SIGHUP to its process group), SIGKILL if it lingers."""
    with contextlib.suppress(OSError):
        os.close(master)
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGHUP)
    try:
        await run_in_threadpool(proc.wait, 2.0)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        await run_in_threadpool(proc.wait)


__all__ = ["SHELL", "exec_argv", "router"]
