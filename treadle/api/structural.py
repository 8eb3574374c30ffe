"""Turn pydantic's structural errors into our field-path errors."""

from __future__ import annotations

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


def _message(err: Any) -> str:
    kind = err["type"]
    given = err.get("input")
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == PYTHON_NAME_ERROR:
        return str(err["msg"])
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        return f"unsupported value {_describe(given)}: must be one of {expected}"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        return f"{err['msg'].lower()}, got {_describe(given)}"
    return f"{err['msg'].rstrip('.')}, got {_describe(given)}"


def structural_errors(
    exc: pydantic.ValidationError, prefix: tuple[str | int, ...] = ()
) -> list[FieldError]:
    out = []
    for err in exc.errors(include_url=False):
        # Union members and function validators add tags to the location that
        # mean nothing to a user; keep only real field names and indexes.
        loc = [p for p in err["loc"] if isinstance(p, int) or not _is_tag(p)]
        out.append(FieldError(format_path((*prefix, *loc)), _message(err)))
    return out


def _is_tag(part: str) -> bool:
    return "[" in part or part.startswith("function-") or part in ("str", "int", "bool")
