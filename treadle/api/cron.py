"""CronWorkflowRun: creates WorkflowRuns on a cron schedule (SPEC §7)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Strict
from .meta import Condition, ObjectMeta, ObjectReference
from .run import WorkflowRunSpec


class WorkflowRunTemplate(Strict):
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    spec: WorkflowRunSpec


class CronWorkflowRunSpec(Strict):
    schedule: str
    # `AllowConcurrent` is Allow as the platform's API reference spells it; it is
    # kept as written, and treadle.core.cron reads both the same.
    concurrency_policy: Literal["Allow", "AllowConcurrent", "Forbid", "Replace"] = "Allow"
    suspend: bool = False
    starting_deadline_seconds: int | None = Field(default=None, ge=0)
    successful_runs_history_limit: int = Field(default=3, ge=0)
    failed_runs_history_limit: int = Field(default=1, ge=0)
    workflow_run: WorkflowRunTemplate


class CronWorkflowRunStatus(Strict):
    """Written by the controller only; not reported (see WorkflowRunStatus)."""

    REPORT_UNKNOWN = False

    active: list[ObjectReference] = Field(default_factory=list)
    last_schedule_time: str | None = None
    conditions: list[Condition] = Field(default_factory=list)


class CronWorkflowRun(Strict):
    api_version: Literal["batch.tensorstack.dev/v1beta1"] = "batch.tensorstack.dev/v1beta1"
    kind: Literal["CronWorkflowRun"] = "CronWorkflowRun"
    metadata: ObjectMeta
    spec: CronWorkflowRunSpec
    status: CronWorkflowRunStatus | None = None
