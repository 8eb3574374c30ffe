"""One reconcile of one WorkflowRun as a table row: the objects found, the pass, what
it wrote.

A `Case` names the objects in the store before the pass (templates, the run, its
pod, its child runs, the objects it created, others' objects) and what the pass
must leave behind: the run's status, the objects it created, changed or deleted,
the events it recorded, the keys it asked to have reconciled and the delay it asked
for. `verify` stores the objects in a real SQLite store, calls
`reconcile_run` once on a Context with a fixed clock, and reads the pass's
writes back from the store's own watch, so "wrote nothing" is a fact of the store.

No processes run here: the workflow reconcilers create Pods, and starting them is
the kubelet's job, which the harness does not run. The Context's runtime is one
that fails the test if it is asked to do anything.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn

from treadle.api.objects import (
    ATTEMPT_LABEL,
    GROUP_VERSION,
    NODE_LABEL,
    RUN_LABEL,
    label_value,
    owner_reference,
)
from treadle.api.run import WorkflowRunSpec
from treadle.api.template import WorkflowTemplateSpec
from treadle.config import Home
from treadle.controller.context import AnyKind, Cluster, Context, rfc3339
from treadle.controller.dagrun import child_name
from treadle.controller.workflowrun import reconcile_run
from treadle.core.pods import build_pod
from treadle.errors import NotFound
from treadle.runtime.base import LogLine, PodObservation, PodPlan
from treadle.store.base import Obj, Store, WatchEvent, parse_resource_version
from treadle.store.sqlite import SqliteStore

Json = Any

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
"""The clock of every pass."""
STARTED = rfc3339(NOW - timedelta(seconds=10))
"""When a run that is already Running started: ten seconds before the pass."""
RUN = "r"
"""The name of the run each case reconciles."""
SUFFIX = "abcde"
"""What the store appends to a generateName, so created names can be written down."""
OWNER = {"ownerReferences": [{"kind": "WorkflowRun", "name": RUN, "controller": True}]}
"""The metadata of an object the run owns (as far as a table can tell: the uid is the store's)."""


class NoProcesses:
    """The runtime of the table: the workflow reconcilers must never start, stop or
    read a process themselves (the kubelet runs Pods), so any use fails the test.
    Sandboxed, so that Pods are built with their container paths only."""

    sandboxed = True

    def start(self, plan: PodPlan) -> None:
        _refuse("start")

    def observe(self, uid: str) -> PodObservation | None:
        _refuse("observe")

    def stop(self, uid: str, grace_seconds: float = 5.0) -> None:
        _refuse("stop")

    def logs(
        self,
        uid: str,
        container: str | None = None,
        *,
        follow: bool = False,
        tail_lines: int | None = None,
        since_time: str | None = None,
    ) -> Iterator[LogLine]:
        _refuse("logs")

    def exec(self, uid: str, container: str, argv: list[str]) -> list[str]:
        _refuse("exec")

    def remove(self, uid: str) -> None:
        _refuse("remove")

    def changes(self, timeout: float) -> set[str]:
        _refuse("changes")

    def units(self) -> list[str]:
        _refuse("units")


def _refuse(what: str) -> NoReturn:
    raise AssertionError(f"a workflow reconciler called runtime.{what}: only the kubelet may")


# --- what the store holds before the pass --------------------------------------------


def template(name: str, spec: Obj) -> Obj:
    return {
        "apiVersion": GROUP_VERSION,
        "kind": "WorkflowTemplate",
        "metadata": {"name": name},
        "spec": spec,
    }


def run(spec: Obj, status: Obj | None = None, annotations: Mapping[str, str] | None = None) -> Obj:
    """The run `r` with `spec` and, for a run past its start, `status`."""
    meta: Obj = {"name": RUN}
    if annotations:
        meta["annotations"] = dict(annotations)
    obj: Obj = {"apiVersion": GROUP_VERSION, "kind": "WorkflowRun", "metadata": meta, "spec": spec}
    if status is not None:
        obj["status"] = status
    return obj


def started(template_spec: Obj, **fields: Json) -> Obj:
    """The status of a run that started (ten seconds ago) on `template_spec`, as its
    first pass writes it; `fields` (in wire form) are set on top."""
    frozen = WorkflowTemplateSpec.model_validate(template_spec)
    status: Obj = {
        "phase": "Running",
        "startTime": STARTED,
        "message": f"{frozen.effective_type} run started",
        "workflowTemplateSpec": frozen.dump(),
        "conditions": [
            {
                "type": "Running",
                "status": "True",
                "lastTransitionTime": STARTED,
                "reason": "Started",
            }
        ],
    }
    return {**status, **fields}


def finished(template_spec: Obj, phase: str, message: str) -> Obj:
    """The status of a run that ended `phase`."""
    return started(
        template_spec,
        phase=phase,
        reason=phase,
        message=message,
        completionTime=STARTED,
    )


def terminated(name: str, exit_code: int, message: str = "", reason: str = "") -> Obj:
    """A container status: ended with `exit_code` (and a termination message)."""
    state: Obj = {
        "exitCode": exit_code,
        "reason": reason or ("Completed" if exit_code == 0 else "Error"),
        "startedAt": STARTED,
        "finishedAt": rfc3339(NOW),
    }
    if message:
        state["message"] = message
    return {"name": name, "state": {"terminated": state}}


def running(name: str) -> Obj:
    return {"name": name, "state": {"running": {"startedAt": STARTED}}}


def waiting(name: str) -> Obj:
    return {"name": name, "state": {"waiting": {"reason": "PodInitializing"}}}


def pod_status(
    phase: str, containers: list[Obj] | None = None, init: list[Obj] | None = None, **more: Json
) -> Obj:
    """A Pod's status as the kubelet writes it."""
    status: Obj = {"phase": phase, **more}
    if containers is not None:
        status["containerStatuses"] = containers
    if init is not None:
        status["initContainerStatuses"] = init
    return status


def conditions(*pairs: tuple[str, str]) -> Obj:
    """A status holding conditions (type, status)."""
    return {"conditions": [{"type": t, "status": s} for t, s in pairs]}


# --- a case ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    run: Obj
    """The run `r` as stored before the pass (see `run`, `started`)."""
    templates: tuple[Obj, ...] = ()
    pod: Obj | None = None
    """The status of the run's pod, which exists (as the run built it) when given."""
    children: Mapping[str, Obj] = field(default_factory=dict)
    """DAG node -> the status of its child run (attempt 1), as the DAG created it."""
    owned: tuple[Obj, ...] = ()
    """Objects the run created (a Resource's), stored with their status."""
    others: tuple[Obj, ...] = ()
    """Objects someone else created."""
    cluster: Cluster = field(default_factory=AnyKind)

    status: Mapping[str, Json] = field(default_factory=dict)
    """Fields the run's status has after the pass (objects matched key by key,
    lists item by item, values exactly)."""
    absent: tuple[str, ...] = ()
    """Top-level status fields the run's status does not have after the pass."""
    created: Mapping[str, Obj] = field(default_factory=dict)
    """Every object the pass created (but Events), by `describe`, with fields it has."""
    changed: Mapping[str, Obj] = field(default_factory=dict)
    """Every object the pass updated, other than the run and Events."""
    deleted: tuple[str, ...] = ()
    events: tuple[str, ...] = ()
    """The reasons of the events the pass recorded, in order."""
    requeue: float | None = None
    """The delay the pass asks for (None: only an event wakes the run again)."""
    enqueued: tuple[str, ...] = ()
    """The objects the pass asked to have reconciled, by `describe`."""
    untouched: bool = False
    """The pass writes nothing at all."""


@dataclass
class Pass:
    """What one reconcile did."""

    status: Obj
    writes: list[WatchEvent]
    requeue: float | None
    enqueued: list[str]


def describe(obj: Obj) -> str:
    """`Kind name`, a child run of a DAG as `WorkflowRun node <node>` (its name is
    derived from its parent's uid, which the store chooses)."""
    node = (obj["metadata"].get("labels") or {}).get(NODE_LABEL)
    if obj["kind"] == "WorkflowRun" and node:
        return f"WorkflowRun node {node}"
    return f"{obj['kind']} {obj['metadata']['name']}"


def _put(store: Store, obj: Obj) -> Obj:
    """Store `obj`, its status too (which `create` leaves to `update_status`)."""
    body = {k: v for k, v in obj.items() if k != "status"}
    stored = store.create(body)
    if "status" in obj:
        stored = store.update_status({**stored, "status": obj["status"]})
    return stored


def _owned_by(stored_run: Obj, obj: Obj) -> Obj:
    meta = dict(obj.get("metadata") or {})
    meta["labels"] = {**(meta.get("labels") or {}), RUN_LABEL: label_value(RUN)}
    meta["ownerReferences"] = [owner_reference(stored_run)]
    return {**obj, "metadata": meta}


def _its_pod(stored_run: Obj, status: Obj) -> Obj:
    """The run's pod as its run built it, with `status`."""
    spec = WorkflowRunSpec.model_validate(stored_run["spec"])
    frozen = WorkflowTemplateSpec.model_validate(stored_run["status"]["workflowTemplateSpec"])
    pod = build_pod(stored_run, frozen, {p.name: p.value for p in spec.params}, spec.workspaces)
    pod["metadata"]["ownerReferences"] = [owner_reference(stored_run)]
    return {**pod, "status": status}


def _child(stored_run: Obj, node: str, status: Obj) -> Obj:
    """Node `node`'s child run (attempt 1), named and labelled as the DAG names it."""
    frozen = WorkflowTemplateSpec.model_validate(stored_run["status"]["workflowTemplateSpec"])
    assert frozen.dag is not None
    ref = next(n.workflow_template_ref for n in frozen.dag.templates if n.name == node)
    return {
        "apiVersion": GROUP_VERSION,
        "kind": "WorkflowRun",
        "metadata": {
            "name": child_name(stored_run, node, 1),
            "labels": {RUN_LABEL: label_value(RUN), NODE_LABEL: node, ATTEMPT_LABEL: "1"},
            "ownerReferences": [owner_reference(stored_run)],
        },
        "spec": {"workflowTemplateRef": ref, "depth": 1},
        "status": status,
    }


def _prepare(store: Store, case: Case) -> None:
    for t in case.templates:
        _put(store, t)
    for other in case.others:
        _put(store, other)
    stored_run = _put(store, case.run)
    if case.pod is not None:
        _put(store, _its_pod(stored_run, case.pod))
    for node, status in case.children.items():
        _put(store, _child(stored_run, node, status))
    for obj in case.owned:
        _put(store, _owned_by(stored_run, obj))


def _writes(store: SqliteStore, before: str) -> list[WatchEvent]:
    """Every change after resourceVersion `before`, of any kind, read from the
    store's change feed up to its newest change (so nothing is waited for that did
    not happen)."""
    newest = parse_resource_version(store.head())
    if newest == parse_resource_version(before):
        return []
    seen = []
    # The timeout only ends a watch that never reaches `newest`, which would be a bug.
    for event in store.watch_all(since=before, timeout=5):
        seen.append(event)
        if parse_resource_version(event.resource_version) >= newest:
            return seen
    raise AssertionError(f"the watch ended before resourceVersion {newest}")


def reconcile_once(home: Path, case: Case) -> Pass:
    """Store the case's objects under `home`, reconcile the run once, and report."""
    store = SqliteStore(home / "treadle.db", random_suffix=lambda: SUFFIX)
    try:
        _prepare(store, case)
        keys: list[Any] = []
        ctx = Context(
            store=store,
            runtime=NoProcesses(),
            home=Home(home),
            clock=lambda: NOW,
            enqueue=keys.append,
            cluster=case.cluster,
        )
        before = store.head()
        delay = reconcile_run(ctx, "default", RUN)
        writes = _writes(store, before)
        status = store.get(GROUP_VERSION, "WorkflowRun", "default", RUN).get("status") or {}
        enqueued = []
        for kind, namespace, name in keys:
            try:
                enqueued.append(describe(store.get(GROUP_VERSION, kind, namespace, name)))
            except NotFound:
                enqueued.append(f"{kind} {name}")
        return Pass(status, writes, delay, enqueued)
    finally:
        store.close()


# --- the expectations --------------------------------------------------------------------


def mismatches(actual: Json, expected: Json, path: str = "") -> list[str]:
    """Where `actual` differs from `expected`: objects key by key (extra keys allowed),
    lists item by item (same length), everything else by equality."""
    if isinstance(expected, Mapping):
        if not isinstance(actual, Mapping):
            return [f"{path or '.'}: {actual!r} is not an object"]
        found = []
        for key, want in expected.items():
            if key not in actual:
                found.append(f"{path}.{key}: missing (want {want!r})")
            else:
                found += mismatches(actual[key], want, f"{path}.{key}")
        return found
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{path or '.'}: {actual!r} is not {len(expected)} items like {expected!r}"]
        return [
            m
            for i, (a, e) in enumerate(zip(actual, expected, strict=True))
            for m in mismatches(a, e, f"{path}[{i}]")
        ]
    return [] if actual == expected else [f"{path or '.'}: {actual!r} != {expected!r}"]


def _is_the_run(obj: Obj) -> bool:
    return obj["kind"] == "WorkflowRun" and obj["metadata"]["name"] == RUN


def verify(home: Path, case: Case) -> None:
    """Reconcile the case's run once and check every expectation of the case."""
    done = reconcile_once(home, case)
    if case.untouched:
        assert [(w.type, describe(w.object)) for w in done.writes] == []
    wrong = mismatches(done.status, case.status, "status")
    assert not wrong, "\n".join([*wrong, f"status: {done.status}"])
    for name in case.absent:
        assert name not in done.status, f"status.{name} is {done.status[name]!r}"

    objects = [w for w in done.writes if w.object["kind"] != "Event"]
    # A pass decides, then writes the run's status once (or not at all).
    assert len([w for w in objects if _is_the_run(w.object)]) <= 1
    created = {describe(w.object): w.object for w in objects if w.type == "ADDED"}
    changed = {
        describe(w.object): w.object
        for w in objects
        if w.type == "MODIFIED" and not _is_the_run(w.object)
    }
    deleted = [describe(w.object) for w in objects if w.type == "DELETED"]
    for what, expected, actual in (
        ("created", case.created, created),
        ("changed", case.changed, changed),
    ):
        assert sorted(actual) == sorted(expected), f"{what}: {sorted(actual)}"
        for key, fields in expected.items():
            wrong = mismatches(actual[key], fields, key)
            assert not wrong, "\n".join([*wrong, f"{key}: {actual[key]}"])
    assert deleted == list(case.deleted)

    reasons = [w.object["reason"] for w in done.writes if w.object["kind"] == "Event"]
    assert reasons == list(case.events)
    assert done.requeue == case.requeue
    assert done.enqueued == list(case.enqueued)


__all__ = [
    "NOW",
    "OWNER",
    "RUN",
    "STARTED",
    "SUFFIX",
    "Case",
    "NoProcesses",
    "conditions",
    "describe",
    "finished",
    "pod_status",
    "reconcile_once",
    "run",
    "running",
    "started",
    "template",
    "terminated",
    "verify",
    "waiting",
]
