"""Rules shared by several resources: unique names, name shapes, paths, durations."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Protocol

from ...core.duration import parse_duration
from ...core.names import dns1123_label_errors, dns1123_subdomain_errors
from ...errors import FieldError, format_path


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


def nul_characters(doc: object, opaque: Iterable[str] = ()) -> list[FieldError]:
    """Every string (value or key) in `doc` that holds a NUL character. Commands,
    paths and names are C strings to the system, which ends them at the first NUL,
    so what ran would not be what was written. The values of the top-level fields
    in `opaque` are data (a ConfigMap's), not text the system reads."""
    skip = set(opaque)
    out = []
    stack: list[tuple[tuple[str | int, ...], object]] = [((), doc)]
    while stack:
        loc, value = stack.pop()
        if isinstance(value, str):
            if "\0" in value:
                out.append(FieldError(format_path(loc), "must not contain a NUL character"))
        elif isinstance(value, dict):
            for key, item in reversed(value.items()):
                if isinstance(key, str) and "\0" in key:
                    out.append(FieldError(format_path(loc), "a key must not contain NUL"))
                if not (len(loc) == 1 and loc[0] in skip):
                    stack.append(((*loc, key), item))
        elif isinstance(value, list):
            stack.extend(((*loc, i), v) for i, v in reversed(list(enumerate(value))))
    return out
