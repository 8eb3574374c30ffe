"""Volumes stay inside their roots: names that climb out of the volumes directory,
symlinks planted for a later mount, the volume file API under a racing symlink, the
sandbox's view of the data directory, and stored objects no reconciler can use.

Attack objects are written straight into the store, as if admission had let them
through: the runtime must be safe whatever is stored.
"""

from __future__ import annotations

import collections
import functools
import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.runtime.runtime_helpers import HAS_SANDBOX, shown_host_dir
from tests.server.conftest import Served
from tests.support import Engine
from treadle.config import Home
from treadle.controller.queue import BACKOFF_BASE
from treadle.errors import BadRequest

GV = "batch.tensorstack.dev/v1beta1"
FINAL = ("Succeeded", "Failed")
SECRET = "host-secret-4711"

needs_sandbox = pytest.mark.skipif(not HAS_SANDBOX, reason="bubblewrap does not work here")


# -- helpers -------------------------------------------------------------------------


def store_pod(engine: Engine, name: str, spec: dict[str, Any]) -> dict[str, Any]:
    doc = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec}
    return engine.store.create(doc)


def settle(engine: Engine, obj: dict[str, Any], timeout: float = 30) -> dict[str, Any]:
    """`obj` once its phase is final, awaited on the store's watch."""
    api, kind = obj["apiVersion"], obj["kind"]
    meta = obj["metadata"]
    since = meta["resourceVersion"]
    deadline = time.monotonic() + timeout
    current = engine.store.get(api, kind, meta["namespace"], meta["name"])
    while (current.get("status") or {}).get("phase") not in FINAL:
        assert time.monotonic() < deadline, f"{kind} {meta['name']}: {current.get('status')}"
        for event in engine.store.watch(api, kind, meta["namespace"], since=since, timeout=0.5):
            since = event.resource_version
            if event.object["metadata"]["name"] == meta["name"]:
                current = event.object
                break
    return current


def pod_logs(engine: Engine, pod: dict[str, Any]) -> list[str]:
    return [line.text for line in engine.client.runtime.logs(pod["metadata"]["uid"])]


def script_template(name: str, script: str) -> dict[str, Any]:
    step = {"name": "s", "image": "ubuntu", "command": ["sh", "-c", script]}
    return {
        "apiVersion": GV,
        "kind": "WorkflowTemplate",
        "metadata": {"name": name},
        "spec": {"workspaces": [{"name": "w"}], "seqPod": {"steps": [step]}},
    }


def run_script(engine: Engine, name: str, script: str, binding: dict[str, Any]) -> dict[str, Any]:
    """A one-step run of `script` with workspace `w` bound as `binding`, once final."""
    engine.client.create(script_template(name, script))
    engine.store.create(
        {
            "apiVersion": GV,
            "kind": "WorkflowRun",
            "metadata": {"name": name},
            "spec": {"workflowTemplateRef": name, "workspaces": [{"name": "w", **binding}]},
        }
    )
    return engine.wait(name)


def pvc(claim: str, **extra: Any) -> dict[str, Any]:
    return {"persistentVolumeClaim": {"claimName": claim}, **extra}


