"""kubectl-like commands over objects: get, describe, delete (apply and create:
apply_cmd.py)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from ..api.documents import dump_yaml
from ..api.kinds import WORKFLOW_KINDS, KindInfo, lookup
from ..errors import BadRequest, FieldError, NotFound
from .app import app, err, handles_errors, out
from .describe import describe_object
from .replicas import is_service, owned_pods
from .state import client
from .tables import table

NamespaceOpt = Annotated[str | None, typer.Option("-n", "--namespace", help="Namespace (project)")]


def kind_arg(word: str) -> KindInfo:
    info = lookup(word)
    if info is None:
        known = ", ".join(k.plural for k in WORKFLOW_KINDS)
        raise BadRequest(f'unknown kind "{word}" (try one of: {known}, or wt/wr/cwr)')
    return info


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
    pods = None
    if is_service(obj):  # its status does not list its replicas: its pods do
        ns = obj["metadata"].get("namespace")
        pods = owned_pods(obj, c.list(kind_arg("pods"), ns).items)
    describe_object(out, obj, c.events_for(obj), pods)


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
