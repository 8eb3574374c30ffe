"""The T9k jobs and SimpleMLService (SPEC §12): each rule as a named case, a job in
and the exact field path and the heart of the reason out, wherever a job spec
appears: applied by itself, in a Resource template's manifest, as a job-typed
template (SPEC §3.3, §3.4, §11)."""

from __future__ import annotations

import copy
from typing import Any, NamedTuple

import pytest

from treadle.api.base import WIRE_CONTEXT
from treadle.api.kinds import lookup
from treadle.api.schema import json_schema
from treadle.api.t9k import JOB_MODELS, T9K_MODELS, SimpleMLService
from treadle.api.t9k.common import Aggregate, JobStatus, ReplicaStatus, RunMode, TaskStatus
from treadle.api.t9k.serving import DEFAULT_MODEL_PATH, SimpleMLServiceSpec
from treadle.api.template import JOB_FIELDS, WorkflowTemplate
from treadle.api.validate import check, validate
from treadle.errors import FieldWarning, ValidationError

from .samples import Doc, causes_of, warnings_of
from .t9k_samples import (
    MANUALS,
    MINIMAL_SERVICE,
    MINIMAL_SPECS,
    group,
    job,
    job_template,
    manifest_template,
    manual_examples,
    pod,
    service,
    spec_of,
)


class Case(NamedTuple):
    kind: str
    spec: Doc
    path: str
    """Inside the object: `spec.replicaSpecs[0].type`."""
    reason: str


def case(id: str, kind: str, spec: Doc, path: str, reason: str) -> Any:
    return pytest.param(Case(kind, spec, path, reason), id=id)


def tf(*groups: Doc, **fields: Any) -> Doc:
    return {"replicaSpecs": list(groups), **fields}


def generic(*groups: Doc, **fields: Any) -> Doc:
    return {"replicaSpecs": list(groups or [group("worker")]), **fields}


def mpi_worker(**fields: Any) -> Doc:
    return {"replicas": 2, "cmd": ["./run"], "template": pod("mpi-worker"), **fields}


def smls(**fields: Any) -> Doc:
    return {**copy.deepcopy(MINIMAL_SERVICE), **fields}