def host_dir(tmp_path: Path) -> Path:
    """A host directory no volume may reach, with a secret in it."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_text(SECRET)
    return outside


def unchanged(outside: Path) -> bool:
    return sorted(os.listdir(outside)) == ["secret"] and (outside / "secret").read_text() == SECRET


# -- 1. one place for volume roots -----------------------------------------------------


@pytest.mark.parametrize(
    ("namespace", "claim"),
    [
        ("default", "../../etc"),
        ("default", "../victim/vdata"),
        ("default", ".."),
        ("default", "."),
        ("default", ""),
        ("default", "a/b"),
        ("default", "Data"),
        ("..", "data"),
        ("a/b", "data"),
    ],
)
def test_home_refuses_volume_names_that_are_not_one_name(
    tmp_path: Path, namespace: str, claim: str
) -> None:
    with pytest.raises(BadRequest, match="volume"):
        Home(tmp_path).volume(namespace, claim)


def test_volume_roots_are_one_directory_below_their_namespace(tmp_path: Path) -> None:
    home = Home(tmp_path)
    assert home.volume("team-a", "data.v1") == tmp_path / "volumes" / "team-a" / "data.v1"


def test_a_pod_claiming_a_climbing_name_fails_and_creates_nothing(engine: Engine) -> None:
    spec = {
        "containers": [
            {"name": "c", "command": ["true"], "volumeMounts": [{"name": "v", "mountPath": "/d"}]}
        ],
        "volumes": [{"name": "v", "persistentVolumeClaim": {"claimName": "../../outside"}}],
    }
    pod = settle(engine, store_pod(engine, "climb", spec))
    assert pod["status"]["phase"] == "Failed"
    assert pod["status"]["reason"] == "StartError"
    assert "../../outside" in pod["status"]["message"]
    assert not (engine.client.home.root / "outside").exists()


def test_a_run_binding_a_climbing_claim_fails_and_leaves_the_victim_alone(
    engine: Engine,
) -> None:
    victim = Path(engine.client.volume_path("victim", "vdata"))
    (victim / "precious").write_text("mine")
    run = run_script(engine, "climb-run", "rm -rf $(workspaces.w.path)/*", pvc("../victim/vdata"))
    assert run["status"]["phase"] == "Failed"
    assert (victim / "precious").read_text() == "mine"


def test_volume_path_refuses_a_climbing_claim(engine: Engine) -> None:
    with pytest.raises(BadRequest):
        engine.client.volume_path("default", "../escape")
    assert not (engine.client.home.volumes / "escape").exists()


# -- 2. symlinks at mount time ---------------------------------------------------------


def plant(engine: Engine, name: str, link: str, target: str) -> None:
    """A step that makes `link` in PVC `data` a symlink to `target`."""
    run = run_script(engine, name, f"ln -s {target} $(workspaces.w.path)/{link}", pvc("data"))
    assert run["status"]["phase"] == "Succeeded", run["status"]


def reader_pod(sub_path: str, **mount: Any) -> dict[str, Any]:
    script = "cat /data/secret; echo pwned > /data/pwned"
    return {
        "containers": [
            {
                "name": "c",
                "command": ["sh", "-c", script],
                "volumeMounts": [{"name": "v", "mountPath": "/data", "subPath": sub_path, **mount}],
            }
        ],
        "volumes": [{"name": "v", "persistentVolumeClaim": {"claimName": "data"}}],
    }


@needs_sandbox
def test_pod_sub_path_through_a_planted_symlink_is_refused(engine: Engine, tmp_path: Path) -> None:
    outside = host_dir(tmp_path)
    plant(engine, "plant", "esc", str(outside))
    pod = settle(engine, store_pod(engine, "reader", reader_pod("esc")))
    assert pod["status"]["phase"] == "Failed"
    state = pod["status"]["containerStatuses"][0]["state"]["terminated"]
    assert state["reason"] == "StartError" and "esc" in state["message"]
    assert SECRET not in "\n".join(pod_logs(engine, pod))
    assert unchanged(outside)


@needs_sandbox
def test_pod_sub_path_through_a_climbing_relative_symlink_is_refused(
    engine: Engine, tmp_path: Path
) -> None:
    outside = host_dir(tmp_path)
    volume = engine.client.home.volume("default", "data")
    plant(engine, "plant", "up", os.path.relpath(outside, volume))
    pod = settle(engine, store_pod(engine, "reader", reader_pod("up", readOnly=True)))
    assert pod["status"]["phase"] == "Failed"
    assert SECRET not in "\n".join(pod_logs(engine, pod))
    assert unchanged(outside)


@needs_sandbox
def test_run_workspace_sub_path_through_a_planted_symlink_is_refused(
    engine: Engine, tmp_path: Path
) -> None:
    outside = host_dir(tmp_path)
    plant(engine, "plant", "esc", str(outside))
    script = "cat $(workspaces.w.path)/secret; echo pwned > $(workspaces.w.path)/pwned"
    run = run_script(engine, "reader", script, pvc("data", subPath="esc"))
    assert run["status"]["phase"] == "Failed"
    assert SECRET not in engine.logs("reader")
    assert unchanged(outside)


def test_without_a_sandbox_a_workspace_sub_path_through_a_symlink_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TREADLE_SANDBOX", "off")
    engine = Engine(tmp_path / "home")
    try:
        outside = host_dir(tmp_path)
        volume = Path(engine.client.volume_path("default", "data"))
        (volume / "esc").symlink_to(outside)
        run = run_script(
            engine, "reader", "touch $(workspaces.w.path)/pwned", pvc("data", subPath="esc")
        )
        assert run["status"]["phase"] == "Failed"
        assert run["status"]["reason"] == "CreateContainerConfigError"
        assert "esc" in run["status"]["message"]
        assert unchanged(outside)
    finally:
        engine.close()


@needs_sandbox
def test_sub_path_swapped_for_a_symlink_by_an_earlier_step_is_refused(
    engine: Engine, tmp_path: Path
) -> None:
    outside = host_dir(tmp_path)
    volume = {"name": "v", "persistentVolumeClaim": {"claimName": "data"}}
    swap = f"mkdir -p /data/sub && rmdir /data/sub && ln -s {outside} /data/sub"
    spec = {
        "initContainers": [
            {
                "name": "swap",
                "command": ["sh", "-c", swap],
                "volumeMounts": [{"name": "v", "mountPath": "/data"}],
            },
            {
                "name": "use",
                "command": ["sh", "-c", "cat /data/secret; echo pwned > /data/pwned"],
                "volumeMounts": [{"name": "v", "mountPath": "/data", "subPath": "sub"}],
            },
        ],
        "containers": [{"name": "main", "command": ["true"]}],
        "volumes": [volume],
    }
    pod = settle(engine, store_pod(engine, "swapper", spec))
    assert pod["status"]["phase"] == "Failed"
    use = pod["status"]["initContainerStatuses"][1]["state"]["terminated"]
    assert use["reason"] == "StartError"
    assert SECRET not in "\n".join(pod_logs(engine, pod))
    assert unchanged(outside)


def through_oldroot(path: Path) -> str:
    """A relative symlink target that means nothing on the host but, seen from a
    mount at /data while bubblewrap builds the sandbox, leads to the host's `path`."""
    return f"../../oldroot{path}"


