"""The framework training jobs: TensorFlowTrainingJob, PyTorchTrainingJob and
XGBoostTrainingJob. Each runs `replicaSpecs`, one group per replica type of its
framework; the main replica decides the job (chief or worker 0, master or the
first worker, master)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from ..base import Open, Strict, Text
from ..k8s import ResourceRequirements
from ..meta import ObjectMeta
from .common import (
    T9K_JOB_API_VERSION,
    RestartingJobStatus,
    RunMode,
    RunPolicy,
    SchedulePolicy,
    TrainingReplicaSpec,
)


class TensorBoardSpec(Strict):
    """A TensorBoard the job's operator creates to show the training logs."""

    UNTYPED_FIELDS = frozenset({"logDir"})

    training_log_filesets: list[str] = Field(default_factory=list)
    """`t9k://pvc/<claim>/<path>` or `t9k://minio/<secret>/<bucket>/<path>`."""
    image: str | None = None
    suspend: bool | None = None
    scheduler: SchedulePolicy | None = None
    resources: ResourceRequirements | None = None


class TrainingJobStatus(RestartingJobStatus):
    tensorboard: dict[str, Any] | None = None
    """The TensorBoard's state, as the TensorBoard operator reports it."""


# --- TensorFlowTrainingJob --------------------------------------------------------

TensorFlowReplicaType = Literal["chief", "worker", "ps", "evaluator"]


class TensorFlowReplicaSpec(TrainingReplicaSpec):
    type: TensorFlowReplicaType


class TensorFlowTrainingJobSpec(Strict):
    replica_specs: list[TensorFlowReplicaSpec]
    run_mode: RunMode | None = None
    tensorboard_spec: TensorBoardSpec | None = None
    run_policy: RunPolicy | None = None
    scheduler: SchedulePolicy | None = None


class TensorFlowTrainingJob(Open):
    api_version: Literal["batch.tensorstack.dev/v1beta1"] = T9K_JOB_API_VERSION
    kind: Literal["TensorFlowTrainingJob"] = "TensorFlowTrainingJob"
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    spec: TensorFlowTrainingJobSpec
    status: TrainingJobStatus | None = None


# --- PyTorchTrainingJob -----------------------------------------------------------

PyTorchReplicaType = Literal["master", "worker"]


class PyTorchReplicaSpec(TrainingReplicaSpec):
    type: PyTorchReplicaType
    scaling_weight: int | None = Field(default=None, ge=0)
    """This group's weight when an elastic job scales."""


class ElasticConfig(Strict):
    """Elastic training (torchrun only): the number of replicas moves between
    `minReplicas` and `maxReplicas`, starting at `expectedReplicas`."""

    enabled: bool = False
    min_replicas: int | None = Field(default=None, ge=1)
    max_replicas: int | None = Field(default=None, ge=1)
    expected_replicas: int | None = Field(default=None, ge=1)


class TorchrunConfig(Strict):
    """Start each replica's training program with `torchrun`: the main container's
    `args` become torchrun's script and arguments, and its `command` is ignored."""

    enabled: bool = False
    min_nodes: int | None = Field(default=None, ge=1)
    max_restarts: int | None = Field(default=None, ge=0)
    proc_per_node: Text | None = None
    """Processes per replica: a number, or `gpu` for one per GPU the replica has."""
    rdzv_backend: Literal["c10d", "etcd", "etcd-v2"] | None = None
    """How the processes meet; `c10d` unless given (the only one torch has built in)."""
    extra_options: list[Text] = Field(default_factory=list)


class PyTorchTrainingJobSpec(Strict):
    replica_specs: list[PyTorchReplicaSpec]
    elastic: ElasticConfig | None = None
    torchrun_config: TorchrunConfig | None = None
    run_mode: RunMode | None = None
    run_policy: RunPolicy | None = None
    tensorboard_spec: TensorBoardSpec | None = None
    scheduler: SchedulePolicy | None = None


class PyTorchTrainingJob(Open):
    api_version: Literal["batch.tensorstack.dev/v1beta1"] = T9K_JOB_API_VERSION
    kind: Literal["PyTorchTrainingJob"] = "PyTorchTrainingJob"
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    spec: PyTorchTrainingJobSpec
    status: TrainingJobStatus | None = None


# --- XGBoostTrainingJob -----------------------------------------------------------

XGBoostReplicaType = Literal["master", "worker"]


class XGBoostReplicaSpec(TrainingReplicaSpec):
    type: XGBoostReplicaType


class XGBoostTrainingJobSpec(Strict):
    replica_specs: list[XGBoostReplicaSpec]
    run_mode: RunMode | None = None
    run_policy: RunPolicy | None = None
    scheduler: SchedulePolicy | None = None


class XGBoostTrainingJob(Open):
    api_version: Literal["batch.tensorstack.dev/v1beta1"] = T9K_JOB_API_VERSION
    kind: Literal["XGBoostTrainingJob"] = "XGBoostTrainingJob"
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    spec: XGBoostTrainingJobSpec
    status: RestartingJobStatus | None = None


__all__ = [
    "ElasticConfig",
    "PyTorchReplicaSpec",
    "PyTorchReplicaType",
    "PyTorchTrainingJob",
    "PyTorchTrainingJobSpec",
    "TensorBoardSpec",
    "TensorFlowReplicaSpec",
    "TensorFlowReplicaType",
    "TensorFlowTrainingJob",
    "TensorFlowTrainingJobSpec",
    "TorchrunConfig",
    "TrainingJobStatus",
    "XGBoostReplicaSpec",
    "XGBoostReplicaType",
    "XGBoostTrainingJob",
    "XGBoostTrainingJobSpec",
]
