"""What the kubelet needs of a stored v1 Pod's shape, checked before it reads one.

Admission refuses malformed pods, but objects stored before it did (or written
around it) must still end in a failed status that says why, not in a reconciler
failing on the same object forever. Pure: a pod in, the list of problems out, each
naming its field (`spec.containers[0]: must be an object`).
"""

from __future__ import annotations

from typing import Any

from ..core.names import dns1123_label_errors

Problems = list[str]

_VOLUME_SOURCES = ("persistentVolumeClaim", "emptyDir", "hostPath", "configMap", "secret")


def pod_problems(pod: Any) -> Problems:
    """Why the kubelet cannot read `pod` as a Pod, or [] when it can."""
    if not isinstance(pod, dict):
        return ["the pod is not an object"]
    meta = pod.get("metadata")
    if not isinstance(meta, dict) or not isinstance(meta.get("namespace", "default"), str):
        return ["metadata: must be an object with a namespace"]
    spec = pod.get("spec")
    if spec is None:
        spec = {}
    if not isinstance(spec, dict):
        return ["spec: must be an object"]
    out: Problems = []
    for key in ("initContainers", "containers"):
        items = _list(spec, key, "spec", out)
        for i, c in enumerate(items):
            out += _container(c, f"spec.{key}[{i}]")
    for i, v in enumerate(_list(spec, "volumes", "spec", out)):
        out += _volume(v, f"spec.volumes[{i}]")
    deadline = spec.get("activeDeadlineSeconds")
    if deadline is not None and (
        isinstance(deadline, bool) or not isinstance(deadline, int | float)
    ):
        out.append("spec.activeDeadlineSeconds: must be a number")
    return out


def _list(obj: dict[str, Any], key: str, where: str, out: Problems) -> list[Any]:
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        out.append(f"{where}.{key}: must be a list")
        return []
    return value


def _string(obj: dict[str, Any], key: str, where: str, out: Problems, *, required: bool) -> None:
    value = obj.get(key)
    if value is None and not required:
        return
    if not isinstance(value, str) or (required and not value):
        out.append(f"{where}.{key}: must be a {'non-empty ' if required else ''}string")


def _scalars(obj: dict[str, Any], key: str, where: str, out: Problems) -> None:
    for i, item in enumerate(_list(obj, key, where, out)):
        if isinstance(item, dict | list) or item is None:
            out.append(f"{where}.{key}[{i}]: must be a string")


def _container(c: Any, where: str) -> Problems:
    if not isinstance(c, dict):
        return [f"{where}: must be an object"]
    out: Problems = []
    _string(c, "name", where, out, required=True)
    _scalars(c, "command", where, out)
    _scalars(c, "args", where, out)
    _string(c, "workingDir", where, out, required=False)
    _string(c, "image", where, out, required=False)
    for i, e in enumerate(_list(c, "env", where, out)):
        at = f"{where}.env[{i}]"
        if not isinstance(e, dict):
            out.append(f"{at}: must be an object")
            continue
        _string(e, "name", at, out, required=True)
        source = e.get("valueFrom")
        if source is not None and not (
            isinstance(source, dict) and all(isinstance(v, dict) for v in source.values())
        ):
            out.append(f"{at}.valueFrom: must be an object of objects")
    for i, m in enumerate(_list(c, "volumeMounts", where, out)):
        at = f"{where}.volumeMounts[{i}]"
        if not isinstance(m, dict):
            out.append(f"{at}: must be an object")
            continue
        _string(m, "name", at, out, required=True)
        _string(m, "mountPath", at, out, required=True)
        _string(m, "subPath", at, out, required=False)
    resources = c.get("resources")
    if resources is not None and not (
        isinstance(resources, dict) and isinstance(resources.get("limits") or {}, dict)
    ):
        out.append(f"{where}.resources: must be an object with an object of limits")
    return out


def _volume(v: Any, where: str) -> Problems:
    if not isinstance(v, dict):
        return [f"{where}: must be an object"]
    name = v.get("name")
    if not isinstance(name, str):
        return [f"{where}.name: must be a string"]
    # The name becomes a directory of the pod's scratch space.
    out = [f'{where}.name: invalid name "{name}": {e}' for e in dns1123_label_errors(name)]
    for key in _VOLUME_SOURCES:
        if key not in v:
            continue
        source = v[key]
        at = f"{where}.{key}"
        if key == "emptyDir":
            if source is not None and not isinstance(source, dict):
                out.append(f"{at}: must be an object")
            continue
        if not isinstance(source, dict):
            out.append(f"{at}: must be an object")
            continue
        field = {
            "persistentVolumeClaim": "claimName",
            "hostPath": "path",
            "configMap": "name",
            "secret": "secretName",
        }[key]
        _string(source, field, at, out, required=True)
        for i, item in enumerate(_list(source, "items", at, out)):
            if not isinstance(item, dict):
                out.append(f"{at}.items[{i}]: must be an object")
                continue
            _string(item, "key", f"{at}.items[{i}]", out, required=True)
            _string(item, "path", f"{at}.items[{i}]", out, required=True)
    return out
