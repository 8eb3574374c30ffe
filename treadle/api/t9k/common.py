"""What the eight T9k job kinds share, as the platform's API reference defines it:
scheduling, run modes, run policies, restart policies, service ports, and the
status their operators write (phase, conditions, tasks, aggregate counts)."""

from __future__ import annotations

from typing import Annotated, Final, Literal

from pydantic import Field, WithJsonSchema

from ..base import Strict, Text
from ..k8s import PodTemplateSpec
from ..meta import Condition

T9K_JOB_API_VERSION: Final = "batch.tensorstack.dev/v1beta1"
"""Where the eight job kinds are served."""

RestartPolicy = Literal["Never", "OnFailure", "Always", "ExitCode"]
"""How a failed replica is restarted. `ExitCode` restarts only for the exit codes
in `RESTARTABLE_EXIT_CODES`; every other non-zero code is final."""

RESTARTABLE_EXIT_CODES = frozenset({130, 137, 138, 143})
"""Ctrl-C (130), SIGKILL (137), SIGTERM (143), and 138, which a program exits with
to ask to be restarted."""

CleanUpPolicy = Literal["None", "All", "Unfinished"]
"""Which replicas are deleted when the job ends: none (the default), all, or those
not finished (Pending, Running or Unknown)."""


class T9kScheduler(Strict):
    queue: str | None = None
    priority: int | None = Field(default=None, ge=0, le=100)
    """Of the job's pod group; 0 unless given."""


class SchedulePolicy(Strict):
    """Which scheduler places the replicas: the cluster's default one, unless
    `t9kScheduler` is given."""

    t9k_scheduler: T9kScheduler | None = Field(default=None, alias="t9kScheduler")


class ReplicaDebugSet(Strict):
    """How replicas of `type` start in debug mode."""

    type: str
    skip_init_container: bool | None = None
    command: list[Text] | None = None
    """Run instead of the replica's own command; `sleep inf` unless given."""


class DebugMode(Strict):
    enabled: bool = False
    replica_specs: list[ReplicaDebugSet] = Field(default_factory=list)
    """Per replica type; a type not listed uses the defaults."""


class ResumeSpec(Strict):
    """How replicas of `type` start again when a paused job resumes."""

    type: str
    skip_init_container: bool | None = None
    command: list[Text] | None = None
    args: list[Text] | None = None
    """`command` and `args` replace the replica's own when given."""


class PauseMode(Strict):
    enabled: bool = False
    resume_specs: list[ResumeSpec] = Field(default_factory=list)


RunModeName = Literal["Immediate", "Debug", "Pause"]


class RunMode(Strict):
    """`Immediate` unless debug or pause mode is enabled: debug mode creates the
    replicas with a command that waits (so a user can enter them), pause mode
    deletes the replicas until it is disabled again."""

    debug: DebugMode | None = None
    pause: PauseMode | None = None

    @property
    def mode(self) -> RunModeName:
        if self.pause is not None and self.pause.enabled:
            return "Pause"
        if self.debug is not None and self.debug.enabled:
            return "Debug"
        return "Immediate"


class RunPolicy(Strict):
    """The run policy of the training jobs (TensorFlow, PyTorch, XGBoost,
    DeepSpeed)."""

    active_deadline_seconds: int | None = Field(default=None, gt=0)
    """How long the job may run, from its start, before it fails."""
    backoff_limit: int | None = Field(default=None, ge=0)
    """Restarts allowed, summed over all replicas."""
    clean_up_policy: CleanUpPolicy | None = None


class WorkerCleanUp(Strict):
    """The run policy of MPIJob and ColossalAIJob."""

    clean_up_workers: bool = False
    """Delete the workers once they finish (the launcher is kept for its logs)."""


IntOrString = Annotated[int | str, WithJsonSchema({"type": ["integer", "string"]})]
"""A Kubernetes IntOrString (a port number or a port's name), kept as written."""


