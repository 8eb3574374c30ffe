"""Rules for a WorkflowRun spec, and for the run's params and workspaces against its
template (SPEC §3.6, §5)."""

from __future__ import annotations

from ...errors import FieldError
from ..run import WorkflowRunSpec
from ..template import WorkflowTemplateSpec
from .common import duration, relative_subpath, unique_names
from .template import validate_template_spec


def validate_run_spec(
    spec: WorkflowRunSpec,
    path: str = "spec",
    template: WorkflowTemplateSpec | None = None,
    template_name: str | None = None,
) -> list[FieldError]:
    """`template` is the referenced template when known; an embedded one is used as is."""
    errors: list[FieldError] = []
    has_ref = bool(spec.workflow_template_ref)
    has_spec = spec.workflow_template_spec is not None
    if has_ref == has_spec:
        errors.append(
            FieldError(
                path, "exactly one of workflowTemplateRef and workflowTemplateSpec must be set"
            )
        )
    if spec.workflow_template_spec is not None:
        errors += validate_template_spec(
            spec.workflow_template_spec, f"{path}.workflowTemplateSpec"
        )
        template = spec.workflow_template_spec
    errors += unique_names(spec.params, f"{path}.params", "param")
    errors += unique_names(spec.workspaces, f"{path}.workspaces", "workspace")
    for i, ws in enumerate(spec.workspaces):
        sources = ws.sources()
        if len(sources) != 1:
            errors.append(
                FieldError(
                    f"{path}.workspaces[{i}]",
                    "exactly one of persistentVolumeClaim, emptyDir, configMap, secret must be set"
                    + (f" (found {', '.join(sources)})" if sources else ""),
                )
            )
        errors += relative_subpath(ws.sub_path, f"{path}.workspaces[{i}].subPath")
    errors += duration(spec.timeout, f"{path}.timeout")
    if template is not None:
        errors += params_against_template(spec, template, path, template_name)
    return errors


def params_against_template(
    spec: WorkflowRunSpec,
    template: WorkflowTemplateSpec,
    path: str = "spec",
    template_name: str | None = None,
) -> list[FieldError]:
    """A run gives every required param, binds every non-optional workspace, and
    gives nothing the template does not declare."""
    of = f' of template "{template_name}"' if template_name else ""
    errors = []
    declared = {p.name for p in template.params}
    given = {p.name for p in spec.params}
    for i, p in enumerate(spec.params):
        if p.name not in declared:
            errors.append(
                FieldError(f"{path}.params[{i}].name", f'param "{p.name}" is not declared{of}')
            )
    for decl in template.params:
        if decl.required and decl.name not in given:
            errors.append(FieldError(f"{path}.params", f'missing required param "{decl.name}"{of}'))
    spaces = {w.name for w in template.workspaces}
    bound = {w.name for w in spec.workspaces}
    for i, w in enumerate(spec.workspaces):
        if w.name not in spaces:
            errors.append(
                FieldError(
                    f"{path}.workspaces[{i}].name", f'workspace "{w.name}" is not declared{of}'
                )
            )
    for space in template.workspaces:
        if not space.optional and space.name not in bound:
            errors.append(
                FieldError(f"{path}.workspaces", f'missing binding for workspace "{w.name}"{of}')
            )
    return errors
