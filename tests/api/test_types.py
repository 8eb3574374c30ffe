"""The API types: defaults per SPEC, typing of what we check, and the effective type."""

from __future__ import annotations

from typing import Any

import pytest

from treadle.api.cron import CronWorkflowRun
from treadle.api.run import WorkflowRun
from treadle.api.template import (
    JOB_FIELDS,
    TYPE_FIELDS,
    WorkflowTemplate,
    WorkflowTemplateSpec,
)
from treadle.api.trigger import EventListener, WorkflowTrigger
from treadle.api.validate import validate

from .samples import POD, SEQ_POD, cron, dag_template, node, run, template, trigger
from .t9k_samples import MINIMAL_SPECS


def spec_of(**fields: Any) -> WorkflowTemplateSpec:
    return WorkflowTemplateSpec.model_validate(fields)


def test_dag_failure_strategy_defaults_to_stop_all() -> None:
    obj = WorkflowTemplate.model_validate(dag_template(node("a")))
    assert obj.spec.dag is not None
    assert obj.spec.dag.failure_strategy == "StopAllWorkflowTemplates"


def test_node_defaults_no_retries_no_dependencies_and_no_when() -> None:
    obj = WorkflowTemplate.model_validate(dag_template(node("a")))
    assert obj.spec.dag is not None
    only = obj.spec.dag.templates[0]
    assert (only.retries, only.dependencies, only.when, only.params) == (0, [], [], [])


def test_when_input_defaults_to_empty() -> None:
    doc = dag_template(node("a", when=[{"operator": "in", "values": [""]}]))
    obj = WorkflowTemplate.model_validate(doc)
    assert obj.spec.dag is not None
    assert obj.spec.dag.templates[0].when[0].input == ""


def test_param_without_default_is_required_and_an_empty_default_is_a_default() -> None:
    spec = spec_of(params=[{"name": "a"}, {"name": "b", "default": ""}], pod=POD)
    assert [(p.name, p.required, p.default) for p in spec.params] == [
        ("a", True, None),
        ("b", False, ""),
    ]


def test_workspace_is_writable_and_required_by_default() -> None:
    spec = spec_of(workspaces=[{"name": "w"}], pod=POD)
    assert (spec.workspaces[0].read_only, spec.workspaces[0].optional) == (False, False)
    assert spec.workspaces[0].mount_path is None


def test_cron_defaults() -> None:
    obj = CronWorkflowRun.model_validate(
        cron({"schedule": "@daily", "workflowRun": {"spec": {"workflowTemplateRef": "t"}}})
    )
    spec = obj.spec
    assert spec.concurrency_policy == "Allow"
    assert spec.suspend is False
    assert spec.starting_deadline_seconds is None
    assert (spec.successful_runs_history_limit, spec.failed_runs_history_limit) == (3, 1)


def test_run_has_no_timeout_by_default() -> None:
    obj = WorkflowRun.model_validate(run({"workflowTemplateRef": "t"}))
    assert obj.spec.timeout is None
    assert obj.spec.params == [] and obj.spec.workspaces == []


def test_defaults_are_not_written_back() -> None:
    doc = dag_template(node("a"))
    assert WorkflowTemplate.model_validate(doc).dump() == doc


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"pod": POD}, "Pod"),
        ({"seqPod": SEQ_POD}, "SeqPod"),
        ({"resource": {"manifest": "kind: X"}}, "Resource"),
        ({"dag": {"templates": []}}, "DAG"),
        ({"type": "MPIJob", "mpiJob": {"spec": {}}}, "MPIJob"),
        ({}, None),
    ],
)
def test_effective_type_is_type_or_the_field_that_is_set(
    fields: dict[str, Any], expected: str | None
) -> None:
    assert spec_of(**fields).effective_type == expected


@pytest.mark.parametrize("kind", sorted(JOB_FIELDS))
def test_every_job_type_has_its_field(kind: str) -> None:
    field = JOB_FIELDS[kind]
    spec = MINIMAL_SPECS[kind]
    doc = template({"type": kind, field: {"metadata": {"name": "j"}, "spec": spec}})
    obj = validate(doc)
    assert isinstance(obj, WorkflowTemplate)
    assert obj.spec.set_fields() == [field]
    assert obj.spec.body(kind).spec.dump() == spec, "kept as written, for substitution"


def test_every_template_type_names_one_field() -> None:
    assert len(set(TYPE_FIELDS.values())) == len(TYPE_FIELDS) == 12


