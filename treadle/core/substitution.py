"""Variable substitution: `$(params.x)` and friends (SPEC §4).

Only four reference shapes are recognised; everything else that looks like
`$(...)` (shell arithmetic `$((a+b))`, command substitution `$(date)`, trigger
references `$(body.x)`) is left exactly as written, so templates can carry shell
code unchanged. Substitution is textual and happens once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal, NamedTuple

__all__ = [
    "REF_PATTERN",
    "Reference",
    "parse_reference",
    "references",
    "substitute",
    "substitute_tree",
]

_NAME = r"[A-Za-z0-9_-]+"

REF_PATTERN = re.compile(
    r"\$\(("
    rf"params\.{_NAME}"
    rf"|workspaces\.{_NAME}\.path"
    rf"|results\.{_NAME}\.path"
    rf"|templates\.{_NAME}\.results\.{_NAME}"
    r")\)"
)
"""A recognised reference; group 1 is its key, e.g. `params.learning-rate`.

The pattern demands `$(` immediately followed by one of the four prefixes, so
`$((` (shell arithmetic) can never start a match, and the closing `)` must come
right after the name, so `$(params.x + 1)` is not a reference either.
"""

RefKind = Literal["params", "workspaces", "results", "templates"]


class Reference(NamedTuple):
    """A reference key taken apart.

    `kind` is the first segment, `name` the param/workspace/result/node name, and
    `result` the node's result name (only for `templates.<node>.results.<result>`).
    """

    kind: RefKind
    name: str
    result: str | None = None


def references(text: str) -> list[str]:
    """The keys of the recognised references in `text`, in order, repeats kept."""
    return [m.group(1) for m in REF_PATTERN.finditer(text)]


def parse_reference(key: str) -> Reference:
    """Split a key returned by `references` into its parts.

    Raises ValueError for a key that is not a recognised reference.
    """
    match = REF_PATTERN.fullmatch(f"$({key})")
    if match is None:
        raise ValueError(f"not a recognised reference: {key!r}")
    parts = key.split(".")
    if parts[0] == "params":
        return Reference("params", parts[1])
    if parts[0] == "workspaces":
        return Reference("workspaces", parts[1])
    if parts[0] == "results":
        return Reference("results", parts[1])
    return Reference("templates", parts[1], parts[3])


def substitute(text: str, values: Mapping[str, str]) -> str:
    """Replace each recognised reference whose key is in `values`.

    References to keys not in `values`, and anything not recognised, stay as
    written. Replacement text is never scanned again, so a value that contains
    `$(params.y)` ends up in the output literally.
    """

    def replace(match: re.Match[str]) -> str:
        return values.get(match.group(1), match.group(0))

    return REF_PATTERN.sub(replace, text)


def substitute_tree(obj: Any, values: Mapping[str, str]) -> Any:
    """`substitute` applied to every string value inside nested dicts and lists.

    Returns a new structure; the input is not mutated. Dict keys are not
    substituted (object field names are fixed by their schema); tuples come back
    as tuples; other scalars are returned as they are.
    """
    if isinstance(obj, str):
        return substitute(obj, values)
    if isinstance(obj, dict):
        return {key: substitute_tree(item, values) for key, item in obj.items()}
    if isinstance(obj, list):
        return [substitute_tree(item, values) for item in obj]
    if isinstance(obj, tuple):
        return tuple(substitute_tree(item, values) for item in obj)
    return obj