@needs_sandbox
@pytest.mark.parametrize("relative", [False, True])
def test_working_dir_through_a_planted_symlink_creates_nothing_outside(
    engine: Engine, tmp_path: Path, relative: bool
) -> None:
    outside = host_dir(tmp_path)
    plant(engine, "plant", "esc", through_oldroot(outside) if relative else str(outside))
    spec = {
        "containers": [
            {
                "name": "c",
                "command": ["sh", "-c", "touch pwned"],
                "workingDir": "/data/esc/made",
                "volumeMounts": [{"name": "v", "mountPath": "/data"}],
            }
        ],
        "volumes": [{"name": "v", "persistentVolumeClaim": {"claimName": "data"}}],
    }
    pod = settle(engine, store_pod(engine, "workdir", spec))
    assert pod["status"]["phase"] == "Failed"
    assert unchanged(outside)


@needs_sandbox
def test_nested_mount_point_through_a_planted_symlink_creates_nothing_outside(
    engine: Engine, tmp_path: Path
) -> None:
    outside = host_dir(tmp_path)
    plant(engine, "plant", "esc", through_oldroot(outside))
    spec = {
        "containers": [
            {
                "name": "c",
                "command": ["true"],
                "volumeMounts": [
                    {"name": "v", "mountPath": "/data"},
                    {"name": "e", "mountPath": "/data/esc/inner"},
                ],
            }
        ],
        "volumes": [
            {"name": "v", "persistentVolumeClaim": {"claimName": "data"}},
            {"name": "e", "emptyDir": {}},
        ],
    }
    pod = settle(engine, store_pod(engine, "nested", spec))
    assert pod["status"]["phase"] == "Failed"
    assert unchanged(outside)


@needs_sandbox
def test_sub_path_symlink_that_stays_inside_the_volume_is_followed(engine: Engine) -> None:
    volume = Path(engine.client.volume_path("default", "data"))
    (volume / "run-3").mkdir()
    (volume / "run-3" / "secret").write_text("inside")
    (volume / "latest").symlink_to("run-3")
    pod = settle(engine, store_pod(engine, "reader", reader_pod("latest")))
    assert pod["status"]["phase"] == "Succeeded", pod["status"]
    assert pod_logs(engine, pod) == ["inside"]
    assert (volume / "run-3" / "pwned").read_text() == "pwned\n"


