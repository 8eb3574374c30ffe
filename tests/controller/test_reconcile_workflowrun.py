"""The WorkflowRun reconciler, one pass per case: starting a run, its Pod or SeqPod
as it runs, timeout, stop, and a finished run (SPEC §5)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.controller.reconcile_table import (
    OWNER,
    STARTED,
    Case,
    finished,
    pod_status,
    run,
    running,
    started,
    template,
    terminated,
    verify,
    waiting,
)
from treadle.api.objects import STOP_ANNOTATION
from treadle.store.base import Obj

POD: Obj = {
    "pod": {
        "containers": [
            {"name": "a", "image": "ubuntu", "command": ["true"]},
            {"name": "b", "image": "ubuntu", "command": ["true"]},
        ]
    }
}
"""A Pod template of two containers."""
SEQ: Obj = {
    "params": [{"name": "who"}],
    "results": [{"name": "greeting"}],
    "seqPod": {
        "steps": [
            {"name": "s1", "image": "ubuntu", "command": ["echo", "$(params.who)"]},
            {"name": "s2", "image": "ubuntu", "command": ["true"]},
        ]
    },
}
"""A SeqPod template of two steps with one required param and one result."""
BY_REF: Obj = {"workflowTemplateRef": "t"}
SEQ_RUN: Obj = {"workflowTemplateRef": "seq", "params": [{"name": "who", "value": "world"}]}
TEMPLATES = (template("t", POD), template("seq", SEQ))
RUNNING_FALSE: Obj = {"type": "Running", "status": "False"}


def failed_at_start(reason: str, message: str) -> Obj:
    return {
        "phase": "Failed",
        "reason": reason,
        "message": message,
        "startTime": "2024-05-01T12:00:00.000Z",
        "completionTime": "2024-05-01T12:00:00.000Z",
        "conditions": [
            {"type": "Running", "status": "False", "reason": reason},
            {"type": "Completed", "status": "True", "reason": reason, "message": message},
        ],
    }


def running_pod(message: str, *steps: tuple[str, str]) -> Obj:
    return {
        "phase": "Running",
        "podName": "r-pod",
        "message": message,
        "steps": [{"name": n, "phase": p} for n, p in steps],
    }


STARTING = [
    Case(
        "a-run-of-a-missing-template-fails-naming-it",
        run({"workflowTemplateRef": "nowhere"}),
        status=failed_at_start(
            "TemplateNotFound", 'WorkflowTemplate "nowhere" not found in namespace "default"'
        ),
        events=("TemplateNotFound",),
    ),
    Case(
        "a-run-starts-running-on-its-template-frozen",
        run(BY_REF),
        templates=TEMPLATES,
        status={
            "phase": "Running",
            "message": "Pod run started",
            "startTime": "2024-05-01T12:00:00.000Z",
            "workflowTemplateSpec": POD,
            "conditions": [{"type": "Running", "status": "True", "reason": "Started"}],
        },
        absent=("podName", "completionTime"),
        # The pod comes on the next pass, at once.
        events=("Started", "Note"),
        requeue=0.0,
    ),
    Case(
        "a-run-of-an-embedded-template-starts-without-a-template-object",
        run({"workflowTemplateSpec": POD}),
        status={"phase": "Running", "workflowTemplateSpec": POD},
        events=("Started", "Note"),
        requeue=0.0,
    ),
    Case(
        "a-run-without-a-required-param-fails-at-start",
        run({"workflowTemplateRef": "seq"}),
        templates=TEMPLATES,
        status=failed_at_start(
            "InvalidParams", 'spec.params: missing required param "who" of template "seq"'
        ),
        events=("InvalidParams",),
    ),
    Case(
        "a-param-the-template-does-not-declare-is-a-warning-not-a-refusal",
        run({**SEQ_RUN, "params": [*SEQ_RUN["params"], {"name": "extra", "value": "x"}]}),
        templates=TEMPLATES,
        status={"phase": "Running"},
        events=("Started", "Note", "UndeclaredParam"),
        requeue=0.0,
    ),
    Case(
        "a-run-nested-deeper-than-the-limit-is-refused",
        run({**BY_REF, "depth": 11}),
        templates=TEMPLATES,
        status=failed_at_start("DepthExceeded", "nesting depth 11 exceeds the limit of 10"),
        events=("DepthExceeded",),
    ),
    Case(
        "a-run-nested-at-the-limit-starts",
        run({**BY_REF, "depth": 10}),
        templates=TEMPLATES,
        status={"phase": "Running"},
        events=("Started", "Note"),
        requeue=0.0,
    ),
]

POD_RUNS = [
    Case(
        "a-started-pod-run-creates-its-pod-owned-by-it",
        run(BY_REF, started(POD)),
        # Judged as created, in the same write: its steps wait.
        status=running_pod("pod Pending", ("a", "Waiting"), ("b", "Waiting")),
        created={
            "Pod r-pod": {
                "metadata": {"namespace": "default", **OWNER},
                "spec": {"containers": [{"name": "a"}, {"name": "b"}]},
            }
        },
        events=("PodCreated",),
    ),
    Case(
        "a-started-seqpod-run-creates-a-pod-whose-steps-run-in-order-as-init-containers",
        run(SEQ_RUN, started(SEQ)),
        status={"phase": "Running", "podName": "r-pod"},
        created={"Pod r-pod": {"metadata": OWNER}},
        events=("PodCreated",),
    ),
    Case(
        "a-running-pod-is-the-runs-steps",
        run(BY_REF, started(POD, podName="r-pod")),
        pod=pod_status("Running", [running("a"), waiting("b")]),
        status=running_pod("running a (0/2 done)", ("a", "Running"), ("b", "Waiting")),
        events=("StepStarted",),
    ),
    Case(
        "a-pass-that-sees-nothing-new-writes-nothing",
        run(
            BY_REF,
            started(
                POD,
                podName="r-pod",
                message="running a (0/2 done)",
                steps=[
                    {"name": "a", "kind": "container", "phase": "Running", "startTime": STARTED},
                    {"name": "b", "kind": "container", "phase": "Waiting"},
                ],
            ),
        ),
        pod=pod_status("Running", [running("a"), waiting("b")]),
        untouched=True,
    ),
    Case(
        "a-pending-pod-keeps-the-run-running-with-waiting-steps",
        run(BY_REF, started(POD, podName="r-pod")),
        pod=pod_status("Pending"),
        status=running_pod("pod Pending", ("a", "Waiting"), ("b", "Waiting")),
    ),
    Case(
        "a-succeeded-seqpod-succeeds-the-run-with-its-results",
        run(SEQ_RUN, started(SEQ, podName="r-pod")),
        pod=pod_status(
            "Succeeded",
            init=[
                terminated("s1", 0),
                terminated("s2", 0, message='{"results": {"greeting": "hello world"}}'),
            ],
        ),
        status={
            "phase": "Succeeded",
            "reason": "Succeeded",
            "message": "all 2 steps succeeded",
            "completionTime": "2024-05-01T12:00:00.000Z",
            "results": [{"name": "greeting", "value": "hello world"}],
            "steps": [
                {"name": "s1", "kind": "step", "phase": "Succeeded", "exitCode": 0},
                {"name": "s2", "kind": "step", "phase": "Succeeded", "exitCode": 0},
            ],
            "conditions": [
                {"type": "Running", "status": "False", "reason": "Succeeded"},
                {"type": "Completed", "status": "True", "reason": "Succeeded"},
            ],
        },
        events=("StepFinished", "StepFinished", "Succeeded"),
    ),
    Case(
        "a-failed-container-fails-the-run-naming-it-and-its-exit-code",
        run(BY_REF, started(POD, podName="r-pod")),
        pod=pod_status("Failed", [terminated("a", 0), terminated("b", 3)]),
        status={
            "phase": "Failed",
            "reason": "StepFailed",
            "message": 'container "b" failed (exit code 3)',
            "conditions": [RUNNING_FALSE, {"type": "Completed", "reason": "StepFailed"}],
        },
        events=("StepFinished", "StepFinished", "StepFailed"),
    ),
    Case(
        "the-container-that-failed-on-its-own-is-blamed-not-the-ones-killed-after-it",
        run(BY_REF, started(POD, podName="r-pod")),
        pod=pod_status("Failed", [terminated("a", 137, reason="Killed"), terminated("b", 4)]),
        status={"phase": "Failed", "message": 'container "b" failed (exit code 4)'},
        events=("StepFinished", "StepFinished", "StepFailed"),
    ),
    Case(
        "a-failed-seqpod-step-fails-the-run-and-the-steps-after-it-are-skipped",
        run(SEQ_RUN, started(SEQ, podName="r-pod")),
        pod=pod_status("Failed", init=[terminated("s1", 2), waiting("s2")]),
        status={
            "phase": "Failed",
            "reason": "StepFailed",
            "message": 'step "s1" failed (exit code 2)',
            "steps": [{"name": "s1", "phase": "Failed"}, {"name": "s2", "phase": "Skipped"}],
        },
        # Results are a succeeded run's only.
        absent=("results",),
        events=("StepFinished", "StepSkipped", "StepFailed"),
    ),
    Case(
        "a-pod-level-failure-is-the-runs-reason",
        run(BY_REF, started(POD, podName="r-pod")),
        pod=pod_status(
            "Failed",
            [terminated("a", 0), terminated("b", 0)],
            reason="ResultsTooLarge",
            message="results hold 5000 bytes, more than 4096",
        ),
        status={
            "phase": "Failed",
            "reason": "ResultsTooLarge",
            "message": "results hold 5000 bytes, more than 4096",
        },
        events=("StepFinished", "StepFinished", "ResultsTooLarge"),
    ),
    Case(
        "a-pod-deleted-under-a-running-run-fails-it",
        run(BY_REF, started(POD, podName="r-pod")),
        status={"phase": "Failed", "reason": "PodDeleted", "message": 'pod "r-pod" was deleted'},
        events=("PodDeleted",),
    ),
    Case(
        "a-pod-of-the-same-name-that-another-run-owns-is-left-alone",
        run(BY_REF, started(POD)),
        others=(
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": "r-pod"},
                "spec": {"containers": [{"name": "x", "image": "ubuntu"}]},
            },
        ),
        status={
            "phase": "Failed",
            "reason": "PodConflict",
            "message": 'pod "r-pod" exists and belongs to another run',
        },
        events=("PodConflict",),
    ),
]

LIFECYCLE = [
    Case(
        "a-run-past-its-timeout-fails-and-its-pod-is-ended",
        run({**BY_REF, "timeout": "5s"}, started(POD, podName="r-pod")),
        pod=pod_status("Running", [running("a"), running("b")]),
        status={"phase": "Failed", "reason": "Timeout", "message": "timed out after 5s"},
        changed={"Pod r-pod": {"spec": {"activeDeadlineSeconds": 1}}},
        events=("Timeout",),
    ),
    Case(
        "a-run-within-its-timeout-asks-to-be-looked-at-when-it-expires",
        run({**BY_REF, "timeout": "1m"}, started(POD, podName="r-pod")),
        pod=pod_status("Running", [running("a"), running("b")]),
        status={"phase": "Running"},
        events=("StepStarted", "StepStarted"),
        requeue=50.0,
    ),
    Case(
        "a-stopped-run-is-cancelled-and-its-pod-is-ended",
        run(
            BY_REF,
            started(POD, podName="r-pod"),
            annotations={STOP_ANNOTATION: "stopped by user"},
        ),
        pod=pod_status("Running", [running("a"), running("b")]),
        status={
            "phase": "Failed",
            "reason": "Cancelled",
            "message": "stopped: stopped by user",
            "conditions": [RUNNING_FALSE, {"type": "Completed", "reason": "Cancelled"}],
        },
        changed={"Pod r-pod": {"spec": {"activeDeadlineSeconds": 1}}},
        events=("Cancelled",),
    ),
    Case(
        "a-stopped-run-whose-pod-has-finished-leaves-the-pod-as-it-is",
        run(
            BY_REF,
            started(POD, podName="r-pod"),
            annotations={STOP_ANNOTATION: "stopped by user"},
        ),
        pod=pod_status("Succeeded", [terminated("a", 0), terminated("b", 0)]),
        status={"phase": "Failed", "reason": "Cancelled"},
        events=("Cancelled",),
    ),
    Case(
        "a-finished-run-is-never-changed-again",
        run(BY_REF, finished(POD, "Succeeded", "all 2 containers succeeded")),
        pod=pod_status("Failed", [terminated("a", 1), terminated("b", 1)]),
        untouched=True,
    ),
    Case(
        "a-finished-run-that-is-asked-to-stop-stays-as-it-finished",
        run(
            BY_REF,
            finished(POD, "Succeeded", "all 2 containers succeeded"),
            annotations={STOP_ANNOTATION: "stopped by user"},
        ),
        pod=pod_status("Running", [running("a"), running("b")]),
        untouched=True,
    ),
]


@pytest.mark.parametrize("case", STARTING + POD_RUNS + LIFECYCLE, ids=lambda c: c.name)
def test_one_pass_of_a_workflowrun(case: Case, tmp_path: Path) -> None:
    verify(tmp_path, case)
