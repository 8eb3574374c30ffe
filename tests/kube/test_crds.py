"""The CRDs generated from the API types: structural, accepted by a real API server,
and keeping every document Treadle accepts exactly as written."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.api.samples import ROOT, Doc, conformance_files, load_all, needs_conformance
from tests.api.t9k_samples import MINIMAL_SERVICE, MINIMAL_SPECS, job, service
from tests.kube_cluster import KubeCluster
from tests.support import treadle_cli
from treadle.api.kinds import WORKFLOW_KINDS, by_kind
from treadle.kube import apply
from treadle.kube.connect import api_client
from treadle.kube.crds import all_crds, platform_kinds, treadle_crds
from treadle.kube.schema import walk

NAMESPACE = "crd-tests"
WORKFLOW_GROUP_VERSIONS = {(k.api_version, k.kind) for k in WORKFLOW_KINDS}
ANNOTATION_LIMIT = 256 * 1024
"""kubectl's client-side apply keeps a copy of the object in an annotation."""


def corpus() -> list[tuple[str, Doc]]:
    """Every valid conformance document and example, as (where, document)."""
    found = []
    for folder in ("valid", "valid-compat", "valid-jobs"):
        for path in conformance_files(folder):
            found += [(f"{folder}/{path.stem}#{i}", d) for i, d in enumerate(load_all(path))]
    for path in sorted((ROOT / "examples").glob("*.yaml")):
        found += [(f"examples/{path.stem}#{i}", d) for i, d in enumerate(load_all(path))]
    return found


def workflow_documents() -> list[Any]:
    return [
        pytest.param(doc, id=where)
        for where, doc in corpus()
        if (doc.get("apiVersion"), doc.get("kind")) in WORKFLOW_GROUP_VERSIONS
    ]


def platform_documents() -> list[Any]:
    """The smallest object of each platform kind, and every job or service a valid
    Resource template's manifest creates (those without params to substitute)."""
    docs = [pytest.param(job(kind, spec), id=kind) for kind, spec in MINIMAL_SPECS.items()]
    docs.append(pytest.param(service(MINIMAL_SERVICE), id="SimpleMLService"))
    for where, doc in corpus():
        manifest = ((doc.get("spec") or {}).get("resource") or {}).get("manifest")
        if not isinstance(manifest, str) or "$(" in manifest:
            continue
        obj = yaml.safe_load(manifest)
        if by_kind(obj.get("apiVersion", ""), obj.get("kind", "")) in platform_kinds():
            docs.append(pytest.param(obj, id=f"{where}.manifest"))
    return docs


@pytest.fixture(scope="module")
def crds(kube_cluster: KubeCluster) -> Iterator[KubeCluster]:
    """The CRDs of the workflow and platform kinds, as `install --platform-kinds`
    makes them; left installed, as other tests of the session install them too."""
    api = api_client(kube_cluster.kubeconfig)
    definitions = all_crds(platform=True)
    for definition in definitions:
        apply.apply(api, definition)
    apply.wait_established(api, [d["metadata"]["name"] for d in definitions], 60)
    kube_cluster.kubectl("create", "namespace", NAMESPACE, check=False)
    try:
        yield kube_cluster
    finally:
        api.close()


