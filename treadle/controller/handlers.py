"""What a run of one template type does, behind one small interface."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from ..api.run import Phase, WorkflowRunStatus
from ..api.template import WorkflowTemplateSpec
from ..store.base import Obj
from .context import Context


@dataclass
class Outcome:
    """A handler's decision on one pass over a running run."""

    status: WorkflowRunStatus = field(default_factory=WorkflowRunStatus)
    """Status fields to set (nodes, steps, podName, results …): each field set
    here replaces the stored one; fields not set are left as they are."""
    phase: Phase | None = None
    """"Succeeded" or "Failed" when the run is over."""
    reason: str | None = None
    message: str | None = None
    completed_message: str | None = None
    """What the Completed condition says when the platform words it otherwise than
    our status message (default: the message)."""
    requeue: float | None = None
    """Seconds until another look is needed even without an event."""


class Handler(Protocol):
    def preflight(self, ctx: Context, run: Obj, template: WorkflowTemplateSpec) -> str | None:
        """A reason to refuse the run before anything starts, or None."""
        ...

    def notes(self, template: WorkflowTemplateSpec) -> list[str]:
        """Things the user should know once, recorded as events at start."""
        ...

    def progress(self, ctx: Context, run: Obj, template: WorkflowTemplateSpec) -> Outcome: ...

    def stop(self, ctx: Context, run: Obj, template: WorkflowTemplateSpec) -> None:
        """Stop everything the run started (idempotent)."""
        ...


def handler_for(type_: str) -> Handler:
    from .dagrun import DagHandler
    from .podrun import PodHandler
    from .resourcerun import ResourceHandler

    if type_ in ("Pod", "SeqPod"):
        return PodHandler()
    if type_ == "DAG":
        return DagHandler()
    return ResourceHandler()
