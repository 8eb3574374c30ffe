"""`treadle server --kube`: the API of the session's cluster, served by a real server
process (`treadle --kubeconfig K server --kube --no-controller`) while the session's
controller drives, and used as a user does: the CLI with `--server` and a token, and
raw HTTP for what the CLI does not show (watch streams, status codes)."""

from __future__ import annotations

import base64
import json
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.kube.node_fixture import namespace_for_pods, stop_node_process
from tests.kube.server_fixture import KubeServer, clean_env, run_server, start_server
from tests.kube.workflow_fixture import API, Controller, start_controller, treadle
from tests.kube_cluster import KubeCluster
from tests.support import ROOT, free_port
from treadle.errors import Gone
from treadle.kube.manifests import InstallOptions
from treadle.kube.manifests import server as server_manifests
from treadle.server.watch import BEHIND, StoreWatch
from treadle.store.base import WatchEvent

RUNS = f"/apis/{API}/namespaces/{{ns}}/workflowruns"
SEQPOD = ROOT / "examples" / "seqpod-scripts.yaml"
RUN = "example-seqpod-run"
AWAIT_SECONDS = 180.0


@pytest.fixture(scope="module")
def kube_server(
    kube_cluster: KubeCluster, kube_treadle: Controller, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[KubeServer]:
    """The server of the session's cluster; the session's controller drives."""
    server = start_server(
        kube_cluster, tmp_path_factory.mktemp("kube-server") / "log", "--no-controller"
    )
    try:
        yield server
    finally:
        server.stop()


def _namespace(cluster: KubeCluster, prefix: str) -> str:
    return namespace_for_pods(cluster, f"{prefix}-{uuid.uuid4().hex[:8]}")


@pytest.fixture
def namespace(kube_cluster: KubeCluster) -> str:
    return _namespace(kube_cluster, "srv")


@pytest.fixture(scope="module")
def finished(kube_cluster: KubeCluster, kube_server: KubeServer) -> str:
    """A namespace whose SeqPod run, applied through the server, has finished (the
    namespace)."""
    ns = _namespace(kube_cluster, "srv-done")
    applied = kube_server.cli("apply", "-f", str(SEQPOD), "-n", ns)
    assert applied.returncode == 0, applied.stderr
    waited = kube_server.cli("wait", RUN, "-n", ns, "--timeout", f"{AWAIT_SECONDS:g}s")
    assert waited.returncode == 0, waited.stdout + waited.stderr
    return ns


def _phases_until_final(
    lines: Iterator[str], name: str, seconds: float = AWAIT_SECONDS
) -> list[str]:
    """The phases of run `name` in a watch stream's lines, until a final one."""
    phases: list[str] = []
    deadline = time.monotonic() + seconds
    for line in lines:
        if not line.strip():
            continue
        event = json.loads(line)
        assert event["type"] != "ERROR", event
        obj = event["object"]
        if obj["metadata"]["name"] != name:
            continue
        phase = (obj.get("status") or {}).get("phase") or "Pending"
        if not phases or phases[-1] != phase:
            phases.append(phase)
        if phase in ("Succeeded", "Failed") or time.monotonic() > deadline:
            break
    return phases


# -- runs through the server ---------------------------------------------------------------


def test_a_run_applied_through_the_server_succeeds(kube_server: KubeServer, finished: str) -> None:
    got = kube_server.cli("get", "wr", RUN, "-n", finished, "-o", "json")
    assert got.returncode == 0, got.stderr
    assert json.loads(got.stdout)["status"]["phase"] == "Succeeded"


def test_treadle_logs_through_the_server_reads_the_steps_pods(
    kube_server: KubeServer, finished: str
) -> None:
    logs = kube_server.cli("logs", RUN, "-n", finished)
    assert logs.returncode == 0, logs.stderr
    assert "step one says bonjour" in logs.stdout
    assert "shell arithmetic is left alone: 42" in logs.stdout


def test_a_pods_own_logs_are_served_from_pods_log(kube_server: KubeServer, finished: str) -> None:
    with kube_server.http() as http:
        pods = http.get(f"/api/v1/namespaces/{finished}/pods").json()["items"]
        assert len(pods) == 1
        pod = pods[0]["metadata"]["name"]
        answer = http.get(f"/api/v1/namespaces/{finished}/pods/{pod}/logs")
    assert answer.status_code == 200, answer.text
    texts = [json.loads(line)["text"] for line in answer.text.splitlines()]
    assert "step one says bonjour" in texts


def test_stopping_a_finished_run_is_refused_naming_its_phase(
    kube_server: KubeServer, finished: str
) -> None:
    stopped = kube_server.cli("stop", RUN, "-n", finished)
    assert stopped.returncode == 2
    assert "has already finished (Succeeded)" in stopped.stderr


def test_a_rerun_through_the_server_is_a_new_run_that_succeeds(
    kube_server: KubeServer, finished: str
) -> None:
    with kube_server.http() as http:
        answer = http.post(RUNS.format(ns=finished) + f"/{RUN}/rerun")
    assert answer.status_code == 201, answer.text
    rerun = answer.json()["metadata"]["name"]
    assert rerun.startswith(f"{RUN}-")
    waited = kube_server.cli("wait", rerun, "-n", finished, "--timeout", f"{AWAIT_SECONDS:g}s")
    assert waited.returncode == 0, waited.stdout + waited.stderr


# -- watches -------------------------------------------------------------------------------


def test_a_watch_from_a_lists_resource_version_sees_the_runs_phases(
    kube_server: KubeServer, namespace: str
) -> None:
    with kube_server.http() as http:
        listed = http.get(RUNS.format(ns=namespace)).json()["metadata"]["resourceVersion"]
        query = {"watch": "true", "resourceVersion": listed}
        timeout = httpx.Timeout(30, read=AWAIT_SECONDS)
        with http.stream("GET", RUNS.format(ns=namespace), params=query, timeout=timeout) as s:
            assert s.status_code == 200
            applied = kube_server.cli("apply", "-f", str(SEQPOD), "-n", namespace)
            assert applied.returncode == 0, applied.stderr
            phases = _phases_until_final(s.iter_lines(), RUN)
    assert phases[-1] == "Succeeded", phases
    assert "Running" in phases, phases


def test_a_watch_without_a_resource_version_starts_with_what_exists(
    kube_server: KubeServer, finished: str
) -> None:
    with kube_server.http() as http:
        query = {"watch": "true", "timeoutSeconds": "2"}
        answer = http.get(RUNS.format(ns=finished), params=query)
    events = [json.loads(line) for line in answer.text.splitlines()]
    added = [e["object"]["metadata"]["name"] for e in events if e["type"] == "ADDED"]
    assert RUN in added


def test_a_watch_selects_with_the_lists_field_selector(
    kube_server: KubeServer, finished: str
) -> None:
    # status.phase is no field the API server selects custom resources by.
    with kube_server.http() as http:
        query = {"watch": "true", "timeoutSeconds": "2", "fieldSelector": "status.phase=Failed"}
        answer = http.get(RUNS.format(ns=finished), params=query)
    assert answer.status_code == 200, answer.text
    assert answer.text == ""


def test_a_watch_from_a_resource_version_older_than_the_api_server_keeps_is_410(
    kube_server: KubeServer, namespace: str
) -> None:
    with kube_server.http() as http:
        answer = http.get(
            RUNS.format(ns=namespace), params={"watch": "true", "resourceVersion": "1"}
        )
    assert answer.status_code == 410, answer.text
    assert answer.json()["reason"] == "Expired"


def test_a_watch_ends_after_its_timeout_seconds(kube_server: KubeServer, namespace: str) -> None:
    with kube_server.http() as http:
        started = time.monotonic()
        answer = http.get(
            RUNS.format(ns=namespace), params={"watch": "true", "timeoutSeconds": "1"}
        )
        took = time.monotonic() - started
    assert answer.status_code == 200
    assert 1 <= took < 10, took


def test_stopping_the_server_ends_its_open_watch_streams_and_exits_0(
    kube_cluster: KubeCluster, kube_treadle: Controller, namespace: str, tmp_path: Path
) -> None:
    server = start_server(kube_cluster, tmp_path / "log", "--no-controller")
    try:
        with server.http() as http:
            timeout = httpx.Timeout(30, read=60)
            query = {"watch": "true"}
            with http.stream("GET", RUNS.format(ns=namespace), params=query, timeout=timeout) as s:
                assert s.status_code == 200
                server.process.send_signal(signal.SIGTERM)
                asked = time.monotonic()
                left = list(s.iter_lines())
                ended = time.monotonic() - asked
        assert left == []
        assert ended < 5, f"the stream ended {ended:.1f} s after SIGTERM"
        assert server.process.wait(timeout=30) == 0
    finally:
        server.stop()


def _events(count: int) -> Iterator[WatchEvent]:
    for i in range(count):
        yield WatchEvent("ADDED", {"metadata": {"name": f"o{i}"}}, str(i + 1))


def test_a_store_watch_hands_over_its_changes_then_its_end() -> None:
    watch = StoreWatch(_events(3), "test")
    watch.first(5.0)
    deadline = time.monotonic() + 5
    taken: list[WatchEvent] = []
    while time.monotonic() < deadline:
        events, ended, error = watch.take()
        taken += events
        if ended:
            break
    assert [e.resource_version for e in taken] == ["1", "2", "3"]
    assert (ended, error) == (True, None)


def test_a_store_watch_refused_at_once_raises_before_any_change() -> None:
    def refused() -> Iterator[WatchEvent]:
        raise Gone("too old resource version: 1")
        yield  # a generator

    with pytest.raises(Gone):
        StoreWatch(refused(), "test").first(5.0)


def test_a_store_watch_whose_reader_falls_behind_ends_with_gone() -> None:
    go = threading.Event()

    def changes() -> Iterator[WatchEvent]:
        go.wait()
        yield from _events(BEHIND + 5)

    name = f"behind-{uuid.uuid4().hex}"
    watch = StoreWatch(changes(), name)
    (drain,) = [t for t in threading.enumerate() if t.name == name]
    go.set()
    drain.join(30)  # nothing is taken meanwhile
    kept, _, _ = watch.take()
    rest, ended, error = watch.take()
    assert len(kept) == BEHIND + 1 and rest == []
    assert ended and isinstance(error, Gone), error
    assert f"more than {BEHIND} changes behind" in str(error)


# -- tokens --------------------------------------------------------------------------------


def _token(cluster: KubeCluster, namespace: str, access: str) -> str:
    """A namespace token made with the cluster's kubeconfig, as the CLI prints it."""
    made = treadle(cluster, "token", "create", namespace, f"--{access}")
    assert made.returncode == 0, made.stderr
    return made.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def confined(kube_cluster: KubeCluster, kube_server: KubeServer) -> tuple[str, str, str]:
    """(a write token's namespace, another namespace, the token)."""
    own, other = _namespace(kube_cluster, "srv-own"), _namespace(kube_cluster, "srv-other")
    return own, other, _token(kube_cluster, own, "write")


def test_the_admin_token_is_the_one_in_its_secret(
    kube_cluster: KubeCluster, kube_server: KubeServer
) -> None:
    got = kube_cluster.kubectl(
        "-n", "treadle-system", "get", "secret", "treadle-admin", "-o", "jsonpath={.data.token}"
    )
    assert base64.b64decode(got.stdout).decode() == kube_server.token


def test_a_namespace_token_reads_and_writes_its_namespace(
    kube_server: KubeServer, confined: tuple[str, str, str]
) -> None:
    own, _, token = confined
    with kube_server.http(token) as http:
        created = http.post(
            f"/apis/{API}/namespaces/{own}/workflowtemplates", json=_template("mine")
        )
        listed = http.get(f"/apis/{API}/namespaces/{own}/workflowtemplates")
        namespaces = http.get("/api/v1/namespaces").json()["items"]
    assert created.status_code == 201, created.text
    assert [t["metadata"]["name"] for t in listed.json()["items"]] == ["mine"]
    assert [n["metadata"]["name"] for n in namespaces] == [own]


def _template(name: str) -> dict[str, Any]:
    return {
        "apiVersion": API,
        "kind": "WorkflowTemplate",
        "metadata": {"name": name},
        "spec": {"type": "Pod", "pod": {"containers": [{"name": "c", "image": "ubuntu"}]}},
    }


ATTACKS = {
    "read another namespace": ("GET", f"/apis/{API}/namespaces/{{other}}/workflowtemplates"),
    "write another namespace": ("POST", f"/apis/{API}/namespaces/{{other}}/workflowtemplates"),
    "watch another namespace": (
        "GET",
        f"/apis/{API}/namespaces/{{other}}/workflowruns?watch=true&timeoutSeconds=1",
    ),
    "list every namespace": ("GET", f"/apis/{API}/workflowruns"),
    "watch every namespace": ("GET", f"/apis/{API}/workflowruns?watch=true&timeoutSeconds=1"),
    "read the token secrets": ("GET", "/api/v1/namespaces/treadle-system/secrets"),
    "read the admin token": ("GET", "/api/v1/namespaces/treadle-system/secrets/treadle-admin"),
    "read another namespace's pods": ("GET", "/api/v1/namespaces/{other}/pods"),
    "delete its own namespace": ("DELETE", "/api/v1/namespaces/{own}"),
    "send events to another namespace": ("POST", "/t9k/workflow/triggers/{other}/hook"),
    "read the metrics": ("GET", "/metrics"),
}


@pytest.mark.parametrize("attack", ATTACKS)
def test_a_namespace_token_is_refused_outside_its_namespace(
    kube_server: KubeServer, confined: tuple[str, str, str], attack: str
) -> None:
    own, other, token = confined
    method, path = ATTACKS[attack]
    with kube_server.http(token) as http:
        answer = http.request(method, path.format(own=own, other=other), json=_template("theirs"))
    assert answer.status_code == 403, answer.text
    assert answer.json()["reason"] == "Forbidden"


def test_a_read_token_cannot_write_its_namespace(
    kube_cluster: KubeCluster, kube_server: KubeServer, namespace: str
) -> None:
    token = _token(kube_cluster, namespace, "read")
    with kube_server.http(token) as http:
        answer = http.post(
            f"/apis/{API}/namespaces/{namespace}/workflowtemplates", json=_template("t")
        )
    assert answer.status_code == 403, answer.text
    assert f'may only read namespace "{namespace}"' in answer.json()["message"]


def test_a_revoked_token_is_refused_at_once(
    kube_cluster: KubeCluster, kube_server: KubeServer, namespace: str
) -> None:
    token = _token(kube_cluster, namespace, "read")
    listed = treadle(kube_cluster, "token", "list")
    assert listed.returncode == 0, listed.stderr
    line = next(line for line in listed.stdout.splitlines() if f" {namespace} " in line)
    revoked = treadle(kube_cluster, "token", "revoke", line.split()[0])
    assert revoked.returncode == 0, revoked.stderr
    with kube_server.http(token) as http:
        answer = http.get(f"/apis/{API}/namespaces/{namespace}/workflowtemplates")
    assert answer.status_code == 401, answer.text


# -- what a cluster does not have ----------------------------------------------------------


def test_volume_routes_say_a_volume_is_a_claim_on_a_cluster(
    kube_server: KubeServer, namespace: str
) -> None:
    with kube_server.http() as http:
        listed = http.get(f"/treadle/v1/namespaces/{namespace}/volumes")
        uploaded = http.put(
            f"/treadle/v1/namespaces/{namespace}/volumes/data/files/a.txt", content=b"x"
        )
    for answer in (listed, uploaded):
        assert answer.status_code == 501, answer.text
        assert answer.json()["reason"] == "NotImplemented"
        assert f"/api/v1/namespaces/{namespace}/persistentvolumeclaims" in answer.json()["message"]


def test_treadle_volume_ls_through_the_server_says_why_in_one_line(
    kube_server: KubeServer, namespace: str
) -> None:
    listed = kube_server.cli("volume", "ls", "-n", namespace)
    assert listed.returncode == 1
    assert len(listed.stderr.strip().splitlines()) == 1
    assert "PersistentVolumeClaim" in listed.stderr


def test_an_event_listener_on_a_cluster_is_501_naming_the_missing_kind(
    kube_server: KubeServer, namespace: str
) -> None:
    listener = {
        "apiVersion": "tensorstack.dev/v1beta1",
        "kind": "EventListener",
        "metadata": {"name": "hook"},
        "spec": {},
    }
    with kube_server.http() as http:
        made = http.post(
            f"/apis/tensorstack.dev/v1beta1/namespaces/{namespace}/eventlisteners", json=listener
        )
        assert made.status_code == 201, made.text
        sent = http.post(f"/t9k/workflow/triggers/{namespace}/hook", json={"ref": "main"})
        unknown = http.post(f"/t9k/workflow/triggers/{namespace}/nobody", json={})
    assert sent.status_code == 501, sent.text
    assert "no ListenerEvent kind" in sent.json()["message"]
    assert unknown.status_code == 404, unknown.text


# -- the server itself ---------------------------------------------------------------------


def test_info_says_the_server_serves_a_cluster_without_a_controller(
    kube_server: KubeServer,
) -> None:
    with kube_server.http() as http:
        info = http.get("/treadle/v1/info").json()
    assert (info["mode"], info["controller"], info["auth"]) == ("kubernetes", "disabled", "token")


def test_namespaces_are_the_clusters_namespace_objects(
    kube_server: KubeServer, namespace: str
) -> None:
    with kube_server.http() as http:
        names = [n["metadata"]["name"] for n in http.get("/api/v1/namespaces").json()["items"]]
        missing = http.get("/api/v1/namespaces/no-such-namespace")
    assert {namespace, "default", "kube-system", "treadle-system"} <= set(names)
    assert missing.status_code == 404


def test_deleting_a_namespace_leaves_its_contents_to_the_clusters_namespace_controller(
    kube_cluster: KubeCluster, kube_server: KubeServer, namespace: str
) -> None:
    with kube_server.http() as http:
        made = http.post(
            f"/apis/{API}/namespaces/{namespace}/workflowtemplates", json=_template("t")
        )
        assert made.status_code == 201, made.text
        deleted = http.delete(f"/api/v1/namespaces/{namespace}")
    assert deleted.status_code == 200, deleted.text
    assert deleted.json()["status"]["phase"] == "Terminating"
    gone = kube_cluster.kubectl("wait", "--for=delete", f"namespace/{namespace}", "--timeout=120s")
    assert gone.returncode == 0, gone.stderr


def test_metrics_count_the_clusters_runs(kube_server: KubeServer, finished: str) -> None:
    with kube_server.http() as http:
        text = http.get("/metrics").text
    line = next(
        x for x in text.splitlines() if x.startswith('treadle_workflowruns{phase="Succeeded"}')
    )
    assert float(line.split()[-1]) >= 1


def _controller_state(server: KubeServer, wanted: str, seconds: float = 60.0) -> str:
    """What the server's /readyz says of its controller, once it is `wanted` (or the
    last answer when `seconds` pass): it retries the lease every two seconds."""
    deadline = time.monotonic() + seconds
    with server.http() as http:
        while True:
            state = str(http.get("/readyz").json()["controller"])
            if state == wanted or time.monotonic() > deadline:
                return state
            time.sleep(0.2)


@pytest.mark.timeout(600)
def test_a_servers_controller_stands_by_then_drives_once_the_other_stops(
    kube_cluster: KubeCluster, kube_treadle: Controller, namespace: str, tmp_path: Path
) -> None:
    server = start_server(kube_cluster, tmp_path / "log", "--platform-kinds")
    try:
        assert _controller_state(server, "waiting", 0) == "waiting"
        assert stop_node_process(kube_treadle.process) == 0  # it gives the lease up
        assert _controller_state(server, "running") == "running"
        applied = server.cli("apply", "-f", str(SEQPOD), "-n", namespace)
        assert applied.returncode == 0, applied.stderr
        waited = server.cli("wait", RUN, "-n", namespace, "--timeout", f"{AWAIT_SECONDS:g}s")
        assert waited.returncode == 0, waited.stdout + waited.stderr
    finally:
        server.stop()
        # The session's controller drives again for the tests after this one.
        kube_treadle.process = start_controller(
            kube_cluster, kube_treadle.log, "--platform-kinds"
        ).process


def test_two_servers_of_one_cluster_share_the_admin_token(
    kube_cluster: KubeCluster, kube_server: KubeServer, tmp_path: Path
) -> None:
    other = start_server(kube_cluster, tmp_path / "log", "--no-controller")
    try:
        assert other.token == kube_server.token
    finally:
        other.stop()


def test_the_deployments_server_command_serves_the_cluster_of_treadle_kubeconfig(
    kube_cluster: KubeCluster, kube_treadle: Controller, tmp_path: Path
) -> None:
    # deploy/'s server container as it runs in its pod, but on loopback.
    deployment = server_manifests(InstallOptions())[0]
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    args = list(container["args"])
    args[args.index("--host") + 1] = "127.0.0.1"
    args[args.index("--port") + 1] = str(free_port())
    env = {**clean_env(), "TREADLE_KUBECONFIG": str(kube_cluster.kubeconfig)}
    server = run_server([sys.executable, "-m", "treadle.cli.main", *args], env, tmp_path / "log")
    try:
        with server.http() as http:
            info = http.get("/treadle/v1/info").json()
            ready = http.get("/readyz")
        assert (info["mode"], info["controller"]) == ("kubernetes", "disabled")
        assert ready.status_code == 200, ready.text
    finally:
        server.stop()


def test_a_home_and_a_cluster_are_refused_together(
    kube_cluster: KubeCluster, tmp_path: Path
) -> None:
    refused = treadle(kube_cluster, "--home", str(tmp_path), "server", "--kube")
    assert refused.returncode == 2
    assert "--home names a data directory" in refused.stderr


def test_an_unusable_kubeconfig_is_one_line_and_no_traceback(tmp_path: Path) -> None:
    absent = str(tmp_path / "absent")
    done = subprocess.run(
        [sys.executable, "-m", "treadle.cli.main", "--kubeconfig", absent, "server", "--kube"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().startswith("error: cannot connect with")
    assert "Traceback" not in done.stderr
