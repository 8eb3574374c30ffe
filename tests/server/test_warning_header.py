"""`Warning` header values as the server writes them and the HTTP client reads them:
RFC 9110 quoted-strings, one warning each, a bounded number of bounded size."""

from __future__ import annotations

import pytest

from treadle.client.warning_header import (
    MAX_WARNING_CHARS,
    MAX_WARNINGS,
    as_field_warning,
    parse_warning_values,
    warning_value,
    warning_values,
)
from treadle.errors import FieldWarning


def read(values: list[bytes]) -> list[str]:
    return parse_warning_values(v.decode() for v in values)


@pytest.mark.parametrize(
    "text",
    [
        'spec.x: unknown field "a\\b"',
        "metadata.labels: 中文 is kept",
        "ends with a backslash \\",
        'a "quoted", comma, separated text',
    ],
)
def test_a_text_comes_back_as_it_was_sent(text: str) -> None:
    assert read(warning_values([text])) == [text]


def test_quotes_and_backslashes_are_escaped_in_the_quoted_string() -> None:
    assert warning_value('say "hi" \\ bye') == b'299 - "say \\"hi\\" \\\\ bye"'


def test_a_line_break_cannot_end_the_header() -> None:
    value = warning_value("one\r\nInjected: yes\ttab")
    assert b"\r" not in value and b"\n" not in value
    assert read([value]) == ["one  Injected: yes tab"]


def test_a_long_text_is_cut_and_marked() -> None:
    (text,) = read([warning_value("x" * 5000)])
    assert len(text) == MAX_WARNING_CHARS and text.endswith("…")


def test_repeated_warnings_are_sent_once() -> None:
    assert read(warning_values(["a", "b", "a"])) == ["a", "b"]


def test_past_the_limit_one_value_counts_the_rest() -> None:
    texts = [f"w{i}" for i in range(MAX_WARNINGS + 7)]
    shown = read(warning_values(texts))
    assert shown == [*texts[:MAX_WARNINGS], "and 7 more warnings"]


def test_big_warnings_stop_at_the_byte_budget() -> None:
    texts = [f"{i}:" + "y" * 1000 for i in range(MAX_WARNINGS)]
    values = warning_values(texts)
    assert sum(len(v) for v in values[:-1]) <= 8192
    assert read(values[-1:])[0].startswith("and ") and len(values) < MAX_WARNINGS


def test_values_folded_into_one_header_are_all_read() -> None:
    folded = '299 - "first, with a comma", 199 agent "not ours", 299 - "second" "Sat, 01 Jan 2000"'
    assert parse_warning_values([folded]) == ["first, with a comma", "second"]


def test_a_value_that_is_not_a_warning_is_skipped() -> None:
    assert parse_warning_values(["garbage", '299 - "unterminated']) == []


def test_a_text_with_a_field_path_is_a_field_warning_again() -> None:
    assert as_field_warning("spec.params[1].name: not declared") == FieldWarning(
        "spec.params[1].name", "not declared"
    )
    assert as_field_warning("and 3 more warnings") == FieldWarning("", "and 3 more warnings")
