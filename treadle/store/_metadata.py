"""What an API server does to `metadata` on create and update, as pure functions:
validate it, stamp the system fields, and merge an update into the stored object.

Backends that are not a real API server (the SQLite store) use these so that they
answer exactly like one.
"""

from __future__ import annotations

import json
from typing import Any

from treadle.api.kinds import by_kind
from treadle.core.labels import label_field_errors
from treadle.core.names import generate_name, name_field_errors, qualified_name_errors
from treadle.errors import FieldError, ValidationError

from .base import Obj

DEFAULT_NAMESPACE = "default"

# Fields a client may send but only the store sets.
_SYSTEM_FIELDS = ("uid", "resourceVersion", "generation", "creationTimestamp")
# Top-level fields that are not "spec" for the purpose of `generation`.
_NOT_SPEC = ("apiVersion", "kind", "metadata", "status")
_METADATA_ORDER = (
    "name",
    "generateName",
    "namespace",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "labels",
    "annotations",
    "ownerReferences",
    "finalizers",
)


def is_namespaced(api_version: str, kind: str) -> bool:
    """Kinds Treadle does not know are taken to be namespaced, like most kinds."""
    info = by_kind(api_version, kind)
    return info.namespaced if info else True


def scope(api_version: str, kind: str, namespace: str | None) -> str:
    """The namespace an object of this kind lives in: "" for cluster-scoped kinds,
    otherwise `namespace` or "default"."""
    if not is_namespaced(api_version, kind):
        return ""
    return namespace or DEFAULT_NAMESPACE


def describe(kind: str, namespace: str, name: str) -> str:
    """`WorkflowRun "default/x"`, as error messages name an object."""
    return f'{kind} "{namespace}/{name}"' if namespace else f'{kind} "{name}"'


def json_copy(obj: Any, path: str = "") -> Any:
    """A deep copy that also proves the value can be stored as JSON."""
    try:
        return json.loads(json.dumps(obj))
    except (TypeError, ValueError) as e:
        raise ValidationError([FieldError(path, f"not representable as JSON: {e}")]) from e


def identity(obj: Obj) -> tuple[str, str, str, str]:
    """(apiVersion, kind, namespace, name) of an object sent for update."""
    errors = _type_errors(obj)
    meta = obj.get("metadata")
    if not isinstance(meta, dict):
        meta = {}
    name = meta.get("name")
    if not isinstance(name, str) or not name:
        errors.append(FieldError("metadata.name", "required"))
    if errors:
        raise ValidationError(errors)
    api_version: str = obj["apiVersion"]
    kind: str = obj["kind"]
    return api_version, kind, scope(api_version, kind, meta.get("namespace")), str(name)


def prepare_create(obj: Obj) -> tuple[Obj, str | None]:
    """Validate a new object and return (a clean copy, its generateName prefix).

    The copy has `metadata.namespace` resolved, the system fields and `status`
    removed (as with a status subresource, status is only written by
    `update_status`), and `metadata.name` set unless it is to be generated.
    """
    errors = _type_errors(obj)
    body: Obj = json_copy(obj)
    meta = body.get("metadata")
    if meta is None:
        meta = body["metadata"] = {}
    if not isinstance(meta, dict):
        raise ValidationError([FieldError("metadata", "must be an object")])
    prefix: str | None = None
    name = meta.get("name")
    if name:
        errors += name_field_errors("metadata.name", str(name))
    elif meta.get("generateName"):
        prefix = str(meta["generateName"])
        candidate = generate_name(prefix, "x" * 5)
        errors += name_field_errors("metadata.generateName", candidate)
    else:
        errors.append(FieldError("metadata.name", "name or generateName is required"))
    if errors:
        raise ValidationError(errors)

    namespace = scope(body["apiVersion"], body["kind"], meta.get("namespace"))
    if namespace:
        errors += name_field_errors("metadata.namespace", namespace, label=True)
    errors += _mutable_metadata_errors(meta)
    if errors:
        raise ValidationError(errors)

    for field in (*_SYSTEM_FIELDS, "deletionTimestamp"):
        meta.pop(field, None)
    meta["namespace"] = namespace
    body.pop("status", None)
    return body, prefix


def stamp_created(body: Obj, *, name: str, uid: str, resource_version: int, timestamp: str) -> Obj:
    """Set the fields the store owns on a prepared new object (in place; returned)."""
    meta = body["metadata"]
    meta.update(
        name=name,
        uid=uid,
        resourceVersion=str(resource_version),
        generation=1,
        creationTimestamp=timestamp,
    )
    if not meta["namespace"]:
        del meta["namespace"]
    body["metadata"] = _ordered(meta)
    return body


