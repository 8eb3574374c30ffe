"""CronWorkflowRuns, volumes and the language switch."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import Page
from .fixtures import hello

expect = pytest.importorskip("playwright.sync_api", reason="pip install playwright").expect


def test_cron_is_created_with_a_readable_schedule_and_suspended(ui: Page) -> None:
    ui.server.apply(hello("nightly"))
    page = ui.page
    ui.goto("/ns/default/cronworkflowruns")
    page.get_by_test_id("create-cron").click()
    page.get_by_test_id("cron-name").fill("nightly-hello")
    page.get_by_test_id("cron-schedule").fill("30 2 * * 1-5")
    expect(page.get_by_test_id("schedule-preview")).to_contain_text("02:30")
    expect(page.get_by_test_id("schedule-preview")).to_contain_text("Monday through Friday")
    page.get_by_test_id("cron-template").select_option("nightly")
    page.get_by_test_id("param-who").fill("the night shift")
    ui.shot("cron-editor")
    page.get_by_test_id("save-cron").click()
    expect(page).to_have_url(ui.server.url + "/ns/default/cronworkflowruns/nightly-hello")
    cron = ui.server.get("cronworkflowruns", "nightly-hello")
    assert cron["spec"]["schedule"] == "30 2 * * 1-5"
    assert cron["spec"]["workflowRun"]["spec"]["params"] == [
        {"name": "who", "value": "the night shift"}
    ]

    page.get_by_test_id("suspend-toggle").click()
    expect(page.get_by_test_id("toast-success").filter(has_text="suspended")).to_be_visible()
    expect(page.get_by_test_id("suspend-toggle")).to_have_attribute("data-checked", "true")
    assert ui.server.get("cronworkflowruns", "nightly-hello")["spec"]["suspend"] is True
    ui.shot("cron-detail")
    ui.goto("/ns/default/cronworkflowruns")
    expect(page.get_by_test_id("cron-table")).to_contain_text("nightly-hello")
    ui.shot("cron-list")


def test_cron_past_runs_are_newest_first(ui: Page) -> None:
    gv = "batch.tensorstack.dev/v1beta1"
    ui.server.apply(
        {
            "apiVersion": gv,
            "kind": "CronWorkflowRun",
            "metadata": {"name": "hourly"},
            "spec": {
                "schedule": "0 * * * *",
                "suspend": True,
                "failedRunsHistoryLimit": 10,
                "workflowRun": {"spec": {"workflowTemplateRef": "no-such-template"}},
            },
        }
    )
    names = ["hourly-b", "hourly-c", "hourly-a"]
    for name in names:
        ui.server.apply(
            {
                "apiVersion": gv,
                "kind": "WorkflowRun",
                "metadata": {
                    "name": name,
                    "labels": {"batch.tensorstack.dev/cronWorkflowRun": "hourly"},
                },
                "spec": {"workflowTemplateRef": "no-such-template"},
            }
        )
    ui.goto("/ns/default/cronworkflowruns/hourly")
    rows = ui.page.get_by_test_id("run-row").locator("a.strong-link")
    expect(rows).to_have_text(names[::-1])


def test_volume_is_created_browsed_uploaded_to_and_downloaded(ui: Page, tmp_path) -> None:
    page = ui.page
    ui.goto("/ns/default/volumes")
    page.get_by_test_id("create-volume").click()
    page.get_by_test_id("volume-name").fill("notebook-pvc")
    page.get_by_test_id("submit-volume").click()
    expect(page.get_by_test_id("volume-table")).to_contain_text("notebook-pvc")
    ui.shot("volume-list")

    page.get_by_role("link", name="notebook-pvc").click()
    local = tmp_path / "run.py"
    local.write_text("print('from the volume')\n")
    page.get_by_test_id("upload-input").set_input_files(str(local))
    expect(page.get_by_test_id("file-table")).to_contain_text("run.py")
    ui.shot("volume-browser")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download").click()
    assert Path(download.value.path()).read_text() == "print('from the volume')\n"


def test_switching_to_chinese_translates_the_console(ui: Page) -> None:
    ui.server.apply(hello("zh-hello"))
    run = ui.server.apply(
        {
            "apiVersion": "batch.tensorstack.dev/v1beta1",
            "kind": "WorkflowRun",
            "metadata": {"generateName": "zh-hello-"},
            "spec": {
                "workflowTemplateRef": "zh-hello",
                "params": [{"name": "who", "value": "你好"}],
            },
        }
    )
    page = ui.page
    ui.goto("/ns/default/workflowruns")
    page.get_by_test_id("lang-zh").click()
    expect(page.get_by_test_id("nav-volumes")).to_have_text("存储卷")
    expect(page.get_by_test_id("create-run")).to_contain_text("创建 WorkflowRun")
    expect(page.get_by_test_id("phase-filter-all")).to_have_text("全部")
    ui.shot("zh-run-list")
    ui.goto(f"/ns/default/workflowruns/{run['metadata']['name']}?tab=logs")
    expect(page.get_by_test_id("log-view")).to_contain_text("hello from 你好", timeout=60000)
    expect(page.get_by_test_id("tab-logs")).to_have_text("日志")
    ui.shot("zh-run-logs")
    ui.goto("/ns/default/workflowtemplates/-/new")
    expect(page.get_by_text("基本信息")).to_be_visible()
    ui.shot("zh-template-editor")
    page.get_by_test_id("lang-en").click()
    expect(page.get_by_test_id("nav-volumes")).to_have_text("Volumes")
