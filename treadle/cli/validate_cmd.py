"""`treadle validate -f FILE|DIR|-`: check documents without storing anything."""

from __future__ import annotations

import typer

from ..api.documents import read_documents
from ..api.validate import describe
from ..client.base import shown
from ..errors import BadRequest, TreadleError
from .app import app, handles_errors, out, report
from .apply_cmd import FilesOpt
from .objects_cmd import NamespaceOpt
from .writes import StrictOpt, ValidateOpt, offline_admission, print_warnings, validation_of, where


@app.command("validate")
@handles_errors
def validate_command(
    files: FilesOpt,
    namespace: NamespaceOpt = None,
    validate: ValidateOpt = None,
    strict: StrictOpt = False,
) -> None:
    """Validate every document of every file; exit non-zero on any error.

    Each document is checked as apply would admit it into an empty data directory:
    runs are checked against the templates in the same files. Warnings are printed
    and do not fail, unless --strict."""
    validation = validation_of(validate, strict)
    docs = read_documents(files)
    if not docs:
        # Nothing checked is not "valid": a wrong path or an empty pipe is a mistake.
        raise BadRequest("no documents found in " + ", ".join(files))
    offline = offline_admission(docs, namespace)
    failed = 0
    for i, doc in enumerate(docs):
        try:
            checked = offline.check(i, strict=validation == "Strict")
        except TreadleError as exc:
            failed += 1
            report(exc, doc.where)
            continue
        print_warnings(shown(checked.warnings, validation), doc.data, where(doc))
        out.print(f"ok  {describe(doc.data)}  ({doc.source})", markup=False)
    if failed:
        raise typer.Exit(2)
