"""Resource rules: field selectors and condition selectors (SPEC §6).

A field selector is a comma-separated list of requirements, all of which must
hold: `status.succeeded > 0, status.phase in (Succeeded, Failed)`.

Grammar (spaces are optional around symbolic operators, required before the
words `in` / `notin`)::

    selector    := requirement ("," requirement)*
    requirement := path op value | path ("in" | "notin") "(" value ("," value)* ")"
    path        := segment ("." segment | "[" digits "]")*
    segment     := [A-Za-z0-9_-]+
    op          := "==" | "=" | "!=" | ">=" | "<=" | ">" | "<"
    value       := bare | '"' (any char, with \\" and \\\\ escaped) '"'
    bare        := one or more chars other than space , ( ) " = ! < >

`=` means `==`. A numeric segment indexes an array (`status.conditions.0.type`,
also written `status.conditions[0].type`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, Literal, NoReturn

from treadle.api.template import Rules

__all__ = [
    "FieldSelector",
    "Requirement",
    "SelectorSyntaxError",
    "condition_matches",
    "parse_field_selector",
    "rules_match",
    "rules_verdict",
]

Operator = Literal["==", "!=", ">", "<", ">=", "<=", "in", "notin"]

# Two-character operators first, so `>=` is not read as `>` then `=`.
_SYMBOLS: tuple[tuple[str, Operator], ...] = (
    ("==", "=="),
    ("!=", "!="),
    (">=", ">="),
    ("<=", "<="),
    ("=", "=="),
    (">", ">"),
    ("<", "<"),
)
_SEGMENT = re.compile(r"[A-Za-z0-9_-]+")
_DIGITS = re.compile(r"[0-9]+")
_BARE = re.compile(r'[^\s,()"=!<>]+')
_WORD = re.compile(r"[A-Za-z0-9_.-]+")
_SET_OP = re.compile(r"(notin|in)(?![A-Za-z0-9_-])")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


class SelectorSyntaxError(ValueError):
    """A field selector that does not parse.

    `position` is the 0-based offset of the offending text; the message gives
    the 1-based column and quotes what was found there, e.g.
    `unexpected ">" at column 19, expected a value`.
    """

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


@dataclass(frozen=True)
class Requirement:
    """One `<path> <op> <values>`; comparison operators carry exactly one value."""

    path: tuple[str, ...]
    operator: Operator
    values: tuple[str, ...]

    def matches(self, obj: Any) -> bool:
        """Whether `obj` satisfies this requirement (see `FieldSelector.matches`)."""
        found = _resolve(obj, self.path)
        text = _as_text(found)
        if text is None:
            return self.operator in ("!=", "notin")
        if self.operator == "in":
            return any(_compare(text, v) == 0 for v in self.values)
        if self.operator == "notin":
            return all(_compare(text, v) != 0 for v in self.values)
        order = _compare(text, self.values[0])
        return {
            "==": order == 0,
            "!=": order != 0,
            ">": order > 0,
            "<": order < 0,
            ">=": order >= 0,
            "<=": order <= 0,
        }[self.operator]

    def __str__(self) -> str:
        path = ".".join(self.path)
        if self.operator in ("in", "notin"):
            return f"{path} {self.operator} ({', '.join(_quote(v) for v in self.values)})"
        return f"{path} {self.operator} {_quote(self.values[0])}"


@dataclass(frozen=True)
class FieldSelector:
    """A parsed field selector: all requirements must hold.

    Matching rules: numbers compare as numbers when both sides parse as numbers,
    otherwise as strings (booleans read as `true` / `false`). A missing or null
    field, or one holding an object or array, satisfies only `!=` and `notin`.
    `str()` gives a canonical form that parses back to an equal selector.
    """

    requirements: tuple[Requirement, ...]

    def matches(self, obj: Any) -> bool:
        return all(r.matches(obj) for r in self.requirements)

    def __str__(self) -> str:
        return ", ".join(str(r) for r in self.requirements)


def parse_field_selector(text: str) -> FieldSelector:
    """Parse `text`; raises SelectorSyntaxError saying where and what broke."""
    return _Parser(text).selector()


def condition_matches(obj: Any, type: str, status: str) -> bool:
    """Whether `obj.status.conditions[]` has an entry with this type and status."""
    conditions = _resolve(obj, ("status", "conditions"))
    if not isinstance(conditions, list):
        return False
    return any(
        isinstance(c, dict) and c.get("type") == type and c.get("status") == status
        for c in conditions
    )


def rules_match(obj: Any, rules: Rules | None) -> bool:
    """Whether `obj` matches a rule set.

    A rule set with both `fieldSelector` and `conditionSelector` matches only
    when both hold: each narrows the other, so a user who wrote both meant both.
    A rule set with neither (or no rule set) matches nothing, so an empty rule
    never ends a run by accident. Raises SelectorSyntaxError for a bad selector.
    """
    if rules is None:
        return False
    checks: list[bool] = []
    if rules.field_selector is not None:
        checks.append(_cached_parse(rules.field_selector).matches(obj))
    if rules.condition_selector is not None:
        cond = rules.condition_selector
        checks.append(condition_matches(obj, cond.type, cond.status))
    return bool(checks) and all(checks)


def rules_verdict(
    obj: Any, success_rules: Rules | None, failure_rules: Rules | None
) -> Literal["succeeded", "failed"] | None:
    """`failed` if the failure rules match (failure wins), else `succeeded` if the
    success rules match, else None (the object is still running)."""
    if rules_match(obj, failure_rules):
        return "failed"
    if rules_match(obj, success_rules):
        return "succeeded"
    return None


@lru_cache(maxsize=256)
def _cached_parse(text: str) -> FieldSelector:
    # The controller re-checks the same few rule strings on every observation.
    return parse_field_selector(text)


def _resolve(obj: Any, path: tuple[str, ...]) -> Any:
    """The value at `path`, or None when any step is missing."""
    current = obj
    for segment in path:
        if isinstance(current, dict):
            if segment not in current:
                return None
            current = current[segment]
        elif isinstance(current, list) and segment.isdigit():
            index = int(segment)
            if index >= len(current):
                return None
            current = current[index]
        else:
            return None
    return current


def _as_text(value: Any) -> str | None:
    """A scalar field as text; None for missing, null, objects and arrays."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    return None


