from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from treadle.core.labels import (
    LabelSelector,
    Operator,
    Requirement,
    label_field_errors,
    parse_label_selector,
    selector_from_labels,
)

# --- parsing -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("app=web", [Requirement("app", Operator.EQUALS, ("web",))]),
        ("app==web", [Requirement("app", Operator.EQUALS, ("web",))]),
        ("app!=web", [Requirement("app", Operator.NOT_EQUALS, ("web",))]),
        ("env in (a,b)", [Requirement("env", Operator.IN, ("a", "b"))]),
        ("env notin (a)", [Requirement("env", Operator.NOT_IN, ("a",))]),
        ("env in(a, a ,b)", [Requirement("env", Operator.IN, ("a", "b"))]),
        ("legacy", [Requirement("legacy", Operator.EXISTS)]),
        ("!legacy", [Requirement("legacy", Operator.DOES_NOT_EXIST)]),
        ("! legacy", [Requirement("legacy", Operator.DOES_NOT_EXIST)]),
        ("app=", [Requirement("app", Operator.EQUALS, ("",))]),
        ("env in (a,)", [Requirement("env", Operator.IN, ("a", ""))]),
        (
            "batch.tensorstack.dev/workflowRun=run-1",
            [Requirement("batch.tensorstack.dev/workflowRun", Operator.EQUALS, ("run-1",))],
        ),
        (
            " app = web , tier!=db,!x ",
            [
                Requirement("app", Operator.EQUALS, ("web",)),
                Requirement("tier", Operator.NOT_EQUALS, ("db",)),
                Requirement("x", Operator.DOES_NOT_EXIST),
            ],
        ),
        ("in=notin", [Requirement("in", Operator.EQUALS, ("notin",))]),
    ],
)
def test_parse_reads_each_requirement_form(text: str, expected: list[Requirement]) -> None:
    assert parse_label_selector(text) == LabelSelector(tuple(expected))


@pytest.mark.parametrize("text", ["", "   "])
def test_an_empty_selector_has_no_requirements(text: str) -> None:
    assert parse_label_selector(text).is_empty


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("app in (web", 'expected "," or ")", found end of input at column 12'),
        ("app in web", 'expected "(" after "in", found "web" at column 8'),
        ("app in ()", '"in" needs at least one value at column 9'),
        ("app=web,", "expected a label key, found end of input at column 9"),
        (",app", 'expected a label key, found "," at column 1'),
        ("app web", 'expected "=", "==", "!=", "in", "notin" or "," after key "app"'),
        ("app=web db", 'expected "," between requirements, found "db" at column 9'),
        ("app>1", 'found ">" at column 4'),
        ("-app=x", 'invalid label key "-app"'),
        ("app=bad/value", 'invalid label value "bad/value"'),
        ("app=" + "v" * 64, "must be no more than 63 characters"),
        ("!", "expected a label key, found end of input at column 2"),
    ],
)
def test_parse_errors_say_what_was_expected_and_where(text: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_label_selector(text)
    assert message in str(caught.value)
    assert str(caught.value).startswith(f'label selector "{text}": ')


# --- matching ----------------------------------------------------------------------

LABELS = {"app": "web", "tier": "front", "empty": ""}


@pytest.mark.parametrize(
    ("text", "matches"),
    [
        ("", True),
        ("app=web", True),
        ("app=api", False),
        ("missing=x", False),
        ("app!=api", True),
        ("app!=web", False),
        ("missing!=x", True),
        ("tier in (front,back)", True),
        ("tier in (back)", False),
        ("missing in (x)", False),
        ("tier notin (back)", True),
        ("tier notin (front)", False),
        ("missing notin (x)", True),
        ("app", True),
        ("missing", False),
        ("!missing", True),
        ("!app", False),
        ("empty=", True),
        ("empty", True),
        ("app=web,tier=back", False),
        ("app=web,tier=front", True),
    ],
)
def test_matches_applies_each_operator(text: str, matches: bool) -> None:
    assert parse_label_selector(text).matches(LABELS) is matches


def test_selector_from_labels_matches_any_superset() -> None:
    selector = selector_from_labels({"b": "2", "a": "1"})
    assert str(selector) == "a=1,b=2"
    assert selector.matches({"a": "1", "b": "2", "c": "3"})
    assert not selector.matches({"a": "1"})


# --- the canonical text ------------------------------------------------------------

_names = st.from_regex(r"[a-z0-9]([-a-z0-9_.]{0,8}[a-z0-9])?", fullmatch=True)
_prefixes = st.from_regex(r"[a-z0-9]([-a-z0-9]{0,8}[a-z0-9])?", fullmatch=True)
_keys = st.one_of(_names, st.builds(lambda p, n: f"{p}.io/{n}", _prefixes, _names))
_requirements = st.one_of(
    st.builds(lambda k, v: Requirement(k, Operator.EQUALS, (v,)), _keys, _names),
    st.builds(lambda k, v: Requirement(k, Operator.NOT_EQUALS, (v,)), _keys, _names),
    st.builds(
        lambda k, vs: Requirement(k, Operator.IN, tuple(dict.fromkeys(vs))),
        _keys,
        st.lists(_names, min_size=1, max_size=3),
    ),
    st.builds(
        lambda k, vs: Requirement(k, Operator.NOT_IN, tuple(dict.fromkeys(vs))),
        _keys,
        st.lists(_names, min_size=1, max_size=3),
    ),
    st.builds(lambda k: Requirement(k, Operator.EXISTS), _keys),
    st.builds(lambda k: Requirement(k, Operator.DOES_NOT_EXIST), _keys),
)


@given(st.lists(_requirements, max_size=4))
def test_the_text_of_a_selector_parses_back_to_it(requirements: list[Requirement]) -> None:
    selector = LabelSelector(tuple(requirements))
    assert parse_label_selector(str(selector)) == selector


@given(
    st.lists(_requirements, max_size=4),
    st.dictionaries(_keys, _names, max_size=4),
)
def test_a_selector_matches_when_every_requirement_does(
    requirements: list[Requirement], labels: dict[str, str]
) -> None:
    selector = LabelSelector(tuple(requirements))
    assert selector.matches(labels) == all(r.matches(labels) for r in requirements)


# --- validating labels -------------------------------------------------------------


def test_valid_labels_have_no_errors() -> None:
    assert (
        label_field_errors({"app": "web", "batch.tensorstack.dev/workflowRun": "", "a_b": "C.d"})
        == []
    )


def test_invalid_label_keys_and_values_are_reported_at_the_labels_field() -> None:
    errors = label_field_errors({"bad key": "ok", "ok": "bad value"})
    assert [str(e) for e in errors] == [
        'metadata.labels: invalid key "bad key": name part must consist of alphanumeric '
        "characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        'metadata.labels: invalid value "bad value" for key "ok": must consist of alphanumeric '
        "characters, '-', '_' or '.', and must start and end with an alphanumeric character",
    ]
