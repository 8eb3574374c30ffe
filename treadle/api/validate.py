"""One entry point that every face uses: raw document in, typed object out, or a
`ValidationError` listing every problem with its field path (SPEC §11)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import pydantic

from ..core.names import DNS1123_LABEL_MAX_LENGTH
from ..errors import FieldError, FieldWarning, ValidationError, split_warnings
from .base import WIRE_CONTEXT
from .cron import CronWorkflowRun
from .kinds import WORKFLOW_KINDS, KindInfo, by_kind
from .limits import limit_errors
from .policy import DEFAULT_POLICY, Policy
from .rules.bindings import RefResolver
from .rules.builtin import object_errors
from .rules.common import nul_characters
from .rules.cron import validate_cron_spec
from .rules.meta import LABELLED_KINDS, validate_metadata
from .rules.pods import Scope
from .rules.run import validate_run_spec
from .rules.template import validate_template_spec
from .rules.trigger import validate_trigger_spec
from .run import WorkflowRun
from .structural import structural_errors
from .template import WorkflowTemplate, WorkflowTemplateSpec
from .trigger import WorkflowTrigger
from .unknown import unknown_fields

TemplateResolver = Callable[[str | None, str], WorkflowTemplateSpec | None]
"""(namespace, name) -> the template's spec, or None when it does not exist (yet)."""

DATA_FIELDS = {"ConfigMap": ("data",), "Secret": ("stringData",)}
"""Fields whose values are a user's data, not text the system reads as names,
paths or commands."""


def describe(doc: Any) -> str:
    """`WorkflowTemplate "name"` for messages about a document."""
    if not isinstance(doc, dict):
        return "document"
    name = (
        (doc.get("metadata") or {}).get("name") if isinstance(doc.get("metadata"), dict) else None
    )
    return f'{doc.get("kind", "object")} "{name}"' if name else str(doc.get("kind", "object"))


def kind_of(doc: Any) -> KindInfo:
    """The kind of a raw document, or a ValidationError naming apiVersion/kind."""
    if not isinstance(doc, dict):
        raise ValidationError([FieldError("", "a document must be a YAML/JSON object")])
    api_version, kind = doc.get("apiVersion"), doc.get("kind")
    missing = [
        FieldError(k, "required field is missing")
        for k, v in (("apiVersion", api_version), ("kind", kind))
        if not v
    ]
    if missing:
        raise ValidationError(missing)
    info = by_kind(str(api_version), str(kind))
    if info is None:
        known = next((k for k in WORKFLOW_KINDS if k.kind == kind), None)
        if known is not None:
            raise ValidationError(
                [
                    FieldError(
                        "apiVersion",
                        f'kind {kind} is served at "{known.api_version}", not "{api_version}"',
                    )
                ]
            )
        raise ValidationError([FieldError("kind", f'unknown kind "{kind}" in "{api_version}"')])
    return info


class Checked(NamedTuple):
    """A document that passed: its model (or, for kinds Treadle does not model,
    the dict) and what is worth telling its author."""

    obj: pydantic.BaseModel | dict[str, Any]
    warnings: list[FieldWarning]


def validate(
    doc: Any,
    resolve_template: TemplateResolver | None = None,
    *,
    require_name: bool = True,
    policy: Policy = DEFAULT_POLICY,
) -> pydantic.BaseModel | dict[str, Any]:
    """Parse and check one document. Workflow kinds come back as their model;
    other kinds (ConfigMap, Pod …) as the dict, after a check of their shape and of
    the pod specs in them. `policy` is what the owner allows beyond the API.
    Warnings are dropped; `check` returns them."""
    return check(doc, resolve_template, require_name=require_name, policy=policy).obj


def check(
    doc: Any,
    resolve_template: TemplateResolver | None = None,
    *,
    require_name: bool = True,
    policy: Policy = DEFAULT_POLICY,
    strict: bool = False,
) -> Checked:
    """`validate`, keeping the warnings: unknown fields and undeclared params
    (SPEC §13). With `strict` a warning is an error, as with kubectl's
    `--validate=strict`."""
    causes = _causes(doc, resolve_template, require_name, policy)
    errors, warnings = split_warnings(causes.problems)
    if strict:
        errors, warnings = [*errors, *(w.as_error() for w in warnings)], []
    if errors or causes.obj is None:
        raise ValidationError(errors, describe(doc))
    return Checked(causes.obj, warnings)


class _Causes(NamedTuple):
    obj: pydantic.BaseModel | dict[str, Any] | None
    problems: list[FieldError]


def _causes(
    doc: Any,
    resolve_template: TemplateResolver | None,
    require_name: bool,
    policy: Policy,
) -> _Causes:
    info = kind_of(doc)
    too_big = limit_errors(doc)
    if too_big:
        raise ValidationError(too_big, describe(doc))
    errors = nul_characters(doc, DATA_FIELDS.get(info.kind, ()))
    errors += validate_metadata(
        doc.get("metadata"),
        require_name=require_name,
        max_name_length=DNS1123_LABEL_MAX_LENGTH if info.kind in LABELLED_KINDS else None,
    )
    if info.model is None:
        errors += object_errors(doc, Scope(policy))
        return _Causes(dict(doc), errors)
    try:
        obj = info.model.model_validate(doc, by_name=False, context=WIRE_CONTEXT)
    except pydantic.ValidationError as exc:
        return _Causes(None, errors + structural_errors(exc))
    errors += unknown_fields(obj)
    errors += _rules(obj, resolve_template, policy)
    return _Causes(obj, errors)


def _rules(
    obj: pydantic.BaseModel, resolve: TemplateResolver | None, policy: Policy
) -> list[FieldError]:
    namespace = getattr(getattr(obj, "metadata", None), "namespace", None)
    by_name = _in_namespace(resolve, namespace)
    if isinstance(obj, WorkflowTemplate):
        return validate_template_spec(obj.spec, resolve=by_name, policy=policy)
    if isinstance(obj, WorkflowRun):
        ref = obj.spec.workflow_template_ref
        template = by_name(ref) if (by_name and ref) else None
        return validate_run_spec(
            obj.spec, template=template, template_name=ref, resolve=by_name, policy=policy
        )
    if isinstance(obj, CronWorkflowRun):
        ref = obj.spec.workflow_run.spec.workflow_template_ref
        template = by_name(ref) if (by_name and ref) else None
        return validate_cron_spec(
            obj.spec, template=template, template_name=ref, resolve=by_name, policy=policy
        )
    if isinstance(obj, WorkflowTrigger):
        ref = obj.spec.workflow_run_spec.workflow_template_ref
        template = by_name(ref) if (by_name and ref) else None
        return validate_trigger_spec(
            obj.spec, template=template, template_name=ref, resolve=by_name, policy=policy
        )
    return []


def _in_namespace(resolve: TemplateResolver | None, namespace: str | None) -> RefResolver | None:
    if resolve is None:
        return None
    return lambda name: resolve(namespace, name)
