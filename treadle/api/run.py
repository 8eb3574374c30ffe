"""WorkflowRun: one execution of a template (SPEC §5)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from .base import Strict, Text
from .k8s import ConfigMapSource, EmptyDirSource, PersistentVolumeClaimSource, SecretSource
from .meta import Condition, ObjectMeta
from .template import ParamValue, WhenExpression, WorkflowTemplateSpec

Phase = Literal["Pending", "Running", "Succeeded", "Failed"]
NodePhase = Literal["Pending", "Running", "Succeeded", "Failed", "Skipped"]


class WorkspaceBinding(Strict):
    name: str
    persistent_volume_claim: PersistentVolumeClaimSource | None = None
    empty_dir: EmptyDirSource | None = None
    config_map: ConfigMapSource | None = None
    secret: SecretSource | None = None
    sub_path: str | None = None

    def sources(self) -> list[str]:
        """Wire names of the volume sources that are set."""
        return [
            alias
            for attr, alias in (
                ("persistent_volume_claim", "persistentVolumeClaim"),
                ("empty_dir", "emptyDir"),
                ("config_map", "configMap"),
                ("secret", "secret"),
            )
            if getattr(self, attr) is not None
        ]


class T9kScheduler(Strict):
    queue: str | None = None


class SchedulerPolicy(Strict):
    t9k_scheduler: T9kScheduler | None = Field(default=None, alias="t9kScheduler")


class WorkflowRunSpec(Strict):
    workflow_template_ref: str | None = None
    workflow_template_spec: WorkflowTemplateSpec | None = None
    params: list[ParamValue] = Field(default_factory=list)
    workspaces: list[WorkspaceBinding] = Field(default_factory=list)
    service_account_name: str | None = None
    timeout: str | None = None
    depth: int | None = Field(default=None, ge=0)
    scheduler: SchedulerPolicy | None = None


class ResultValue(Strict):
    name: str
    value: str = ""


class NodeStatus(Strict):
    """One DAG node: its current child run and phase (SPEC §3.5). The controller
    sets only what it knows of the node, and only that is written: a skipped node
    has `phase`, `message` and `whenExpressions` (empty when a dependency was
    skipped), a node that failed to start `phase` and `message`."""

    phase: NodePhase = "Pending"
    workflow_run_name: str | None = None
    when_expressions: list[WhenExpression] = Field(default_factory=list)
    attempts: int = 0
    retried_run_names: list[str] = Field(default_factory=list)
    message: str | None = None
    start_time: str | None = None
    completion_time: str | None = None


StepKind = Literal["initContainer", "step", "container"]
"""What an entry of `status.steps` is: the pod's own init containers run first,
then the SeqPod steps or the Pod containers."""


class StepStatus(Strict):
    """One container of a Pod run, or one step of a SeqPod run, from the state of
    its container: `exitCode`, `reason` and the times as the kubelet reports them."""

    name: str
    kind: StepKind | None = None
    phase: Literal["Waiting", "Running", "Succeeded", "Failed", "Skipped"] = "Waiting"
    exit_code: int | None = None
    reason: str | None = None
    start_time: str | None = None
    completion_time: str | None = None


class ResourceStatus(Strict):
    """The object a Resource run (or a T9k job run) created: what the run stops
    and judges. Every field is optional so that any stored or sent status loads."""

    api_version: str | None = None
    kind: str | None = None
    name: str | None = None


class RetriedStatus(Strict):
    """An attempt of a DAG node that a later attempt replaced: its child run as it
    ended. The controller writes every field, the child's own ones null when it had
    none; all are optional so that an entry another writer left out still loads."""

    node: str | None = None
    attempt: int | None = None
    workflow_run_name: str | None = None
    phase: Phase | None = None
    message: str | None = None
    start_time: str | None = None
    completion_time: str | None = None


class WorkflowRunStatus(Strict):
    """Written by the controller only (SPEC §10): a status in what a user sends is
    dropped when the object is stored, so nothing in it is reported.

    The controller builds it with keyword arguments and writes `dump()`: only the
    fields it set, so an empty list it set (`results: []` of a Pod run) is written
    and a field it did not set is not. A stored status loads whatever version
    wrote it: every field has a default, and keys this version does not know are
    kept as written."""

    REPORT_UNKNOWN = False

    phase: Phase | None = None
    reason: str | None = None
    message: str | None = None
    conditions: list[Condition] = Field(default_factory=list)
    start_time: str | None = None
    completion_time: str | None = None
    workflow_template_spec: dict[str, Any] | None = None
    """The resolved template spec, frozen at start, as its `dump()` gave it."""
    pod_name: str | None = None
    steps: list[StepStatus] = Field(default_factory=list)
    nodes: dict[str, NodeStatus] = Field(default_factory=dict)
    results: list[ResultValue] = Field(default_factory=list)
    resource: ResourceStatus | None = None
    retried_status: list[RetriedStatus] = Field(default_factory=list)


class WorkflowRun(Strict):
    api_version: Literal["batch.tensorstack.dev/v1beta1"] = "batch.tensorstack.dev/v1beta1"
    kind: Literal["WorkflowRun"] = "WorkflowRun"
    metadata: ObjectMeta
    spec: WorkflowRunSpec
    status: WorkflowRunStatus | None = None


__all__ = [
    "NodeStatus",
    "ParamValue",
    "ResourceStatus",
    "ResultValue",
    "RetriedStatus",
    "StepKind",
    "StepStatus",
    "Text",
    "WorkflowRun",
    "WorkflowRunSpec",
    "WorkflowRunStatus",
    "WorkspaceBinding",
]