@needs_sandbox
def test_a_missing_sub_path_is_created_inside_the_volume(engine: Engine) -> None:
    pod = settle(engine, store_pod(engine, "reader", reader_pod("new/deeper")))
    assert pod["status"]["phase"] == "Succeeded", pod["status"]
    volume = engine.client.home.volume("default", "data")
    assert (volume / "new" / "deeper" / "pwned").read_text() == "pwned\n"


def test_config_map_item_path_cannot_reach_a_sibling_volume(engine: Engine) -> None:
    engine.store.create(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm"}, "data": {"k": "x"}}
    )
    spec = {
        "containers": [{"name": "c", "command": ["true"]}],
        "volumes": [
            {
                "name": "c",
                "configMap": {"name": "cm", "items": [{"key": "k", "path": "../cc/pwn"}]},
            },
            {"name": "cc", "emptyDir": {}},
        ],
    }
    pod = settle(engine, store_pod(engine, "items", spec))
    assert pod["status"]["phase"] == "Failed"
    assert "../cc/pwn" in pod["status"]["message"]
    scratch = engine.client.home.scratch / pod["metadata"]["uid"]
    assert not (scratch / "cc" / "pwn").exists()


@needs_sandbox
def test_results_are_never_read_through_a_symlink(engine: Engine, tmp_path: Path) -> None:
    secret = host_dir(tmp_path) / "secret"
    engine.client.create(
        {
            "apiVersion": GV,
            "kind": "WorkflowTemplate",
            "metadata": {"name": "leak"},
            "spec": {
                "results": [{"name": "r"}],
                "seqPod": {
                    "steps": [
                        {
                            "name": "s",
                            "image": "ubuntu",
                            "command": ["sh", "-c", f"ln -s {secret} $(results.r.path)"],
                        }
                    ]
                },
            },
        }
    )
    engine.client.create(
        {
            "apiVersion": GV,
            "kind": "WorkflowRun",
            "metadata": {"name": "leak"},
            "spec": {"workflowTemplateRef": "leak"},
        }
    )
    run = engine.wait("leak")
    assert SECRET not in str(run["status"])


# -- 3. the volume file API, raced -----------------------------------------------------


def files(ns: str, name: str = "data") -> str:
    return f"/treadle/v1/namespaces/{ns}/volumes/{name}/files"


def flipper(volume: Path, targets: list[str], stop: threading.Event) -> Callable[[], int]:
    """Swap `volume/d` between a directory and a symlink to each target, until
    stopped; returns the number of swaps. The server may make `d` anew while it is
    parked (an upload makes missing parents): that one is thrown away."""
    count = 0
    d, parked = volume / "d", volume / "d.parked"

    def clear() -> None:
        if d.is_symlink():
            d.unlink()
        elif d.exists():
            shutil.rmtree(d)

    def put(make: Callable[[], None]) -> None:
        while True:
            try:
                clear()
                make()
                return
            except OSError:
                continue  # the server made `d` again in between

    def run() -> int:
        nonlocal count
        while not stop.is_set():
            os.rename(d, parked)
            put(functools.partial(os.symlink, targets[count % len(targets)], d))
            time.sleep(0)  # let the server's threads find the symlink there
            put(functools.partial(os.rename, parked, d))
            count += 1
        return count

    return run


def test_flipping_a_directory_and_a_symlink_never_reaches_outside(
    http: httpx.Client, ns: str, served: Served, tmp_path: Path
) -> None:
    outside = host_dir(tmp_path)
    (outside / "f").write_text(SECRET)
    assert (
        http.post(f"/treadle/v1/namespaces/{ns}/volumes", json={"name": "data"}).status_code == 201
    )
    volume = served.home.volume(ns, "data")
    (volume / "d").mkdir()
    (volume / "d" / "f").write_text("inside")
    stop = threading.Event()
    swaps: list[int] = []
    run = flipper(volume, [str(outside), os.path.relpath(outside, volume)], stop)
    thread = threading.Thread(target=lambda: swaps.append(run()))
    thread.start()
    seen: collections.Counter[tuple[str, int]] = collections.Counter()
    leaks = []
    try:
        for i in range(300):
            for op, response in (
                ("read", http.get(f"{files(ns)}/d/f")),
                ("list", http.get(f"{files(ns)}/d")),
                ("write", http.put(f"{files(ns)}/d/w{i}", content=b"x")),
                ("delete", http.delete(f"{files(ns)}/d/w{i}")),
            ):
                seen[(op, response.status_code)] += 1
                if SECRET in response.text or "secret" in response.text:
                    leaks.append((op, response.text))
    finally:
        stop.set()
        thread.join()
    assert swaps and swaps[0] > 0
    assert not [k for k in seen if k[1] >= 500], seen
    assert leaks == []
    assert sorted(os.listdir(outside)) == ["f", "secret"], seen
    assert seen[("read", 200)] > 0 and seen[("write", 201)] > 0, seen


