"""Kubernetes resource quantities: `100Mi`, `1G`, `500m`, `2`, `1e3`.

A quantity is a decimal number followed by at most one suffix: a binary
multiple (`Ki` `Mi` `Gi` `Ti` `Pi` `Ei`, powers of 1024), a decimal one (`n` `u`
`m` `k` `M` `G` `T` `P` `E`, powers of 1000) or an exponent (`e3`, `E-2`).
"""

from __future__ import annotations

import re
from decimal import ROUND_CEILING, Decimal, localcontext

__all__ = ["MAX_BYTES", "memory_bytes", "parse_quantity"]

MAX_BYTES = 2**63 - 1
"""The largest memory amount Kubernetes can represent."""

_SUFFIXES: dict[str, Decimal] = {
    "Ki": Decimal(1024) ** 1,
    "Mi": Decimal(1024) ** 2,
    "Gi": Decimal(1024) ** 3,
    "Ti": Decimal(1024) ** 4,
    "Pi": Decimal(1024) ** 5,
    "Ei": Decimal(1024) ** 6,
    "n": Decimal("1e-9"),
    "u": Decimal("1e-6"),
    "m": Decimal("1e-3"),
    "": Decimal(1),
    "k": Decimal("1e3"),
    "M": Decimal("1e6"),
    "G": Decimal("1e9"),
    "T": Decimal("1e12"),
    "P": Decimal("1e15"),
    "E": Decimal("1e18"),
}
_SUFFIX_NAMES = ", ".join(s for s in _SUFFIXES if s)
_QUANTITY = re.compile(r"([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(.*)", re.DOTALL)
# An exponent needs digits after e/E; a lone `E` is the exa suffix.
_EXPONENT = re.compile(r"[eE]([+-]?[0-9]+)")
_MAX_EXPONENT = 100


def parse_quantity(text: str) -> Decimal:
    """The exact value of `text`; raises ValueError naming the quantity and the reason."""
    if text == "":
        raise ValueError('invalid quantity "": empty')
    match = _QUANTITY.fullmatch(text)
    if match is None:
        raise ValueError(f'invalid quantity "{text}": must start with a number')
    number, suffix = Decimal(match.group(1)), match.group(2)
    # Enough digits for the number times the largest multiplier, so no rounding.
    with localcontext(prec=len(text) + 30, Emax=1000, Emin=-1000):
        if suffix in _SUFFIXES:
            return number * _SUFFIXES[suffix]
        exponent = _EXPONENT.fullmatch(suffix)
        if exponent is not None:
            power = int(exponent.group(1))
            if abs(power) > _MAX_EXPONENT:
                raise ValueError(
                    f'invalid quantity "{text}": exponent {power} is out of range'
                    f" (-{_MAX_EXPONENT} to {_MAX_EXPONENT})"
                )
            return number.scaleb(power)
    raise ValueError(
        f'invalid quantity "{text}": unknown suffix "{suffix}"'
        f" (use {_SUFFIX_NAMES}, or an exponent such as e3)"
    )


def memory_bytes(text: str) -> int:
    """`text` as a whole number of bytes, rounding a fraction of a byte up.

    Raises ValueError for a malformed, negative or too large amount.
    """
    value = parse_quantity(text)
    if value < 0:
        raise ValueError(f'invalid memory "{text}": must not be negative')
    whole = int(value.to_integral_value(rounding=ROUND_CEILING))
    if whole > MAX_BYTES:
        raise ValueError(f'invalid memory "{text}": larger than {MAX_BYTES} bytes')
    return whole
