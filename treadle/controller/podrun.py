"""Pod and SeqPod runs: one v1 Pod per run, its container states become the run's steps."""

from __future__ import annotations

import json
from typing import Any

from ..api.k8s import Container
from ..api.objects import owner_reference
from ..api.run import (
    ResultValue,
    StepKind,
    StepStatus,
    WorkflowRunSpec,
    WorkflowRunStatus,
)
from ..api.template import WorkflowTemplateSpec
from ..core.pods import (
    CONTAINER,
    INIT_CONTAINER,
    KIND_WORDS,
    STEP,
    build_pod,
    container_kinds,
    pod_name,
)
from ..errors import AlreadyExists, NotFound
from ..store.base import Obj
from .context import Context
from .handlers import Outcome

STOP_DEADLINE_SECONDS = 1
"""Stopping a pod the Kubernetes way: shrink activeDeadlineSeconds so it is ended."""


def _container_statuses(pod: Obj, template: WorkflowTemplateSpec) -> list[dict[str, Any]]:
    """The states of the pod's step-like containers, in the order they run: a
    SeqPod's steps are init containers of the pod but for the last, its container;
    a Pod's containers are its containers."""
    status = pod.get("status") or {}
    if template.effective_type != "SeqPod":
        return list(status.get("containerStatuses") or [])
    return [*(status.get("initContainerStatuses") or []), *(status.get("containerStatuses") or [])]


def steps_of(pod: Obj, template: WorkflowTemplateSpec) -> list[StepStatus]:
    """The run's `status.steps`, in the order they run (init containers first),
    from the pod's container states; `kind` says what each entry is."""
    status = pod.get("status") or {}
    # Container names are unique across a pod's init containers and containers.
    by_name = {
        c.get("name"): c
        for key in ("initContainerStatuses", "containerStatuses")
        for c in status.get(key) or []
    }
    pod_done = status.get("phase") in ("Succeeded", "Failed")
    steps = []
    for name, kind in container_kinds(template):
        state = (by_name.get(name) or {}).get("state") or {}
        step = StepStatus(name=name, kind=_step_kind(kind))
        if "terminated" in state:
            t = state["terminated"]
            step.phase = "Succeeded" if t.get("exitCode") == 0 else "Failed"
            step.exit_code = t.get("exitCode")
            # Set only when the kubelet said something: an unset field is not written.
            if t.get("reason"):
                step.reason = t["reason"]
            if t.get("startedAt"):
                step.start_time = t["startedAt"]
            if t.get("finishedAt"):
                step.completion_time = t["finishedAt"]
        elif "running" in state:
            step.phase = "Running"
            step.start_time = state["running"].get("startedAt")
        else:
            step.phase = "Skipped" if pod_done else "Waiting"
        steps.append(step)
    return steps


def _step_kind(kind: str) -> StepKind:
    """A kind of `container_kinds` as the status type spells it (the same words)."""
    if kind == INIT_CONTAINER:
        return "initContainer"
    return "step" if kind == STEP else "container"


def results_of(pod: Obj, template: WorkflowTemplateSpec) -> list[ResultValue]:
    """Results carried out of the pod in its last termination message, in the
    template's declared order."""
    found: dict[str, str] = {}
    for c in _container_statuses(pod, template):
        message = ((c.get("state") or {}).get("terminated") or {}).get("message")
        if not message:
            continue
        try:
            data = json.loads(message)
        except ValueError:
            continue
        if isinstance(data, dict) and isinstance(data.get("results"), dict):
            found.update({str(k): str(v) for k, v in data["results"].items()})
    return [
        ResultValue(name=r.name, value=found[r.name]) for r in template.results if r.name in found
    ]


POD_LEVEL_REASONS = (
    "ResultsTooLarge",
    "DeadlineExceeded",
    "StartError",
    "Lost",
    "InvalidSpec",
    "CreateContainerConfigError",
)
"""Pod failures that no single step explains."""


def _what(step: StepStatus) -> str:
    return KIND_WORDS.get(step.kind or CONTAINER, "container")


def _failure(steps: list[StepStatus], pod: Obj) -> tuple[str, str]:
    status = pod.get("status") or {}
    if status.get("reason") in POD_LEVEL_REASONS:
        return status["reason"], status.get("message") or status["reason"]
    failed = [s for s in steps if s.phase == "Failed"]
    # The container that failed on its own explains the run, not those stopped after it.
    failed.sort(key=lambda s: s.reason == "Killed")
    if failed:
        s = failed[0]
        reason = s.reason or "Error"
        detail = f"exit code {s.exit_code}"
        if reason not in ("Error", "Completed"):
            detail += f", {reason}"
        return "StepFailed", f'{_what(s)} "{s.name}" failed ({detail})'
    return status.get("reason") or "PodFailed", status.get("message") or "pod failed"


def _succeeded(steps: list[StepStatus], seq: bool) -> str:
    """`all 3 steps succeeded`, naming the init containers that ran before them."""
    main = [s for s in steps if s.kind != INIT_CONTAINER]
    what = ("step" if seq else "container") + ("" if len(main) == 1 else "s")
    every = "" if len(main) == 1 else "all "
    message = f"{every}{len(main)} {what} succeeded"
    init = len(steps) - len(main)
    if init:
        message += f", after {init} init container{'' if init == 1 else 's'}"
    return message


