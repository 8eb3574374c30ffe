"""Object metadata, owner references and conditions, as Kubernetes has them."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Open, Strict


class OwnerReference(Open):
    api_version: str
    kind: str
    name: str
    uid: str
    controller: bool | None = None
    block_owner_deletion: bool | None = None


class ObjectMeta(Open):
    """`metadata` of every kind: a Kubernetes ObjectMeta."""

    # `clusterName` is in the Kubernetes version the platform's reference links
    # (v1.24); later versions dropped it, but an exported object may carry it.
    UNTYPED_FIELDS = frozenset(
        {"clusterName", "deletionGracePeriodSeconds", "finalizers", "managedFields", "selfLink"}
    )

    name: str | None = None
    generate_name: str | None = None
    namespace: str | None = None
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    uid: str | None = None
    resource_version: str | None = None
    generation: int | None = None
    creation_timestamp: str | None = None
    deletion_timestamp: str | None = None
    owner_references: list[OwnerReference] = Field(default_factory=list)


ConditionStatus = Literal["True", "False", "Unknown"]


class Condition(Strict):
    """A condition of the platform's resources (WorkflowRunCondition, the
    triggers' Condition …). Fields in the order Kubernetes writes them."""

    type: str
    status: ConditionStatus
    last_transition_time: str | None = None
    reason: str | None = None
    message: str | None = None


class ObjectReference(Open):
    UNTYPED_FIELDS = frozenset({"fieldPath", "resourceVersion"})

    api_version: str | None = None
    kind: str | None = None
    name: str
    namespace: str | None = None
    uid: str | None = None


__all__ = [
    "Condition",
    "ConditionStatus",
    "ObjectMeta",
    "ObjectReference",
    "OwnerReference",
    "Strict",
]
