"""Pod and SeqPod runs: one v1 Pod per run, its container states become the run's steps."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ..api.k8s import Container
from ..api.objects import owner_reference
from ..api.run import (
    ResultValue,
    StepKind,
    StepStatus,
    WorkflowRunSpec,
    WorkflowRunStatus,
    WorkspaceBinding,
)
from ..api.template import WorkflowTemplateSpec
from ..core.names import is_dns1123_label
from ..core.pods import (
    CONTAINER,
    INIT_CONTAINER,
    KIND_WORDS,
    STEP,
    HostPaths,
    build_pod,
    container_kinds,
    pod_name,
)
from ..errors import AlreadyExists, BadRequest, NotFound
from ..runtime import beneath
from ..store.base import Obj
from .context import Context
from .handlers import Outcome

STOP_DEADLINE_SECONDS = 1
"""Stopping a pod the Kubernetes way: shrink activeDeadlineSeconds so it is ended."""


class WorkspaceError(Exception):
    """A workspace binding that cannot be set up; the message says why."""


def _host_paths(
    ctx: Context, run: Obj, template: WorkflowTemplateSpec, bindings: list[WorkspaceBinding]
) -> HostPaths | None:
    """Without a sandbox, workspaces and results are used at host paths: each one's
    subPath resolved beneath its volume now (never through a symlink out of it).
    Raises WorkspaceError."""
    if ctx.runtime.sandboxed:
        return None
    namespace = run["metadata"].get("namespace", "default")
    scratch = ctx.home.scratch / run["metadata"]["uid"]
    paths: dict[str, str] = {}
    for b in bindings:
        what = f'workspace "{b.name}"'
        if not is_dns1123_label(b.name):
            raise WorkspaceError(f"{what}: the name must be a DNS-1123 label")
        try:
            if b.persistent_volume_claim is not None:
                root = ctx.home.ensure_volume(namespace, b.persistent_volume_claim.claim_name)
            else:
                root = scratch / f"ws-{b.name}"
                root.mkdir(parents=True, exist_ok=True)
        except BadRequest as exc:
            raise WorkspaceError(f"{what}: {exc}") from None
        except OSError as exc:
            raise WorkspaceError(f"{what}: {beneath.describe(exc)}") from None
        paths[b.name] = _beneath(root, b.sub_path or "", what)
    results = scratch / "results"
    results.mkdir(parents=True, exist_ok=True)
    return HostPaths(paths, str(results))


def _beneath(root: Path, sub: str, what: str) -> str:
    """The host path of `sub` beneath `root`, made if missing."""
    names = sub.split("/")
    if "\x00" in sub or sub.startswith("/") or ".." in names:
        raise WorkspaceError(f'{what}: subPath "{sub}" must be a relative path without ".."')
    top = os.open(root, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        return beneath.made_path(top, sub)
    except OSError as exc:
        raise WorkspaceError(f'{what}: subPath "{sub}" {beneath.describe(exc)}') from None
    finally:
        os.close(top)


def _container_statuses(pod: Obj, template: WorkflowTemplateSpec) -> list[dict[str, Any]]:
    """The states of the pod's step-like containers: a SeqPod's steps are init
    containers of the pod, a Pod's containers are its containers."""
    status = pod.get("status") or {}
    key = "initContainerStatuses" if template.effective_type == "SeqPod" else "containerStatuses"
    return list(status.get(key) or [])


def steps_of(pod: Obj, template: WorkflowTemplateSpec) -> list[StepStatus]:
    """The run's `status.steps`, in the order they run (init containers first),
    from the pod's container states; `kind` says what each entry is."""
    status = pod.get("status") or {}
    by_name = {
        (key, c.get("name")): c
        for key in ("initContainerStatuses", "containerStatuses")
        for c in status.get(key) or []
    }
    pod_done = status.get("phase") in ("Succeeded", "Failed")
    steps = []
    for name, kind in container_kinds(template):
        # Only a Pod's own containers are containers of the pod; all else runs before them.
        key = "containerStatuses" if kind == CONTAINER else "initContainerStatuses"
        state = (by_name.get((key, name)) or {}).get("state") or {}
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
        if ctx.runtime.sandboxed:
            return None
        spec = WorkflowRunSpec.model_validate(run.get("spec") or {})
        for b in spec.workspaces:
            if b.config_map is not None or b.secret is not None:
                return (
                    f'workspace "{b.name}": configMap and secret workspaces need the '
                    "bubblewrap sandbox, which this host does not provide"
                )
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
        try:
            pod = ctx.store.get("v1", "Pod", namespace, name)
        except NotFound:
            if (run.get("status") or {}).get("podName"):
                return Outcome(
                    phase="Failed", reason="PodDeleted", message=f'pod "{name}" was deleted'
                )
            return self._create(ctx, run, template)
        if not _is_ours(pod, run):
            return Outcome(
                phase="Failed",
                reason="PodConflict",
                message=f'pod "{name}" exists and belongs to another run',
            )
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

    def _create(self, ctx: Context, run: Obj, template: WorkflowTemplateSpec) -> Outcome:
        spec = WorkflowRunSpec.model_validate(run.get("spec") or {})
        params = {p.name: p.value for p in spec.params}
        try:
            host = _host_paths(ctx, run, template, spec.workspaces)
        except WorkspaceError as exc:
            return Outcome(phase="Failed", reason="InvalidWorkspace", message=str(exc))
        pod = build_pod(run, template, params, spec.workspaces, host)
        pod["metadata"]["ownerReferences"] = [owner_reference(run)]
        try:
            ctx.store.create(pod)
        except AlreadyExists:
            pass
        ctx.event(run, "PodCreated", f'created pod "{pod["metadata"]["name"]}"')
        return Outcome(WorkflowRunStatus(pod_name=pod["metadata"]["name"]), message="pod created")

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
