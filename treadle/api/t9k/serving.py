"""SimpleMLService (`tensorstack.dev/v1beta1`): long-running replicas that serve a
model with TensorFlow Serving, TorchServe, or a pod of the user's own, reading
the model from a PVC or from S3."""

from __future__ import annotations

from typing import Final, Literal

from pydantic import Field

from ..base import Open, Strict
from ..k8s import PodSpec, ResourceRequirements
from ..meta import Condition, ObjectMeta
from .common import ServicePort

SERVING_API_VERSION: Final = "tensorstack.dev/v1beta1"

DEFAULT_MODEL_PATH = "/var/lib/t9k/model"
"""Where the model is in the serving container unless `mountPath` says otherwise."""

DEFAULT_SERVICE_PORT = 8080
"""What the serving program listens on when `spec.service` is not given; the
Service then maps port 80 to it."""


class TensorflowSpec(Strict):
    """TensorFlow Serving: the operator runs `tensorflow_model_server --port=9090
    --rest_api_port=8080 --model_name=<name> --model_base_path=<model dir>`."""

    image: str | None = None
    resources: ResourceRequirements | None = None


class PyTorchServingSpec(Strict):
    """TorchServe: the operator runs `torchserve --start --model-store=<model dir>
    --models <modelsFlag>`."""

    models_flag: str | None = None
    image: str | None = None
    resources: ResourceRequirements | None = None


class CustomSpec(Strict):
    """A pod of the user's own, which must serve the model itself."""

    spec: PodSpec


class LocalObjectReference(Open):
    name: str


class PVCStorage(Strict):
    name: str
    sub_path: str | None = None
    """Where the model is in the claim; relative."""
    mount_path: str = DEFAULT_MODEL_PATH


class S3Storage(Strict):
    secret_ref: LocalObjectReference
    """The Secret holding the s3cmd configuration."""
    uri: str
    """`s3://<bucket>/<path>/`."""
    mount_path: str = DEFAULT_MODEL_PATH


class Storage(Strict):
    """Where the model is: one of `pvc` and `s3`."""

    s3: S3Storage | None = None
    pvc: PVCStorage | None = None

    @property
    def mount_path(self) -> str:
        source = self.pvc or self.s3
        return source.mount_path if source is not None else DEFAULT_MODEL_PATH


class ServingT9kScheduler(Strict):
    queue: str | None = None


class ServingSchedulePolicy(Strict):
    t9k_scheduler: ServingT9kScheduler | None = Field(default=None, alias="t9kScheduler")


ServiceType = Literal["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"]


class ServiceSpec(Strict):
    ports: list[ServicePort] = Field(default_factory=list)
    type: ServiceType | None = None
    """`ClusterIP` unless given."""


class SimpleMLServiceSpec(Strict):
    """Exactly one of `tensorflow`, `pytorch` and `custom` says what serves.
    `scheduler`, `replicas` and `strategy` are the platform's DeploymentSpec,
    inlined."""

    UNTYPED_FIELDS = frozenset({"strategy"})

    tensorflow: TensorflowSpec | None = None
    pytorch: PyTorchServingSpec | None = None
    custom: CustomSpec | None = None
    storage: Storage | None = None
    scheduler: ServingSchedulePolicy | None = None
    replicas: int = Field(default=1, ge=0)
    service: ServiceSpec | None = None

    def frameworks(self) -> list[str]:
        """The wire names of the serving frameworks that are set."""
        given = (
            ("tensorflow", self.tensorflow),
            ("pytorch", self.pytorch),
            ("custom", self.custom),
        )
        return [name for name, value in given if value is not None]


class AddressPort(Strict):
    REPORT_UNKNOWN = False

    port: int
    node_port: int | None = None
    protocol: str | None = None


class Address(Strict):
    REPORT_UNKNOWN = False

    url: str | None = None
    """In the cluster: `<name>.<namespace>.svc.cluster.local`; elsewhere where the
    service answers."""
    ports: list[AddressPort] = Field(default_factory=list)


SERVICE_CONDITION_TYPES = ("ModelDownloaded", "Ready")


class SimpleMLServiceStatus(Strict):
    """Written by the serving operator only; every field has a default."""

    REPORT_UNKNOWN = False

    address: Address | None = None
    conditions: list[Condition] = Field(default_factory=list)


class SimpleMLService(Open):
    api_version: Literal["tensorstack.dev/v1beta1"] = SERVING_API_VERSION
    kind: Literal["SimpleMLService"] = "SimpleMLService"
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    spec: SimpleMLServiceSpec
    status: SimpleMLServiceStatus | None = None


__all__ = [
    "DEFAULT_MODEL_PATH",
    "DEFAULT_SERVICE_PORT",
    "SERVICE_CONDITION_TYPES",
    "SERVING_API_VERSION",
    "Address",
    "AddressPort",
    "CustomSpec",
    "LocalObjectReference",
    "PVCStorage",
    "PyTorchServingSpec",
    "S3Storage",
    "ServiceSpec",
    "ServiceType",
    "ServingSchedulePolicy",
    "ServingT9kScheduler",
    "SimpleMLService",
    "SimpleMLServiceSpec",
    "SimpleMLServiceStatus",
    "Storage",
    "TensorflowSpec",
]
