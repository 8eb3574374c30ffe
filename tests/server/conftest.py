"""Real servers for the API tests: uvicorn on a free loopback port, in a thread, over a
temporary data directory; httpx talks to them over TCP.

One server with a controller serves the whole test run (runs need one); each test
works in a namespace of its own, so tests do not see each other's objects. Tests
that need another configuration (no controller, other names) start their own.

Every server requires a token, as a real one does: `Served.client()` carries the
admin token its data directory holds (the owner's clients read it from there),
`Served.anonymous()` carries none.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from treadle.config import Home
from treadle.server import create_app
from treadle.server.serve import TreadleServer, make_server
from treadle.server.state import ServerState
from treadle.server.tokens import load_admin_token

# Nothing in these tests may start a controller process of its own.
os.environ["TREADLE_NO_AUTOSTART"] = "1"

GV = "batch.tensorstack.dev/v1beta1"
WF = f"/apis/{GV}"
FINAL = ("Succeeded", "Failed")


@dataclass
class Served:
    url: str
    home: Home
    app: FastAPI
    server: TreadleServer

    @property
    def state(self) -> ServerState:
        state: ServerState = self.app.state.treadle
        return state

    @property
    def token(self) -> str:
        """The admin token, as the owner's clients read it: from the data directory."""
        token = load_admin_token(self.home)
        assert token, "the server made no admin token"
        return token

    def client(self, token: str | None = None) -> httpx.Client:
        """A client with `token`, by default the admin's."""
        headers = {"Authorization": f"Bearer {token or self.token}"}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def anonymous(self) -> httpx.Client:
        """A client that sends no token, as a stray process or web page would."""
        return httpx.Client(base_url=self.url, timeout=30)


@contextmanager
def serve(root: Path, **options: Any) -> Iterator[Served]:
    """A server over data directory `root` until the block ends."""
    home = Home(root)
    app = create_app(home, host="127.0.0.1", **options)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = make_server(app, "127.0.0.1", port, log_level="warning")
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield Served(f"http://127.0.0.1:{port}", home, app, server)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The server of the whole test run, with a controller."""
    with serve(tmp_path_factory.mktemp("server-home")) as s:
        yield s


@pytest.fixture
def http(served: Served) -> Iterator[httpx.Client]:
    with served.client() as c:
        yield c


@pytest.fixture
def ns() -> str:
    """A namespace of this test's own."""
    return f"t-{uuid.uuid4().hex[:10]}"


def template(name: str, command: list[str], *, kind: str = "pod") -> dict[str, Any]:
    container = {"name": "main", "image": "busybox", "command": command}
    spec: dict[str, Any]
    if kind == "pod":
        spec = {"pod": {"containers": [container]}}
    else:
        spec = {"seqPod": {"steps": [container]}}
    return {"apiVersion": GV, "kind": "WorkflowTemplate", "metadata": {"name": name}, "spec": spec}


def run_of(template_name: str, name: str | None = None) -> dict[str, Any]:
    meta = {"name": name} if name else {"generateName": f"{template_name}-"}
    return {
        "apiVersion": GV,
        "kind": "WorkflowRun",
        "metadata": meta,
        "spec": {"workflowTemplateRef": template_name},
    }


def start_run(http: httpx.Client, ns: str, command: list[str], name: str = "run") -> str:
    """Create a template with one container running `command` and a run of it."""
    r = http.post(f"{WF}/namespaces/{ns}/workflowtemplates", json=template(name, command))
    assert r.status_code == 201, r.text
    r = http.post(f"{WF}/namespaces/{ns}/workflowruns", json=run_of(name, name))
    assert r.status_code == 201, r.text
    return name


def wait_for(
    http: httpx.Client,
    ns: str,
    name: str,
    done: Callable[[dict[str, Any]], bool] = lambda r: (
        (r.get("status") or {}).get("phase") in FINAL
    ),
    timeout: float = 60,
) -> dict[str, Any]:
    """Poll the run until `done(run)` (default: finished)."""
    deadline = time.monotonic() + timeout
    while True:
        run = http.get(f"{WF}/namespaces/{ns}/workflowruns/{name}").json()
        if done(run):
            return run
        if time.monotonic() > deadline:
            raise AssertionError(f"run {ns}/{name} not done after {timeout}s: {run.get('status')}")
        time.sleep(0.05)


def step_running(run: dict[str, Any]) -> bool:
    return any(s.get("phase") == "Running" for s in (run.get("status") or {}).get("steps") or [])
