from __future__ import annotations

import math
from typing import Any, Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from treadle.api.template import ParamValue
from treadle.api.trigger import Filter
from treadle.api.validate import validate
from treadle.core.triggers import (
    FilterValueError,
    extract_params,
    filter_error,
    filter_passes,
    lookup_path,
    parse_bool,
    parse_number,
    path_error,
    render_value,
)
from treadle.errors import ValidationError

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
        (_filter("body.n", "number", "1", "abc"), '"abc" is not a number'),
        (_filter("body.b", "bool", "yes"), '"yes" is not a bool'),
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


# --- filter values, read as Go's strconv reads them -------------------------------------

GO_BOOLS = {"1": True, "t": True, "T": True, "TRUE": True, "true": True, "True": True}
GO_BOOLS |= {"0": False, "f": False, "F": False, "FALSE": False, "false": False, "False": False}


@pytest.mark.parametrize(("text", "value"), GO_BOOLS.items())
def test_bool_values_are_the_twelve_spellings_of_parse_bool(text: str, value: bool) -> None:
    assert parse_bool(text) is value


@pytest.mark.parametrize("text", ["yes", "no", "TrUe", "fALSE", " true", "true ", "", "2", "on"])
def test_any_other_text_is_not_a_bool(text: str) -> None:
    with pytest.raises(FilterValueError, match="is not a bool"):
        parse_bool(text)


@given(st.text(max_size=6))
def test_a_text_is_a_bool_exactly_when_it_is_one_of_the_twelve(text: str) -> None:
    try:
        value = parse_bool(text)
    except FilterValueError:
        assert text not in GO_BOOLS
    else:
        assert GO_BOOLS[text] is value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("3", 3.0),
        ("+1", 1.0),
        ("-0.1", -0.1),
        (".5", 0.5),
        ("5.", 5.0),
        ("1e3", 1000.0),
        ("1E-3", 0.001),
        ("625e-3", 0.625),
        ("1e-400", 0.0),  # too small is zero, as in Go
        ("0x1p-2", 0.25),
        ("0X1.8P1", 3.0),
        ("-0x1ep-1", -15.0),
        ("0x.1p-2", 0.015625),
        ("0x1fFe2.p0", 131042.0),
        ("1_23.50_0_0e+1_2", 1.235e14),
        ("0x_1_2.3_4_5p+1_2", 74565.0),
        ("1.7976931348623157e308", 1.7976931348623157e308),
        ("inf", math.inf),
        ("+Inf", math.inf),
        ("-inf", -math.inf),
        ("Infinity", math.inf),
        ("-INFINITY", -math.inf),
    ],
)
def test_number_values_read_as_parse_float(text: str, value: float) -> None:
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["nan", "NaN", "NAN"])
def test_nan_is_a_number(text: str) -> None:
    assert math.isnan(parse_number(text))


@pytest.mark.parametrize(
    "text",
    [
        "",
        " 1",
        "1 ",
        "1x",
        "1.1.",
        "1e",
        "1e-",
        ".e-1",
        "e5",
        "+",
        ".",
        "0x",
        "0x1",  # a hex float needs its p exponent
        "0x1e2",
        "1p2",
        "0x1p",
        "_123.5",
        "1__23",
        "123_.5",
        "123._5",
        "123.5e_+12",
        "123.5e+12_",
        "0x__12.3p0",
        "+nan",
        "infinit",
        "infx",
        "ten",
        "1,5",
        "\u0661",  # a digit, but not an ASCII one
    ],
)
def test_any_other_text_is_not_a_number(text: str) -> None:
    with pytest.raises(FilterValueError, match="is not a number"):
        parse_number(text)


@pytest.mark.parametrize("text", ["1e309", "-1e400", "2e308", "0x1p1024", "1" + "0" * 400])
def test_a_number_too_large_for_a_float64_is_out_of_range(text: str) -> None:
    with pytest.raises(FilterValueError, match="out of range"):
        parse_number(text)


@given(st.floats(allow_nan=False))
def test_every_float_s_repr_parses_back_to_itself(x: float) -> None:
    assert parse_number(repr(x)) == x


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_every_float_s_hex_form_parses_back_to_itself(x: float) -> None:
    assert parse_number(x.hex()) == x


@given(st.integers(min_value=-(10**30), max_value=10**30))
def test_underscores_between_digits_do_not_change_a_number(n: int) -> None:
    assert parse_number(f"{n:_}") == parse_number(str(n)) == float(n)


