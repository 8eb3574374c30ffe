"""The jobs whose workers wait for a launcher to start the program on all of them:
MPIJob (`mpirun`), DeepSpeedJob (`deepspeed`) and ColossalAIJob (`torchrun` over
ssh). Each has one `worker` group instead of `replicaSpecs`."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..base import Open, Strict, Text
from ..k8s import EnvVar, PodTemplateSpec, ResourceRequirements
from ..meta import ObjectMeta
from .common import (
    T9K_JOB_API_VERSION,
    JobStatus,
    ReplicaSpecBase,
    RestartingJobStatus,
    RestartPolicy,
    RunMode,
    RunPolicy,
    SchedulePolicy,
    WorkerCleanUp,
)
from .training import ElasticConfig

# --- MPIJob -----------------------------------------------------------------------


class MPIWorkerConfig(Strict):
    """The workers run sshd; the launcher runs `mpirun` over them with `cmd`."""

    replicas: int = Field(default=1, ge=0)
    extra_mpi_args: list[Text] = Field(default_factory=list, alias="extraMPIArgs")
    cmd: list[Text] = Field(default_factory=list)
    template: PodTemplateSpec


class MPISSHConfig(Strict):
    ssh_auth_mount_path: str | None = None
    """Where the SSH keys are mounted; `/root/.ssh` unless given."""
    sshd_path: str | None = None
    """sshd must be started by its absolute path."""


class MPIJobSpec(Strict):
    worker: MPIWorkerConfig
    mca: dict[str, Text] = Field(default_factory=dict)
    """Open MPI's Modular Component Architecture parameters (`btl: ^openib`)."""
    ssh: MPISSHConfig | None = None
    run_policy: WorkerCleanUp | None = None
    run_mode: RunMode | None = None
    mpi_home: str | None = None
    """Where Open MPI is installed."""
    scheduler: SchedulePolicy | None = None


class MPIJob(Open):
    api_version: Literal["batch.tensorstack.dev/v1beta1"] = T9K_JOB_API_VERSION
    kind: Literal["MPIJob"] = "MPIJob"
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    spec: MPIJobSpec
    status: JobStatus | None = None


# --- DeepSpeedJob -----------------------------------------------------------------


class DeepSpeedRun(Strict):
    """How the training program starts: exactly one of the three, each the program
    and its arguments."""

    python: list[Text] | None = None
    module: list[Text] | None = None
    exec: list[Text] | None = None


class DeepSpeedConfig(Strict):
    custom_command: str | None = None
    """When given, the other settings except `slotsPerWorker` are not used."""
    slots_per_worker: int | None = Field(default=None, ge=1)
    """Processes per worker, usually its number of GPUs."""
    local_rank: bool | None = None
    """Pass `local_rank` to the program; true unless given."""
    autotune: Literal["none", "run", "tune"] | None = None
    run: DeepSpeedRun | None = None
    other_args: list[Text] = Field(default_factory=list)


class DeepSpeedWorker(ReplicaSpecBase):
    restart_policy: RestartPolicy | None = None


class DeepSpeedJobSpec(Strict):
    scheduler: SchedulePolicy | None = None
    run_policy: RunPolicy | None = None
    run_mode: RunMode | None = None
    elastic: ElasticConfig | None = None
    config: DeepSpeedConfig | None = None
    disable_custom_env: bool | None = None
    """True: the spec's env reaches only the container's entrypoint, not the
    training processes the launcher starts."""
    worker: DeepSpeedWorker


class DeepSpeedJob(Open):
    api_version: Literal["batch.tensorstack.dev/v1beta1"] = T9K_JOB_API_VERSION
    kind: Literal["DeepSpeedJob"] = "DeepSpeedJob"
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    spec: DeepSpeedJobSpec
    status: RestartingJobStatus | None = None


# --- ColossalAIJob ----------------------------------------------------------------


class ColossalAISSHConfig(Strict):
    auth_mount_path: str | None = None
    """Where the SSH keys are mounted; `/root/.ssh` unless given."""
    sshd_path: str | None = None


class ColossalAILauncher(Strict):
    """The one replica that starts training on the workers."""

    image: str | None = None
    working_dir: str | None = None
    env: list[EnvVar] = Field(default_factory=list)
    resources: ResourceRequirements | None = None


class ColossalAIWorker(Strict):
    replicas: int = Field(default=1, ge=0)
    proc_per_worker: int | None = Field(default=None, ge=1)
    """Training processes per worker; 1 unless given."""
    command: list[Text] = Field(default_factory=list)
    """The training script and its arguments, which the launcher runs."""
    torch_args: list[Text] = Field(default_factory=list)
    template: PodTemplateSpec


class ColossalAIJobSpec(Strict):
    ssh: ColossalAISSHConfig | None = None
    run_mode: RunMode | None = None
    run_policy: WorkerCleanUp | None = None
    scheduler: SchedulePolicy | None = None
    launcher: ColossalAILauncher | None = None
    worker: ColossalAIWorker


class ColossalAIJob(Open):
    api_version: Literal["batch.tensorstack.dev/v1beta1"] = T9K_JOB_API_VERSION
    kind: Literal["ColossalAIJob"] = "ColossalAIJob"
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    spec: ColossalAIJobSpec
    status: JobStatus | None = None


__all__ = [
    "ColossalAIJob",
    "ColossalAIJobSpec",
    "ColossalAILauncher",
    "ColossalAISSHConfig",
    "ColossalAIWorker",
    "DeepSpeedConfig",
    "DeepSpeedJob",
    "DeepSpeedJobSpec",
    "DeepSpeedRun",
    "DeepSpeedWorker",
    "MPIJob",
    "MPIJobSpec",
    "MPISSHConfig",
    "MPIWorkerConfig",
]
