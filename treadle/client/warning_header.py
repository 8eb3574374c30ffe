"""Warnings on the wire, as Kubernetes sends them: one `Warning` response header per
warning, `299 - "<text>"` (RFC 9111 §5.5, code 299 "miscellaneous persistent
warning", no agent), the text a quoted-string (RFC 9110 §5.6.4).

The server writes them (server/writes.py), `HttpClient` reads them back. A response
carries at most `MAX_WARNINGS` of them, each at most `MAX_WARNING_CHARS` long, and
then one that says how many more there were: an object with thousands of unknown
fields must not make a response whose headers no client reads (many refuse more
than 16 KiB of them)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..errors import FieldWarning

WARNING_HEADER = "warning"
MISC_PERSISTENT = "299"
MAX_WARNINGS = 20
MAX_WARNING_CHARS = 512
"""Characters of one warning's text; the rest is cut and marked with "…"."""
MAX_WARNING_BYTES = 8192
"""Bytes of all the warning header values of one response."""

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ESCAPED = re.compile(r"\\(.)", re.DOTALL)
# One warning-value: code, agent, quoted text, and an optional quoted date; values
# may be joined with commas in one header (a proxy may fold them).
_VALUE = re.compile(
    r'\s*(?P<code>\d{3})\s+(?P<agent>[^\s"]+)\s+"(?P<text>(?:[^"\\]|\\.)*)"'
    r'(?:\s+"[^"]*")?\s*(?:,|$)',
    re.DOTALL,
)


def warning_value(text: str) -> bytes:
    """The header value of one warning. Control characters (a line break would end
    the header) cannot be written in a quoted-string even escaped: they become
    spaces. The text is UTF-8, as Kubernetes sends it."""
    text = _CONTROL.sub(" ", text)
    if len(text) > MAX_WARNING_CHARS:
        text = text[: MAX_WARNING_CHARS - 1] + "…"
    quoted = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'{MISC_PERSISTENT} - "{quoted}"'.encode()


def warning_values(texts: Iterable[str]) -> list[bytes]:
    """The `Warning` header values of a response: each distinct text once, in order,
    at most MAX_WARNINGS of them and MAX_WARNING_BYTES in all, then one saying how
    many were left out."""
    distinct = list(dict.fromkeys(texts))
    values: list[bytes] = []
    total = 0
    for i, text in enumerate(distinct):
        value = warning_value(text)
        if i == MAX_WARNINGS or total + len(value) > MAX_WARNING_BYTES:
            left_out = len(distinct) - i
            values.append(warning_value(f"and {left_out} more warning{'s' * (left_out > 1)}"))
            break
        values.append(value)
        total += len(value)
    return values


def parse_warning_values(values: Iterable[str]) -> list[str]:
    """The texts of the 299 warnings in `Warning` header values; values that are
    not warnings as this module writes them (another code, bad syntax) are skipped."""
    texts: list[str] = []
    for value in values:
        at = 0
        while at < len(value) and value[at:].strip():
            match = _VALUE.match(value, at)
            if match is None:
                break  # the rest of this header cannot be read as warnings
            if match["code"] == MISC_PERSISTENT:
                texts.append(_ESCAPED.sub(r"\1", match["text"]))
            at = match.end()
    return texts


def as_field_warning(text: str) -> FieldWarning:
    """A warning's text (`path: message`, as `str(FieldWarning)` makes it) as a
    FieldWarning again; text that does not start with a field path is all message."""
    path, sep, message = text.partition(": ")
    if sep and path and not any(c in path for c in ' "'):
        return FieldWarning(path, message)
    return FieldWarning("", text)


__all__ = [
    "MAX_WARNINGS",
    "MAX_WARNING_BYTES",
    "MAX_WARNING_CHARS",
    "WARNING_HEADER",
    "as_field_warning",
    "parse_warning_values",
    "warning_value",
    "warning_values",
]
