"""`treadle schema --out DIR`: write the JSON Schema (or the CRD) of every kind."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ..api.documents import dump_yaml
from ..api.schema import WORKFLOW_KINDS, json_schema
from .app import app, handles_errors, out


@app.command("schema")
@handles_errors
def schema_command(
    out_dir: Annotated[Path, typer.Option("--out", help="Directory to write into")],
    crds: Annotated[
        bool,
        typer.Option("--crd", help="Write the CRDs `treadle install --kube` installs instead"),
    ] = False,
    platform_kinds: Annotated[
        bool,
        typer.Option("--platform-kinds", help="With --crd: also the T9k jobs and SimpleMLService"),
    ] = False,
) -> None:
    """Write one JSON Schema file per kind (or one CRD per kind with --crd)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    if crds:
        # The install's own CRDs, so what is written here is what a cluster gets.
        from ..kube.crds import all_crds

        for definition in all_crds(platform=platform_kinds):
            path = out_dir / f"{definition['metadata']['name']}.yaml"
            path.write_text(dump_yaml(definition))
            out.print(f"wrote {path}")
        return
    for info in WORKFLOW_KINDS:
        path = out_dir / f"{info.singular}.schema.json"
        path.write_text(json.dumps(json_schema(info), indent=2) + "\n")
        out.print(f"wrote {path}")
