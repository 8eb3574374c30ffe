"""What `apply`, `create` and `validate` share: kubectl's `--dry-run` and
`--validate` options, the checks made without a store, and warnings printed as
kubectl prints them (`Warning: …` on stderr)."""

from __future__ import annotations

import os
from typing import Annotated, Any, Literal

import typer

from ..api.documents import Document
from ..api.policy import Policy
from ..api.validate import describe
from ..client.base import FieldValidation
from ..client.offline import OfflineAdmission
from ..config import SERVER_ENV, resolve_home
from ..errors import BadRequest, FieldWarning
from .app import err
from .state import options

DryRun = Literal["none", "server", "client"]
_DRY_RUNS: dict[str, DryRun] = {"none": "none", "server": "server", "client": "client"}
_VALIDATIONS: dict[str, FieldValidation] = {
    # kubectl's values, and the booleans it still takes for them.
    "strict": "Strict",
    "true": "Strict",
    "warn": "Warn",
    "ignore": "Ignore",
    "false": "Ignore",
}

DryRunOpt = Annotated[
    str,
    typer.Option(
        "--dry-run",
        metavar="none|server|client",
        help="server: full admission against what is stored, nothing stored; "
        "client: check the files here only (as validate); none: write",
    ),
]
ValidateOpt = Annotated[
    str | None,
    typer.Option(
        "--validate",
        metavar="strict|warn|ignore",
        help="Unknown fields and undeclared params: strict refuses the object, "
        "warn (default) prints a warning, ignore says nothing",
    ),
]
StrictOpt = Annotated[bool, typer.Option("--strict", help="Same as --validate=strict")]


def dry_run_of(value: str) -> DryRun:
    found = _DRY_RUNS.get(value.strip().lower())
    if found is None:
        raise BadRequest(f'--dry-run "{value}": use none, server or client')
    return found


def validation_of(value: str | None, strict: bool) -> FieldValidation:
    """The field validation `--validate` and `--strict` ask for (default Warn)."""
    if value is None:
        return "Strict" if strict else "Warn"
    found = _VALIDATIONS.get(value.strip().lower())
    if found is None:
        raise BadRequest(f'--validate "{value}": use strict, warn or ignore')
    if strict and found != "Strict":
        raise BadRequest(f"--strict and --validate={value} contradict each other: give one")
    return found


def offline_admission(docs: list[Document], namespace: str | None) -> OfflineAdmission:
    """Admission of the documents without a store. Its policy is the data
    directory's in embedded mode; with a server it refuses nothing beyond the API,
    since only the server knows what its owner allows (a server dry run asks it)."""
    server = options.server or os.environ.get(SERVER_ENV)
    policy = Policy(allow_host_path=True) if server else resolve_home(options.home).policy
    return OfflineAdmission([d.data for d in docs], namespace, policy)


def where(doc: Document) -> str:
    """A document as warnings name it: `file (document N)`."""
    return f"{doc.source} (document {doc.index})"


def print_warnings(warnings: list[FieldWarning], obj: Any, source: str | None = None) -> None:
    """`Warning: <source>: <Kind "name">: <path>: <message>`, one line each."""
    head = f"{source}: " if source else ""
    for warning in warnings:
        err.print(f"Warning: {head}{describe(obj)}: {warning}", markup=False)


__all__ = [
    "DryRun",
    "DryRunOpt",
    "StrictOpt",
    "ValidateOpt",
    "dry_run_of",
    "offline_admission",
    "print_warnings",
    "validation_of",
    "where",
]
