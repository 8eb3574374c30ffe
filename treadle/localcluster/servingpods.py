"""The replica pods of a SimpleMLService, made from its spec (SPEC §12): pure.

A replica is a pod `<service>-<index>`, labelled with the service's name and
owned by it. What runs in it is the user's `custom.spec` as given, or the server
the platform starts for `tensorflow` and `pytorch`; the model's storage (a PVC)
is mounted in every container at its `mountPath`. The pods carry container paths
only, as a cluster would be given them: the kubelet decides where they are.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from ..api.objects import owner_reference
from ..api.t9k.serving import DEFAULT_MODEL_PATH, DEFAULT_SERVICE_PORT, SimpleMLServiceSpec

Obj = dict[str, Any]

SERVICE_LABEL = "tensorstack.dev/simplemlservice"
"""On every replica pod: the name of its service, to list them by."""
INDEX_LABEL = "tensorstack.dev/replica-index"
HASH_ANNOTATION = "tensorstack.dev/pod-spec-hash"
"""The digest of the pod spec a replica was made from: a replica of an older spec
is replaced, as a Deployment rolls its pods when its template changes."""
MODEL_VOLUME = "simplemlservice-model"
"""The volume of the model's PVC in a replica pod."""

TENSORFLOW_REST_PORT = 8080
TENSORFLOW_GRPC_PORT = 9090
TORCHSERVE_INFERENCE_PORT = 8080
"""TorchServe's default inference address is http://127.0.0.1:8080."""
TENSORFLOW_IMAGE = "tensorflow/serving"
TORCHSERVE_IMAGE = "pytorch/torchserve"
"""Recorded on the pod when the spec names no image (the embedded kubelet runs
programs of this host and never pulls one)."""
SERVER_PROGRAMS = {"tensorflow": "tensorflow_model_server", "pytorch": "torchserve"}
"""The program each built-in framework runs: it must be on this host's PATH."""


def model_dir(spec: SimpleMLServiceSpec) -> str:
    """Where the model is in a replica's containers."""
    return spec.storage.mount_path if spec.storage is not None else DEFAULT_MODEL_PATH


def framework_of(spec: SimpleMLServiceSpec) -> str:
    """`tensorflow`, `pytorch` or `custom` (admission lets exactly one through)."""
    given = spec.frameworks()
    return given[0] if given else "custom"


def pod_spec(name: str, spec: SimpleMLServiceSpec) -> Obj:
    """The PodSpec of every replica of service `name`."""
    framework = framework_of(spec)
    where = model_dir(spec)
    if framework == "tensorflow":
        assert spec.tensorflow is not None
        container: Obj = {
            "name": "tensorflow-serving",
            "image": spec.tensorflow.image or TENSORFLOW_IMAGE,
            "command": [SERVER_PROGRAMS["tensorflow"]],
            "args": [
                f"--port={TENSORFLOW_GRPC_PORT}",
                f"--rest_api_port={TENSORFLOW_REST_PORT}",
                f"--model_name={name}",
                f"--model_base_path={where}",
            ],
            "ports": [
                {"name": "http", "containerPort": TENSORFLOW_REST_PORT, "protocol": "TCP"},
                {"name": "grpc", "containerPort": TENSORFLOW_GRPC_PORT, "protocol": "TCP"},
            ],
        }
        resources = spec.tensorflow.resources
        out: Obj = {"containers": [container]}
    elif framework == "pytorch":
        assert spec.pytorch is not None
        args = ["--start", f"--model-store={where}"]
        if spec.pytorch.models_flag:
            args += ["--models", spec.pytorch.models_flag]
        container = {
            "name": "torchserve",
            "image": spec.pytorch.image or TORCHSERVE_IMAGE,
            "command": [SERVER_PROGRAMS["pytorch"]],
            "args": args,
            "ports": [
                {"name": "http", "containerPort": TORCHSERVE_INFERENCE_PORT, "protocol": "TCP"}
            ],
        }
        resources = spec.pytorch.resources
        out = {"containers": [container]}
    else:
        assert spec.custom is not None
        out = copy.deepcopy(spec.custom.spec.dump())
        resources = None
    if resources is not None:
        out["containers"][0]["resources"] = resources.dump()
    # The operator replaces a replica that ends (with a back-off of its own); the
    # kubelet never restarts one in place.
    out["restartPolicy"] = "Never"
    return _with_model(out, spec)


