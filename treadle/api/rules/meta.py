"""Rules for object metadata (SPEC §2)."""

from __future__ import annotations

from typing import Any

from ...core.labels import label_field_errors
from ...core.names import dns1123_subdomain_errors, name_field_errors
from ...errors import FieldError


def validate_metadata(meta: Any, *, require_name: bool = True) -> list[FieldError]:
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        return [FieldError("metadata", "must be a mapping")]
    errors = []
    name, prefix = meta.get("name"), meta.get("generateName")
    if name:
        errors += name_field_errors("metadata.name", str(name))
    elif prefix:
        # The prefix itself may end in "-"; what matters is the name it makes.
        errors += [
            FieldError("metadata.generateName", f'invalid prefix "{prefix}": {reason}')
            for reason in dns1123_subdomain_errors(str(prefix) + "x")
        ]
    elif require_name:
        errors.append(FieldError("metadata.name", "name or generateName is required"))
    labels = meta.get("labels")
    if isinstance(labels, dict):
        errors += label_field_errors(labels)
    elif labels is not None:
        errors.append(FieldError("metadata.labels", "must be a mapping of strings"))
    return errors
