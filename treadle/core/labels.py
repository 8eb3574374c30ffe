"""Kubernetes label selectors: parse `app=web,tier!=db,env in (a,b),!legacy` and
match it against an object's labels; and the rules a label key and value obey.

Grammar (requirements joined by `,`, all must hold; spaces around tokens are free):

| form | holds when |
|---|---|
| `k=v`, `k==v` | label `k` is present and equals `v` (`k=` means the empty value) |
| `k!=v` | `k` is absent, or present with another value |
| `k in (v1,v2)` | `k` is present with one of the values |
| `k notin (v1,v2)` | `k` is absent, or present with none of the values |
| `k` | `k` is present |
| `!k` | `k` is absent |

The empty selector matches everything. Keys and values must be valid label keys
and values, as Kubernetes requires, so a selector that could never match a valid
label set is an error rather than a silent empty list.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum

from treadle.errors import FieldError

from .names import label_value_errors, qualified_name_errors


class Operator(StrEnum):
    EQUALS = "="
    NOT_EQUALS = "!="
    IN = "in"
    NOT_IN = "notin"
    EXISTS = "exists"
    DOES_NOT_EXIST = "!"


@dataclass(frozen=True)
class Requirement:
    """One `key op values` term. `values` has one entry for `=`/`!=`, at least one
    for `in`/`notin`, none for `exists`/`!`."""

    key: str
    operator: Operator
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        present = self.key in labels
        value = labels.get(self.key)
        match self.operator:
            case Operator.EXISTS:
                return present
            case Operator.DOES_NOT_EXIST:
                return not present
            case Operator.EQUALS | Operator.IN:
                return present and value in self.values
            case Operator.NOT_EQUALS | Operator.NOT_IN:
                return not present or value not in self.values
        raise AssertionError(self.operator)  # pragma: no cover - the match is exhaustive

    def __str__(self) -> str:
        match self.operator:
            case Operator.EXISTS:
                return self.key
            case Operator.DOES_NOT_EXIST:
                return f"!{self.key}"
            case Operator.IN | Operator.NOT_IN:
                return f"{self.key} {self.operator} ({','.join(self.values)})"
        return f"{self.key}{self.operator}{self.values[0]}"


@dataclass(frozen=True)
class LabelSelector:
    """All `requirements` must hold. Empty: matches every label set."""

    requirements: tuple[Requirement, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        return all(r.matches(labels) for r in self.requirements)

    @property
    def is_empty(self) -> bool:
        return not self.requirements

    def __str__(self) -> str:
        """The canonical text; parsing it gives an equal selector."""
        return ",".join(str(r) for r in self.requirements)


def selector_from_labels(labels: Mapping[str, str]) -> LabelSelector:
    """The selector `k1=v1,k2=v2,…` (keys sorted) that matches supersets of `labels`."""
    return LabelSelector(
        tuple(Requirement(k, Operator.EQUALS, (labels[k],)) for k in sorted(labels))
    )


def label_field_errors(
    labels: Mapping[str, str], path: str = "metadata.labels"
) -> list[FieldError]:
    """Every invalid key and value in `labels`, reported at `path`."""
    errors: list[FieldError] = []
    for key, value in labels.items():
        if not isinstance(key, str) or not isinstance(value, str):
            errors.append(FieldError(path, f"key {key!r}: keys and values must be strings"))
            continue
        errors += [
            FieldError(path, f'invalid key "{key}": {e}') for e in qualified_name_errors(key)
        ]
        errors += [
            FieldError(path, f'invalid value "{value}" for key "{key}": {e}')
            for e in label_value_errors(value)
        ]
    return errors


# --- parsing ---------------------------------------------------------------------

_SINGLE = "(),"
_SPECIAL = " \t\n\r(),!=<>"


@dataclass(frozen=True)
class _Token:
    text: str  # "" marks the end of input
    start: int
    word: bool  # a key, value or the keywords in / notin

    @property
    def where(self) -> str:
        return f"at column {self.start + 1}"

    def describe(self) -> str:
        return f'"{self.text}"' if self.text else "end of input"


def _tokens(text: str) -> Iterator[_Token]:
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in _SINGLE:
            yield _Token(ch, i, False)
            i += 1
        elif ch in "!=":
            two = text[i : i + 2]
            op = two if two in ("!=", "==") else ch
            yield _Token(op, i, False)
            i += len(op)
        elif ch in "<>":
            yield _Token(ch, i, False)
            i += 1
        else:
            j = i
            while j < len(text) and text[j] not in _SPECIAL:
                j += 1
            yield _Token(text[i:j], i, True)
            i = j
    yield _Token("", len(text), False)


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = list(_tokens(text))
        self.pos = 0

    def fail(self, message: str, token: _Token) -> ValueError:
        return ValueError(f'label selector "{self.text}": {message} {token.where}')

    def peek(self) -> _Token:
        return self.tokens[self.pos]

    def take(self) -> _Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def parse(self) -> LabelSelector:
        if not self.text.strip():
            return LabelSelector()
        requirements = [self.requirement()]
        while self.peek().text == ",":
            self.take()
            requirements.append(self.requirement())
        end = self.peek()
        if end.text:
            raise self.fail(f'expected "," between requirements, found {end.describe()}', end)
        return LabelSelector(tuple(requirements))

    def key(self) -> str:
        token = self.take()
        if not token.word:
            raise self.fail(f"expected a label key, found {token.describe()}", token)
        problems = qualified_name_errors(token.text)
        if problems:
            raise self.fail(f'invalid label key "{token.text}": {problems[0]}', token)
        return token.text

    def value(self) -> str:
        """A value, or "" when the next token ends the value (`k=`, `k in (a,)`)."""
        token = self.peek()
        if not token.word:
            if token.text in ("", ",", ")"):
                return ""
            raise self.fail(f"expected a label value, found {token.describe()}", token)
        self.take()
        problems = label_value_errors(token.text)
        if problems:
            raise self.fail(f'invalid label value "{token.text}": {problems[0]}', token)
        return token.text

    def value_set(self, keyword: _Token) -> tuple[str, ...]:
        opening = self.take()
        if opening.text != "(":
            raise self.fail(
                f'expected "(" after "{keyword.text}", found {opening.describe()}', opening
            )
        if self.peek().text == ")":
            raise self.fail(f'"{keyword.text}" needs at least one value', self.peek())
        values = [self.value()]
        while self.peek().text == ",":
            self.take()
            values.append(self.value())
        closing = self.take()
        if closing.text != ")":
            raise self.fail(f'expected "," or ")", found {closing.describe()}', closing)
        return tuple(dict.fromkeys(values))

    def requirement(self) -> Requirement:
        if self.peek().text == "!":
            self.take()
            return Requirement(self.key(), Operator.DOES_NOT_EXIST)
        key = self.key()
        op = self.peek()
        if op.text in ("", ","):
            return Requirement(key, Operator.EXISTS)
        self.take()
        if op.text in ("=", "=="):
            return Requirement(key, Operator.EQUALS, (self.value(),))
        if op.text == "!=":
            return Requirement(key, Operator.NOT_EQUALS, (self.value(),))
        if op.word and op.text in ("in", "notin"):
            operator = Operator.IN if op.text == "in" else Operator.NOT_IN
            return Requirement(key, operator, self.value_set(op))
        raise self.fail(
            f'expected "=", "==", "!=", "in", "notin" or "," after key "{key}", '
            f"found {op.describe()}",
            op,
        )


def parse_label_selector(text: str) -> LabelSelector:
    """Parse a label selector. Raises ValueError naming the column where it broke,
    e.g. `label selector "env in (a": expected "," or ")", found end of input at
    column 10`."""
    return _Parser(text).parse()


__all__ = [
    "LabelSelector",
    "Operator",
    "Requirement",
    "label_field_errors",
    "parse_label_selector",
    "selector_from_labels",
]
