"""Rules for object metadata (SPEC §2)."""

from __future__ import annotations

from typing import Any

from ...core.labels import label_field_errors
from ...core.names import DNS1123_SUBDOMAIN_MAX_LENGTH, dns1123_subdomain_errors, name_field_errors
from ...errors import FieldError

LABELLED_KINDS = ("WorkflowTemplate", "WorkflowRun", "CronWorkflowRun")
"""Kinds whose names are recorded as label values on the runs and pods they
lead to, so they may be at most 63 characters (SPEC §2)."""


def validate_metadata(
    meta: Any, *, require_name: bool = True, max_name_length: int | None = None
) -> list[FieldError]:
    """`max_name_length` caps `name` (a label value must fit in 63 characters)."""
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        return [FieldError("metadata", "must be a mapping")]
    errors = []
    name, prefix = meta.get("name"), meta.get("generateName")
    if name:
        errors += name_field_errors("metadata.name", str(name))
        if max_name_length is not None and (
            max_name_length < len(str(name)) <= DNS1123_SUBDOMAIN_MAX_LENGTH
        ):
            errors.append(
                FieldError(
                    "metadata.name",
                    f'invalid name "{name}": must be no more than {max_name_length} characters',
                )
            )
    elif prefix:
        # The prefix itself may end in "-"; what matters is the name it makes.
        errors += [
            FieldError("metadata.generateName", f'invalid prefix "{prefix}": {reason}')
            for reason in dns1123_subdomain_errors(str(prefix) + "x")
        ]
    elif require_name:
        errors.append(FieldError("metadata.name", "name or generateName is required"))
    namespace = meta.get("namespace")
    if namespace:
        errors += name_field_errors("metadata.namespace", str(namespace), label=True)
    labels = meta.get("labels")
    if isinstance(labels, dict):
        errors += label_field_errors(labels)
    elif labels is not None:
        errors.append(FieldError("metadata.labels", "must be a mapping of strings"))
    return errors
