"""Setting a status condition (core/conditions.py), as Kubernetes controllers do."""

from __future__ import annotations

from typing import Any, NamedTuple

import pytest

from treadle.api.meta import Condition
from treadle.core.conditions import set_condition, with_condition

RUNNING_SINCE_T0 = {"type": "Running", "status": "True", "lastTransitionTime": "t0"}
OTHER = {"type": "Other", "status": "Unknown", "lastTransitionTime": "t0"}


class Case(NamedTuple):
    before: list[dict[str, Any]]
    status: Any
    reason: str | None
    message: str | None
    after: list[dict[str, Any]]


CASES = {
    "a new condition is added last": Case(
        [OTHER],
        "True",
        "Started",
        None,
        [OTHER, {**RUNNING_SINCE_T0, "lastTransitionTime": "t1", "reason": "Started"}],
    ),
    "the same status keeps its transition time": Case(
        [RUNNING_SINCE_T0], "True", "Still", None, [{**RUNNING_SINCE_T0, "reason": "Still"}]
    ),
    "a new status moves the transition time, in place": Case(
        [{**RUNNING_SINCE_T0, "reason": "S"}, OTHER],
        "False",
        "Failed",
        "it broke",
        [
            {
                "type": "Running",
                "status": "False",
                "lastTransitionTime": "t1",
                "reason": "Failed",
                "message": "it broke",
            },
            OTHER,
        ],
    ),
    "an empty reason or message is not written": Case(
        [{**RUNNING_SINCE_T0, "reason": "S", "message": "m"}],
        "True",
        None,
        "",
        [RUNNING_SINCE_T0],
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_set_condition(case: Case) -> None:
    after = set_condition(case.before, "Running", case.status, "t1", case.reason, case.message)
    assert after == case.after


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_with_condition_on_typed_conditions(case: Case) -> None:
    typed = [Condition.model_validate(c) for c in case.before]
    after = with_condition(typed, "Running", case.status, "t1", case.reason, case.message)
    assert [c.dump() for c in after] == case.after
