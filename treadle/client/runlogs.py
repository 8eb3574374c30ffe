"""Where a run's logs are: every container of every pod the run (and, for a DAG, every
child run) started, labelled by node and step; and where an object's are (a T9k job's
or a service's replicas: the pods it controls, labelled by pod and container)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..api.objects import GROUP_VERSION
from ..errors import NotFound
from ..runtime.base import LogLine, Runtime
from ..store.base import Obj, Store
from .base import RunLogLine

FINAL = ("Succeeded", "Failed")


@dataclass(frozen=True)
class LogSource:
    label: str
    pod_uid: str
    container: str
    kind: str = field(default="container", compare=False)
    """`initContainer`, `step` or `container`, as in the run's `status.steps`."""
    pod: tuple[str, str] = field(default=("", ""), compare=False)
    """The pod's (namespace, name): where a cluster's API serves its logs."""


class LogRead(Protocol):
    def __call__(self, source: LogSource, since_time: str | None = None) -> list[LogLine]:
        """Every line a source has written so far (at or after `since_time`, RFC
        3339, if given). Raises NotFound while it has not started."""
        ...


def runtime_logs(runtime: Runtime) -> LogRead:
    """Lines of this machine's own pods, from the local runtime."""

    def read(source: LogSource, since_time: str | None = None) -> list[LogLine]:
        return list(runtime.logs(source.pod_uid, source.container, since_time=since_time))

    return read


def _pod_sources(
    store: Store, namespace: str, pod_name: str, prefix: str, steps: frozenset[str] = frozenset()
) -> list[LogSource]:
    """`steps`: the SeqPod steps, which the pod runs as init containers."""
    try:
        pod = store.get("v1", "Pod", namespace, pod_name)
    except NotFound:
        return []
    spec = pod.get("spec") or {}
    sources = []
    for key in ("initContainers", "containers"):
        for c in spec.get(key) or []:
            name = c["name"]
            kind = "container" if key == "containers" else "initContainer"
            label = f"{prefix}{name}"
            sources.append(
                LogSource(
                    label,
                    pod["metadata"]["uid"],
                    name,
                    "step" if name in steps else kind,
                    (namespace, pod_name),
                )
            )
    return sources


def _natural(name: str) -> list[Any]:
    """`job-worker-10` after `job-worker-9`."""
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name)]


def owned_pods(owner: Obj, pods: list[Obj]) -> list[Obj]:
    """The pods whose controller is `owner`, in name order (numbers as numbers): a
    job's replicas by type and index, a service's by index."""
    uid = (owner.get("metadata") or {}).get("uid")
    mine = [
        p
        for p in pods
        if any(
            r.get("uid") == uid and r.get("controller")
            for r in (p.get("metadata") or {}).get("ownerReferences") or []
        )
    ]
    return sorted(mine, key=lambda p: _natural(p["metadata"]["name"]))


def object_sources(store: Store, obj: Obj, prefix: str = "") -> list[LogSource]:
    """A pod's containers; for anything else, the containers of the pods it controls,
    each labelled `<pod>/<container>`."""
    meta = obj["metadata"]
    namespace = meta.get("namespace", "default")
    if (obj.get("apiVersion"), obj.get("kind")) == ("v1", "Pod"):
        return _pod_sources(store, namespace, meta["name"], prefix)
    pods = owned_pods(obj, store.list("v1", "Pod", namespace).items)
    return [
        s
        for p in pods
        for s in _pod_sources(
            store, namespace, p["metadata"]["name"], f"{prefix}{p['metadata']['name']}/"
        )
    ]