REJECTED = [
    # --- GenericJob --------------------------------------------------------------------
    case("generic_without_replica_specs", "GenericJob", {}, "spec.replicaSpecs", "required"),
    case(
        "generic_with_no_replica_group",
        "GenericJob",
        {"replicaSpecs": []},
        "spec.replicaSpecs",
        "replicaSpecs must not be empty",
    ),
    case(
        "generic_replica_without_type",
        "GenericJob",
        {"replicaSpecs": [{"template": pod("main")}]},
        "spec.replicaSpecs[0].type",
        "required field is missing",
    ),
    case(
        "generic_replica_type_that_cannot_name_a_pod",
        "GenericJob",
        generic(group("Worker_1")),
        "spec.replicaSpecs[0].type",
        'invalid replica type "Worker_1"',
    ),
    case(
        "generic_duplicate_replica_type",
        "GenericJob",
        generic(group("worker"), group("worker")),
        "spec.replicaSpecs[1].type",
        'duplicate replica type "worker"',
    ),
    case(
        "generic_negative_replicas",
        "GenericJob",
        generic({**group("worker"), "replicas": -1}),
        "spec.replicaSpecs[0].replicas",
        "greater than or equal to 0, got -1",
    ),
    case(
        "generic_restart_policy_as_a_word",
        "GenericJob",
        generic(group("worker", restartPolicy="OnFailure")),
        "spec.replicaSpecs[0].restartPolicy",
        'must be a mapping, got "OnFailure"',
    ),
    case(
        "generic_restart_policy_unknown",
        "GenericJob",
        generic(group("worker", restartPolicy={"policy": "ExitCode"})),
        "spec.replicaSpecs[0].restartPolicy.policy",
        "unsupported value \"ExitCode\": must be one of 'Never', 'OnFailure' or 'Always'",
    ),
    case(
        "generic_restart_limit_negative",
        "GenericJob",
        generic(group("worker", restartPolicy={"policy": "OnFailure", "limit": -2})),
        "spec.replicaSpecs[0].restartPolicy.limit",
        "greater than or equal to 0, got -2",
    ),
    case(
        "generic_success_rule_of_an_unknown_type",
        "GenericJob",
        generic(successRules=[{"master": [0]}]),
        "spec.successRules[0].master",
        'unknown replica type "master"',
    ),
    case(
        "generic_failure_rule_past_the_last_replica",
        "GenericJob",
        generic({**group("worker"), "replicas": 2}, failureRules=[{"worker": [0, 2]}]),
        "spec.failureRules[0].worker[1]",
        'index 2 is out of range: "worker" has 2 replicas',
    ),
    case(
        "generic_rule_naming_no_replica",
        "GenericJob",
        generic(successRules=[{}]),
        "spec.successRules[0]",
        "a rule must name at least one replica",
    ),
    case(
        "generic_rule_index_negative",
        "GenericJob",
        generic(successRules=[{"worker": [-1]}]),
        "spec.successRules[0].worker[0]",
        "greater than or equal to 0, got -1",
    ),
    case(
        "generic_clean_up_policy_unknown",
        "GenericJob",
        generic(cleanUpPolicy="Finished"),
        "spec.cleanUpPolicy",
        "unsupported value \"Finished\": must be one of 'None', 'All' or 'Unfinished'",
    ),
    case(
        "generic_service_port_out_of_range",
        "GenericJob",
        generic(service={"ports": [{"name": "http", "port": 70000}]}),
        "spec.service.ports[0].port",
        "less than or equal to 65535, got 70000",
    ),
    case(
        "generic_service_ports_with_one_name",
        "GenericJob",
        generic(service={"ports": [{"name": "a", "port": 1}, {"name": "a", "port": 2}]}),
        "spec.service.ports[1].name",
        'duplicate port name "a"',
    ),
    case(
        "generic_debug_settings_of_an_unknown_type",
        "GenericJob",
        generic(runMode={"debug": {"enabled": True, "replicaSpecs": [{"type": "ps"}]}}),
        "spec.runMode.debug.replicaSpecs[0].type",
        'unknown replica type "ps" (the job has "worker")',
    ),
    case(
        "generic_debug_and_pause_at_once",
        "GenericJob",
        generic(runMode={"debug": {"enabled": True}, "pause": {"enabled": True}}),
        "spec.runMode",
        "debug and pause mode cannot both be enabled",
    ),
    case(
        "generic_scheduler_priority_above_100",
        "GenericJob",
        generic(scheduler={"t9kScheduler": {"queue": "default", "priority": 101}}),
        "spec.scheduler.t9kScheduler.priority",
        "less than or equal to 100, got 101",
    ),
    # --- TensorFlowTrainingJob -------------------------------------------------------
    case(
        "tf_replica_type_of_another_framework",
        "TensorFlowTrainingJob",
        tf(group("trainer", "tensorflow")),
        "spec.replicaSpecs[0].type",
        'unsupported value "trainer"',
    ),
    case(
        "tf_without_chief_or_worker",
        "TensorFlowTrainingJob",
        tf(group("ps", "tensorflow")),
        "spec.replicaSpecs",
        'needs a "chief" or a "worker" replica spec',
    ),
    case(
        "tf_restart_policy_unknown",
        "TensorFlowTrainingJob",
        tf(group("worker", "tensorflow", restartPolicy="Sometimes")),
        "spec.replicaSpecs[0].restartPolicy",
        "must be one of 'Never', 'OnFailure', 'Always' or 'ExitCode'",
    ),
    case(
        "tf_replica_without_template",
        "TensorFlowTrainingJob",
        tf({"type": "worker", "replicas": 2}),
        "spec.replicaSpecs[0].template",
        "required field is missing",
    ),
    case(
        "tf_replica_pod_without_containers",
        "TensorFlowTrainingJob",
        tf({"type": "worker", "template": {"spec": {"containers": []}}}),
        "spec.replicaSpecs[0].template.spec.containers",
        "containers must not be empty",
    ),
    case(
        "tf_active_deadline_zero",
        "TensorFlowTrainingJob",
        spec_of("TensorFlowTrainingJob", runPolicy={"activeDeadlineSeconds": 0}),
        "spec.runPolicy.activeDeadlineSeconds",
        "greater than 0, got 0",
    ),
    case(
        "tf_backoff_limit_negative",
        "TensorFlowTrainingJob",
        spec_of("TensorFlowTrainingJob", runPolicy={"backoffLimit": -1}),
        "spec.runPolicy.backoffLimit",
        "greater than or equal to 0, got -1",
    ),
    case(
        "tf_backoff_limit_as_text",
        "TensorFlowTrainingJob",
        spec_of("TensorFlowTrainingJob", runPolicy={"backoffLimit": "3"}),
        "spec.runPolicy.backoffLimit",
        'must be an integer, got "3"',
    ),
    case(
        "tf_pause_resumes_an_unknown_type",
        "TensorFlowTrainingJob",
        spec_of(
            "TensorFlowTrainingJob",
            runMode={"pause": {"enabled": True, "resumeSpecs": [{"type": "chief"}]}},
        ),
        "spec.runMode.pause.resumeSpecs[0].type",
        'unknown replica type "chief"',
    ),
    case(
        "tf_debug_enabled_as_text",
        "TensorFlowTrainingJob",
        spec_of("TensorFlowTrainingJob", runMode={"debug": {"enabled": "yes"}}),
        "spec.runMode.debug.enabled",
        'must be true or false, got "yes"',
    ),
    # --- PyTorchTrainingJob ----------------------------------------------------------
    case(
        "pytorch_replica_type_of_tensorflow",
        "PyTorchTrainingJob",
        tf(group("chief", "pytorch")),
        "spec.replicaSpecs[0].type",
        "unsupported value \"chief\": must be one of 'master' or 'worker'",
    ),
    case(
        "pytorch_elastic_minimum_above_maximum",
        "PyTorchTrainingJob",
        spec_of(
            "PyTorchTrainingJob", elastic={"enabled": True, "minReplicas": 5, "maxReplicas": 2}
        ),
        "spec.elastic.minReplicas",
        "must not be more than maxReplicas (2), got 5",
    ),
    case(
        "pytorch_elastic_expected_above_maximum",
        "PyTorchTrainingJob",
        spec_of("PyTorchTrainingJob", elastic={"maxReplicas": 4, "expectedReplicas": 7}),
        "spec.elastic.expectedReplicas",
        "must be at most maxReplicas (4), got 7",
    ),
    case(
        "pytorch_torchrun_processes_as_a_word",
        "PyTorchTrainingJob",
        spec_of("PyTorchTrainingJob", torchrunConfig={"enabled": True, "procPerNode": "two"}),
        "spec.torchrunConfig.procPerNode",
        'must be a positive number or "gpu", got "two"',
    ),
    case(
        "pytorch_torchrun_unknown_rendezvous",
        "PyTorchTrainingJob",
        spec_of("PyTorchTrainingJob", torchrunConfig={"rdzvBackend": "zmq"}),
        "spec.torchrunConfig.rdzvBackend",
        'unsupported value "zmq"',
    ),
    # --- XGBoostTrainingJob ----------------------------------------------------------
    case(
        "xgboost_without_master",
        "XGBoostTrainingJob",
        tf(group("worker", "xgboost")),
        "spec.replicaSpecs",
        'needs a "master" replica spec',
    ),
    case(
        "xgboost_replica_type_ps",
        "XGBoostTrainingJob",
        tf(group("master", "xgboost"), group("ps", "xgboost")),
        "spec.replicaSpecs[1].type",
        'unsupported value "ps"',
    ),
    # --- MPIJob ----------------------------------------------------------------------
    case("mpi_without_worker", "MPIJob", {"mca": {}}, "spec.worker", "required field is missing"),
    case(
        "mpi_worker_replicas_as_a_word",
        "MPIJob",
        {"worker": mpi_worker(replicas="five")},
        "spec.worker.replicas",
        'must be an integer, got "five"',
    ),
    case(
        "mpi_worker_without_template",
        "MPIJob",
        {"worker": {"replicas": 2}},
        "spec.worker.template",
        "required field is missing",
    ),
    case(
        "mpi_worker_container_without_image",
        "MPIJob",
        {"worker": mpi_worker(template={"spec": {"containers": [{"name": "mpi-worker"}]}})},
        "spec.worker.template.spec.containers[0].image",
        "required field is missing",
    ),
    case(
        "mpi_home_relative",
        "MPIJob",
        {"worker": mpi_worker(), "mpiHome": "usr/local"},
        "spec.mpiHome",
        'must be an absolute path, got "usr/local"',
    ),
    case(
        "mpi_sshd_path_relative",
        "MPIJob",
        {"worker": mpi_worker(), "ssh": {"sshdPath": "sshd"}},
        "spec.ssh.sshdPath",
        "must be an absolute path",
    ),
    case(
        "mpi_mca_value_a_mapping",
        "MPIJob",
        {"worker": mpi_worker(), "mca": {"btl": {"x": 1}}},
        "spec.mca.btl",
        "must be a string",
    ),
    case(
        "mpi_clean_up_workers_as_text",
        "MPIJob",
        {"worker": mpi_worker(), "runPolicy": {"cleanUpWorkers": "yes"}},
        "spec.runPolicy.cleanUpWorkers",
        'must be true or false, got "yes"',
    ),
    # --- DeepSpeedJob ----------------------------------------------------------------
    case("deepspeed_without_worker", "DeepSpeedJob", {}, "spec.worker", "required"),
    case(
        "deepspeed_run_two_ways",
        "DeepSpeedJob",
        spec_of("DeepSpeedJob", config={"run": {"python": ["t.py"], "exec": ["./t"]}}),
        "spec.config.run",
        "exactly one of python, module and exec must be set (found python, exec)",
    ),
    case(
        "deepspeed_run_as_one_string",
        "DeepSpeedJob",
        spec_of("DeepSpeedJob", config={"run": {"python": "/t9k/mnt/train.py"}}),
        "spec.config.run.python",
        'must be a list, got "/t9k/mnt/train.py"',
    ),
    case(
        "deepspeed_autotune_unknown",
        "DeepSpeedJob",
        spec_of("DeepSpeedJob", config={"autotune": "fast"}),
        "spec.config.autotune",
        "must be one of 'none', 'run' or 'tune'",
    ),
    case(
        "deepspeed_no_slots",
        "DeepSpeedJob",
        spec_of("DeepSpeedJob", config={"slotsPerWorker": 0}),
        "spec.config.slotsPerWorker",
        "greater than or equal to 1, got 0",
    ),
    case(
        "deepspeed_worker_restart_policy_unknown",
        "DeepSpeedJob",
        {"worker": {"template": pod("worker"), "restartPolicy": "Sometimes"}},
        "spec.worker.restartPolicy",
        'unsupported value "Sometimes"',
    ),
    # --- ColossalAIJob ---------------------------------------------------------------
    case("colossalai_without_worker", "ColossalAIJob", {}, "spec.worker", "required"),
    case(
        "colossalai_no_process_per_worker",
        "ColossalAIJob",
        {"worker": {"procPerWorker": 0, "template": pod("worker")}},
        "spec.worker.procPerWorker",
        "greater than or equal to 1, got 0",
    ),
    case(
        "colossalai_launcher_working_dir_relative",
        "ColossalAIJob",
        spec_of("ColossalAIJob", launcher={"image": "x", "workingDir": "workspace"}),
        "spec.launcher.workingDir",
        'must be an absolute path, got "workspace"',
    ),
    case(
        "colossalai_launcher_resources_not_a_quantity",
        "ColossalAIJob",
        spec_of("ColossalAIJob", launcher={"resources": {"limits": {"cpu": "lots"}}}),
        "spec.launcher.resources.limits.cpu",
        "lots",
    ),
    case(
        "colossalai_auth_mount_path_relative",
        "ColossalAIJob",
        spec_of("ColossalAIJob", ssh={"authMountPath": ".ssh"}),
        "spec.ssh.authMountPath",
        "must be an absolute path",
    ),
    # --- BeamJob ---------------------------------------------------------------------
    case(
        "beam_without_job_template",
        "BeamJob",
        {"flinkClusterTemplate": {"spec": {}}},
        "spec.jobTemplate",
        "required field is missing",
    ),
    case(
        "beam_without_flink_cluster",
        "BeamJob",
        {"jobTemplate": {"spec": {"template": pod("submit")}}},
        "spec.flinkClusterTemplate",
        "required field is missing",
    ),
    case(
        "beam_submitter_without_containers",
        "BeamJob",
        spec_of("BeamJob", jobTemplate={"spec": {"template": {"spec": {"containers": []}}}}),
        "spec.jobTemplate.spec.template.spec.containers",
        "containers must not be empty",
    ),
    case(
        "beam_task_managers_negative",
        "BeamJob",
        spec_of("BeamJob", flinkClusterTemplate={"spec": {"taskManager": {"replicas": -2}}}),
        "spec.flinkClusterTemplate.spec.taskManager.replicas",
        "greater than or equal to 0, got -2",
    ),
    case(
        "beam_clean_up_cluster_as_text",
        "BeamJob",
        spec_of("BeamJob", runPolicy={"cleanUpCluster": "true"}),
        "spec.runPolicy.cleanUpCluster",
        'must be true or false, got "true"',
    ),
    # --- the replica that decides the job must exist ---------------------------------
    case(
        "tensorflow_without_chief_and_no_workers",
        "TensorFlowTrainingJob",
        tf({**group("worker", "tensorflow"), "replicas": 0}, group("ps", "tensorflow")),
        "spec.replicaSpecs[0].replicas",
        "must be at least 1, got 0: there is no chief, so worker 0 decides the job",
    ),
    case(
        "tensorflow_chief_zero_and_no_workers",
        "TensorFlowTrainingJob",
        tf(group("ps", "tensorflow"), {**group("chief", "tensorflow"), "replicas": 0}),
        "spec.replicaSpecs[1].replicas",
        "must be at least 1, got 0: the chief decides the job",
    ),
    case(
        "pytorch_master_zero_and_no_workers",
        "PyTorchTrainingJob",
        tf({**group("master", "pytorch"), "replicas": 0}),
        "spec.replicaSpecs[0].replicas",
        "must be at least 1, got 0: the master decides the job",
    ),
    case(
        "pytorch_master_zero_and_workers_zero",
        "PyTorchTrainingJob",
        tf({**group("master", "pytorch"), "replicas": 0}, {**group("worker"), "replicas": 0}),
        "spec.replicaSpecs[1].replicas",
        "there is no master, so worker 0 decides the job",
    ),
    case(
        "xgboost_master_zero",
        "XGBoostTrainingJob",
        tf({**group("master", "xgboost"), "replicas": 0}, group("worker", "xgboost")),
        "spec.replicaSpecs[0].replicas",
        "must be at least 1, got 0: the master runs the tracker and decides the job",
    ),
    case(
        "mpi_no_workers",
        "MPIJob",
        {"worker": mpi_worker(replicas=0)},
        "spec.worker.replicas",
        "must be at least 1, got 0: the launcher runs mpirun over the workers",
    ),
    case(
        "deepspeed_no_workers",
        "DeepSpeedJob",
        {"worker": {"replicas": 0, "template": pod("worker")}},
        "spec.worker.replicas",
        "must be at least 1, got 0: worker 0 decides the job",
    ),
    case(
        "colossalai_no_workers",
        "ColossalAIJob",
        {"worker": {"replicas": 0, "template": pod("worker")}},
        "spec.worker.replicas",
        "must be at least 1, got 0: the launcher runs colossalai over the workers",
    ),
    case(
        "generic_no_replica_at_all",
        "GenericJob",
        generic({**group("worker"), "replicas": 0}),
        "spec.replicaSpecs",
        "the job has no replica: at least one is needed",
    ),
    # --- SimpleMLService -------------------------------------------------------------
    case(
        "service_without_a_framework",
        "SimpleMLService",
        {"replicas": 1},
        "spec",
        "exactly one of tensorflow, pytorch and custom must be set",
    ),
    case(
        "service_with_two_frameworks",
        "SimpleMLService",
        smls(tensorflow={"image": "t9kpublic/tensorflow-serving:2.6.0"}),
        "spec",
        "(found tensorflow, custom)",
    ),
    case(
        "service_custom_pod_without_containers",
        "SimpleMLService",
        {"custom": {"spec": {"containers": []}}},
        "spec.custom.spec.containers",
        "containers must not be empty",
    ),
    case(
        "service_custom_without_spec",
        "SimpleMLService",
        {"custom": {}},
        "spec.custom.spec",
        "required field is missing",
    ),
    case(
        "service_storage_in_two_places",
        "SimpleMLService",
        smls(
            storage={
                "pvc": {"name": "models"},
                "s3": {"secretRef": {"name": "s3"}, "uri": "s3://m/"},
            }
        ),
        "spec.storage",
        "exactly one of pvc and s3 must be set (found pvc, s3)",
    ),
    case(
        "service_storage_nowhere",
        "SimpleMLService",
        smls(storage={}),
        "spec.storage",
        "exactly one of pvc and s3 must be set",
    ),
    case(
        "service_pvc_without_name",
        "SimpleMLService",
        smls(storage={"pvc": {"subPath": "m"}}),
        "spec.storage.pvc.name",
        "required field is missing",
    ),
    case(
        "service_pvc_sub_path_climbs",
        "SimpleMLService",
        smls(storage={"pvc": {"name": "models", "subPath": "../etc"}}),
        "spec.storage.pvc.subPath",
        'must not contain "..", got "../etc"',
    ),
    case(
        "service_pvc_mount_path_relative",
        "SimpleMLService",
        smls(storage={"pvc": {"name": "models", "mountPath": "model"}}),
        "spec.storage.pvc.mountPath",
        'must be an absolute path, got "model"',
    ),
    case(
        "service_pvc_name_a_path",
        "SimpleMLService",
        smls(storage={"pvc": {"name": "a/b"}}),
        "spec.storage.pvc.name",
        'invalid claim name "a/b"',
    ),
    case(
        "service_s3_uri_of_another_scheme",
        "SimpleMLService",
        smls(storage={"s3": {"secretRef": {"name": "s3"}, "uri": "http://m/"}}),
        "spec.storage.s3.uri",
        'must start with "s3://", got "http://m/"',
    ),
    case(
        "service_s3_without_secret",
        "SimpleMLService",
        smls(storage={"s3": {"uri": "s3://m/"}}),
        "spec.storage.s3.secretRef",
        "required field is missing",
    ),
    case(
        "service_negative_replicas",
        "SimpleMLService",
        smls(replicas=-1),
        "spec.replicas",
        "greater than or equal to 0, got -1",
    ),
    case(
        "service_type_unknown",
        "SimpleMLService",
        smls(service={"type": "Internal", "ports": [{"port": 80}]}),
        "spec.service.type",
        'unsupported value "Internal"',
    ),
    case(
        "service_port_without_number",
        "SimpleMLService",
        smls(service={"ports": [{"name": "http", "targetPort": 8080}]}),
        "spec.service.ports[0].port",
        "required field is missing",
    ),
    case(
        "service_ports_unnamed",
        "SimpleMLService",
        smls(service={"ports": [{"port": 80}, {"port": 81}]}),
        "spec.service.ports[0].name",
        "required when there are several ports",
    ),
    case(
        "service_tensorflow_resources_not_a_quantity",
        "SimpleMLService",
        {"tensorflow": {"image": "tf", "resources": {"requests": {"memory": "1 gig"}}}},
        "spec.tensorflow.resources.requests.memory",
        "1 gig",
    ),
]

