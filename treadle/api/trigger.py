"""EventListener and WorkflowTrigger: HTTP events into WorkflowRuns (SPEC §8)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Open, Strict, Text
from .meta import Condition, ObjectMeta
from .run import WorkflowRunSpec


class EventListenerSpec(Open):
    replicas: int | None = Field(default=None, ge=0)


class Address(Open):
    url: str | None = None
    in_cluster_url: str | None = Field(default=None, alias="inClusterURL")


class EventListenerStatus(Open):
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
    event_sources: list[EventSource]
    service_account_name: str | None = None
    workflow_run_spec: WorkflowRunSpec


class WorkflowTrigger(Strict):
    api_version: Literal["tensorstack.dev/v1beta1"] = "tensorstack.dev/v1beta1"
    kind: Literal["WorkflowTrigger"] = "WorkflowTrigger"
    metadata: ObjectMeta
    spec: WorkflowTriggerSpec
    status: dict[str, object] | None = None
