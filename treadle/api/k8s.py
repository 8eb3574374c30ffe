"""The Kubernetes types a template embeds: PodSpec, Container, Volume and friends.

Typed enough that a user's pod spec is checked. Every other field of each type, as
the Kubernetes API defines it, is listed in its `UNTYPED_FIELDS`: kept as written
and not reported. A field Kubernetes does not define is kept too, and reported as
a warning (api/unknown.py).
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
    UNTYPED_FIELDS = frozenset({"mountPropagation", "recursiveReadOnly", "subPathExpr"})

    name: str
    mount_path: str
    sub_path: str | None = None
    read_only: bool | None = None


class ResourceRequirements(Open):
    UNTYPED_FIELDS = frozenset({"claims"})

    limits: dict[str, Text] = Field(default_factory=dict)
    requests: dict[str, Text] = Field(default_factory=dict)


CONTAINER_FIELDS = frozenset(
    {
        "envFrom",
        "lifecycle",
        "livenessProbe",
        "ports",
        "readinessProbe",
        "resizePolicy",
        "restartPolicy",
        "securityContext",
        "startupProbe",
        "stdin",
        "stdinOnce",
        "terminationMessagePath",
        "terminationMessagePolicy",
        "tty",
        "volumeDevices",
    }
)
"""The fields of a Kubernetes Container that `Container` does not type."""


class Container(Open):
    UNTYPED_FIELDS = CONTAINER_FIELDS

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
    # The volume sources a cluster offers; embedded mode types the ones it serves.
    UNTYPED_FIELDS = frozenset(
        {
            "awsElasticBlockStore",
            "azureDisk",
            "azureFile",
            "cephfs",
            "cinder",
            "csi",
            "downwardAPI",
            "ephemeral",
            "fc",
            "flexVolume",
            "flocker",
            "gcePersistentDisk",
            "gitRepo",
            "glusterfs",
            "image",
            "iscsi",
            "nfs",
            "photonPersistentDisk",
            "portworxVolume",
            "projected",
            "quobyte",
            "rbd",
            "scaleIO",
            "storageos",
            "vsphereVolume",
        }
    )

    name: str
    persistent_volume_claim: PersistentVolumeClaimSource | None = None
    empty_dir: EmptyDirSource | None = None
    config_map: ConfigMapSource | None = None
    secret: SecretSource | None = None
    host_path: HostPathSource | None = None


POD_SPEC_WITHOUT_CONTAINERS_FIELDS = frozenset(
    {
        "affinity",
        "automountServiceAccountToken",
        "dnsConfig",
        "dnsPolicy",
        "enableServiceLinks",
        "ephemeralContainers",
        "hostAliases",
        "hostIPC",
        "hostNetwork",
        "hostPID",
        "hostname",
        "imagePullSecrets",
        "nodeName",
        "overhead",
        "preemptionPolicy",
        "priority",
        "priorityClassName",
        "readinessGates",
        "runtimeClassName",
        "securityContext",
        "serviceAccount",
        "setHostnameAsFQDN",
        "shareProcessNamespace",
        "subdomain",
        "tolerations",
        "topologySpreadConstraints",
    }
)
"""The untyped fields of the platform's `PodSpecWithoutContainers`, the pod spec
of a SeqPod: a copy of an older Kubernetes PodSpec, without `containers`."""


class PodSpec(Open):
    # What later Kubernetes versions added to the pod spec a SeqPod copies.
    UNTYPED_FIELDS = POD_SPEC_WITHOUT_CONTAINERS_FIELDS | {
        "hostUsers",
        "os",
        "resourceClaims",
        "resources",
        "schedulingGates",
    }

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
