from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from treadle.core.substitution import (
    REF_PATTERN,
    Reference,
    parse_reference,
    references,
    substitute,
    substitute_tree,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$(params.x)", ["params.x"]),
        ("$(params.learning-rate)", ["params.learning-rate"]),
        ("$(params.pvc_name)", ["params.pvc_name"]),
        ("$(params.Epochs2)", ["params.Epochs2"]),
        ("$(workspaces.data.path)", ["workspaces.data.path"]),
        ("$(results.accuracy.path)", ["results.accuracy.path"]),
        ("$(templates.train.results.acc)", ["templates.train.results.acc"]),
        ("echo $(params.a)-$(params.b)!", ["params.a", "params.b"]),
        ("$(params.a)$(params.a)", ["params.a", "params.a"]),
        ("--dir=$(workspaces.out.path)/model", ["workspaces.out.path"]),
    ],
)
def test_references_finds_recognised_keys(text: str, expected: list[str]) -> None:
    assert references(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "echo $((${OP1}+${OP2}))",
        "$((a+b))",
        "$((params.x))",
        "$(date)",
        "$(cat file)",
        "$(body.x)",
        "$(header.X-Token)",
        "$(params)",
        "$(params.)",
        "$(params.a.b)",
        "$(params.x + 1)",
        "$( params.x)",
        "$(workspaces.data)",
        "$(workspaces.data.mountPath)",
        "$(results.acc)",
        "$(templates.train.acc)",
        "$(templates.train.results)",
        "(params.x)",
        "params.x",
        "$params.x",
        "${params.x}",
    ],
)
def test_references_ignores_unrecognised_forms(text: str) -> None:
    assert references(text) == []


def test_reference_inside_arithmetic_is_still_found() -> None:
    assert references("echo $(( $(params.a) + 1 ))") == ["params.a"]


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("params.x-y", Reference("params", "x-y")),
        ("workspaces.data.path", Reference("workspaces", "data")),
        ("results.acc.path", Reference("results", "acc")),
        ("templates.train.results.acc", Reference("templates", "train", "acc")),
    ],
)
def test_parse_reference_splits_key(key: str, expected: Reference) -> None:
    assert parse_reference(key) == expected


@pytest.mark.parametrize("key", ["date", "params.a.b", "templates.x.results", "body.x"])
def test_parse_reference_rejects_unrecognised_key(key: str) -> None:
    with pytest.raises(ValueError, match="not a recognised reference"):
        parse_reference(key)


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        ("$(params.x)", {"params.x": "1"}, "1"),
        ("lr=$(params.lr);", {"params.lr": "0.1"}, "lr=0.1;"),
        ("$(params.a)/$(params.a)", {"params.a": "z"}, "z/z"),
        ("$(params.a) $(params.b)", {"params.a": "1"}, "1 $(params.b)"),
        ("$(params.x)", {"params.x": ""}, ""),
        ("$(workspaces.w.path)/f", {"workspaces.w.path": "/w"}, "/w/f"),
        ("$(templates.t.results.r)", {"templates.t.results.r": "ok\n"}, "ok\n"),
        ("echo $((${A}+${B}))", {"params.A": "1"}, "echo $((${A}+${B}))"),
        ("$(date) $(params.x)", {"params.x": "1", "date": "no"}, "$(date) 1"),
        ("$((1+$(params.n)))", {"params.n": "2"}, "$((1+2))"),
    ],
)
def test_substitute_replaces_known_references(
    text: str, values: dict[str, str], expected: str
) -> None:
    assert substitute(text, values) == expected


def test_substitute_does_not_expand_a_value_again() -> None:
    values = {"params.x": "$(params.y)", "params.y": "deep"}
    assert substitute("$(params.x)", values) == "$(params.y)"


def test_substitute_keeps_backslashes_in_values_literal() -> None:
    assert substitute("$(params.p)", {"params.p": r"a\1\g<0>"}) == r"a\1\g<0>"


def test_substitute_tree_replaces_strings_at_any_depth() -> None:
    tree = {
        "metadata": {"name": "$(params.job)"},
        "spec": {"args": ["--n", "$(params.n)"], "replicas": 2, "enabled": True, "x": None},
    }
    out = substitute_tree(tree, {"params.job": "train", "params.n": "3"})
    assert out == {
        "metadata": {"name": "train"},
        "spec": {"args": ["--n", "3"], "replicas": 2, "enabled": True, "x": None},
    }


def test_substitute_tree_does_not_mutate_input() -> None:
    tree = {"a": ["$(params.x)", {"b": "$(params.x)"}]}
    substitute_tree(tree, {"params.x": "1"})
    assert tree == {"a": ["$(params.x)", {"b": "$(params.x)"}]}


def test_substitute_tree_leaves_keys_alone() -> None:
    assert substitute_tree({"$(params.k)": "v"}, {"params.k": "K"}) == {"$(params.k)": "v"}


def test_substitute_tree_keeps_tuples_as_tuples() -> None:
    assert substitute_tree(("$(params.x)",), {"params.x": "1"}) == ("1",)


_names = st.from_regex(r"[A-Za-z0-9_-]{1,8}", fullmatch=True)
_keys = st.one_of(
    _names.map(lambda n: f"params.{n}"),
    _names.map(lambda n: f"workspaces.{n}.path"),
    _names.map(lambda n: f"results.{n}.path"),
    st.tuples(_names, _names).map(lambda t: f"templates.{t[0]}.results.{t[1]}"),
)
_texts = st.text(alphabet=st.sampled_from("$()params.x_-{}+ \n"), max_size=40) | st.text()


@given(text=_texts, values=st.dictionaries(_keys, st.text(), max_size=4))
def test_text_without_reference_is_never_changed(text: str, values: dict[str, str]) -> None:
    if REF_PATTERN.search(text) is None:
        assert substitute(text, values) == text


@given(text=_texts)
def test_substitute_with_no_values_is_identity(text: str) -> None:
    assert substitute(text, {}) == text


@given(
    parts=st.lists(st.one_of(_keys.map(lambda k: ("ref", k)), _texts.map(lambda t: ("text", t)))),
    values=st.dictionaries(_keys, _texts, max_size=6),
)
def test_substitution_is_single_pass(parts: list[tuple[str, str]], values: dict[str, str]) -> None:
    # Build a text from literal pieces and references; the expected output is
    # each reference replaced by its value exactly once, whatever the value holds.
    # Literal pieces must not form a reference with their neighbours, so they
    # are kept free of `$`.
    text = ""
    expected = ""
    for kind, piece in parts:
        if kind == "ref":
            text += f"$({piece})"
            expected += values.get(piece, f"$({piece})")
        else:
            literal = piece.replace("$", "")
            text += literal
            expected += literal
    assert substitute(text, values) == expected


@given(key=_keys)
def test_every_generated_key_is_recognised(key: str) -> None:
    assert references(f"x$({key})y") == [key]
