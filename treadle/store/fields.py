"""Field selectors of the list API: `metadata.name=a,status.phase!=Running`.

These are the Kubernetes list filters, not the richer `fieldSelector` of Resource
rules (SPEC §6, `core/`). Only a few fields are selectable, as in Kubernetes:

- every kind: `metadata.name`, `metadata.namespace`, `status.phase`;
- `Event` (v1): also `involvedObject.apiVersion`, `involvedObject.kind`,
  `involvedObject.namespace`, `involvedObject.name`, `involvedObject.uid`,
  `reason` and `type`.

Operators: `=`, `==` (equal) and `!=`. A missing field reads as the empty string,
so `status.phase!=Running` also matches objects without a phase.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..core.labels import parse_label_selector
from ..errors import BadRequest
from .base import Obj

COMMON_FIELDS = frozenset({"metadata.name", "metadata.namespace", "status.phase"})
EVENT_FIELDS = COMMON_FIELDS | {
    "involvedObject.apiVersion",
    "involvedObject.kind",
    "involvedObject.namespace",
    "involvedObject.name",
    "involvedObject.uid",
    "reason",
    "type",
}


@dataclass(frozen=True)
class FieldRequirement:
    field: str
    value: str
    negated: bool = False
    """True for `!=`."""

    def __str__(self) -> str:
        return f"{self.field}{'!=' if self.negated else '='}{self.value}"


def selectable_fields(api_version: str, kind: str) -> frozenset[str]:
    """The fields a list of this kind can be filtered on."""
    return EVENT_FIELDS if (api_version, kind) == ("v1", "Event") else COMMON_FIELDS


def parse_field_selector(
    text: str, fields: frozenset[str] = COMMON_FIELDS
) -> tuple[FieldRequirement, ...]:
    """Parse comma-joined `field op value` terms; `fields` are the ones allowed.

    Raises ValueError saying which term is wrong, e.g.
    `field selector "spec.x=1": field "spec.x" is not supported (supported: …)`.
    """
    if not text.strip():
        return ()
    requirements = []
    for term in text.split(","):
        requirements.append(_parse_term(text, term.strip(), fields))
    return tuple(requirements)


def _parse_term(text: str, term: str, fields: frozenset[str]) -> FieldRequirement:
    def fail(message: str) -> ValueError:
        return ValueError(f'field selector "{text}": {message}')

    if not term:
        raise fail("empty requirement (a stray comma?)")
    for op in ("!=", "==", "="):
        field, found, value = term.partition(op)
        if found:
            break
    else:
        raise fail(f'"{term}" has no operator: use "=", "==" or "!="')
    negated = op == "!="
    field, value = field.strip(), value.strip()
    if field not in fields:
        supported = ", ".join(sorted(fields))
        raise fail(f'field "{field}" is not supported (supported: {supported})')
    if any(ch in value for ch in "=!"):
        raise fail(f'value "{value}" of "{field}" contains an operator')
    return FieldRequirement(field, value, negated)


def object_filter(
    api_version: str,
    kind: str,
    label_selector: str | None,
    field_selector: str | None,
    selectable: frozenset[str] | None = None,
) -> Callable[[Obj], bool]:
    """The list selectors as a predicate on one object; `selectable` the fields
    allowed (default: the kind's). Raises BadRequest."""
    allowed = selectable if selectable is not None else selectable_fields(api_version, kind)
    try:
        labels = parse_label_selector(label_selector or "")
        fields = parse_field_selector(field_selector or "", allowed)
    except ValueError as e:
        raise BadRequest(str(e)) from e

    def matches(obj: Obj) -> bool:
        meta = obj.get("metadata") or {}
        if not labels.matches(meta.get("labels") or {}):
            return False
        return all((_field_value(obj, r.field) == r.value) != r.negated for r in fields)

    return matches


def _field_value(obj: Obj, path: str) -> str:
    node: object = obj
    for part in path.split("."):
        if not isinstance(node, dict):
            return ""
        node = node.get(part)
    return "" if node is None else str(node)


__all__ = [
    "COMMON_FIELDS",
    "EVENT_FIELDS",
    "FieldRequirement",
    "object_filter",
    "parse_field_selector",
    "selectable_fields",
]