JOB_CASES = [p for p in REJECTED if p.values[0].kind != "SimpleMLService"]


def applied(c: Case) -> Doc:
    if c.kind == "SimpleMLService":
        return service(c.spec)
    return job(c.kind, c.spec)


def typed(doc: Doc) -> Any:
    """`doc` (which passes) as its model: validation gives a built-in kind back as
    the mapping it was."""
    assert check(doc).obj == doc
    model = T9K_MODELS[(doc["apiVersion"], doc["kind"])]
    return model.model_validate(doc, by_name=False, context=WIRE_CONTEXT)


def messages_at(doc: Doc, path: str) -> list[str]:
    causes = causes_of(doc)
    assert causes, "the document was accepted"
    found = [cause.message for cause in causes if cause.path == path]
    assert found, f"no error at {path!r}; got {[str(x) for x in causes]}"
    return found


# --- what passes ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(MINIMAL_SPECS))
def test_a_minimal_job_passes_without_a_warning(kind: str) -> None:
    doc = job(kind, MINIMAL_SPECS[kind])
    assert check(doc).warnings == []
    assert isinstance(typed(doc), JOB_MODELS[kind])


def test_a_minimal_simple_ml_service_passes_without_a_warning() -> None:
    doc = service(MINIMAL_SERVICE)
    assert check(doc).warnings == []
    assert isinstance(typed(doc), SimpleMLService)


