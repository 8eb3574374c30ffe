"""Runs that create the platform's own kinds: the run detail shows the created job with
its replicas (phase, restarts, logs) or the service with its address and readiness;
the Resource form fills the default rules of a T9k job; every job type starts from a
skeleton the server accepts."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import yaml

from tests.support import SHARED, free_port

from .conftest import Page
from .fixtures import GV

expect = pytest.importorskip("playwright.sync_api", reason="pip install playwright").expect


def resource_template(name: str, manifest: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": GV,
        "kind": "WorkflowTemplate",
        "metadata": {"name": name},
        "spec": {"type": "Resource", "resource": {"manifest": json.dumps(manifest)}},
    }


def run_of(template: str, name: str) -> dict[str, Any]:
    return {
        "apiVersion": GV,
        "kind": "WorkflowRun",
        "metadata": {"name": name},
        "spec": {"workflowTemplateRef": template},
    }


def tf_job(name: str) -> dict[str, Any]:
    container = {"name": "tensorflow", "image": "x", "command": ["sh", "-c", 'echo "$TF_CONFIG"']}
    replica = {"type": "worker", "replicas": 2, "template": {"spec": {"containers": [container]}}}
    return {
        "apiVersion": GV,
        "kind": "TensorFlowTrainingJob",
        "metadata": {"name": name},
        "spec": {"replicaSpecs": [replica]},
    }


def test_a_resource_runs_detail_shows_its_jobs_replicas_and_their_logs(ui: Page) -> None:
    ui.server.apply(resource_template("train", tf_job("mnist")))
    ui.server.apply(run_of("train", "train-1"))
    page = ui.page
    ui.goto("/ns/default/workflowruns/train-1?tab=status")
    created = page.get_by_test_id("created-object")
    expect(created.get_by_test_id("created-name")).to_have_text("mnist")
    expect(created.get_by_test_id("created-phase")).to_have_attribute(
        "data-phase", "Succeeded", timeout=60000
    )
    rows = created.get_by_test_id("replicas-table").locator("tbody tr")
    expect(rows).to_have_count(2)
    for i in range(2):
        expect(rows.nth(i)).to_contain_text(f"mnist-worker-{i}")
        expect(rows.nth(i).get_by_test_id("replica-phase")).to_have_attribute(
            "data-phase", "Succeeded"
        )
    ui.shot("run-detail-created-job")

    page.get_by_test_id("replica-logs-mnist-worker-1").click()
    expect(page.get_by_test_id("log-view")).to_contain_text('"index": 1')
    expect(page.get_by_test_id("log-view")).not_to_contain_text('"index": 0')
    ui.shot("run-detail-replica-logs")


def test_a_service_runs_detail_links_its_address_and_says_it_is_ready(ui: Page) -> None:
    port = free_port()
    server = {
        "name": "server",
        "image": "python:3.11",
        "command": ["python3", "-m", "http.server", str(port), "--bind", "127.0.0.1"],
    }
    service = {
        "apiVersion": "tensorstack.dev/v1beta1",
        "kind": "SimpleMLService",
        "metadata": {"name": "files"},
        "spec": {
            "custom": {"spec": {"containers": [server]}},
            "service": {"ports": [{"name": "http", "port": port, "targetPort": port}]},
        },
    }
    ui.server.apply(resource_template("serve", service))
    ui.server.apply(run_of("serve", "serve-1"))
    page = ui.page
    ui.goto("/ns/default/workflowruns/serve-1?tab=status")
    created = page.get_by_test_id("created-object")
    expect(created.get_by_test_id("service-ready")).to_have_attribute(
        "data-ready", "True", timeout=60000
    )
    link = created.get_by_test_id("service-url")
    expect(link).to_have_attribute("href", f"http://127.0.0.1:{port}")
    rows = created.get_by_test_id("replicas-table").locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.get_by_test_id("replica-phase")).to_have_attribute("data-phase", "Running")
    assert ui.server.get("workflowruns", "serve-1")["status"]["phase"] == "Running"  # never done
    ui.shot("run-detail-created-service")
    response = ui.server.api.post(f"/apis/{GV}/namespaces/default/workflowruns/serve-1/stop")
    assert response.status_code == 200, response.text


def replace_manifest(ui: Page, text: str) -> None:
    ui.page.locator("[data-testid=manifest-editor] .cm-content").click()
    ui.page.keyboard.press("Control+a")
    ui.page.keyboard.insert_text(text)


def test_the_resource_form_fills_the_default_rules_of_the_manifests_kind(ui: Page) -> None:
    page = ui.page
    ui.goto("/ns/default/workflowtemplates/-/new")
    page.get_by_test_id("template-name").fill("trainer")
    page.get_by_test_id("template-type").select_option("Resource")
    yaml = page.locator("[data-testid=yaml-editor] .cm-content")
    expect(yaml).to_contain_text("status.succeeded>0")  # the skeleton's batch/v1 Job

    replace_manifest(
        ui,
        "apiVersion: batch.tensorstack.dev/v1beta1\nkind: TensorFlowTrainingJob\n"
        "metadata: {name: mnist}\nspec:\n  replicaSpecs: []\n",
    )
    expect(yaml).not_to_contain_text("status.succeeded>0")
    success = page.get_by_test_id("success-rules")
    expect(success.get_by_role("button", name="Condition selector")).to_have_class("active")
    expect(yaml).to_contain_text("type: Succeeded")
    expect(yaml).to_contain_text("type: Failed")
    ui.shot("resource-form-t9k-job-rules")

    replace_manifest(
        ui,
        "apiVersion: tensorstack.dev/v1beta1\nkind: SimpleMLService\nmetadata: {name: m}\n"
        "spec: {custom: {spec: {containers: []}}}\n",
    )
    expect(yaml).not_to_contain_text("conditionSelector")
    expect(success.get_by_role("button", name="None")).to_have_class("active")


def test_rules_the_author_wrote_survive_a_new_kind(ui: Page) -> None:
    page = ui.page
    ui.goto("/ns/default/workflowtemplates/-/new")
    page.get_by_test_id("template-type").select_option("Resource")
    page.get_by_test_id("success-rules-field").fill("status.phase==Done")
    replace_manifest(
        ui,
        "apiVersion: batch.tensorstack.dev/v1beta1\nkind: MPIJob\nmetadata: {name: m}\nspec: {}\n",
    )
    yaml = page.locator("[data-testid=yaml-editor] .cm-content")
    expect(yaml).to_contain_text("status.phase==Done")
    expect(yaml).not_to_contain_text("type: Succeeded")


JOB_TYPES = [
    "GenericJob",
    "TensorFlowTrainingJob",
    "PyTorchTrainingJob",
    "XGBoostTrainingJob",
    "MPIJob",
    "DeepSpeedJob",
    "ColossalAIJob",
    "BeamJob",
]


@pytest.mark.parametrize("kind", JOB_TYPES)
def test_every_job_type_starts_from_a_skeleton_the_server_stores(ui: Page, kind: str) -> None:
    page = ui.page
    name = f"skeleton-{kind.lower()}"
    ui.goto("/ns/default/workflowtemplates/-/new")
    page.get_by_test_id("template-name").fill(name)
    page.get_by_test_id("template-type").select_option(kind)
    page.get_by_test_id("save-template").click()
    expect(page).to_have_url(f"{ui.server.url}/ns/default/workflowtemplates/{name}")
    assert ui.server.get("workflowtemplates", name)["spec"]["type"] == kind


def test_the_seeds_training_job_runs_from_the_dialog_with_four_workers(ui: Page) -> None:
    """The seed's Resource half as its tutorial shows it: the TrainingJob template with
    its two params, run from the console; each worker reads its own TF_CONFIG."""
    seed = SHARED / "conformance" / "valid-jobs" / "01-seed-trainingjob.yaml"
    template = next(
        d for d in yaml.safe_load_all(seed.read_text()) if d["kind"] == "WorkflowTemplate"
    )
    ui.server.apply(template)
    volume = ui.server.home / "volumes" / "default" / "mnist-console"
    volume.mkdir(parents=True, exist_ok=True)
    (volume / "train.py").write_text(
        "import json, os\n"
        'cfg = json.loads(os.environ["TF_CONFIG"])\n'
        'print("worker", cfg["task"]["index"], "of", len(cfg["cluster"]["worker"]))\n'
    )
    page = ui.page
    ui.goto(f"/ns/default/workflowtemplates/{template['metadata']['name']}")
    page.get_by_test_id("create-run").click()
    dialog = page.get_by_test_id("create-run-dialog")
    expect(dialog.get_by_test_id("next-step")).to_be_disabled()  # both params are required
    dialog.get_by_test_id("param-trainingjob_name").fill("mnist-console")
    dialog.get_by_test_id("param-pvc_name").fill("mnist-console")
    dialog.get_by_test_id("next-step").click()
    dialog.get_by_test_id("next-step").click()
    dialog.get_by_test_id("submit-run").click()

    expect(page).to_have_url(re.compile(r"/ns/default/workflowruns/seed-trainingjob-\w{5}$"))
    page.get_by_test_id("tab-status").click()
    created = page.get_by_test_id("created-object")
    expect(created.get_by_test_id("created-name")).to_have_text("mnist-console")
    expect(created.get_by_test_id("created-phase")).to_have_attribute(
        "data-phase", "Succeeded", timeout=60000
    )
    expect(created.get_by_test_id("replicas-table").locator("tbody tr")).to_have_count(4)
    ui.shot("seed-trainingjob-from-the-console")
    page.get_by_test_id("tab-logs").click()
    for i in range(4):
        expect(page.get_by_test_id("log-view")).to_contain_text(f"worker {i} of 4")
