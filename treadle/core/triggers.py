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
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from treadle.api.template import ParamValue
from treadle.api.trigger import Filter

__all__ = [
    "EVENT_REF_PATTERN",
    "FilterValueError",
    "extract_params",
    "filter_error",
    "filter_passes",
    "filter_value_problem",
    "lookup_path",
    "parse_bool",
    "parse_filter_value",
    "parse_number",
    "path_error",
    "render_value",
]

EVENT_REF_PATTERN = re.compile(r"\$\(((?:body|header)(?:\.[^()]*)?)\)")
"""`$(body...)` / `$(header...)`; group 1 is the path. No `$()` inside one."""

_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})
_FALSE = frozenset({"0", "f", "F", "FALSE", "false", "False"})
_INDEX = re.compile(r"[0-9]+")
# Go's float literals without their underscores' placement, which
# _underscores_ok checks: a mantissa with at least one digit and at most one
# point, then an exponent whose first character is a digit. A hex mantissa
# needs its `p` exponent.
_DECIMAL = re.compile(r"[+-]?([0-9_]*(?:\.[0-9_]*)?)(?:[eE][+-]?[0-9][0-9_]*)?")
_HEX = re.compile(r"[+-]?0[xX]([0-9a-fA-F_]*(?:\.[0-9a-fA-F_]*)?)[pP][+-]?[0-9][0-9_]*")
_INFINITY = re.compile(r"[+-]?(?:inf|infinity)", re.IGNORECASE)
_NAN = re.compile(r"nan", re.IGNORECASE)

FilterValue = bool | float | str


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
        problem = filter_value_problem(filter_.type, value)
        if problem:
            return problem
    return None


def filter_passes(filter_: Filter, event: Mapping[str, Any]) -> bool:
    """Whether some value at the filter's path equals one of its values.

    The filter's values are read with `parse_filter_value`. A value found in the
    event is read from its JSON text with the same parser, as a Go filter over
    the event's JSON (gjson, as the platform's reference links) does:

    - `bool`: JSON true/false are themselves; a JSON string is read as its text,
      so `"true"` or `"T"` passes a `true` filter as JSON true does (`"tRuE"` and
      `" true"` are no booleans); a JSON number by its text, so 1 and 0 are
      booleans and 42 or 1.5 are none.
    - `number`: a JSON number by its text, so 3 equals the values "3.0", "3e0"
      and "0x1.8p1"; a JSON string by its text, so "7" equals 7; JSON true and
      false are no numbers. NaN equals nothing, as in Go.
    - `string`: a JSON string as it is; any other value as its compact JSON
      (42 equals "42", true equals "true").

    gjson goes further: any number but 0 is true to it, text that is no bool is
    false and text that is no number is 0, so a `false` filter would pass on any
    text. Here a value with no reading as the filter's type matches nothing. A
    JSON null, and an object or array at a bool or number filter, match nothing.
    """
    parsed = (_parsed_or_none(filter_.type, v) for v in filter_.values)
    wanted = [w for w in parsed if w is not None]
    for found in lookup_path(event, filter_.path):
        candidate = _event_value(filter_.type, found)
        # `==`, not `in`: `in` takes the same object as equal, and NaN equals nothing.
        if candidate is not None and any(w == candidate for w in wanted):
            return True
    return False


class FilterValueError(ValueError):
    """A filter value that does not parse as the filter's type; says why."""


def parse_bool(text: str) -> bool:
    """`text` as Go's `strconv.ParseBool` reads it: exactly one of `1 t T TRUE
    true True` or `0 f F FALSE false False`; no other case, no spaces."""
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise FilterValueError(f'"{text}" is not a bool (use true/false, 1/0, t/f)')


def parse_number(text: str) -> float:
    """`text` as Go's `strconv.ParseFloat(text, 64)` reads it.

    Accepted: decimal (`3`, `-2.5`, `.5`, `5.`, `1e3`, `1E-3`) and hexadecimal
    floats, whose `p` exponent is required (`0x1p-2`, `0X1.8P1`); a leading `+`
    or `-`; `inf`, `infinity` (with a sign or not) and `nan`, in any case;
    underscores between digits or after the `0x` prefix (`1_000.5`, `0x_1p0`).
    Nothing else: no spaces, no `1.2.3`, no `0x1` without an exponent. A number
    too large for a 64-bit float is refused, as Go reports it out of range;
    one too small becomes zero, as in Go. The result is rounded to the nearest
    float64, ties to even, as Go rounds."""
    if _INFINITY.fullmatch(text):
        return -math.inf if text.startswith("-") else math.inf
    if _NAN.fullmatch(text):
        return math.nan
    hex_ = _HEX.fullmatch(text)
    decimal = None if hex_ else _DECIMAL.fullmatch(text)
    match = hex_ or decimal
    digits = "0-9a-fA-F" if hex_ else "0-9"
    if (
        match is None
        or not re.search(f"[{digits}]", match.group(1))
        or ("_" in text and not _underscores_ok(text))
    ):
        raise FilterValueError(
            f'"{text}" is not a number (use decimal or hex notation, e.g. 3, -2.5, 1e3, 0x1p-2)'
        )
    plain = text.replace("_", "")
    try:
        value = float.fromhex(plain) if hex_ else float(plain)
    except OverflowError:
        value = math.inf
    if math.isinf(value):
        raise FilterValueError(f'"{text}" is out of range for a 64-bit float')
    return value


def parse_filter_value(type_: str, text: str) -> FilterValue:
    """A filter value read as its filter's `type`: `bool` by `parse_bool`,
    `number` by `parse_number`, `string` as written. Raises FilterValueError."""
    if type_ == "bool":
        return parse_bool(text)
    if type_ == "number":
        return parse_number(text)
    return text


def filter_value_problem(type_: str, text: str) -> str | None:
    """Why `text` is no value of a `type_` filter, e.g. `"yes" is not a bool (use
    true/false, 1/0, t/f)`; None when it is one."""
    try:
        parse_filter_value(type_, text)
    except FilterValueError as err:
        return str(err)
    return None


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


def _underscores_ok(text: str) -> bool:
    """Go's rule for underscores in a number: each one between two digits, or
    between the base prefix and a digit."""
    body = text[1:] if text[:1] in ("+", "-") else text
    hex_ = body[:2].lower() == "0x"
    previous = "digit" if hex_ else "start"
    for char in body[2:] if hex_ else body:
        if char in "0123456789" or (hex_ and char in "abcdefABCDEF"):
            previous = "digit"
        elif char == "_":
            if previous != "digit":
                return False
            previous = "underscore"
        elif previous == "underscore":
            return False
        else:
            previous = "other"
    return previous != "underscore"


def _parsed_or_none(type_: str, text: str) -> FilterValue | None:
    try:
        return parse_filter_value(type_, text)
    except FilterValueError:
        return None  # validation refuses such filters; one stored before matches nothing


def _event_value(type_: str, value: Any) -> FilterValue | None:
    """A value found in the event read as `type_` from its JSON text; None when
    it has no such reading (and for null, which is ignored)."""
    if value is None:
        return None
    if type_ == "string":
        return render_value(value)
    if isinstance(value, dict | list):
        return None
    if type_ == "bool" and isinstance(value, bool):
        return value
    return _parsed_or_none(type_, render_value(value))