NOT_DECIDING_ZERO = {
    "tensorflow_chief_zero_with_workers": (
        "TensorFlowTrainingJob",
        tf({**group("chief", "tensorflow"), "replicas": 0}, group("worker", "tensorflow")),
    ),
    "pytorch_master_zero_with_workers": (
        "PyTorchTrainingJob",
        tf({**group("master", "pytorch"), "replicas": 0}, group("worker", "pytorch")),
    ),
    "xgboost_workers_zero": (
        "XGBoostTrainingJob",
        tf(group("master", "xgboost"), {**group("worker", "xgboost"), "replicas": 0}),
    ),
    "generic_one_group_zero": (
        "GenericJob",
        generic({**group("ps"), "replicas": 0}, group("worker")),
    ),
}


@pytest.mark.parametrize(("kind", "spec"), NOT_DECIDING_ZERO.values(), ids=NOT_DECIDING_ZERO.keys())
def test_no_replicas_of_a_type_that_does_not_decide_the_job_passes(kind: str, spec: Doc) -> None:
    assert check(job(kind, spec)).warnings == []


# --- what is rejected, in each of the three places --------------------------------------


@pytest.mark.parametrize("c", REJECTED)
def test_rejected_when_applied_by_itself(c: Case) -> None:
    assert any(c.reason in m for m in messages_at(applied(c), c.path))


