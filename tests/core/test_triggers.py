from __future__ import annotations

from typing import Any, Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from treadle.api.template import ParamValue
from treadle.api.trigger import Filter
from treadle.core.triggers import (
    extract_params,
    filter_error,
    filter_passes,
    lookup_path,
    path_error,
    render_value,
)

_EVENT: dict[str, Any] = {
    "body": {
        "action": "opened",
        "number": 42,
        "ratio": 0.5,
        "draft": False,
        "label": None,
        "repo": {"name": "treadle", "owner": {"login": "ada"}},
        "commits": [{"id": "a1", "msg": "one"}, {"id": "b2", "msg": "two"}],
        "tags": ["x", "y"],
        "a.b": "dotted",
        "star*": "starred",
        "count": "7",
        "flag": "true",
    },
    "header": {
        "Content-Type": ["application/json"],
        "X-Event": "push",
        "X-Multi": ["one", "two"],
    },
}

# --- lookup ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("body.action", ["opened"]),
        ("body.repo.owner.login", ["ada"]),
        ("body.commits.1.id", ["b2"]),
        ("body.tags.0", ["x"]),
        ("body.tags", [["x", "y"]]),
        ("body.commits.*.id", ["a1", "b2"]),
        ("body.repo.*", ["treadle", {"login": "ada"}]),
        ("body.act?on", ["opened"]),
        ("body.co*", [[{"id": "a1", "msg": "one"}, {"id": "b2", "msg": "two"}], "7"]),
        ("body.a\\.b", ["dotted"]),
        ("body.star\\*", ["starred"]),
        ("body.label", [None]),
        ("body.missing", []),
        ("body.tags.5", []),
        ("body.tags.x", []),
        ("body.action.deeper", []),
        ("body..action", []),
        ("", []),
        ("header.X-Event", ["push"]),
        ("header.x-event", ["push"]),
        ("header.content-type", ["application/json"]),
        ("header.X-Multi", ["one", "two"]),
        ("header.x-*", ["push", "one", "two"]),
    ],
)
def test_lookup_path_returns_every_match(path: str, expected: list[Any]) -> None:
    assert lookup_path(_EVENT, path) == expected


def test_body_keys_are_case_sensitive() -> None:
    assert lookup_path(_EVENT, "body.Action") == []


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        ("", "path is empty"),
        ("body..a", 'path "body..a" has an empty segment'),
        ("body.", "has an empty segment"),
        ("payload.a", 'must start with "body" or "header"'),
        ("*.a", 'must start with "body" or "header"'),
    ],
)
def test_path_error_explains_bad_path(path: str, problem: str) -> None:
    error = path_error(path)
    assert error is not None
    assert problem in error


@pytest.mark.parametrize("path", ["body", "body.a", "header.X-Name", "body.a\\.b.*.c?"])
def test_path_error_accepts_good_path(path: str) -> None:
    assert path_error(path) is None


# --- filters ---------------------------------------------------------------

FilterType = Literal["bool", "number", "string"]


def _filter(path: str, type_: FilterType, *values: str) -> Filter:
    return Filter(path=path, type=type_, values=list(values))


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        (_filter("body.action", "string", "opened"), True),
        (_filter("body.action", "string", "closed", "opened"), True),
        (_filter("body.action", "string", "Opened"), False),
        (_filter("body.number", "number", "42"), True),
        (_filter("body.number", "number", "42.0"), True),
        (_filter("body.number", "number", "4.2e1"), True),
        (_filter("body.number", "number", "41"), False),
        (_filter("body.ratio", "number", ".5"), True),
        (_filter("body.count", "number", "7.00"), True),
        (_filter("body.action", "number", "1"), False),
        (_filter("body.draft", "number", "0"), False),
        (_filter("body.draft", "bool", "false"), True),
        (_filter("body.draft", "bool", "FALSE"), True),
        (_filter("body.draft", "bool", "0"), True),
        (_filter("body.draft", "bool", "true"), False),
        (_filter("body.flag", "bool", "true"), True),
        (_filter("body.number", "bool", "true"), False),
        (_filter("body.number", "string", "42"), True),
        (_filter("body.draft", "string", "false"), True),
        (_filter("body.tags", "string", '["x","y"]'), True),
        (_filter("body.label", "string", ""), False),
        (_filter("body.missing", "string", ""), False),
        (_filter("body.commits.*.id", "string", "b2"), True),
        (_filter("header.x-event", "string", "push"), True),
        (_filter("header.X-Multi", "string", "two"), True),
        (_filter("body.number", "number", "forty-two"), False),
    ],
)
def test_filter_passes_when_a_value_matches(flt: Filter, expected: bool) -> None:
    assert filter_passes(flt, _EVENT) is expected


