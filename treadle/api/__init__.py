"""The workflow API: typed resources, defaults, validation and schemas."""

from .cron import CronWorkflowRun, CronWorkflowRunSpec
from .kinds import ALL_KINDS, WORKFLOW_KINDS, KindInfo, by_kind, by_plural, lookup
from .meta import Condition, ObjectMeta, OwnerReference
from .run import NodeStatus, WorkflowRun, WorkflowRunSpec, WorkflowRunStatus, WorkspaceBinding
from .template import DagNode, DagSpec, WorkflowTemplate, WorkflowTemplateSpec
from .trigger import EventListener, WorkflowTrigger

__all__ = [
    "ALL_KINDS",
    "WORKFLOW_KINDS",
    "Condition",
    "CronWorkflowRun",
    "CronWorkflowRunSpec",
    "DagNode",
    "DagSpec",
    "EventListener",
    "KindInfo",
    "NodeStatus",
    "ObjectMeta",
    "OwnerReference",
    "WorkflowRun",
    "WorkflowRunSpec",
    "WorkflowRunStatus",
    "WorkflowTemplate",
    "WorkflowTemplateSpec",
    "WorkflowTrigger",
    "WorkspaceBinding",
    "by_kind",
    "by_plural",
    "lookup",
]