@pytest.mark.parametrize("c", JOB_CASES)
def test_rejected_in_a_job_template_at_its_path_there(c: Case) -> None:
    field = JOB_FIELDS[c.kind]
    assert any(
        c.reason in m for m in messages_at(job_template(c.kind, c.spec), f"spec.{field}.{c.path}")
    )


@pytest.mark.parametrize("c", REJECTED)
def test_rejected_in_a_manifest_naming_the_path_inside_it(c: Case) -> None:
    found = messages_at(manifest_template(applied(c)), "spec.resource.manifest")
    assert any(m.startswith(f"{c.path}: ") and c.reason in m for m in found), found


def test_the_job_field_of_a_template_holds_metadata_and_spec() -> None:
    doc = job_template("MPIJob", spec_of("MPIJob"))
    doc["spec"]["mpiJob"]["metadata"] = {"name": "j", "labels": {"team": "ml"}}
    obj = validate(doc)
    assert isinstance(obj, WorkflowTemplate)
    assert obj.spec.mpi_job is not None and obj.spec.mpi_job.metadata.labels == {"team": "ml"}


# --- warnings ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "spec", "path"),
    [
        ("TensorFlowTrainingJob", tf(group("worker", "main")), "spec.replicaSpecs[0]"),
        ("XGBoostTrainingJob", tf(group("master", "main")), "spec.replicaSpecs[0]"),
        ("MPIJob", {"worker": {"template": pod("main")}}, "spec.worker"),
        ("ColossalAIJob", {"worker": {"template": pod("main")}}, "spec.worker"),
    ],
    ids=["tensorflow", "xgboost", "mpi-worker", "worker"],
)
def test_a_replica_without_its_framework_s_container_is_a_warning(
    kind: str, spec: Doc, path: str
) -> None:
    (warning,) = warnings_of(job(kind, spec))
    assert isinstance(warning, FieldWarning)
    assert warning.path == f"{path}.template.spec.containers"
    assert "no container is named" in warning.message


