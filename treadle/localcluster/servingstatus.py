"""What the serving operator decides, from the replica pods it reads back and what
its probe found: which pods to make and remove, when an ended replica is
replaced, and the status the service reports. Pure: pods and times in, a plan
and a status out.

A service keeps serving: a replica that ends, for whatever reason, is replaced by
a new pod of the same name. So that a server that crashes at once does not spin,
the replacement waits a back-off that doubles with each replacement in a row, from
BACKOFF_BASE up to BACKOFF_CAP seconds; a replica that had run STEADY_SECONDS
before it ended starts the count again. Each pod carries the count of
replacements of its replica and of the row it is in (annotations), so the policy
needs no memory of its own and survives a restart of the controller.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ..api.meta import Condition
from ..api.t9k.serving import Address, SimpleMLServiceStatus
from ..controller.context import parse_time, rfc3339
from ..core.conditions import with_condition
from .servingpods import HASH_ANNOTATION, INDEX_LABEL

Obj = dict[str, Any]

BACKOFF_BASE = 1.0
BACKOFF_CAP = 60.0
STEADY_SECONDS = 60.0
RESTARTS_ANNOTATION = "tensorstack.dev/restarts"
"""How many times this replica has been replaced."""
STREAK_ANNOTATION = "tensorstack.dev/restart-streak"
"""Replacements in a row, each after a replica that ran less than STEADY_SECONDS."""


def backoff(streak: int) -> float:
    """Seconds before the `streak`-th replacement in a row (1, 2, …)."""
    return min(BACKOFF_CAP, BACKOFF_BASE * 2.0 ** max(0, streak - 1))


def _count(pod: Obj, key: str) -> int:
    value = ((pod.get("metadata") or {}).get("annotations") or {}).get(key, "0")
    return int(value) if str(value).isdigit() else 0


def _index(pod: Obj) -> int | None:
    value = ((pod.get("metadata") or {}).get("labels") or {}).get(INDEX_LABEL, "")
    return int(value) if str(value).isdigit() else None


def _status(pod: Obj) -> Obj:
    status = pod.get("status")
    return status if isinstance(status, dict) else {}


def _times(pod: Obj) -> tuple[datetime | None, datetime | None]:
    """When the pod's containers started and when the last of them ended."""
    started: list[datetime] = []
    finished: list[datetime] = []
    for c in _status(pod).get("containerStatuses") or []:
        term = (c.get("state") or {}).get("terminated") or {}
        if term.get("startedAt"):
            started.append(parse_time(term["startedAt"]))
        if term.get("finishedAt"):
            finished.append(parse_time(term["finishedAt"]))
    if not started and _status(pod).get("startTime"):
        started.append(parse_time(_status(pod)["startTime"]))
    return (min(started) if started else None, max(finished) if finished else None)


@dataclass(frozen=True)
class Ended:
    """A replica whose pod ended, and when its replacement is due."""

    name: str
    index: int
    what: str
    """What happened, for a message: `exited with code 1`, or why it could not start."""
    how: str
    """`exec`, `setup` or `exit` (see `_what`)."""
    restarts: int
    """Replacements after this one is replaced."""
    streak: int
    delay: float
    due: datetime


def _what(pod: Obj) -> tuple[str, str]:
    """What ended the pod, and how: `exec` (a container's program could not be
    started), `setup` (the kubelet could not set the pod up) or `exit`."""
    status = _status(pod)
    for c in status.get("containerStatuses") or []:
        term = (c.get("state") or {}).get("terminated") or {}
        if term.get("reason") == "StartError":
            return status.get("message") or term.get("message") or "StartError", "exec"
    if status.get("reason") in ("StartError", "InvalidSpec", "CreateContainerConfigError"):
        return str(status.get("message") or status["reason"]), "setup"
    codes = [
        ((c.get("state") or {}).get("terminated") or {}).get("exitCode")
        for c in status.get("containerStatuses") or []
    ]
    failed = [code for code in codes if code not in (None, 0)]
    if failed:
        return f"exited with code {failed[0]}", "exit"
    if status.get("message"):
        return f"ended: {status['message']}", "exit"
    return "exited with code 0", "exit"


def ended(pod: Obj, now: datetime) -> Ended | None:
    """The ended replica `pod` is, or None while it has not ended."""
    if _status(pod).get("phase") not in ("Succeeded", "Failed"):
        return None
    start, finish = _times(pod)
    end = finish or start or now
    ran = (end - start).total_seconds() if start is not None else 0.0
    streak = 1 if ran >= STEADY_SECONDS else _count(pod, STREAK_ANNOTATION) + 1
    delay = backoff(streak)
    what, how = _what(pod)
    return Ended(
        name=pod["metadata"]["name"],
        index=_index(pod) or 0,
        what=what,
        how=how,
        restarts=_count(pod, RESTARTS_ANNOTATION) + 1,
        streak=streak,
        delay=delay,
        due=end + timedelta(seconds=delay),
    )


@dataclass
class Plan:
    """What to do with the replicas this pass."""

    delete: list[str] = field(default_factory=list)
    """Pods to remove: beyond `replicas`, of an older spec, or ended and due."""
    create: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    """Replicas to make: (index, annotations)."""
    waiting: list[Ended] = field(default_factory=list)
    """Ended replicas whose back-off has not run out."""
    again: float | None = None
    """Seconds until the next replacement is due."""


