from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from treadle.api.template import ConditionSelector, Rules
from treadle.core.selectors import (
    FieldSelector,
    Operator,
    Requirement,
    SelectorSyntaxError,
    condition_matches,
    parse_field_selector,
    rules_match,
    rules_verdict,
)

# --- parsing ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("status.succeeded>0", [(("status", "succeeded"), ">", ("0",))]),
        (
            "status.succeeded > 0,status.failed == 0",
            [
                (("status", "succeeded"), ">", ("0",)),
                (("status", "failed"), "==", ("0",)),
            ],
        ),
        (
            "status.phase in (Succeeded, Failed),status.workflowTemplateSpec.type == DAG",
            [
                (("status", "phase"), "in", ("Succeeded", "Failed")),
                (("status", "workflowTemplateSpec", "type"), "==", ("DAG",)),
            ],
        ),
        ("metadata.name=job-1", [(("metadata", "name"), "==", ("job-1",))]),
        ("a!=b", [(("a",), "!=", ("b",))]),
        ("a>=1.5", [(("a",), ">=", ("1.5",))]),
        ("a<=-2", [(("a",), "<=", ("-2",))]),
        ("a<3", [(("a",), "<", ("3",))]),
        ("a notin(x,y)", [(("a",), "notin", ("x", "y"))]),
        ("  a  in  (  x  )  ", [(("a",), "in", ("x",))]),
        (
            "status.conditions.0.type == Ready",
            [(("status", "conditions", "0", "type"), "==", ("Ready",))],
        ),
        (
            "status.conditions[0].type==Ready",
            [(("status", "conditions", "0", "type"), "==", ("Ready",))],
        ),
        ('status.message == "a, (b) = c"', [(("status", "message"), "==", ("a, (b) = c",))]),
        ('a == "say \\"hi\\" \\\\"', [(("a",), "==", ('say "hi" \\',))]),
        ('a == ""', [(("a",), "==", ("",))]),
        ("a == in", [(("a",), "==", ("in",))]),
    ],
)
def test_parse_accepts_valid_selector(
    text: str, expected: list[tuple[tuple[str, ...], str, tuple[str, ...]]]
) -> None:
    selector = parse_field_selector(text)
    assert [(r.path, r.operator, r.values) for r in selector.requirements] == expected


@pytest.mark.parametrize(
    ("text", "position", "fragment"),
    [
        ("status.succeeded >> 0", 18, 'unexpected ">" at column 19'),
        ("", 0, "empty field selector"),
        ("   ", 0, "empty field selector"),
        ("a foo 1", 2, 'unexpected "foo" at column 3, expected an operator'),
        ("a=1 b=2", 4, 'unexpected "b" at column 5, expected "," or end of selector'),
        ("a==", 3, "unexpected end of selector at column 4, expected a value"),
        ("a==1,", 5, "unexpected end of selector at column 6, expected a field path"),
        ("a in", 4, 'expected "("'),
        ("a in (x", 7, 'expected "," or ")"'),
        ("a in ()", 6, 'unexpected ")" at column 7, expected a value'),
        ("a.=1", 2, "expected a path segment"),
        ("a[x]==1", 2, "expected an array index"),
        ("a[0==1", 3, 'expected "]"'),
        ("ain(x)", 3, "expected an operator"),
        ("a =! b", 3, 'unexpected "!" at column 4'),
        ("a ! b", 2, 'unexpected "!" at column 3, expected an operator'),
        ('"a" == 1', 0, "unexpected '\"' at column 1"),
        ('a == "open', 5, "unterminated quoted value starting at column 6"),
        ("a == 1)", 6, 'unexpected ")" at column 7'),
    ],
)
def test_parse_error_says_where_it_broke(text: str, position: int, fragment: str) -> None:
    with pytest.raises(SelectorSyntaxError) as caught:
        parse_field_selector(text)
    assert caught.value.position == position
    assert fragment in str(caught.value)