def _with_model(out: Obj, spec: SimpleMLServiceSpec) -> Obj:
    """`out` with the model's claim mounted at its mountPath in every container that
    has nothing there already."""
    pvc = spec.storage.pvc if spec.storage is not None else None
    if pvc is None:
        return out
    volumes = out.setdefault("volumes", [])
    if not any(v.get("name") == MODEL_VOLUME for v in volumes):
        volumes.append({"name": MODEL_VOLUME, "persistentVolumeClaim": {"claimName": pvc.name}})
    mount: Obj = {"name": MODEL_VOLUME, "mountPath": pvc.mount_path}
    if pvc.sub_path:
        mount["subPath"] = pvc.sub_path
    for c in out.get("containers") or []:
        mounts = c.setdefault("volumeMounts", [])
        if not any(m.get("mountPath") == pvc.mount_path for m in mounts):
            mounts.append(dict(mount))
    return out


def spec_hash(spec: Obj) -> str:
    """A short digest of a pod spec, stable across key order."""
    text = json.dumps(spec, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def replica_name(service: str, index: int) -> str:
    return f"{service}-{index}"


def replica_pod(service: Obj, spec: Obj, index: int, annotations: dict[str, str]) -> Obj:
    """Replica `index` of `service` running `spec` (from `pod_spec`), owned by it."""
    meta = service["metadata"]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": replica_name(meta["name"], index),
            "namespace": meta.get("namespace", "default"),
            "labels": {SERVICE_LABEL: meta["name"], INDEX_LABEL: str(index)},
            "annotations": {HASH_ANNOTATION: spec_hash(spec), **annotations},
            "ownerReferences": [owner_reference(service)],
        },
        "spec": copy.deepcopy(spec),
    }


@dataclass(frozen=True)
class Listening:
    """The port the serving program listens on, or why it cannot be told."""

    port: int | None
    protocol: str = "TCP"
    problem: str | None = None


def listening(spec: SimpleMLServiceSpec, pods: Obj) -> Listening:
    """Where a replica's server listens: the REST port of the command the platform
    sets for tensorflow and pytorch; for a custom pod, the target port of the first
    service port (a number, or a container port's name; the port itself when no
    target is given, as Kubernetes defaults it), or 8080 with no `service`."""
    framework = framework_of(spec)
    if framework == "tensorflow":
        return Listening(TENSORFLOW_REST_PORT)
    if framework == "pytorch":
        return Listening(TORCHSERVE_INFERENCE_PORT)
    ports = spec.service.ports if spec.service is not None else []
    if not ports:
        return Listening(DEFAULT_SERVICE_PORT)
    first = ports[0]
    protocol = first.protocol or "TCP"
    target = first.target_port if first.target_port is not None else first.port
    if isinstance(target, int):
        return Listening(target, protocol)
    if target.isdigit():
        return Listening(int(target), protocol)
    for c in pods.get("containers") or []:
        for p in c.get("ports") or []:
            if p.get("name") == target and isinstance(p.get("containerPort"), int):
                return Listening(int(p["containerPort"]), protocol)
    return Listening(
        None,
        protocol,
        f'spec.service.ports[0].targetPort: no container port is named "{target}"',
    )


__all__ = [
    "HASH_ANNOTATION",
    "INDEX_LABEL",
    "MODEL_VOLUME",
    "SERVER_PROGRAMS",
    "SERVICE_LABEL",
    "Listening",
    "framework_of",
    "listening",
    "model_dir",
    "pod_spec",
    "replica_name",
    "replica_pod",
    "spec_hash",
]
