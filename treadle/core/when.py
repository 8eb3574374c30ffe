"""`when` expressions that gate a DAG node (SPEC §3.5)."""

from __future__ import annotations

from collections.abc import Iterable

from treadle.api.template import WhenExpression

__all__ = ["evaluate_when", "when_holds"]


def when_holds(expr: WhenExpression) -> bool:
    """`in`: the input equals one of the values; `notin`: it equals none.

    Comparison is exact string equality: the platform compares text, so `1`
    and `1.0` differ, as do `True` and `true`.
    """
    found = expr.input in expr.values
    return found if expr.operator == "in" else not found


def evaluate_when(exprs: Iterable[WhenExpression]) -> tuple[bool, list[WhenExpression]]:
    """Evaluate already-substituted expressions.

    Returns (whether all hold, the ones that did not, in order). No expressions
    means the node runs.
    """
    failed = [expr for expr in exprs if not when_holds(expr)]
    return not failed, failed
