"""Runs on a host without a sandbox: the stored pod keeps its container paths, and the
kubelet shows each workspace and the results at their host directories."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support import Engine, run_yaml, template_yaml

SHARED = """\
  workspaces: [{name: x}]
  results: [{name: seen}]
  seqPod:
    steps:
      - name: write
        image: ubuntu
        command: [sh, -c]
        args: ["echo one > $(workspaces.x.path)/a && echo two > /t9k/workspaces/x/b"]
      - name: read
        image: ubuntu
        workingDir: /t9k/workspaces/x
        script: |
          printf '%s %s' "$(cat a)" "$(cat /t9k/workspaces/x/b)" > $(results.seen.path)
          echo "at $PWD"
"""


@pytest.fixture
def host_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    monkeypatch.setenv("TREADLE_SANDBOX", "off")
    engine = Engine(tmp_path / "home")
    try:
        assert not engine.client.runtime.sandboxed
        yield engine
    finally:
        engine.close()


def run(engine: Engine, template: str, binding: dict[str, Any]) -> dict[str, Any]:
    """A run of `template` (a spec) with workspace `x` bound as `binding`, once final."""
    spec = yaml.safe_dump({"workflowTemplateRef": "t", "workspaces": [{"name": "x", **binding}]})
    engine.apply(template_yaml("t", template) + run_yaml("r", _indent(spec)))
    return engine.wait("r")


def _indent(text: str) -> str:
    return "\n".join(f"  {line}" for line in text.splitlines())


def pod_of(engine: Engine) -> dict[str, Any]:
    (pod,) = engine.store.list("v1", "Pod", "default").items
    return pod


def test_a_workspace_is_written_by_reference_and_by_literal_path_and_read_back(
    host_engine: Engine,
) -> None:
    status = run(host_engine, SHARED, {"persistentVolumeClaim": {"claimName": "d"}})["status"]
    assert status["phase"] == "Succeeded", status
    assert status["results"] == [{"name": "seen", "value": "one two"}]
    volume = Path(host_engine.client.volume_path("default", "d"))
    assert (volume / "a").read_text() == "one\n"
    assert (volume / "b").read_text() == "two\n"
    assert host_engine.logs("r") == f"at {volume.resolve()}"


def test_a_sub_path_is_where_the_workspace_s_paths_lead(host_engine: Engine) -> None:
    binding = {"persistentVolumeClaim": {"claimName": "d"}, "subPath": "deep/er"}
    status = run(host_engine, SHARED, binding)["status"]
    assert status["phase"] == "Succeeded", status
    volume = Path(host_engine.client.volume_path("default", "d"))
    assert (volume / "deep" / "er" / "b").read_text() == "two\n"


def test_an_empty_dir_workspace_is_shared_by_the_steps(host_engine: Engine) -> None:
    status = run(host_engine, SHARED, {"emptyDir": {}})["status"]
    assert status["phase"] == "Succeeded", status
    assert status["results"] == [{"name": "seen", "value": "one two"}]


def test_the_stored_pod_has_container_paths_only(host_engine: Engine) -> None:
    run(host_engine, SHARED, {"persistentVolumeClaim": {"claimName": "d"}})
    spec = pod_of(host_engine)["spec"]
    write, read = [*spec.get("initContainers", []), *spec["containers"]]
    assert write["args"] == ["echo one > /t9k/workspaces/x/a && echo two > /t9k/workspaces/x/b"]
    assert read["workingDir"] == "/t9k/workspaces/x"
    volumes = {v["name"]: v for v in spec["volumes"]}
    assert volumes == {
        "ws-x": {"name": "ws-x", "persistentVolumeClaim": {"claimName": "d"}},
        "t9k-results": {"name": "t9k-results", "emptyDir": {}},
    }


def test_a_config_map_workspace_fails_the_run_with_the_kubelet_s_reason(
    host_engine: Engine,
) -> None:
    host_engine.store.create(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm"}, "data": {"k": "v"}}
    )
    template = """\
  workspaces: [{name: x}]
  pod:
    containers: [{name: c, image: ubuntu, command: [cat, $(workspaces.x.path)/k]}]
"""
    status = run(host_engine, template, {"configMap": {"name": "cm"}})["status"]
    assert status["phase"] == "Failed"
    assert status["reason"] == "CreateContainerConfigError"
    assert status["message"] == (
        'workspace "x": configMap and secret workspaces need the bubblewrap sandbox, '
        "which this host does not provide"
    )
    assert pod_of(host_engine)["status"]["reason"] == "CreateContainerConfigError"


def test_a_sub_path_that_climbs_fails_the_run_naming_the_workspace(host_engine: Engine) -> None:
    binding = {"persistentVolumeClaim": {"claimName": "d"}, "subPath": "../other"}
    # Admission refuses such a binding; one stored around it must still fail cleanly.
    host_engine.apply(template_yaml("t", SHARED))
    host_engine.store.create(
        {
            "apiVersion": "batch.tensorstack.dev/v1beta1",
            "kind": "WorkflowRun",
            "metadata": {"name": "r"},
            "spec": {"workflowTemplateRef": "t", "workspaces": [{"name": "x", **binding}]},
        }
    )
    status = host_engine.wait("r")["status"]
    assert status["reason"] == "CreateContainerConfigError"
    assert (
        status["message"]
        == 'workspace "x": subPath "../other" must be a relative path without ".."'
    )
