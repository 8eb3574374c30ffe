"""Rules for a WorkflowTemplate spec (SPEC §3, §11); DAG rules live in `dag.py`."""

from __future__ import annotations

import yaml

from ...core.selectors import SelectorSyntaxError, parse_field_selector
from ...errors import FieldError
from ..k8s import Container, PodSpec
from ..template import (
    JOB_FIELDS,
    TYPE_FIELDS,
    JobTemplate,
    ResourceSpec,
    Rules,
    SeqPodSpec,
    WorkflowTemplateSpec,
)
from .bindings import RefResolver
from .common import label_names, non_empty, reference_names, relative_subpath, unique_names
from .dag import validate_dag
from .references import undeclared_references


def validate_template_spec(
    spec: WorkflowTemplateSpec, path: str = "spec", resolve: RefResolver | None = None
) -> list[FieldError]:
    """Every problem of `spec`. `resolve` finds the templates a DAG's nodes use, so
    their params and workspaces can be checked; without it they are not."""
    errors: list[FieldError] = []
    for items, field, what in (
        (spec.params, "params", "param"),
        (spec.workspaces, "workspaces", "workspace"),
        (spec.results, "results", "result"),
    ):
        errors += unique_names(items, f"{path}.{field}", what)
        errors += reference_names(items, f"{path}.{field}", what)
    type_errors, type_ = _type_agreement(spec, path)
    errors += type_errors
    if type_ is None:
        return errors
    field = TYPE_FIELDS[type_]
    body = spec.body(type_)
    where = f"{path}.{field}"
    if type_ != "DAG":
        for i, result in enumerate(spec.results):
            if result.value is not None:
                errors.append(
                    FieldError(f"{path}.results[{i}].value", "only a DAG result may set value")
                )
    nodes: set[str] = set()
    if type_ == "Pod":
        errors += _pod(body, where)
    elif type_ == "SeqPod":
        errors += _seq_pod(body, where)
    elif type_ == "Resource":
        errors += _resource(body, where)
    elif type_ == "DAG":
        errors += validate_dag(body, spec, where, resolve)
        nodes = {n.name for n in body.templates}
    else:
        errors += _job(body, where)
    errors += undeclared_references(spec, path, type_, field, nodes)
    return errors


def _type_agreement(spec: WorkflowTemplateSpec, path: str) -> tuple[list[FieldError], str | None]:
    present = spec.set_fields()
    if spec.type is not None:
        wanted = TYPE_FIELDS[spec.type]
        errors = [
            FieldError(f"{path}.{name}", f'must not be set when type is "{spec.type}"')
            for name in present
            if name != wanted
        ]
        if wanted not in present:
            found = f" (found {', '.join(present)})" if present else ""
            errors.insert(
                0,
                FieldError(
                    f"{path}.type", f'type is "{spec.type}" but "{wanted}" is not set{found}'
                ),
            )
            return errors, None
        return errors, spec.type
    if not present:
        return [
            FieldError(
                f"{path}.type",
                "type is empty and none of pod, seqPod, resource, dag or a job field is set",
            )
        ], None
    if len(present) > 1:
        return [FieldError(path, f"only one of {', '.join(present)} may be set")], None
    if present[0] in JOB_FIELDS.values():
        return [FieldError(f"{path}.type", f'type must be set when "{present[0]}" is used')], None
    return [], spec.effective_type


def _containers(containers: list[Container], path: str, what: str) -> list[FieldError]:
    errors = unique_names(containers, path, what)
    errors += label_names(containers, path, what)
    for i, c in enumerate(containers):
        if not c.image:
            errors.append(FieldError(f"{path}[{i}].image", "required field is missing"))
        for j, mount in enumerate(c.volume_mounts):
            errors += relative_subpath(mount.sub_path, f"{path}[{i}].volumeMounts[{j}].subPath")
    return errors


