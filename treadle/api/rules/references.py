"""Every `$(…)` reference in a template must name something the template declares."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...core.substitution import references
from ...errors import FieldError
from ..template import WorkflowTemplateSpec


def strings(obj: Any, path: str, marker: str = "") -> Iterator[tuple[str, str]]:
    """Every string inside `obj` that contains `marker`, with the field path where
    it sits, in document order. Iterative, so deep or wide documents stay cheap."""
    stack: list[tuple[str, Any]] = [(path, obj)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, str):
            if marker in value:
                yield where, value
        elif isinstance(value, dict):
            stack.extend((f"{where}.{k}", v) for k, v in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend((f"{where}[{i}]", v) for i, v in reversed(list(enumerate(value))))


def undeclared_references(
    spec: WorkflowTemplateSpec, path: str, type_: str, field: str, nodes: set[str]
) -> list[FieldError]:
    declared = {
        "params": {p.name for p in spec.params},
        "workspaces": {w.name for w in spec.workspaces},
        "results": {r.name for r in spec.results},
    }
    wire = spec.dump()
    scanned = list(strings(wire.get(field), f"{path}.{field}", "$("))
    if type_ == "DAG":
        scanned += strings(wire.get("results", []), f"{path}.results", "$(")
    out = []
    for where, text in scanned:
        for ref in references(text):
            problem = _check(ref, declared, nodes, type_)
            if problem:
                out.append(FieldError(where, f"{problem} in $({ref})"))
    return out


def _check(ref: str, declared: dict[str, set[str]], nodes: set[str], type_: str) -> str | None:
    parts = ref.split(".")
    head = parts[0]
    if head == "templates":
        if type_ != "DAG":
            return "node results can only be used in a DAG"
        if parts[1] not in nodes:
            return f'unknown node "{parts[1]}"'
        return None
    what = {"params": "param", "workspaces": "workspace", "results": "result"}[head]
    if parts[1] not in declared[head]:
        return f'undeclared {what} "{parts[1]}"'
    return None
