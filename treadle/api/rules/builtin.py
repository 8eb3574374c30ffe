"""Rules for the built-in kinds (api/builtin.py), created directly or from a
Resource template's manifest: their shape, and the pod specs inside them; the T9k
jobs and SimpleMLService have rules of their own (rules/t9k.py).

A kind Treadle has no model for (a Deployment for a cluster) is only searched for
`hostPath` volumes, wherever a `volumes` list holds one.
"""

from __future__ import annotations

import base64
import binascii
import copy
from collections.abc import Iterator
from typing import Any

import pydantic

from ...core.names import config_key_errors
from ...errors import FieldError, format_path
from ..base import WIRE_CONTEXT
from ..builtin import BUILTIN_MODELS, ConfigMap, Job, PersistentVolumeClaim, Pod, Secret
from ..policy import HOST_PATH_REFUSED
from ..structural import is_tag, structural_errors
from ..unknown import unknown_fields
from .pods import LITERAL, Scope, pod_errors, resources_errors
from .t9k import t9k_errors

_PRUNING_ROUNDS = 4


def object_errors(doc: dict[str, Any], scope: Scope = LITERAL) -> list[FieldError]:
    """Every problem of a built-in object `doc` (apiVersion and kind already known),
    with a warning (FieldWarning) for each field its kind does not define."""
    model = BUILTIN_MODELS.get((str(doc.get("apiVersion")), str(doc.get("kind"))))
    if model is None:
        return host_path_errors(doc, scope)
    judged: Any = doc
    removed: set[tuple[str | int, ...]] = set()
    for _ in range(_PRUNING_ROUNDS):
        try:
            obj = model.model_validate(judged, by_name=False, context=WIRE_CONTEXT)
        except pydantic.ValidationError as exc:
            later = [_where(e) for e in exc.errors() if _deferred(e, scope)]
            now = [e for e in exc.errors() if not _deferred(e, scope) and _where(e) not in removed]
            # A value only substitution can make right (`replicas: $(params.n)`) is
            # left out, so that the rest of the object is still checked now.
            pruned = None if now else _without(judged, later)
            if pruned is None:
                # Without a model the rules cannot run; what must never pass still cannot.
                left_out = {format_path(loc) for loc in removed}
                errors = structural_errors(exc, deferred=scope.later)
                errors = [e for e in errors if e.path not in left_out]
                return errors + host_path_errors(doc, scope)
            judged = pruned
            removed.update(later)
        else:
            # Warnings among the errors, as every rule returns them: a caller that
            # only wants errors splits them off (errors.split_warnings).
            return unknown_fields(obj) + _rules(obj, scope)
    return host_path_errors(doc, scope)


def _deferred(err: Any, scope: Scope) -> bool:
    given = err.get("input")
    return isinstance(given, str) and scope.later(given)


def _where(err: Any) -> tuple[str | int, ...]:
    """The location of a pydantic error in the document, without its type tags."""
    return tuple(p for p in err["loc"] if isinstance(p, int) or not is_tag(p))


def _without(doc: Any, locations: list[tuple[str | int, ...]]) -> Any:
    """`doc` without the fields at `locations`, or None when there are none, or one
    is a list item (leaving it out would move the others)."""
    if not locations or any(not loc or isinstance(loc[-1], int) for loc in locations):
        return None
    pruned = copy.deepcopy(doc)
    try:
        for loc in locations:
            parent = pruned
            for part in loc[:-1]:
                parent = parent[part]
            del parent[loc[-1]]
    except (KeyError, IndexError, TypeError):
        return None
    return pruned


def _rules(obj: pydantic.BaseModel, scope: Scope) -> list[FieldError]:
    if isinstance(obj, Pod):
        return pod_errors(obj.spec, "spec", scope)
    if isinstance(obj, Job):
        return pod_errors(obj.spec.template.spec, "spec.template.spec", scope)
    if isinstance(obj, ConfigMap):
        errors = _keys(obj.data, "data") + _keys(obj.binary_data, "binaryData")
        errors += _base64(obj.binary_data, "binaryData")
        errors += [
            FieldError(f"binaryData.{key}", f'key "{key}" is also in data')
            for key in obj.binary_data
            if key in obj.data
        ]
        return errors
    if isinstance(obj, Secret):
        errors = _keys(obj.data, "data") + _keys(obj.string_data, "stringData")
        return errors + _base64(obj.data, "data")
    if isinstance(obj, PersistentVolumeClaim) and obj.spec.resources is not None:
        return resources_errors(obj.spec.resources, "spec.resources", scope)
    return t9k_errors(obj, scope)


def _keys(data: dict[str, str], field: str) -> list[FieldError]:
    """Each key becomes a file name when the object is mounted."""
    return [
        FieldError(f"{field}.{key}", f'invalid key "{key}": {reason}')
        for key in data
        for reason in config_key_errors(key)
    ]


def _base64(data: dict[str, str], field: str) -> list[FieldError]:
    errors = []
    for key, value in data.items():
        try:
            base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            errors.append(
                FieldError(
                    f"{field}.{key}",
                    "must be base64 (standard alphabet, with padding); "
                    "plain text goes in stringData"
                    if field == "data"
                    else "must be base64 (standard alphabet, with padding)",
                )
            )
    return errors


def host_path_errors(doc: Any, scope: Scope = LITERAL) -> list[FieldError]:
    """A `hostPath` in any volume of any pod spec inside `doc`, found by shape."""
    if scope.policy.allow_host_path:
        return []
    return [FieldError(format_path(loc), HOST_PATH_REFUSED) for loc in _host_paths(doc)]


def _host_paths(doc: Any) -> Iterator[tuple[str | int, ...]]:
    stack: list[tuple[tuple[str | int, ...], Any]] = [((), doc)]
    while stack:
        loc, value = stack.pop()
        if isinstance(value, dict):
            volumes = value.get("volumes")
            if isinstance(volumes, list):
                for i, volume in enumerate(volumes):
                    if isinstance(volume, dict) and "hostPath" in volume:
                        yield (*loc, "volumes", i, "hostPath")
            stack.extend(((*loc, k), v) for k, v in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend(((*loc, i), v) for i, v in reversed(list(enumerate(value))))


__all__ = ["host_path_errors", "object_errors"]
