"""Go duration syntax, as used by `timeout` (SPEC §2, §5).

A duration is a sequence of decimal numbers, each with a unit: `1h30m`, `90s`,
`250ms`, `1.5h`, `2us`. Units: `ns`, `us` (or `µs`), `ms`, `s`, `m`, `h`. A bare
`0` is allowed; any other number needs a unit. Timeouts cannot be negative, so a
leading `-` is rejected. As in Go, a duration is a 64-bit count of nanoseconds,
so nothing longer than `MAX_DURATION` (about 292 years) exists.
"""

from __future__ import annotations

import re
from decimal import Decimal

__all__ = ["MAX_DURATION", "MAX_DURATION_NANOSECONDS", "format_duration", "parse_duration"]

MAX_DURATION_NANOSECONDS = 2**63 - 1
MAX_DURATION = "2562047h47m16.854775807s"
"""Go's `time.Duration` maximum, as Go prints it."""

_NANOSECONDS: dict[str, int] = {
    "ns": 1,
    "us": 10**3,
    "\u00b5s": 10**3,  # micro sign, as Go accepts
    "\u03bcs": 10**3,  # Greek mu, as Go accepts
    "ms": 10**6,
    "s": 10**9,
    "m": 60 * 10**9,
    "h": 3600 * 10**9,
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
    # Exact decimal nanoseconds, so the limit is Go's to the last digit.
    total = Decimal(0)
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
        if unit not in _NANOSECONDS:
            raise ValueError(
                f'invalid duration "{text}": unknown unit "{unit}" (use ns, us, ms, s, m or h)'
            )
        total += Decimal(number) * _NANOSECONDS[unit]
        if total > MAX_DURATION_NANOSECONDS:
            raise ValueError(f'invalid duration "{text}": longer than the maximum {MAX_DURATION}')
        pos = match.end()
    return float(total) / 1e9


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
