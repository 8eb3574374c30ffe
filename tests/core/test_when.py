from __future__ import annotations

from typing import Literal

import pytest

from treadle.api.template import WhenExpression
from treadle.core.when import evaluate_when, when_holds


def _when(input_: str, operator: Literal["in", "notin"], *values: str) -> WhenExpression:
    return WhenExpression(input=input_, operator=operator, values=list(values))


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        (_when("a", "in", "a", "b"), True),
        (_when("c", "in", "a", "b"), False),
        (_when("c", "notin", "a", "b"), True),
        (_when("a", "notin", "a", "b"), False),
        (_when("", "in", ""), True),
        (_when("", "in", "x"), False),
        (_when("1", "in", "1.0"), False),
        (_when("true", "in", "True"), False),
        (_when("ok\n", "in", "ok"), False),
    ],
)
def test_when_holds_compares_exact_text(expr: WhenExpression, expected: bool) -> None:
    assert when_holds(expr) is expected


def test_no_expressions_let_the_node_run() -> None:
    assert evaluate_when([]) == (True, [])


def test_all_true_expressions_let_the_node_run() -> None:
    exprs = [_when("a", "in", "a"), _when("b", "notin", "a")]
    assert evaluate_when(exprs) == (True, [])


def test_false_expressions_are_returned_in_order() -> None:
    first, ok, second = _when("x", "in", "a"), _when("a", "in", "a"), _when("a", "notin", "a")
    assert evaluate_when([first, ok, second]) == (False, [first, second])


def test_default_input_is_empty_string() -> None:
    expr = WhenExpression.model_validate({"operator": "in", "values": [""]})
    assert evaluate_when([expr]) == (True, [])