def test_single_equals_parses_as_double_equals() -> None:
    assert parse_field_selector("a=1") == parse_field_selector("a == 1")


def test_bracket_index_equals_dot_index() -> None:
    assert parse_field_selector("a[2].b==x") == parse_field_selector("a.2.b==x")


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("status.succeeded>0", "status.succeeded > 0"),
        ("a=1,b!=2", "a == 1, b != 2"),
        ("a in(x,y)", "a in (x, y)"),
        ("a[0] == 'q'", "a.0 == 'q'"),
        ('a == "x y"', 'a == "x y"'),
        ('a == ""', 'a == ""'),
        ('a == "q\\"uote"', 'a == "q\\"uote"'),
    ],
)
def test_str_prints_canonical_form(text: str, canonical: str) -> None:
    assert str(parse_field_selector(text)) == canonical


# --- matching --------------------------------------------------------------

_JOB: dict[str, Any] = {
    "metadata": {"name": "train-1"},
    "status": {
        "succeeded": 2,
        "failed": 0,
        "ratio": 0.5,
        "phase": "Succeeded",
        "ready": True,
        "empty": None,
        "tags": ["a", "b"],
        "conditions": [
            {"type": "Running", "status": "False"},
            {"type": "Succeeded", "status": "True"},
        ],
    },
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("status.succeeded > 0", True),
        ("status.succeeded > 2", False),
        ("status.succeeded >= 2", True),
        ("status.succeeded < 10", True),  # numeric, though "2" > "10" as strings
        ("status.succeeded <= 1", False),
        ("status.succeeded == 2.0", True),
        ("status.succeeded = 2", True),
        ("status.succeeded != 2", False),
        ("status.ratio == .5", True),
        ("status.ratio > 1e-1", True),
        ("status.failed == 0, status.succeeded > 0", True),
        ("status.failed == 1, status.succeeded > 0", False),
        ("status.phase == Succeeded", True),
        ("status.phase != Failed", True),
        ("status.phase > Failed", True),  # strings compare as strings
        ("status.phase in (Failed, Succeeded)", True),
        ("status.phase notin (Failed, Succeeded)", False),
        ("status.phase notin (Failed)", True),
        ("status.succeeded in (1, 2)", True),
        ("status.ready == true", True),
        ("metadata.name == train-1", True),
        ("status.conditions.1.type == Succeeded", True),
        ("status.tags.0 == a", True),
    ],
)
def test_selector_matches_object(text: str, expected: bool) -> None:
    assert parse_field_selector(text).matches(_JOB) is expected


@pytest.mark.parametrize(
    ("op_and_value", "expected"),
    [
        ("== 0", False),
        ("> 0", False),
        ("< 0", False),
        (">= 0", False),
        ("<= 0", False),
        ("in (0)", False),
        ("!= 0", True),
        ("notin (0)", True),
    ],
)
@pytest.mark.parametrize(
    "path",
    [
        "status.missing",
        "status.empty",
        "nothing.here",
        "status.conditions.9.type",
        "status.phase.deeper",
        "status.tags",
        "status.conditions",
    ],
)
def test_missing_or_non_scalar_field_satisfies_only_negations(
    path: str, op_and_value: str, expected: bool
) -> None:
    assert parse_field_selector(f"{path} {op_and_value}").matches(_JOB) is expected


@pytest.mark.parametrize(
    ("type_", "status", "expected"),
    [
        ("Succeeded", "True", True),
        ("Running", "False", True),
        ("Succeeded", "False", False),
        ("Failed", "True", False),
    ],
)
def test_condition_matches_needs_type_and_status_on_one_entry(
    type_: str, status: str, expected: bool
) -> None:
    assert condition_matches(_JOB, type_, status) is expected


