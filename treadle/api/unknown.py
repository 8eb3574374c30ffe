"""Fields an object carries that the API does not define (SPEC §13).

They are kept as written, as the platform keeps them, and reported as warnings
with their path, as `kubectl --validate=warn` reports them."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from ..errors import FieldWarning
from .base import Open

UNKNOWN = "unknown field (kept as written; not part of the API)"


def unknown_fields(model: BaseModel, path: str = "") -> list[FieldWarning]:
    """Every field under `model` that no type declares, with its wire path."""
    out: list[FieldWarning] = []
    stack: list[tuple[str, Any]] = [(path, model)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, BaseModel):
            if not isinstance(value, Open):
                for key in value.model_extra or {}:
                    out.append(FieldWarning(_join(where, key), UNKNOWN))
            children = [
                (_join(where, field.alias or name), getattr(value, name, None))
                for name, field in type(value).model_fields.items()
            ]
            stack.extend((at, child) for at, child in reversed(children) if child is not None)
        elif isinstance(value, list):
            stack.extend((f"{where}[{i}]", v) for i, v in reversed(list(enumerate(value))))
        elif isinstance(value, dict):
            stack.extend((_join(where, str(k)), v) for k, v in reversed(value.items()))
    return out


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key
