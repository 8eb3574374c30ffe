"""The status a run is written with: built from the typed models in `api/run.py`,
and shaped as it was when the reconcilers wrote plain dicts, key for key."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from tests.support import Engine, run_yaml, template_yaml
from treadle.api.run import WorkflowRunStatus

template = template_yaml


def run(name: str, ref: str) -> str:
    return run_yaml(name, f"  workflowTemplateRef: {ref}")


def shape(value: Any) -> Any:
    """`value` with every scalar replaced by its JSON type; the frozen template is
    the template's own wire form, not the status's, so it is only an object here."""
    if isinstance(value, dict):
        return {k: "object" if k == "workflowTemplateSpec" else shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(v) for v in value]
    return {str: "string", int: "integer", bool: "boolean", type(None): "null"}[type(value)]


def unknown_keys(value: Any, path: str = "status") -> list[str]:
    """Every key of a loaded status that no model field describes."""
    if isinstance(value, BaseModel):
        found = [f"{path}.{key}" for key in value.model_extra or {}]
        for name in value.model_fields_set:
            found += unknown_keys(getattr(value, name), f"{path}.{name}")
        return found
    if isinstance(value, dict):
        return [k for key, item in value.items() for k in unknown_keys(item, f"{path}.{key}")]
    if isinstance(value, list):
        return [k for i, item in enumerate(value) for k in unknown_keys(item, f"{path}[{i}]")]
    return []


CONDITIONS = [
    {"type": "string", "status": "string", "lastTransitionTime": "string", "reason": "string"},
    {
        "type": "string",
        "status": "string",
        "lastTransitionTime": "string",
        "reason": "string",
        "message": "string",
    },
]
FINISHED = {
    "phase": "string",
    "reason": "string",
    "message": "string",
    "conditions": CONDITIONS,
    "startTime": "string",
    "completionTime": "string",
    "workflowTemplateSpec": "object",
}
STEP = {
    "name": "string",
    "kind": "string",
    "phase": "string",
    "exitCode": "integer",
    "reason": "string",
    "startTime": "string",
    "completionTime": "string",
}
RESULT = {"name": "string", "value": "string"}
NODE_RAN = {
    "phase": "string",
    "workflowRunName": "string",
    "attempts": "integer",
    "startTime": "string",
    "completionTime": "string",
    "message": "string",
}
RETRIED = {
    "node": "string",
    "attempt": "integer",
    "workflowRunName": "string",
    "phase": "string",
    "message": "string",
    "startTime": "string",
    "completionTime": "string",
}
WHEN = {"input": "string", "operator": "string", "values": ["string"]}

EXPECTED: dict[str, Any] = {
    # A Pod run declares no results and writes an empty list for them.
    "pod-run": {**FINISHED, "podName": "string", "steps": [STEP, STEP, STEP], "results": []},
    "seq-run": {**FINISHED, "podName": "string", "steps": [STEP, STEP], "results": [RESULT]},
    "dag-run": {
        **FINISHED,
        "nodes": {
            "a": NODE_RAN,
            "b": {"phase": "string", "message": "string", "whenExpressions": [WHEN]},
            # Skipped for its dependency: no when expression was false.
            "c": {"phase": "string", "message": "string", "whenExpressions": []},
            "d": {**NODE_RAN, "retriedRunNames": ["string"]},
        },
        "retriedStatus": [RETRIED],
        "results": [RESULT],
    },
    "job-run": {
        **FINISHED,
        "resource": {"apiVersion": "string", "kind": "string", "name": "string"},
    },
    # Refused at start: no template was resolved, so none is frozen.
    "missing-run": {key: value for key, value in FINISHED.items() if key != "workflowTemplateSpec"},
}

DOCUMENTS = (
    template(
        "pod",
        "  pod:\n    initContainers: [{name: i, image: ubuntu, command: ['true']}]\n"
        "    containers:\n"
        "      - {name: a, image: ubuntu, command: ['true']}\n"
        "      - {name: b, image: ubuntu, command: ['true']}",
    )
    + template(
        "seq",
        "  results: [{name: out}]\n  seqPod:\n    steps:\n"
        "      - {name: one, image: ubuntu, script: 'printf hi > $(results.out.path)'}\n"
        "      - {name: two, image: ubuntu, command: ['true']}",
    )
    + template("flaky", "  pod:\n    containers: [{name: f, image: ubuntu, command: ['false']}]")
    + template(
        "dag",
        "  results: [{name: r, value: '$(templates.a.results.out)'}]\n"
        "  dag:\n    failureStrategy: StopDependentWorkflowTemplates\n    templates:\n"
        "      - {name: a, workflowTemplateRef: seq}\n"
        "      - {name: b, workflowTemplateRef: pod, dependencies: [a],"
        " when: [{input: '$(templates.a.results.out)', operator: in, values: [nope]}]}\n"
        "      - {name: c, workflowTemplateRef: pod, dependencies: [b]}\n"
        "      - {name: d, workflowTemplateRef: flaky, retries: 1}",
    )
    + template(
        "job",
        "  resource:\n    manifest: |\n"
        "      apiVersion: batch/v1\n      kind: Job\n      metadata: {generateName: pi-}\n"
        "      spec:\n        template:\n          spec:\n            restartPolicy: Never\n"
        "            containers: [{name: pi, image: perl, command: [echo, '3.14']}]\n"
        "    successRules:\n      fieldSelector: status.succeeded > 0",
    )
    + run("pod-run", "pod")
    + run("seq-run", "seq")
    + run("dag-run", "dag")
    + run("job-run", "job")
    + run("missing-run", "nowhere")
)


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """The final status of each run, the runs made once for the module."""
    engine = Engine(tmp_path_factory.mktemp("wire") / "home")
    try:
        engine.apply(DOCUMENTS)
        return {name: engine.wait(name, timeout=60)["status"] for name in EXPECTED}
    finally:
        engine.close()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_finished_status_has_the_keys_and_shapes_it_always_had(
    finished: dict[str, dict[str, Any]], name: str
) -> None:
    assert shape(finished[name]) == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_key_written_is_a_field_of_the_status_model(
    finished: dict[str, dict[str, Any]], name: str
) -> None:
    loaded = WorkflowRunStatus.model_validate(finished[name])
    assert unknown_keys(loaded) == []
    assert loaded.dump() == finished[name]


def test_the_values_that_say_what_happened(finished: dict[str, dict[str, Any]]) -> None:
    pod, seq, dag = finished["pod-run"], finished["seq-run"], finished["dag-run"]
    assert [(s["name"], s["kind"], s["phase"]) for s in pod["steps"]] == [
        ("i", "initContainer", "Succeeded"),
        ("a", "container", "Succeeded"),
        ("b", "container", "Succeeded"),
    ]
    assert [c["type"] for c in pod["conditions"]] == ["Running", "Completed"]
    assert seq["results"] == [{"name": "out", "value": "hi"}]
    assert {n: v["phase"] for n, v in dag["nodes"].items()} == {
        "a": "Succeeded",
        "b": "Skipped",
        "c": "Skipped",
        "d": "Failed",
    }
    assert dag["nodes"]["b"]["whenExpressions"] == [
        {"input": "hi", "operator": "in", "values": ["nope"]}
    ]
    assert (dag["retriedStatus"][0]["node"], dag["retriedStatus"][0]["attempt"]) == ("d", 1)
    assert dag["results"] == [{"name": "r", "value": "hi"}]
    assert finished["job-run"]["resource"]["kind"] == "Job"


def test_a_status_written_by_another_version_loads_and_keeps_what_it_does_not_know() -> None:
    stored = {
        "phase": "Running",
        "steps": [{"name": "a", "phase": "Running", "startTime": None, "extra": 1}],
        "nodes": {"x": {"phase": "Running", "future": True}},
        "somethingNew": {"a": [1]},
    }
    assert WorkflowRunStatus.model_validate(stored).dump() == stored
