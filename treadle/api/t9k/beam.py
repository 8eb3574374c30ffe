"""BeamJob: an Apache Beam pipeline submitted by a `batch/v1` Job (`jobTemplate`)
to a Flink cluster the job creates (`flinkClusterTemplate`)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from ..base import Open, Strict, Text
from ..batch import BatchJobSpec
from ..k8s import ResourceRequirements
from ..meta import ObjectMeta
from .common import T9K_JOB_API_VERSION, JobStatus, RunMode, SchedulePolicy


class FlinkImage(Open):
    UNTYPED_FIELDS = frozenset({"pullSecrets"})

    name: str
    pull_policy: str | None = None


class FlinkManager(Open):
    """A Flink JobManager or TaskManager group (the Flink operator's type)."""

    UNTYPED_FIELDS = frozenset(
        {
            "accessScope",
            "extraPorts",
            "ingress",
            "initContainers",
            "memoryOffHeapMin",
            "memoryOffHeapRatio",
            "nodeSelector",
            "podAnnotations",
            "podLabels",
            "ports",
            "securityContext",
            "sidecars",
            "tolerations",
            "volumeMounts",
            "volumes",
        }
    )

    replicas: int | None = Field(default=None, ge=0)
    resources: ResourceRequirements | None = None


class FlinkClusterSpec(Open):
    """The Flink operator's FlinkClusterSpec, which the platform's reference does
    not define: typed where Treadle reads it, the rest kept as written."""

    UNTYPED_FIELDS = frozenset(
        {
            "batchSchedulerName",
            "envFrom",
            "envVars",
            "gcpConfig",
            "hadoopConfig",
            "job",
            "logConfig",
            "recreateOnUpdate",
            "revisionHistoryLimit",
            "serviceAccountName",
        }
    )

    flink_version: Text | None = None
    image: FlinkImage | None = None
    job_manager: FlinkManager | None = None
    task_manager: FlinkManager | None = None
    flink_properties: dict[str, Text] = Field(default_factory=dict)


class FlinkClusterTemplateSpec(Strict):
    spec: FlinkClusterSpec


class BeamJobTemplateSpec(Open):
    """A `batch/v1` JobTemplateSpec: the Job that submits the pipeline."""

    metadata: ObjectMeta | None = None
    spec: BatchJobSpec


class BeamRunPolicy(Strict):
    clean_up_cluster: bool = False
    """Delete the Flink cluster once the job ends (its records go with it)."""


class BeamJobSpec(Strict):
    flink_cluster_template: FlinkClusterTemplateSpec
    job_template: BeamJobTemplateSpec
    run_policy: BeamRunPolicy | None = None
    scheduler: SchedulePolicy | None = None
    run_mode: RunMode | None = None


class BeamJobStatus(JobStatus):
    job_url: str | None = Field(default=None, alias="jobURL")
    """The Flink web page of the submitted job."""
    flink_cluster_status: dict[str, Any] | None = None
    job_status: list[dict[str, Any]] = Field(default_factory=list)


class BeamJob(Open):
    api_version: Literal["batch.tensorstack.dev/v1beta1"] = T9K_JOB_API_VERSION
    kind: Literal["BeamJob"] = "BeamJob"
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    spec: BeamJobSpec
    status: BeamJobStatus | None = None


__all__ = [
    "BeamJob",
    "BeamJobSpec",
    "BeamJobStatus",
    "BeamJobTemplateSpec",
    "BeamRunPolicy",
    "FlinkClusterSpec",
    "FlinkClusterTemplateSpec",
    "FlinkImage",
    "FlinkManager",
]
