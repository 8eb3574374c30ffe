"""The DAG handler, one pass per case: which child runs it creates from what its
children say, how a failure, a `when` and a stop end it (SPEC §3.5)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.controller.reconcile_table import (
    OWNER,
    STARTED,
    Case,
    run,
    started,
    template,
    verify,
)
from treadle.api.objects import ATTEMPT_LABEL, RUN_LABEL, STOP_ANNOTATION
from treadle.controller.dagrun import ALL_SUCCEEDED
from treadle.store.base import Obj

STEP: Obj = {
    "params": [{"name": "x", "default": ""}],
    "results": [{"name": "out"}],
    "seqPod": {"steps": [{"name": "s", "image": "ubuntu", "command": ["echo", "$(params.x)"]}]},
}
"""What each node runs: a SeqPod with an optional param and a result."""
NEEDS: Obj = {
    "params": [{"name": "must"}],
    "seqPod": {"steps": [{"name": "s", "image": "ubuntu", "command": ["true"]}]},
}
"""A node template with a required param."""
WS: Obj = {
    "workspaces": [{"name": "w"}],
    "seqPod": {"steps": [{"name": "s", "image": "ubuntu", "command": ["true"]}]},
}
"""A node template with a workspace."""
TEMPLATES = (template("step", STEP), template("needs", NEEDS), template("ws", WS))

FORK: Obj = {
    "results": [{"name": "final", "value": "$(templates.b.results.out)"}],
    "dag": {
        "templates": [
            {"name": "a", "workflowTemplateRef": "step"},
            {
                "name": "b",
                "workflowTemplateRef": "step",
                "dependencies": ["a"],
                "params": [{"name": "x", "value": "$(templates.a.results.out)"}],
            },
            {"name": "c", "workflowTemplateRef": "step"},
        ]
    },
}
"""a → b (reading a's result), and c beside them; the DAG's result is b's."""
TWO_CHAINS: Obj = {
    "dag": {
        "templates": [
            {"name": "a", "workflowTemplateRef": "step"},
            {"name": "b", "workflowTemplateRef": "step", "dependencies": ["a"]},
            {"name": "c", "workflowTemplateRef": "step"},
            {"name": "d", "workflowTemplateRef": "step", "dependencies": ["c"]},
        ]
    },
}
"""a → b and c → d: two branches that do not depend on each other."""
STOP_DEPENDENT: Obj = {
    "dag": {**TWO_CHAINS["dag"], "failureStrategy": "StopDependentWorkflowTemplates"}
}
WHEN: Obj = {
    "params": [{"name": "mode"}],
    "dag": {
        "templates": [
            {
                "name": "a",
                "workflowTemplateRef": "step",
                "when": [{"input": "$(params.mode)", "operator": "in", "values": ["fast"]}],
            },
            {"name": "b", "workflowTemplateRef": "step", "dependencies": ["a"]},
        ]
    },
}
"""a runs only in mode "fast"; b after it."""
RETRIED: Obj = {"dag": {"templates": [{"name": "a", "workflowTemplateRef": "step", "retries": 1}]}}
WORKSPACES: Obj = {
    "workspaces": [{"name": "data"}],
    "dag": {
        "templates": [
            {
                "name": "a",
                "workflowTemplateRef": "ws",
                "workspaces": [{"name": "w", "workspace": "data", "subPath": "a"}],
            }
        ]
    },
}
"""The DAG's workspace handed to node a's own, one directory down."""


def dag_run(spec: Obj, **fields: object) -> Obj:
    """A DAG run started on `spec`."""
    return run({"workflowTemplateSpec": spec, **fields}, started(spec))


def child(phase: str, **results: str) -> Obj:
    """A child run's status."""
    status: Obj = {"phase": phase, "startTime": STARTED, "message": phase}
    if phase in ("Succeeded", "Failed"):
        status["completionTime"] = STARTED
    if results:
        status["results"] = [{"name": k, "value": v} for k, v in results.items()]
    return status


def node_child(ref: str, attempt: int = 1, **spec: object) -> Obj:
    """What a created child run of node holds."""
    return {
        "metadata": {
            "labels": {RUN_LABEL: "r", ATTEMPT_LABEL: str(attempt)},
            **OWNER,
        },
        "spec": {"workflowTemplateRef": ref, "depth": 1, **spec},
    }


def summary(
    phase: str, running: int, succeeded: int, failed: int, skipped: int, unscheduled: int
) -> str:
    return (
        f"DAG {phase} (Nodes Running: {running}, Succeeded: {succeeded}, Failed: {failed}, "
        f"Skipped: {skipped}, Unscheduled: {unscheduled})"
    )


def nodes(**phases: str) -> Obj:
    return {"nodes": {n: {"phase": p} for n, p in phases.items()}}


STARTING = [
    Case(
        "a-dag-whose-node-template-is-missing-is-refused-at-start",
        run({"workflowTemplateSpec": RETRIED}),
        status={
            "phase": "Failed",
            "reason": "PreflightFailed",
            "message": 'node "a": WorkflowTemplate "step" not found in namespace "default"',
        },
        events=("PreflightFailed",),
    ),
    Case(
        "a-dag-whose-node-lacks-a-required-param-is-refused-at-start",
        run(
            {
                "workflowTemplateSpec": {
                    "dag": {"templates": [{"name": "a", "workflowTemplateRef": "needs"}]}
                }
            }
        ),
        templates=TEMPLATES,
        status={
            "phase": "Failed",
            "reason": "PreflightFailed",
            "message": 'node "a": missing required param "must" of template "needs"',
        },
        events=("PreflightFailed",),
    ),
    Case(
        "a-dag-whose-node-templates-exist-starts",
        run({"workflowTemplateSpec": FORK}),
        templates=TEMPLATES,
        status={"phase": "Running", "message": "DAG run started"},
        events=("Started",),
        requeue=0.0,
    ),
]

PROGRESS = [
    Case(
        "the-nodes-without-dependencies-start-together",
        dag_run(FORK),
        templates=TEMPLATES,
        status={
            "phase": "Running",
            "message": summary("running", 2, 0, 0, 0, 1),
            "nodes": {
                "a": {"phase": "Running", "attempts": 1, "startTime": "2024-05-01T12:00:00.000Z"},
                "c": {"phase": "Running", "attempts": 1},
            },
        },
        created={
            "WorkflowRun node a": node_child("step", params=[]),
            "WorkflowRun node c": node_child("step", params=[]),
        },
        events=("NodeStarted", "NodeStarted"),
    ),
    Case(
        "a-node-waits-while-its-dependency-runs",
        dag_run(FORK),
        templates=TEMPLATES,
        children={"a": child("Running"), "c": child("Running")},
        status={"phase": "Running", **nodes(a="Running", c="Running")},
    ),
    Case(
        "a-dependency-that-succeeded-starts-its-dependant-with-its-results-as-params",
        dag_run(FORK),
        templates=TEMPLATES,
        children={"a": child("Succeeded", out="42"), "c": child("Running")},
        status={"phase": "Running", **nodes(a="Succeeded", b="Running", c="Running")},
        created={"WorkflowRun node b": node_child("step", params=[{"name": "x", "value": "42"}])},
        events=("NodeStarted",),
    ),
    Case(
        "a-child-run-is-one-level-deeper-than-its-dag",
        run(
            {"workflowTemplateSpec": RETRIED, "depth": 3},
            started(RETRIED),
        ),
        templates=TEMPLATES,
        created={"WorkflowRun node a": {"spec": {"depth": 4}}},
        events=("NodeStarted",),
    ),
    Case(
        "a-node-gets-the-dags-workspace-beneath-the-runs-binding",
        dag_run(
            WORKSPACES,
            workspaces=[
                {"name": "data", "persistentVolumeClaim": {"claimName": "vol"}, "subPath": "base"}
            ],
        ),
        templates=TEMPLATES,
        created={
            "WorkflowRun node a": node_child(
                "ws",
                workspaces=[
                    {
                        "name": "w",
                        "persistentVolumeClaim": {"claimName": "vol"},
                        "subPath": "base/a",
                    }
                ],
            )
        },
        events=("NodeStarted",),
    ),
    Case(
        "a-failed-node-with-retries-left-is-run-again-as-a-new-child",
        dag_run(RETRIED),
        templates=TEMPLATES,
        children={"a": child("Failed")},
        status={"phase": "Running", "nodes": {"a": {"phase": "Running", "attempts": 2}}},
        created={"WorkflowRun node a": node_child("step", attempt=2)},
        events=("NodeRetried",),
    ),
    Case(
        "a-failed-node-lets-the-running-ones-finish-and-starts-nothing-new",
        dag_run(FORK),
        templates=TEMPLATES,
        children={"a": child("Failed"), "c": child("Running")},
        status={"phase": "Running", **nodes(a="Failed", c="Running")},
    ),
    Case(
        "a-failed-node-fails-the-dag-once-nothing-runs-and-its-dependants-never-start",
        dag_run(FORK),
        templates=TEMPLATES,
        children={"a": child("Failed"), "c": child("Succeeded")},
        status={
            "phase": "Failed",
            "reason": "Failed",
            "message": 'DAG failed: node "a" failed '
            "(Nodes Running: 0, Succeeded: 1, Failed: 1, Skipped: 0, Unscheduled: 1)",
            **nodes(a="Failed", c="Succeeded"),
        },
        events=("Failed",),
    ),
    Case(
        "by-default-a-failed-node-stops-the-other-branches-too",
        dag_run(TWO_CHAINS),
        templates=TEMPLATES,
        children={"a": child("Failed"), "c": child("Succeeded")},
        status={"phase": "Failed", **nodes(a="Failed", c="Succeeded")},
        events=("Failed",),
    ),
    Case(
        "stop-dependent-lets-the-other-branches-go-on",
        dag_run(STOP_DEPENDENT),
        templates=TEMPLATES,
        children={"a": child("Failed"), "c": child("Succeeded")},
        status={"phase": "Running", **nodes(a="Failed", c="Succeeded", d="Running")},
        created={"WorkflowRun node d": node_child("step")},
        events=("NodeStarted",),
    ),
    Case(
        "a-false-when-skips-the-node-and-its-dependants",
        dag_run(WHEN, params=[{"name": "mode", "value": "slow"}]),
        templates=TEMPLATES,
        status={
            "phase": "Succeeded",
            "nodes": {
                "a": {
                    "phase": "Skipped",
                    "whenExpressions": [{"input": "slow", "operator": "in", "values": ["fast"]}],
                },
                "b": {"phase": "Skipped"},
            },
        },
        events=("NodeSkipped", "NodeSkipped", "Succeeded"),
    ),
    Case(
        "a-true-when-starts-the-node",
        dag_run(WHEN, params=[{"name": "mode", "value": "fast"}]),
        templates=TEMPLATES,
        status={"phase": "Running", **nodes(a="Running")},
        created={"WorkflowRun node a": node_child("step")},
        events=("NodeStarted",),
    ),
    Case(
        "a-dag-whose-nodes-all-succeeded-succeeds-with-its-results",
        dag_run(FORK),
        templates=TEMPLATES,
        children={
            "a": child("Succeeded", out="42"),
            "b": child("Succeeded", out="43"),
            "c": child("Succeeded"),
        },
        status={
            "phase": "Succeeded",
            "reason": "Succeeded",
            "message": summary("succeeded", 0, 3, 0, 0, 0),
            "results": [{"name": "final", "value": "43"}],
            "conditions": [
                {"type": "Running", "status": "False", "reason": "Succeeded"},
                {"type": "Completed", "status": "True", "message": ALL_SUCCEEDED},
            ],
            **nodes(a="Succeeded", b="Succeeded", c="Succeeded"),
        },
        events=("Succeeded",),
    ),
    Case(
        "a-stopped-dag-asks-its-running-children-to-stop-and-is-cancelled",
        run(
            {"workflowTemplateSpec": FORK},
            started(FORK),
            annotations={STOP_ANNOTATION: "stopped by user"},
        ),
        templates=TEMPLATES,
        children={"a": child("Running"), "c": child("Succeeded")},
        status={"phase": "Failed", "reason": "Cancelled"},
        changed={
            "WorkflowRun node a": {
                "metadata": {"annotations": {STOP_ANNOTATION: 'parent run "r" stopped'}}
            }
        },
        events=("Cancelled",),
        enqueued=("WorkflowRun node a",),
    ),
]


@pytest.mark.parametrize("case", STARTING + PROGRESS, ids=lambda c: c.name)
def test_one_pass_of_a_dag_run(case: Case, tmp_path: Path) -> None:
    verify(tmp_path, case)
