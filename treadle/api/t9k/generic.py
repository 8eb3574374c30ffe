"""GenericJob: replica groups of any types, with success and failure decided by
rules over replicas, and the platform's substitutions (`$(type)`, `$(rank)`,
`$(replicas[<type>])`, `$(service.<type>[<rank>].host)`, `$(service.port[<name>])`)
in each replica's command, args and env."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from ..base import Open, Strict
from ..meta import ObjectMeta
from .common import (
    T9K_JOB_API_VERSION,
    CleanUpPolicy,
    JobStatus,
    ReplicaSpecBase,
    RunMode,
    SchedulePolicy,
    ServicePort,
)

Index = Annotated[int, Field(ge=0)]

FinishRule = dict[str, list[Index]]
"""A set of replicas, by type and index: `{"master": [0], "worker": [0, 1]}`. A
success rule holds when all of them succeeded, a failure rule when all of them
failed (or can restart no more)."""


class GenericRestartPolicy(Strict):
    policy: Literal["Never", "OnFailure", "Always"] | None = None
    limit: int | None = Field(default=None, ge=0)
    """Restarts allowed for each replica of the group; 0 unless given."""


class GenericReplicaSpec(ReplicaSpecBase):
    type: str
    restart_policy: GenericRestartPolicy | None = None


class GenericServiceOption(Strict):
    """A Service per replica (`<job>-<type>-<rank>`) exposing these ports."""

    ports: list[ServicePort] = Field(default_factory=list)


class GenericJobSpec(Strict):
    success_rules: list[FinishRule] = Field(default_factory=list)
    """Any one rule that holds makes the job succeed."""
    failure_rules: list[FinishRule] = Field(default_factory=list)
    """Any one rule that holds makes the job fail."""
    service: GenericServiceOption | None = None
    run_mode: RunMode | None = None
    clean_up_policy: CleanUpPolicy | None = None
    scheduler: SchedulePolicy | None = None
    replica_specs: list[GenericReplicaSpec]


class GenericJob(Open):
    api_version: Literal["batch.tensorstack.dev/v1beta1"] = T9K_JOB_API_VERSION
    kind: Literal["GenericJob"] = "GenericJob"
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    spec: GenericJobSpec
    status: JobStatus | None = None


__all__ = [
    "FinishRule",
    "GenericJob",
    "GenericJobSpec",
    "GenericReplicaSpec",
    "GenericRestartPolicy",
    "GenericServiceOption",
]