class PodHandler:
    def preflight(self, ctx: Context, run: Obj, template: WorkflowTemplateSpec) -> str | None:
        # What a host cannot give a pod (a workspace it has no sandbox for, a subPath
        # that leads out of its volume) is the kubelet's to say, in the pod's status.
        return None

    def notes(self, template: WorkflowTemplateSpec) -> list[str]:
        body: list[Container] = []
        if template.seq_pod:
            body = [*template.seq_pod.init_containers, *template.seq_pod.steps]
        elif template.pod:
            body = [*template.pod.init_containers, *template.pod.containers]
        images = sorted({c.image for c in body if c.image})
        if not images:
            return []
        return [
            f"image {', '.join(images)} recorded, not pulled: embedded mode runs each "
            "command on this host"
        ]

    def progress(self, ctx: Context, run: Obj, template: WorkflowTemplateSpec) -> Outcome:
        meta = run["metadata"]
        namespace = meta.get("namespace", "default")
        name = pod_name(meta["name"])
        made = not (run.get("status") or {}).get("podName")
        if made:
            # No pod recorded yet: created at once rather than looked for first (a
            # store over the network is asked once), and judged below as created,
            # so the run's status is written once, not "created" and then its steps.
            pod = self._create(ctx, run, template)
        else:
            try:
                pod = ctx.store.get("v1", "Pod", namespace, name)
            except NotFound:
                return Outcome(
                    phase="Failed", reason="PodDeleted", message=f'pod "{name}" was deleted'
                )
        if not _is_ours(pod, run):
            return Outcome(
                phase="Failed",
                reason="PodConflict",
                message=f'pod "{name}" exists and belongs to another run',
            )
        if made:
            ctx.event(run, "PodCreated", f'created pod "{name}"')
        seq = template.effective_type == "SeqPod"
        steps = steps_of(pod, template)
        before = WorkflowRunStatus.model_validate(run.get("status") or {}).steps
        _step_events(ctx, run, before, steps)
        status = WorkflowRunStatus(pod_name=name, steps=steps)
        phase = (pod.get("status") or {}).get("phase")
        if phase == "Succeeded":
            # Written even when empty: a Pod run declares no results.
            status.results = results_of(pod, template)
            return Outcome(status, "Succeeded", "Succeeded", _succeeded(steps, seq))
        if phase == "Failed":
            reason, message = _failure(steps, pod)
            return Outcome(status, "Failed", reason, message)
        running = [s.name for s in steps if s.phase == "Running"]
        done = sum(1 for s in steps if s.phase == "Succeeded")
        message = (
            f"running {', '.join(running)} ({done}/{len(steps)} done)"
            if running
            else f"pod {phase or 'Pending'}"
        )
        return Outcome(status, message=message)

    def _create(self, ctx: Context, run: Obj, template: WorkflowTemplateSpec) -> Obj:
        """The run's pod, created; or as it is, if it exists already (created by a
        pass whose status write did not land, or someone else's)."""
        spec = WorkflowRunSpec.model_validate(run.get("spec") or {})
        params = {p.name: p.value for p in spec.params}
        pod = build_pod(run, template, params, spec.workspaces)
        pod["metadata"]["ownerReferences"] = [owner_reference(run)]
        try:
            return ctx.store.create(pod)
        except AlreadyExists:
            meta = pod["metadata"]
            return ctx.store.get("v1", "Pod", meta.get("namespace"), meta["name"])

    def stop(self, ctx: Context, run: Obj, template: WorkflowTemplateSpec) -> None:
        stop_pod(
            ctx, run["metadata"].get("namespace", "default"), pod_name(run["metadata"]["name"])
        )


def stop_pod(ctx: Context, namespace: str, name: str) -> None:
    """Ask the kubelet to end a pod now, keeping it (and its logs) in place."""
    try:
        pod = ctx.store.get("v1", "Pod", namespace, name)
    except NotFound:
        return
    if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
        return
    spec = dict(pod.get("spec") or {})
    if spec.get("activeDeadlineSeconds") == STOP_DEADLINE_SECONDS:
        return
    spec["activeDeadlineSeconds"] = STOP_DEADLINE_SECONDS
    try:
        ctx.store.update({**pod, "spec": spec})
    except NotFound:
        return  # deleted meanwhile (a deleted run takes its pod along): nothing to stop


def _step_events(ctx: Context, run: Obj, before: list[StepStatus], after: list[StepStatus]) -> None:
    """Record each step that started or finished since the last look."""
    old = {s.name: s.phase for s in before}
    for step in after:
        what = _what(step)
        was, now = old.get(step.name), step.phase
        if was == now:
            continue
        # A step seen only once it had finished gets one event: its finish says it ran.
        if now == "Running":
            ctx.event(run, "StepStarted", f'{what} "{step.name}" started')
        if now in ("Succeeded", "Failed"):
            reason = step.reason
            extra = f" ({reason})" if reason not in (None, "Completed", "Error") else ""
            ctx.event(
                run,
                "StepFinished",
                f'{what} "{step.name}" {now.lower()} with exit code {step.exit_code}{extra}',
                "Normal" if now == "Succeeded" else "Warning",
            )
        elif now == "Skipped":
            ctx.event(run, "StepSkipped", f'{what} "{step.name}" skipped')


def _is_ours(pod: Obj, run: Obj) -> bool:
    refs = (pod.get("metadata") or {}).get("ownerReferences") or []
    return any(r.get("uid") == run["metadata"]["uid"] for r in refs)


__all__ = ["PodHandler", "results_of", "steps_of", "stop_pod"]
