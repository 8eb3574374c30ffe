"""The replica pods of a SimpleMLService and the port its server listens on, from
its spec (SPEC §12), one named case each."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from treadle.api.t9k.serving import SimpleMLServiceSpec
from treadle.localcluster.servingpods import (
    HASH_ANNOTATION,
    INDEX_LABEL,
    MODEL_VOLUME,
    SERVICE_LABEL,
    Listening,
    listening,
    pod_spec,
    replica_pod,
    spec_hash,
)

Obj = dict[str, Any]

SERVER = {"name": "server", "image": "python:3.11", "command": ["python3", "-m", "http.server"]}
PVC = {"pvc": {"name": "models", "subPath": "mnist", "mountPath": "/srv/model"}}
MODEL_MOUNT = {"name": MODEL_VOLUME, "mountPath": "/srv/model", "subPath": "mnist"}
MODEL_CLAIM = {"name": MODEL_VOLUME, "persistentVolumeClaim": {"claimName": "models"}}


@dataclass(frozen=True)
class PodCase:
    id: str
    spec: Obj
    pod: Obj


POD_CASES = [
    PodCase(
        "a-custom-spec-runs-as-given-and-is-never-restarted-in-place",
        {"custom": {"spec": {"containers": [SERVER], "restartPolicy": "Always"}}},
        {"containers": [SERVER], "restartPolicy": "Never"},
    ),
    PodCase(
        "the-model-claim-is-mounted-at-its-mount-path-in-every-container",
        {"custom": {"spec": {"containers": [SERVER, {**SERVER, "name": "b"}]}}, "storage": PVC},
        {
            "containers": [
                {**SERVER, "volumeMounts": [MODEL_MOUNT]},
                {**SERVER, "name": "b", "volumeMounts": [MODEL_MOUNT]},
            ],
            "restartPolicy": "Never",
            "volumes": [MODEL_CLAIM],
        },
    ),
    PodCase(
        "a-container-with-its-own-mount-at-the-model-path-keeps-it",
        {
            "custom": {
                "spec": {
                    "containers": [
                        {**SERVER, "volumeMounts": [{"name": "own", "mountPath": "/srv/model"}]}
                    ],
                    "volumes": [{"name": "own", "emptyDir": {}}],
                }
            },
            "storage": PVC,
        },
        {
            "containers": [
                {**SERVER, "volumeMounts": [{"name": "own", "mountPath": "/srv/model"}]}
            ],
            "volumes": [{"name": "own", "emptyDir": {}}, MODEL_CLAIM],
            "restartPolicy": "Never",
        },
    ),
    PodCase(
        "tensorflow-runs-the-model-server-the-platform-starts-at-the-default-model-path",
        {
            "tensorflow": {"image": "t9kpublic/tensorflow-serving:2.6.0"},
            "storage": {"pvc": {"name": "models"}},
        },
        {
            "containers": [
                {
                    "name": "tensorflow-serving",
                    "image": "t9kpublic/tensorflow-serving:2.6.0",
                    "command": ["tensorflow_model_server"],
                    "args": [
                        "--port=9090",
                        "--rest_api_port=8080",
                        "--model_name=mnist",
                        "--model_base_path=/var/lib/t9k/model",
                    ],
                    "ports": [
                        {"name": "http", "containerPort": 8080, "protocol": "TCP"},
                        {"name": "grpc", "containerPort": 9090, "protocol": "TCP"},
                    ],
                    "volumeMounts": [{"name": MODEL_VOLUME, "mountPath": "/var/lib/t9k/model"}],
                }
            ],
            "restartPolicy": "Never",
            "volumes": [MODEL_CLAIM],
        },
    ),
    PodCase(
        "pytorch-runs-torchserve-with-its-models-flag-and-resources",
        {
            "pytorch": {
                "modelsFlag": "resnet-18=resnet-18.mar",
                "resources": {"limits": {"memory": "1Gi"}},
            }
        },
        {
            "containers": [
                {
                    "name": "torchserve",
                    "image": "pytorch/torchserve",
                    "command": ["torchserve"],
                    "args": [
                        "--start",
                        "--model-store=/var/lib/t9k/model",
                        "--models",
                        "resnet-18=resnet-18.mar",
                    ],
                    "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
                    "resources": {"limits": {"memory": "1Gi"}},
                }
            ],
            "restartPolicy": "Never",
        },
    ),
]


@pytest.mark.parametrize("case", POD_CASES, ids=lambda c: c.id)
def test_replica_pod_spec(case: PodCase) -> None:
    assert pod_spec("mnist", SimpleMLServiceSpec.model_validate(case.spec)) == case.pod


@dataclass(frozen=True)
class PortCase:
    id: str
    spec: Obj
    listening: Listening


CUSTOM = {"spec": {"containers": [{**SERVER, "ports": [{"name": "web", "containerPort": 9000}]}]}}
PORT_CASES = [
    PortCase(
        "without-a-service-a-custom-server-listens-on-8080", {"custom": CUSTOM}, Listening(8080)
    ),
    PortCase(
        "the-target-port-of-the-first-service-port",
        {"custom": CUSTOM, "service": {"ports": [{"port": 80, "targetPort": 18931}]}},
        Listening(18931),
    ),
    PortCase(
        "a-service-port-without-a-target-is-its-own-target",
        {"custom": CUSTOM, "service": {"ports": [{"port": 7000, "protocol": "UDP"}]}},
        Listening(7000, "UDP"),
    ),
    PortCase(
        "a-named-target-is-the-container-port-of-that-name",
        {"custom": CUSTOM, "service": {"ports": [{"port": 80, "targetPort": "web"}]}},
        Listening(9000),
    ),
    PortCase(
        "a-named-target-no-container-port-has-cannot-be-served",
        {"custom": CUSTOM, "service": {"ports": [{"port": 80, "targetPort": "grpc"}]}},
        Listening(
            None, problem='spec.service.ports[0].targetPort: no container port is named "grpc"'
        ),
    ),
    PortCase(
        "tensorflow-answers-on-its-rest-port-whatever-the-service-maps",
        {"tensorflow": {}, "service": {"ports": [{"port": 80, "targetPort": 9090}]}},
        Listening(8080),
    ),
    PortCase("torchserve-answers-on-its-inference-port", {"pytorch": {}}, Listening(8080)),
]


@pytest.mark.parametrize("case", PORT_CASES, ids=lambda c: c.id)
def test_listening_port(case: PortCase) -> None:
    spec = SimpleMLServiceSpec.model_validate(case.spec)
    assert listening(spec, pod_spec("s", spec)) == case.listening


def test_a_replica_is_named_by_its_index_labelled_and_owned_by_its_service() -> None:
    service = {
        "apiVersion": "tensorstack.dev/v1beta1",
        "kind": "SimpleMLService",
        "metadata": {"name": "mnist", "namespace": "demo", "uid": "u-1"},
    }
    spec = {"containers": [SERVER], "restartPolicy": "Never"}
    pod = replica_pod(service, spec, 2, {"tensorstack.dev/restarts": "1"})
    meta = pod["metadata"]
    assert (meta["name"], meta["namespace"]) == ("mnist-2", "demo")
    assert meta["labels"] == {SERVICE_LABEL: "mnist", INDEX_LABEL: "2"}
    assert meta["annotations"] == {
        HASH_ANNOTATION: spec_hash(spec),
        "tensorstack.dev/restarts": "1",
    }
    assert [(r["kind"], r["uid"], r["controller"]) for r in meta["ownerReferences"]] == [
        ("SimpleMLService", "u-1", True)
    ]
    assert pod["spec"] == spec


def test_the_spec_hash_ignores_key_order_and_follows_any_change() -> None:
    assert spec_hash({"a": 1, "b": [1, 2]}) == spec_hash({"b": [1, 2], "a": 1})
    assert spec_hash({"a": 1}) != spec_hash({"a": 2})
