"""The Resource handler, one pass per case: the object a run creates and owns, the
rules it is judged by, and what the cluster can run (SPEC §3.3, §3.4, §6)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.api.t9k_samples import MINIMAL_SERVICE, MINIMAL_SPECS
from tests.controller.reconcile_table import (
    OWNER,
    Case,
    conditions,
    run,
    started,
    verify,
)
from treadle.api.objects import RUN_LABEL, STOP_ANNOTATION
from treadle.api.template import T9K_JOB_API_VERSION
from treadle.localcluster.home import KINDS_RUN_HERE, LocalCluster
from treadle.store.base import Obj

JOB = """\
apiVersion: batch/v1
kind: Job
metadata: {name: pi}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: pi, image: perl, command: [echo, '3.14']}]
"""
WIDGET = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {size: 1}\n"
"""A kind no controller here knows: only its rules say when it is done."""
SERVICE = yaml.safe_dump(
    {
        "apiVersion": "tensorstack.dev/v1beta1",
        "kind": "SimpleMLService",
        "metadata": {"name": "svc"},
        "spec": MINIMAL_SERVICE,
    }
)
CONFIG = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-$(params.n)}\ndata: {k: v}\n"


def resource(manifest: str, **rules: object) -> Obj:
    """A Resource template spec of `manifest` with `successRules`/`failureRules`."""
    return {"params": [{"name": "n", "default": "1"}], "resource": {"manifest": manifest, **rules}}


READY: Obj = {"conditionSelector": {"type": "Ready", "status": "True"}}
BROKEN: Obj = {"conditionSelector": {"type": "Broken", "status": "True"}}
JUDGED_WIDGET = resource(WIDGET, successRules=READY, failureRules=BROKEN)
GENERIC_JOB: Obj = {
    "type": "GenericJob",
    "genericJob": {"metadata": {"name": "j"}, "spec": MINIMAL_SPECS["GenericJob"]},
}
EMBEDDED = LocalCluster(KINDS_RUN_HERE)
"""The cluster of the embedded home: it runs Pods and Jobs, and stores data kinds."""


def resource_run(spec: Obj, **annotations: str) -> Obj:
    """A run started on the Resource template spec `spec`."""
    return run({"workflowTemplateSpec": spec}, started(spec), annotations=annotations)


def widget(status: Obj) -> Obj:
    """The run's Widget "w", as its cluster reports it."""
    return {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w"},
        "spec": {"size": 1},
        "status": status,
    }


def job(status: Obj) -> Obj:
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "pi"},
        "spec": {"template": {"spec": {"containers": [{"name": "pi", "image": "perl"}]}}},
        "status": status,
    }


def outcome(phase: str, reason: str, message: str, kind: str = "Widget", name: str = "w") -> Obj:
    api_version = {"Widget": "example.com/v1", "Job": "batch/v1"}.get(kind, T9K_JOB_API_VERSION)
    return {
        "phase": phase,
        "reason": reason,
        "message": message,
        "resource": {"apiVersion": api_version, "kind": kind, "name": name},
    }


STARTING = [
    Case(
        "a-kind-the-embedded-cluster-cannot-run-is-refused-at-start",
        run({"workflowTemplateSpec": resource(WIDGET)}),
        cluster=EMBEDDED,
        status={
            "phase": "Failed",
            "reason": "PreflightFailed",
            "message": EMBEDDED.cannot_run("example.com/v1", "Widget"),
        },
        events=("PreflightFailed",),
    ),
    Case(
        "a-real-cluster-is-trusted-to-run-any-kind",
        run({"workflowTemplateSpec": resource(SERVICE)}),
        status={"phase": "Running", "message": "Resource run started"},
        events=("Started",),
        requeue=0.0,
    ),
    Case(
        "a-data-kind-starts-on-the-embedded-cluster-which-stores-it",
        run({"workflowTemplateSpec": resource(CONFIG)}),
        cluster=EMBEDDED,
        status={"phase": "Running"},
        events=("Started",),
        requeue=0.0,
    ),
]

