"""The Kubernetes types a template embeds: PodSpec, Container, Volume and friends.

Typed enough that a user's pod spec is checked; every other field is kept as
written (`extra="allow"`), so nothing the platform accepts is dropped.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from .base import Open, Text
from .meta import ObjectMeta


class EnvVar(Open):
    name: str
    value: Text | None = None
    value_from: dict[str, Any] | None = None


class VolumeMount(Open):
    name: str
    mount_path: str
    sub_path: str | None = None
    read_only: bool | None = None


class ResourceRequirements(Open):
    limits: dict[str, Text] = Field(default_factory=dict)
    requests: dict[str, Text] = Field(default_factory=dict)


class Container(Open):
    name: str
    image: str | None = None
    command: list[Text] | None = None
    args: list[Text] | None = None
    working_dir: str | None = None
    env: list[EnvVar] = Field(default_factory=list)
    resources: ResourceRequirements | None = None
    volume_mounts: list[VolumeMount] = Field(default_factory=list)
    image_pull_policy: str | None = None


class PersistentVolumeClaimSource(Open):
    claim_name: str
    read_only: bool | None = None


class HostPathSource(Open):
    """Typed so that admission can find it: a host path is the owner's to allow
    (api/policy.py)."""

    path: str
    type: str | None = None


class EmptyDirSource(Open):
    medium: str | None = None
    size_limit: Text | None = None


class KeyToPath(Open):
    key: str
    path: str
    mode: int | None = None


class ConfigMapSource(Open):
    name: str
    items: list[KeyToPath] = Field(default_factory=list)
    default_mode: int | None = None
    optional: bool | None = None


class SecretSource(Open):
    secret_name: str
    items: list[KeyToPath] = Field(default_factory=list)
    default_mode: int | None = None
    optional: bool | None = None


class Volume(Open):
    name: str
    persistent_volume_claim: PersistentVolumeClaimSource | None = None
    empty_dir: EmptyDirSource | None = None
    config_map: ConfigMapSource | None = None
    secret: SecretSource | None = None
    host_path: HostPathSource | None = None


class PodSpec(Open):
    containers: list[Container] = Field(default_factory=list)
    init_containers: list[Container] = Field(default_factory=list)
    volumes: list[Volume] = Field(default_factory=list)
    restart_policy: str | None = None
    service_account_name: str | None = None
    scheduler_name: str | None = None
    node_selector: dict[str, str] = Field(default_factory=dict)
    active_deadline_seconds: int | None = Field(default=None, ge=0)
    termination_grace_period_seconds: int | None = Field(default=None, ge=0)


class PodTemplateSpec(Open):
    metadata: ObjectMeta | None = None
    spec: PodSpec


class ReplicaSpec(Open):
    """One replica group of a T9k job (`spec.replicaSpecs[]`)."""

    type: str | None = None
    replicas: int | None = Field(default=None, ge=0)
    template: PodTemplateSpec
