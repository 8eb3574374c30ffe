"""Commands about runs: run, wait, logs, stop, rerun."""

from __future__ import annotations

import time
from typing import Annotated, Any

import typer
from rich.console import Console, ConsoleOptions, RenderResult
from rich.live import Live
from rich.text import Text

from ..api.objects import GROUP_VERSION
from ..client.base import Client
from ..core.duration import parse_duration
from ..errors import BadRequest
from .app import app, err, handles_errors, out
from .describe import marked
from .grid import Grid, wrap_words
from .objects_cmd import NamespaceOpt, kind_arg
from .state import client
from .tables import PHASE_STYLES, phase_text, run_duration
from .writes import print_warnings

FINAL = ("Succeeded", "Failed")


def _binding(spec: str) -> dict[str, Any]:
    """`ws=pvc:CLAIM[/sub]`, `ws=emptydir`, `ws=configmap:NAME`, `ws=secret:NAME`."""
    name, sep, source = spec.partition("=")
    if not sep or not name:
        raise BadRequest(
            f'-w "{spec}": expected NAME=pvc:CLAIM, NAME=emptydir, '
            "NAME=configmap:NAME or NAME=secret:NAME"
        )
    kind, _, ref = source.partition(":")
    kind = kind.lower()
    if kind == "pvc" and ref:
        claim, _, sub = ref.partition("/")
        binding: dict[str, Any] = {"name": name, "persistentVolumeClaim": {"claimName": claim}}
        if sub:
            binding["subPath"] = sub
        return binding
    if kind == "emptydir":
        return {"name": name, "emptyDir": {}}
    if kind == "configmap" and ref:
        return {"name": name, "configMap": {"name": ref}}
    if kind == "secret" and ref:
        return {"name": name, "secret": {"secretName": ref}}
    raise BadRequest(
        f'-w "{spec}": unknown workspace source "{source}" '
        "(use pvc:CLAIM, emptydir, configmap:NAME or secret:NAME)"
    )


def _param(spec: str) -> dict[str, str]:
    name, sep, value = spec.partition("=")
    if not sep or not name:
        raise BadRequest(f'-p "{spec}": expected NAME=VALUE')
    return {"name": name, "value": value}


@app.command("run")
@handles_errors
def run_command(
    template: Annotated[str, typer.Argument(help="WorkflowTemplate to run")],
    param: Annotated[list[str] | None, typer.Option("-p", "--param", help="NAME=VALUE")] = None,
    workspace: Annotated[
        list[str] | None,
        typer.Option(
            "-w",
            "--workspace",
            help="NAME=pvc:CLAIM | NAME=emptydir | NAME=configmap:X | NAME=secret:X",
        ),
    ] = None,
    name: Annotated[
        str | None, typer.Option("--name", help="Run name (default: generated)")
    ] = None,
    timeout: Annotated[str | None, typer.Option("--timeout", help="Run timeout, e.g. 10m")] = None,
    service_account: Annotated[str | None, typer.Option("--service-account")] = None,
    watch: Annotated[
        bool, typer.Option("--watch", help="Follow the run live; exit 0 on Succeeded, 1 on Failed")
    ] = False,
    namespace: NamespaceOpt = None,
) -> None:
    """Create a WorkflowRun of a template and print its name."""
    spec: dict[str, Any] = {"workflowTemplateRef": template}
    if param:
        spec["params"] = [_param(p) for p in param]
    if workspace:
        spec["workspaces"] = [_binding(w) for w in workspace]
    if timeout:
        spec["timeout"] = timeout
    if service_account:
        spec["serviceAccountName"] = service_account
    meta: dict[str, Any] = {"name": name} if name else {"generateName": f"{template[:50]}-"}
    c = client()
    c.get(kind_arg("wt"), namespace, template)
    run, warnings = c.create(
        {"apiVersion": GROUP_VERSION, "kind": "WorkflowRun", "metadata": meta, "spec": spec},
        namespace,
    )
    print_warnings(warnings, run)
    c.ensure_controller()
    run_name = run["metadata"]["name"]
    print(run_name, flush=True)
    if watch:
        raise typer.Exit(_watch(c, namespace, run_name))


class WatchView:
    """A run as `--watch` shows it: a title line, its steps or nodes, its message.

    The message is wrapped here, between words, to the width it is drawn at: the
    console prints without wrapping (so piped lines stay whole), and a live view
    would cut a long line at the screen's edge."""

    def __init__(self, run: dict[str, Any]) -> None:
        self.run = run

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        status = self.run.get("status") or {}
        yield watch_grid(self.run)
        width = options.max_width if options.is_terminal else None
        for line in wrap_words(status.get("message") or "", width):
            yield Text(line, style="dim")


def watch_grid(run: dict[str, Any]) -> Grid:
    status = run.get("status") or {}
    phase = status.get("phase") or "Pending"
    title = Text.assemble(
        (run["metadata"]["name"], "bold"), "  ", phase_text(phase), "  ", run_duration(run)
    )
    nodes = status.get("nodes") or {}
    if nodes:
        grid = Grid("NODE", "PHASE", "ATTEMPTS", title=title)
        for node, entry in nodes.items():
            grid.add_row(node, phase_text(entry.get("phase", "")), str(entry.get("attempts", 0)))
        return grid
    created = status.get("resource") or {}
    if created and not status.get("steps"):
        # A Resource run has no steps: what it made is what there is to see
        # (`treadle describe` and `treadle logs` the run show that object's replicas).
        grid = Grid("RESOURCE", title=title)
        grid.add_row(f"{created.get('kind', '')}/{created.get('name', '')}")
        return grid
    grid = Grid("STEP", "PHASE", "EXIT", title=title)
    for step in status.get("steps") or []:
        code = step.get("exitCode")
        grid.add_row(
            marked(step["name"], step.get("kind")),
            phase_text(step.get("phase", "")),
            "" if code is None else str(code),
        )
    return grid