@pytest.mark.parametrize(
    "obj",
    [{}, {"status": None}, {"status": {"conditions": "x"}}, {"status": {"conditions": [1]}}, []],
)
def test_condition_matches_is_false_for_malformed_status(obj: Any) -> None:
    assert condition_matches(obj, "Ready", "True") is False


# --- rules -----------------------------------------------------------------


def _cond(type_: str, status: str = "True") -> ConditionSelector:
    return ConditionSelector(type=type_, status=status)


@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        (None, False),
        (Rules(), False),
        (Rules(field_selector="status.succeeded > 0"), True),
        (Rules(condition_selector=_cond("Succeeded")), True),
        (Rules(field_selector="status.succeeded > 0", condition_selector=_cond("Succeeded")), True),
        (
            Rules(field_selector="status.succeeded > 5", condition_selector=_cond("Succeeded")),
            False,
        ),
        (Rules(field_selector="status.succeeded > 0", condition_selector=_cond("Failed")), False),
    ],
)
def test_rules_match_requires_every_given_selector(rules: Rules | None, expected: bool) -> None:
    assert rules_match(_JOB, rules) is expected


@pytest.mark.parametrize(
    ("success", "failure", "expected"),
    [
        (Rules(condition_selector=_cond("Succeeded")), None, "succeeded"),
        (None, Rules(field_selector="status.failed == 0"), "failed"),
        (
            Rules(condition_selector=_cond("Succeeded")),
            Rules(field_selector="status.phase == Succeeded"),
            "failed",
        ),
        (
            Rules(condition_selector=_cond("Failed")),
            Rules(field_selector="status.failed > 0"),
            None,
        ),
        (None, None, None),
    ],
)
def test_rules_verdict_prefers_failure(
    success: Rules | None, failure: Rules | None, expected: str | None
) -> None:
    assert rules_verdict(_JOB, success, failure) == expected


def test_rules_with_bad_selector_raise_syntax_error() -> None:
    with pytest.raises(SelectorSyntaxError):
        rules_verdict(_JOB, Rules(field_selector="status.x >> 1"), None)


# --- properties ------------------------------------------------------------

_segments = st.from_regex(r"[A-Za-z0-9_-]{1,6}", fullmatch=True)
_paths = st.lists(_segments, min_size=1, max_size=4).map(tuple)
_comparisons: list[Operator] = ["==", "!=", ">", "<", ">=", "<="]


@st.composite
def _requirements(draw: st.DrawFn) -> Requirement:
    path = draw(_paths)
    operator = draw(st.sampled_from([*_comparisons, "in", "notin"]))
    if operator in ("in", "notin"):
        values = tuple(draw(st.lists(st.text(), min_size=1, max_size=3)))
    else:
        values = (draw(st.text()),)
    return Requirement(path, operator, values)


_selectors = st.lists(_requirements(), min_size=1, max_size=4).map(
    lambda rs: FieldSelector(tuple(rs))
)


@given(selector=_selectors)
def test_canonical_form_parses_back_to_equal_selector(selector: FieldSelector) -> None:
    assert parse_field_selector(str(selector)) == selector


@given(text=st.text(alphabet=st.sampled_from(' ab0.[],()=!<>"\\-in'), max_size=30))
def test_any_parsable_text_round_trips_through_canonical_form(text: str) -> None:
    try:
        selector = parse_field_selector(text)
    except SelectorSyntaxError as err:
        assert 0 <= err.position <= len(text)
        return
    assert parse_field_selector(str(selector)) == selector


@given(a=st.integers(), b=st.integers())
def test_integers_compare_numerically(a: int, b: int) -> None:
    obj = {"n": a}
    assert parse_field_selector(f"n > {b}").matches(obj) is (a > b)
    assert parse_field_selector(f"n == {b}").matches(obj) is (a == b)


@given(value=st.text())
def test_equality_holds_for_any_string_value(value: str) -> None:
    selector = FieldSelector((Requirement(("x",), "==", (value,)),))
    assert parse_field_selector(str(selector)).matches({"x": value})