def server_dry_run(cluster: KubeCluster, doc: Doc) -> Doc:
    """What the API server would store for `doc`."""
    done = cluster.kubectl(
        "create", "--dry-run=server", "-o", "json", "-n", NAMESPACE, "-f", "-",
        input=json.dumps(doc), check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    stored: Doc = json.loads(done.stdout)
    return stored


def as_written(doc: Doc) -> Doc:
    return {k: v for k, v in doc.items() if k not in ("metadata", "status")}


def named(doc: Doc) -> Doc:
    meta = dict(doc.get("metadata") or {})
    meta.pop("namespace", None)
    if not meta.get("name"):
        meta = {"name": "generated", **{k: v for k, v in meta.items() if k != "generateName"}}
    return {**doc, "metadata": meta}


# --- the schemas ---------------------------------------------------------------------------

NOT_STRUCTURAL = ("$ref", "$defs", "anyOf", "oneOf", "allOf", "not", "const", "title", "$schema")


@pytest.mark.parametrize("crd", all_crds(platform=True), ids=lambda c: c["metadata"]["name"])
def test_a_crd_schema_is_structural_with_no_defaults_or_value_rules(crd: Doc) -> None:
    # Values are the webhook's to judge, in the CLI's words; a default would be
    # written into the stored object, which must stay as written.
    [version] = crd["spec"]["versions"]
    problems = []
    for path, node in walk(version["schema"]["openAPIV3Schema"]):
        problems += [
            f"{path}: {key}" for key in (*NOT_STRUCTURAL, "default", "enum") if key in node
        ]
        if "properties" in node and "additionalProperties" in node:
            problems.append(f"{path}: properties with additionalProperties")
        if not (
            {"type", "x-kubernetes-int-or-string", "x-kubernetes-preserve-unknown-fields"}
            & set(node)
        ):
            problems.append(f"{path}: no type")
    assert problems == []


@pytest.mark.parametrize("crd", all_crds(platform=True), ids=lambda c: c["metadata"]["name"])
def test_a_crd_fits_in_kubectl_s_last_applied_annotation(crd: Doc) -> None:
    assert len(json.dumps(crd)) < ANNOTATION_LIMIT / 4


def test_the_workflow_crds_take_their_short_names_from_the_kinds() -> None:
    names = {c["spec"]["names"]["kind"]: c["spec"]["names"]["shortNames"] for c in treadle_crds()}
    assert names == {k.kind: list(k.short_names) for k in WORKFLOW_KINDS}
    assert sorted(n for short in names.values() for n in short) == ["cwr", "el", "wr", "wt", "wtr"]


@pytest.mark.parametrize("crd", all_crds(platform=True), ids=lambda c: c["metadata"]["name"])
def test_a_crd_has_the_status_subresource_and_is_labelled_as_treadle_s(crd: Doc) -> None:
    [version] = crd["spec"]["versions"]
    assert version["subresources"] == {"status": {}}
    assert crd["metadata"]["labels"] == {"app.kubernetes.io/managed-by": "treadle"}


def test_schema_command_writes_the_crds_install_installs(tmp_path: Path) -> None:
    done = treadle_cli("schema", "--crd", "--platform-kinds", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    written = [yaml.safe_load(p.read_text()) for p in sorted(tmp_path.glob("*.yaml"))]
    key = lambda c: c["metadata"]["name"]  # noqa: E731
    assert sorted(written, key=key) == sorted(all_crds(platform=True), key=key)


# --- on a real API server ------------------------------------------------------------------


def test_every_crd_is_established(crds: KubeCluster) -> None:
    names = [c["metadata"]["name"] for c in all_crds(platform=True)]
    done = crds.kubectl("get", "crd", *names, "-o", "json")
    items = json.loads(done.stdout)["items"]
    established = {
        i["metadata"]["name"]
        for i in items
        if any(
            c["type"] == "Established" and c["status"] == "True" for c in i["status"]["conditions"]
        )
    }
    assert established == set(names)


@needs_conformance
@pytest.mark.parametrize("doc", workflow_documents())
def test_a_valid_document_is_stored_as_written(crds: KubeCluster, doc: Doc) -> None:
    # Structural pruning must not drop a field Treadle reads (or keeps, SPEC §13).
    doc = named(doc)
    assert as_written(server_dry_run(crds, doc)) == as_written(doc)


@pytest.mark.parametrize("doc", platform_documents())
def test_a_platform_kind_s_object_is_stored_as_written(crds: KubeCluster, doc: Doc) -> None:
    doc = named(doc)
    assert as_written(server_dry_run(crds, doc)) == as_written(doc)


def test_kubectl_get_wr_shows_phase_template_and_age(crds: KubeCluster) -> None:
    run = {
        "apiVersion": "batch.tensorstack.dev/v1beta1",
        "kind": "WorkflowRun",
        "metadata": {"name": "columns"},
        "spec": {"workflowTemplateRef": "some-template"},
    }
    crds.kubectl("apply", "-n", NAMESPACE, "-f", "-", input=json.dumps(run))
    header, row = crds.kubectl("get", "wr", "columns", "-n", NAMESPACE).stdout.splitlines()
    assert header.split() == ["NAME", "PHASE", "TEMPLATE", "AGE"]
    # A controller may have judged the run already (its template is missing): then
    # PHASE says so; TEMPLATE is the last but one column either way.
    assert row.split()[0] == "columns" and row.split()[-2] == "some-template"


@pytest.mark.parametrize("short", ["wt", "wr", "cwr", "el", "wtr"])
def test_kubectl_knows_a_workflow_kind_by_its_short_name(crds: KubeCluster, short: str) -> None:
    done = crds.kubectl("get", short, "-n", NAMESPACE, check=False)
    assert done.returncode == 0, done.stderr


def test_kubectl_get_treadle_lists_every_workflow_object_of_a_namespace(crds: KubeCluster) -> None:
    template = {
        "apiVersion": "batch.tensorstack.dev/v1beta1",
        "kind": "WorkflowTemplate",
        "metadata": {"name": "in-category"},
        "spec": {"type": "Pod", "pod": {"containers": [{"name": "c", "image": "ubuntu"}]}},
    }
    crds.kubectl("apply", "-n", NAMESPACE, "-f", "-", input=json.dumps(template))
    listed = crds.kubectl("get", "treadle", "-n", NAMESPACE, "-o", "name").stdout.split()
    assert "workflowtemplate.batch.tensorstack.dev/in-category" in listed
