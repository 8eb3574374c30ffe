"""Rules for a WorkflowTrigger (SPEC §8)."""

from __future__ import annotations

from ...core.triggers import filter_value_problem
from ...errors import FieldError
from ..policy import DEFAULT_POLICY, Policy
from ..template import WorkflowTemplateSpec
from ..trigger import WorkflowTriggerSpec
from .bindings import RefResolver
from .common import non_empty
from .run import validate_run_spec


def validate_trigger_spec(
    spec: WorkflowTriggerSpec,
    path: str = "spec",
    template: WorkflowTemplateSpec | None = None,
    template_name: str | None = None,
    resolve: RefResolver | None = None,
    policy: Policy = DEFAULT_POLICY,
) -> list[FieldError]:
    errors = non_empty(spec.event_sources, f"{path}.eventSources", "eventSources")
    for i, source in enumerate(spec.event_sources):
        for j, f in enumerate(source.filters):
            at = f"{path}.eventSources[{i}].filters[{j}]"
            if not f.path:
                errors.append(FieldError(f"{at}.path", "must not be empty"))
            errors += non_empty(f.values, f"{at}.values", "values")
            for k, v in enumerate(f.values):
                # The parser the events are matched with: what passes here matches there.
                problem = filter_value_problem(f.type, v)
                if problem:
                    errors.append(FieldError(f"{at}.values[{k}]", problem))
    errors += validate_run_spec(
        spec.workflow_run_spec, f"{path}.workflowRunSpec", template, template_name, resolve, policy
    )
    return errors