PROGRESS = [
    Case(
        "the-manifest-is-created-labelled-and-owned-by-the-run",
        resource_run(resource(JOB.replace("{name: pi}", "{generateName: pi-}"))),
        status={
            "phase": "Running",
            "message": 'Job "pi-abcde" created',
            "resource": {"apiVersion": "batch/v1", "kind": "Job", "name": "pi-abcde"},
        },
        created={
            "Job pi-abcde": {
                "metadata": {"namespace": "default", "labels": {RUN_LABEL: "r"}, **OWNER},
                "spec": {"template": {"spec": {"restartPolicy": "Never"}}},
            }
        },
        events=("ResourceCreated",),
    ),
    Case(
        "the-manifest-is-created-with-the-runs-params-substituted",
        run(
            {"workflowTemplateSpec": resource(CONFIG), "params": [{"name": "n", "value": "7"}]},
            started(resource(CONFIG)),
        ),
        created={"ConfigMap cm-7": {"data": {"k": "v"}}},
        status={"phase": "Running", "message": 'ConfigMap "cm-7" created'},
        events=("ResourceCreated",),
    ),
    Case(
        "an-object-that-matches-no-rule-keeps-the-run-running",
        resource_run(JUDGED_WIDGET),
        owned=(widget(conditions(("Ready", "False"))),),
        status={
            "phase": "Running",
            "message": 'Widget "w" created; waiting for its rules to match',
            "resource": {"apiVersion": "example.com/v1", "kind": "Widget", "name": "w"},
        },
    ),
    Case(
        "an-object-without-rules-keeps-the-run-running-until-stopped",
        resource_run(resource(WIDGET)),
        owned=(widget(conditions(("Ready", "True"))),),
        status={
            "phase": "Running",
            "message": 'Widget "w" created; with no rules to match, it runs until stopped',
        },
    ),
    Case(
        "an-object-that-matches-the-success-condition-succeeds-the-run",
        resource_run(JUDGED_WIDGET),
        owned=(widget(conditions(("Ready", "True"))),),
        status=outcome("Succeeded", "Succeeded", 'Widget "w" matched the success rules'),
        events=("Succeeded",),
    ),
    Case(
        "an-object-that-matches-the-failure-condition-fails-the-run",
        resource_run(JUDGED_WIDGET),
        owned=(widget(conditions(("Broken", "True"))),),
        status=outcome("Failed", "ResourceFailed", 'Widget "w" matched the failure rules'),
        events=("ResourceFailed",),
    ),
    Case(
        "when-both-rules-match-failure-wins",
        resource_run(JUDGED_WIDGET),
        owned=(widget(conditions(("Ready", "True"), ("Broken", "True"))),),
        status={"phase": "Failed", "reason": "ResourceFailed"},
        events=("ResourceFailed",),
    ),
    Case(
        "a-field-selector-rule-compares-numbers",
        resource_run(resource(WIDGET, successRules={"fieldSelector": "status.ready >= 2"})),
        owned=(widget({"ready": 10}),),
        status={"phase": "Succeeded"},
        events=("Succeeded",),
    ),
    Case(
        "a-job-without-rules-succeeds-on-its-complete-condition",
        resource_run(resource(JOB)),
        owned=(job(conditions(("Complete", "True"))),),
        status=outcome("Succeeded", "Succeeded", 'Job "pi" matched the success rules', "Job", "pi"),
        events=("Succeeded",),
    ),
    Case(
        "a-job-without-rules-fails-on-its-failed-condition",
        resource_run(resource(JOB)),
        owned=(job(conditions(("Complete", "False"), ("Failed", "True"))),),
        status=outcome(
            "Failed", "ResourceFailed", 'Job "pi" matched the failure rules', "Job", "pi"
        ),
        events=("ResourceFailed",),
    ),
    Case(
        "a-t9k-job-succeeds-on-its-succeeded-condition",
        resource_run(GENERIC_JOB),
        owned=(
            {
                "apiVersion": T9K_JOB_API_VERSION,
                "kind": "GenericJob",
                "metadata": {"name": "j"},
                "spec": MINIMAL_SPECS["GenericJob"],
                "status": conditions(("Succeeded", "True")),
            },
        ),
        status=outcome(
            "Succeeded", "Succeeded", 'GenericJob "j" matched the success rules', "GenericJob", "j"
        ),
        events=("Succeeded",),
    ),
    Case(
        "a-resource-deleted-before-it-finished-fails-the-run",
        run(
            {"workflowTemplateSpec": resource(JOB)},
            started(
                resource(JOB),
                resource={"apiVersion": "batch/v1", "kind": "Job", "name": "pi"},
            ),
        ),
        status={
            "phase": "Failed",
            "reason": "ResourceDeleted",
            "message": "Job was deleted before it finished",
        },
        events=("ResourceDeleted",),
    ),
    Case(
        "a-name-someone-else-holds-fails-the-run-without-touching-their-object",
        resource_run(resource(JOB)),
        others=(job({}),),
        status={
            "phase": "Failed",
            "reason": "CreateFailed",
            "message": 'Job "pi" already exists',
        },
        events=("CreateFailed",),
    ),
    Case(
        "a-stopped-resource-run-deletes-its-object",
        run(
            {"workflowTemplateSpec": resource(JOB)},
            started(
                resource(JOB),
                resource={"apiVersion": "batch/v1", "kind": "Job", "name": "pi"},
            ),
            annotations={STOP_ANNOTATION: "stopped by user"},
        ),
        owned=(job({"active": 1}),),
        status={"phase": "Failed", "reason": "Cancelled", "message": "stopped: stopped by user"},
        deleted=("Job pi",),
        events=("Cancelled",),
    ),
]


@pytest.mark.parametrize("case", STARTING + PROGRESS, ids=lambda c: c.name)
def test_one_pass_of_a_resource_run(case: Case, tmp_path: Path) -> None:
    verify(tmp_path, case)
