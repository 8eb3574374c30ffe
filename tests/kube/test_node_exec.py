"""`pods/exec` on the test node: the API server proxies the official client's
`stream()` to the node, which runs the command inside the step's container (its
sandbox, environment and files) and speaks the kubelet's channel protocol back."""

from __future__ import annotations

import json
import os
import select
import ssl
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client
from kubernetes.stream import stream

from tests.kube.node_fixture import (
    KubeNode,
    api,
    await_pod,
    namespace_for_pods,
    processes_with,
    start_node,
    stop_node_process,
)
from tests.kube.sleeping_run import (
    NOTE,
    SleepingRun,
    container_running,
    start_sleeping_run,
    stop_run,
    wait_for_note,
)
from tests.kube.workflow_fixture import Controller
from tests.kube_cluster import KubeCluster
from treadle.errors import BadRequest
from treadle.kubenode import channels
from treadle.kubenode.remotecommand import ExecOptions

READ_SECONDS = 60.0

# -- the protocol, as plain values -----------------------------------------------------


def test_the_clients_first_known_subprotocol_is_chosen() -> None:
    offered = channels.offered_subprotocols(["v5.channel.k8s.io, v4.channel.k8s.io", "x"])
    assert offered == ["v5.channel.k8s.io", "v4.channel.k8s.io", "x"]
    chosen = channels.negotiate(offered)
    assert chosen is not None and chosen.name == "v4.channel.k8s.io"


def test_no_subprotocol_offered_is_the_plain_channel_protocol() -> None:
    assert channels.negotiate([]) == channels.SUBPROTOCOLS["channel.k8s.io"]
    assert channels.negotiate(["v5.channel.k8s.io"]) is None


def test_base64_channels_put_the_channel_as_a_digit_before_the_data() -> None:
    protocol = channels.SUBPROTOCOLS["v4.base64.channel.k8s.io"]
    assert channels.encode(protocol, channels.STDOUT, b"hi\n") == "1aGkK"
    assert channels.decode(protocol, "0aGkK") == (channels.STDIN, b"hi\n")
    assert channels.decode(protocol, "0not base64!") is None


def test_binary_channels_put_the_channel_in_the_first_byte() -> None:
    protocol = channels.SUBPROTOCOLS["v4.channel.k8s.io"]
    assert channels.encode(protocol, channels.STDERR, b"x") == b"\x02x"
    assert channels.decode(protocol, b"\x00ls\n") == (channels.STDIN, b"ls\n")
    assert channels.decode(protocol, b"") is None


def test_a_non_zero_exit_is_a_status_with_the_code_in_its_exit_code_cause() -> None:
    status = channels.exited(3)
    assert status["reason"] == "NonZeroExitCode"
    assert status["details"]["causes"] == [{"reason": "ExitCode", "message": "3"}]
    assert channels.exited(0) == {"metadata": {}, "status": "Success"}


def test_older_protocols_report_only_a_failures_message() -> None:
    plain = channels.SUBPROTOCOLS["channel.k8s.io"]
    assert channels.status_message(plain, channels.exited(0)) is None
    assert channels.status_message(plain, channels.exited(2)) == (
        b"command terminated with non-zero exit code: exit status 2"
    )
    v4 = channels.SUBPROTOCOLS["v4.channel.k8s.io"]
    assert json.loads(channels.status_message(v4, channels.exited(0)) or b"") == {
        "metadata": {},
        "status": "Success",
    }


def test_sizes_split_across_or_joined_in_messages_are_all_read() -> None:
    reader = channels.ResizeReader()
    assert reader.feed(b'{"Width":80,') == []
    assert reader.feed(b'"Height":24}{"Width":100,"Height":30}') == [(80, 24), (100, 30)]
    assert reader.feed(b'{"Width":0,"Height":5}') == []


def test_exec_options_are_the_api_servers_names_for_the_streams() -> None:
    options = ExecOptions.parse("command=sh&command=-c&command=ls&input=1&output=1&error=1")
    assert options == ExecOptions(
        ["sh", "-c", "ls"], stdin=True, stdout=True, stderr=True, tty=False
    )
    # A terminal carries stderr on stdout.
    assert not ExecOptions.parse("command=sh&output=1&error=1&tty=1").stderr


def test_exec_options_need_a_command_and_a_stream() -> None:
    with pytest.raises(BadRequest, match="at least 1 command"):
        ExecOptions.parse("output=1")
    with pytest.raises(BadRequest, match="at least 1 of stdin, stdout, stderr"):
        ExecOptions.parse("command=ls")


# -- on the cluster --------------------------------------------------------------------


