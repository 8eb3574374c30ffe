"""The console's terminal on a cluster: `treadle server --kube` joins the browser's
WebSocket to `pods/exec` of the step's pod (kube/podexec.py), which the API server
proxies to the test node; and that client on its own, as the server uses it."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator

import pytest
import websockets.sync.client
from websockets.exceptions import ConnectionClosed, ConnectionClosedOK

from tests.kube.node_fixture import await_object
from tests.kube.server_fixture import KubeServer, start_server
from tests.kube.sleeping_run import NOTE, SleepingRun, start_sleeping_run, stop_run, wait_for_note
from tests.kube.workflow_fixture import API, Controller, finished, kubectl_apply
from tests.kube_cluster import KubeCluster
from tests.support import read_until
from treadle.errors import BadRequest, Forbidden, NotFound
from treadle.kube.connect import api_client
from treadle.kube.podexec import STDERR, STDOUT, PodExec, exit_code_of
from treadle.kube.store import KubeStore

READ_SECONDS = 60.0


@pytest.fixture(scope="module")
def sleeping(kube_cluster: KubeCluster, kube_treadle: Controller) -> Iterator[SleepingRun]:
    run = start_sleeping_run(kube_cluster, "terminal")
    try:
        yield run
    finally:
        stop_run(kube_cluster, run)


@pytest.fixture(scope="module")
def store(kube_cluster: KubeCluster) -> Iterator[KubeStore]:
    s = KubeStore.from_kubeconfig(kube_cluster.kubeconfig)
    try:
        yield s
    finally:
        s.close()


def _read_all(session: PodExec) -> dict[int, bytes]:
    out = {STDOUT: b"", STDERR: b""}
    deadline = time.monotonic() + READ_SECONDS
    while (chunk := session.read(max(0.0, deadline - time.monotonic()))) is not None:
        out[chunk.channel] += chunk.data
    return out


def _read_until(session: PodExec, marker: bytes) -> bytes:
    seen = b""
    deadline = time.monotonic() + READ_SECONDS
    while marker not in seen:
        chunk = session.read(max(0.0, deadline - time.monotonic()))
        assert chunk is not None, f"ended before {marker!r}; got {seen!r}"
        seen += chunk.data
    return seen


# -- the client ------------------------------------------------------------------------


def test_exit_codes_are_read_from_the_status_the_kubelet_sends() -> None:
    assert exit_code_of({"metadata": {}, "status": "Success"}) == 0
    failure = {
        "status": "Failure",
        "reason": "NonZeroExitCode",
        "details": {"causes": [{"reason": "ExitCode", "message": "7"}]},
    }
    assert exit_code_of(failure) == 7
    assert exit_code_of({"status": "Failure", "reason": "InternalError"}) is None


def test_podexec_reads_a_commands_output_and_exit_code(
    store: KubeStore, sleeping: SleepingRun
) -> None:
    command = ["sh", "-c", f"echo $((6*7)); echo oops >&2; {wait_for_note()[-1]}; exit 4"]
    with PodExec.open(
        store.transport, sleeping.namespace, sleeping.pod, sleeping.container, command
    ) as session:
        out = _read_all(session)
    assert out == {STDOUT: f"42\n{NOTE}".encode(), STDERR: b"oops\n"}
    assert session.exit_code == 4


def test_podexec_writes_to_a_terminal_it_sizes(store: KubeStore, sleeping: SleepingRun) -> None:
    with PodExec.open(
        store.transport,
        sleeping.namespace,
        sleeping.pod,
        sleeping.container,
        ["sh", "-c", "read go; stty size"],
        tty=True,
        stdin=True,
        stderr=False,
    ) as session:
        session.resize(101, 33)
        session.write(b"go\n")
        assert _read_until(session, b"33 101\r\n")
        assert session.read(READ_SECONDS) is None
    assert session.exit_code == 0


def test_podexec_says_which_pod_the_cluster_does_not_have(
    store: KubeStore, sleeping: SleepingRun
) -> None:
    with pytest.raises(NotFound, match='pods "ghost" not found'):
        PodExec.open(store.transport, sleeping.namespace, "ghost", "main", ["true"])


def test_podexec_says_the_container_is_not_the_pods(
    store: KubeStore, sleeping: SleepingRun
) -> None:
    with pytest.raises(BadRequest, match="container nope is not valid"):
        PodExec.open(store.transport, sleeping.namespace, sleeping.pod, "nope", ["true"])


def test_podexec_execs_as_the_user_its_connection_impersonates(
    kube_cluster: KubeCluster, sleeping: SleepingRun
) -> None:
    account = f"system:serviceaccount:{sleeping.namespace}:default"
    as_account = KubeStore(api_client(kube_cluster.kubeconfig, impersonate=account))
    try:
        with pytest.raises(Forbidden, match=f'User "{account}" cannot .* "pods/exec"'):
            PodExec.open(as_account.transport, sleeping.namespace, sleeping.pod, "main", ["true"])
    finally:
        as_account.close()


# -- the server's terminal -------------------------------------------------------------


@pytest.fixture(scope="module")
def kube_server(
    kube_cluster: KubeCluster, kube_treadle: Controller, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[KubeServer]:
    """The server of the session's cluster; the session's controller drives."""
    server = start_server(
        kube_cluster, tmp_path_factory.mktemp("terminal-server") / "log", "--no-controller"
    )
    try:
        yield server
    finally:
        server.stop()


def exec_url(server: KubeServer, ns: str, name: str, **query: str) -> str:
    """The terminal's address with the admin token in it, as the console opens it."""
    params = "&".join(f"{k}={v}" for k, v in {**query, "token": server.token}.items())
    return (
        server.url.replace("http://", "ws://")
        + f"/apis/{API}/namespaces/{ns}/workflowruns/{name}/exec?{params}"
    )


