from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from treadle.core.quantity import MAX_BYTES, memory_bytes, parse_quantity


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2", "2"),
        ("0", "0"),
        ("+2", "2"),
        ("-2", "-2"),
        (".5", "0.5"),
        ("1.", "1"),
        ("500m", "0.5"),
        ("250u", "0.00025"),
        ("3n", "0.000000003"),
        ("1k", "1000"),
        ("1M", "1000000"),
        ("1G", "1000000000"),
        ("1T", "1e12"),
        ("1P", "1e15"),
        ("1E", "1e18"),
        ("1Ki", "1024"),
        ("100Mi", "104857600"),
        ("1.5Gi", "1610612736"),
        ("1Ti", str(1024**4)),
        ("1Pi", str(1024**5)),
        ("1Ei", str(1024**6)),
        ("1e3", "1000"),
        ("1E3", "1000"),
        ("5e-1", "0.5"),
        ("2e+2", "200"),
        ("123456789012345678901234567890Ki", str(123456789012345678901234567890 * 1024)),
    ],
)
def test_parse_quantity_reads_kubernetes_syntax(text: str, value: str) -> None:
    assert parse_quantity(text) == Decimal(value)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("abc", "must start with a number"),
        ("Mi", "must start with a number"),
        ("100MB", 'unknown suffix "MB"'),
        ("1ki", 'unknown suffix "ki"'),
        ("1 Gi", 'unknown suffix " Gi"'),
        ("1e", 'unknown suffix "e"'),
        ("1e3k", 'unknown suffix "e3k"'),
        ("1e99999", "exponent 99999 is out of range"),
    ],
)
def test_parse_quantity_rejects_bad_text_with_reason(text: str, reason: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_quantity(text)
    assert f'invalid quantity "{text}"' in str(caught.value)
    assert reason in str(caught.value)


@pytest.mark.parametrize(
    ("text", "size"),
    [("100Mi", 104857600), ("1G", 10**9), ("1.5Gi", 1610612736), ("512", 512), ("1500m", 2)],
)
def test_memory_bytes_rounds_fractions_up(text: str, size: int) -> None:
    assert memory_bytes(text) == size


@pytest.mark.parametrize(
    ("text", "reason"),
    [("-1Mi", "must not be negative"), ("1e100", "larger than"), ("8Ei", "larger than")],
)
def test_memory_bytes_rejects_impossible_amounts(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        memory_bytes(text)


def test_memory_bytes_accepts_the_largest_amount() -> None:
    assert memory_bytes(str(MAX_BYTES)) == MAX_BYTES


@given(
    amount=st.integers(min_value=0, max_value=10**6),
    suffix=st.sampled_from(["", "k", "M", "G", "Ki", "Mi", "Gi"]),
)
def test_binary_and_decimal_suffixes_multiply_exactly(amount: int, suffix: str) -> None:
    factor = {"": 1, "k": 10**3, "M": 10**6, "G": 10**9, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30}
    assert memory_bytes(f"{amount}{suffix}") == amount * factor[suffix]
