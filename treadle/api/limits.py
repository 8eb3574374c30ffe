"""How big and how deep one object may be (docs/admission.md).

Both limits hold for every face: files read by the CLI, request bodies of the
server, and what admission stores. They come before any other check, so an
oversized document costs one serialisation, not a validation of every field.
"""

from __future__ import annotations

import json
from typing import Any

from ..errors import FieldError

MIB = 1024 * 1024
MAX_OBJECT_BYTES = 3 * MIB
"""The largest object, as compact JSON; also the largest API request body. As a
Kubernetes API server's request limit: a template or run is kilobytes."""
MAX_OBJECT_SIZE = "3 MiB"
MAX_DEPTH = 100
"""The deepest nesting of mappings and lists. The deepest real documents (a job
template's pod affinity) reach about 20; a deeper one only makes every recursive
reader (copying, serialising, validating) fail."""


def too_large(size: int) -> FieldError:
    return FieldError(
        "", f"the object is {size} bytes; at most {MAX_OBJECT_SIZE} ({MAX_OBJECT_BYTES} bytes)"
    )


def too_deep() -> FieldError:
    return FieldError("", f"the object is nested more than {MAX_DEPTH} levels deep")


def depth_of(obj: Any) -> int:
    """How deeply mappings and lists nest in `obj` (a scalar is 0). Iterative, and
    stops counting once past MAX_DEPTH."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(obj, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        depth += 1
        deepest = max(deepest, depth)
        if depth > MAX_DEPTH:
            return depth
        stack.extend((child, depth) for child in children)
    return deepest


def serialized_size(obj: Any) -> int:
    """Bytes of `obj` as compact UTF-8 JSON, as the store keeps it."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=str, skipkeys=True)
    return len(text.encode("utf-8", errors="surrogatepass"))


def limit_errors(obj: Any) -> list[FieldError]:
    """Why `obj` is too deep or too large to admit, or []."""
    if depth_of(obj) > MAX_DEPTH:
        return [too_deep()]
    size = serialized_size(obj)
    return [too_large(size)] if size > MAX_OBJECT_BYTES else []


__all__ = [
    "MAX_DEPTH",
    "MAX_OBJECT_BYTES",
    "MAX_OBJECT_SIZE",
    "depth_of",
    "limit_errors",
    "serialized_size",
    "too_deep",
    "too_large",
]
