"""The terminal WebSocket: a real shell in a running step, joined to the socket."""

from __future__ import annotations

import json

import httpx
import pytest
import websockets.sync.client
from websockets.exceptions import ConnectionClosed, ConnectionClosedOK

from tests.support import read_until

from .conftest import WF, Served, start_run, step_running, wait_for


def exec_url(served: Served, ns: str, name: str, **query: str) -> str:
    """The terminal's address with the admin token in it, as the console opens it."""
    params = "&".join(f"{k}={v}" for k, v in {**query, "token": served.token}.items())
    return (
        served.url.replace("http://", "ws://") + f"{WF}/namespaces/{ns}/workflowruns/"
        f"{name}/exec?{params}"
    )


@pytest.fixture
def sleeping(http: httpx.Client, ns: str) -> str:
    name = start_run(http, ns, ["sleep", "120"])
    wait_for(http, ns, name, step_running)
    return name


def test_terminal_runs_commands_in_the_step(
    served: Served, ns: str, sleeping: str, http: httpx.Client
) -> None:
    with websockets.sync.client.connect(exec_url(served, ns, sleeping, step="main")) as ws:
        ws.send(b"echo $((6*7))x\n")
        read_until(ws, b"42x")
    http.post(f"{WF}/namespaces/{ns}/workflowruns/{sleeping}/stop")


def test_terminal_resizes_on_a_resize_frame(
    served: Served, ns: str, sleeping: str, http: httpx.Client
) -> None:
    with websockets.sync.client.connect(exec_url(served, ns, sleeping)) as ws:
        ws.send(json.dumps({"resize": [123, 45]}))
        ws.send(b"stty size\n")
        read_until(ws, b"45 123")
    http.post(f"{WF}/namespaces/{ns}/workflowruns/{sleeping}/stop")


def test_socket_closes_normally_when_the_shell_exits(
    served: Served, ns: str, sleeping: str, http: httpx.Client
) -> None:
    with websockets.sync.client.connect(exec_url(served, ns, sleeping)) as ws:
        ws.send(b"exit\n")
        with pytest.raises(ConnectionClosedOK):
            while True:
                ws.recv(timeout=15)
    http.post(f"{WF}/namespaces/{ns}/workflowruns/{sleeping}/stop")


def test_terminal_into_a_finished_run_closes_with_a_status(
    served: Served, ns: str, http: httpx.Client
) -> None:
    name = start_run(http, ns, ["true"])
    wait_for(http, ns, name)
    with websockets.sync.client.connect(exec_url(served, ns, name)) as ws:
        status = json.loads(ws.recv(timeout=15))
        assert status["kind"] == "Status" and status["code"] == 400
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=15)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4400


def test_terminal_into_an_unknown_run_closes_4404(served: Served, ns: str) -> None:
    with websockets.sync.client.connect(exec_url(served, ns, "ghost")) as ws:
        assert json.loads(ws.recv(timeout=15))["code"] == 404
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=15)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4404