@pytest.mark.parametrize(
    "path",
    [
        "..%2f..%2fetc%2fpasswd",
        "%2e%2e/%2e%2e/etc/passwd",
        "%2E%2E",
        "a/%2e%2e/%2e%2e/x",
        "..%5c..%5cetc%5cpasswd",
        "a%5cb",
        "a%00b",
        "%00",
        "%2fetc%2fpasswd",
        "/etc/passwd",
    ],
)
def test_traversal_encodings_are_refused_with_4xx(http: httpx.Client, ns: str, path: str) -> None:
    assert (
        http.post(f"/treadle/v1/namespaces/{ns}/volumes", json={"name": "data"}).status_code == 201
    )
    for method in ("GET", "PUT", "DELETE"):
        response = http.request(method, f"{files(ns)}/{path}", content=b"x")
        assert 400 <= response.status_code < 500, (method, response.status_code, response.text)


def test_a_fifo_in_a_volume_is_refused_not_waited_on(
    http: httpx.Client, ns: str, served: Served
) -> None:
    assert (
        http.post(f"/treadle/v1/namespaces/{ns}/volumes", json={"name": "data"}).status_code == 201
    )
    os.mkfifo(served.home.volume(ns, "data") / "pipe")
    assert http.get(f"{files(ns)}/pipe", timeout=5).status_code == 400
    assert http.put(f"{files(ns)}/pipe/x", content=b"x", timeout=5).status_code == 400


def test_a_symlink_in_a_listing_is_shown_without_following_it_out(
    http: httpx.Client, ns: str, served: Served, tmp_path: Path
) -> None:
    outside = host_dir(tmp_path)
    assert (
        http.post(f"/treadle/v1/namespaces/{ns}/volumes", json={"name": "data"}).status_code == 201
    )
    (served.home.volume(ns, "data") / "esc").symlink_to(outside)
    items = http.get(files(ns)).json()["items"]
    assert [(i["name"], i["type"]) for i in items] == [("esc", "file")]
    assert http.get(f"{files(ns)}/esc").status_code == 400
    assert http.delete(f"{files(ns)}/esc").status_code == 200
    assert unchanged(outside)


# -- 4. the sandbox hides the data directory ---------------------------------------------


@pytest.fixture
def shown_home() -> Iterator[Path]:
    """A data directory where the sandbox would show it, unlike one in /tmp (the
    sandbox has a /tmp of its own)."""
    base = shown_host_dir()
    if base is None:
        pytest.skip("no writable host directory the sandbox shows")
    root = Path(tempfile.mkdtemp(prefix="treadle-home-", dir=base))
    try:
        yield root / "home"
    finally:
        shutil.rmtree(root)


@needs_sandbox
def test_a_sandboxed_step_cannot_read_the_data_directory(shown_home: Path) -> None:
    engine = Engine(shown_home)
    try:
        home = engine.client.home
        home.token_file.write_text("admin-token")
        other = Path(engine.client.volume_path("other", "v"))
        (other / "secret").write_text(SECRET)
        probes = [home.database, home.token_file, other / "secret"]
        script = (
            "".join(f"cat {p} >/dev/null 2>&1 && echo read {p}; " for p in probes)
            + f"ls -A {home.root} | wc -l; echo mine > $(workspaces.w.path)/out"
        )
        run = run_script(engine, "peek", script, pvc("data"))
        assert run["status"]["phase"] == "Succeeded", run["status"]
        assert engine.logs("peek").split() == ["0"]
        assert (home.volume("default", "data") / "out").read_text() == "mine\n"
    finally:
        engine.close()


