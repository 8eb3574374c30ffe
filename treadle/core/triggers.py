"""Event filters and parameter extraction for WorkflowTriggers (SPEC §8).

An event is the mapping `{"body": <the JSON body>, "header": <the headers>}`.
Headers map a name to a string or to a list of strings (one per value the
request carried); header names match case-insensitively.

Paths are dot-separated segments, read left to right from the event:

- a segment names an object key, or an array index when it is a number;
- `*` matches any run of characters and `?` one character, in keys and indices;
- `\\` makes the next character literal (`body.a\\.b` is key `a.b`).

A path can match several values (wildcards, multi-valued headers);
`lookup_path` returns all of them in document order.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from treadle.api.template import ParamValue
from treadle.api.trigger import Filter

__all__ = [
    "EVENT_REF_PATTERN",
    "extract_params",
    "filter_error",
    "filter_passes",
    "lookup_path",
    "path_error",
    "render_value",
]

EVENT_REF_PATTERN = re.compile(r"\$\(((?:body|header)(?:\.[^()]*)?)\)")
"""`$(body...)` / `$(header...)`; group 1 is the path. No `$()` inside one."""

_TRUE = {"1", "t", "true"}
_FALSE = {"0", "f", "false"}
_INDEX = re.compile(r"[0-9]+")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


@dataclass(frozen=True)
class _Segment:
    literal: str | None  # the key, when the segment has no wildcard
    pattern: re.Pattern[str]
    folded: re.Pattern[str]  # the same, ignoring case (header names)


def lookup_path(data: Any, path: str) -> list[Any]:
    """Every value at `path` in `data`, in order; [] when nothing matches."""
    segments = _parse_path(path)
    if not segments or any(s.literal == "" for s in segments):
        return []
    return list(_walk(data, segments, 0))


def path_error(path: str) -> str | None:
    """Why `path` can never match an event, or None if it is well formed."""
    segments = _parse_path(path)
    if not path:
        return "path is empty"
    if any(s.literal == "" for s in segments):
        return f'path "{path}" has an empty segment'
    first = segments[0].literal
    if first not in ("body", "header"):
        return f'path "{path}" must start with "body" or "header"'
    return None


def filter_error(filter_: Filter) -> str | None:
    """Why a filter is malformed (bad path, value not of its type), or None."""
    problem = path_error(filter_.path)
    if problem:
        return problem
    if not filter_.values:
        return "values must not be empty"
    for value in filter_.values:
        if _parse_as(filter_.type, value) is None:
            return f'value "{value}" is not a {filter_.type}'
    return None


def filter_passes(filter_: Filter, event: Mapping[str, Any]) -> bool:
    """Whether some value at the filter's path equals one of its values.

    Both sides are read as the filter's type: `bool` accepts `true`/`false`
    (also `1`/`0`, `t`/`f`, any case), `number` compares numerically (`1` equals
    `1.0`), `string` compares text, where a non-string value is its compact
    JSON. Filter values that do not parse as the type never match.
    """
    wanted = [_parse_as(filter_.type, v) for v in filter_.values]
    for found in lookup_path(event, filter_.path):
        candidate = _coerce(filter_.type, found)
        if candidate is not None and candidate in wanted:
            return True
    return False


def extract_params(params: list[ParamValue], event: Mapping[str, Any]) -> list[ParamValue]:
    """Copies of `params` with each `$(body...)` / `$(header...)` replaced.

    A missing value (or JSON null) becomes the empty string; objects and arrays
    become compact JSON; several matches become a compact JSON array of them.
    Replacement is single-pass and other references (`$(params.x)`) are kept.
    """

    def replace(match: re.Match[str]) -> str:
        found = lookup_path(event, match.group(1))
        if not found:
            return ""
        return render_value(found[0] if len(found) == 1 else found)

    return [p.model_copy(update={"value": EVENT_REF_PATTERN.sub(replace, p.value)}) for p in params]


def render_value(value: Any) -> str:
    """Event data as a param string: strings as is, null as "", else compact JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _parse_path(path: str) -> list[_Segment]:
    segments: list[_Segment] = []
    regex: list[str] = []
    literal: list[str] = []
    wild = False
    chars = iter(path)

    def close() -> None:
        text = "".join(regex)
        segments.append(
            _Segment(
                None if wild else "".join(literal),
                re.compile(text, re.DOTALL),
                re.compile(text, re.DOTALL | re.IGNORECASE),
            )
        )

    for char in chars:
        if char == "\\":
            char = next(chars, "\\")
            regex.append(re.escape(char))
            literal.append(char)
        elif char == ".":
            close()
            regex, literal, wild = [], [], False
        elif char in "*?":
            regex.append(".*" if char == "*" else ".")
            wild = True
        else:
            regex.append(re.escape(char))
            literal.append(char)
    if path:
        close()
    return segments


def _walk(node: Any, segments: list[_Segment], depth: int) -> Iterator[Any]:
    if depth == len(segments):
        yield node
        return
    segment = segments[depth]
    in_headers = depth == 1 and segments[0].literal == "header"
    for child in _children(node, segment, ignore_case=in_headers):
        if in_headers and isinstance(child, list):
            # A multi-valued header: each value is a match of its own.
            for value in child:
                yield from _walk(value, segments, depth + 1)
        else:
            yield from _walk(child, segments, depth + 1)


def _children(node: Any, segment: _Segment, ignore_case: bool) -> Iterator[Any]:
    pattern = segment.folded if ignore_case else segment.pattern
    if isinstance(node, Mapping):
        if segment.literal is not None and not ignore_case:
            if segment.literal in node:
                yield node[segment.literal]
            return
        for key, value in node.items():
            if isinstance(key, str) and pattern.fullmatch(key):
                yield value
    elif isinstance(node, list):
        if segment.literal is not None:
            if _INDEX.fullmatch(segment.literal) and int(segment.literal) < len(node):
                yield node[int(segment.literal)]
            return
        for index, value in enumerate(node):
            if pattern.fullmatch(str(index)):
                yield value


def _parse_as(type_: str, text: str) -> bool | Decimal | str | None:
    """A filter value read as `type_`; None when it does not parse."""
    if type_ == "bool":
        lowered = text.strip().lower()
        return True if lowered in _TRUE else False if lowered in _FALSE else None
    if type_ == "number":
        if not _NUMBER.fullmatch(text.strip()):
            return None
        try:
            return Decimal(text.strip())
        except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
            return None
    return text


def _coerce(type_: str, value: Any) -> bool | Decimal | str | None:
    """A value found in the event, read as `type_`; None when it cannot be."""
    if type_ == "bool":
        if isinstance(value, bool):
            return value
        return _parse_as("bool", value) if isinstance(value, str) else None
    if type_ == "number":
        if isinstance(value, bool):
            return None
        if isinstance(value, int | float):
            return _parse_as("number", json.dumps(value))
        return _parse_as("number", value) if isinstance(value, str) else None
    return render_value(value) if value is not None else None
