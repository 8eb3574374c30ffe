"""Rules for a WorkflowRun spec, and for the run's params and workspaces against its
template (SPEC §3.6, §5)."""

from __future__ import annotations

from ...errors import FieldError
from ..policy import DEFAULT_POLICY, Policy
from ..run import WorkflowRunSpec
from ..template import WorkflowTemplateSpec
from .bindings import RefResolver, against_template
from .common import duration, reference_names, relative_subpath, template_ref, unique_names
from .pods import source_errors
from .template import validate_template_spec

MAX_NESTING = 10
"""How deep DAGs may nest runs (`spec.depth`, SPEC §3.5): the platform refuses a
deeper run, which also ends a template that references itself."""


def validate_run_spec(
    spec: WorkflowRunSpec,
    path: str = "spec",
    template: WorkflowTemplateSpec | None = None,
    template_name: str | None = None,
    resolve: RefResolver | None = None,
    policy: Policy = DEFAULT_POLICY,
) -> list[FieldError]:
    """`template` is the referenced template when known; an embedded one is used as
    is. `resolve` finds the templates an embedded DAG's nodes use; `policy` is what
    the owner allows in an embedded template's pod specs."""
    errors: list[FieldError] = []
    has_ref = spec.workflow_template_ref is not None
    has_spec = spec.workflow_template_spec is not None
    if has_ref == has_spec:
        errors.append(
            FieldError(
                path,
                "exactly one of workflowTemplateRef and workflowTemplateSpec must be set"
                + (" (found both)" if has_ref else ""),
            )
        )
    if spec.workflow_template_ref is not None:
        errors += template_ref(spec.workflow_template_ref, f"{path}.workflowTemplateRef")
    if spec.workflow_template_spec is not None:
        errors += validate_template_spec(
            spec.workflow_template_spec, f"{path}.workflowTemplateSpec", resolve, policy
        )
        template = spec.workflow_template_spec
    errors += unique_names(spec.params, f"{path}.params", "param")
    errors += unique_names(spec.workspaces, f"{path}.workspaces", "workspace")
    # Bindings name the template's params and workspaces: the same names, even
    # before the template is known.
    errors += reference_names(spec.params, f"{path}.params", "param")
    errors += reference_names(spec.workspaces, f"{path}.workspaces", "workspace")
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
        errors += source_errors(ws, f"{path}.workspaces[{i}]")
        errors += relative_subpath(ws.sub_path, f"{path}.workspaces[{i}].subPath")
    errors += duration(spec.timeout, f"{path}.timeout")
    if spec.depth is not None and spec.depth > MAX_NESTING:
        errors.append(
            FieldError(
                f"{path}.depth", f"{spec.depth} is deeper than the nesting limit of {MAX_NESTING}"
            )
        )
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
    return against_template(spec.params, spec.workspaces, template, path, template_name)
