"""The WorkflowRun reconciler: start a run, move it on, stop it, finish it (SPEC §5).

Read, decide, act, write status. What a run of each template type does lives in
its own handler (`podrun`, `dagrun`, `resourcerun`); this module owns the
lifecycle every run shares: template resolution, params, depth, timeout, stop.
"""

from __future__ import annotations

import pydantic

from ..api.objects import GROUP_VERSION, STOP_ANNOTATION, annotations_of
from ..api.rules.references import param_references
from ..api.rules.run import params_against_template
from ..api.rules.template import validate_template_spec
from ..api.run import WorkflowRunSpec, WorkflowRunStatus
from ..api.template import WorkflowTemplateSpec
from ..core.conditions import with_condition
from ..core.duration import format_duration, parse_duration
from ..core.pods import param_values
from ..errors import Conflict, FieldWarning, NotFound, split_warnings
from ..store.base import Obj
from .context import Context, parse_time
from .handlers import Handler, Outcome, handler_for

FINAL = ("Succeeded", "Failed")


def reconcile_run(ctx: Context, namespace: str, name: str) -> float | None:
    """One pass over one run; returns seconds until it wants another look, if any."""
    try:
        run = ctx.store.get(GROUP_VERSION, "WorkflowRun", namespace, name)
    except NotFound:
        return None
    status = run.get("status") or {}
    phase = status.get("phase")
    if phase in FINAL:
        return None
    try:
        if phase in (None, "Pending"):
            return _start(ctx, run)
        return _advance(ctx, run)
    except Conflict:
        return 0.0


def _fail_at_start(ctx: Context, run: Obj, reason: str, message: str) -> None:
    now = ctx.now()
    status = _stored_status(run)
    status.phase = "Failed"
    status.reason = reason
    status.message = message
    status.start_time = now
    status.completion_time = now
    conds = with_condition(status.conditions, "Running", "False", now, reason)
    status.conditions = with_condition(conds, "Completed", "True", now, reason, message)
    _store_status(ctx, run, status)
    ctx.event(run, reason, message, "Warning")


def _resolve_template(ctx: Context, run: Obj, spec: WorkflowRunSpec) -> WorkflowTemplateSpec | str:
    if spec.workflow_template_spec is not None:
        return spec.workflow_template_spec
    ref = spec.workflow_template_ref or ""
    namespace = run["metadata"].get("namespace", "default")
    try:
        template = ctx.store.get(GROUP_VERSION, "WorkflowTemplate", namespace, ref)
    except NotFound:
        return f'WorkflowTemplate "{ref}" not found in namespace "{namespace}"'
    try:
        return WorkflowTemplateSpec.model_validate(template.get("spec") or {})
    except pydantic.ValidationError as exc:
        return f'WorkflowTemplate "{ref}" is invalid: {exc.errors()[0]["msg"]}'


def _start(ctx: Context, run: Obj) -> float | None:
    try:
        spec = WorkflowRunSpec.model_validate(run.get("spec") or {})
    except pydantic.ValidationError as exc:
        _fail_at_start(ctx, run, "InvalidSpec", f"invalid spec: {exc.errors()[0]['msg']}")
        return None
    template = _resolve_template(ctx, run, spec)
    if isinstance(template, str):
        _fail_at_start(
            ctx, run, "TemplateNotFound" if "not found" in template else "InvalidTemplate", template
        )
        return None
    # The template's own warnings (unknown fields …) were its author's to see when
    # it was stored; what this run gives it is this run's to record.
    problems, _ = split_warnings(
        validate_template_spec(template, "workflowTemplate.spec", policy=ctx.home.policy)
    )
    refused, undeclared = split_warnings(
        params_against_template(spec, template, "spec", spec.workflow_template_ref)
    )
    problems += refused
    if problems:
        _fail_at_start(ctx, run, "InvalidParams", "; ".join(str(p) for p in problems))
        return None
    depth = spec.depth or 0
    if depth > ctx.max_depth:
        _fail_at_start(
            ctx, run, "DepthExceeded", f"nesting depth {depth} exceeds the limit of {ctx.max_depth}"
        )
        return None
    type_ = template.effective_type or ""
    handler = handler_for(type_)
    refusal = handler.preflight(ctx, run, template)
    if refusal:
        _fail_at_start(ctx, run, "PreflightFailed", refusal)
        return None
    now = ctx.now()
    status = _stored_status(run)
    status.phase = "Running"
    status.start_time = now
    status.message = f"{type_} run started"
    status.workflow_template_spec = template.dump()
    status.conditions = with_condition(status.conditions, "Running", "True", now, "Started")
    _store_status(ctx, run, status)
    source = spec.workflow_template_ref or "an embedded template"
    ctx.event(run, "Started", f"{type_} run of {source} started")
    # What the embedded home does otherwise than a cluster (its only notes): on a
    # cluster they would be untrue.
    for note in [] if ctx.pulls_images else handler.notes(template):
        ctx.event(run, "Note", note)
    _record_param_warnings(ctx, run, spec, template, undeclared)
    return 0.0