def test_param_values_written_as_yaml_scalars_are_text() -> None:
    obj = WorkflowRun.model_validate(
        run(
            {
                "workflowTemplateRef": "t",
                "params": [
                    {"name": "n", "value": 3},
                    {"name": "f", "value": 0.5},
                    {"name": "b", "value": True},
                ],
            }
        )
    )
    assert [p.value for p in obj.spec.params] == ["3", "0.5", "true"]


def test_pod_spec_is_typed_where_we_check_it() -> None:
    spec = spec_of(
        pod={
            "containers": [
                {
                    "name": "c",
                    "image": "i",
                    "env": [{"name": "A", "value": 1}],
                    "volumeMounts": [{"name": "v", "mountPath": "/v"}],
                    "resources": {"limits": {"cpu": 1, "memory": "1Gi"}},
                }
            ],
            "volumes": [{"name": "v", "persistentVolumeClaim": {"claimName": "pvc"}}],
        }
    )
    assert spec.pod is not None
    c = spec.pod.containers[0]
    assert c.env[0].value == "1"
    assert c.volume_mounts[0].mount_path == "/v"
    assert c.resources is not None and c.resources.limits == {"cpu": "1", "memory": "1Gi"}
    claim = spec.pod.volumes[0].persistent_volume_claim
    assert claim is not None and claim.claim_name == "pvc"


def test_status_fields_of_a_run_are_typed() -> None:
    doc = {
        **run({"workflowTemplateRef": "t"}),
        "status": {
            "phase": "Running",
            "conditions": [{"type": "Running", "status": "True"}],
            "nodes": {"a": {"phase": "Skipped", "workflowRunName": "r-a-x1y2z"}},
            "results": [{"name": "sum", "value": "3"}],
            "podName": "r-pod",
            "retriedStatus": [{"phase": "Failed"}],
        },
    }
    obj = WorkflowRun.model_validate(doc)
    assert obj.status is not None
    assert obj.status.nodes["a"].phase == "Skipped"
    assert obj.status.results[0].value == "3"
    assert obj.dump() == doc


def test_trigger_and_listener_types() -> None:
    listener = EventListener.model_validate(
        {
            "apiVersion": "tensorstack.dev/v1beta1",
            "kind": "EventListener",
            "metadata": {"name": "el"},
            "status": {"address": {"url": "http://x", "inClusterURL": "http://y"}},
        }
    )
    assert listener.status is not None and listener.status.address is not None
    assert listener.status.address.in_cluster_url == "http://y"
    trig = WorkflowTrigger.model_validate(
        trigger(
            {
                "eventSources": [
                    {
                        "eventListenerName": "el",
                        "filters": [{"path": "body.a", "type": "number", "values": [1]}],
                    }
                ],
                "workflowRunSpec": {"workflowTemplateRef": "t"},
            }
        )
    )
    assert trig.spec.event_sources[0].filters[0].values == ["1"]


def test_listener_and_trigger_size_their_pods_with_replicas_and_resources() -> None:
    listener = EventListener.model_validate(
        {
            "apiVersion": "tensorstack.dev/v1beta1",
            "kind": "EventListener",
            "metadata": {"name": "el"},
            "spec": {"replicas": 2, "resources": {"limits": {"cpu": 1}}},
        }
    )
    assert listener.spec.replicas == 2
    assert listener.spec.resources is not None and listener.spec.resources.limits == {"cpu": "1"}
    trig = WorkflowTrigger.model_validate(
        trigger(
            {
                "replicas": 1,
                "resources": {"requests": {"memory": "64Mi"}},
                "eventSources": [{"eventListenerName": "el"}],
                "workflowRunSpec": {"workflowTemplateRef": "t"},
            }
        )
    )
    assert trig.spec.replicas == 1
    assert trig.spec.resources is not None and trig.spec.resources.requests == {"memory": "64Mi"}


def test_a_step_keeps_the_language_the_console_writes() -> None:
    spec = spec_of(
        seqPod={
            "steps": [{"name": "s", "image": "python", "script": "print(1)", "language": "Python"}]
        }
    )
    assert spec.seq_pod is not None and spec.seq_pod.steps[0].language == "Python"


def test_a_trigger_s_status_holds_conditions() -> None:
    doc = {
        **trigger({"eventSources": [], "workflowRunSpec": {"workflowTemplateRef": "t"}}),
        "status": {"conditions": [{"type": "Ready", "status": "True"}]},
    }
    trig = WorkflowTrigger.model_validate(doc)
    assert trig.status is not None and trig.status.conditions[0].type == "Ready"
