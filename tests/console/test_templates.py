"""WorkflowTemplate pages: list, the form/YAML editor, server errors, detail."""

from __future__ import annotations

import pytest

from .conftest import Page
from .fixtures import hello

expect = pytest.importorskip("playwright.sync_api", reason="pip install playwright").expect


def yaml_text(ui: Page) -> str:
    return ui.page.locator("[data-testid=yaml-editor] .cm-content").inner_text()


def test_seed_seqpod_template_is_built_in_the_form_and_the_yaml_follows(ui: Page) -> None:
    page = ui.page
    ui.goto("/ns/default/workflowtemplates")
    page.get_by_test_id("create-template").click()
    page.get_by_test_id("template-name").fill("run-script")
    page.get_by_test_id("step-0-image").fill(
        "registry.tensorstack.cn/t9k/tensorflow-2.8.0-notebook-cpu:1.50.0"
    )
    page.get_by_test_id("step-0-mode-script").click()
    page.get_by_test_id("step-0-language").select_option("python")
    script = page.locator("[data-testid=step-0-script] .cm-content")
    script.click()
    page.keyboard.press("Control+a")
    page.keyboard.type('#!/usr/bin/env python3\nprint("hello from the seed")\n')
    expect(page.locator("[data-testid=yaml-editor] .cm-content")).to_contain_text(
        "#!/usr/bin/env python3"
    )
    text = yaml_text(ui)
    assert "name: run-script" in text
    assert "tensorflow-2.8.0-notebook-cpu:1.50.0" in text
    assert "command" not in text.split("steps:")[1]
    ui.shot("template-editor-seqpod")

    page.get_by_test_id("save-template").click()
    expect(page).to_have_url(ui.server.url + "/ns/default/workflowtemplates/run-script")
    expect(page.get_by_test_id("toast-success")).to_be_visible()
    stored = ui.server.get("workflowtemplates", "run-script")
    step = stored["spec"]["seqPod"]["steps"][0]
    assert step["script"].startswith("#!/usr/bin/env python3\n")
    assert 'print("hello from the seed")' in step["script"]
    ui.shot("template-detail")
    page.get_by_test_id("tab-yaml").click()
    expect(page.get_by_test_id("template-yaml")).to_contain_text("run-script")


def test_yaml_edits_flow_back_into_the_form(ui: Page) -> None:
    page = ui.page
    ui.goto("/ns/default/workflowtemplates/-/new")
    editor = page.locator("[data-testid=yaml-editor] .cm-content")
    editor.click()
    page.keyboard.press("Control+a")
    # insert_text, not type: CodeMirror would auto-indent typed newlines.
    page.keyboard.insert_text(
        "apiVersion: batch.tensorstack.dev/v1beta1\n"
        "kind: WorkflowTemplate\n"
        "metadata:\n  name: from-yaml\n"
        "spec:\n  type: Pod\n  pod:\n    containers:\n      - name: web\n        image: nginx:1.25\n"
    )
    expect(page.get_by_test_id("template-name")).to_have_value("from-yaml")
    expect(page.get_by_test_id("template-type")).to_have_value("Pod")
    expect(page.get_by_test_id("container-0-image")).to_have_value("nginx:1.25")


def test_server_validation_errors_appear_next_to_their_fields(ui: Page) -> None:
    page = ui.page
    ui.allow_console_error("status of 422")
    ui.goto("/ns/default/workflowtemplates/-/new")
    page.get_by_test_id("template-name").fill("twins")
    page.get_by_test_id("add-step").click()
    page.get_by_test_id("step-1-name").fill("step1")
    page.get_by_test_id("save-template").click()
    expect(page.get_by_test_id("toast-error")).to_be_visible()
    error = page.locator("[data-path='spec.seqPod.steps[1].name'] [data-testid=field-error]")
    expect(error).to_contain_text("duplicate")
    ui.shot("template-editor-server-error")


def test_template_list_shows_type_and_description_and_deletes(ui: Page) -> None:
    ui.server.apply(hello("to-delete"))
    page = ui.page
    ui.goto("/ns/default/workflowtemplates")
    row = page.get_by_role("row").filter(has_text="to-delete")
    expect(row).to_contain_text("SeqPod")
    expect(row).to_contain_text("a one-step SeqPod")
    ui.shot("template-list")
    row.get_by_role("button", name="Delete").click()
    page.get_by_test_id("confirm-dialog").get_by_role("button", name="Delete").click()
    expect(page.get_by_test_id("toast-success")).to_contain_text("to-delete")
    expect(page.get_by_role("row").filter(has_text="to-delete")).to_have_count(0)


