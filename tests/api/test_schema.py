"""JSON Schema per kind (draft 2020-12) and the CRD `openAPIV3Schema` made from it."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from treadle.api.kinds import WORKFLOW_KINDS, KindInfo, by_kind
from treadle.api.schema import json_schema

from .samples import (
    ROOT,
    Doc,
    container_doc,
    dag_template,
    needs_conformance,
    needs_seed,
    node,
    run,
    seed_documents,
    template,
    valid_documents,
)

TREADLE = ROOT / ".venv" / "bin" / "treadle"
DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
KINDS = [pytest.param(info, id=info.kind) for info in WORKFLOW_KINDS]
CORPUS = [
    *(pytest.param(doc, id=where) for where, doc in valid_documents()),
    *(pytest.param(doc, id=where) for where, doc in seed_documents()),
]


def info_of(doc: Doc) -> KindInfo:
    info = by_kind(doc["apiVersion"], doc["kind"])
    assert info is not None
    return info


def schema_errors(doc: Doc) -> list[str]:
    """What the draft 2020-12 validator says about `doc` against its kind's schema:
    the innermost errors, without the `null` branch of optional fields."""
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(json_schema(info_of(doc)))

    def leaves(error: Any) -> Iterator[Any]:
        if error.context:
            for sub in error.context:
                yield from leaves(sub)
        elif not (error.validator == "type" and error.validator_value == "null"):
            yield error

    return [
        f"{list(e.absolute_path)}: {e.message}"
        for top in validator.iter_errors(doc)
        for e in leaves(top)
    ]


def nodes(schema: dict[str, Any], path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema node under `schema`, with a readable path."""
    yield path or "/", schema
    for name, sub in (schema.get("properties") or {}).items():
        yield from nodes(sub, f"{path}.{name}")
    for key in ("items", "additionalProperties", "not"):
        if isinstance(schema.get(key), dict):
            yield from nodes(schema[key], f"{path}[{key}]")
    for key in ("anyOf", "oneOf", "allOf"):
        for i, sub in enumerate(schema.get(key) or []):
            yield from nodes(sub, f"{path}<{key}{i}>")
    for name, sub in (schema.get("$defs") or {}).items():
        yield from nodes(sub, f"$defs.{name}")


def at(schema: dict[str, Any], *path: str) -> dict[str, Any]:
    """The node at a path of property names; `[]` steps into array items."""
    for step in path:
        schema = schema["items"] if step == "[]" else schema["properties"][step]
    return schema


# --- JSON Schema ----------------------------------------------------------------------


@pytest.mark.parametrize("info", KINDS)
def test_json_schema_is_a_valid_draft_2020_12_schema(info: KindInfo) -> None:
    schema = json_schema(info)
    assert schema["$schema"] == DRAFT_2020_12
    assert schema["$id"] == f"{info.group}/{info.version}/{info.kind}"
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("info", KINDS)
def test_json_schema_refs_all_resolve(info: KindInfo) -> None:
    schema = json_schema(info)
    defs = schema.get("$defs", {})
    refs = [n["$ref"] for _, n in nodes(schema) if "$ref" in n]
    assert refs, "nested types are shared through $defs"
    for ref in refs:
        assert ref.startswith("#/$defs/") and ref.removeprefix("#/$defs/") in defs, ref


@pytest.mark.parametrize("info", KINDS)
def test_json_schema_describes_the_wire_form(info: KindInfo) -> None:
    schema = json_schema(info)
    assert set(schema["properties"]) >= {"apiVersion", "kind", "metadata"}
    assert schema["properties"]["kind"].get("const") == info.kind
    camel = [p for _, n in nodes(schema) for p in n.get("properties") or {} if "_" in p]
    assert camel == [], "field names are camelCase on the wire"


@needs_conformance
@needs_seed
@pytest.mark.parametrize("doc", CORPUS)
def test_json_schema_accepts_the_valid_documents(doc: Doc) -> None:
    assert schema_errors(doc) == []


def test_json_schema_accepts_an_unknown_field_of_our_own_types_as_validation_does() -> None:
    # Validation keeps it and warns; JSON Schema cannot warn, and an editor must not
    # call a document invalid that `apply` accepts.
    doc = dag_template({"name": "a", "workflowTemplateRef": "x", "dependecies": []})
    assert schema_errors(doc) == []


def test_json_schema_marks_where_an_unknown_field_is_a_warning() -> None:
    # An editor marks such fields as validation does: a warning, not an error.
    info = by_kind("batch.tensorstack.dev/v1beta1", "WorkflowTemplate")
    assert info is not None
    defs = json_schema(info)["$defs"]
    assert defs["DagNode"]["x-treadle-unknown-fields"] == "warn"
    assert defs["Container"]["x-treadle-unknown-fields"] == "warn"
    assert defs["MPIJobSpec"]["x-treadle-unknown-fields"] == "warn"


def test_json_schema_lists_the_fields_the_api_defines_but_treadle_does_not_type() -> None:
    info = by_kind("batch.tensorstack.dev/v1beta1", "WorkflowTemplate")
    assert info is not None
    defs = json_schema(info)["$defs"]
    assert {"ports", "securityContext", "livenessProbe"} <= set(defs["Container"]["properties"])
    assert {"affinity", "tolerations", "os"} <= set(defs["PodSpec"]["properties"])
    assert {"finalizers", "managedFields"} <= set(defs["ObjectMeta"]["properties"])
    untyped = defs["Container"]["properties"]["securityContext"]
    assert "type" not in untyped and "$ref" not in untyped, "any value, as validation takes"


def test_json_schema_types_the_console_s_language_field_of_a_step() -> None:
    info = by_kind("batch.tensorstack.dev/v1beta1", "WorkflowTemplate")
    assert info is not None
    language = json_schema(info)["$defs"]["Step"]["properties"]["language"]
    assert {"type": "string"} in language["anyOf"]


def test_json_schema_accepts_unknown_fields_of_kubernetes_types() -> None:
    pod = {
        "containers": [container_doc(securityContext={"privileged": False}, stdin=True)],
        "hostIPC": False,
        "dnsConfig": {"nameservers": ["1.1.1.1"]},
    }
    assert schema_errors(template({"type": "Pod", "pod": pod})) == []


def test_json_schema_rejects_what_validation_rejects_structurally() -> None:
    doc = dag_template(node("a", when=[{"input": "a", "operator": "equals", "values": ["a"]}]))
    assert any("'equals'" in e for e in schema_errors(doc))


def test_json_schema_takes_scalar_param_values_as_validation_does() -> None:
    doc = run({"workflowTemplateRef": "t", "params": [{"name": "n", "value": 3}]})
    assert schema_errors(doc) == []


# --- treadle schema --out DIR ------------------------------------------------------------

needs_cli = pytest.mark.skipif(not TREADLE.exists(), reason="the treadle command is not installed")


def treadle_schema(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(TREADLE), "schema", *args], capture_output=True, text=True, timeout=60
    )


@needs_cli
def test_schema_command_writes_one_json_schema_per_kind(tmp_path: Path) -> None:
    done = treadle_schema("--out", str(tmp_path / "schemas"))
    assert done.returncode == 0, done.stderr
    written = sorted(p.name for p in (tmp_path / "schemas").iterdir())
    assert written == sorted(f"{info.singular}.schema.json" for info in WORKFLOW_KINDS)
    for info in WORKFLOW_KINDS:
        path = tmp_path / "schemas" / f"{info.singular}.schema.json"
        assert json.loads(path.read_text()) == json_schema(info)
        assert str(path) in done.stdout
