"""`treadle describe`: an object for a person to read."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.text import Text

from ..api.documents import dump_yaml
from ..core.pods import CONTAINER, INIT_CONTAINER, KIND_WORDS
from .grid import Col, Grid
from .replicas import (
    Replica,
    is_job,
    is_service,
    job_replicas,
    job_restarts,
    pod_replicas,
    service_ready,
    service_url,
)
from .tables import PHASE_STYLES, age, phase_text, run_duration

Obj = dict[str, Any]


def marked(name: str, kind: str | None) -> str:
    """A step's name where space is short (log prefixes, the live view): an init
    container says so, since it shares the list with the steps."""
    return f"{name} (init)" if kind == INIT_CONTAINER else name


def _field(console: Console, label: str, value: Any) -> None:
    if value in (None, "", [], {}):
        return
    console.print(Text.assemble((f"{label + ':':<16}", "bold"), str(value)))


def describe_object(
    console: Console, obj: Obj, events: list[Obj], pods: list[Obj] | None = None
) -> None:
    """`pods`: those `obj` controls, for a kind that does not list its replicas in
    its status (a SimpleMLService)."""
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
    elif is_job(obj):
        _describe_job(console, obj)
    elif is_service(obj):
        _describe_service(console, obj, pods or [])
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
        t = Grid("STEP", "KIND", "PHASE", "EXIT", "STARTED", "FINISHED", indent=2)
        for s in steps:
            kind = s.get("kind") or CONTAINER
            t.add_row(
                s["name"],
                KIND_WORDS.get(kind, kind),
                phase_text(s.get("phase", "")),
                "" if s.get("exitCode") is None else str(s["exitCode"]),
                s.get("startTime") or "",
                s.get("completionTime") or "",
            )
        console.print(Text("Steps:", style="bold"))
        console.print(t)
    nodes = status.get("nodes") or {}
    if nodes:
        t = Grid("NODE", "PHASE", "ATTEMPTS", "RUN", Col("MESSAGE", clip=80), indent=2)
        for name, n in nodes.items():
            t.add_row(
                name,
                phase_text(n.get("phase", "")),
                str(n.get("attempts", 0)),
                n.get("workflowRunName") or "",
                n.get("message") or "",
            )
        console.print(Text("Nodes:", style="bold"))
        console.print(t)


def _phase(console: Console, phase: str) -> None:
    console.print(Text.assemble((f"{'Phase:':<16}", "bold"), (phase, PHASE_STYLES.get(phase, ""))))


def _describe_job(console: Console, job: Obj) -> None:
    status = job.get("status") or {}
    _phase(console, status.get("phase") or "Pending")
    _field(console, "Started", status.get("startTime"))
    _field(console, "Finished", status.get("completionTime"))
    _field(console, "Restarts", job_restarts(job) if status else None)
    _conditions(console, status)
    _replicas(console, job_replicas(job), with_exit=True)
    _spec(console, job)


def _describe_service(console: Console, service: Obj, pods: list[Obj]) -> None:
    status = service.get("status") or {}
    _field(console, "URL", service_url(service))
    console.print(Text.assemble((f"{'Ready:':<16}", "bold"), service_ready(service)))
    _conditions(console, status)
    _replicas(console, pod_replicas(pods), with_exit=False)
    _spec(console, service)


def _spec(console: Console, obj: Obj) -> None:
    console.print(Text("Spec:", style="bold"))
    console.print(Text(_indent(dump_yaml(obj.get("spec") or {}))))


def _conditions(console: Console, status: Obj) -> None:
    conditions = status.get("conditions") or []
    if not conditions:
        return
    t = Grid("TYPE", "STATUS", "REASON", Col("MESSAGE", clip=80), "SINCE", indent=2)
    for c in conditions:
        t.add_row(
            c.get("type", ""),
            c.get("status", ""),
            c.get("reason") or "",
            c.get("message") or "",
            c.get("lastTransitionTime") or "",
        )
    console.print(Text("Conditions:", style="bold"))
    console.print(t)


def _replicas(console: Console, rows: list[Replica], *, with_exit: bool) -> None:
    console.print(Text("Replicas:", style="bold"))
    if not rows:
        console.print("  <none>")
        return
    heads = ["TYPE", "POD", "PHASE", "RESTARTS", *(["EXIT"] if with_exit else [])]
    t = Grid(*heads, indent=2)
    for r in rows:
        cells: list[str | Text] = [r.type, r.name, phase_text(r.phase), str(r.restarts)]
        if with_exit:
            cells.append("" if r.exit_code is None else str(r.exit_code))
        t.add_row(*cells)
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
    t = Grid("TIME", "TYPE", "REASON", "MESSAGE", indent=2)
    for e in events:
        t.add_row(
            e.get("lastTimestamp") or e.get("firstTimestamp") or "",
            e.get("type", ""),
            e.get("reason", ""),
            e.get("message", ""),
        )
    console.print(t)