@pytest.fixture(scope="module")
def sleeping(kube_cluster: KubeCluster, kube_treadle: Controller) -> Iterator[SleepingRun]:
    run = start_sleeping_run(kube_cluster, "node-exec")
    try:
        yield run
    finally:
        stop_run(kube_cluster, run)


@pytest.fixture
def core(kube_cluster: KubeCluster) -> Iterator[client.CoreV1Api]:
    with api(kube_cluster) as c:
        yield client.CoreV1Api(c)


def _exec(core: client.CoreV1Api, run: SleepingRun, command: list[str], **streams: bool) -> Any:
    """An exec session of the official client (its WSClient), not yet read."""
    options = {"stdin": False, "stdout": True, "stderr": True, "tty": False, **streams}
    return stream(
        core.connect_get_namespaced_pod_exec,
        run.pod,
        run.namespace,
        container=run.container,
        command=command,
        _preload_content=False,
        **options,
    )


def _finish(session: Any) -> None:
    session.run_forever(timeout=READ_SECONDS)
    assert not session.is_open(), f"still running after {READ_SECONDS:g} s"


def test_a_command_runs_in_the_steps_container_and_reports_success(
    core: client.CoreV1Api, sleeping: SleepingRun
) -> None:
    session = _exec(core, sleeping, ["sh", "-c", f"echo $((6*7)); {wait_for_note()[-1]}"])
    _finish(session)
    assert session.read_stdout() == f"42\n{NOTE}"
    assert session.returncode == 0


def test_the_commands_exit_code_comes_back(core: client.CoreV1Api, sleeping: SleepingRun) -> None:
    session = _exec(core, sleeping, ["sh", "-c", "exit 3"])
    _finish(session)
    assert session.returncode == 3


def test_stderr_comes_on_its_own_channel(core: client.CoreV1Api, sleeping: SleepingRun) -> None:
    session = _exec(core, sleeping, ["sh", "-c", "echo out; echo oops >&2"])
    _finish(session)
    assert session.read_stdout() == "out\n"
    assert session.read_stderr() == "oops\n"


def test_stdin_reaches_the_command(core: client.CoreV1Api, sleeping: SleepingRun) -> None:
    session = _exec(core, sleeping, ["head", "-n", "1"], stdin=True)
    session.write_stdin("hello there\n")
    _finish(session)
    assert session.read_stdout() == "hello there\n"
    assert session.returncode == 0


def test_a_terminal_has_the_size_the_resize_channel_gives(
    core: client.CoreV1Api, sleeping: SleepingRun
) -> None:
    session = _exec(core, sleeping, ["sh", "-c", "read go; stty size"], stdin=True, tty=True)
    session.write_channel(channels.RESIZE, json.dumps({"Width": 123, "Height": 45}))
    session.write_stdin("go\n")  # read after the resize, so stty sees it
    _finish(session)
    assert session.read_stdout().endswith("45 123\r\n")
    assert session.returncode == 0


def test_closing_the_session_hangs_the_command_up(
    core: client.CoreV1Api, sleeping: SleepingRun
) -> None:
    marker = f"marker-{uuid.uuid4().hex}"
    session = _exec(core, sleeping, ["sh", "-c", f"echo started; sleep 900; : {marker}"])
    assert session.readline_stdout(timeout=READ_SECONDS) == "started"
    pids = processes_with(marker)
    assert pids
    waiters = [os.pidfd_open(pid) for pid in pids]
    try:
        session.close()
        deadline = time.monotonic() + READ_SECONDS
        for fd in waiters:  # readable once the process has ended
            ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
            assert ready, "the command outlived its session"
    finally:
        for fd in waiters:
            os.close(fd)


@pytest.mark.timeout(300)
def test_a_stopping_node_hangs_up_its_exec_sessions(
    kube_cluster: KubeCluster, kube_node: KubeNode, core: client.CoreV1Api, tmp_path: Path
) -> None:
    node = start_node(kube_cluster, tmp_path / "node", name=f"exec-stop-{uuid.uuid4().hex[:6]}")
    ns = namespace_for_pods(kube_cluster, f"node-exec-stop-{uuid.uuid4().hex[:6]}")
    gate = tmp_path / "gate"
    gate.mkdir()
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "waits"},
        "spec": {
            "nodeName": node.name,
            "restartPolicy": "Never",
            "containers": [
                {
                    "name": "main",
                    "image": "busybox",
                    "command": ["sh", "-c", "while [ ! -e /gate/open ]; do sleep 0.05; done"],
                    "volumeMounts": [{"name": "gate", "mountPath": "/gate"}],
                }
            ],
            "volumes": [{"name": "gate", "hostPath": {"path": str(gate)}}],
        },
    }
    try:
        kube_cluster.kubectl("create", "-n", ns, "-f", "-", input=yaml.safe_dump(pod))
        await_pod(kube_cluster, ns, "waits", container_running("main"))
        on_node = SleepingRun(ns, "", "waits", "main")
        session = _exec(core, on_node, ["sh", "-c", "echo started; sleep 900"])
        assert session.readline_stdout(timeout=READ_SECONDS) == "started"
        stop_node_process(node.process)
        _finish(session)
        assert session.returncode == 129  # SIGHUP, as when a terminal hangs up
    finally:
        (gate / "open").touch()  # the pod's own command ends; nobody runs it any more
        stop_node_process(node.process)
        kube_cluster.kubectl("delete", "node", node.name, "--wait=false", check=False)


