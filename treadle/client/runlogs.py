"""Where a run's logs are: every container of every pod the run (and, for a DAG, every
child run) started, labelled by node and step."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from ..api.objects import GROUP_VERSION
from ..errors import NotFound
from ..runtime.base import Runtime
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
                LogSource(label, pod["metadata"]["uid"], name, "step" if name in steps else kind)
            )
    return sources


def log_sources(store: Store, run: Obj, prefix: str = "") -> list[LogSource]:
    """In template order: steps of a pod, nodes of a DAG (every attempt), pods of a
    Resource's Pod or Job."""
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
    return []


def run_logs(
    store: Store,
    runtime: Runtime,
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
    seen: dict[LogSource, int] = {}
    while True:
        finished = (run.get("status") or {}).get("phase") in FINAL
        sources = [s for s in log_sources(store, run) if _wanted(s, step)]
        for source in sources:
            try:
                lines = list(runtime.logs(source.pod_uid, source.container))
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
            run = store.get(GROUP_VERSION, "WorkflowRun", *key)
        except NotFound:
            return


def _wanted(source: LogSource, step: str | None) -> bool:
    if step is None:
        return True
    parts = source.label.split("/")
    return step in (source.label, parts[-1]) or source.label.startswith(step + "/")
