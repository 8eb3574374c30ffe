"""Kubernetes-style status conditions, updated without I/O (time passed in)."""

from __future__ import annotations

from typing import Any


def set_condition(
    conditions: list[dict[str, Any]],
    type_: str,
    status: str,
    now: str,
    reason: str | None = None,
    message: str | None = None,
) -> list[dict[str, Any]]:
    """A new list with `type_` set; lastTransitionTime moves only when status changes."""
    out = []
    found = False
    for cond in conditions:
        if cond.get("type") != type_:
            out.append(cond)
            continue
        found = True
        changed = cond.get("status") != status
        new = {
            "type": type_,
            "status": status,
            "lastTransitionTime": now if changed else cond.get("lastTransitionTime", now),
        }
        if reason:
            new["reason"] = reason
        if message:
            new["message"] = message
        out.append(new)
    if not found:
        new = {"type": type_, "status": status, "lastTransitionTime": now}
        if reason:
            new["reason"] = reason
        if message:
            new["message"] = message
        out.append(new)
    return out


def get_condition(conditions: list[dict[str, Any]], type_: str) -> dict[str, Any] | None:
    return next((c for c in conditions if c.get("type") == type_), None)
