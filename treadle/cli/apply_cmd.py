"""`treadle apply -f` and `treadle create -f`, as kubectl's: every document of the
files is written in order, each one that fails is reported with its file, document
and field, and the others still are."""

from __future__ import annotations

import os
from typing import Annotated, Literal

import typer

from ..api.documents import read_documents
from ..api.kinds import by_kind
from ..api.template import JOB_FIELDS
from ..client.admission import refuse_generated_name
from ..client.base import Client, FieldValidation, Verb, shown
from ..client.http import ServerError
from ..config import SERVER_ENV, resolve_home
from ..errors import BadRequest, NotFound, StorageError, TreadleError, ValidationError
from ..store.base import Obj
from .app import app, handles_errors, out, report
from .objects_cmd import NamespaceOpt
from .state import client, options
from .writes import (
    DryRun,
    DryRunOpt,
    StrictOpt,
    ValidateOpt,
    dry_run_of,
    offline_admission,
    print_warnings,
    validation_of,
    where,
)

FilesOpt = Annotated[list[str], typer.Option("-f", "--filename", help="File, directory or -")]

_SUFFIX: dict[DryRun, str] = {"none": "", "client": " (dry run)", "server": " (server dry run)"}
_ACTED_ON = frozenset(
    {"WorkflowRun", "CronWorkflowRun", "Pod", "Job", *JOB_FIELDS, "SimpleMLService"}
)
"""Kinds a controller acts on: applying one (a T9k job by itself, say) starts
the data directory's controller if none runs, as creating a run does."""
_FATAL = (ServerError, StorageError)
"""Failures that are not about a document: the documents after it would fail alike."""


@app.command("apply")
@handles_errors
def apply_command(
    files: FilesOpt,
    namespace: NamespaceOpt = None,
    dry_run: DryRunOpt = "none",
    validate: ValidateOpt = None,
    strict: StrictOpt = False,
) -> None:
    """Create or update every object in the files, as kubectl apply.

    Each valid document is applied in order; each invalid one is reported with its
    file, document and field path, and the exit code is then non-zero (2 for
    invalid input, 1 for other failures). A document with only generateName is
    refused: use create."""
    _write("apply", files, namespace, dry_run_of(dry_run), validation_of(validate, strict))


@app.command("create")
@handles_errors
def create_command(
    files: FilesOpt,
    namespace: NamespaceOpt = None,
    dry_run: DryRunOpt = "none",
    validate: ValidateOpt = None,
    strict: StrictOpt = False,
) -> None:
    """Create every object in the files, as kubectl create.

    A name already taken is an error for that document (the others are still
    created); metadata.generateName gets a generated name. Exit code as for apply."""
    _write("create", files, namespace, dry_run_of(dry_run), validation_of(validate, strict))


def _write(
    how: Literal["apply", "create"],
    files: list[str],
    namespace: str | None,
    dry_run: DryRun,
    validation: FieldValidation,
) -> None:
    docs = read_documents(files)
    if not docs:
        raise BadRequest("no objects found in " + ", ".join(files))
    # Every document is checked here first, as `validate` checks it, so that what
    # `validate` refuses `apply` refuses too, whatever is stored.
    offline = offline_admission(docs, namespace)
    c: Client | None = None
    failures: list[TreadleError] = []
    wants_controller = False
    for i, doc in enumerate(docs):
        try:
            if how == "apply":
                refuse_generated_name(doc.data)
            local = offline.check(i, strict=validation == "Strict")
            if dry_run == "client":
                obj, warnings = local.obj, shown(local.warnings, validation)
                verb: Verb = "created" if how == "create" else _client_verb(obj)
            else:
                c = c or client()
                if how == "create":
                    obj, warnings = c.create(
                        doc.data, namespace, dry_run=dry_run == "server", validation=validation
                    )
                    verb = "created"
                else:
                    obj, verb, warnings = c.apply(
                        doc.data, namespace, dry_run=dry_run == "server", validation=validation
                    )
        except _FATAL:
            raise  # handles_errors reports it once
        except TreadleError as exc:
            report(exc, doc.where)
            failures.append(exc)
            continue
        print_warnings(warnings, obj, where(doc))
        meta = obj["metadata"]
        name = meta.get("name") or meta.get("generateName")
        out.print(f"{obj['kind'].lower()}/{name} {verb}{_SUFFIX[dry_run]}", markup=False)
        wants_controller |= obj["kind"] in _ACTED_ON
    if wants_controller and dry_run == "none" and c is not None:
        c.ensure_controller()
    if failures:
        invalid = all(isinstance(f, ValidationError | BadRequest) for f in failures)
        raise typer.Exit(2 if invalid else 1)


def _client_verb(obj: Obj) -> Verb:
    """What a client dry run of `apply` says: `configured` when the object exists,
    else `created`. A data directory that does not exist yet holds nothing, and is
    not made for a dry run."""
    server = options.server or os.environ.get(SERVER_ENV)
    if not server and not resolve_home(options.home).database.exists():
        return "created"
    info = by_kind(obj["apiVersion"], obj["kind"])
    if info is None:
        return "created"
    meta = obj["metadata"]
    try:
        client().get(info, meta.get("namespace"), meta["name"])
    except NotFound:
        return "created"
    return "configured"


__all__ = ["apply_command", "create_command"]
