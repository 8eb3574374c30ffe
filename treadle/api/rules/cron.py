"""Rules for a CronWorkflowRun (SPEC §7)."""

from __future__ import annotations

from ...core.cron import validate_schedule
from ...errors import FieldError
from ..cron import CronWorkflowRunSpec
from ..policy import DEFAULT_POLICY, Policy
from ..template import WorkflowTemplateSpec
from .bindings import RefResolver
from .run import validate_run_spec


def validate_cron_spec(
    spec: CronWorkflowRunSpec,
    path: str = "spec",
    template: WorkflowTemplateSpec | None = None,
    template_name: str | None = None,
    resolve: RefResolver | None = None,
    policy: Policy = DEFAULT_POLICY,
) -> list[FieldError]:
    errors = []
    problem = validate_schedule(spec.schedule)
    if problem:
        errors.append(
            FieldError(f"{path}.schedule", f'invalid cron schedule "{spec.schedule}": {problem}')
        )
    errors += validate_run_spec(
        spec.workflow_run.spec, f"{path}.workflowRun.spec", template, template_name, resolve, policy
    )
    return errors