@pytest.mark.parametrize(
    ("doc", "path", "meant"),
    [
        (
            job("DeepSpeedJob", spec_of("DeepSpeedJob", config={"slotPerWorker": 1})),
            "spec.config.slotPerWorker",
            "slotsPerWorker",
        ),
        (service({**MINIMAL_SERVICE, "pytroch": {}}), "spec.pytroch", "pytorch"),
        (
            job_template("MPIJob", {"worker": mpi_worker(extraMpiArgs=["-N", "3"])}),
            "spec.mpiJob.spec.worker.extraMpiArgs",
            "extraMPIArgs",
        ),
        (
            manifest_template(job("GenericJob", spec_of("GenericJob", runPolicy={}))),
            "spec.resource.manifest",
            "",
        ),
    ],
    ids=["applied", "service", "template", "manifest"],
)
def test_an_unknown_field_of_a_job_is_a_warning_naming_its_path(
    doc: Doc, path: str, meant: str
) -> None:
    (warning,) = warnings_of(doc)
    assert warning.path == path
    assert "unknown field" in warning.message and meant in warning.message


def test_a_field_the_guides_use_but_the_reference_omits_is_known() -> None:
    # minNodes (torchrunConfig) and a launcher's env appear in the user guides.
    spec = spec_of("PyTorchTrainingJob", torchrunConfig={"enabled": True, "minNodes": 1})
    assert warnings_of(job("PyTorchTrainingJob", spec)) == []
    spec = spec_of("ColossalAIJob", launcher={"image": "x", "env": [{"name": "A", "value": "1"}]})
    assert warnings_of(job("ColossalAIJob", spec)) == []


# --- substitution placeholders in typed fields -----------------------------------------


