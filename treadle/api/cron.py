"""CronWorkflowRun: creates WorkflowRuns on a cron schedule (SPEC §7)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Open, Strict
from .meta import Condition, ObjectMeta, ObjectReference
from .run import WorkflowRunSpec


class WorkflowRunTemplate(Strict):
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    spec: WorkflowRunSpec


class CronWorkflowRunSpec(Strict):
    schedule: str
    concurrency_policy: Literal["Allow", "Forbid", "Replace"] = "Allow"
    suspend: bool = False
    starting_deadline_seconds: int | None = Field(default=None, ge=0)
    successful_runs_history_limit: int = Field(default=3, ge=0)
    failed_runs_history_limit: int = Field(default=1, ge=0)
    workflow_run: WorkflowRunTemplate


class CronWorkflowRunStatus(Open):
    active: list[ObjectReference] = Field(default_factory=list)
    last_schedule_time: str | None = None
    conditions: list[Condition] = Field(default_factory=list)


class CronWorkflowRun(Strict):
    api_version: Literal["batch.tensorstack.dev/v1beta1"] = "batch.tensorstack.dev/v1beta1"
    kind: Literal["CronWorkflowRun"] = "CronWorkflowRun"
    metadata: ObjectMeta
    spec: CronWorkflowRunSpec
    status: CronWorkflowRunStatus | None = None