def merge_update(stored: Obj, incoming: Obj) -> Obj:
    """The object after `update`: metadata and spec from `incoming`, identity and
    system fields and status from `stored`. `generation` goes up by one when
    anything outside metadata and status changed."""
    meta_in = incoming.get("metadata")
    if not isinstance(meta_in, dict):
        raise ValidationError([FieldError("metadata", "must be an object")])
    errors = _mutable_metadata_errors(meta_in)
    if errors:
        raise ValidationError(errors)
    body: Obj = json_copy({k: v for k, v in incoming.items() if k != "status"})
    old_meta = stored["metadata"]
    meta = body["metadata"]
    for field in ("name", "namespace", "generateName", *_SYSTEM_FIELDS, "deletionTimestamp"):
        meta.pop(field, None)
        if field in old_meta:
            meta[field] = old_meta[field]
    if _spec_of(body) != _spec_of(stored):
        meta["generation"] = int(old_meta.get("generation", 1)) + 1
    body["metadata"] = _ordered(meta)
    if "status" in stored:
        body["status"] = stored["status"]
    return body


def merge_status(stored: Obj, incoming: Obj) -> Obj:
    """The object after `update_status`: `stored` with `incoming`'s status."""
    body: Obj = json_copy(stored)
    status = json_copy(incoming.get("status"), "status")
    if status is None:
        body.pop("status", None)
    else:
        body["status"] = status
    return body


def labels_of(body: Obj) -> dict[str, str]:
    labels = body["metadata"].get("labels")
    return dict(labels) if isinstance(labels, dict) else {}


def owner_uids(body: Obj) -> list[str]:
    refs = body["metadata"].get("ownerReferences") or []
    return list(dict.fromkeys(ref["uid"] for ref in refs))


def phase_of(body: Obj) -> str:
    """status.phase, or "" when there is none (how field selectors read it)."""
    status = body.get("status")
    phase = status.get("phase") if isinstance(status, dict) else None
    return phase if isinstance(phase, str) else ""


def _spec_of(body: Obj) -> Obj:
    return {k: v for k, v in body.items() if k not in _NOT_SPEC}


def _ordered(meta: Obj) -> Obj:
    """Metadata in the conventional order, so stored objects read well as YAML."""
    head = {k: meta[k] for k in _METADATA_ORDER if k in meta}
    return head | {k: v for k, v in meta.items() if k not in head}


def _type_errors(obj: Obj) -> list[FieldError]:
    if not isinstance(obj, dict):
        raise ValidationError([FieldError("", "an object must be a mapping")])
    return [
        FieldError(field, "required")
        for field in ("apiVersion", "kind")
        if not isinstance(obj.get(field), str) or not obj[field]
    ]


def _mutable_metadata_errors(meta: Obj) -> list[FieldError]:
    errors: list[FieldError] = []
    labels = meta.get("labels")
    if labels is not None:
        if isinstance(labels, dict):
            errors += label_field_errors(labels)
        else:
            errors.append(FieldError("metadata.labels", "must be a map of strings"))
    annotations = meta.get("annotations")
    if annotations is not None:
        if not isinstance(annotations, dict) or not all(
            isinstance(v, str) for v in annotations.values()
        ):
            errors.append(FieldError("metadata.annotations", "must be a map of strings"))
        else:
            for key in annotations:
                errors += [
                    FieldError("metadata.annotations", f'invalid key "{key}": {reason}')
                    for reason in qualified_name_errors(key)
                ]
    refs = meta.get("ownerReferences")
    if refs is not None:
        if not isinstance(refs, list):
            errors.append(FieldError("metadata.ownerReferences", "must be a list"))
        else:
            for i, ref in enumerate(refs):
                path = f"metadata.ownerReferences[{i}]"
                if not isinstance(ref, dict):
                    errors.append(FieldError(path, "must be an object"))
                    continue
                errors += [
                    FieldError(f"{path}.{field}", "required")
                    for field in ("apiVersion", "kind", "name", "uid")
                    if not isinstance(ref.get(field), str) or not ref[field]
                ]
            controllers = [
                i for i, r in enumerate(refs) if isinstance(r, dict) and r.get("controller")
            ]
            if len(controllers) > 1:
                # As Kubernetes: one owner manages an object; the others only keep it.
                errors.append(
                    FieldError(
                        f"metadata.ownerReferences[{controllers[1]}].controller",
                        f"only one reference may be the controller; "
                        f"ownerReferences[{controllers[0]}] already is",
                    )
                )
    return errors