@pytest.mark.parametrize(
    ("flt", "problem"),
    [
        (_filter("body.n", "number", "1", "abc"), 'value "abc" is not a number'),
        (_filter("body.b", "bool", "yes"), 'value "yes" is not a bool'),
        (_filter("body.s", "string"), "values must not be empty"),
        (_filter("payload.s", "string", "x"), 'must start with "body" or "header"'),
    ],
)
def test_filter_error_explains_bad_filter(flt: Filter, problem: str) -> None:
    error = filter_error(flt)
    assert error is not None
    assert problem in error


def test_filter_error_accepts_good_filter() -> None:
    assert filter_error(_filter("body.n", "number", "1", "-2.5", "3e2")) is None


# --- params ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("$(body.action)", "opened"),
        ("pr-$(body.number)", "pr-42"),
        ("$(body.ratio)", "0.5"),
        ("$(body.draft)", "false"),
        ("$(body.repo)", '{"name":"treadle","owner":{"login":"ada"}}'),
        ("$(body.tags)", '["x","y"]'),
        ("$(body.commits.*.id)", '["a1","b2"]'),
        ("$(body.missing)", ""),
        ("$(body.label)", ""),
        ("$(header.X-Event)", "push"),
        ("$(header.x-event)", "push"),
        ("$(header.Content-Type)", "application/json"),
        ("$(header.X-Multi)", '["one","two"]'),
        ("$(body.repo.name)/$(header.x-event)", "treadle/push"),
        ("$(params.x) $(date)", "$(params.x) $(date)"),
        ("$(body.$(body.action))", "$(body.opened)"),  # no nesting: only the inner one
        ("plain", "plain"),
    ],
)
def test_extract_params_takes_values_from_event(value: str, expected: str) -> None:
    [param] = extract_params([ParamValue(name="p", value=value)], _EVENT)
    assert param == ParamValue(name="p", value=expected)


def test_extract_params_is_single_pass() -> None:
    event = {"body": {"a": "$(body.b)", "b": "no"}, "header": {}}
    [param] = extract_params([ParamValue(name="p", value="$(body.a)")], event)
    assert param.value == "$(body.b)"


def test_extract_params_does_not_mutate_input() -> None:
    params = [ParamValue(name="p", value="$(body.action)")]
    extract_params(params, _EVENT)
    assert params[0].value == "$(body.action)"


def test_extract_params_keeps_order_and_names() -> None:
    params = [ParamValue(name="b", value="1"), ParamValue(name="a", value="$(body.number)")]
    assert [(p.name, p.value) for p in extract_params(params, _EVENT)] == [("b", "1"), ("a", "42")]


@pytest.mark.parametrize(
    ("value", "text"),
    [("s", "s"), (None, ""), (True, "true"), (3, "3"), (1.5, "1.5"), ({"k": "ü"}, '{"k":"ü"}')],
)
def test_render_value_gives_param_text(value: Any, text: str) -> None:
    assert render_value(value) == text


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=10,
)


@given(key=st.text(min_size=1, max_size=8), value=_json)
def test_any_key_can_be_reached_by_escaping(key: str, value: Any) -> None:
    escaped = "".join("\\" + c if c in ".*?\\" else c for c in key)
    assert lookup_path({"body": {key: value}}, f"body.{escaped}") == [value]


@given(body=_json)
def test_star_under_body_matches_every_direct_child(body: Any) -> None:
    expected = (
        list(body.values()) if isinstance(body, dict) else body if isinstance(body, list) else []
    )
    assert lookup_path({"body": body}, "body.*") == expected
