"""Fields an object carries that the API does not define (SPEC §13).

They are kept as written, as the platform keeps them, and reported as warnings
with their path, as `kubectl --validate=warn` reports them (`--strict` makes them
errors). A field is known when its type declares it (typed) or lists it in
`UNTYPED_FIELDS` (a Kubernetes field Treadle does not type). Nothing is reported
under a type whose `REPORT_UNKNOWN` is False (api/base.py)."""

from __future__ import annotations

import difflib
import functools
from typing import Any

from pydantic import BaseModel
from pydantic.alias_generators import to_camel

from ..errors import FieldWarning

KEPT = "kept as written; not part of the API"
UNKNOWN = "unknown field"

_Visit = tuple[str, Any]


def unknown_fields(model: BaseModel, path: str = "") -> list[FieldWarning]:
    """Every field under `model` that no type knows, with its wire path, in the
    order the document has them."""
    out: list[FieldWarning] = []
    stack: list[_Visit | FieldWarning] = [(path, model)]
    while stack:
        item = stack.pop()
        if isinstance(item, FieldWarning):
            out.append(item)
            continue
        where, value = item
        if isinstance(value, BaseModel):
            if getattr(value, "REPORT_UNKNOWN", True):
                stack.extend(reversed(_members(value, where)))
        elif isinstance(value, list):
            stack.extend(
                (f"{where}[{i}]", v)
                for i, v in reversed(list(enumerate(value)))
                if isinstance(v, _CONTAINERS)
            )
        elif isinstance(value, dict):
            stack.extend(
                (_join(where, str(k)), v)
                for k, v in reversed(value.items())
                if isinstance(v, _CONTAINERS)
            )
    return out


_CONTAINERS = (BaseModel, list, dict)
"""What may hold a model; a scalar has no fields to report."""


def _members(model: BaseModel, where: str) -> list[_Visit | FieldWarning]:
    """What there is to see in `model`, in the order its keys were written: each
    typed field's value, and a warning for each field that is neither typed nor
    listed as untyped."""
    wire_of, attr_of = _names(type(model))
    # Read the model's own state directly: this runs for every object of a document.
    values = model.__dict__
    extra = model.__pydantic_extra__ or {}
    written: tuple[str, ...] = (model.__pydantic_private__ or {}).get("_wire_keys", ())
    untyped: frozenset[str] = getattr(model, "UNTYPED_FIELDS", frozenset())
    out: list[_Visit | FieldWarning] = []
    seen: set[str] = set()
    # Fields Python code set, not read from a mapping, follow in declaration order;
    # unset ones hold their defaults, which hold nothing to report.
    unread = model.__pydantic_fields_set__.difference(attr_of.get(k) for k in written)
    later = [wire for attr, wire in wire_of.items() if attr in unread] if unread else []
    for key in (*written, *later, *extra):
        attr = attr_of.get(key)
        if attr is not None:
            if attr not in seen:
                seen.add(attr)
                child = values.get(attr)
                if isinstance(child, _CONTAINERS):
                    out.append((_join(where, wire_of[attr]), child))
        elif key in extra and key not in seen:
            seen.add(key)
            if key not in untyped:
                known = [*wire_of.values(), *sorted(untyped)]
                out.append(FieldWarning(_join(where, key), _unknown(key, known), KEPT))
    return out


@functools.cache
def _names(cls: type[BaseModel]) -> tuple[dict[str, str], dict[str, str]]:
    """Of `cls`: attribute name -> wire name, and either name -> attribute name."""
    wire_of = {name: field.alias or name for name, field in cls.model_fields.items()}
    return wire_of, {**{name: name for name in wire_of}, **{w: n for n, w in wire_of.items()}}


def _unknown(key: str, known: list[str]) -> str:
    """The warning for `key`, naming the known field it most likely meant."""
    camel = to_camel(key)
    if camel != key and camel in known:
        meant: str | None = camel
    else:
        meant = next(iter(difflib.get_close_matches(key, known, n=1, cutoff=0.8)), None)
    return f'{UNKNOWN}; did you mean "{meant}"?' if meant else UNKNOWN


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key