PLACEHOLDERS = [
    pytest.param(
        "GenericJob",
        generic({**group("worker"), "replicas": "$(params.n)"}, successRules=[{"worker": [3]}]),
        id="replicas",
    ),
    pytest.param(
        "TensorFlowTrainingJob",
        tf(group("worker", "tensorflow", restartPolicy="$(params.policy)")),
        id="restart_policy",
    ),
    pytest.param(
        "MPIJob",
        {
            "worker": mpi_worker(replicas="$(params.n)"),
            "runPolicy": {"cleanUpWorkers": "$(params.c)"},
        },
        id="replicas_and_a_boolean",
    ),
    pytest.param(
        "PyTorchTrainingJob",
        spec_of("PyTorchTrainingJob", runPolicy={"backoffLimit": "$(params.retries)"}),
        id="backoff_limit",
    ),
]


@pytest.mark.parametrize(("kind", "spec"), PLACEHOLDERS)
def test_a_reference_in_a_typed_field_of_a_job_template_waits_for_substitution(
    kind: str, spec: Doc
) -> None:
    doc = job_template(kind, spec, ("n", "policy", "c", "retries"))
    assert [str(c) for c in check(doc).warnings] == []
    assert validate(doc).dump() == doc  # type: ignore[union-attr]


@pytest.mark.parametrize(("kind", "spec"), PLACEHOLDERS)
def test_a_reference_in_a_typed_field_of_a_manifest_waits_for_substitution(
    kind: str, spec: Doc
) -> None:
    doc = manifest_template(job(kind, spec), ("n", "policy", "c", "retries"))
    assert [str(c) for c in check(doc).warnings] == []


@pytest.mark.parametrize(("kind", "spec"), PLACEHOLDERS[:1])
def test_a_reference_in_a_job_applied_by_itself_is_just_a_wrong_value(kind: str, spec: Doc) -> None:
    found = messages_at(job(kind, spec), "spec.replicaSpecs[0].replicas")
    assert found == ['must be an integer, got "$(params.n)"']


def test_a_literal_mistake_beside_a_reference_is_still_reported() -> None:
    spec = tf({**group("trainer", "tensorflow"), "replicas": "$(params.n)"})
    found = messages_at(
        job_template("TensorFlowTrainingJob", spec, ("n",)),
        "spec.tensorflowTrainingJob.spec.replicaSpecs[0].type",
    )
    assert any('unsupported value "trainer"' in m for m in found)


def test_a_reference_in_a_name_of_a_job_template_waits_for_substitution() -> None:
    spec = spec_of(
        "TensorFlowTrainingJob",
        replicaSpecs=[
            {
                "type": "worker",
                "template": {
                    "spec": {
                        "containers": [{"name": "tensorflow", "image": "$(params.image)"}],
                        "volumes": [
                            {"name": "d", "persistentVolumeClaim": {"claimName": "$(params.pvc)"}}
                        ],
                    }
                },
            }
        ],
    )
    assert validate(job_template("TensorFlowTrainingJob", spec, ("image", "pvc")))


# --- round trip ---------------------------------------------------------------------------


VALID_EXAMPLES = {
    "beamjob#0",
    "colossalaijob#0",
    "genericjob#0",
    "genericjob#4",
    "mpijob#0",
    "pytorchtrainingjob#0",
    "simplemlservice#0",
    "simplemlservice#2",
    "tensorflowtrainingjob#0",
}
"""The whole objects of the platform's guides. The others are fragments (a
container with only `resources`, say) or wrong in the guides themselves: the first
DeepSpeedJob spells its kind `DeepspeedJob`, `slotsPerWorker` as `slotPerWorker`
and gives `run.python` as one string; the first XGBoostTrainingJob's worker
template lacks `spec:`."""


def as_stored(doc: Any) -> Any:
    """`doc` as it is kept: a resource quantity written as a number (`cpu: 1`) is
    kept as its text, as Kubernetes keeps a quantity."""
    if isinstance(doc, list):
        return [as_stored(v) for v in doc]
    if not isinstance(doc, dict):
        return doc
    out = {k: as_stored(v) for k, v in doc.items()}
    for field in ("limits", "requests"):
        if isinstance(out.get(field), dict):
            out[field] = {k: v if isinstance(v, str) else str(v) for k, v in out[field].items()}
    return out


needs_manuals = pytest.mark.skipif(
    not MANUALS.is_dir(), reason="the platform's user manuals are not checked out"
)
EXAMPLES = [(where, doc) for where, doc in manual_examples() if where in VALID_EXAMPLES]


@needs_manuals
def test_every_whole_example_of_the_guides_is_found() -> None:
    assert {where for where, _ in EXAMPLES} == VALID_EXAMPLES


@needs_manuals
@pytest.mark.parametrize(("where", "doc"), EXAMPLES, ids=[w for w, _ in EXAMPLES])
def test_an_example_of_the_guides_passes_and_dumps_as_written(where: str, doc: Doc) -> None:
    check(doc, strict=True)
    assert typed(doc).dump() == as_stored(doc)