def _wait(
    c: Client, namespace: str | None, name: str, deadline: float | None, on_change: Any = None
) -> dict[str, Any]:
    info = kind_arg("wr")
    last_check = 0.0
    while True:
        run = c.get(info, namespace, name)
        if on_change is not None:
            on_change(run)
        if (run.get("status") or {}).get("phase") in FINAL:
            return run
        if deadline is not None and time.monotonic() >= deadline:
            return run
        if time.monotonic() - last_check > 5:
            c.ensure_controller()  # restarts a controller that died meanwhile
            last_check = time.monotonic()
        time.sleep(0.1)


def _watch(c: Client, namespace: str | None, name: str) -> int:
    run = c.get(kind_arg("wr"), namespace, name)
    if not out.is_terminal:
        # A live view piped would be drawn once, at the end, cut to 80 columns.
        run = _wait(c, namespace, name, None)
        out.print(WatchView(run))
    else:
        with Live(WatchView(run), console=out, refresh_per_second=8, transient=False) as live:
            run = _wait(c, namespace, name, None, lambda r: live.update(WatchView(r)))
    return 0 if run["status"]["phase"] == "Succeeded" else 1


@app.command("wait")
@handles_errors
def wait_command(
    name: Annotated[str, typer.Argument(help="WorkflowRun name")],
    timeout: Annotated[
        str | None, typer.Option("--timeout", help="Give up after, e.g. 90s")
    ] = None,
    namespace: NamespaceOpt = None,
) -> None:
    """Wait for a run to finish: exit 0 on Succeeded, 1 on Failed, 2 on timeout."""
    c = client()
    c.get(kind_arg("wr"), namespace, name)
    c.ensure_controller()
    deadline = time.monotonic() + parse_duration(timeout) if timeout else None
    run = _wait(c, namespace, name, deadline)
    status = run.get("status") or {}
    phase = status.get("phase") or "Pending"
    if phase not in FINAL:
        err.print(f"workflowrun/{name} still {phase} after {timeout}")
        raise typer.Exit(2)
    out.print(
        Text.assemble(
            f"workflowrun/{name} ",
            (phase, PHASE_STYLES.get(phase, "")),
            f": {status.get('message', '')}",
        )
    )
    raise typer.Exit(0 if phase == "Succeeded" else 1)


@app.command("logs")
@handles_errors
def logs_command(
    first: Annotated[
        str, typer.Argument(metavar="[KIND] NAME", help="A WorkflowRun's name, or a kind and name")
    ],
    second: Annotated[str | None, typer.Argument(hidden=True)] = None,
    step: Annotated[
        str | None,
        typer.Option("--step", "-s", help="Only this step or node; for an object, this pod"),
    ] = None,
    follow: Annotated[
        bool, typer.Option("-f", "--follow", help="Stream until the run (or job) ends")
    ] = False,
    tail: Annotated[int | None, typer.Option("--tail", help="Last N lines of each step")] = None,
    timestamps: Annotated[bool, typer.Option("--timestamps", help="Show each line's time")] = False,
    namespace: NamespaceOpt = None,
) -> None:
    """Print the logs of every step (and, for a DAG, every child run; for a Resource
    run, every pod of what it created). `treadle logs KIND NAME` prints those of any
    other object: a pod, or every replica of a T9k job or SimpleMLService."""
    c = client()
    info = kind_arg(first) if second is not None else None
    replicas = info is not None and info.kind not in ("WorkflowRun", "Pod")
    if info is None or info.kind == "WorkflowRun":
        name = second if second is not None else first
        lines = c.run_logs(namespace, name, step=step, follow=follow, tail_lines=tail)
    else:
        assert second is not None
        lines = c.object_logs(info, namespace, second, step=step, follow=follow, tail_lines=tail)
    first_line = next(lines, None)
    if first_line is None:
        return
    sources = {first_line.source}
    buffered = [first_line]
    if not follow:
        buffered += list(lines)
        sources |= {line.source for line in buffered}
    # Replicas always say which they are: a job of one replica may be rerun with four.
    prefixed = len(sources) > 1 or follow or replicas
    for line in _chain(buffered, lines if follow else iter(())):
        head = f"{line.time} " if timestamps else ""
        label = f"[{marked(line.source, line.kind)}] " if prefixed else ""
        print(f"{head}{label}{line.text}", flush=follow)


def _chain(first: list[Any], rest: Any) -> Any:
    yield from first
    yield from rest


@app.command("stop")
@handles_errors
def stop_command(
    name: Annotated[str, typer.Argument(help="WorkflowRun name")],
    namespace: NamespaceOpt = None,
) -> None:
    """Stop a running run: it ends Failed (Cancelled) and everything it started stops."""
    client().stop_run(namespace, name)
    out.print(f"workflowrun/{name} stopping")


@app.command("rerun")
@handles_errors
def rerun_command(
    name: Annotated[str, typer.Argument(help="WorkflowRun name")],
    watch: Annotated[bool, typer.Option("--watch")] = False,
    namespace: NamespaceOpt = None,
) -> None:
    """Create a new run with the same spec; prints its name."""
    c = client()
    run = c.rerun(namespace, name)
    c.ensure_controller()
    print(run["metadata"]["name"], flush=True)
    if watch:
        raise typer.Exit(_watch(c, namespace, run["metadata"]["name"]))
