"""A finished run's conditions, as the platform reports them (SPEC §5)."""

from __future__ import annotations

from typing import Any

from tests.support import Engine

GV = "batch.tensorstack.dev/v1beta1"

ONE_STEP = (
    f"apiVersion: {GV}\nkind: WorkflowTemplate\nmetadata: {{name: step}}\n"
    "spec:\n  pod:\n    containers: [{name: c, image: ubuntu, command: ['true']}]\n---\n"
    f"apiVersion: {GV}\nkind: WorkflowTemplate\nmetadata: {{name: graph}}\n"
    "spec:\n  dag:\n    templates: [{name: a, workflowTemplateRef: step}]\n---\n"
)


def conditions(run: dict[str, Any]) -> dict[str, tuple[str, str | None, str | None]]:
    return {
        c["type"]: (c["status"], c.get("reason"), c.get("message"))
        for c in run["status"]["conditions"]
    }


def test_a_succeeded_dag_says_so_in_the_platform_s_words(engine: Engine) -> None:
    engine.apply(
        ONE_STEP + f"apiVersion: {GV}\nkind: WorkflowRun\nmetadata: {{name: graph-run}}\n"
        "spec: {workflowTemplateRef: graph}\n"
    )
    done = engine.wait("graph-run")
    assert done["status"]["message"].startswith("DAG succeeded (Nodes Running: 0")
    assert conditions(done) == {
        "Running": ("False", "Succeeded", None),
        "Completed": ("True", "Succeeded", "All nodes in DAG have succeeded"),
    }


def test_a_failed_run_completes_with_the_reason_it_failed(engine: Engine) -> None:
    engine.apply(
        f"apiVersion: {GV}\nkind: WorkflowTemplate\nmetadata: {{name: bad}}\n"
        "spec:\n  pod:\n    containers: [{name: c, image: ubuntu, command: ['false']}]\n---\n"
        f"apiVersion: {GV}\nkind: WorkflowRun\nmetadata: {{name: bad-run}}\n"
        "spec: {workflowTemplateRef: bad}\n"
    )
    done = engine.wait("bad-run")
    status, reason, _ = conditions(done)["Completed"]
    assert (status, reason) == ("True", "StepFailed")
