"""Turn pydantic's structural errors into our field-path errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pydantic

from ..errors import FieldError, format_path
from .base import PYTHON_NAME_ERROR


def _describe(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "null"
    return repr(value)


_EXPECTED = {
    "int_type": "an integer",
    "int_from_float": "an integer",
    "bool_type": "true or false",
    "string_type": "a string",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
}
"""What a value of the wrong type should have been, said as a YAML user says it."""


def _message(err: Any) -> str:
    kind = err["type"]
    given = err.get("input")
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == PYTHON_NAME_ERROR:
        return str(err["msg"])
    if kind in _EXPECTED:
        return f"must be {_EXPECTED[kind]}, got {_describe(given)}"
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        return f"unsupported value {_describe(given)}: must be one of {expected}"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        return f"{err['msg'].lower()}, got {_describe(given)}"
    return f"{err['msg'].rstrip('.')}, got {_describe(given)}"


def structural_errors(
    exc: pydantic.ValidationError,
    prefix: tuple[str | int, ...] = (),
    deferred: Callable[[str], bool] | None = None,
) -> list[FieldError]:
    """`deferred(text)` says which text values are judged later (after
    substitution): an error about such a value is left out."""
    out = []
    for err in exc.errors(include_url=False):
        given = err.get("input")
        if deferred is not None and isinstance(given, str) and deferred(given):
            continue
        # Union members and function validators add tags to the location that
        # mean nothing to a user; keep only real field names and indexes.
        loc = [p for p in err["loc"] if isinstance(p, int) or not is_tag(p)]
        out.append(FieldError(format_path((*prefix, *loc)), _message(err)))
    return out


def is_tag(part: str) -> bool:
    """Whether a part of a pydantic location is a type tag, not a field name."""
    return "[" in part or part.startswith("function-") or part in ("str", "int", "bool")