def _record_param_warnings(
    ctx: Context,
    run: Obj,
    spec: WorkflowRunSpec,
    template: WorkflowTemplateSpec,
    undeclared: list[FieldWarning],
) -> None:
    """What the platform accepts but an author would want to know (SPEC §13): a
    param given that the template does not declare, and a `$(params.x)` that has
    no value and so stays as written."""
    for warning in undeclared:
        ctx.event(run, "UndeclaredParam", str(warning), "Warning")
    values = param_values(template, {p.name: p.value for p in spec.params})
    for name in param_references(template, template.effective_type or ""):
        if name not in values:
            ctx.event(
                run,
                "UnresolvedParam",
                f"$(params.{name}) has no value: the template does not declare it and "
                "the run does not give it, so it is left as written",
                "Warning",
            )


def _advance(ctx: Context, run: Obj) -> float | None:
    status = run.get("status") or {}
    template = WorkflowTemplateSpec.model_validate(status.get("workflowTemplateSpec") or {})
    handler = handler_for(template.effective_type or "")
    stop_reason = annotations_of(run).get(STOP_ANNOTATION)
    if stop_reason:
        handler.stop(ctx, run, template)
        _finish(
            ctx, run, Outcome(phase="Failed", reason="Cancelled", message=f"stopped: {stop_reason}")
        )
        return None
    left = _time_left(ctx, run)
    if left is not None and left <= 0:
        handler.stop(ctx, run, template)
        timeout = run["spec"]["timeout"]
        _finish(
            ctx,
            run,
            Outcome(phase="Failed", reason="Timeout", message=f"timed out after {timeout}"),
        )
        return None
    outcome = handler.progress(ctx, run, template)
    if outcome.phase in FINAL:
        _finish(ctx, run, outcome)
        return None
    _write(ctx, run, outcome)
    waits = [w for w in (outcome.requeue, left) if w is not None]
    return min(waits) if waits else None


def _time_left(ctx: Context, run: Obj) -> float | None:
    timeout = (run.get("spec") or {}).get("timeout")
    started = (run.get("status") or {}).get("startTime")
    if not timeout or not started:
        return None
    deadline = parse_time(started).timestamp() + parse_duration(timeout)
    return deadline - ctx.clock().timestamp()


def _stored_status(run: Obj) -> WorkflowRunStatus:
    """The run's status as stored, typed; what this version does not know is kept."""
    return WorkflowRunStatus.model_validate(run.get("status") or {})


def _merged(run: Obj, outcome: Outcome) -> WorkflowRunStatus:
    """The stored status with each field the handler set replaced, as a whole."""
    update = outcome.status
    return _stored_status(run).model_copy(
        update={name: getattr(update, name) for name in update.model_fields_set}
    )


def _store_status(
    ctx: Context, run: Obj, status: WorkflowRunStatus, wire: Obj | None = None
) -> None:
    # The one place a run's status is turned into JSON: only the fields set.
    # `wire` is that JSON when the caller has already made it.
    ctx.store.update_status({**run, "status": status.dump() if wire is None else wire})


def _write(ctx: Context, run: Obj, outcome: Outcome) -> None:
    new = _merged(run, outcome)
    if outcome.message:
        new.message = outcome.message
    # Compared on the wire form, so a pass that changes nothing writes nothing.
    wire = new.dump()
    if wire != (run.get("status") or {}):
        _store_status(ctx, run, new, wire)


def _finish(ctx: Context, run: Obj, outcome: Outcome) -> None:
    now = ctx.now()
    status = _merged(run, outcome)
    reason = outcome.reason or outcome.phase
    status.phase = outcome.phase
    status.message = outcome.message or outcome.phase
    status.completion_time = now
    status.reason = reason
    conds = with_condition(status.conditions, "Running", "False", now, reason)
    status.conditions = with_condition(
        conds, "Completed", "True", now, reason, outcome.completed_message or outcome.message
    )
    _store_status(ctx, run, status)
    started = status.start_time
    took = ""
    if started:
        took = " in " + format_duration(
            parse_time(now).timestamp() - parse_time(started).timestamp()
        )
    kind = "Normal" if outcome.phase == "Succeeded" else "Warning"
    ctx.event(run, reason or "Finished", f"{outcome.phase}{took}: {outcome.message}", kind)


__all__ = ["Handler", "reconcile_run"]
