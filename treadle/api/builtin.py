"""The built-in kinds a user may create directly, typed as Kubernetes has them:
`v1` Pod, ConfigMap, Secret and PersistentVolumeClaim, `batch/v1` Job,
`coordination.k8s.io/v1` Lease (where the controller's leader election lives), and
the T9k jobs and SimpleMLService (api/t9k). Typed where admission checks them; each
type lists its other Kubernetes fields in `UNTYPED_FIELDS`. Any other field is kept
as written and reported as a warning (api/unknown.py), as in the workflow kinds.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field
from pydantic_core import PydanticCustomError

from .base import Open
from .batch import BatchJobSpec
from .k8s import PodSpec, ResourceRequirements
from .meta import ObjectMeta
from .t9k import T9K_MODELS


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


class Job(Open):
    api_version: Literal["batch/v1"] = "batch/v1"
    kind: Literal["Job"] = "Job"
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    spec: BatchJobSpec
    status: dict[str, Any] | None = None


_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})")


def _rfc3339(text: str) -> str:
    if not _RFC3339.fullmatch(text):
        raise PydanticCustomError(
            "rfc3339", 'must be an RFC 3339 time such as "2024-05-01T12:00:00.000000Z"'
        )
    return text


MicroTime = Annotated[str, AfterValidator(_rfc3339)]
"""A timestamp as Kubernetes writes a MicroTime: RFC 3339, usually to the microsecond."""


class LeaseSpec(Open):
    UNTYPED_FIELDS = frozenset({"preferredHolder", "strategy"})

    holder_identity: str | None = None
    lease_duration_seconds: int | None = Field(default=None, gt=0)
    acquire_time: MicroTime | None = None
    renew_time: MicroTime | None = None
    lease_transitions: int | None = Field(default=None, ge=0)


class Lease(Open):
    """Held by one of several contenders at a time: leader election (the workflow
    controller's is `treadle-system/controller`)."""

    api_version: Literal["coordination.k8s.io/v1"] = "coordination.k8s.io/v1"
    kind: Literal["Lease"] = "Lease"
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    spec: LeaseSpec = Field(default_factory=LeaseSpec)


BUILTIN_MODELS: dict[tuple[str, str], type[BaseModel]] = {
    ("v1", "Pod"): Pod,
    ("v1", "ConfigMap"): ConfigMap,
    ("v1", "Secret"): Secret,
    ("v1", "PersistentVolumeClaim"): PersistentVolumeClaim,
    ("batch/v1", "Job"): Job,
    ("coordination.k8s.io/v1", "Lease"): Lease,
    **T9K_MODELS,
}
"""(apiVersion, kind) -> the model an object of that kind is checked against."""

__all__ = [
    "BUILTIN_MODELS",
    "BatchJobSpec",
    "ConfigMap",
    "Job",
    "Lease",
    "LeaseSpec",
    "PersistentVolumeClaim",
    "PersistentVolumeClaimSpec",
    "Pod",
    "Secret",
]
