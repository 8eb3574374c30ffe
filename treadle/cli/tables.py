"""How objects look in `get` tables: the columns of each kind."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from rich.table import Table
from rich.text import Text

from ..api.objects import TEMPLATE_LABEL
from ..core.duration import format_duration

Obj = dict[str, Any]
Column = tuple[str, Callable[[Obj], str]]

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
        ("TYPE", _template_type),
        ("DESCRIPTION", lambda o: (_spec(o).get("description") or "").split("\n")[0][:60]),
        ("AGE", age),
    ],
    "WorkflowRun": [
        ("TEMPLATE", _run_template),
        ("PHASE", lambda o: _status(o).get("phase") or "Pending"),
        ("DURATION", run_duration),
        ("AGE", age),
    ],
    "CronWorkflowRun": [
        ("SCHEDULE", lambda o: str(_spec(o).get("schedule", ""))),
        ("SUSPEND", lambda o: str(bool(_spec(o).get("suspend"))).lower()),
        ("ACTIVE", lambda o: str(len(_status(o).get("active") or []))),
        ("LAST SCHEDULE", lambda o: _status(o).get("lastScheduleTime") or "-"),
        ("AGE", age),
    ],
    "Pod": [
        ("PHASE", lambda o: _status(o).get("phase") or "Pending"),
        ("AGE", age),
    ],
}
WIDE: dict[str, list[Column]] = {
    "WorkflowRun": [("MESSAGE", lambda o: (_status(o).get("message") or "")[:100])],
    "WorkflowTemplate": [
        ("PARAMS", lambda o: ",".join(p.get("name", "") for p in _spec(o).get("params") or []))
    ],
}


def table(
    kind: str, items: list[Obj], *, wide: bool = False, all_namespaces: bool = False
) -> Table:
    columns = COLUMNS.get(kind, [("AGE", age)]) + (WIDE.get(kind, []) if wide else [])
    t = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    if all_namespaces:
        t.add_column("NAMESPACE")
    t.add_column("NAME", no_wrap=True)
    for title, _ in columns:
        t.add_column(title, overflow="fold")
    for obj in items:
        meta = obj.get("metadata") or {}
        row: list[str | Text] = []
        if all_namespaces:
            row.append(meta.get("namespace", ""))
        row.append(meta.get("name", ""))
        for title, fn in columns:
            value = fn(obj)
            row.append(
                Text(value, style=PHASE_STYLES.get(value, "")) if title == "PHASE" else value
            )
        t.add_row(*row)
    return t