@needs_sandbox
def test_a_host_path_volume_at_the_home_is_the_admins_choice(shown_home: Path) -> None:
    engine = Engine(shown_home)
    try:
        spec = {
            "containers": [
                {
                    "name": "c",
                    "command": ["ls", "/host-home"],
                    "volumeMounts": [{"name": "h", "mountPath": "/host-home", "readOnly": True}],
                }
            ],
            "volumes": [{"name": "h", "hostPath": {"path": str(engine.client.home.root)}}],
        }
        pod = settle(engine, store_pod(engine, "admin", spec))
        assert pod["status"]["phase"] == "Succeeded", pod["status"]
        assert "treadle.db" in pod_logs(engine, pod)
    finally:
        engine.close()


# -- 5. stored objects no reconciler can use ---------------------------------------------


def fails_once(
    engine: Engine, pod: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> dict[str, Any]:
    """The pod, settled: Failed by a single status write, without a logged crash."""
    settled = settle(engine, pod)
    events = list(
        engine.store.watch(
            "v1", "Pod", "default", since=pod["metadata"]["resourceVersion"], timeout=0.3
        )
    )
    assert [e.type for e in events] == ["MODIFIED"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert settled["status"]["phase"] == "Failed"
    return settled


def test_a_pod_whose_containers_are_not_objects_fails_once(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    pod = fails_once(engine, store_pod(engine, "bad", {"containers": ["x"]}), caplog)
    assert pod["status"]["reason"] == "InvalidSpec"
    assert "spec.containers[0]" in pod["status"]["message"]


@pytest.mark.parametrize(
    "spec",
    [
        {"containers": "x"},
        {"containers": [{"name": "c", "command": "true"}]},
        {"containers": [{"name": "c", "command": ["true"], "volumeMounts": [5]}]},
        {"containers": [{"name": "c", "command": ["true"], "env": [{"value": "x"}]}]},
        {"containers": [{"name": "c", "command": ["true"]}], "volumes": [{"emptyDir": {}}]},
        {"containers": [{"name": "c", "command": ["true"]}], "volumes": "x"},
        {"initContainers": [{"command": ["true"]}], "containers": []},
    ],
)
def test_a_pod_of_the_wrong_shape_fails_once(
    engine: Engine, caplog: pytest.LogCaptureFixture, spec: dict[str, Any]
) -> None:
    pod = fails_once(engine, store_pod(engine, "bad", spec), caplog)
    assert pod["status"]["reason"] == "InvalidSpec"


@pytest.mark.parametrize(
    ("kind", "body"),
    [
        ("ConfigMap", {"data": "x"}),
        ("ConfigMap", {"binaryData": {"k": "%%%"}}),
        ("Secret", {"data": {"k": "not base64!"}}),
        ("Secret", {"data": ["k"]}),
    ],
)
def test_a_pod_using_unusable_config_fails_once(
    engine: Engine, caplog: pytest.LogCaptureFixture, kind: str, body: dict[str, Any]
) -> None:
    engine.store.create({"apiVersion": "v1", "kind": kind, "metadata": {"name": "cfg"}, **body})
    source = (
        {"configMap": {"name": "cfg"}} if kind == "ConfigMap" else {"secret": {"secretName": "cfg"}}
    )
    spec = {
        "containers": [{"name": "c", "command": ["true"]}],
        "volumes": [{"name": "v", **source}],
    }
    pod = fails_once(engine, store_pod(engine, "uses-config", spec), caplog)
    assert pod["status"]["reason"] == "CreateContainerConfigError"
    assert f'{kind} "cfg"' in pod["status"]["message"]


def test_a_reconcile_that_keeps_failing_is_retried_later_each_time(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[float] = []
    third = threading.Event()

    def broken(kind: str, namespace: str, name: str) -> float | None:
        calls.append(time.monotonic())
        if len(calls) == 3:
            third.set()
        raise RuntimeError("a reconciler that cannot handle this object")

    monkeypatch.setattr(engine.manager.operator("Pod"), "reconcile", broken)
    store_pod(engine, "p", {"containers": [{"name": "c", "command": ["true"]}]})
    assert third.wait(10)
    first, second = calls[1] - calls[0], calls[2] - calls[1]
    assert first >= 0.9 * BACKOFF_BASE and second >= 0.9 * 2 * BACKOFF_BASE