def test_kubectl_exec_is_told_this_node_speaks_websocket_only(
    kube_cluster: KubeCluster, sleeping: SleepingRun
) -> None:
    done = kube_cluster.kubectl(
        "exec", "-n", sleeping.namespace, sleeping.pod, "--", "true", check=False
    )
    assert done.returncode != 0
    assert "Error from server (BadRequest)" in done.stderr
    assert "WebSocket only" in done.stderr and "SPDY" in done.stderr


def test_exec_into_a_finished_container_is_refused_as_not_running(
    kube_cluster: KubeCluster, kube_node: KubeNode, core: client.CoreV1Api
) -> None:
    ns = namespace_for_pods(kube_cluster, f"node-exec-done-{uuid.uuid4().hex[:6]}")
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "done"},
        "spec": {
            "restartPolicy": "Never",
            "containers": [{"name": "main", "image": "busybox", "command": ["true"]}],
        },
    }
    kube_cluster.kubectl("create", "-n", ns, "-f", "-", input=yaml.safe_dump(pod))
    await_pod(kube_cluster, ns, "done", lambda p: p.get("status", {}).get("phase") == "Succeeded")
    with pytest.raises(client.ApiException) as refused:
        stream(core.connect_get_namespaced_pod_exec, "done", ns, command=["true"], stdout=True)
    assert "400 Bad Request" in str(refused.value.reason)
    assert 'container \\"main\\" in pod \\"' in str(refused.value.reason)
    assert "is not running" in str(refused.value.reason)


def _node_request(kube_cluster: KubeCluster, kube_node: KubeNode, path: str) -> Any:
    """A request to the node's kubelet port as the API server makes it (its client
    certificate)."""
    context = ssl.create_default_context(cafile=str(kube_cluster.dir / "ca.crt"))
    context.load_cert_chain(
        kube_cluster.dir / "kubelet-client.crt", kube_cluster.dir / "kubelet-client.key"
    )
    url = f"https://127.0.0.1:{kube_node.port}{path}"
    return urllib.request.urlopen(url, context=context, timeout=10)


def test_the_node_answers_404_with_a_status_for_a_pod_it_does_not_run(
    kube_cluster: KubeCluster, kube_node: KubeNode
) -> None:
    ns = namespace_for_pods(kube_cluster, f"node-exec-other-{uuid.uuid4().hex[:6]}")
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "elsewhere"},
        "spec": {
            "nodeName": "another-node",  # bound, but not to this node
            "containers": [{"name": "main", "image": "busybox", "command": ["true"]}],
        },
    }
    kube_cluster.kubectl("create", "-n", ns, "-f", "-", input=yaml.safe_dump(pod))
    path = f"/exec/{ns}/elsewhere/main?command=true&output=1"
    with pytest.raises(urllib.error.HTTPError) as refused:
        _node_request(kube_cluster, kube_node, path)
    assert refused.value.code == 404
    status = json.loads(refused.value.read())
    assert status["kind"] == "Status" and status["reason"] == "NotFound"
    assert status["message"] == f'pod "{ns}/elsewhere" does not run on node "{kube_node.name}"'


def test_the_node_refuses_an_exec_that_is_not_an_upgrade(
    kube_cluster: KubeCluster, kube_node: KubeNode, sleeping: SleepingRun
) -> None:
    path = f"/exec/{sleeping.namespace}/{sleeping.pod}/{sleeping.container}?command=true&output=1"
    with pytest.raises(urllib.error.HTTPError) as refused:
        _node_request(kube_cluster, kube_node, path)
    assert refused.value.code == 400
    assert json.loads(refused.value.read())["message"].startswith("Upgrade request required")


def test_attach_is_refused_saying_to_use_exec(
    kube_cluster: KubeCluster, kube_node: KubeNode, sleeping: SleepingRun
) -> None:
    path = f"/attach/{sleeping.namespace}/{sleeping.pod}/{sleeping.container}?output=1"
    with pytest.raises(urllib.error.HTTPError) as refused:
        _node_request(kube_cluster, kube_node, path)
    assert refused.value.code == 400
    assert "use exec" in json.loads(refused.value.read())["message"]
