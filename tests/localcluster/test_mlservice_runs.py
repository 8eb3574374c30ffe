"""SimpleMLServices run for real on the embedded cluster: the replicas are real
processes, the address answers, Ready comes from a real probe, and stopping the
run or deleting the service ends the processes (SPEC §12)."""

from __future__ import annotations

import os
import select
import socket
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import SHARED, Engine, free_port, run_yaml, template_yaml
from treadle.localcluster.servingpods import SERVICE_LABEL
from treadle.localcluster.servingstatus import RESTARTS_ANNOTATION

Obj = dict[str, Any]
SMLS = ("tensorstack.dev/v1beta1", "SimpleMLService")
SEED_CASE = SHARED / "conformance" / "valid-jobs" / "03-simplemlservice-stays-running.yaml"


def condition(obj: Obj, type_: str) -> Obj:
    conditions = (obj.get("status") or {}).get("conditions") or []
    return next((c for c in conditions if c["type"] == type_), {})


def ready_is(status: str) -> Callable[[Obj], bool]:
    return lambda obj: condition(obj, "Ready").get("status") == status


def await_kind(
    engine: Engine,
    api_version: str,
    kind: str,
    name: str,
    holds: Callable[[Obj], bool],
    timeout: float = 30,
) -> Obj:
    """Object `name` once `holds` is true of it."""
    return engine.await_object(api_version, kind, holds, name=name, timeout=timeout)


def await_service(engine: Engine, name: str, holds: Callable[[Obj], bool]) -> Obj:
    return await_kind(engine, *SMLS, name, holds)


def pids_of(*words: str) -> list[int]:
    """This host's processes whose command line holds every one of `words`."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            argv = Path(entry.path, "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if all(w.encode() in argv for w in words):
            found.append(int(entry.name))
    return found


def await_exit(pids: list[int], timeout: float = 15) -> None:
    """Until every process in `pids` has ended: each awaited on a pidfd."""
    deadline = time.monotonic() + timeout
    for pid in pids:
        try:
            fd = os.pidfd_open(pid)
        except ProcessLookupError:
            continue
        try:
            ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
            assert ready, f"process {pid} still runs after {timeout}s"
        finally:
            os.close(fd)


def port_closed(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def service_yaml(name: str, spec: str) -> str:
    """A Resource template `name` creating SimpleMLService `name` with `spec` (indented
    six spaces), and its run `<name>-run`, with no rules."""
    manifest = (
        "      apiVersion: tensorstack.dev/v1beta1\n      kind: SimpleMLService\n"
        f"      metadata: {{name: {name}}}\n      spec:\n{spec}"
    )
    return template_yaml(name, "  resource:\n    manifest: |\n" + manifest) + run_yaml(
        f"{name}-run", f"  workflowTemplateRef: {name}"
    )


@pytest.fixture(params=["sandboxed", "on-the-host"])
def either_engine(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Engine]:
    """An engine under the sandbox, and one without it, where the kubelet shows the
    model's claim at its host directory instead of its mountPath."""
    if request.param == "on-the-host":
        monkeypatch.setenv("TREADLE_SANDBOX", "off")
    engine = Engine(tmp_path / "home")
    try:
        if engine.client.runtime.sandboxed != (request.param == "sandboxed"):
            pytest.skip(f"this host cannot run {request.param}")
        yield engine
    finally:
        engine.close()


def test_the_seed_service_answers_from_its_claim_and_stays_running_until_stopped(
    either_engine: Engine,
) -> None:
    engine = either_engine
    port = free_port()
    model = engine.client.home.ensure_volume("default", "models-conf") / "mnist"
    model.mkdir()
    (model / "README").write_text("model files\n")
    engine.apply(SEED_CASE.read_text().replace("18931", str(port)))

    service = await_service(engine, "mnist-files", ready_is("True"))
    url = service["status"]["address"]["url"]
    assert url == f"http://127.0.0.1:{port}"
    with urllib.request.urlopen(url, timeout=5) as answer:
        assert 'href="README"' in answer.read().decode()
    assert condition(service, "ModelDownloaded")["status"] == "True"
    run = engine.run("serve-files-run")
    assert run["status"]["phase"] == "Running"
    assert run["status"]["resource"] == {
        "apiVersion": "tensorstack.dev/v1beta1",
        "kind": "SimpleMLService",
        "name": "mnist-files",
    }
    servers = pids_of("http.server", str(port))
    assert servers  # the server, and under the sandbox bwrap around it

    engine.client.stop_run(None, "serve-files-run")
    assert engine.wait("serve-files-run")["status"]["phase"] == "Failed"
    await_exit(servers)
    assert port_closed(port)


def test_a_tensorflow_service_without_its_server_on_this_host_is_not_ready_and_says_why(
    engine: Engine,
) -> None:
    engine.apply(
        service_yaml(
            "tf",
            "        tensorflow: {image: 't9kpublic/tensorflow-serving:2.6.0'}\n"
            "        storage: {pvc: {name: models}}\n",
        )
    )
    service = await_service(
        engine, "tf", lambda s: condition(s, "Ready").get("reason") == "StartError"
    )
    message = condition(service, "Ready")["message"]
    assert condition(service, "Ready")["status"] == "False"
    assert "tensorflow_model_server could not be started on this host" in message
    assert service["status"]["address"]["url"] == "http://127.0.0.1:8080"
    [pod] = engine.store.list("v1", "Pod", "default", label_selector=f"{SERVICE_LABEL}=tf").items
    assert pod["spec"]["containers"][0]["image"] == "t9kpublic/tensorflow-serving:2.6.0"
    assert pod["spec"]["containers"][0]["args"][-1] == "--model_base_path=/var/lib/t9k/model"
    assert engine.run("tf-run")["status"]["phase"] == "Running"


def test_a_replica_that_ends_is_replaced_after_a_back_off(engine: Engine) -> None:
    engine.apply(
        service_yaml(
            "flaky",
            "        custom:\n          spec:\n            containers:\n"
            "              - {name: s, image: busybox, command: [sh, -c, 'exit 3']}\n",
        )
    )
    replaced = await_kind(
        engine,
        "v1",
        "Pod",
        "flaky-0",
        lambda p: p["metadata"].get("annotations", {}).get(RESTARTS_ANNOTATION) == "2",
    )
    assert replaced["metadata"]["labels"][SERVICE_LABEL] == "flaky"
    service = engine.store.get(*SMLS, "default", "flaky")
    assert condition(service, "Ready")["status"] == "False"
    assert engine.run("flaky-run")["status"]["phase"] == "Running"


def test_deleting_the_service_ends_its_processes(engine: Engine) -> None:
    port = free_port()
    engine.apply(
        service_yaml(
            "files",
            "        custom:\n          spec:\n            containers:\n"
            "              - name: s\n                image: python\n"
            f"                command: [python3, -m, http.server, '{port}', --bind, 127.0.0.1]\n"
            f"        service: {{ports: [{{port: {port}}}]}}\n",
        )
    )
    await_service(engine, "files", ready_is("True"))
    servers = pids_of("http.server", str(port))
    assert servers  # the server, and under the sandbox bwrap around it

    engine.store.delete(*SMLS, "default", "files")
    await_exit(servers)
    assert port_closed(port)
    assert (
        engine.store.list("v1", "Pod", "default", label_selector=f"{SERVICE_LABEL}=files").items
        == []
    )
