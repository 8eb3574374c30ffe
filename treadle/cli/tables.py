"""How objects look in `get` tables: the columns of each kind."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from rich.text import Text

from ..api.objects import TEMPLATE_LABEL
from ..api.t9k import JOB_MODELS
from ..core.duration import format_duration
from .grid import Col, Grid
from .replicas import job_counts, job_restarts, service_ready, service_url

Obj = dict[str, Any]
Column = tuple[Col, Callable[[Obj], str]]

PHASE_STYLES = {
    "Succeeded": "green",
    "Failed": "red",
    "Running": "cyan",
    "Pending": "yellow",
    "Skipped": "dim",
}


def _time(text: str | None) -> datetime | None:
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def age(obj: Obj) -> str:
    created = _time((obj.get("metadata") or {}).get("creationTimestamp"))
    if created is None:
        return "-"
    return short_duration((datetime.now(UTC) - created).total_seconds())


def short_duration(seconds: float) -> str:
    """kubectl-style ages: 45s, 3m, 2h, 5d."""
    seconds = max(0, int(seconds))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size * (2 if unit != "m" else 1):
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def run_duration(obj: Obj) -> str:
    status = obj.get("status") or {}
    start = _time(status.get("startTime"))
    if start is None:
        return "-"
    end = _time(status.get("completionTime")) or datetime.now(UTC)
    return format_duration(max(0.0, (end - start).total_seconds()))


def _status(obj: Obj) -> Obj:
    return obj.get("status") or {}


def _spec(obj: Obj) -> Obj:
    return obj.get("spec") or {}


def _template_type(obj: Obj) -> str:
    spec = _spec(obj)
    if spec.get("type"):
        return str(spec["type"])
    for field, name in (
        ("pod", "Pod"),
        ("seqPod", "SeqPod"),
        ("resource", "Resource"),
        ("dag", "DAG"),
    ):
        if spec.get(field) is not None:
            return name
    return "-"


def _run_template(obj: Obj) -> str:
    spec = _spec(obj)
    return (
        spec.get("workflowTemplateRef")
        or ((obj.get("metadata") or {}).get("labels") or {}).get(TEMPLATE_LABEL)
        or "(embedded)"
    )


COLUMNS: dict[str, list[Column]] = {
    "WorkflowTemplate": [
        (Col("TYPE"), _template_type),
        (
            Col("DESCRIPTION", clip=60),
            lambda o: (_spec(o).get("description") or "").split("\n")[0],
        ),
        (Col("AGE"), age),
    ],
    "WorkflowRun": [
        (Col("TEMPLATE"), _run_template),
        (Col("PHASE"), lambda o: _status(o).get("phase") or "Pending"),
        (Col("DURATION"), run_duration),
        (Col("AGE"), age),
    ],
    "CronWorkflowRun": [
        (Col("SCHEDULE"), lambda o: str(_spec(o).get("schedule", ""))),
        (Col("SUSPEND"), lambda o: str(bool(_spec(o).get("suspend"))).lower()),
        (Col("ACTIVE"), lambda o: str(len(_status(o).get("active") or []))),
        (Col("LAST SCHEDULE"), lambda o: _status(o).get("lastScheduleTime") or "-"),
        (Col("AGE"), age),
    ],
    "Pod": [
        (Col("PHASE"), lambda o: _status(o).get("phase") or "Pending"),
        (Col("AGE"), age),
    ],
}


def _replicas(obj: Obj) -> str:
    ready, total = job_counts(obj)
    return f"{ready}/{total}"


JOB_COLUMNS: list[Column] = [
    (Col("PHASE"), lambda o: _status(o).get("phase") or "Pending"),
    (Col("REPLICAS"), _replicas),
    (Col("RESTARTS"), lambda o: str(job_restarts(o))),
    (Col("AGE"), age),
]
"""Every T9k job kind: where it is, how many replicas run or ran, restarts so far."""
COLUMNS.update(dict.fromkeys(JOB_MODELS, JOB_COLUMNS))
COLUMNS["SimpleMLService"] = [
    (Col("READY"), service_ready),
    (Col("URL", no_wrap=True), lambda o: service_url(o) or "-"),
    (Col("AGE"), age),
]

WIDE: dict[str, list[Column]] = {
    "WorkflowRun": [(Col("MESSAGE", clip=100), lambda o: _status(o).get("message") or "")],
    "WorkflowTemplate": [
        (
            Col("PARAMS"),
            lambda o: ",".join(p.get("name", "") for p in _spec(o).get("params") or []),
        )
    ],
}


def phase_text(phase: str) -> Text:
    return Text(phase, style=PHASE_STYLES.get(phase, ""))


def table(kind: str, items: list[Obj], *, wide: bool = False, all_namespaces: bool = False) -> Grid:
    columns = COLUMNS.get(kind, [(Col("AGE"), age)]) + (WIDE.get(kind, []) if wide else [])
    heads = [Col("NAMESPACE")] if all_namespaces else []
    heads.append(Col("NAME", no_wrap=True))
    grid = Grid(*heads, *(col for col, _ in columns), pad_edge=False)
    for obj in items:
        meta = obj.get("metadata") or {}
        row: list[str | Text] = []
        if all_namespaces:
            row.append(meta.get("namespace", ""))
        row.append(meta.get("name", ""))
        for col, fn in columns:
            value = fn(obj)
            row.append(phase_text(value) if col.header == "PHASE" else value)
        grid.add_row(*row)
    return grid
