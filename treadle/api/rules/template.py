"""Rules for a WorkflowTemplate spec (SPEC §3, §11); DAG rules live in `dag.py`."""

from __future__ import annotations

import dataclasses

import yaml

from ...core.selectors import SelectorSyntaxError, parse_field_selector
from ...errors import FieldError, FieldWarning
from ..documents import yaml_documents
from ..policy import DEFAULT_POLICY, Policy
from ..template import (
    JOB_FIELDS,
    T9K_JOB_API_VERSION,
    TYPE_FIELDS,
    JobTemplate,
    ResourceSpec,
    Rules,
    SeqPodSpec,
    WorkflowTemplateSpec,
)
from .bindings import RefResolver
from .builtin import object_errors
from .common import reference_names, unique_names
from .dag import validate_dag
from .pods import LITERAL, Scope, absolute_path_errors, pod_errors, seq_pod_errors
from .references import undeclared_references


def validate_template_spec(
    spec: WorkflowTemplateSpec,
    path: str = "spec",
    resolve: RefResolver | None = None,
    policy: Policy = DEFAULT_POLICY,
) -> list[FieldError]:
    """Every problem of `spec`. `resolve` finds the templates a DAG's nodes use, so
    their params and workspaces can be checked; without it they are not. `policy`
    is what the data directory's owner allows in pod specs."""
    errors: list[FieldError] = []
    for items, field, what in (
        (spec.params, "params", "param"),
        (spec.workspaces, "workspaces", "workspace"),
        (spec.results, "results", "result"),
    ):
        errors += unique_names(items, f"{path}.{field}", what)
        errors += reference_names(items, f"{path}.{field}", what)
    for i, space in enumerate(spec.workspaces):
        if space.mount_path is not None:
            errors += absolute_path_errors(space.mount_path, f"{path}.workspaces[{i}].mountPath")
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
    literal = Scope(policy)
    if type_ == "Pod":
        errors += pod_errors(body, where, literal)
    elif type_ == "SeqPod":
        errors += seq_pod_errors(body, body.steps, where, literal)
        errors += _scripts(body, where)
    elif type_ == "Resource":
        errors += _resource(body, where, Scope(policy, templated=True))
    elif type_ == "DAG":
        errors += validate_dag(body, spec, where, resolve)
        nodes = {n.name for n in body.templates}
    else:
        errors += job_template_errors(type_, body, where, Scope(policy, templated=True))
    errors += undeclared_references(spec, path, type_, nodes)
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


def manifest_errors(manifest: str, path: str, scope: Scope = LITERAL) -> list[FieldError]:
    """A manifest is one YAML mapping with apiVersion and kind; a built-in kind must
    also be a valid object of that kind (rules/builtin.py), its errors named inside
    the manifest (`spec.resource.manifest: spec.volumes[0].hostPath: …`); a field
    its kind does not define is a warning, named the same way. Before substitution
    (`scope.templated`), values holding references are left for later."""
    try:
        # The pure-Python reader: a manifest is small, and its syntax errors point
        # at the line a mistake starts on, where libyaml's point where it noticed.
        docs = [data for _, data in yaml_documents(manifest, yaml.SafeLoader)]
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
    return [
        (FieldWarning if isinstance(e, FieldWarning) else FieldError)(path, str(e))
        for e in object_errors(docs[0], scope)
    ]


def job_template_errors(
    kind: str, job: JobTemplate, path: str, scope: Scope = LITERAL
) -> list[FieldError]:
    """A job-typed template's `{metadata, spec}` at `path` (`spec.mpiJob`): its spec
    checked as a job of `kind` (rules/builtin.py, rules/t9k.py), each problem named
    by its path in the template (`spec.mpiJob.spec.worker.replicas`). Before
    substitution (`scope.templated`), values holding references are left for later,
    as in a manifest. (`metadata` is typed by the template itself.)"""
    doc = {"apiVersion": T9K_JOB_API_VERSION, "kind": kind, "spec": job.spec.dump()}
    return [
        dataclasses.replace(e, path=f"{path}.{e.path}" if e.path else path)
        for e in object_errors(doc, scope)
    ]


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


def _scripts(seq: SeqPodSpec, path: str) -> list[FieldError]:
    return [
        FieldError(f"{path}.steps[{i}]", "script and command are mutually exclusive")
        for i, step in enumerate(seq.steps)
        if step.script is not None and step.command
    ]


def _resource(res: ResourceSpec, path: str, scope: Scope) -> list[FieldError]:
    errors = manifest_errors(res.manifest, f"{path}.manifest", scope)
    errors += _rules(res.success_rules, f"{path}.successRules")
    errors += _rules(res.failure_rules, f"{path}.failureRules")
    return errors
