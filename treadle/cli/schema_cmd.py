"""`treadle schema --out DIR`: write the JSON Schema (and CRD) of every kind."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ..api.documents import dump_yaml
from ..api.schema import WORKFLOW_KINDS, crd, json_schema
from .app import app, handles_errors, out


@app.command("schema")
@handles_errors
def schema_command(
    out_dir: Annotated[Path, typer.Option("--out", help="Directory to write into")],
    crds: Annotated[bool, typer.Option("--crd", help="Write CRD manifests instead")] = False,
) -> None:
    """Write one JSON Schema file per kind (or one CRD per kind with --crd)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for info in WORKFLOW_KINDS:
        if crds:
            path = out_dir / f"{info.plural}.{info.group}.yaml"
            path.write_text(dump_yaml(crd(info)))
        else:
            path = out_dir / f"{info.singular}.schema.json"
            path.write_text(json.dumps(json_schema(info), indent=2) + "\n")
        out.print(f"wrote {path}")
