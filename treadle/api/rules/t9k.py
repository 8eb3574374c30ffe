"""Rules for the T9k jobs and SimpleMLService (api/t9k), beyond their shape: what
the platform's reference and guides say a job needs (the replica types of its
framework, one group per type, a GenericJob's rules naming its own replicas, one
serving framework …), and the pod specs inside them (rules/pods.py).

The replica that decides a job (SPEC §12: the chief, else worker 0; the master,
else worker 0; the MPI family's workers, whom the launcher runs over; a GenericJob's
replicas) must exist: a count written as 0 there is refused at its path. A count a
reference gives is left out before these rules (rules/builtin.py), so it reads as
the default 1 here and is judged by the operator once substituted.

A job is checked by these wherever it appears: applied by itself, in a Resource
template's manifest, or as a job-typed template (rules/template.py), where every
string is substituted first and a value holding a reference is judged later.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel

from ...core.names import dns1123_label_errors, dns1123_subdomain_errors, env_var_name_errors
from ...errors import FieldError, FieldWarning
from ..k8s import EnvVar, PodTemplateSpec
from ..t9k.beam import BeamJob
from ..t9k.common import RunMode, ServicePort, TrainingReplicaSpec
from ..t9k.generic import FinishRule, GenericJob, GenericReplicaSpec
from ..t9k.mpi import ColossalAIJob, DeepSpeedJob, MPIJob
from ..t9k.serving import SimpleMLService, SimpleMLServiceSpec, Storage
from ..t9k.training import (
    ElasticConfig,
    PyTorchTrainingJob,
    TensorFlowTrainingJob,
    TorchrunConfig,
    XGBoostTrainingJob,
)
from .common import non_empty, relative_subpath
from .pods import LITERAL, Scope, absolute_path_errors, pod_errors, resources_errors

MAIN_CONTAINERS = {
    "TensorFlowTrainingJob": "tensorflow",
    "XGBoostTrainingJob": "xgboost",
    "MPIJob": "mpi-worker",
    "ColossalAIJob": "worker",
}
"""The container each replica must have, by the platform's guides: the one its
operator runs the framework in."""

NO_MAIN_CONTAINER = "accepted; the platform's own operator needs it to find the main container"


def t9k_errors(obj: BaseModel, scope: Scope = LITERAL) -> list[FieldError]:
    """Every rule `obj` (a model of api/t9k) breaks; empty for any other model."""
    if isinstance(obj, GenericJob):
        return _generic(obj, scope)
    if isinstance(obj, TensorFlowTrainingJob):
        return _tensorflow(obj, scope)
    if isinstance(obj, PyTorchTrainingJob):
        return _pytorch(obj, scope)
    if isinstance(obj, XGBoostTrainingJob):
        return _xgboost(obj, scope)
    if isinstance(obj, MPIJob):
        return _mpi(obj, scope)
    if isinstance(obj, DeepSpeedJob):
        return _deepspeed(obj, scope)
    if isinstance(obj, ColossalAIJob):
        return _colossalai(obj, scope)
    if isinstance(obj, BeamJob):
        template = obj.spec.job_template.spec.template
        errors = pod_errors(template.spec, "spec.jobTemplate.spec.template.spec", scope)
        flink = obj.spec.flink_cluster_template.spec
        for field, manager in (
            ("jobManager", flink.job_manager),
            ("taskManager", flink.task_manager),
        ):
            if manager is not None and manager.resources is not None:
                at = f"spec.flinkClusterTemplate.spec.{field}.resources"
                errors += resources_errors(manager.resources, at, scope)
        return errors + _run_mode(obj.spec.run_mode, None)
    if isinstance(obj, SimpleMLService):
        return _service(obj.spec, "spec", scope)
    return []


# --- the training jobs ----------------------------------------------------------------


def _tensorflow(job: TensorFlowTrainingJob, scope: Scope) -> list[FieldError]:
    groups = job.spec.replica_specs
    errors = _groups(groups, "spec.replicaSpecs", scope, job.kind)
    types = {g.type for g in groups}
    if groups and not {"chief", "worker"} & types:
        errors.append(
            FieldError(
                "spec.replicaSpecs",
                'needs a "chief" or a "worker" replica spec: the chief, else worker 0, '
                "decides the job",
            )
        )
    errors += _main_or_worker(groups, "chief")
    return errors + _run_mode(job.spec.run_mode, set(types))


def _pytorch(job: PyTorchTrainingJob, scope: Scope) -> list[FieldError]:
    groups = job.spec.replica_specs
    errors = _groups(groups, "spec.replicaSpecs", scope, job.kind)
    errors += _main_or_worker(groups, "master")
    errors += _elastic(job.spec.elastic, "spec.elastic")
    errors += _torchrun(job.spec.torchrun_config, "spec.torchrunConfig", scope)
    return errors + _run_mode(job.spec.run_mode, {g.type for g in groups})


def _xgboost(job: XGBoostTrainingJob, scope: Scope) -> list[FieldError]:
    groups = job.spec.replica_specs
    errors = _groups(groups, "spec.replicaSpecs", scope, job.kind)
    types = {g.type for g in groups}
    if groups and "master" not in types:
        errors.append(
            FieldError("spec.replicaSpecs", 'needs a "master" replica spec: it runs the tracker')
        )
    for i, g in enumerate(groups):
        if g.type == "master" and g.replicas < 1:
            errors.append(
                _too_few(
                    f"spec.replicaSpecs[{i}].replicas",
                    g.replicas,
                    "the master runs the tracker and decides the job",
                )
            )
            break
    return errors + _run_mode(job.spec.run_mode, set(types))


def _main_or_worker(groups: Sequence[TrainingReplicaSpec], main: str) -> list[FieldError]:
    """The `main` replica decides, else worker 0: one of them must exist."""
    first: dict[str, int] = {}
    for i, g in enumerate(groups):
        first.setdefault(g.type, i)
    if main in first and groups[first[main]].replicas >= 1:
        return []
    if "worker" in first:
        at = first["worker"]
        why = f"there is no {main}, so worker 0 decides the job"
    elif main in first:
        at = first[main]
        why = f"the {main} decides the job"
    else:
        return []  # no group to decide: reported as a missing replica spec
    count = groups[at].replicas
    return [] if count >= 1 else [_too_few(f"spec.replicaSpecs[{at}].replicas", count, why)]


def _too_few(path: str, count: int, why: str) -> FieldError:
    return FieldError(path, f"must be at least 1, got {count}: {why}")


# --- replica groups ------------------------------------------------------------------


def _groups(
    groups: Sequence[TrainingReplicaSpec | GenericReplicaSpec], path: str, scope: Scope, kind: str
) -> list[FieldError]:
    """`replicaSpecs`: at least one group, at most one of each type, each a pod."""
    errors = non_empty(groups, path, "replicaSpecs")
    seen: set[str] = set()
    for i, group in enumerate(groups):
        at = f"{path}[{i}]"
        if group.type in seen:
            errors.append(FieldError(f"{at}.type", f'duplicate replica type "{group.type}"'))
        seen.add(group.type)
        errors += _replica(group.template, at, scope, kind)
    return errors


def _replica(template: PodTemplateSpec, path: str, scope: Scope, kind: str) -> list[FieldError]:
    """One replica's pod, and the container the kind's operator looks for."""
    errors = pod_errors(template.spec, f"{path}.template.spec", scope)
    main = MAIN_CONTAINERS.get(kind)
    containers = template.spec.containers
    if main is not None and containers and all(c.name != main for c in containers):
        errors.append(
            FieldWarning(
                f"{path}.template.spec.containers",
                f'no container is named "{main}", which a {kind} runs its framework in',
                NO_MAIN_CONTAINER,
            )
        )
    return errors


def _run_mode(mode: RunMode | None, types: set[str] | None) -> list[FieldError]:
    """Debug and pause exclude each other; their per-type settings name replica
    types the job has (`types`; None where the kind's types are not known)."""
    if mode is None:
        return []
    errors: list[FieldError] = []
    if (
        mode.debug is not None
        and mode.pause is not None
        and mode.debug.enabled
        and mode.pause.enabled
    ):
        errors.append(FieldError("spec.runMode", "debug and pause mode cannot both be enabled"))
    if types is None:
        return errors
    listed: list[tuple[str, str]] = []
    if mode.debug is not None:
        listed += [
            (f"spec.runMode.debug.replicaSpecs[{i}].type", s.type)
            for i, s in enumerate(mode.debug.replica_specs)
        ]
    if mode.pause is not None:
        listed += [
            (f"spec.runMode.pause.resumeSpecs[{i}].type", s.type)
            for i, s in enumerate(mode.pause.resume_specs)
        ]
    known = ", ".join(f'"{t}"' for t in sorted(types))
    return errors + [
        FieldError(at, f'unknown replica type "{type_}" (the job has {known})')
        for at, type_ in listed
        if type_ not in types
    ]


def _elastic(elastic: ElasticConfig | None, path: str) -> list[FieldError]:
    if elastic is None:
        return []
    low, high, want = elastic.min_replicas, elastic.max_replicas, elastic.expected_replicas
    errors: list[FieldError] = []
    if low is not None and high is not None and low > high:
        errors.append(
            FieldError(
                f"{path}.minReplicas", f"must not be more than maxReplicas ({high}), got {low}"
            )
        )
    if want is not None and low is not None and want < low:
        errors.append(
            FieldError(
                f"{path}.expectedReplicas", f"must be at least minReplicas ({low}), got {want}"
            )
        )
    if want is not None and high is not None and want > high:
        errors.append(
            FieldError(
                f"{path}.expectedReplicas", f"must be at most maxReplicas ({high}), got {want}"
            )
        )
    return errors


def _torchrun(config: TorchrunConfig | None, path: str, scope: Scope) -> list[FieldError]:
    if config is None or config.proc_per_node is None or scope.later(config.proc_per_node):
        return []
    value = config.proc_per_node
    if value == "gpu" or (value.isdigit() and int(value) > 0):
        return []
    return [FieldError(f"{path}.procPerNode", f'must be a positive number or "gpu", got "{value}"')]


# --- GenericJob ------------------------------------------------------------------------


def _generic(job: GenericJob, scope: Scope) -> list[FieldError]:
    spec = job.spec
    groups = spec.replica_specs
    errors = _groups(groups, "spec.replicaSpecs", scope, job.kind)
    for i, group in enumerate(groups):
        if not scope.later(group.type):
            errors += [
                FieldError(
                    f"spec.replicaSpecs[{i}].type", f'invalid replica type "{group.type}": {reason}'
                )
                for reason in dns1123_label_errors(group.type)
            ]
    if groups and all(g.replicas < 1 for g in groups):
        errors.append(
            FieldError("spec.replicaSpecs", "the job has no replica: at least one is needed")
        )
    by_type = {g.type: g for g in groups}
    for field, rules in (
        ("successRules", spec.success_rules),
        ("failureRules", spec.failure_rules),
    ):
        for i, rule in enumerate(rules):
            errors += _finish_rule(rule, f"spec.{field}[{i}]", by_type)
    if spec.service is not None:
        errors += _ports(spec.service.ports, "spec.service.ports")
    return errors + _run_mode(spec.run_mode, set(by_type))


def _finish_rule(
    rule: FinishRule, path: str, groups: dict[str, GenericReplicaSpec]
) -> list[FieldError]:
    """A rule names replicas of the job: types it has, indexes below their count."""
    if not rule:
        return [FieldError(path, "a rule must name at least one replica")]
    errors: list[FieldError] = []
    for type_, indexes in rule.items():
        group = groups.get(type_)
        if group is None:
            errors.append(FieldError(f"{path}.{type_}", f'unknown replica type "{type_}"'))
            continue
        # Only a count written out is known: one that a reference gives was left
        # out before this check (rules/builtin.py) and is judged after substitution.
        if "replicas" not in group.model_fields_set:
            continue
        count = group.replicas
        errors += [
            FieldError(
                f"{path}.{type_}[{j}]",
                f'index {index} is out of range: "{type_}" has {count} '
                f"replica{'' if count == 1 else 's'}",
            )
            for j, index in enumerate(indexes)
            if index >= count
        ]
    return errors


def _ports(ports: Sequence[ServicePort], path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    seen: set[str] = set()
    for i, port in enumerate(ports):
        if port.name is None:
            if len(ports) > 1:
                errors.append(
                    FieldError(f"{path}[{i}].name", "required when there are several ports")
                )
            continue
        if port.name in seen:
            errors.append(FieldError(f"{path}[{i}].name", f'duplicate port name "{port.name}"'))
        seen.add(port.name)
    return errors


# --- MPIJob, DeepSpeedJob, ColossalAIJob --------------------------------------------------


def _mpi(job: MPIJob, scope: Scope) -> list[FieldError]:
    spec = job.spec
    errors = _replica(spec.worker.template, "spec.worker", scope, job.kind)
    errors += _workers(spec.worker.replicas, "the launcher runs mpirun over the workers")
    if spec.ssh is not None:
        errors += _absolute(spec.ssh.ssh_auth_mount_path, "spec.ssh.sshAuthMountPath", scope)
        errors += _absolute(spec.ssh.sshd_path, "spec.ssh.sshdPath", scope)
    errors += _absolute(spec.mpi_home, "spec.mpiHome", scope)
    return errors + _run_mode(spec.run_mode, {"launcher", "worker"})


def _deepspeed(job: DeepSpeedJob, scope: Scope) -> list[FieldError]:
    spec = job.spec
    errors = _replica(spec.worker.template, "spec.worker", scope, job.kind)
    errors += _workers(spec.worker.replicas, "worker 0 decides the job")
    run = spec.config.run if spec.config is not None else None
    if run is not None:
        given = [name for name in ("python", "module", "exec") if getattr(run, name) is not None]
        if len(given) != 1:
            found = f" (found {', '.join(given)})" if given else ""
            errors.append(
                FieldError(
                    "spec.config.run", f"exactly one of python, module and exec must be set{found}"
                )
            )
    errors += _elastic(spec.elastic, "spec.elastic")
    return errors + _run_mode(spec.run_mode, {"worker"})


def _colossalai(job: ColossalAIJob, scope: Scope) -> list[FieldError]:
    spec = job.spec
    errors = _replica(spec.worker.template, "spec.worker", scope, job.kind)
    errors += _workers(spec.worker.replicas, "the launcher runs colossalai over the workers")
    if spec.ssh is not None:
        errors += _absolute(spec.ssh.auth_mount_path, "spec.ssh.authMountPath", scope)
        errors += _absolute(spec.ssh.sshd_path, "spec.ssh.sshdPath", scope)
    launcher = spec.launcher
    if launcher is not None:
        errors += _absolute(launcher.working_dir, "spec.launcher.workingDir", scope)
        errors += _env(launcher.env, "spec.launcher.env", scope)
        if launcher.resources is not None:
            errors += resources_errors(launcher.resources, "spec.launcher.resources", scope)
    return errors + _run_mode(spec.run_mode, {"launcher", "worker"})


def _workers(count: int, why: str) -> list[FieldError]:
    return [] if count >= 1 else [_too_few("spec.worker.replicas", count, why)]


def _absolute(value: str | None, path: str, scope: Scope) -> list[FieldError]:
    if value is None or scope.later(value):
        return []
    return absolute_path_errors(value, path)


def _env(env: Sequence[EnvVar], path: str, scope: Scope) -> list[FieldError]:
    return [
        FieldError(f"{path}[{i}].name", f'invalid name "{var.name}": {reason}')
        for i, var in enumerate(env)
        if not scope.later(var.name)
        for reason in env_var_name_errors(var.name)
    ]


# --- SimpleMLService ----------------------------------------------------------------------


def _service(spec: SimpleMLServiceSpec, path: str, scope: Scope) -> list[FieldError]:
    given = spec.frameworks()
    errors: list[FieldError] = []
    if len(given) != 1:
        found = f" (found {', '.join(given)})" if given else ""
        errors.append(
            FieldError(path, f"exactly one of tensorflow, pytorch and custom must be set{found}")
        )
    if spec.custom is not None:
        errors += pod_errors(spec.custom.spec, f"{path}.custom.spec", scope)
    for field, framework in (("tensorflow", spec.tensorflow), ("pytorch", spec.pytorch)):
        if framework is not None and framework.resources is not None:
            errors += resources_errors(framework.resources, f"{path}.{field}.resources", scope)
    if spec.storage is not None:
        errors += _storage(spec.storage, f"{path}.storage", scope)
    if spec.service is not None:
        errors += _ports(spec.service.ports, f"{path}.service.ports")
    return errors


def _storage(storage: Storage, path: str, scope: Scope) -> list[FieldError]:
    if (storage.pvc is None) == (storage.s3 is None):
        both = " (found pvc, s3)" if storage.pvc is not None else ""
        return [FieldError(path, f"exactly one of pvc and s3 must be set{both}")]
    errors: list[FieldError] = []
    if storage.pvc is not None:
        pvc, at = storage.pvc, f"{path}.pvc"
        if not scope.later(pvc.name):
            errors += [
                FieldError(f"{at}.name", f'invalid claim name "{pvc.name}": {reason}')
                for reason in dns1123_subdomain_errors(pvc.name)
            ]
        if pvc.sub_path is not None and not scope.later(pvc.sub_path):
            errors += relative_subpath(pvc.sub_path, f"{at}.subPath")
        errors += _absolute(pvc.mount_path, f"{at}.mountPath", scope)
    if storage.s3 is not None:
        s3, at = storage.s3, f"{path}.s3"
        if not scope.later(s3.uri) and not s3.uri.startswith("s3://"):
            errors.append(FieldError(f"{at}.uri", f'must start with "s3://", got "{s3.uri}"'))
        if not scope.later(s3.secret_ref.name):
            errors += [
                FieldError(
                    f"{at}.secretRef.name", f'invalid Secret name "{s3.secret_ref.name}": {reason}'
                )
                for reason in dns1123_subdomain_errors(s3.secret_ref.name)
            ]
        errors += _absolute(s3.mount_path, f"{at}.mountPath", scope)
    return errors


__all__ = ["MAIN_CONTAINERS", "t9k_errors"]
