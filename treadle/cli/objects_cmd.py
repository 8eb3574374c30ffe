"""kubectl-like commands over objects: apply, get, describe, delete."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from ..api.documents import dump_yaml, read_documents
from ..api.kinds import WORKFLOW_KINDS, KindInfo, lookup
from ..api.template import WorkflowTemplate, WorkflowTemplateSpec
from ..api.validate import validate
from ..errors import BadRequest, FieldError, NotFound, TreadleError, ValidationError
from .app import app, err, handles_errors, out, report
from .describe import describe_object
from .state import client
from .tables import table

NamespaceOpt = Annotated[str | None, typer.Option("-n", "--namespace", help="Namespace (project)")]


def kind_arg(word: str) -> KindInfo:
    info = lookup(word)
    if info is None:
        known = ", ".join(k.plural for k in WORKFLOW_KINDS)
        raise BadRequest(f'unknown kind "{word}" (try one of: {known}, or wt/wr/cwr)')
    return info


@app.command("apply")
@handles_errors
def apply_command(
    files: Annotated[list[str], typer.Option("-f", "--filename", help="File, directory or -")],
    namespace: NamespaceOpt = None,
) -> None:
    """Create or update every object in the files. Nothing is stored unless all are valid."""
    docs = read_documents(files)
    if not docs:
        raise BadRequest("no objects found in " + ", ".join(files))
    c = client()
    offline: dict[tuple[str, str], WorkflowTemplateSpec] = {}
    failed = False
    for doc in docs:
        try:
            obj = validate(doc.data, lambda ns, name: offline.get((ns or "default", name)))
        except TreadleError as exc:
            report(exc, doc.where)
            failed = True
            continue
        if isinstance(obj, WorkflowTemplate) and obj.metadata.name:
            offline[(obj.metadata.namespace or namespace or "default", obj.metadata.name)] = (
                obj.spec
            )
    if failed:
        err.print("nothing was applied")
        raise typer.Exit(2)
    wants_controller = False
    for doc in docs:
        try:
            obj, verb = c.apply(doc.data, namespace)
        except TreadleError as exc:
            report(exc, doc.where)
            raise typer.Exit(2 if isinstance(exc, ValidationError | BadRequest) else 1) from None
        kind = obj["kind"].lower()
        out.print(f"{kind}/{obj['metadata']['name']} {verb}")
        wants_controller |= obj["kind"] in ("WorkflowRun", "CronWorkflowRun") and verb == "created"
    if wants_controller:
        c.ensure_controller()


def _print_objects(
    info: KindInfo,
    items: list[dict[str, Any]],
    output: str | None,
    all_namespaces: bool,
    single: bool,
) -> None:
    if output == "json":
        body = items[0] if single else {"apiVersion": "v1", "kind": "List", "items": items}
        print(json.dumps(body, indent=2))
    elif output == "yaml":
        body = items[0] if single else {"apiVersion": "v1", "kind": "List", "items": items}
        print(dump_yaml(body), end="")
    elif output == "name":
        for obj in items:
            print(f"{info.singular}/{obj['metadata']['name']}")
    elif output in (None, "wide"):
        if not items:
            err.print(f"No {info.plural} found.")
            return
        out.print(table(info.kind, items, wide=output == "wide", all_namespaces=all_namespaces))
    else:
        raise BadRequest(f'unknown output format "{output}" (use wide, yaml, json or name)')


@app.command("get")
@handles_errors
def get_command(
    kind: Annotated[str, typer.Argument(help="Kind: workflowtemplates|wt, workflowruns|wr, …")],
    names: Annotated[list[str] | None, typer.Argument(help="Names (all when omitted)")] = None,
    namespace: NamespaceOpt = None,
    all_namespaces: Annotated[bool, typer.Option("-A", "--all-namespaces")] = False,
    selector: Annotated[str | None, typer.Option("-l", "--selector", help="Label selector")] = None,
    output: Annotated[
        str | None, typer.Option("-o", "--output", help="wide, yaml, json or name")
    ] = None,
) -> None:
    """List objects of a kind, or show the named ones."""
    info = kind_arg(kind)
    c = client()
    if names:
        found = [c.get(info, namespace, n) for n in names]
        _print_objects(info, found, output, False, single=len(names) == 1)
        return
    ns = None if all_namespaces else (namespace or "default")
    items: list[dict[str, Any]] = []
    token = None
    newest_first = info.kind == "WorkflowRun"  # the latest runs are what one looks for
    while True:
        page = c.list(
            info,
            ns,
            label_selector=selector,
            limit=500,
            continue_token=token,
            newest_first=newest_first,
        )
        items += page.items
        token = page.continue_token
        if not token:
            break
    _print_objects(info, items, output, all_namespaces, single=False)


@app.command("describe")
@handles_errors
def describe_command(
    kind: Annotated[str, typer.Argument(help="Kind")],
    name: Annotated[str, typer.Argument(help="Name")],
    namespace: NamespaceOpt = None,
) -> None:
    """Show an object in detail, with its status, steps or nodes, and events."""
    info = kind_arg(kind)
    c = client()
    obj = c.get(info, namespace, name)
    describe_object(out, obj, c.events_for(obj))


@app.command("delete")
@handles_errors
def delete_command(
    kind: Annotated[str, typer.Argument(help="Kind")],
    names: Annotated[list[str], typer.Argument(help="Names")],
    namespace: NamespaceOpt = None,
) -> None:
    """Delete objects; what they own (child runs, pods) goes with them."""
    info = kind_arg(kind)
    c = client()
    missing = []
    for name in names:
        try:
            c.delete(info, namespace, name)
        except NotFound as exc:
            missing.append(FieldError("", str(exc)))
            continue
        out.print(f"{info.singular}/{name} deleted")
    if missing:
        raise NotFound("; ".join(str(m) for m in missing))


__all__ = ["kind_arg"]