def test_the_terminal_runs_commands_in_the_steps_pod(
    kube_server: KubeServer, sleeping: SleepingRun
) -> None:
    url = exec_url(kube_server, sleeping.namespace, sleeping.run, step="main")
    with websockets.sync.client.connect(url) as ws:
        ws.send(b"echo $((6*7))x; cat /t9k/results/note; echo\n")
        read_until(ws, b"42x", READ_SECONDS)
        read_until(ws, NOTE.encode(), READ_SECONDS)


def test_the_terminal_resizes_on_a_resize_frame(
    kube_server: KubeServer, sleeping: SleepingRun
) -> None:
    with websockets.sync.client.connect(
        exec_url(kube_server, sleeping.namespace, sleeping.run)
    ) as ws:
        ws.send(json.dumps({"resize": [123, 45]}))
        ws.send(b"stty size\n")
        read_until(ws, b"45 123", READ_SECONDS)


def test_the_first_size_comes_from_the_query(
    kube_server: KubeServer, sleeping: SleepingRun
) -> None:
    url = exec_url(kube_server, sleeping.namespace, sleeping.run, cols="99", rows="31")
    with websockets.sync.client.connect(url) as ws:
        ws.send(b"stty size\n")
        read_until(ws, b"31 99", READ_SECONDS)


def test_the_socket_closes_normally_when_the_shell_exits(
    kube_server: KubeServer, sleeping: SleepingRun
) -> None:
    with websockets.sync.client.connect(
        exec_url(kube_server, sleeping.namespace, sleeping.run)
    ) as ws:
        ws.send(b"exit\n")
        with pytest.raises(ConnectionClosedOK) as closed:
            while True:
                ws.recv(timeout=READ_SECONDS)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1000


def _refusal(url: str) -> tuple[dict[str, object], int]:
    with websockets.sync.client.connect(url) as ws:
        status = json.loads(ws.recv(timeout=READ_SECONDS))
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=READ_SECONDS)
    assert closed.value.rcvd is not None
    return status, closed.value.rcvd.code


def test_a_terminal_into_a_finished_run_closes_4400_with_a_status(
    kube_cluster: KubeCluster, kube_server: KubeServer, sleeping: SleepingRun
) -> None:
    ns = sleeping.namespace
    name = f"ended-{uuid.uuid4().hex[:6]}"
    run = {
        "apiVersion": API,
        "kind": "WorkflowRun",
        "metadata": {"name": name},
        "spec": {
            "workflowTemplateSpec": {
                "type": "Pod",
                "pod": {"containers": [{"name": "main", "image": "ubuntu", "command": ["true"]}]},
            }
        },
    }
    kubectl_apply(kube_cluster, ns, run)
    await_object(kube_cluster, API, "WorkflowRun", ns, name, finished)
    status, code = _refusal(exec_url(kube_server, ns, name))
    assert status["kind"] == "Status" and status["code"] == 400
    assert "a terminal needs a running step" in str(status["message"])
    assert code == 4400


def test_a_terminal_into_a_step_the_run_lacks_closes_4400(
    kube_server: KubeServer, sleeping: SleepingRun
) -> None:
    status, code = _refusal(exec_url(kube_server, sleeping.namespace, sleeping.run, step="nope"))
    assert status["message"] == f'WorkflowRun "{sleeping.run}" has no step "nope"'
    assert code == 4400


def test_a_terminal_into_an_unknown_run_closes_4404(
    kube_server: KubeServer, sleeping: SleepingRun
) -> None:
    status, code = _refusal(exec_url(kube_server, sleeping.namespace, "ghost"))
    assert status["code"] == 404
    assert code == 4404
