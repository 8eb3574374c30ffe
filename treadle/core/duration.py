"""Go duration syntax, as used by `timeout` (SPEC §2, §5).

A duration is a sequence of decimal numbers, each with a unit: `1h30m`, `90s`,
`250ms`, `1.5h`, `2us`. Units: `ns`, `us` (or `µs`), `ms`, `s`, `m`, `h`. A bare
`0` is allowed; any other number needs a unit. Timeouts cannot be negative, so a
leading `-` is rejected.
"""

from __future__ import annotations

import re

__all__ = ["format_duration", "parse_duration"]

_UNITS: dict[str, float] = {
    "ns": 1e-9,
    "us": 1e-6,
    "\u00b5s": 1e-6,  # micro sign, as Go accepts
    "\u03bcs": 1e-6,  # Greek mu, as Go accepts
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}
_COMPONENT = re.compile(r"([0-9]+(?:\.[0-9]*)?|\.[0-9]+)([^0-9.\s]*)")


def parse_duration(text: str) -> float:
    """Seconds in `text`; raises ValueError naming the duration and the reason."""
    if text == "":
        raise ValueError('invalid duration "": empty')
    body = text[1:] if text.startswith("+") else text
    if body.startswith("-"):
        raise ValueError(f'invalid duration "{text}": must not be negative')
    if body == "0":
        return 0.0
    if body == "":
        raise ValueError(f'invalid duration "{text}": expected a number')
    total = 0.0
    pos = 0
    while pos < len(body):
        match = _COMPONENT.match(body, pos)
        if match is None:
            raise ValueError(f'invalid duration "{text}": expected a number at "{body[pos:]}"')
        number, unit = match.groups()
        if unit == "":
            raise ValueError(
                f'invalid duration "{text}": missing unit after "{number}"'
                " (use ns, us, ms, s, m or h)"
            )
        if unit not in _UNITS:
            raise ValueError(
                f'invalid duration "{text}": unknown unit "{unit}" (use ns, us, ms, s, m or h)'
            )
        total += float(number) * _UNITS[unit]
        pos = match.end()
    return total


def format_duration(seconds: float) -> str:
    """A short display form that `parse_duration` reads back.

    Under a second: whole milliseconds (`250ms`); under a minute: seconds to
    one decimal (`12.5s`); otherwise whole hours, minutes and seconds with zero
    parts left out (`1h30m`, `1m30s`, `2h5s`). Zero is `0s`.
    """
    if seconds < 0:
        return "-" + format_duration(-seconds)
    millis = round(seconds * 1000)
    if millis < 1000:
        return f"{millis}ms" if millis else "0s"
    tenths = round(seconds, 1)
    if tenths < 60:
        return f"{tenths:g}s"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [(hours, "h"), (minutes, "m"), (secs, "s")]
    return "".join(f"{amount}{unit}" for amount, unit in parts if amount)