def plan_replicas(wanted: int, spec_hash: str, pods: list[Obj], now: datetime) -> Plan:
    """The pods to delete and create so that replicas 0..wanted-1 each have a pod of
    the current spec, the ended ones replaced once their back-off ran out."""
    plan = Plan()
    by_index: dict[int, Obj] = {}
    for pod in sorted(pods, key=lambda p: p["metadata"]["name"]):
        index = _index(pod)
        if index is None or index >= wanted or index in by_index:
            plan.delete.append(pod["metadata"]["name"])
        else:
            by_index[index] = pod
    for index in range(wanted):
        if index not in by_index:
            plan.create.append((index, {}))
            continue
        pod = by_index[index]
        annotations = (pod.get("metadata") or {}).get("annotations") or {}
        if annotations.get(HASH_ANNOTATION) != spec_hash:
            # A new spec: replaced at once, as a rollout would, and counted afresh.
            plan.delete.append(pod["metadata"]["name"])
            plan.create.append((index, {}))
            continue
        gone = ended(pod, now)
        if gone is None:
            continue
        left = (gone.due - now).total_seconds()
        if left > 0:
            plan.waiting.append(gone)
            plan.again = left if plan.again is None else min(plan.again, left)
            continue
        plan.delete.append(gone.name)
        plan.create.append(
            (
                index,
                {RESTARTS_ANNOTATION: str(gone.restarts), STREAK_ANNOTATION: str(gone.streak)},
            )
        )
    return plan


# -- the status ---------------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    """What the status is made from, besides the pods."""

    wanted: int
    address: Address | None
    answers: bool | None
    """What the last probe found; None before the first."""
    target: str | None = None
    """Where the probe asks, for messages (`127.0.0.1:8080`)."""
    program: str | None = None
    """The program a built-in framework runs on this host, for messages."""
    model: tuple[bool, str, str] | None = None
    """ModelDownloaded: (ready, reason, message), or None with no storage."""
    problem: tuple[str, str] | None = None
    """(reason, message) when the service cannot run as specified."""


def _running(pods: list[Obj]) -> int:
    return sum(1 for p in pods if _status(p).get("phase") == "Running")


def _failure(gone: Ended, program: str | None) -> str:
    if gone.how == "exec" and program:
        what = f": {program} could not be started on this host ({gone.what})"
    elif gone.how in ("exec", "setup"):
        what = f" could not start: {gone.what}"
    else:
        what = f" {gone.what}"
    return f"replica {gone.name}{what}; restart {gone.restarts} after a back-off of {gone.delay:g}s"


def ready(facts: Facts, pods: list[Obj], waiting: list[Ended]) -> tuple[bool, str, str]:
    """Condition Ready: (status, reason, message)."""
    if facts.problem is not None:
        return (False, *facts.problem)
    if facts.model is not None and not facts.model[0]:
        return False, "ModelNotDownloaded", facts.model[2]
    if facts.wanted == 0:
        return False, "NoReplicas", "spec.replicas is 0"
    running = _running(pods)
    counted = f"{running} of {facts.wanted} replicas running"
    failures = "; ".join(_failure(g, facts.program) for g in waiting)
    if facts.answers and running > 0:
        url = facts.address.url if facts.address is not None and facts.address.url else facts.target
        message = f"{url} accepts connections; {counted}"
        return True, "MinimumReplicasAvailable", f"{message}; {failures}" if failures else message
    if waiting:
        reason = "StartError" if any(g.how != "exit" for g in waiting) else "BackOff"
        return False, reason, f"{failures}; {counted}"
    return (
        False,
        "Starting",
        f"waiting for {facts.target or 'the server'} to accept connections; {counted}",
    )


def service_status(
    old: SimpleMLServiceStatus, facts: Facts, pods: list[Obj], waiting: list[Ended], now: datetime
) -> SimpleMLServiceStatus:
    """The status to write: the address, ModelDownloaded where there is storage,
    and Ready."""
    stamp = rfc3339(now)
    conditions: list[Condition] = list(old.conditions)
    if facts.model is not None:
        ok, reason, message = facts.model
        conditions = with_condition(
            conditions, "ModelDownloaded", "True" if ok else "False", stamp, reason, message
        )
    else:
        conditions = [c for c in conditions if c.type != "ModelDownloaded"]
    ok, reason, message = ready(facts, pods, waiting)
    conditions = with_condition(
        conditions, "Ready", "True" if ok else "False", stamp, reason, message
    )
    status = SimpleMLServiceStatus(conditions=conditions)
    if facts.address is not None and facts.address.url:
        status.address = facts.address
    return status


__all__ = [
    "BACKOFF_BASE",
    "BACKOFF_CAP",
    "RESTARTS_ANNOTATION",
    "STEADY_SECONDS",
    "STREAK_ANNOTATION",
    "Ended",
    "Facts",
    "Plan",
    "backoff",
    "ended",
    "plan_replicas",
    "ready",
    "service_status",
]