def test_load_an_existing_template_into_the_editor(ui: Page) -> None:
    ui.server.apply(hello("loadable"))
    page = ui.page
    ui.goto("/ns/default/workflowtemplates/-/new")
    page.get_by_test_id("load-existing").click()
    page.get_by_test_id("load-template-dialog").get_by_role("button", name="loadable").click()
    expect(page.locator("[data-testid=yaml-editor] .cm-content")).to_contain_text(
        "hello from $(params.who)"
    )
    expect(page.get_by_test_id("param-name-0")).to_have_value("who")


def test_resource_template_rules_and_job_types_have_their_own_editors(ui: Page) -> None:
    page = ui.page
    ui.goto("/ns/default/workflowtemplates/-/new")
    page.get_by_test_id("template-name").fill("train-once")
    page.get_by_test_id("template-type").select_option("Resource")
    expect(page.get_by_test_id("manifest-editor")).to_contain_text("kind: Job")
    success = page.get_by_test_id("success-rules")
    success.get_by_role("button", name="Condition selector").click()
    failure = page.get_by_test_id("failure-rules")
    failure.get_by_test_id("failure-rules-field").fill("status.failed>0")
    yaml = page.locator("[data-testid=yaml-editor] .cm-content")
    expect(yaml).to_contain_text("conditionSelector")
    expect(yaml).to_contain_text("fieldSelector: status.failed>0")
    ui.shot("template-editor-resource")

    page.get_by_test_id("template-type").select_option("MPIJob")
    expect(page.get_by_test_id("job-editor")).to_contain_text(
        "mpi-worker"
    )  # its worker, no replicaSpecs
    expect(yaml).to_contain_text("mpiJob:")
    assert "resource:" not in yaml.inner_text()


def type_into_yaml(ui: Page, text: str) -> None:
    ui.goto("/ns/default/workflowtemplates/-/new")
    ui.page.locator("[data-testid=yaml-editor] .cm-content").click()
    ui.page.keyboard.press("Control+a")
    ui.page.keyboard.insert_text(
        "apiVersion: batch.tensorstack.dev/v1beta1\nkind: WorkflowTemplate\n"
        "metadata:\n  name: linted\nspec:\n" + text
    )


def test_yaml_is_linted_against_the_published_schema(ui: Page) -> None:
    type_into_yaml(ui, "  type: Pod\n  pod:\n    containers: [{image: ubuntu}]\n")
    expect(ui.page.locator("[data-testid=yaml-editor] .cm-lintRange-error").first).to_be_visible()
    expect(ui.page.get_by_text("1 problem(s)")).to_be_visible()


def test_an_unknown_field_is_a_lint_warning_as_it_is_for_the_server(ui: Page) -> None:
    type_into_yaml(ui, "  type: Pod\n  podd: {}\n  pod:\n    containers: [{name: c}]\n")
    warning = ui.page.locator("[data-testid=yaml-editor] .cm-lintRange-warning").first
    expect(warning).to_have_text("podd")
    expect(ui.page.get_by_text("valid, 1 warning(s)")).to_be_visible()
    expect(ui.page.locator("[data-testid=yaml-editor] .cm-lintRange-error")).to_have_count(0)


def test_warnings_of_a_save_are_shown_after_it(ui: Page) -> None:
    page = ui.page
    ui.goto("/ns/default/workflowtemplates/-/new")
    page.locator("[data-testid=yaml-editor] .cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(
        "apiVersion: batch.tensorstack.dev/v1beta1\n"
        "kind: WorkflowTemplate\n"
        "metadata:\n  name: warned\n"
        "spec:\n  type: Pod\n  pod:\n    containers:\n      - name: c\n        image: ubuntu\n"
        '        command: [echo, "$(params.nope)"]\n'
    )
    expect(page.get_by_test_id("template-name")).to_have_value("warned")
    page.get_by_test_id("save-template").click()
    expect(page).to_have_url(ui.server.url + "/ns/default/workflowtemplates/warned")
    warning = page.get_by_test_id("toast-warning")
    expect(warning).to_contain_text("Saved, with warnings from the server:")
    expect(warning).to_contain_text('undeclared param "nope" in $(params.nope)')
    assert ui.server.get("workflowtemplates", "warned")["metadata"]["name"] == "warned"