@pytest.mark.parametrize(
    ("filter_values", "problem"),
    [
        (("bool", "yes"), '"yes" is not a bool (use true/false, 1/0, t/f)'),
        (
            ("number", "0x1"),
            '"0x1" is not a number (use decimal or hex notation, e.g. 3, -2.5, 1e3, 0x1p-2)',
        ),
        (("number", "1e400"), '"1e400" is out of range for a 64-bit float'),
    ],
)
def test_filter_error_says_why_a_value_is_not_of_the_type(
    filter_values: tuple[FilterType, str], problem: str
) -> None:
    type_, value = filter_values
    assert filter_error(_filter("body.x", type_, value)) == problem


def _trigger(*filters: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "tensorstack.dev/v1beta1",
        "kind": "WorkflowTrigger",
        "metadata": {"name": "on-push"},
        "spec": {
            "eventSources": [{"eventListenerName": "el", "filters": list(filters)}],
            "workflowRunSpec": {"workflowTemplateRef": "t"},
        },
    }


def test_creation_refuses_a_value_that_is_not_of_its_filter_s_type() -> None:
    doc = _trigger(
        {"path": "body.action", "type": "string", "values": ["opened"]},
        {"path": "body.draft", "type": "bool", "values": ["true", "F", "yes"]},
    )
    with pytest.raises(ValidationError) as raised:
        validate(doc)
    assert [str(c) for c in raised.value.causes] == [
        'spec.eventSources[0].filters[1].values[2]: "yes" is not a bool (use true/false, 1/0, t/f)'
    ]


def test_creation_accepts_every_value_go_accepts() -> None:
    validate(
        _trigger(
            {"path": "body.ok", "type": "bool", "values": ["1", "t", "T", "TRUE", "True"]},
            {"path": "body.n", "type": "number", "values": ["0x1p-2", "-inf", "nan", "1_000"]},
        )
    )


# --- the event's value, read from its JSON text -----------------------------------------


@pytest.mark.parametrize(
    ("found", "flt", "passes"),
    [
        (True, _filter("body.v", "bool", "T"), True),
        (True, _filter("body.v", "bool", "1"), True),
        (False, _filter("body.v", "bool", "False"), True),
        ("true", _filter("body.v", "bool", "true"), True),
        ("T", _filter("body.v", "bool", "TRUE"), True),
        ("tRuE", _filter("body.v", "bool", "true"), False),
        ("yes", _filter("body.v", "bool", "false"), False),
        ("", _filter("body.v", "bool", "false"), False),
        (1, _filter("body.v", "bool", "true"), True),
        (0, _filter("body.v", "bool", "f"), True),
        (42, _filter("body.v", "bool", "true"), False),
        ({"a": 1}, _filter("body.v", "bool", "false"), False),
        (3, _filter("body.v", "number", "3.0"), True),
        (3, _filter("body.v", "number", "0x1.8p1"), True),
        (3.0, _filter("body.v", "number", "3"), True),
        (0.1, _filter("body.v", "number", "1e-1"), True),
        (-0.0, _filter("body.v", "number", "0"), True),
        ("7", _filter("body.v", "number", "7.00"), True),
        ("0x1p-2", _filter("body.v", "number", "0.25"), True),
        ("seven", _filter("body.v", "number", "0"), False),
        (True, _filter("body.v", "number", "1"), False),
        (math.inf, _filter("body.v", "number", "+Inf"), True),
        (math.nan, _filter("body.v", "number", "nan"), False),
        (10**400, _filter("body.v", "number", "1e308"), False),
        (None, _filter("body.v", "string", "null"), False),
        (None, _filter("body.v", "bool", "false"), False),
        (None, _filter("body.v", "number", "0"), False),
        (True, _filter("body.v", "string", "true"), True),
        (3, _filter("body.v", "string", "3.0"), False),
    ],
)
def test_the_event_s_value_is_read_from_its_json_text(
    found: Any, flt: Filter, passes: bool
) -> None:
    assert filter_passes(flt, {"body": {"v": found}, "header": {}}) is passes


def test_a_null_among_matches_is_skipped_and_the_others_still_count() -> None:
    event = {"body": {"items": [{"ok": None}, {"ok": True}]}, "header": {}}
    assert filter_passes(_filter("body.items.*.ok", "bool", "true"), event)


@given(st.floats(allow_nan=False))
def test_a_json_number_passes_the_filter_of_its_own_repr(x: float) -> None:
    assert filter_passes(_filter("body.v", "number", repr(x)), {"body": {"v": x}, "header": {}})


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