class ServicePort(Strict):
    """A Kubernetes ServicePort."""

    UNTYPED_FIELDS = frozenset({"appProtocol"})

    name: str | None = None
    protocol: Literal["TCP", "UDP", "SCTP"] | None = None
    port: int = Field(ge=1, le=65535)
    target_port: IntOrString | None = None
    node_port: int | None = Field(default=None, ge=1, le=65535)


class ReplicaSpecBase(Strict):
    """One group of identical replicas: `replicas` pods made from `template`,
    named `<job>-<type>-<index>`. The template's own restartPolicy is always
    replaced by `Never`: the job's operator decides restarts."""

    replicas: int = Field(default=1, ge=0)
    template: PodTemplateSpec


class TrainingReplicaSpec(ReplicaSpecBase):
    """A replica group of the TensorFlow, PyTorch and XGBoost jobs; each kind
    narrows `type` to its own replica types."""

    type: str
    restart_policy: RestartPolicy | None = None


# --- status ----------------------------------------------------------------------

JobPhase = Literal[
    "Pending", "Initializing", "Running", "Paused", "Resuming", "Succeeded", "Failed", "Unknown"
]
"""Where a job is. The platform's guides also name `Resuming` (on the way out of
pause mode), `Unknown`, and `Initializing` (a BeamJob whose cluster starts)."""

JOB_CONDITION_TYPES = (
    "Initialized",
    "Running",
    "ReplicaFailure",
    "Completed",
    "Succeeded",
    "Failed",
    "Paused",
)
"""The condition types a job reports. `Succeeded` and `Failed` are what a Resource
run's default rules look for (SPEC §3.3)."""

ReplicaPhase = Literal[
    "Creating", "Pending", "Running", "Succeeded", "Failed", "Unknown", "Deleted"
]
"""A pod's phase, plus `Creating` (not yet created) and `Deleted`."""


class ContainerStatus(Strict):
    REPORT_UNKNOWN = False

    name: str
    state: str | None = None
    exit_code: int | None = None


class ReplicaStatus(Strict):
    """One replica's pod."""

    REPORT_UNKNOWN = False

    name: str
    uid: str | None = None
    phase: ReplicaPhase | None = None
    containers: list[ContainerStatus] = Field(default_factory=list)


class TaskStatus(Strict):
    """The replicas of one type."""

    REPORT_UNKNOWN = False

    type: str
    restart_count: int = 0
    """Summed over the replicas of this type."""
    replicas: list[ReplicaStatus] = Field(default_factory=list)


class Aggregate(Strict):
    """How many replicas are in each phase."""

    REPORT_UNKNOWN = False

    creating: int = 0
    pending: int = 0
    running: int = 0
    succeeded: int = 0
    failed: int = 0
    unknown: int = 0
    deleted: int = 0


class JobStatus(Strict):
    """Written by the job's operator only. Every field has a default, so that a
    status written by any version (or by the platform's own operators) loads, and
    `dump()` writes only what the operator set."""

    REPORT_UNKNOWN = False

    phase: JobPhase | None = None
    conditions: list[Condition] = Field(default_factory=list)
    tasks: list[TaskStatus] = Field(default_factory=list)
    aggregate: Aggregate | None = None


class RestartingJobStatus(JobStatus):
    """The status of the kinds whose run policy has a `backoffLimit`."""

    backoff_count: int | None = None
    """Restarts so far, summed over all replicas."""


__all__ = [
    "JOB_CONDITION_TYPES",
    "RESTARTABLE_EXIT_CODES",
    "T9K_JOB_API_VERSION",
    "Aggregate",
    "CleanUpPolicy",
    "ContainerStatus",
    "DebugMode",
    "IntOrString",
    "JobPhase",
    "JobStatus",
    "PauseMode",
    "ReplicaDebugSet",
    "ReplicaPhase",
    "ReplicaSpecBase",
    "ReplicaStatus",
    "RestartPolicy",
    "RestartingJobStatus",
    "ResumeSpec",
    "RunMode",
    "RunModeName",
    "RunPolicy",
    "SchedulePolicy",
    "ServicePort",
    "T9kScheduler",
    "TaskStatus",
    "TrainingReplicaSpec",
    "WorkerCleanUp",
]
