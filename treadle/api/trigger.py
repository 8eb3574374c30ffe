"""EventListener and WorkflowTrigger: HTTP events into WorkflowRuns (SPEC §8)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Strict, Text
from .k8s import ResourceRequirements
from .meta import Condition, ObjectMeta
from .run import WorkflowRunSpec


class EventListenerSpec(Strict):
    """How the listener's pods are sized on a cluster; embedded mode records it."""

    replicas: int | None = Field(default=None, ge=0)
    resources: ResourceRequirements | None = None


class Address(Strict):
    url: str | None = None
    in_cluster_url: str | None = Field(default=None, alias="inClusterURL")


class EventListenerStatus(Strict):
    """Written by the system only; not reported (see WorkflowRunStatus)."""

    REPORT_UNKNOWN = False

    address: Address | None = None
    conditions: list[Condition] = Field(default_factory=list)


class EventListener(Strict):
    api_version: Literal["tensorstack.dev/v1beta1"] = "tensorstack.dev/v1beta1"
    kind: Literal["EventListener"] = "EventListener"
    metadata: ObjectMeta
    spec: EventListenerSpec = Field(default_factory=EventListenerSpec)
    status: EventListenerStatus | None = None


class Filter(Strict):
    path: str
    type: Literal["bool", "number", "string"]
    values: list[Text]


class EventSource(Strict):
    event_listener_name: str
    filters: list[Filter] = Field(default_factory=list)


class WorkflowTriggerSpec(Strict):
    replicas: int | None = Field(default=None, ge=0)
    event_sources: list[EventSource]
    service_account_name: str | None = None
    resources: ResourceRequirements | None = None
    workflow_run_spec: WorkflowRunSpec


class WorkflowTriggerStatus(Strict):
    """Written by the system only; not reported (see WorkflowRunStatus)."""

    REPORT_UNKNOWN = False

    conditions: list[Condition] = Field(default_factory=list)


class WorkflowTrigger(Strict):
    api_version: Literal["tensorstack.dev/v1beta1"] = "tensorstack.dev/v1beta1"
    kind: Literal["WorkflowTrigger"] = "WorkflowTrigger"
    metadata: ObjectMeta
    spec: WorkflowTriggerSpec
    status: WorkflowTriggerStatus | None = None
