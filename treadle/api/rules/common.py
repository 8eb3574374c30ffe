"""Rules shared by several resources: unique names, paths, durations."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from ...core.duration import parse_duration
from ...errors import FieldError


class Named(Protocol):
    name: str


def unique_names(items: Sequence[Named], path: str, what: str) -> list[FieldError]:
    """`spec.params[1].name: duplicate param name "x"` for every repeat."""
    seen: set[str] = set()
    out = []
    for i, item in enumerate(items):
        if item.name in seen:
            out.append(FieldError(f"{path}[{i}].name", f'duplicate {what} name "{item.name}"'))
        seen.add(item.name)
    return out


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
    if value is None:
        return []
    try:
        parse_duration(value)
    except ValueError as exc:
        return [FieldError(path, f'invalid duration "{value}": {exc}')]
    return []


def non_empty(values: Iterable[object], path: str, what: str = "list") -> list[FieldError]:
    return [] if list(values) else [FieldError(path, f"{what} must not be empty")]