@needs_manuals
@pytest.mark.parametrize(("where", "doc"), EXAMPLES, ids=[w for w, _ in EXAMPLES])
def test_an_example_of_the_guides_passes_in_a_template_and_a_manifest(where: str, doc: Doc) -> None:
    assert check(manifest_template(doc), strict=True)
    if doc["kind"] in JOB_FIELDS:
        template = job_template(doc["kind"], doc["spec"])
        assert validate(template).dump() == template  # type: ignore[union-attr]


def test_a_status_an_operator_builds_dumps_and_loads_again() -> None:
    status = JobStatus(
        phase="Running",
        tasks=[
            TaskStatus(type="worker", replicas=[ReplicaStatus(name="j-worker-0", phase="Running")])
        ],
        aggregate=Aggregate(running=1),
    )
    wire = status.dump()
    assert wire == {
        "phase": "Running",
        "tasks": [{"type": "worker", "replicas": [{"name": "j-worker-0", "phase": "Running"}]}],
        "aggregate": {"running": 1},
    }
    doc = {**job("MPIJob", spec_of("MPIJob")), "status": wire}
    assert typed(doc).dump() == doc


def test_a_status_phase_no_job_has_is_rejected() -> None:
    doc = {**job("MPIJob", spec_of("MPIJob")), "status": {"phase": "Done"}}
    assert any('unsupported value "Done"' in m for m in messages_at(doc, "status.phase"))


# --- defaults and names -------------------------------------------------------------------


def test_run_mode_is_immediate_unless_debug_or_pause_is_enabled() -> None:
    assert RunMode().mode == "Immediate"
    assert RunMode.model_validate({"debug": {"enabled": False}}).mode == "Immediate"
    assert RunMode.model_validate({"debug": {"enabled": True}}).mode == "Debug"
    assert RunMode.model_validate({"pause": {"enabled": True}}).mode == "Pause"


def test_the_model_is_under_var_lib_t9k_model_unless_mount_path_says_otherwise() -> None:
    spec = SimpleMLServiceSpec.model_validate(
        {**MINIMAL_SERVICE, "storage": {"pvc": {"name": "m"}}}
    )
    assert spec.storage is not None and spec.storage.mount_path == DEFAULT_MODEL_PATH
    assert "mountPath" not in spec.dump()["storage"]["pvc"], "a default is not written"


@pytest.mark.parametrize(
    ("word", "kind"),
    [
        ("gj", "GenericJob"),
        ("tj", "TensorFlowTrainingJob"),
        ("pj", "PyTorchTrainingJob"),
        ("xj", "XGBoostTrainingJob"),
        ("mj", "MPIJob"),
        ("dj", "DeepSpeedJob"),
        ("caij", "ColossalAIJob"),
        ("bj", "BeamJob"),
        ("smls", "SimpleMLService"),
        ("simplemlservices", "SimpleMLService"),
        ("pytorchtrainingjob", "PyTorchTrainingJob"),
    ],
)
def test_the_platform_cli_s_names_of_each_kind(word: str, kind: str) -> None:
    info = lookup(word)
    assert info is not None and info.kind == kind


def test_a_job_is_refused_with_every_problem_at_once() -> None:
    spec = tf(
        group("worker", "tensorflow", restartPolicy="Sometimes"),
        {**group("ps", "tensorflow"), "replicas": -1},
    )
    with pytest.raises(ValidationError) as caught:
        validate(job("TensorFlowTrainingJob", spec))
    assert {c.path for c in caught.value.causes} == {
        "spec.replicaSpecs[0].restartPolicy",
        "spec.replicaSpecs[1].replicas",
    }


# --- JSON Schema ---------------------------------------------------------------------------


def _at(schema: dict[str, Any], *path: str) -> dict[str, Any]:
    """The schema node at `path` (`[]` for an array's items), refs followed."""
    defs = schema["$defs"]

    def resolved(node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            node = defs[node["$ref"].rsplit("/", 1)[1]]
        return node

    node = schema
    for part in path:
        node = resolved(node)
        if "anyOf" in node and "properties" not in node and "items" not in node:
            node = resolved(next(o for o in node["anyOf"] if o.get("type") != "null"))
        node = resolved(node["items"] if part == "[]" else node["properties"][part])
    return node


def test_the_template_schema_types_each_job_kind_from_its_model() -> None:
    info = lookup("WorkflowTemplate")
    assert info is not None
    schema = json_schema(info)
    policy = _at(
        schema, "spec", "tensorflowTrainingJob", "spec", "replicaSpecs", "[]", "restartPolicy"
    )
    assert {"enum": ["Never", "OnFailure", "Always", "ExitCode"], "type": "string"} in policy[
        "anyOf"
    ]
    generic_policy = _at(
        schema, "spec", "genericJob", "spec", "replicaSpecs", "[]", "restartPolicy", "policy"
    )
    assert {"enum": ["Never", "OnFailure", "Always"], "type": "string"} in generic_policy["anyOf"]
    assert "integer" in str(_at(schema, "spec", "mpiJob", "spec", "worker", "replicas"))
    assert "extraMPIArgs" in _at(schema, "spec", "mpiJob", "spec", "worker")["properties"]
