from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from treadle.core.duration import MAX_DURATION, format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("1h30m", 5400.0),
        ("90s", 90.0),
        ("250ms", 0.25),
        ("1.5h", 5400.0),
        ("2us", 2e-6),
        ("2\u00b5s", 2e-6),
        ("2\u03bcs", 2e-6),
        ("300ns", 3e-7),
        ("1h2m3s4ms", 3723.004),
        ("0", 0.0),
        ("0s", 0.0),
        ("+5s", 5.0),
        (".5s", 0.5),
        ("1.s", 1.0),
        ("10m10m", 1200.0),
    ],
)
def test_parse_duration_reads_go_syntax(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("-1s", "must not be negative"),
        ("-0", "must not be negative"),
        ("90", 'missing unit after "90"'),
        ("1h30", 'missing unit after "30"'),
        ("1x", 'unknown unit "x"'),
        ("1d", 'unknown unit "d"'),
        ("1H", 'unknown unit "H"'),
        ("h", 'expected a number at "h"'),
        ("+", "expected a number"),
        ("1h 30m", 'expected a number at " 30m"'),
        (" 1h", 'expected a number at " 1h"'),
        ("1..5s", 'missing unit after "1."'),
    ],
)
def test_parse_duration_rejects_bad_text_with_reason(text: str, reason: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_duration(text)
    assert f'invalid duration "{text}"' in str(caught.value)
    assert reason in str(caught.value)


def test_the_longest_duration_is_go_s() -> None:
    assert parse_duration(MAX_DURATION) == pytest.approx(2**63 / 1e9)


@pytest.mark.parametrize(
    "text", ["2562047h47m16.854775808s", "2562048h", "9999999999999h", "1" + "0" * 400 + "ns"]
)
def test_a_duration_past_go_s_longest_is_refused(text: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_duration(text)
    assert str(caught.value) == (
        f'invalid duration "{text}": longer than the maximum 2562047h47m16.854775807s'
    )


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0s"),
        (0.0004, "0s"),
        (0.25, "250ms"),
        (0.9996, "1s"),
        (1, "1s"),
        (12.34, "12.3s"),
        (59.96, "1m"),
        (90, "1m30s"),
        (3600, "1h"),
        (3605, "1h5s"),
        (5400, "1h30m"),
        (90061, "25h1m1s"),
        (-90, "-1m30s"),
    ],
)
def test_format_duration_is_short(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


@given(seconds=st.floats(min_value=0, max_value=10**7, allow_nan=False))
def test_formatted_duration_parses_back_close(seconds: float) -> None:
    # Display rounds to ms below 1s, to 0.1s below a minute, to 1s above.
    assert parse_duration(format_duration(seconds)) == pytest.approx(seconds, abs=0.5)
