"""Running templates: the create dialog, the live graph, logs, rerun, the run list."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from .conftest import Page
from .fixtures import dag, hello, seqpod, with_init_container, world

expect = pytest.importorskip("playwright.sync_api", reason="pip install playwright").expect


def test_dag_runs_from_the_dialog_turns_green_and_shows_its_logs(ui: Page) -> None:
    ui.server.apply(hello("hi"))
    ui.server.apply(world("there"))
    ui.server.apply(dag("hi-there", "hi", "there"))
    page = ui.page
    ui.goto("/ns/default/workflowtemplates/hi-there")
    page.get_by_test_id("create-run").click()
    dialog = page.get_by_test_id("create-run-dialog")
    expect(dialog.get_by_test_id("next-step")).to_be_disabled()  # `who` is required
    dialog.get_by_test_id("param-who").fill("the console")
    ui.shot("create-run-dialog")
    dialog.get_by_test_id("next-step").click()
    dialog.get_by_test_id("next-step").click()
    dialog.get_by_test_id("timeout").fill("10m")
    dialog.get_by_test_id("submit-run").click()

    expect(page).to_have_url(re.compile(r"/ns/default/workflowruns/hi-there-\w{5}$"))
    first_run = page.url.rsplit("/", 1)[1]
    for node in ("hi", "there"):
        expect(page.get_by_test_id(f"graph-node-{node}")).to_have_attribute(
            "data-phase", "Succeeded", timeout=60000
        )
    expect(page.get_by_test_id("run-message")).to_contain_text("Succeeded: 2")
    ui.shot("run-detail-graph")

    page.get_by_test_id("graph-node-hi").click()
    expect(page.get_by_test_id("child-run-link")).to_be_visible()

    page.get_by_test_id("tab-logs").click()
    expect(page.get_by_test_id("log-view")).to_contain_text("hello from the console")
    expect(page.get_by_test_id("log-view")).to_contain_text("the world answers")
    ui.shot("run-detail-logs")
    with page.expect_download() as download:
        page.get_by_test_id("download-logs").click()
    assert "hello from the console" in Path(download.value.path()).read_text()

    for tab in ("status", "specs", "yaml", "events"):
        page.get_by_test_id(f"tab-{tab}").click()
        page.wait_for_timeout(300)
        ui.shot(f"run-detail-{tab}")
    expect(page.get_by_test_id("run-params")).to_have_count(0)  # on SPECS only
    page.get_by_test_id("tab-specs").click()
    expect(page.get_by_test_id("run-params")).to_contain_text("the console")

    page.get_by_test_id("rerun").click()
    expect(page).not_to_have_url(re.compile(rf"/{first_run}$"))
    expect(page.get_by_test_id("toast-success").last).to_contain_text("created")
    expect(page.get_by_test_id("graph-node-hi")).to_have_attribute(
        "data-phase", "Succeeded", timeout=60000
    )


def test_seqpod_run_graph_shows_its_steps(ui: Page) -> None:
    ui.server.apply(hello("solo"))
    run = ui.server.apply(
        {
            "apiVersion": "batch.tensorstack.dev/v1beta1",
            "kind": "WorkflowRun",
            "metadata": {"generateName": "solo-"},
            "spec": {"workflowTemplateRef": "solo", "params": [{"name": "who", "value": "a step"}]},
        }
    )
    ui.goto(f"/ns/default/workflowruns/{run['metadata']['name']}")
    expect(ui.page.get_by_test_id("graph-node-main")).to_have_attribute(
        "data-phase", "Succeeded", timeout=60000
    )
    ui.page.get_by_test_id("tab-status").click()
    expect(ui.page.get_by_test_id("steps-table")).to_contain_text("main")


def test_seqpod_run_page_shows_its_init_container_apart_from_the_steps(ui: Page) -> None:
    ui.server.apply(with_init_container(world("warmed"), "warm-up", ["echo", "warming up first"]))
    run = ui.server.apply(
        {
            "apiVersion": "batch.tensorstack.dev/v1beta1",
            "kind": "WorkflowRun",
            "metadata": {"generateName": "warmed-"},
            "spec": {"workflowTemplateRef": "warmed"},
        }
    )
    page = ui.page
    ui.goto(f"/ns/default/workflowruns/{run['metadata']['name']}")
    init_node = page.get_by_test_id("graph-node-warm-up")
    expect(page.get_by_test_id("graph-node-main")).to_have_attribute(
        "data-phase", "Succeeded", timeout=60000
    )
    expect(init_node).to_have_attribute("data-phase", "Succeeded")
    expect(init_node).to_contain_text("init")
    expect(page.get_by_test_id("graph-node-main")).not_to_contain_text("init")

    page.get_by_test_id("tab-status").click()
    rows = page.get_by_test_id("steps-table").locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("warm-up")
    expect(rows.nth(0).get_by_test_id("init-tag")).to_be_visible()
    expect(rows.nth(1).get_by_test_id("init-tag")).to_have_count(0)

    page.get_by_test_id("tab-logs").click()
    sources = page.get_by_test_id("log-sources").locator("button[data-kind]")
    expect(sources).to_have_count(2)
    expect(sources.nth(0)).to_have_attribute("data-kind", "initContainer")
    expect(sources.nth(0).get_by_test_id("init-tag")).to_be_visible()
    expect(sources.nth(1).get_by_test_id("init-tag")).to_have_count(0)
    line = page.get_by_test_id("log-view").locator(".log-line", has_text="warming up first")
    expect(line.locator(".log-init")).to_have_text("init")
    ui.shot("run-detail-logs-init-container")


def orphan_runs(ui: Page, ns: str, count: int) -> list[str]:
    """Runs of a template that does not exist (they fail at once), created in name order."""
    names = [f"orphan-{i:03d}" for i in range(count)]
    for name in names:
        ui.server.apply(
            {
                "apiVersion": "batch.tensorstack.dev/v1beta1",
                "kind": "WorkflowRun",
                "metadata": {"name": name},
                "spec": {"workflowTemplateRef": "no-such-template"},
            },
            ns=ns,
        )
    return names


def test_run_list_is_newest_first_filters_by_phase_and_pages_with_continue(ui: Page) -> None:
    names = orphan_runs(ui, "paging", 25)
    newest_first = names[::-1]
    page = ui.page
    rows = page.get_by_test_id("run-row")
    ui.goto("/ns/paging/workflowruns")
    page.get_by_role("combobox").filter(has_text="50").select_option("20")
    expect(rows).to_have_count(20)
    expect(rows.locator("a.strong-link")).to_have_text(newest_first[:20])
    page.get_by_test_id("next-page").click()
    expect(rows).to_have_count(5)
    expect(rows.locator("a.strong-link")).to_have_text(newest_first[20:])
    page.get_by_test_id("prev-page").click()
    expect(rows).to_have_count(20)
    expect(rows.first).to_contain_text("orphan-024")
    page.get_by_test_id("phase-filter-Failed").click()
    expect(page.get_by_test_id("run-row").first).to_contain_text("Failed", timeout=30000)
    page.get_by_test_id("phase-filter-Succeeded").click()
    expect(page.get_by_test_id("run-row")).to_have_count(0)
    page.get_by_test_id("phase-filter-all").click()
    expect(rows.first).to_contain_text("orphan-024")
    ui.shot("run-list")


def test_run_search_finds_names_containing_the_text(ui: Page) -> None:
    orphan_runs(ui, "search", 25)
    page = ui.page
    rows = page.get_by_test_id("run-row")
    searched: list[str] = []
    page.on(
        "request",
        lambda r: (
            searched.append(parse_qs(urlparse(r.url).query)["nameContains"][0])
            if "/workflowruns?" in r.url and "nameContains=" in r.url
            else None
        ),
    )
    ui.goto("/ns/search/workflowruns")
    expect(rows).to_have_count(25)
    # A substring anywhere in the name; typing fast asks the server once.
    page.get_by_test_id("search").press_sequentially("02", delay=40)
    expect(rows.locator("a.strong-link")).to_have_text(
        ["orphan-024", "orphan-023", "orphan-022", "orphan-021", "orphan-020", "orphan-002"]
    )
    assert set(searched) == {"02"}  # not one request per key
    ui.shot("run-list-search")
    # Names are lower case, so upper case finds them too.
    page.get_by_test_id("search").fill("PHAN-01")
    expect(rows.locator("a.strong-link")).to_have_text(
        [f"orphan-{i:03d}" for i in range(19, 9, -1)]
    )
    page.get_by_test_id("search").fill("nothing-like-this")
    expect(page.get_by_test_id("run-table")).to_have_count(0)
    page.get_by_test_id("search").fill("")
    expect(rows).to_have_count(25)


def open_two_node_run(ui: Page, first: str, script: str, second: str) -> Any:
    """The page of a new run of DAG `first` -> `second` (a script step, then a greeting)."""
    ui.server.apply(seqpod(first, script))
    ui.server.apply(world(second))
    name = f"{first}-then"
    template = dag(name, first, second)
    template["spec"]["params"] = []
    del template["spec"]["dag"]["templates"][0]["params"]
    ui.server.apply(template)
    run = ui.server.apply(
        {
            "apiVersion": "batch.tensorstack.dev/v1beta1",
            "kind": "WorkflowRun",
            "metadata": {"generateName": f"{name}-"},
            "spec": {"workflowTemplateRef": name},
        }
    )
    ui.goto(f"/ns/default/workflowruns/{run['metadata']['name']}")
    return ui.page


def test_dag_nodes_that_never_started_show_as_unscheduled(ui: Page) -> None:
    page = open_two_node_run(ui, "breaks", "#!/usr/bin/env python3\nraise SystemExit(3)\n", "after")
    expect(page.get_by_test_id("graph-node-breaks")).to_have_attribute(
        "data-phase", "Failed", timeout=60000
    )
    expect(page.locator(".page-title [data-phase]")).to_have_attribute(
        "data-phase", "Failed", timeout=30000
    )
    after = page.get_by_test_id("graph-node-after")
    expect(after).to_have_attribute("data-phase", "Unscheduled")
    expect(after).to_contain_text("Unscheduled")
    after.click()
    expect(page.get_by_test_id("node-details").locator("[data-phase]")).to_have_attribute(
        "data-phase", "Unscheduled"
    )
    ui.shot("run-detail-graph-unscheduled")


def test_running_step_streams_logs_opens_a_terminal_and_stops(ui: Page) -> None:
    ui.server.apply(
        {
            "apiVersion": "batch.tensorstack.dev/v1beta1",
            "kind": "WorkflowTemplate",
            "metadata": {"name": "ticker"},
            "spec": {
                "type": "SeqPod",
                "seqPod": {
                    "steps": [
                        {
                            "name": "tick",
                            "image": "ubuntu",
                            "script": 'for i in $(seq 1 300); do echo -e "\\033[32mtick\\033[0m $i"; sleep 1; done',
                        }
                    ]
                },
            },
        }
    )
    ui.allow_console_error("status of 400")  # a stop that races the run's end is refused
    page = ui.page
    ui.goto("/ns/default/workflowtemplates/ticker")
    page.get_by_test_id("create-run").click()
    dialog = page.get_by_test_id("create-run-dialog")
    dialog.get_by_test_id("next-step").click()
    dialog.get_by_test_id("next-step").click()
    dialog.get_by_test_id("submit-run").click()
    expect(page.get_by_test_id("graph-node-tick")).to_have_attribute(
        "data-phase", "Running", timeout=60000
    )

    page.get_by_test_id("tab-logs").click()
    expect(page.get_by_test_id("log-view")).to_contain_text("tick 3", timeout=30000)
    green = page.get_by_test_id("log-view").locator("span[style*='color']").first
    expect(green).to_have_text("tick")

    page.get_by_test_id("tab-terminal").click()
    page.get_by_test_id("connect-terminal").click()
    expect(page.get_by_text("connected", exact=True)).to_be_visible()
    page.locator(".xterm").click()
    page.keyboard.type("echo sum=$((6*7))\n")
    expect(page.locator(".xterm-rows")).to_contain_text("sum=42")
    ui.shot("run-detail-terminal")

    page.get_by_test_id("stop-run").click()
    page.get_by_test_id("confirm-dialog").get_by_role("button", name="Stop").click()
    expect(page.get_by_test_id("run-message")).to_contain_text("stopped", timeout=30000)
    expect(page.locator(".page-title [data-phase]")).to_have_attribute("data-phase", "Failed")
    expect(page.get_by_test_id("stop-run")).to_be_disabled()


def test_graph_nodes_stay_visible_while_the_run_refreshes(ui: Page) -> None:
    # The page is open while the run goes on, so the graph is redrawn with new phases.
    page = open_two_node_run(ui, "nap", "#!/bin/sh\nsleep 2\n", "woke")
    nap = page.get_by_test_id("graph-node-nap")
    expect(nap).to_have_attribute("data-phase", "Running", timeout=30000)
    expect(nap).to_be_visible()
    woke = page.get_by_test_id("graph-node-woke")
    expect(woke).to_have_attribute("data-phase", "Succeeded", timeout=60000)
    expect(nap).to_be_visible()
    # A refresh that changes nothing redraws the graph all the same.
    for _ in range(3):
        page.get_by_test_id("refresh").click()
        page.wait_for_load_state("networkidle")
    expect(nap).to_be_visible()
    expect(woke).to_be_visible()
    woke.click()
