"""Documents the API suites share: minimal builders, the shared conformance cases
and the YAML of the seed tutorial."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from treadle.api.template import WorkflowTemplate, WorkflowTemplateSpec
from treadle.api.validate import check, validate
from treadle.errors import FieldError, ValidationError

ROOT = Path(__file__).resolve().parents[2]
SHARED = (ROOT / ".." / "shared").resolve()
CONFORMANCE = SHARED / "conformance"
SEED = SHARED / "seeds" / "create-task-workflow-unit.zh.md"

GROUP = "batch.tensorstack.dev/v1beta1"
TRIGGERS = "tensorstack.dev/v1beta1"

needs_conformance = pytest.mark.skipif(
    not CONFORMANCE.is_dir(), reason="the shared conformance cases are not beside this checkout"
)
needs_seed = pytest.mark.skipif(
    not SEED.is_file(), reason="the seed tutorial is not beside this checkout"
)

Doc = dict[str, Any]
Resolver = Callable[[str | None, str], WorkflowTemplateSpec | None]

POD = {"containers": [{"name": "main", "image": "ubuntu", "command": ["true"]}]}
SEQ_POD = {"steps": [{"name": "step", "image": "ubuntu", "command": ["true"]}]}


def container_doc(name: str = "main", **fields: Any) -> Doc:
    return {"name": name, "image": "ubuntu", **fields}


def template(spec: Doc, name: str = "t", namespace: str | None = None) -> Doc:
    meta: Doc = {"name": name}
    if namespace:
        meta["namespace"] = namespace
    return {"apiVersion": GROUP, "kind": "WorkflowTemplate", "metadata": meta, "spec": spec}


def pod_template(**spec: Any) -> Doc:
    return template({"type": "Pod", "pod": POD, **spec})


def dag_template(*nodes: Doc, **spec: Any) -> Doc:
    dag = {"templates": list(nodes), **spec.pop("dag", {})}
    return template({"type": "DAG", "dag": dag, **spec})


def node(name: str, *deps: str, ref: str = "x", **fields: Any) -> Doc:
    out: Doc = {"name": name, "workflowTemplateRef": ref, **fields}
    if deps:
        out["dependencies"] = list(deps)
    return out


def resource_template(manifest: str, **resource: Any) -> Doc:
    return template({"type": "Resource", "resource": {"manifest": manifest, **resource}})


def run(spec: Doc, name: str = "r", namespace: str | None = None) -> Doc:
    meta: Doc = {"name": name}
    if namespace:
        meta["namespace"] = namespace
    return {"apiVersion": GROUP, "kind": "WorkflowRun", "metadata": meta, "spec": spec}


def cron(spec: Doc, name: str = "c") -> Doc:
    return {
        "apiVersion": GROUP,
        "kind": "CronWorkflowRun",
        "metadata": {"name": name},
        "spec": spec,
    }


def trigger(spec: Doc, name: str = "tr") -> Doc:
    return {
        "apiVersion": TRIGGERS,
        "kind": "WorkflowTrigger",
        "metadata": {"name": name},
        "spec": spec,
    }


def causes_of(doc: Any, resolve: Resolver | None = None) -> list[FieldError]:
    """Every field error validation reports for `doc` (empty when it passes)."""
    try:
        validate(doc, resolve)
    except ValidationError as exc:
        return exc.causes
    return []


def warnings_of(doc: Any, resolve: Resolver | None = None) -> list[FieldError]:
    """The warnings of a document that passes (a ValidationError if it does not)."""
    return list(check(doc, resolve).warnings)


def errors_of(doc: Any, resolve: Resolver | None = None) -> list[str]:
    """Every `path: reason` validation reports for `doc` (empty when it passes)."""
    return [str(cause) for cause in causes_of(doc, resolve)]


def resolver(*docs: Doc) -> Resolver:
    """A template resolver over the WorkflowTemplates among `docs`."""
    found = {
        (doc["metadata"].get("namespace") or "default", doc["metadata"]["name"]): (
            WorkflowTemplate.model_validate(doc).spec
        )
        for doc in docs
        if doc.get("kind") == "WorkflowTemplate"
    }
    return lambda namespace, name: found.get((namespace or "default", name))


# --- shared files ------------------------------------------------------------


def conformance_files(kind: str) -> list[Path]:
    folder = CONFORMANCE / kind
    return sorted(folder.glob("*.yaml")) if folder.is_dir() else []


def load_all(path: Path) -> list[Doc]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]


def valid_documents() -> list[tuple[str, Doc]]:
    """(`file#index`, document) of every document in conformance/valid."""
    return [
        (f"{path.stem}#{i}", doc)
        for path in conformance_files("valid")
        for i, doc in enumerate(load_all(path))
    ]


def expected_errors(path: Path) -> list[str]:
    """The strings listed in the file's first comment line `# error: "a" "b"`."""
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# error:"), f"{path.name} lacks its # error: line"
    return re.findall(r'"((?:[^"\\]|\\.)*)"', first)


def seed_yaml_blocks() -> list[Doc]:
    """The YAML blocks of the seed tutorial, in order."""
    if not SEED.is_file():
        return []
    text = SEED.read_text(encoding="utf-8")
    return [yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", text, re.S)]


def seed_documents() -> list[tuple[str, Doc]]:
    """The seed as users write it for this API: its WorkflowTemplate as is, and each
    manifest it shows as a Resource template declaring the params the manifest uses
    (as the tutorial does in the console), plus the TrainingJob as a typed
    `TensorFlowTrainingJob` template."""
    blocks = seed_yaml_blocks()
    out: list[tuple[str, Doc]] = []
    for i, block in enumerate(blocks):
        if block.get("kind") == "WorkflowTemplate":
            out.append((f"seed#{i}-{block['metadata']['name']}", block))
            continue
        manifest = yaml.safe_dump(block, sort_keys=False, allow_unicode=True)
        params = sorted(set(re.findall(r"\$\(params\.([A-Za-z0-9_-]+)\)", manifest)))
        spec: Doc = {
            "params": [{"name": p} for p in params],
            "type": "Resource",
            "resource": {"manifest": manifest},
        }
        name = f"seed-{i}-{block['kind'].lower()}"
        out.append((f"seed#{i}-resource-{block['kind']}", template(spec, name)))
        if block["kind"] == "TensorFlowTrainingJob":
            typed: Doc = {
                "params": [{"name": p} for p in params],
                "type": "TensorFlowTrainingJob",
                "tensorflowTrainingJob": {"metadata": block["metadata"], "spec": block["spec"]},
            }
            out.append((f"seed#{i}-typed-{block['kind']}", template(typed, name + "-typed")))
    return out
