"""Reading documents (api/documents.py) and the limits every object is held to
(api/limits.py): what a reader refuses before it builds anything, and what it
still takes."""

from __future__ import annotations

from typing import Any

import pytest

from treadle.api.documents import parse_documents, parse_json
from treadle.api.limits import MAX_DEPTH, MAX_OBJECT_BYTES, depth_of, limit_errors
from treadle.errors import BadRequest, ValidationError


def nested(levels: int) -> Any:
    value: Any = 0
    for _ in range(levels):
        value = [value]
    return value


def data(text: str) -> Any:
    (doc,) = parse_documents(text)
    return doc.data


# -- keys given twice ------------------------------------------------------------------


def test_a_repeated_key_names_the_key_and_both_lines() -> None:
    with pytest.raises(BadRequest) as caught:
        parse_documents("a: 1\nb: 2\na: 3\n", "f.yaml")
    assert str(caught.value) == 'f.yaml:3:1: invalid YAML: duplicate key "a" (first at line 1)'


def test_the_same_key_in_two_mappings_is_no_repeat() -> None:
    assert data("a: {name: x}\nb: {name: y}\n") == {"a": {"name": "x"}, "b": {"name": "y"}}


def test_a_key_quoted_differently_is_the_same_key() -> None:
    with pytest.raises(BadRequest, match='duplicate key "name"'):
        parse_documents("name: a\n'name': b\n")


def test_a_merge_key_may_be_overridden() -> None:
    text = "base: &base {image: ubuntu, name: a}\nstep:\n  <<: *base\n  name: b\n"
    assert data(text)["step"] == {"image": "ubuntu", "name": "b"}


def test_a_repeated_key_in_a_later_document_names_its_own_line() -> None:
    with pytest.raises(BadRequest, match=r"^-:4:1: invalid YAML: duplicate key \"k\""):
        parse_documents("k: 1\n---\nk: 1\nk: 2\n")


# -- aliases and nesting ---------------------------------------------------------------


def test_aliases_that_stay_small_are_read() -> None:
    text = "env: &env [{name: A, value: '1'}]\na: {env: *env}\nb: {env: *env}\n"
    assert data(text)["b"] == {"env": [{"name": "A", "value": "1"}]}


def test_aliases_that_expand_past_the_object_limit_are_refused() -> None:
    chunk = "x" * 1024
    lines = [f"a0: &a0 ['{chunk}', '{chunk}']"]
    lines += [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}]" for i in range(1, 13)]
    with pytest.raises(BadRequest, match="expand it to more than 3 MiB"):
        parse_documents("\n".join(lines))


def test_an_alias_inside_itself_is_refused() -> None:
    with pytest.raises(BadRequest, match="an alias refers to a node it is part of"):
        parse_documents("a: &a {b: *a}\n")


def test_nesting_to_the_limit_is_read_and_past_it_refused() -> None:
    at_limit = "- " * (MAX_DEPTH - 1) + "[x]"
    assert depth_of(data(at_limit)) == MAX_DEPTH
    with pytest.raises(BadRequest, match=f"nested more than {MAX_DEPTH} levels deep"):
        parse_documents("- " * MAX_DEPTH + "[x]")


# -- JSON bodies -----------------------------------------------------------------------


def test_json_is_read() -> None:
    assert parse_json(b'{"a": [1, {"b": null}]}') == {"a": [1, {"b": None}]}


def test_a_repeated_json_key_is_named_with_its_path() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_json('{"spec": {"params": [{"name": "a", "name": "b"}]}}')
    assert str(caught.value) == 'spec.params[0]: duplicate key "name"'


def test_a_repeated_json_key_at_the_top_is_named() -> None:
    with pytest.raises(ValidationError, match=r'^duplicate key "kind"$'):
        parse_json('{"kind": "Pod", "kind": "Secret"}')


@pytest.mark.parametrize("text", ['{"a": NaN}', '{"a": Infinity}', '{"a": 1', ""])
def test_what_is_not_json_is_a_bad_request(text: str) -> None:
    with pytest.raises(BadRequest, match="invalid JSON"):
        parse_json(text)


def test_json_nested_past_the_limit_is_a_bad_request() -> None:
    with pytest.raises(BadRequest, match="nested more than"):
        parse_json("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))


# -- limits ----------------------------------------------------------------------------


def test_depth_counts_mappings_and_lists() -> None:
    assert [depth_of(v) for v in ("x", {}, {"a": []}, nested(3))] == [0, 1, 2, 3]


def test_an_object_of_the_largest_size_is_admitted() -> None:
    padding = len('{"k":""}')
    assert limit_errors({"k": "x" * (MAX_OBJECT_BYTES - padding)}) == []


def test_one_byte_more_is_refused_with_its_size() -> None:
    padding = len('{"k":""}')
    (error,) = limit_errors({"k": "x" * (MAX_OBJECT_BYTES - padding + 1)})
    assert (
        str(error) == f"the object is {MAX_OBJECT_BYTES + 1} bytes; at most 3 MiB (3145728 bytes)"
    )


def test_size_counts_utf8_bytes_not_characters() -> None:
    padding = len('{"k":""}')
    (error,) = limit_errors({"k": "é" * ((MAX_OBJECT_BYTES - padding) // 2 + 1)})
    assert "bytes; at most 3 MiB" in str(error)


def test_an_object_nested_past_the_limit_is_refused_before_it_is_measured() -> None:
    (error,) = limit_errors(nested(MAX_DEPTH + 1))
    assert str(error) == f"the object is nested more than {MAX_DEPTH} levels deep"
