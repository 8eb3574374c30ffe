"""Kubernetes' parameters of a write (docs/api.md, Resources), and its answer.

`dryRun=All` on a create, replace or patch goes through all of admission, against
what is stored, and answers as the write would, but stores nothing (and so starts
nothing: the controller only acts on what is stored). `fieldValidation` says what
warnings do: `Strict` makes them errors (422, nothing stored), `Warn` (the default)
stores and returns them, `Ignore` stores and returns none. Warnings come back as
`Warning` headers (client/warning_header.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Query, Request

from ..client.base import FIELD_VALIDATIONS, FieldValidation
from ..client.warning_header import WARNING_HEADER, warning_values
from ..errors import BadRequest, FieldWarning
from .status import JSONResponse

DRY_RUN_ALL = "All"
_VALIDATIONS: dict[str, FieldValidation] = {v: v for v in FIELD_VALIDATIONS}


@dataclass(frozen=True)
class WriteOptions:
    dry_run: bool = False
    validation: FieldValidation = "Warn"


PLAIN_WRITE = WriteOptions()
"""A write as it is without parameters: stored, warnings returned."""


def write_options(
    dry_run: str | None = Query(
        None,
        alias="dryRun",
        description='"All": admit and answer as for a real write, but store nothing',
        json_schema_extra={"enum": [DRY_RUN_ALL]},
    ),
    field_validation: str | None = Query(
        None,
        alias="fieldValidation",
        description="Strict: warnings (unknown fields, undeclared params) are errors; "
        "Warn (default): stored, warnings in Warning headers; Ignore: stored, none returned",
        json_schema_extra={"enum": list(FIELD_VALIDATIONS)},
    ),
) -> WriteOptions:
    if dry_run is not None and dry_run != DRY_RUN_ALL:
        raise BadRequest(
            f'dryRun: unsupported value "{dry_run}": the only value is "{DRY_RUN_ALL}" '
            "(leave dryRun out to store the change)"
        )
    validation: FieldValidation = "Warn"
    if field_validation:
        found = _VALIDATIONS.get(field_validation)
        if found is None:
            raise BadRequest(
                f'fieldValidation: unsupported value "{field_validation}": '
                f"use one of {', '.join(FIELD_VALIDATIONS)}"
            )
        validation = found
    return WriteOptions(dry_run=dry_run is not None, validation=validation)


def no_dry_run(request: Request) -> None:
    """For a DELETE: a dry run of one is not offered, and must not delete for real."""
    if "dryRun" in request.query_params:
        raise BadRequest(
            "dryRun: not supported on DELETE here; nothing was deleted (leave dryRun out to delete)"
        )


def written(obj: Any, warnings: list[FieldWarning], status_code: int = 200) -> JSONResponse:
    """The answer to a write: the object, and one Warning header per warning."""
    response = JSONResponse(obj, status_code=status_code)
    name = WARNING_HEADER.encode()
    response.raw_headers.extend((name, value) for value in warning_values(map(str, warnings)))
    return response


__all__ = ["PLAIN_WRITE", "WriteOptions", "no_dry_run", "write_options", "written"]
