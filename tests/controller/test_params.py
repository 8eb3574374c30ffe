"""Params as the platform treats them (SPEC §3.6, §4, §13): given but undeclared,
referenced but undeclared, and referenced with no value at all."""

from __future__ import annotations

from typing import Any

from tests.support import Engine

GV = "batch.tensorstack.dev/v1beta1"


def warnings(engine: Engine, run: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (e["reason"], e["message"])
        for e in engine.client.events_for(run)
        if e.get("type") == "Warning"
    ]


def echo_template(name: str, text: str, params: str = "[]") -> str:
    return (
        f"apiVersion: {GV}\nkind: WorkflowTemplate\nmetadata: {{name: {name}}}\n"
        f"spec:\n  params: {params}\n  seqPod:\n    steps:\n"
        f"      - {{name: say, image: ubuntu, command: [echo, '{text}']}}\n---\n"
    )


def run_of(name: str, template: str, params: str = "[]") -> str:
    return (
        f"apiVersion: {GV}\nkind: WorkflowRun\nmetadata: {{name: {name}}}\n"
        f"spec: {{workflowTemplateRef: {template}, params: {params}}}\n"
    )


def test_a_param_the_run_gives_is_substituted_though_the_template_does_not_declare_it(
    engine: Engine,
) -> None:
    engine.apply(
        echo_template("loose", "data at $(params.dataPath)")
        + run_of("loose-run", "loose", "[{name: dataPath, value: /data/taxi}]")
    )
    done = engine.wait("loose-run")
    assert done["status"]["phase"] == "Succeeded", done["status"]["message"]
    assert "data at /data/taxi" in engine.logs("loose-run")


def test_a_param_the_template_does_not_declare_is_a_warning_event_on_the_run(
    engine: Engine,
) -> None:
    engine.apply(
        echo_template("quiet", "hello") + run_of("quiet-run", "quiet", "[{name: unused, value: x}]")
    )
    done = engine.wait("quiet-run")
    assert done["status"]["phase"] == "Succeeded"
    [(reason, message)] = warnings(engine, done)
    assert reason == "UndeclaredParam"
    assert 'param "unused" is not declared by template "quiet"' in message


def test_a_reference_without_a_value_is_left_as_written_and_named_in_a_warning(
    engine: Engine,
) -> None:
    engine.apply(echo_template("gap", "value: $(params.missing)") + run_of("gap-run", "gap"))
    done = engine.wait("gap-run")
    assert done["status"]["phase"] == "Succeeded"
    assert "value: $(params.missing)" in engine.logs("gap-run")
    [(reason, message)] = warnings(engine, done)
    assert reason == "UnresolvedParam"
    assert message.startswith("$(params.missing) has no value")


def test_a_declared_param_with_a_default_raises_no_warning(engine: Engine) -> None:
    engine.apply(
        echo_template("tidy", "$(params.p)", "[{name: p, default: fine}]")
        + run_of("tidy-run", "tidy")
    )
    done = engine.wait("tidy-run")
    assert "fine" in engine.logs("tidy-run")
    assert warnings(engine, done) == []


def test_a_dag_node_passes_a_param_its_template_references_but_does_not_declare(
    engine: Engine,
) -> None:
    # The platform tutorial's data-transform template reads $(params.dataPath),
    # declares no such param, and gets it from its DAG node.
    engine.apply(
        echo_template("transform", "eval=$(params.dataPath)/eval.csv")
        + f"apiVersion: {GV}\nkind: WorkflowTemplate\nmetadata: {{name: pipeline}}\n"
        "spec:\n  params: [{name: dataPath, default: data}]\n  dag:\n    templates:\n"
        "      - name: transform\n        workflowTemplateRef: transform\n"
        "        params: [{name: dataPath, value: $(params.dataPath)}]\n---\n"
        + run_of("pipeline-run", "pipeline")
    )
    done = engine.wait("pipeline-run")
    assert done["status"]["phase"] == "Succeeded", done["status"]["message"]
    assert "eval=data/eval.csv" in engine.logs("pipeline-run")