def _volume_mounts_known(pod: PodSpec, containers: list[Container], path: str) -> list[FieldError]:
    volumes = {v.name for v in pod.volumes}
    return [
        FieldError(f"{path}[{i}].volumeMounts[{j}].name", f'unknown volume "{m.name}"')
        for i, c in enumerate(containers)
        for j, m in enumerate(c.volume_mounts)
        if m.name not in volumes
    ]


def _pod(pod: PodSpec, path: str) -> list[FieldError]:
    errors = non_empty(pod.containers, f"{path}.containers", "containers")
    errors += unique_names(pod.volumes, f"{path}.volumes", "volume")
    errors += _containers(pod.containers, f"{path}.containers", "container")
    errors += _containers(pod.init_containers, f"{path}.initContainers", "init container")
    errors += _volume_mounts_known(pod, pod.containers, f"{path}.containers")
    errors += _volume_mounts_known(pod, pod.init_containers, f"{path}.initContainers")
    return errors


def _seq_pod(seq: SeqPodSpec, path: str) -> list[FieldError]:
    errors = non_empty(seq.steps, f"{path}.steps", "steps")
    if seq.containers:
        errors.append(FieldError(f"{path}.containers", "a SeqPod has steps, not containers"))
    errors += unique_names(seq.volumes, f"{path}.volumes", "volume")
    errors += _containers(list(seq.steps), f"{path}.steps", "step")
    errors += _volume_mounts_known(seq, list(seq.steps), f"{path}.steps")
    for i, step in enumerate(seq.steps):
        if step.script is not None and step.command:
            errors.append(
                FieldError(f"{path}.steps[{i}]", "script and command are mutually exclusive")
            )
    return errors


def manifest_errors(manifest: str, path: str) -> list[FieldError]:
    """A manifest is one YAML mapping with apiVersion and kind."""
    try:
        docs = [d for d in yaml.safe_load_all(manifest) if d is not None]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        return [FieldError(path, f"not valid YAML{where}: {problem}")]
    if len(docs) != 1:
        return [FieldError(path, f"must be exactly one YAML object, found {len(docs)} documents")]
    if not isinstance(docs[0], dict):
        return [FieldError(path, f"must be a YAML object (a mapping), got {_shape(docs[0])}")]
    missing = [k for k in ("apiVersion", "kind") if not docs[0].get(k)]
    if missing:
        return [FieldError(path, f"manifest lacks {' and '.join(missing)}")]
    return []


def _shape(value: object) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f'the string "{value if len(value) <= 40 else value[:37] + "..."}"'
    return f"{type(value).__name__} {value!r}"


def _rules(rules: Rules | None, path: str) -> list[FieldError]:
    if rules is None:
        return []
    if rules.field_selector is None and rules.condition_selector is None:
        return [FieldError(path, "at least one of fieldSelector and conditionSelector must be set")]
    if rules.field_selector is None:
        return []
    try:
        parse_field_selector(rules.field_selector)
    except SelectorSyntaxError as exc:
        return [
            FieldError(
                f"{path}.fieldSelector", f'invalid field selector "{rules.field_selector}": {exc}'
            )
        ]
    return []


def _resource(res: ResourceSpec, path: str) -> list[FieldError]:
    errors = manifest_errors(res.manifest, f"{path}.manifest")
    errors += _rules(res.success_rules, f"{path}.successRules")
    errors += _rules(res.failure_rules, f"{path}.failureRules")
    return errors


def _job(job: JobTemplate, path: str) -> list[FieldError]:
    """A T9k job's replica groups: distinct types, each a pod with containers."""
    errors: list[FieldError] = []
    groups = job.spec.replica_specs or []
    seen: set[str] = set()
    for i, group in enumerate(groups):
        at = f"{path}.spec.replicaSpecs[{i}]"
        if group.type is not None:
            if group.type in seen:
                errors.append(FieldError(f"{at}.type", f'duplicate replica type "{group.type}"'))
            seen.add(group.type)
        errors += _pod(group.template.spec, f"{at}.template.spec")
    return errors
