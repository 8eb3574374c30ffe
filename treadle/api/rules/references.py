"""Every `$(…)` reference in a template must name something the template declares.

Params are the exception (SPEC §4, §13): the platform's own tutorials reference
params they never declare and pass them from a DAG node, so such a reference is a
warning, substituted at run time from whatever the run gives."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...core.substitution import references
from ...errors import FieldError, FieldWarning
from ..template import TYPE_FIELDS, WorkflowTemplateSpec


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


def referencing_strings(
    spec: WorkflowTemplateSpec, type_: str, path: str = "spec"
) -> Iterator[tuple[str, str]]:
    """Every string of the template where substitution applies and that holds a
    `$(`, with its field path: the body of its type, and a DAG's results."""
    field = TYPE_FIELDS.get(type_)
    if field is None:
        return
    wire = spec.dump()
    yield from strings(wire.get(field), f"{path}.{field}", "$(")
    if type_ == "DAG":
        yield from strings(wire.get("results", []), f"{path}.results", "$(")


def param_references(spec: WorkflowTemplateSpec, type_: str) -> list[str]:
    """The names of the params the template references, once each, in order."""
    names: dict[str, None] = {}
    for _, text in referencing_strings(spec, type_):
        for ref in references(text):
            head, _, rest = ref.partition(".")
            if head == "params":
                names[rest] = None
    return list(names)


def undeclared_references(
    spec: WorkflowTemplateSpec, path: str, type_: str, nodes: set[str]
) -> list[FieldError]:
    declared = {
        "params": {p.name for p in spec.params},
        "workspaces": {w.name for w in spec.workspaces},
        "results": {r.name for r in spec.results},
    }
    out: list[FieldError] = []
    for where, text in referencing_strings(spec, type_, path):
        for ref in references(text):
            problem = _check(ref, declared, nodes, type_)
            if problem is None:
                continue
            if ref.startswith("params."):
                out.append(FieldWarning(where, f"{problem} in $({ref})", UNDECLARED_PARAM))
            else:
                out.append(FieldError(where, f"{problem} in $({ref})"))
    return out


UNDECLARED_PARAM = "accepted: a run that gives it has it substituted; otherwise it stays as written"


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
