"""Rules shared by several resources: unique names, name shapes, paths, durations."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Protocol

from ...core.duration import parse_duration
from ...core.names import dns1123_label_errors, dns1123_subdomain_errors
from ...errors import FieldError


class Named(Protocol):
    @property
    def name(self) -> str: ...


def unique_names(items: Sequence[Named], path: str, what: str) -> list[FieldError]:
    """`spec.params[1].name: duplicate param name "x"` for every repeat."""
    seen: set[str] = set()
    out = []
    for i, item in enumerate(items):
        if item.name in seen:
            out.append(FieldError(f"{path}[{i}].name", f'duplicate {what} name "{item.name}"'))
        seen.add(item.name)
    return out


_REFERENCE_NAME = re.compile(r"[A-Za-z0-9_-]+")


def reference_names(items: Sequence[Named], path: str, what: str) -> list[FieldError]:
    """Params, workspaces and results are named in `$(…)` references, so their
    names are letters, digits, `-` and `_` (SPEC §4)."""
    return [
        FieldError(
            f"{path}[{i}].name",
            f"invalid {what} name \"{item.name}\": must consist of letters, digits, '-' or '_'",
        )
        for i, item in enumerate(items)
        if not _REFERENCE_NAME.fullmatch(item.name)
    ]


def label_names(items: Sequence[Named], path: str, what: str) -> list[FieldError]:
    """Names that become part of Kubernetes names (containers, DAG nodes): DNS-1123 labels."""
    return [
        FieldError(f"{path}[{i}].name", f'invalid {what} name "{item.name}": {reason}')
        for i, item in enumerate(items)
        for reason in dns1123_label_errors(item.name)
    ]


def template_ref(name: str, path: str) -> list[FieldError]:
    """A `workflowTemplateRef` names a WorkflowTemplate: a DNS-1123 subdomain."""
    if not name:
        return [FieldError(path, "must not be empty")]
    return [
        FieldError(path, f'invalid template name "{name}": {reason}')
        for reason in dns1123_subdomain_errors(name)
    ]


def relative_subpath(sub_path: str | None, path: str) -> list[FieldError]:
    """A subPath must stay inside its volume: relative, with no `..` segment."""
    if sub_path is None:
        return []
    if sub_path.startswith("/"):
        return [FieldError(path, f'must be a relative path, got absolute "{sub_path}"')]
    if ".." in sub_path.split("/"):
        return [FieldError(path, f'must not contain "..", got "{sub_path}"')]
    return []


def duration(value: str | None, path: str) -> list[FieldError]:
    """A Go duration; the parser's message already quotes the value."""
    if value is None:
        return []
    try:
        parse_duration(value)
    except ValueError as exc:
        return [FieldError(path, str(exc))]
    return []


def non_empty(values: Iterable[object], path: str, what: str = "list") -> list[FieldError]:
    return [] if list(values) else [FieldError(path, f"{what} must not be empty")]
