"""The built-in kinds a user may create directly, typed as Kubernetes has them:
`v1` Pod, ConfigMap, Secret and PersistentVolumeClaim, `batch/v1` Job, and the T9k
jobs. Typed where admission checks them; each type lists its other Kubernetes
fields in `UNTYPED_FIELDS`. Any other field is kept as written and reported as a
warning (api/unknown.py), as in the workflow kinds.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from .base import Open
from .k8s import PodSpec, PodTemplateSpec, ResourceRequirements
from .meta import ObjectMeta
from .template import JOB_FIELDS, T9K_JOB_API_VERSION, JobSpec


class Pod(Open):
    api_version: Literal["v1"] = "v1"
    kind: Literal["Pod"] = "Pod"
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    spec: PodSpec
    status: dict[str, Any] | None = None


class ConfigMap(Open):
    api_version: Literal["v1"] = "v1"
    kind: Literal["ConfigMap"] = "ConfigMap"
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    data: dict[str, str] = Field(default_factory=dict)
    binary_data: dict[str, str] = Field(default_factory=dict)
    """Base64."""
    immutable: bool | None = None


class Secret(Open):
    api_version: Literal["v1"] = "v1"
    kind: Literal["Secret"] = "Secret"
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    data: dict[str, str] = Field(default_factory=dict)
    """Base64."""
    string_data: dict[str, str] = Field(default_factory=dict)
    """Plain text, stored as given."""
    type: str | None = None
    immutable: bool | None = None


class PersistentVolumeClaimSpec(Open):
    UNTYPED_FIELDS = frozenset(
        {"dataSource", "dataSourceRef", "selector", "volumeAttributesClassName"}
    )

    access_modes: list[str] = Field(default_factory=list)
    resources: ResourceRequirements | None = None
    storage_class_name: str | None = None
    volume_name: str | None = None
    volume_mode: str | None = None


class PersistentVolumeClaim(Open):
    api_version: Literal["v1"] = "v1"
    kind: Literal["PersistentVolumeClaim"] = "PersistentVolumeClaim"
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    spec: PersistentVolumeClaimSpec = Field(default_factory=PersistentVolumeClaimSpec)
    status: dict[str, Any] | None = None


class BatchJobSpec(Open):
    UNTYPED_FIELDS = frozenset(
        {
            "backoffLimitPerIndex",
            "completionMode",
            "managedBy",
            "manualSelector",
            "maxFailedIndexes",
            "podFailurePolicy",
            "podReplacementPolicy",
            "selector",
            "successPolicy",
            "suspend",
        }
    )

    template: PodTemplateSpec
    parallelism: int | None = Field(default=None, ge=0)
    completions: int | None = Field(default=None, ge=0)
    backoff_limit: int | None = Field(default=None, ge=0)
    active_deadline_seconds: int | None = Field(default=None, ge=0)
    ttl_seconds_after_finished: int | None = Field(default=None, ge=0)


class Job(Open):
    api_version: Literal["batch/v1"] = "batch/v1"
    kind: Literal["Job"] = "Job"
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    spec: BatchJobSpec
    status: dict[str, Any] | None = None


class T9kJob(Open):
    """Any of the eight T9k job kinds (`GenericJob`, `MPIJob` …). Its `spec` is not
    reported yet (JobSpec)."""

    api_version: Literal["batch.tensorstack.dev/v1beta1"] = "batch.tensorstack.dev/v1beta1"
    kind: str
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    spec: JobSpec
    status: dict[str, Any] | None = None


BUILTIN_MODELS: dict[tuple[str, str], type[BaseModel]] = {
    ("v1", "Pod"): Pod,
    ("v1", "ConfigMap"): ConfigMap,
    ("v1", "Secret"): Secret,
    ("v1", "PersistentVolumeClaim"): PersistentVolumeClaim,
    ("batch/v1", "Job"): Job,
    **{(T9K_JOB_API_VERSION, kind): T9kJob for kind in JOB_FIELDS},
}
"""(apiVersion, kind) -> the model an object of that kind is checked against."""

__all__ = [
    "BUILTIN_MODELS",
    "BatchJobSpec",
    "ConfigMap",
    "Job",
    "PersistentVolumeClaim",
    "PersistentVolumeClaimSpec",
    "Pod",
    "Secret",
    "T9kJob",
]
