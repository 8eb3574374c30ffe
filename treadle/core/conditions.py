"""Kubernetes-style status conditions, updated without I/O (time passed in)."""

from __future__ import annotations

from typing import Any

from ..api.meta import Condition, ConditionStatus


def set_condition(
    conditions: list[dict[str, Any]],
    type_: str,
    status: ConditionStatus,
    now: str,
    reason: str | None = None,
    message: str | None = None,
) -> list[dict[str, Any]]:
    """`with_condition` for an object whose status is kept in wire form (a batch/v1
    Job's): a new list with `type_` set; lastTransitionTime moves only when status
    changes."""
    typed = [Condition.model_validate(c) for c in conditions]
    return [c.dump() for c in with_condition(typed, type_, status, now, reason, message)]


def with_condition(
    conditions: list[Condition],
    type_: str,
    status: ConditionStatus,
    now: str,
    reason: str | None = None,
    message: str | None = None,
) -> list[Condition]:
    """A new list with the condition of `type_` replaced in place (or added last);
    lastTransitionTime moves only when status changes, and `reason` and `message`
    are set only when they say something."""
    old = next((c for c in conditions if c.type == type_), None)
    since = now
    if old is not None and old.status == status and old.last_transition_time is not None:
        since = old.last_transition_time
    new = Condition(type=type_, status=status, last_transition_time=since)
    # Assigned, not passed as None: only the fields set are written (`dump()`).
    if reason:
        new.reason = reason
    if message:
        new.message = message
    if old is None:
        return [*conditions, new]
    return [new if c.type == type_ else c for c in conditions]


def get_condition(conditions: list[dict[str, Any]], type_: str) -> dict[str, Any] | None:
    return next((c for c in conditions if c.get("type") == type_), None)
