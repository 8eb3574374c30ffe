"""The replica engine of the T9k jobs (SPEC §12): from a job's shape, the pods it
owns and the status it last wrote, what its operator does next. Pure: no I/O; the
time is passed in.

A job is a list of replicas, each one pod (`<job>-<type>-<index>`, made ready by the
kind's wiring), with a restart rule, and rules over the replicas that decide the job:
the kind's main replica (chief, master, launcher, worker 0) or a GenericJob's own
`successRules`/`failureRules`. What the engine decides, in order:

- A job that has ended only cleans up (`cleanUpPolicy`): it is never judged again.
- `Pause` deletes every replica that has not succeeded and reports `Paused`; leaving
  pause creates them again (a replica recreated on resume is not a restart).
- `activeDeadlineSeconds`, counted from `status.startTime`, fails the job and deletes
  its unfinished replicas. A paused job's clock is not checked, and leaving pause
  sets `startTime` to the time of the resume, so the deadline counts from the last
  resume: the platform's reference says only "relative to the startTime", and this
  is what a Kubernetes Job does on resume from suspend (time spent paused is not
  time active).
- A pod being deleted (`metadata.deletionTimestamp` set: on an API server it lingers
  while it terminates) is not there for the verdicts, restarts and status: its end
  (137 or 143, as likely as not, from the delete itself) is neither a restart nor a
  failure. Its name stays taken, so its replica is created again once it is gone.
- A replica whose pod ended is restarted, if its rule allows, by deleting the pod and
  creating it again under the same name. Each restart is recorded in status *before*
  the pod is deleted (`replicaRestarts[]`: the pod's name, its restarts so far and the
  uid of the pod whose end caused the last one), so an ending is never counted twice,
  even by a controller that stopped between the write and the delete: a pod whose uid
  is already recorded is only deleted. The pod is created again on a later pass, once
  it is gone.
- Restart rules: `Never`; `OnFailure` (phase Failed); `Always` (any end, so such a
  replica never finishes); `ExitCode` (Failed with an exit code in 130, 137, 138,
  143; any other code is final). A replica's own `limit` (GenericJob) and the job's
  `backoffLimit` (restarts summed over all replicas, `status.backoffCount`) cap them.
  A pod that failed before its program ran (reason `StartError` and the like, a
  missing program) is never restarted: it would fail the same way again.
- The rules: a success rule holds when every replica it names has succeeded for
  good, a failure rule when every one has failed for good; failure is looked at
  first. Any rule holding ends the job: phase `Succeeded`/`Failed`, conditions
  `Completed` and `Succeeded` or `Failed` (what a Resource run's default rules look
  for), `completionTime`, and the clean-up.
- Replicas of a type that `waits_for` other types are created only once every
  replica of those is running (an MPI launcher waits for its workers); replicas of
  an `ends_with` type are deleted when the job ends (workers that only hold slots for
  a launcher have nothing left to do).

Status: `phase` (`Pending` until every replica has a pod and one has started, then
`Running`, also while a replica is restarted), conditions `Initialized`, `Running`,
`ReplicaFailure` (any replica failed, restarted or not), `Paused`, `tasks[]` (per
type: restarts, and each replica's pod name, uid, phase and containers), `aggregate`
and `backoffCount`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from .conditions import get_condition, set_condition

Obj = dict[str, Any]

JOB_NAME_LABEL = "batch.tensorstack.dev/job-name"
"""Every replica pod's label: its job's name (list a job's pods with it, and keep
those whose controller ownerReference is the job's uid)."""
REPLICA_TYPE_LABEL = "batch.tensorstack.dev/replica-type"
REPLICA_INDEX_LABEL = "batch.tensorstack.dev/replica-index"

RESTARTABLE_EXIT_CODES = frozenset({130, 137, 138, 143})
NOT_STARTED_REASONS = frozenset(
    {"StartError", "InvalidSpec", "CreateContainerConfigError", "ContainerCannotRun"}
)
"""Pod or container reasons for a program that never ran."""

Policy = Literal["Never", "OnFailure", "Always", "ExitCode"]
Mode = Literal["Immediate", "Debug", "Pause"]
CleanUp = Literal["None", "All", "Unfinished"]
ReplicaKey = tuple[str, int]
Rule = frozenset[ReplicaKey]


@dataclass(frozen=True)
class Restart:
    policy: Policy = "Never"
    limit: int | None = None
    """Restarts allowed for each replica of the group; None: only backoffLimit caps."""


@dataclass(frozen=True)
class Replica:
    type: str
    index: int
    pod: Obj
    """The pod to create, complete but for namespace and ownerReferences."""
    restart: Restart = Restart()

    @property
    def key(self) -> ReplicaKey:
        return (self.type, self.index)

    @property
    def name(self) -> str:
        return str(self.pod["metadata"]["name"])


@dataclass(frozen=True)
class JobShape:
    replicas: tuple[Replica, ...]
    success_rules: tuple[Rule, ...]
    failure_rules: tuple[Rule, ...]
    mode: Mode = "Immediate"
    backoff_limit: int | None = None
    active_deadline_seconds: int | None = None
    clean_up: CleanUp = "None"
    waits_for: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    ends_with: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    """Said in the `Initialized` condition's message (a BeamJob's missing Flink
    cluster)."""
    programs: Mapping[str, str] = field(default_factory=dict)
    """Program -> what provides it (`mpirun` -> Open MPI): named in the failure
    message when a replica failed because the program is not there."""


@dataclass
class Decision:
    status: Obj
    """The whole new status (wire form)."""
    create: list[Obj] = field(default_factory=list)
    delete: list[str] = field(default_factory=list)
    """Pod names, deleted after the status is written."""
    requeue: float | None = None
    events: list[tuple[str, str, str]] = field(default_factory=list)
    """(reason, message, type) to record on the job."""


# --- one replica -------------------------------------------------------------------


def _phase(pod: Obj | None) -> str | None:
    if pod is None:
        return None
    return str((pod.get("status") or {}).get("phase") or "Pending")


def _terminations(pod: Obj) -> list[Obj]:
    statuses = (pod.get("status") or {}).get("containerStatuses") or []
    return [
        s["state"]["terminated"]
        for s in statuses
        if isinstance(s.get("state"), dict) and isinstance(s["state"].get("terminated"), dict)
    ]


def exit_code(pod: Obj) -> int | None:
    """The first non-zero exit code of the pod's containers (0 when all exited 0),
    None when no container ended."""
    codes = [t.get("exitCode") for t in _terminations(pod)]
    codes = [c for c in codes if isinstance(c, int)]
    if not codes:
        return None
    return next((c for c in codes if c != 0), 0)


def never_ran(pod: Obj) -> bool:
    """The pod failed before its program ran: it would fail the same way again."""
    if (pod.get("status") or {}).get("reason") in NOT_STARTED_REASONS:
        return True
    return any(t.get("reason") in NOT_STARTED_REASONS for t in _terminations(pod))


def failure_of(pod: Obj) -> str:
    """Why a pod failed, in a sentence."""
    status = pod.get("status") or {}
    for t in _terminations(pod):
        if t.get("exitCode") not in (0, None):
            text = f"exit code {t.get('exitCode')}"
            if t.get("message"):
                text = f"{t.get('reason') or 'Error'}: {t['message']}"
            return text
    return str(status.get("message") or status.get("reason") or "failed")


def wants_restart(policy: Policy, pod: Obj) -> bool:
    """Whether the restart policy asks for a new pod after this ended one (limits
    aside)."""
    phase = _phase(pod)
    if phase not in ("Succeeded", "Failed") or (phase == "Failed" and never_ran(pod)):
        return False
    if policy == "Always":
        return True
    if phase != "Failed":
        return False
    if policy == "OnFailure":
        return True
    if policy == "ExitCode":
        return exit_code(pod) in RESTARTABLE_EXIT_CODES
    return False


# --- status helpers ----------------------------------------------------------------


def _records(status: Obj) -> dict[str, Obj]:
    return {
        r["name"]: dict(r)
        for r in status.get("replicaRestarts") or []
        if isinstance(r, dict) and r.get("name")
    }


def _containers(pod: Obj) -> list[Obj]:
    out = []
    for s in (pod.get("status") or {}).get("containerStatuses") or []:
        state = s.get("state") or {}
        entry: Obj = {"name": s.get("name", "")}
        if state:
            entry["state"] = next(iter(state))
        term = state.get("terminated") or {}
        if isinstance(term.get("exitCode"), int):
            entry["exitCode"] = term["exitCode"]
        out.append(entry)
    return out


_AGGREGATE_KEYS = ("creating", "pending", "running", "succeeded", "failed", "unknown", "deleted")


def rule_text(rule: Rule) -> str:
    by_type: dict[str, list[int]] = {}
    for t, i in sorted(rule):
        by_type.setdefault(t, []).append(i)
    return json.dumps(by_type)


# --- the decision ------------------------------------------------------------------


def decide(shape: JobShape, pods: Mapping[str, Obj], status: Obj, now: datetime) -> Decision:
    """What to do for a job whose replicas' pods (by name) are `pods` and whose
    status is `status`."""
    stamp = _rfc3339(now)
    taken = set(pods)
    pods = {n: p for n, p in pods.items() if not terminating(p)}
    old = dict(status)
    new: Obj = dict(status)
    new.setdefault("startTime", stamp)
    conditions: list[Obj] = list(new.get("conditions") or [])
    records = _records(new)
    out = Decision(status=new)
    final = new.get("phase") in ("Succeeded", "Failed")

    if final:
        out.delete = _clean_up(shape, pods)
        _report(shape, pods, records, new, deleted=set(out.delete), creating=set())
        return out

    if shape.mode == "Pause":
        out.delete = [
            r.name for r in shape.replicas if r.name in pods and _phase(pods[r.name]) != "Succeeded"
        ]
        conditions = set_condition(
            conditions, "Paused", "True", stamp, "Paused", "The job is paused."
        )
        new["conditions"] = conditions
        new["phase"] = "Paused"
        _report(shape, pods, records, new, deleted=set(out.delete), creating=set())
        if old.get("phase") != "Paused":
            out.events.append(("Paused", "replicas deleted until the job is resumed", "Normal"))
        return out
    if get_condition(conditions, "Paused") is not None:
        paused = get_condition(conditions, "Paused") or {}
        if paused.get("status") == "True":
            out.events.append(("Resumed", "replicas created again", "Normal"))
            new["startTime"] = stamp  # the deadline counts from the resume
        conditions = set_condition(
            conditions, "Paused", "False", stamp, "Resumed", "The job has been resumed."
        )

    deadline = shape.active_deadline_seconds
    if deadline is not None:
        started = _parse(new["startTime"])
        left = deadline - (now - started).total_seconds()
        if left <= 0:
            message = f"The job was active longer than activeDeadlineSeconds ({deadline}s)."
            out.delete = [r.name for r in shape.replicas if _unfinished(pods.get(r.name))]
            _finish(new, conditions, "Failed", "DeadlineExceeded", message, stamp)
            out.events.append(("DeadlineExceeded", message, "Warning"))
            out.delete = sorted(set(out.delete) | set(_clean_up(shape, pods)))
            _report(shape, pods, records, new, deleted=set(out.delete), creating=set())
            return out
        out.requeue = left

    backoff = int(new.get("backoffCount") or 0)
    succeeded: set[ReplicaKey] = set()
    failed: set[ReplicaKey] = set()
    failures: list[str] = []
    restarting: set[str] = set()
    for replica in shape.replicas:
        pod = pods.get(replica.name)
        phase = _phase(pod)
        if pod is None or phase not in ("Succeeded", "Failed"):
            continue
        if phase == "Failed":
            failures.append(f"{replica.name}: {_failure_text(shape, pod)}")
        uid = pod["metadata"].get("uid")
        record = records.get(replica.name, {"name": replica.name, "count": 0})
        if uid and record.get("lastEndedUid") == uid:
            restarting.add(replica.name)  # counted already; the delete did not happen
            continue
        can = wants_restart(replica.restart.policy, pod)
        if can and replica.restart.limit is not None and record["count"] >= replica.restart.limit:
            can = False
        if can and shape.backoff_limit is not None and backoff >= shape.backoff_limit:
            can = False
        if can:
            record = {**record, "count": int(record["count"]) + 1, "lastEndedUid": uid}
            records[replica.name] = record
            backoff += 1
            restarting.add(replica.name)
            out.events.append(
                (
                    "Restarting",
                    f"{replica.name} ended ({failure_of(pod) if phase == 'Failed' else 'exit 0'}); "
                    f"restart {record['count']}",
                    "Normal",
                )
            )
            continue
        (succeeded if phase == "Succeeded" else failed).add(replica.key)

    out.delete = sorted(restarting)
    if records:
        new["replicaRestarts"] = [records[k] for k in sorted(records)]
    new["backoffCount"] = backoff

    running_types = {
        t
        for t in {r.type for r in shape.replicas}
        if all(
            _phase(pods.get(r.name)) in ("Running", "Succeeded")
            for r in shape.replicas
            if r.type == t
        )
    }
    creating: set[str] = set()
    for replica in shape.replicas:
        if replica.name in taken:
            continue  # there, or still being deleted: created once it is gone
        if all(t in running_types for t in shape.waits_for.get(replica.type, ())):
            creating.add(replica.name)
            out.create.append(replica.pod)

    verdict = _verdict(shape, succeeded, failed, pods)
    if failures:
        conditions = set_condition(
            conditions, "ReplicaFailure", "True", stamp, "ReplicaFailed", "; ".join(failures)
        )
    elif get_condition(conditions, "ReplicaFailure") is not None or shape.replicas:
        conditions = set_condition(
            conditions, "ReplicaFailure", "False", stamp, "-", "No replica has failed."
        )
    all_created = all(r.name in pods for r in shape.replicas)
    if all_created:
        message = "The job has been initialized successfully."
        if shape.notes:
            message = " ".join((message, *shape.notes))
        conditions = set_condition(conditions, "Initialized", "True", stamp, "-", message)
    elif get_condition(conditions, "Initialized") is None:
        message = "Creating the replicas."
        if shape.notes:
            message = " ".join((message, *shape.notes))
        conditions = set_condition(conditions, "Initialized", "False", stamp, "-", message)
    begun = any(
        _phase(pods.get(r.name)) in ("Running", "Succeeded", "Failed") for r in shape.replicas
    )
    if verdict is not None:
        kind, message = verdict
        reason = "Succeeded" if kind == "Succeeded" else "Failed"
        out.create = []
        _finish(new, conditions, kind, reason, message, stamp)
        out.delete = sorted(set(out.delete) | set(_clean_up(shape, pods)))
        out.events.append((reason, message, "Normal" if kind == "Succeeded" else "Warning"))
        creating = set()
    else:
        # A job once running stays so while a replica is being restarted.
        if (all_created and begun) or old.get("phase") == "Running":
            new["phase"] = "Running"
            conditions = set_condition(
                conditions, "Running", "True", stamp, "-", "The replicas are running."
            )
        else:
            new["phase"] = "Pending"
        new["conditions"] = conditions
    _report(shape, pods, records, new, deleted=set(out.delete) - restarting, creating=creating)
    return out


def _verdict(
    shape: JobShape,
    succeeded: set[ReplicaKey],
    failed: set[ReplicaKey],
    pods: Mapping[str, Obj],
) -> tuple[Literal["Succeeded", "Failed"], str] | None:
    for rule in shape.failure_rules:
        if rule and rule <= failed:
            why = [
                f"{r.name}: {_failure_text(shape, pods[r.name])}"
                for r in shape.replicas
                if r.key in rule and r.name in pods
            ]
            return "Failed", f"The job failed with rule {rule_text(rule)}: " + "; ".join(why)
    for rule in shape.success_rules:
        if rule and rule <= succeeded:
            return "Succeeded", "The job has finished successfully."
    return None


def _failure_text(shape: JobShape, pod: Obj) -> str:
    text = failure_of(pod)
    if never_ran(pod):
        for program, provider in shape.programs.items():
            if f'"{program}"' in text or f" {program}:" in text:
                return f"{text} ({program} is not on this host: {provider} is needed)"
    return text


def _finish(
    status: Obj, conditions: list[Obj], kind: str, reason: str, message: str, stamp: str
) -> None:
    if kind == "Succeeded":
        conditions = set_condition(conditions, "Completed", "True", stamp, reason, message)
        conditions = set_condition(conditions, "Succeeded", "True", stamp, reason, message)
    else:
        conditions = set_condition(conditions, "Completed", "False", stamp, reason, message)
        conditions = set_condition(conditions, "Failed", "True", stamp, reason, message)
    if get_condition(conditions, "Running") is not None:
        conditions = set_condition(conditions, "Running", "False", stamp, reason, message)
    status["conditions"] = conditions
    status["phase"] = kind
    status["completionTime"] = stamp


def terminating(pod: Obj) -> bool:
    """The pod is being deleted (it may run on until its grace period ends)."""
    return bool((pod.get("metadata") or {}).get("deletionTimestamp"))


def _unfinished(pod: Obj | None) -> bool:
    return pod is not None and _phase(pod) not in ("Succeeded", "Failed")


def _clean_up(shape: JobShape, pods: Mapping[str, Obj]) -> list[str]:
    """The pods an ended job deletes."""
    names = []
    for r in shape.replicas:
        pod = pods.get(r.name)
        if pod is None:
            continue
        if (
            shape.clean_up == "All"
            or (shape.clean_up == "Unfinished" and _unfinished(pod))
            or (r.type in shape.ends_with and _unfinished(pod))
        ):
            names.append(r.name)
    return names


def _report(
    shape: JobShape,
    pods: Mapping[str, Obj],
    records: Mapping[str, Obj],
    status: Obj,
    *,
    deleted: set[str],
    creating: set[str],
) -> None:
    """`tasks` and `aggregate` from what the pods are (or are about to be)."""
    tasks: list[Obj] = []
    counts = dict.fromkeys(_AGGREGATE_KEYS, 0)
    by_type: dict[str, list[Replica]] = {}
    for r in shape.replicas:
        by_type.setdefault(r.type, []).append(r)
    for type_, replicas in by_type.items():
        entries = []
        for r in replicas:
            pod = pods.get(r.name)
            entry: Obj = {"name": r.name}
            if r.name in deleted:
                phase = "Deleted"
            elif pod is None:
                ended = status.get("phase") in ("Paused", "Succeeded", "Failed")
                phase = "Deleted" if ended and r.name not in creating else "Creating"
            else:
                phase = _phase(pod) or "Pending"
                if phase not in ("Pending", "Running", "Succeeded", "Failed"):
                    phase = "Unknown"
                entry["uid"] = pod["metadata"].get("uid")
                entry["containers"] = _containers(pod)
            entry["phase"] = phase
            counts[phase.lower()] += 1
            entries.append(entry)
        restarts = sum(int(records.get(r.name, {}).get("count", 0)) for r in replicas)
        tasks.append({"type": type_, "restartCount": restarts, "replicas": entries})
    status["tasks"] = tasks
    status["aggregate"] = counts


def _rfc3339(t: datetime) -> str:
    return t.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def replica_labels(job: str, type_: str, index: int) -> dict[str, str]:
    return {JOB_NAME_LABEL: job, REPLICA_TYPE_LABEL: type_, REPLICA_INDEX_LABEL: str(index)}


def main_rules(keys: Sequence[ReplicaKey]) -> tuple[Rule, ...]:
    """One rule per key: the job is decided by any of these replicas alone."""
    return tuple(frozenset({k}) for k in keys)


__all__ = [
    "JOB_NAME_LABEL",
    "REPLICA_INDEX_LABEL",
    "REPLICA_TYPE_LABEL",
    "RESTARTABLE_EXIT_CODES",
    "Decision",
    "JobShape",
    "Replica",
    "ReplicaKey",
    "Restart",
    "Rule",
    "decide",
    "exit_code",
    "failure_of",
    "main_rules",
    "never_ran",
    "replica_labels",
    "rule_text",
    "terminating",
    "wants_restart",
]