def _number(text: str) -> Decimal | None:
    if not _NUMBER.fullmatch(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern only admits numbers
        return None


def _compare(left: str, right: str) -> int:
    """-1, 0 or 1: numerically when both sides are numbers, else as strings."""
    a, b = _number(left), _number(right)
    if a is not None and b is not None:
        return (a > b) - (a < b)
    return (left > right) - (left < right)


def _quote(value: str) -> str:
    if _BARE.fullmatch(value):
        return value
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


class _Parser:
    """A hand-written scanner, so every error can point at a column."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def selector(self) -> FieldSelector:
        self.skip_spaces()
        if self.at_end():
            raise SelectorSyntaxError("empty field selector", 0)
        requirements = [self.requirement()]
        while True:
            self.skip_spaces()
            if self.at_end():
                return FieldSelector(tuple(requirements))
            if self.peek() != ",":
                self.fail('"," or end of selector')
            self.pos += 1
            self.skip_spaces()
            requirements.append(self.requirement())

    def requirement(self) -> Requirement:
        path = self.path()
        spaced = self.skip_spaces()
        for symbol, operator in _SYMBOLS:
            if self.text.startswith(symbol, self.pos):
                self.pos += len(symbol)
                self.skip_spaces()
                return Requirement(path, operator, (self.value(),))
        word = _SET_OP.match(self.text, self.pos) if spaced else None
        if word is None:
            self.fail("an operator")
        self.pos = word.end()
        set_operator: Operator = "in" if word.group(1) == "in" else "notin"
        return Requirement(path, set_operator, self.value_list())

    def path(self) -> tuple[str, ...]:
        segments = [self.expect(_SEGMENT, "a field path")]
        while not self.at_end():
            if self.peek() == ".":
                self.pos += 1
                segments.append(self.expect(_SEGMENT, "a path segment"))
            elif self.peek() == "[":
                self.pos += 1
                segments.append(str(int(self.expect(_DIGITS, "an array index"))))
                self.expect_char("]")
            else:
                break
        return tuple(segments)

    def value_list(self) -> tuple[str, ...]:
        self.skip_spaces()
        self.expect_char("(")
        values: list[str] = []
        while True:
            self.skip_spaces()
            values.append(self.value())
            self.skip_spaces()
            if not self.at_end() and self.peek() == ",":
                self.pos += 1
                continue
            self.expect_char(")", '"," or ")"')
            return tuple(values)

    def value(self) -> str:
        if self.at_end() or self.peek() != '"':
            return self.expect(_BARE, "a value")
        start = self.pos
        self.pos += 1
        chars: list[str] = []
        while not self.at_end():
            char = self.peek()
            self.pos += 1
            if char == '"':
                return "".join(chars)
            if char == "\\" and not self.at_end():
                char = self.peek()
                self.pos += 1
            chars.append(char)
        raise SelectorSyntaxError(
            f"unterminated quoted value starting at column {start + 1}", start
        )

    def expect(self, pattern: re.Pattern[str], expected: str) -> str:
        match = pattern.match(self.text, self.pos)
        if match is None:
            self.fail(expected)
        self.pos = match.end()
        return match.group(0)

    def expect_char(self, char: str, expected: str | None = None) -> None:
        if self.at_end() or self.peek() != char:
            self.fail(expected or f'"{char}"')
        self.pos += 1

    def skip_spaces(self) -> bool:
        start = self.pos
        while not self.at_end() and self.peek().isspace():
            self.pos += 1
        return self.pos > start

    def peek(self) -> str:
        return self.text[self.pos]

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def fail(self, expected: str) -> NoReturn:
        if self.at_end():
            found = "end of selector"
        else:
            word = _WORD.match(self.text, self.pos)
            token = word.group(0) if word else self.peek()
            found = f"'{token}'" if token == '"' else f'"{token}"'
        raise SelectorSyntaxError(
            f"unexpected {found} at column {self.pos + 1}, expected {expected}", self.pos
        )