def log_sources(store: Store, run: Obj, prefix: str = "") -> list[LogSource]:
    """In template order: steps of a pod, nodes of a DAG (every attempt), pods of a
    Resource's Pod or Job, replicas of the T9k job or service a run created."""
    namespace = run["metadata"].get("namespace", "default")
    status = run.get("status") or {}
    spec = status.get("workflowTemplateSpec") or {}
    if status.get("podName"):
        steps = frozenset(s.get("name") for s in (spec.get("seqPod") or {}).get("steps") or [])
        return _pod_sources(store, namespace, status["podName"], prefix, steps)
    nodes = status.get("nodes") or {}
    if nodes:
        order = [n.get("name") for n in (spec.get("dag") or {}).get("templates") or []]
        sources = []
        for node in [n for n in order if n in nodes] + [n for n in nodes if n not in order]:
            entry = nodes[node]
            names = [*entry.get("retriedRunNames", []), entry.get("workflowRunName")]
            names = [n for n in names if n]
            for attempt, child_name in enumerate(names, start=1):
                try:
                    child = store.get(GROUP_VERSION, "WorkflowRun", namespace, child_name)
                except NotFound:
                    continue
                label = f"{node}#{attempt}" if len(names) > 1 else node
                sources += log_sources(store, child, f"{prefix}{label}/")
        return sources
    ref = status.get("resource") or {}
    if ref.get("kind") == "Pod":
        return _pod_sources(store, namespace, ref["name"], prefix)
    if ref.get("kind") == "Job":
        page = store.list("v1", "Pod", namespace, label_selector=f"job-name={ref['name']}")
        return [
            s
            for p in page.items
            for s in _pod_sources(
                store, namespace, p["metadata"]["name"], f"{prefix}{p['metadata']['name']}/"
            )
        ]
    if ref.get("apiVersion") and ref.get("kind") and ref.get("name"):
        try:
            created = store.get(ref["apiVersion"], ref["kind"], namespace, ref["name"])
        except NotFound:
            return []
        return object_sources(store, created, prefix)
    return []


def run_logs(
    store: Store,
    read: LogRead,
    run: Obj,
    *,
    step: str | None = None,
    follow: bool = False,
    tail_lines: int | None = None,
    poll: float = 0.2,
) -> Iterator[RunLogLine]:
    """Every line of a run; with `follow`, keeps going until the run has finished and
    every source is drained."""
    key = (run["metadata"].get("namespace", "default"), run["metadata"]["name"])
    return _follow(
        store,
        read,
        run,
        lambda: store.get(GROUP_VERSION, "WorkflowRun", *key),
        log_sources,
        step=step,
        follow=follow,
        tail_lines=tail_lines,
        poll=poll,
    )


def object_logs(
    store: Store,
    read: LogRead,
    obj: Obj,
    *,
    step: str | None = None,
    follow: bool = False,
    tail_lines: int | None = None,
    poll: float = 0.2,
) -> Iterator[RunLogLine]:
    """Every line of an object's pods (`object_sources`); with `follow`, until its
    `status.phase` is final (a job's; a service has none, so until it is deleted)."""
    meta = obj["metadata"]
    key = (obj["apiVersion"], obj["kind"], meta.get("namespace", "default"), meta["name"])
    return _follow(
        store,
        read,
        obj,
        lambda: store.get(*key),
        object_sources,
        step=step,
        follow=follow,
        tail_lines=tail_lines,
        poll=poll,
    )


def _follow(
    store: Store,
    read: LogRead,
    obj: Obj,
    reread: Callable[[], Obj],
    sources_of: Callable[[Store, Obj], list[LogSource]],
    *,
    step: str | None,
    follow: bool,
    tail_lines: int | None,
    poll: float,
) -> Iterator[RunLogLine]:
    seen: dict[LogSource, int] = {}
    while True:
        finished = (obj.get("status") or {}).get("phase") in FINAL
        sources = [s for s in sources_of(store, obj) if _wanted(s, step)]
        for source in sources:
            try:
                lines = read(source)
            except NotFound:
                lines = []  # created, not started yet
            start = seen.get(source, 0)
            if source not in seen and tail_lines is not None:
                start = max(0, len(lines) - tail_lines)
            for line in lines[start:]:
                yield RunLogLine(source.label, line.time, line.text, source.kind)
            seen[source] = len(lines)
        if not follow or finished:
            return
        time.sleep(poll)
        try:
            obj = reread()
        except NotFound:
            return


def _wanted(source: LogSource, step: str | None) -> bool:
    if step is None:
        return True
    parts = source.label.split("/")
    return step in (source.label, parts[-1]) or source.label.startswith(step + "/")
