"""Validation (SPEC §11): every rule as a named case, a minimal document in, the
exact field path and the heart of the reason out."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

import pytest

from treadle.api.policy import Policy
from treadle.api.template import WorkflowTemplate, WorkflowTemplateSpec
from treadle.api.validate import check, validate
from treadle.errors import ValidationError

from .samples import (
    GROUP,
    POD,
    SEQ_POD,
    TRIGGERS,
    Doc,
    causes_of,
    conformance_files,
    container_doc,
    cron,
    dag_template,
    errors_of,
    expected_errors,
    load_all,
    needs_conformance,
    needs_seed,
    node,
    pod_template,
    resolver,
    resource_template,
    run,
    seed_documents,
    template,
    trigger,
    valid_documents,
    warnings_of,
)
from .t9k_samples import MINIMAL_SPECS

JOB_HEAD = "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\n"
JOB_POD = "template: {spec: {containers: [{name: c, image: ubuntu, command: [pi]}]}}"
JOB = JOB_HEAD + "spec: {" + JOB_POD + "}\n"


def seq_pod(*steps: Doc, **spec: Any) -> Doc:
    return template({"type": "SeqPod", "seqPod": {"steps": list(steps)}, **spec})


def pod(*containers: Doc, **pod_fields: Any) -> Doc:
    return template({"type": "Pod", "pod": {"containers": list(containers), **pod_fields}})


container = container_doc


def tf_job(*replicas: Doc) -> Doc:
    return template(
        {
            "type": "TensorFlowTrainingJob",
            "tensorflowTrainingJob": {"spec": {"replicaSpecs": list(replicas)}},
        }
    )


def manifest_template(manifest: str, *params: str) -> Doc:
    """A Resource template of `manifest` that declares `params`."""
    declared = [{"name": p} for p in params]
    return template({"type": "Resource", "params": declared, "resource": {"manifest": manifest}})


def tf_job_pod(pod_spec: Doc, **spec: Any) -> Doc:
    """A TensorFlowTrainingJob template of one worker group running `pod_spec`."""
    group = {"type": "worker", "template": {"spec": pod_spec}}
    job = {"spec": {"replicaSpecs": [group]}}
    return template({"type": "TensorFlowTrainingJob", "tensorflowTrainingJob": job, **spec})


def replica(type_: str = "worker", *containers: Doc) -> Doc:
    return {"type": type_, "replicas": 1, "template": {"spec": {"containers": list(containers)}}}


def ref_run(**spec: Any) -> Doc:
    return run({"workflowTemplateRef": "t", **spec})


def cron_of(schedule: str = "*/5 * * * *", **spec: Any) -> Doc:
    return cron(
        {"schedule": schedule, "workflowRun": {"spec": {"workflowTemplateRef": "t"}}, **spec}
    )


def trigger_of(*filters: Doc, **spec: Any) -> Doc:
    return trigger(
        {
            "eventSources": [{"eventListenerName": "el", "filters": list(filters)}],
            "workflowRunSpec": {"workflowTemplateRef": "t"},
            **spec,
        }
    )


def named(doc: Doc, name: str) -> Doc:
    return {**doc, "metadata": {**doc["metadata"], "name": name}}


class Case(NamedTuple):
    id: str
    doc: Any
    path: str
    reason: str


def case(id: str, doc: Any, path: str, reason: str) -> Any:
    return pytest.param(Case(id, doc, path, reason), id=id)


REJECTED = [
    # --- documents and metadata (SPEC §2) ----------------------------------------
    case("document_that_is_not_a_mapping", ["a", "b"], "", "must be a YAML/JSON object"),
    case("missing_kind", {"apiVersion": GROUP, "metadata": {"name": "x"}}, "kind", "required"),
    case("missing_api_version", {"kind": "WorkflowRun"}, "apiVersion", "required field"),
    case(
        "unknown_kind",
        {"apiVersion": "v1", "kind": "Foo", "metadata": {"name": "x"}},
        "kind",
        'unknown kind "Foo"',
    ),
    case(
        "workflow_kind_at_the_wrong_api_version",
        {**ref_run(), "apiVersion": "v1"},
        "apiVersion",
        'served at "batch.tensorstack.dev/v1beta1", not "v1"',
    ),
    case(
        "name_that_is_not_dns_1123",
        named(pod_template(), "Bad_Name"),
        "metadata.name",
        'invalid name "Bad_Name"',
    ),
    case(
        "workflow_name_longer_than_a_label_value",
        named(pod_template(), "a" * 64),
        "metadata.name",
        "no more than 63 characters",
    ),
    case(
        "missing_name_and_generate_name",
        {**pod_template(), "metadata": {}},
        "metadata.name",
        "name or generateName is required",
    ),
    case(
        "generate_name_that_makes_a_bad_name",
        {**pod_template(), "metadata": {"generateName": "Run_"}},
        "metadata.generateName",
        'invalid prefix "Run_"',
    ),
    case(
        "namespace_that_is_not_a_dns_label",
        {**pod_template(), "metadata": {"name": "t", "namespace": "My.Project"}},
        "metadata.namespace",
        'invalid name "My.Project"',
    ),
    case(
        "label_key_that_is_not_a_qualified_name",
        {**pod_template(), "metadata": {"name": "t", "labels": {"-bad": "x"}}},
        "metadata.labels",
        'invalid key "-bad"',
    ),
    # --- type and the field that goes with it (SPEC §3) ------------------------------
    case(
        "unknown_type",
        template({"type": "Job", "pod": POD}),
        "spec.type",
        'unsupported value "Job"',
    ),
    case(
        "type_not_matching_the_set_field",
        template({"type": "SeqPod", "pod": POD}),
        "spec.type",
        'type is "SeqPod" but "seqPod" is not set (found pod)',
    ),
    case(
        "field_of_another_type_beside_the_matching_one",
        template({"type": "Pod", "pod": POD, "seqPod": SEQ_POD}),
        "spec.seqPod",
        'must not be set when type is "Pod"',
    ),
    case(
        "two_type_fields_without_type",
        template({"pod": POD, "seqPod": SEQ_POD}),
        "spec",
        "only one of pod, seqPod may be set",
    ),
    case(
        "no_type_and_no_type_field",
        template({"description": "nothing to run"}),
        "spec.type",
        "type is empty and none of pod, seqPod, resource, dag",
    ),
    case(
        "job_field_without_type",
        template({"mpiJob": {"spec": {}}}),
        "spec.type",
        'type must be set when "mpiJob" is used',
    ),
    case(
        "job_type_without_its_field",
        template({"type": "MPIJob"}),
        "spec.type",
        'type is "MPIJob" but "mpiJob" is not set',
    ),
    # --- Pod and SeqPod (SPEC §3.1, §3.2) ----------------------------------------
    case("pod_without_containers", pod(), "spec.pod.containers", "containers must not be empty"),
    case(
        "duplicate_container_name",
        pod(container("c"), container("c")),
        "spec.pod.containers[1].name",
        'duplicate container name "c"',
    ),
    case(
        "container_name_that_is_not_a_dns_label",
        pod(container("Main_1")),
        "spec.pod.containers[0].name",
        'invalid container name "Main_1"',
    ),
    case(
        "container_without_name",
        pod({"image": "ubuntu"}),
        "spec.pod.containers[0].name",
        "required field is missing",
    ),
    case(
        "container_without_image",
        pod({"name": "c"}),
        "spec.pod.containers[0].image",
        "required field is missing",
    ),
    case(
        "command_that_is_not_a_list",
        pod(container(command="echo hi")),
        "spec.pod.containers[0].command",
        'must be a list, got "echo hi"',
    ),
    case(
        "volume_mount_of_an_unknown_volume",
        pod(container(volumeMounts=[{"name": "data", "mountPath": "/data"}])),
        "spec.pod.containers[0].volumeMounts[0].name",
        'unknown volume "data"',
    ),
    case(
        "volume_mount_sub_path_that_escapes",
        pod(
            container(volumeMounts=[{"name": "v", "mountPath": "/d", "subPath": "a/../../b"}]),
            volumes=[{"name": "v", "emptyDir": {}}],
        ),
        "spec.pod.containers[0].volumeMounts[0].subPath",
        'must not contain "..", got "a/../../b"',
    ),
    case(
        "duplicate_volume_name",
        pod(container(), volumes=[{"name": "v", "emptyDir": {}}, {"name": "v", "emptyDir": {}}]),
        "spec.pod.volumes[1].name",
        'duplicate volume name "v"',
    ),
    case(
        "snake_case_spelling_of_a_kubernetes_field",
        pod(container(volume_mounts=[])),
        "spec.pod.containers[0]",
        'unknown field "volume_mounts" (the field is "volumeMounts")',
    ),
    case(
        "step_with_script_and_command",
        seq_pod({"name": "s", "image": "ubuntu", "command": ["echo"], "script": "echo hi"}),
        "spec.seqPod.steps[0]",
        "script and command are mutually exclusive",
    ),
    case(
        "duplicate_step_name",
        seq_pod(container("step"), container("step")),
        "spec.seqPod.steps[1].name",
        'duplicate step name "step"',
    ),
    case(
        "step_named_like_an_init_container",
        template(
            {
                "type": "SeqPod",
                "seqPod": {
                    "initContainers": [container("prepare")],
                    "steps": [container("a"), container("prepare")],
                },
            }
        ),
        "spec.seqPod.steps[1].name",
        'duplicate step name "prepare" (also the name of spec.seqPod.initContainers[0])',
    ),
    case(
        "container_named_like_an_init_container",
        pod(container("c"), initContainers=[container("c")]),
        "spec.pod.containers[0].name",
        'duplicate container name "c" (also the name of spec.pod.initContainers[0])',
    ),
    case("seq_pod_without_steps", seq_pod(), "spec.seqPod.steps", "steps must not be empty"),
    case(
        "seq_pod_with_containers",
        template({"type": "SeqPod", "seqPod": {**SEQ_POD, "containers": [container()]}}),
        "spec.seqPod.containers",
        "a SeqPod has steps, not containers",
    ),
    case(
        "step_without_image",
        seq_pod({"name": "s", "script": "echo hi"}),
        "spec.seqPod.steps[0].image",
        "required field is missing",
    ),
    # --- what a pod names and holds (docs/admission.md) ---------------------------
    case(
        "host_path_volume_of_an_init_container_pod",
        pod(
            container(),
            initContainers=[container("init")],
            volumes=[{"name": "h", "hostPath": {"path": "/"}}],
        ),
        "spec.pod.volumes[0].hostPath",
        "--allow-host-path",
    ),
    case(
        "relative_mount_path_of_an_init_container",
        pod(
            container(),
            initContainers=[container("init", volumeMounts=[{"name": "v", "mountPath": "v"}])],
            volumes=[{"name": "v", "emptyDir": {}}],
        ),
        "spec.pod.initContainers[0].volumeMounts[0].mountPath",
        'must be an absolute path, got "v"',
    ),
    case(
        "workspace_mount_path_that_is_relative",
        pod_template(workspaces=[{"name": "w", "mountPath": "data"}]),
        "spec.workspaces[0].mountPath",
        'must be an absolute path, got "data"',
    ),
    case(
        "claim_name_in_upper_case",
        pod(container(), volumes=[{"name": "v", "persistentVolumeClaim": {"claimName": "Data"}}]),
        "spec.pod.volumes[0].persistentVolumeClaim.claimName",
        'invalid claim name "Data"',
    ),
    case(
        "config_map_item_key_that_climbs",
        pod(
            container(),
            volumes=[
                {"name": "v", "configMap": {"name": "c", "items": [{"key": "..", "path": "k"}]}}
            ],
        ),
        "spec.pod.volumes[0].configMap.items[0].key",
        "must not be '..'",
    ),
    case(
        "empty_dir_size_that_is_negative",
        pod(container(), volumes=[{"name": "v", "emptyDir": {"sizeLimit": "-1Mi"}}]),
        "spec.pod.volumes[0].emptyDir.sizeLimit",
        "must not be negative",
    ),
    case(
        "cpu_request_that_is_negative",
        pod(container(resources={"requests": {"cpu": "-500m"}})),
        "spec.pod.containers[0].resources.requests.cpu",
        'invalid quantity "-500m": must not be negative',
    ),
    case(
        "environment_name_that_starts_with_a_digit",
        pod(container(env=[{"name": "1X", "value": "v"}])),
        "spec.pod.containers[0].env[0].name",
        'invalid name "1X"',
    ),
    case(
        "read_only_mount_written_as_text",
        pod(
            container(volumeMounts=[{"name": "v", "mountPath": "/v", "readOnly": "yes"}]),
            volumes=[{"name": "v", "emptyDir": {}}],
        ),
        "spec.pod.containers[0].volumeMounts[0].readOnly",
        'must be true or false, got "yes"',
    ),
    case(
        "termination_grace_that_is_negative",
        pod(container(), terminationGracePeriodSeconds=-5),
        "spec.pod.terminationGracePeriodSeconds",
        "greater than or equal to 0",
    ),
    case(
        "replicas_written_as_text",
        tf_job({**replica("worker", container("tensorflow")), "replicas": "4"}),
        "spec.tensorflowTrainingJob.spec.replicaSpecs[0].replicas",
        'must be an integer, got "4"',
    ),
    case(
        "literal_claim_that_climbs_in_a_job_template",
        tf_job_pod(
            {
                "containers": [container("tensorflow")],
                "volumes": [{"name": "d", "persistentVolumeClaim": {"claimName": "../x"}}],
            }
        ),
        "spec.tensorflowTrainingJob.spec.replicaSpecs[0].template.spec.volumes[0]"
        ".persistentVolumeClaim.claimName",
        'invalid claim name "../x"',
    ),
    case(
        "manifest_pod_whose_containers_are_not_objects",
        resource_template(
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [x]}"
        ),
        "spec.resource.manifest",
        'spec.containers[0]: must be a mapping, got "x"',
    ),
    case(
        "manifest_with_a_literal_claim_that_climbs",
        manifest_template(
            JOB_HEAD
            + "spec:\n  parallelism: $(params.n)\n  template:\n    spec:\n"
            + "      containers: [{name: c, image: u}]\n"
            + "      volumes: [{name: d, persistentVolumeClaim: {claimName: ../../etc}}]\n",
            "n",
        ),
        "spec.resource.manifest",
        'spec.template.spec.volumes[0].persistentVolumeClaim.claimName: invalid claim name "../../etc"',
    ),
    case(
        "manifest_with_a_key_given_twice",
        resource_template(JOB + "kind: Pod\n"),
        "spec.resource.manifest",
        'not valid YAML at line 5, column 1: duplicate key "kind" (first at line 2)',
    ),
    # --- params, workspaces, results (SPEC §3.6) ----------------------------------
    case(
        "duplicate_param_name",
        pod_template(params=[{"name": "p"}, {"name": "p"}]),
        "spec.params[1].name",
        'duplicate param name "p"',
    ),
    case(
        "duplicate_workspace_name",
        pod_template(workspaces=[{"name": "w"}, {"name": "w"}]),
        "spec.workspaces[1].name",
        'duplicate workspace name "w"',
    ),
    case(
        "duplicate_result_name",
        seq_pod(container(), results=[{"name": "r"}, {"name": "r"}]),
        "spec.results[1].name",
        'duplicate result name "r"',
    ),
    case(
        "param_name_that_no_reference_can_name",
        pod_template(params=[{"name": "learning rate"}]),
        "spec.params[0].name",
        "invalid param name \"learning rate\": must consist of letters, digits, '-' or '_'",
    ),
    case(
        "param_without_name",
        pod_template(params=[{"default": "x"}]),
        "spec.params[0].name",
        "required field is missing",
    ),
    case(
        "result_value_outside_a_dag",
        seq_pod(container(), results=[{"name": "r", "value": "x"}]),
        "spec.results[0].value",
        "only a DAG result may set value",
    ),
    case(
        "workspace_read_only_that_is_not_a_bool",
        pod_template(workspaces=[{"name": "w", "readOnly": "sometimes"}]),
        "spec.workspaces[0].readOnly",
        'must be true or false, got "sometimes"',
    ),
    # --- references (SPEC §4) ---------------------------------------------------
    case(
        "undeclared_workspace_in_args",
        pod(container(args=["$(workspaces.data.path)/in"])),
        "spec.pod.containers[0].args[0]",
        'undeclared workspace "data" in $(workspaces.data.path)',
    ),
    case(
        "undeclared_result_in_a_script",
        seq_pod({"name": "s", "image": "python", "script": "echo 1 > $(results.out.path)"}),
        "spec.seqPod.steps[0].script",
        'undeclared result "out" in $(results.out.path)',
    ),
    case(
        "node_results_read_outside_a_dag",
        pod(container(args=["$(templates.a.results.r)"])),
        "spec.pod.containers[0].args[0]",
        "node results can only be used in a DAG",
    ),
    case(
        "dag_result_reading_an_unknown_node",
        dag_template(node("a"), results=[{"name": "r", "value": "$(templates.zz.results.r)"}]),
        "spec.results[0].value",
        'unknown node "zz" in $(templates.zz.results.r)',
    ),
    case(
        "node_param_reading_an_unknown_node",
        dag_template(node("a", params=[{"name": "p", "value": "$(templates.b.results.r)"}])),
        "spec.dag.templates[0].params[0].value",
        'unknown node "b"',
    ),
    # --- DAG (SPEC §3.5) ----------------------------------------------------------
    case("dag_without_nodes", dag_template(), "spec.dag.templates", "templates must not be empty"),
    case(
        "duplicate_node_name",
        dag_template(node("a"), node("a")),
        "spec.dag.templates[1].name",
        'duplicate node name "a"',
    ),
    case(
        "node_name_that_is_not_a_dns_label",
        dag_template(node("Train")),
        "spec.dag.templates[0].name",
        'invalid node name "Train"',
    ),
    case(
        "dependency_cycle_named",
        dag_template(node("a"), node("b", "a", "c"), node("c", "b")),
        "spec.dag.templates",
        "dependency cycle: b -> c -> b",
    ),
    case(
        "dependency_cycle_through_a_result_reference",
        dag_template(
            node("a", params=[{"name": "p", "value": "$(templates.b.results.r)"}]),
            node("b", "a"),
        ),
        "spec.dag.templates",
        "dependency cycle: a -> b -> a",
    ),
    case(
        "node_depending_on_itself",
        dag_template(node("a", "a")),
        "spec.dag.templates[0].dependencies[0]",
        "a node cannot depend on itself",
    ),
    case(
        "unknown_dependency",
        dag_template(node("train"), node("eval", "trian")),
        "spec.dag.templates[1].dependencies[0]",
        'unknown node "trian"',
    ),
    case(
        "node_without_template_ref",
        dag_template({"name": "a"}),
        "spec.dag.templates[0].workflowTemplateRef",
        "required field is missing",
    ),
    case(
        "node_with_an_empty_template_ref",
        dag_template(node("a", ref="")),
        "spec.dag.templates[0].workflowTemplateRef",
        "must not be empty",
    ),
    case(
        "node_template_ref_that_is_not_a_name",
        dag_template(node("a", ref="My Template")),
        "spec.dag.templates[0].workflowTemplateRef",
        'invalid template name "My Template"',
    ),
    case(
        "snake_case_spelling_of_our_own_field",
        dag_template(node("a"), dag={"failure_strategy": "StopAllWorkflowTemplates"}),
        "spec.dag",
        'unknown field "failure_strategy" (the field is "failureStrategy")',
    ),
    case(
        "snake_case_spelling_of_a_node_field",
        dag_template({"name": "a", "workflow_template_ref": "x"}),
        "spec.dag.templates[0]",
        'unknown field "workflow_template_ref" (the field is "workflowTemplateRef")',
    ),
    case(
        "snake_case_spelling_of_a_run_field",
        run({"workflowTemplateRef": "t", "service_account_name": "sa"}),
        "spec",
        'unknown field "service_account_name" (the field is "serviceAccountName")',
    ),
    case(
        "snake_case_spelling_in_metadata",
        {**pod_template(), "metadata": {"name": "t", "owner_references": []}},
        "metadata",
        'unknown field "owner_references" (the field is "ownerReferences")',
    ),
    case(
        "snake_case_spelling_in_a_config_map",
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "binary_data": {}},
        "",
        'unknown field "binary_data" (the field is "binaryData")',
    ),
    case(
        "when_with_an_unknown_operator",
        dag_template(node("a", when=[{"input": "a", "operator": "equals", "values": ["a"]}])),
        "spec.dag.templates[0].when[0].operator",
        "unsupported value \"equals\": must be one of 'in' or 'notin'",
    ),
    case(
        "when_with_empty_values",
        dag_template(node("a", when=[{"input": "a", "operator": "in", "values": []}])),
        "spec.dag.templates[0].when[0].values",
        "values must not be empty",
    ),
    case(
        "when_without_values",
        dag_template(node("a", when=[{"input": "a", "operator": "notin"}])),
        "spec.dag.templates[0].when[0].values",
        "required field is missing",
    ),
    case(
        "negative_retries",
        dag_template(node("a", retries=-1)),
        "spec.dag.templates[0].retries",
        "must not be negative, got -1",
    ),
    case(
        "retries_that_are_not_a_number",
        dag_template(node("a", retries="twice")),
        "spec.dag.templates[0].retries",
        'must be an integer, got "twice"',
    ),
    case(
        "unknown_failure_strategy",
        dag_template(node("a"), dag={"failureStrategy": "StopNothing"}),
        "spec.dag.failureStrategy",
        'unsupported value "StopNothing"',
    ),
    case(
        "node_workspace_of_an_undeclared_dag_workspace",
        dag_template(node("a", workspaces=[{"name": "w", "workspace": "data"}])),
        "spec.dag.templates[0].workspaces[0].workspace",
        'undeclared workspace "data" of the DAG',
    ),
    case(
        "node_workspace_sub_path_that_is_absolute",
        dag_template(
            node("a", workspaces=[{"name": "w", "workspace": "w", "subPath": "/etc"}]),
            workspaces=[{"name": "w"}],
        ),
        "spec.dag.templates[0].workspaces[0].subPath",
        'must be a relative path, got absolute "/etc"',
    ),
    case(
        "node_workspace_sub_path_with_dot_dot",
        dag_template(
            node("a", workspaces=[{"name": "w", "workspace": "w", "subPath": "../x"}]),
            workspaces=[{"name": "w"}],
        ),
        "spec.dag.templates[0].workspaces[0].subPath",
        'must not contain "..", got "../x"',
    ),
    case(
        "duplicate_node_param",
        dag_template(node("a", params=[{"name": "p", "value": "1"}, {"name": "p"}])),
        "spec.dag.templates[0].params[1].name",
        'duplicate param name "p"',
    ),
    # --- Resource (SPEC §3.3, §6) --------------------------------------------------
    case(
        "resource_without_manifest",
        template({"type": "Resource", "resource": {}}),
        "spec.resource.manifest",
        "required field is missing",
    ),
    case(
        "manifest_that_is_not_yaml",
        resource_template("kind: [Job"),
        "spec.resource.manifest",
        "not valid YAML at line 1",
    ),
    case(
        "manifest_with_several_documents",
        resource_template(JOB + "---\n" + JOB),
        "spec.resource.manifest",
        "must be exactly one YAML object, found 2 documents",
    ),
    case(
        "empty_manifest",
        resource_template(""),
        "spec.resource.manifest",
        "must be exactly one YAML object, found 0 documents",
    ),
    case(
        "manifest_that_is_a_list",
        resource_template("- apiVersion: v1\n- kind: Pod\n"),
        "spec.resource.manifest",
        "must be a YAML object (a mapping), got a list",
    ),
    case(
        "manifest_that_is_a_string",
        resource_template("just some text"),
        "spec.resource.manifest",
        'got the string "just some text"',
    ),
    case(
        "manifest_without_kind",
        resource_template("apiVersion: v1\nmetadata: {name: x}\n"),
        "spec.resource.manifest",
        "manifest lacks kind",
    ),
    case(
        "manifest_without_api_version_and_kind",
        resource_template("metadata: {name: x}\n"),
        "spec.resource.manifest",
        "manifest lacks apiVersion and kind",
    ),
    case(
        "malformed_success_field_selector_says_where",
        resource_template(JOB, successRules={"fieldSelector": "status.succeeded >> 0"}),
        "spec.resource.successRules.fieldSelector",
        'invalid field selector "status.succeeded >> 0": unexpected ">" at column 19',
    ),
    case(
        "field_selector_without_an_operator",
        resource_template(JOB, failureRules={"fieldSelector": "status.failed"}),
        "spec.resource.failureRules.fieldSelector",
        "at column 14, expected an operator",
    ),
    case(
        "field_selector_with_an_unclosed_set",
        resource_template(JOB, successRules={"fieldSelector": "status.phase in (A, B"}),
        "spec.resource.successRules.fieldSelector",
        'expected "," or ")"',
    ),
    case(
        "empty_field_selector",
        resource_template(JOB, successRules={"fieldSelector": ""}),
        "spec.resource.successRules.fieldSelector",
        "empty field selector",
    ),
    case(
        "rules_without_any_selector",
        resource_template(JOB, successRules={}),
        "spec.resource.successRules",
        "at least one of fieldSelector and conditionSelector must be set",
    ),
    case(
        "condition_selector_with_a_bad_status",
        resource_template(
            JOB, failureRules={"conditionSelector": {"type": "Failed", "status": "Y"}}
        ),
        "spec.resource.failureRules.conditionSelector.status",
        'unsupported value "Y"',
    ),
    case(
        "condition_selector_without_type",
        resource_template(JOB, failureRules={"conditionSelector": {"status": "True"}}),
        "spec.resource.failureRules.conditionSelector.type",
        "required field is missing",
    ),
    # --- T9k job types (SPEC §3.4) -------------------------------------------------
    case(
        "job_template_without_spec",
        template({"type": "GenericJob", "genericJob": {"metadata": {"name": "j"}}}),
        "spec.genericJob.spec",
        "required field is missing",
    ),
    case(
        "job_replica_without_containers",
        tf_job(replica("worker")),
        "spec.tensorflowTrainingJob.spec.replicaSpecs[0].template.spec.containers",
        "containers must not be empty",
    ),
    case(
        "job_container_without_name",
        tf_job(replica("worker", {"image": "tf"})),
        "spec.tensorflowTrainingJob.spec.replicaSpecs[0].template.spec.containers[0].name",
        "required field is missing",
    ),
    case(
        "job_replica_without_template",
        tf_job({"type": "worker", "replicas": 2}),
        "spec.tensorflowTrainingJob.spec.replicaSpecs[0].template",
        "required field is missing",
    ),
    case(
        "job_replicas_negative",
        tf_job({**replica("worker", container()), "replicas": -1}),
        "spec.tensorflowTrainingJob.spec.replicaSpecs[0].replicas",
        "greater than or equal to 0, got -1",
    ),
    case(
        "duplicate_job_replica_type",
        tf_job(replica("worker", container()), replica("worker", container())),
        "spec.tensorflowTrainingJob.spec.replicaSpecs[1].type",
        'duplicate replica type "worker"',
    ),
    # --- WorkflowRun (SPEC §5) -------------------------------------------------------
    case(
        "run_without_a_template",
        run({}),
        "spec",
        "exactly one of workflowTemplateRef and workflowTemplateSpec must be set",
    ),
    case(
        "run_with_both_a_ref_and_a_spec",
        ref_run(workflowTemplateSpec={"type": "Pod", "pod": POD}),
        "spec",
        "must be set (found both)",
    ),
    case(
        "run_template_ref_that_is_not_a_name",
        run({"workflowTemplateRef": "Not A Name"}),
        "spec.workflowTemplateRef",
        'invalid template name "Not A Name"',
    ),
    case(
        "timeout_without_a_unit",
        ref_run(timeout="10"),
        "spec.timeout",
        'invalid duration "10": missing unit after "10"',
    ),
    case(
        "timeout_with_an_unknown_unit",
        ref_run(timeout="1d"),
        "spec.timeout",
        'invalid duration "1d": unknown unit "d"',
    ),
    case(
        "negative_timeout",
        ref_run(timeout="-5m"),
        "spec.timeout",
        'invalid duration "-5m": must not be negative',
    ),
    case(
        "run_workspace_sub_path_with_dot_dot",
        ref_run(
            workspaces=[
                {"name": "w", "subPath": "../../etc", "persistentVolumeClaim": {"claimName": "d"}}
            ]
        ),
        "spec.workspaces[0].subPath",
        'must not contain "..", got "../../etc"',
    ),
    case(
        "run_workspace_sub_path_that_is_absolute",
        ref_run(workspaces=[{"name": "w", "subPath": "/etc", "emptyDir": {}}]),
        "spec.workspaces[0].subPath",
        'must be a relative path, got absolute "/etc"',
    ),
    case(
        "workspace_binding_without_a_source",
        ref_run(workspaces=[{"name": "w"}]),
        "spec.workspaces[0]",
        "exactly one of persistentVolumeClaim, emptyDir, configMap, secret must be set",
    ),
    case(
        "workspace_binding_with_two_sources",
        ref_run(workspaces=[{"name": "w", "emptyDir": {}, "secret": {"secretName": "s"}}]),
        "spec.workspaces[0]",
        "(found emptyDir, secret)",
    ),
    case(
        "pvc_binding_without_claim_name",
        ref_run(workspaces=[{"name": "w", "persistentVolumeClaim": {}}]),
        "spec.workspaces[0].persistentVolumeClaim.claimName",
        "required field is missing",
    ),
    case(
        "duplicate_run_param",
        ref_run(params=[{"name": "p", "value": "1"}, {"name": "p", "value": "2"}]),
        "spec.params[1].name",
        'duplicate param name "p"',
    ),
    case(
        "duplicate_workspace_binding",
        ref_run(workspaces=[{"name": "w", "emptyDir": {}}, {"name": "w", "emptyDir": {}}]),
        "spec.workspaces[1].name",
        'duplicate workspace name "w"',
    ),
    case(
        "negative_depth",
        ref_run(depth=-1),
        "spec.depth",
        "greater than or equal to 0, got -1",
    ),
    case(
        "depth_over_the_nesting_limit",
        ref_run(depth=11),
        "spec.depth",
        "11 is deeper than the nesting limit of 10",
    ),
    case(
        "embedded_template_errors_are_under_its_path",
        run(
            {
                "workflowTemplateSpec": {
                    "type": "SeqPod",
                    "seqPod": {
                        "steps": [{"name": "s", "image": "u", "script": "x", "command": ["y"]}]
                    },
                }
            }
        ),
        "spec.workflowTemplateSpec.seqPod.steps[0]",
        "script and command are mutually exclusive",
    ),
    # --- CronWorkflowRun (SPEC §7) --------------------------------------------------
    case(
        "cron_schedule_out_of_range",
        cron_of("61 * * * *"),
        "spec.schedule",
        'invalid cron schedule "61 * * * *": minute "61" is out of range 0-59',
    ),
    case(
        "cron_schedule_with_too_few_fields",
        cron_of("* * *"),
        "spec.schedule",
        'invalid cron schedule "* * *"',
    ),
    case(
        "cron_schedule_that_is_words",
        cron_of("every day"),
        "spec.schedule",
        'invalid cron schedule "every day"',
    ),
    case(
        "cron_without_schedule",
        cron({"workflowRun": {"spec": {"workflowTemplateRef": "t"}}}),
        "spec.schedule",
        "required field is missing",
    ),
    case(
        "cron_with_an_unknown_concurrency_policy",
        cron_of(concurrencyPolicy="Sometimes"),
        "spec.concurrencyPolicy",
        'unsupported value "Sometimes": '
        "must be one of 'Allow', 'AllowConcurrent', 'Forbid' or 'Replace'",
    ),
    case(
        "cron_with_a_negative_starting_deadline",
        cron_of(startingDeadlineSeconds=-1),
        "spec.startingDeadlineSeconds",
        "greater than or equal to 0",
    ),
    case(
        "cron_with_a_negative_history_limit",
        cron_of(failedRunsHistoryLimit=-2),
        "spec.failedRunsHistoryLimit",
        "greater than or equal to 0",
    ),
    case(
        "cron_run_spec_errors_are_under_its_path",
        cron(
            {
                "schedule": "@daily",
                "workflowRun": {"spec": {"workflowTemplateRef": "t", "timeout": "soon"}},
            }
        ),
        "spec.workflowRun.spec.timeout",
        'invalid duration "soon"',
    ),
    case(
        "cron_without_workflow_run",
        cron({"schedule": "@daily"}),
        "spec.workflowRun",
        "required field is missing",
    ),
    # --- WorkflowTrigger (SPEC §8) ----------------------------------------------------
    case(
        "trigger_without_event_sources",
        trigger({"eventSources": [], "workflowRunSpec": {"workflowTemplateRef": "t"}}),
        "spec.eventSources",
        "eventSources must not be empty",
    ),
    case(
        "filter_value_that_is_not_a_number",
        trigger_of({"path": "body.n", "type": "number", "values": ["ten"]}),
        "spec.eventSources[0].filters[0].values[0]",
        '"ten" is not a number',
    ),
    case(
        "filter_value_that_is_not_a_bool",
        trigger_of({"path": "body.ok", "type": "bool", "values": ["yes"]}),
        "spec.eventSources[0].filters[0].values[0]",
        '"yes" is not a bool',
    ),
    case(
        "filter_with_an_unknown_type",
        trigger_of({"path": "body.a", "type": "date", "values": ["x"]}),
        "spec.eventSources[0].filters[0].type",
        'unsupported value "date"',
    ),
    case(
        "filter_without_values",
        trigger_of({"path": "body.a", "type": "string", "values": []}),
        "spec.eventSources[0].filters[0].values",
        "values must not be empty",
    ),
    case(
        "filter_with_an_empty_path",
        trigger_of({"path": "", "type": "string", "values": ["a"]}),
        "spec.eventSources[0].filters[0].path",
        "must not be empty",
    ),
    case(
        "trigger_run_spec_errors_are_under_its_path",
        trigger(
            {
                "eventSources": [{"eventListenerName": "el"}],
                "workflowRunSpec": {"workflowTemplateRef": "t", "timeout": "1x"},
            }
        ),
        "spec.workflowRunSpec.timeout",
        'invalid duration "1x"',
    ),
    case(
        "event_listener_with_negative_replicas",
        {
            "apiVersion": TRIGGERS,
            "kind": "EventListener",
            "metadata": {"name": "el"},
            "spec": {"replicas": -1},
        },
        "spec.replicas",
        "greater than or equal to 0",
    ),
    case(
        "event_listener_resources_that_are_not_a_mapping",
        {
            "apiVersion": TRIGGERS,
            "kind": "EventListener",
            "metadata": {"name": "el"},
            "spec": {"resources": ["cpu"]},
        },
        "spec.resources",
        "must be a mapping",
    ),
    case(
        "trigger_replicas_written_as_text",
        trigger_of(replicas="2"),
        "spec.replicas",
        'must be an integer, got "2"',
    ),
    case(
        "trigger_resources_with_a_limit_that_is_a_list",
        trigger_of(resources={"limits": {"cpu": ["1"]}}),
        "spec.resources.limits.cpu",
        "must be a string, got a list",
    ),
    case(
        "step_language_that_is_not_text",
        seq_pod(container("step", script="echo", language=["Shell"])),
        "spec.seqPod.steps[0].language",
        "must be a string",
    ),
]


@pytest.mark.parametrize("c", REJECTED)
def test_rejected(c: Case) -> None:
    causes = causes_of(c.doc)
    assert causes, "the document was accepted"
    at_path = [cause.message for cause in causes if cause.path == c.path]
    assert at_path, f"no error at {c.path!r}; got {[str(x) for x in causes]}"
    assert any(c.reason in message for message in at_path), (
        f"no error at {c.path!r} says {c.reason!r}; got {at_path}"
    )


@pytest.mark.parametrize("c", REJECTED)
def test_every_error_reads_path_colon_reason(c: Case) -> None:
    for cause in causes_of(c.doc):
        assert str(cause) == (f"{cause.path}: {cause.message}" if cause.path else cause.message)
        assert cause.message and not cause.message.endswith(".")


# --- accepted with a warning (SPEC §4, §13) ------------------------------------------
# The platform's own tutorials reference params they do not declare: accepted, and
# the author is told where.

UNDECLARED_PARAM_REFERENCES = [
    case(
        "undeclared_param_in_command",
        pod(container(command=["echo", "$(params.mesage)"])),
        "spec.pod.containers[0].command[1]",
        'undeclared param "mesage" in $(params.mesage)',
    ),
    case(
        "undeclared_param_in_env_value",
        pod(container(env=[{"name": "X", "value": "$(params.x)"}])),
        "spec.pod.containers[0].env[0].value",
        'undeclared param "x"',
    ),
    case(
        "undeclared_param_in_a_manifest",
        resource_template(JOB_HEAD + "spec: {parallelism: $(params.n), " + JOB_POD + "}\n"),
        "spec.resource.manifest",
        'undeclared param "n"',
    ),
    case(
        "undeclared_param_in_a_job_template",
        template(
            {
                "type": "MPIJob",
                "mpiJob": {"metadata": {"name": "$(params.job)"}, "spec": MINIMAL_SPECS["MPIJob"]},
            }
        ),
        "spec.mpiJob.metadata.name",
        'undeclared param "job" in $(params.job)',
    ),
    case(
        "undeclared_param_in_a_when_input",
        dag_template(
            node("a", when=[{"input": "$(params.mode)", "operator": "in", "values": ["x"]}])
        ),
        "spec.dag.templates[0].when[0].input",
        'undeclared param "mode"',
    ),
]


@pytest.mark.parametrize("c", UNDECLARED_PARAM_REFERENCES)
def test_undeclared_param_reference_is_a_warning(c: Case) -> None:
    messages = [w.message for w in warnings_of(c.doc) if w.path == c.path]
    assert any(c.reason in m for m in messages), (c.path, messages)


@pytest.mark.parametrize("c", UNDECLARED_PARAM_REFERENCES)
def test_undeclared_param_reference_is_an_error_when_strict(c: Case) -> None:
    with pytest.raises(ValidationError) as caught:
        check(c.doc, strict=True)
    assert any(e.path == c.path and c.reason in e.message for e in caught.value.causes)


# --- unknown fields: kept, and reported as warnings (SPEC §13) ----------------------
# A field the API defines (typed, or a Kubernetes field Treadle does not type) is
# known; any other is kept as written and reported with its path, as kubectl's
# `--validate=warn` does. Strict checking makes it an error.

CONFIG_MAP = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}
LISTENER = {"apiVersion": TRIGGERS, "kind": "EventListener", "metadata": {"name": "el"}}

UNKNOWN_FIELDS = [
    case("unknown_top_level_field", {**pod_template(), "extra": 1}, "extra", "unknown field"),
    case(
        "bogus_field_on_a_step",
        seq_pod(container("step", bogus=1)),
        "spec.seqPod.steps[0].bogus",
        "unknown field",
    ),
    case(
        "misspelt_node_field",
        dag_template({"name": "a", "workflowTemplateRef": "x", "dependecies": []}),
        "spec.dag.templates[0].dependecies",
        'unknown field; did you mean "dependencies"?',
    ),
    case(
        "bogus_field_on_a_when_expression",
        dag_template(node("a", when=[{"input": "a", "operator": "in", "values": ["a"], "x": 1}])),
        "spec.dag.templates[0].when[0].x",
        "unknown field",
    ),
    case(
        "bogus_field_on_a_run_param",
        ref_run(params=[{"name": "p", "value": "v", "bogus": True}]),
        "spec.params[0].bogus",
        "unknown field",
    ),
    case(
        "bogus_field_on_a_workspace_binding",
        ref_run(workspaces=[{"name": "w", "emptyDir": {}, "readOnly": True}]),
        "spec.workspaces[0].readOnly",
        "unknown field",
    ),
    case(
        "misspelt_scheduler_field",
        ref_run(scheduler={"t9kScheduler": {"queu": "default"}}),
        "spec.scheduler.t9kScheduler.queu",
        'did you mean "queue"?',
    ),
    case(
        "bogus_field_in_an_embedded_template_spec",
        run({"workflowTemplateSpec": {"type": "Pod", "pod": POD, "bogus": 1}}),
        "spec.workflowTemplateSpec.bogus",
        "unknown field",
    ),
    case("bogus_field_at_spec_level", pod_template(bogus=1), "spec.bogus", "unknown field"),
    case(
        "bogus_field_in_metadata",
        {**pod_template(), "metadata": {"name": "t", "bogus": 1}},
        "metadata.bogus",
        "unknown field",
    ),
    case(
        "job_template_with_an_unknown_field",
        template(
            {
                "type": "GenericJob",
                "genericJob": {"kind": "GenericJob", "spec": MINIMAL_SPECS["GenericJob"]},
            }
        ),
        "spec.genericJob.kind",
        "unknown field",
    ),
    case(
        "bogus_field_in_a_job_template_s_metadata",
        template(
            {
                "type": "MPIJob",
                "mpiJob": {"metadata": {"generatedName": "j-"}, "spec": MINIMAL_SPECS["MPIJob"]},
            }
        ),
        "spec.mpiJob.metadata.generatedName",
        'did you mean "generateName"?',
    ),
    case(
        "bogus_field_on_a_container",
        pod(container(bogus=1)),
        "spec.pod.containers[0].bogus",
        "unknown field",
    ),
    case(
        "snake_case_spelling_of_an_untyped_kubernetes_field",
        pod(container(security_context={"runAsUser": 1})),
        "spec.pod.containers[0].security_context",
        'did you mean "securityContext"?',
    ),
    case(
        "bogus_field_on_a_volume_mount",
        pod(
            container(volumeMounts=[{"name": "v", "mountPath": "/v", "mode": "rw"}]),
            volumes=[{"name": "v", "emptyDir": {}}],
        ),
        "spec.pod.containers[0].volumeMounts[0].mode",
        "unknown field",
    ),
    case(
        "bogus_field_in_a_pod_spec",
        pod(container(), hostNetwrok=True),
        "spec.pod.hostNetwrok",
        'did you mean "hostNetwork"?',
    ),
    case(
        "pod_spec_field_the_platform_s_seq_pod_spec_lacks",
        template({"type": "SeqPod", "seqPod": {**SEQ_POD, "os": {"name": "linux"}}}),
        "spec.seqPod.os",
        "unknown field",
    ),
    case(
        "bogus_field_in_a_cron_spec",
        cron_of(concurrency="Forbid"),
        "spec.concurrency",
        "unknown field",
    ),
    case(
        "bogus_field_in_a_cron_s_run_template",
        cron({"schedule": "@daily", "workflowRun": {"spec": {"workflowTemplateRef": "t"}, "x": 1}}),
        "spec.workflowRun.x",
        "unknown field",
    ),
    case(
        "bogus_field_on_a_trigger_filter",
        trigger_of({"path": "body.a", "type": "string", "values": ["x"], "op": "in"}),
        "spec.eventSources[0].filters[0].op",
        "unknown field",
    ),
    case(
        "bogus_field_in_a_listener_spec",
        {**LISTENER, "spec": {"port": 8080}},
        "spec.port",
        "unknown field",
    ),
    case("bogus_field_on_a_config_map", {**CONFIG_MAP, "bogus": 1}, "bogus", "unknown field"),
    case(
        "bogus_field_in_a_config_map_s_metadata",
        {**CONFIG_MAP, "metadata": {"name": "c", "lables": {}}},
        "metadata.lables",
        'did you mean "labels"?',
    ),
    case(
        "bogus_field_in_a_pod_object",
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {**POD, "x": 1}},
        "spec.x",
        "unknown field",
    ),
    case(
        "bogus_field_in_a_manifest",
        manifest_template("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\nbogus: 1\n"),
        "spec.resource.manifest",
        "bogus: unknown field",
    ),
]


@pytest.mark.parametrize("c", UNKNOWN_FIELDS)
def test_unknown_field_is_a_warning_naming_its_path(c: Case) -> None:
    found = warnings_of(c.doc)
    assert [w.path for w in found] == [c.path], [str(w) for w in found]
    assert c.reason in found[0].message


@pytest.mark.parametrize("c", UNKNOWN_FIELDS)
def test_unknown_field_is_an_error_naming_its_path_when_strict(c: Case) -> None:
    with pytest.raises(ValidationError) as caught:
        check(c.doc, strict=True)
    assert [(e.path, c.reason in e.message) for e in caught.value.causes] == [(c.path, True)]


KNOWN_FIELDS = [
    pytest.param(
        seq_pod(container("step", command=[], script="print(1)", language="Python")),
        id="language_on_a_script_step",
    ),
    pytest.param(
        {**LISTENER, "spec": {"replicas": 2, "resources": {"limits": {"cpu": "1"}}}},
        id="listener_replicas_and_resources",
    ),
    pytest.param(
        trigger_of(replicas=1, resources={"requests": {"memory": "64Mi"}}),
        id="trigger_replicas_and_resources",
    ),
    pytest.param(
        {
            **pod_template(),
            "metadata": {
                "name": "t",
                "finalizers": ["example.com/keep"],
                "managedFields": [{"manager": "kubectl", "operation": "Apply"}],
                "deletionGracePeriodSeconds": 30,
                "selfLink": "/apis/x",
            },
        },
        id="kubernetes_metadata_fields",
    ),
    pytest.param(
        pod(
            container(
                ports=[{"containerPort": 80}],
                securityContext={"runAsUser": 1000},
                livenessProbe={"exec": {"command": ["true"]}},
                volumeMounts=[{"name": "v", "mountPath": "/v", "mountPropagation": "None"}],
                resources={"limits": {"cpu": "1"}, "claims": [{"name": "gpu"}]},
            ),
            volumes=[{"name": "v", "nfs": {"server": "nfs", "path": "/x"}}],
            affinity={},
            tolerations=[],
            nodeSelector={"disk": "ssd"},
        ),
        id="kubernetes_container_and_pod_fields",
    ),
    pytest.param(
        template(
            {
                "type": "SeqPod",
                "seqPod": {**SEQ_POD, "securityContext": {"runAsUser": 1000}, "dnsPolicy": "None"},
            }
        ),
        id="fields_of_the_platform_s_seq_pod_spec",
    ),
    pytest.param(
        template(
            {
                "type": "MPIJob",
                "mpiJob": {
                    "spec": {
                        **MINIMAL_SPECS["MPIJob"],
                        "mca": {"btl": "^openib"},
                        "ssh": {"sshdPath": "/usr/sbin/sshd"},
                        "mpiHome": "/usr/local",
                    }
                },
            }
        ),
        id="mpi_job_fields",
    ),
    pytest.param(
        {**run({"workflowTemplateRef": "t"}), "status": {"phase": "Running", "resource": {}}},
        id="fields_the_controller_writes_into_a_status",
    ),
    pytest.param({**CONFIG_MAP, "immutable": True}, id="config_map_immutable"),
    pytest.param(
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {"name": "j"},
            "spec": {"suspend": True, "completionMode": "Indexed", "template": {"spec": POD}},
        },
        id="batch_job_fields",
    ),
]


@pytest.mark.parametrize("doc", KNOWN_FIELDS)
def test_a_field_the_api_defines_is_accepted_without_a_warning(doc: Doc) -> None:
    assert [str(w) for w in warnings_of(doc)] == []


# --- documents that must pass ------------------------------------------------------


ACCEPTED = [
    pytest.param(pod_template(), id="minimal_pod"),
    pytest.param(template({"pod": POD}), id="type_taken_from_the_only_field_set"),
    pytest.param(
        seq_pod(
            {
                "name": "add",
                "image": "ubuntu",
                "command": ["sh", "-c"],
                "args": ["echo $((${A}+${B}))"],
            },
        ),
        id="shell_arithmetic_is_not_a_reference",
    ),
    pytest.param(
        pod(container(command=["sh", "-c", "echo $(date) $(whoami)"])),
        id="command_substitution_is_not_a_reference",
    ),
    pytest.param(
        pod_template(
            params=[{"name": "learning-rate"}, {"name": "batch_size", "default": ""}],
            pod={
                "containers": [container(args=["$(params.learning-rate)", "$(params.batch_size)"])]
            },
        ),
        id="param_names_with_dash_and_underscore",
    ),
    pytest.param(
        seq_pod(
            {
                "name": "s",
                "image": "python",
                "script": "echo 1 > $(results.out.path)",
                "args": ["a"],
            },
            results=[{"name": "out"}],
        ),
        id="script_with_args_writing_a_declared_result",
    ),
    pytest.param(
        pod_template(
            workspaces=[{"name": "data", "mountPath": "/mnt", "readOnly": True, "optional": True}],
            pod={"containers": [container(args=["$(workspaces.data.path)"])]},
        ),
        id="workspace_with_every_field",
    ),
    pytest.param(
        pod(
            container(volumeMounts=[{"name": "v", "mountPath": "/v", "subPath": "a/b..c/d"}]),
            volumes=[{"name": "v", "emptyDir": {}}],
        ),
        id="sub_path_with_dots_inside_a_segment",
    ),
    pytest.param(
        pod(
            container(
                securityContext={"runAsUser": 1000},
                ports=[{"containerPort": 80}],
                livenessProbe={"exec": {"command": ["true"]}},
            ),
            hostNetwork=True,
            tolerations=[{"operator": "Exists"}],
        ),
        id="kubernetes_fields_we_do_not_type",
    ),
    pytest.param(
        dag_template(
            node("a"),
            node("b", "a", params=[{"name": "x", "value": "$(templates.a.results.r)"}]),
            node(
                "c",
                when=[{"input": "$(templates.a.results.r)", "operator": "notin", "values": ["x"]}],
                retries=3,
            ),
            dag={"failureStrategy": "StopDependentWorkflowTemplates"},
            results=[{"name": "out", "value": "$(templates.b.results.r)"}],
        ),
        id="dag_with_results_when_and_retries",
    ),
    pytest.param(
        dag_template(node("a", when=[{"operator": "in", "values": [""]}])),
        id="when_input_defaults_to_empty",
    ),
    pytest.param(
        dag_template(node("a"), node("b", "a", "a")),
        id="dependency_listed_twice",
    ),
    *(
        pytest.param(
            resource_template(JOB, successRules={"fieldSelector": selector}),
            id=f"spec_field_selector_{i}",
        )
        for i, selector in enumerate(
            [
                "status.succeeded>0",
                "status.succeeded > 0,status.failed == 0",
                "status.phase in (Succeeded, Failed),status.workflowTemplateSpec.type == DAG",
                "status.conditions.0.status notin (False)",
            ]
        )
    ),
    pytest.param(
        resource_template(
            JOB,
            successRules={"conditionSelector": {"type": "Complete", "status": "True"}},
            failureRules={"fieldSelector": "status.failed>=1"},
        ),
        id="resource_with_both_kinds_of_rule",
    ),
    pytest.param(
        resource_template("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\n"),
        id="manifest_with_a_trailing_document_separator",
    ),
    pytest.param(
        template(
            {
                "type": "MPIJob",
                "mpiJob": {
                    "metadata": {"labels": {"team": "ml"}},
                    "spec": {
                        "worker": {
                            "replicas": 2,
                            "template": {"spec": {"containers": [container("mpi-worker")]}},
                        },
                        "mca": {"btl": "^openib"},
                        "runPolicy": {"cleanUpWorkers": True},
                    },
                },
            }
        ),
        id="mpi_job_spec_kept_as_written",
    ),
    pytest.param(
        template(
            {
                "params": [{"name": "image"}],
                "type": "GenericJob",
                "genericJob": {
                    "spec": {
                        "replicaSpecs": [
                            replica("master", container(image="$(params.image)")),
                            replica("worker", container(image="$(params.image)")),
                        ],
                        "successRules": [{"master": [0]}, {"worker": [0]}],
                    }
                },
            }
        ),
        id="generic_job_with_replica_groups",
    ),
    *(
        pytest.param(ref_run(timeout=timeout), id=f"timeout_{timeout}")
        for timeout in ("1h30m", "90s", "250ms", "1.5h", "0")
    ),
    pytest.param(
        ref_run(
            params=[{"name": "n", "value": 3}, {"name": "flag", "value": True}],
            workspaces=[
                {"name": "a", "persistentVolumeClaim": {"claimName": "pvc"}, "subPath": "x/y"},
                {"name": "b", "emptyDir": {}},
                {"name": "c", "configMap": {"name": "cm"}},
                {"name": "d", "secret": {"secretName": "s"}},
            ],
            serviceAccountName="managed-project-sa",
            scheduler={"t9kScheduler": {"queue": "default"}},
            depth=2,
        ),
        id="run_with_every_field",
    ),
    *(
        pytest.param(cron_of(schedule), id=f"cron_{schedule}")
        for schedule in ("*/5 * * * *", "0 9-17 * * 1-5", "0 0 1,15 * *", "@daily", "0 0 * JAN MON")
    ),
    pytest.param(
        cron_of(
            concurrencyPolicy="Forbid",
            suspend=True,
            startingDeadlineSeconds=30,
            successfulRunsHistoryLimit=0,
        ),
        id="cron_with_every_field",
    ),
    pytest.param(
        cron_of(concurrencyPolicy="AllowConcurrent"), id="cron_with_the_platform_s_AllowConcurrent"
    ),
    pytest.param(
        trigger(
            {
                "eventSources": [
                    {
                        "eventListenerName": "el",
                        "filters": [
                            {"path": "body.n", "type": "number", "values": ["1", "2.5"]},
                            {"path": "header.X-Ok", "type": "bool", "values": ["true"]},
                        ],
                    }
                ],
                "serviceAccountName": "sa",
                "workflowRunSpec": {
                    "workflowTemplateRef": "t",
                    "params": [{"name": "repo", "value": "$(body.repository.name)"}],
                },
            }
        ),
        id="trigger_with_filters_and_event_params",
    ),
    pytest.param(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "b"}},
        id="built_in_kind_passes_a_shape_check",
    ),
    pytest.param(
        tf_job_pod(
            {
                "containers": [
                    container(
                        "tensorflow",
                        resources={"limits": {"cpu": "$(params.cpu)"}},
                        volumeMounts=[{"name": "d", "mountPath": "$(params.dir)"}],
                    )
                ],
                "volumes": [{"name": "d", "persistentVolumeClaim": {"claimName": "$(params.pvc)"}}],
            },
            params=[{"name": "cpu"}, {"name": "dir"}, {"name": "pvc"}],
        ),
        id="job_template_values_that_params_give_are_checked_at_run_time",
    ),
    pytest.param(
        manifest_template(
            JOB_HEAD
            + "spec:\n  parallelism: $(params.n)\n  template:\n    spec:\n"
            + "      containers: [{name: c, image: u, resources: {limits: {memory: $(params.m)}}}]\n"
            + "      volumes: [{name: d, persistentVolumeClaim: {claimName: $(params.pvc)}}]\n",
            "n",
            "m",
            "pvc",
        ),
        id="manifest_values_that_params_give_are_checked_at_run_time",
    ),
    pytest.param(
        pod_template(
            workspaces=[{"name": "w"}],
            pod={"containers": [container(workingDir="$(workspaces.w.path)/src")]},
        ),
        id="working_dir_from_a_workspace_path",
    ),
    pytest.param(
        pod(
            container(
                env=[{"name": "my.var-1", "value": "x"}],
                volumeMounts=[{"name": "v", "mountPath": "/v", "subPath": ""}],
            ),
            volumes=[{"name": "v", "persistentVolumeClaim": {"claimName": "data.v1"}}],
        ),
        id="kubernetes_names_with_dots_and_an_empty_sub_path",
    ),
    pytest.param(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "s"},
            "data": {"token": "aHVudGVyMg=="},
            "stringData": {"password": "hunter2!\n"},
        },
        id="secret_with_base64_data_and_plain_string_data",
    ),
]


@pytest.mark.parametrize("doc", ACCEPTED)
def test_accepted(doc: Doc) -> None:
    assert errors_of(doc) == []


def test_host_path_volumes_pass_where_the_owner_allows_them() -> None:
    doc = pod(container(), volumes=[{"name": "h", "hostPath": {"path": "/data"}}])
    with pytest.raises(ValidationError):
        validate(doc)
    validate(doc, policy=Policy(allow_host_path=True))


VALID = valid_documents()


@needs_conformance
@pytest.mark.parametrize(("where", "doc"), VALID)
def test_conformance_valid_document_passes(where: str, doc: Doc) -> None:
    # Runs are checked against the templates of the same cases, as `treadle validate` does.
    assert errors_of(doc, resolver(*(d for _, d in VALID))) == []


@needs_conformance
@pytest.mark.parametrize("path", conformance_files("invalid"), ids=lambda p: p.stem)
def test_conformance_invalid_document_is_rejected_with_its_listed_strings(path: Path) -> None:
    messages = [m for doc in load_all(path) for m in errors_of(doc)]
    assert messages, f"{path.name} was accepted"
    text = "\n".join(messages)
    for expected in expected_errors(path):
        assert expected in text, f"{expected!r} not in {text!r}"


@needs_seed
@pytest.mark.parametrize(("where", "doc"), seed_documents())
def test_seed_tutorial_yaml_passes(where: str, doc: Doc) -> None:
    assert errors_of(doc) == []


# --- several errors at once -----------------------------------------------------------


def test_every_rule_violation_of_a_template_is_reported_at_once() -> None:
    doc = template(
        {
            "params": [{"name": "p"}, {"name": "p"}],
            "results": [{"name": "r", "value": "x"}],
            "type": "SeqPod",
            "seqPod": {
                "steps": [
                    {"name": "s", "image": "u", "script": "echo", "command": ["sh"]},
                    {"name": "s", "image": "u", "args": ["$(workspaces.q.path)"]},
                ]
            },
        }
    )
    paths = {cause.path for cause in causes_of(doc)}
    assert paths == {
        "spec.params[1].name",
        "spec.results[0].value",
        "spec.seqPod.steps[0]",
        "spec.seqPod.steps[1].name",
        "spec.seqPod.steps[1].args[0]",
    }


def test_every_structural_error_is_reported_at_once() -> None:
    doc = dag_template(
        {"name": "a", "workflowTemplateRef": "x", "retries": "x", "dependecies": []},
        {"name": "b", "when": [{"operator": "is", "values": ["x"]}]},
        dag={"failureStrategy": "Never"},
    )
    paths = {cause.path for cause in causes_of(doc)}
    # `dependecies` is an unknown field: a warning, not one of the errors.
    assert paths == {
        "spec.dag.templates[0].retries",
        "spec.dag.templates[1].workflowTemplateRef",
        "spec.dag.templates[1].when[0].operator",
        "spec.dag.failureStrategy",
    }


def test_metadata_errors_come_with_structural_errors() -> None:
    doc = {**template({"type": "Pod", "pod": {"containers": "c"}}), "metadata": {"name": "B"}}
    paths = {cause.path for cause in causes_of(doc)}
    assert paths == {"metadata.name", "spec.pod.containers"}


def test_a_cycle_and_an_unknown_dependency_are_both_reported() -> None:
    doc = dag_template(node("a", "b"), node("b", "a"), node("c", "zz"))
    assert errors_of(doc) == [
        'spec.dag.templates[2].dependencies[0]: unknown node "zz"',
        "spec.dag.templates: dependency cycle: a -> b -> a",
    ]


def test_a_self_dependency_is_not_reported_again_as_a_cycle() -> None:
    assert errors_of(dag_template(node("a", "a"))) == [
        "spec.dag.templates[0].dependencies[0]: a node cannot depend on itself"
    ]


def test_validation_error_names_the_document() -> None:
    with pytest.raises(ValidationError) as caught:
        validate(named(pod(), "empty-pod"))
    assert caught.value.subject == 'WorkflowTemplate "empty-pod"'
    assert str(caught.value) == "spec.pod.containers: containers must not be empty"


# --- a run against its template (SPEC §3.6, §5) ------------------------------------

SAY = template(
    {
        "params": [{"name": "word"}, {"name": "times", "default": ""}],
        "workspaces": [{"name": "out"}, {"name": "cache", "optional": True}],
        "results": [{"name": "said"}],
        "type": "Pod",
        "pod": {"containers": [container(args=["$(params.word)", "$(params.times)"])]},
    },
    name="say",
)
PVC = {"persistentVolumeClaim": {"claimName": "data"}}


def say_run(**spec: Any) -> Doc:
    return run({"workflowTemplateRef": "say", **spec})


GOOD_RUN = {"params": [{"name": "word", "value": "hi"}], "workspaces": [{"name": "out", **PVC}]}

AGAINST_TEMPLATE = [
    case(
        "run_missing_a_required_param",
        say_run(workspaces=GOOD_RUN["workspaces"]),
        "spec.params",
        'missing required param "word" of template "say"',
    ),
    case(
        "run_missing_a_workspace_binding",
        say_run(params=GOOD_RUN["params"]),
        "spec.workspaces",
        'missing binding for workspace "out" of template "say"',
    ),
    case(
        "run_binding_an_undeclared_workspace",
        say_run(
            **{**GOOD_RUN, "workspaces": [{"name": "out", **PVC}, {"name": "tmp", "emptyDir": {}}]}
        ),
        "spec.workspaces[1].name",
        'workspace "tmp" is not declared by template "say"',
    ),
    case(
        "cron_run_against_its_template",
        cron({"schedule": "@hourly", "workflowRun": {"spec": {"workflowTemplateRef": "say"}}}),
        "spec.workflowRun.spec.params",
        'missing required param "word" of template "say"',
    ),
]


UNDECLARED_PARAMS_GIVEN = [
    case(
        "run_param_the_template_does_not_declare",
        say_run(**{**GOOD_RUN, "params": [{"name": "word", "value": "hi"}, {"name": "wrod"}]}),
        "spec.params[1].name",
        'param "wrod" is not declared by template "say"',
    ),
    case(
        "trigger_giving_a_param_the_template_does_not_declare",
        trigger(
            {
                "eventSources": [{"eventListenerName": "el"}],
                "workflowRunSpec": {
                    "workflowTemplateRef": "say",
                    "params": [*GOOD_RUN["params"], {"name": "who", "value": "$(body.who)"}],
                    "workspaces": GOOD_RUN["workspaces"],
                },
            }
        ),
        "spec.workflowRunSpec.params[1].name",
        'param "who" is not declared by template "say"',
    ),
]


@pytest.mark.parametrize("c", UNDECLARED_PARAMS_GIVEN)
def test_giving_an_undeclared_param_is_a_warning(c: Case) -> None:
    messages = [w.message for w in warnings_of(c.doc, resolver(SAY)) if w.path == c.path]
    assert any(c.reason in m for m in messages), (c.path, messages)


@pytest.mark.parametrize("c", AGAINST_TEMPLATE)
def test_rejected_against_the_template(c: Case) -> None:
    messages = [x.message for x in causes_of(c.doc, resolver(SAY)) if x.path == c.path]
    assert any(c.reason in m for m in messages), (c.path, messages)


def test_run_with_required_params_and_workspaces_passes() -> None:
    assert errors_of(say_run(**GOOD_RUN), resolver(SAY)) == []


def test_param_with_an_empty_default_is_not_required() -> None:
    spec = WorkflowTemplate.model_validate(SAY).spec
    assert [p.name for p in spec.params if p.required] == ["word"]


def test_run_is_not_checked_against_a_template_that_does_not_exist_yet() -> None:
    assert errors_of(run({"workflowTemplateRef": "later"}), resolver(SAY)) == []


def test_run_is_not_checked_against_a_template_without_a_resolver() -> None:
    assert errors_of(say_run()) == []


def test_run_is_checked_against_an_embedded_template_without_a_resolver() -> None:
    embedded = run({"workflowTemplateSpec": SAY["spec"], "params": [{"name": "x", "value": "1"}]})
    assert errors_of(embedded) == [
        'spec.params: missing required param "word"',
        'spec.workspaces: missing binding for workspace "out"',
    ]


def test_template_is_looked_up_in_the_run_namespace() -> None:
    asked: list[tuple[str | None, str]] = []

    def resolve(namespace: str | None, name: str) -> WorkflowTemplateSpec | None:
        asked.append((namespace, name))
        return None

    validate(run({"workflowTemplateRef": "say"}, namespace="team-a"), resolve)
    assert asked == [("team-a", "say")]


# --- DAG nodes against the templates they use (SPEC §3.5) -----------------------------

ADD = template(
    {
        "params": [{"name": "a"}, {"name": "b", "default": "0"}],
        "workspaces": [{"name": "scratch"}],
        "results": [{"name": "sum"}],
        "type": "SeqPod",
        "seqPod": SEQ_POD,
    },
    name="add",
)


def add_node(name: str, *deps: str, **fields: Any) -> Doc:
    fields.setdefault("params", [{"name": "a", "value": "1"}])
    fields.setdefault("workspaces", [{"name": "scratch", "workspace": "w"}])
    return node(name, *deps, ref="add", **fields)


def add_dag(*nodes: Doc, **spec: Any) -> Doc:
    return dag_template(*nodes, workspaces=[{"name": "w"}], **spec)


NODES_AGAINST_TEMPLATES = [
    case(
        "node_missing_a_required_param",
        add_dag(add_node("x", params=[])),
        "spec.dag.templates[0].params",
        'missing required param "a" of template "add"',
    ),
    case(
        "node_missing_a_workspace",
        add_dag(add_node("x", workspaces=[])),
        "spec.dag.templates[0].workspaces",
        'missing binding for workspace "scratch" of template "add"',
    ),
    case(
        "node_mapping_an_undeclared_workspace",
        add_dag(
            add_node(
                "x",
                workspaces=[{"name": "scratch", "workspace": "w"}, {"name": "z", "workspace": "w"}],
            )
        ),
        "spec.dag.templates[0].workspaces[1].name",
        'workspace "z" is not declared by template "add"',
    ),
    case(
        "node_reading_a_result_its_upstream_template_lacks",
        add_dag(
            add_node("x"),
            add_node("y", params=[{"name": "a", "value": "$(templates.x.results.total)"}]),
        ),
        "spec.dag.templates[1].params[0].value",
        'node "x" has no result "total" (template "add" does not declare it)',
    ),
    case(
        "dag_result_reading_a_result_the_node_template_lacks",
        add_dag(add_node("x"), results=[{"name": "r", "value": "$(templates.x.results.avg)"}]),
        "spec.results[0].value",
        'node "x" has no result "avg"',
    ),
    case(
        "when_reading_a_result_the_node_template_lacks",
        add_dag(
            add_node("x"),
            add_node(
                "y",
                when=[{"input": "$(templates.x.results.ok)", "operator": "in", "values": ["1"]}],
            ),
        ),
        "spec.dag.templates[1].when[0].input",
        'node "x" has no result "ok"',
    ),
    case(
        "embedded_dag_of_a_run_against_its_node_templates",
        run({"workflowTemplateSpec": add_dag(add_node("x", params=[]))["spec"]}),
        "spec.workflowTemplateSpec.dag.templates[0].params",
        'missing required param "a" of template "add"',
    ),
]


@pytest.mark.parametrize("c", NODES_AGAINST_TEMPLATES)
def test_node_rejected_against_its_template(c: Case) -> None:
    messages = [x.message for x in causes_of(c.doc, resolver(ADD)) if x.path == c.path]
    assert any(c.reason in m for m in messages), (c.path, messages)


def test_node_giving_a_param_its_template_does_not_declare_is_a_warning() -> None:
    doc = add_dag(add_node("x", params=[{"name": "a"}, {"name": "c", "value": "3"}]))
    assert [str(w) for w in warnings_of(doc, resolver(ADD))] == [
        'spec.dag.templates[0].params[1].name: param "c" is not declared by template "add" '
        "(accepted: substituted only where the template references it)"
    ]


def test_nodes_giving_what_their_templates_need_pass() -> None:
    doc = add_dag(
        add_node("x"),
        add_node("y", params=[{"name": "a", "value": "$(templates.x.results.sum)"}]),
        results=[{"name": "total", "value": "$(templates.y.results.sum)"}],
    )
    assert errors_of(doc, resolver(ADD)) == []


def test_node_of_a_template_that_does_not_exist_yet_is_checked_at_run_start() -> None:
    assert errors_of(add_dag(node("x", ref="later")), resolver(ADD)) == []


def test_nodes_are_not_checked_against_templates_without_a_resolver() -> None:
    assert errors_of(add_dag(add_node("x", params=[]))) == []
