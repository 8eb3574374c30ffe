"""`treadle describe`: an object for a person to read."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..api.documents import dump_yaml
from .tables import PHASE_STYLES, age, run_duration

Obj = dict[str, Any]


def _field(console: Console, label: str, value: Any) -> None:
    if value in (None, "", [], {}):
        return
    console.print(Text.assemble((f"{label + ':':<16}", "bold"), str(value)))


def describe_object(console: Console, obj: Obj, events: list[Obj]) -> None:
    meta = obj.get("metadata") or {}
    status = obj.get("status") or {}
    _field(console, "Name", meta.get("name"))
    _field(console, "Namespace", meta.get("namespace"))
    _field(console, "Kind", f"{obj.get('kind')} ({obj.get('apiVersion')})")
    labels = meta.get("labels") or {}
    _field(console, "Labels", ", ".join(f"{k}={v}" for k, v in labels.items()))
    _field(console, "Created", f"{meta.get('creationTimestamp')} ({age(obj)} ago)")
    if obj.get("kind") == "WorkflowRun":
        _describe_run(console, obj)
    else:
        console.print(Text("Spec:", style="bold"))
        console.print(Text(_indent(dump_yaml(obj.get("spec") or {}))))
        if status:
            console.print(Text("Status:", style="bold"))
            console.print(Text(_indent(dump_yaml(status))))
    _events(console, events)


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.rstrip().splitlines())


def _describe_run(console: Console, run: Obj) -> None:
    spec = run.get("spec") or {}
    status = run.get("status") or {}
    _field(console, "Template", spec.get("workflowTemplateRef") or "(embedded)")
    tspec = status.get("workflowTemplateSpec") or spec.get("workflowTemplateSpec") or {}
    _field(console, "Type", tspec.get("type"))
    phase = status.get("phase") or "Pending"
    console.print(Text.assemble((f"{'Phase:':<16}", "bold"), (phase, PHASE_STYLES.get(phase, ""))))
    _field(console, "Reason", status.get("reason"))
    _field(console, "Message", status.get("message"))
    _field(console, "Started", status.get("startTime"))
    _field(console, "Finished", status.get("completionTime"))
    _field(console, "Duration", run_duration(run) if status.get("startTime") else None)
    _field(console, "Timeout", spec.get("timeout"))
    _field(
        console,
        "Params",
        ", ".join(f"{p['name']}={p.get('value', '')}" for p in spec.get("params") or []),
    )
    _field(console, "Workspaces", ", ".join(_binding(w) for w in spec.get("workspaces") or []))
    _field(console, "Pod", status.get("podName"))
    resource = status.get("resource")
    if resource:
        _field(console, "Resource", f"{resource.get('kind')}/{resource.get('name')}")
    if status.get("results"):
        _field(
            console,
            "Results",
            ", ".join(f"{r['name']}={r.get('value', '')!r}" for r in status["results"]),
        )
    steps = status.get("steps") or []
    if steps:
        t = Table(
            "STEP",
            "PHASE",
            "EXIT",
            "STARTED",
            "FINISHED",
            box=None,
            header_style="bold",
            title_justify="left",
        )
        for s in steps:
            p = s.get("phase", "")
            t.add_row(
                s["name"],
                Text(p, style=PHASE_STYLES.get(p, "")),
                "" if s.get("exitCode") is None else str(s["exitCode"]),
                s.get("startTime") or "",
                s.get("completionTime") or "",
            )
        console.print(Text("Steps:", style="bold"))
        console.print(t)
    nodes = status.get("nodes") or {}
    if nodes:
        t = Table("NODE", "PHASE", "ATTEMPTS", "RUN", "MESSAGE", box=None, header_style="bold")
        for name, n in nodes.items():
            p = n.get("phase", "")
            t.add_row(
                name,
                Text(p, style=PHASE_STYLES.get(p, "")),
                str(n.get("attempts", 0)),
                n.get("workflowRunName") or "",
                (n.get("message") or "")[:80],
            )
        console.print(Text("Nodes:", style="bold"))
        console.print(t)


def _binding(w: Obj) -> str:
    for key, field in (
        ("persistentVolumeClaim", "claimName"),
        ("configMap", "name"),
        ("secret", "secretName"),
    ):
        if key in w:
            return (
                f"{w['name']}=pvc:{w[key][field]}"
                if key == "persistentVolumeClaim"
                else f"{w['name']}={key.lower()}:{w[key][field]}"
            )
    return f"{w['name']}=emptydir"


def _events(console: Console, events: list[Obj]) -> None:
    console.print(Text("Events:", style="bold"))
    if not events:
        console.print("  <none>")
        return
    t = Table("TIME", "TYPE", "REASON", "MESSAGE", box=None, header_style="bold")
    for e in events:
        t.add_row(
            e.get("lastTimestamp") or e.get("firstTimestamp") or "",
            e.get("type", ""),
            e.get("reason", ""),
            e.get("message", ""),
        )
    console.print(t)
