"""`treadle validate -f FILE|DIR|-`: check documents without storing anything."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ..api.documents import Document, read_documents
from ..api.template import WorkflowTemplate, WorkflowTemplateSpec
from ..api.validate import describe, validate
from ..errors import BadRequest, TreadleError
from .app import app, handles_errors, out, report


def _templates(docs: list[Document]) -> dict[tuple[str, str], WorkflowTemplateSpec]:
    """Templates among the documents, so runs in the same files can be checked
    against them (params, workspaces) without a store."""
    found = {}
    for doc in docs:
        try:
            obj = validate(doc.data)
        except TreadleError:
            continue
        if isinstance(obj, WorkflowTemplate) and obj.metadata.name:
            found[(obj.metadata.namespace or "default", obj.metadata.name)] = obj.spec
    return found


@app.command("validate")
@handles_errors
def validate_command(
    files: Annotated[list[str], typer.Option("-f", "--filename", help="File, directory or -")],
) -> None:
    """Validate every document of every file; exit non-zero on any error."""
    docs = read_documents(files)
    templates = _templates(docs)

    def resolve(ns: str | None, name: str) -> WorkflowTemplateSpec | None:
        return templates.get((ns or "default", name))

    failed = 0
    for doc in docs:
        try:
            validate(doc.data, resolve)
        except TreadleError as exc:
            failed += 1
            report(exc, doc.where)
            continue
        out.print(f"ok  {_label(doc.data)}  ({doc.source})")
    if not docs:
        # Nothing checked is not "valid": a wrong path or an empty pipe is a mistake.
        raise BadRequest("no documents found in " + ", ".join(files))
    if failed:
        raise typer.Exit(2)


def _label(data: Any) -> str:
    return describe(data)
