"""Minimal valid specs of the T9k jobs and SimpleMLService, and the three places a
job spec appears: applied by itself, in a Resource template's manifest, and as a
job-typed template."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import yaml

from treadle.api.template import JOB_FIELDS

from .samples import GROUP, SHARED, Doc, template

SERVING = "tensorstack.dev/v1beta1"
MANUALS = SHARED.parent / "um" / "src"
"""Where the platform's user manuals may be checked out (optional)."""
if not MANUALS.is_dir():
    MANUALS = Path("/tmp/um/src")


def pod(*names: str, image: str = "ubuntu") -> Doc:
    """A PodTemplateSpec with one container of each name."""
    return {
        "spec": {"containers": [{"name": n, "image": image, "command": ["true"]} for n in names]}
    }


def group(type_: str, container: str = "main", **fields: Any) -> Doc:
    return {"type": type_, "replicas": 1, "template": pod(container), **fields}


MINIMAL_SPECS: dict[str, Doc] = {
    "GenericJob": {"replicaSpecs": [group("worker")]},
    "TensorFlowTrainingJob": {"replicaSpecs": [group("worker", "tensorflow")]},
    "PyTorchTrainingJob": {"replicaSpecs": [group("master", "pytorch")]},
    "XGBoostTrainingJob": {"replicaSpecs": [group("master", "xgboost")]},
    "MPIJob": {"worker": {"replicas": 2, "cmd": ["./run"], "template": pod("mpi-worker")}},
    "DeepSpeedJob": {"worker": {"replicas": 2, "template": pod("worker")}},
    "ColossalAIJob": {
        "worker": {"replicas": 2, "command": ["train.py"], "template": pod("worker")}
    },
    "BeamJob": {
        "flinkClusterTemplate": {"spec": {"flinkVersion": "1.10.1"}},
        "jobTemplate": {"spec": {"template": pod("submit")}},
    },
}
"""Kind -> the smallest spec of that kind that passes without a warning."""

MINIMAL_SERVICE: Doc = {"custom": {"spec": pod("server")["spec"]}}


def spec_of(kind: str, **changes: Any) -> Doc:
    """A copy of the minimal spec of `kind` with top-level fields replaced."""
    return {**copy.deepcopy(MINIMAL_SPECS[kind]), **changes}


def job(kind: str, spec: Doc, name: str = "j") -> Doc:
    """The job applied by itself."""
    return {"apiVersion": GROUP, "kind": kind, "metadata": {"name": name}, "spec": spec}


def service(spec: Doc, name: str = "s") -> Doc:
    return {
        "apiVersion": SERVING,
        "kind": "SimpleMLService",
        "metadata": {"name": name},
        "spec": spec,
    }


def job_template(kind: str, spec: Doc, params: tuple[str, ...] = ()) -> Doc:
    """A template of type `kind` holding `spec`."""
    declared = [{"name": p} for p in params]
    return template(
        {"params": declared, "type": kind, JOB_FIELDS[kind]: {"metadata": {}, "spec": spec}}
    )


def manifest_template(obj: Doc, params: tuple[str, ...] = ()) -> Doc:
    """A Resource template whose manifest is `obj`, written as YAML."""
    declared = [{"name": p} for p in params]
    manifest = yaml.safe_dump(obj, sort_keys=False)
    return template({"params": declared, "type": "Resource", "resource": {"manifest": manifest}})


def manual_examples() -> list[tuple[str, Doc]]:
    """(`page#block`, document) of every whole job or SimpleMLService in the
    platform's guides: YAML blocks with apiVersion and kind (fragments, which start
    with `...`, are not whole objects)."""
    pages = sorted((MANUALS / "modules" / "jobs").glob("*.md"))
    pages.append(MANUALS / "modules" / "deployment" / "simplemlservice.md")
    found = []
    for page in pages:
        if not page.is_file():
            continue
        blocks = re.findall(r"```yaml\n(.*?)```", page.read_text(encoding="utf-8"), re.S)
        for i, block in enumerate(blocks):
            try:
                doc = yaml.safe_load(block)
            except yaml.YAMLError:
                continue
            if isinstance(doc, dict) and doc.get("apiVersion") and doc.get("kind"):
                found.append((f"{page.stem}#{i}", doc))
    return found
