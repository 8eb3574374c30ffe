"""The DAG designer: drag templates in, connect anchors, refuse cycles, save."""

from __future__ import annotations

import pytest

from .conftest import Page
from .fixtures import hello, world

expect = pytest.importorskip("playwright.sync_api", reason="pip install playwright").expect


def center(box: dict) -> tuple[float, float]:
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def connect(ui: Page, source: str, target: str) -> None:
    page = ui.page
    page.wait_for_timeout(400)  # automatic layout and fit settle
    sx, sy = center(page.get_by_test_id(f"anchor-out-{source}").bounding_box())
    tx, ty = center(page.get_by_test_id(f"anchor-in-{target}").bounding_box())
    page.mouse.move(sx, sy)
    page.mouse.down()
    page.mouse.move((sx + tx) / 2, (sy + ty) / 2, steps=5)
    page.mouse.move(tx, ty, steps=10)
    page.mouse.up()


def test_dag_is_drawn_by_dragging_two_templates_and_connecting_them(ui: Page) -> None:
    ui.server.apply(hello("greet"))
    ui.server.apply(world("answer"))
    page = ui.page
    ui.goto("/ns/default/workflowtemplates/-/new")
    page.get_by_test_id("template-name").fill("greet-then-answer")
    page.get_by_test_id("template-type").select_option("DAG")
    canvas = page.get_by_test_id("dag-canvas")
    page.get_by_test_id("palette-greet").drag_to(canvas, target_position={"x": 160, "y": 160})
    expect(page.get_by_test_id("dag-node-greet")).to_be_visible()
    page.get_by_test_id("palette-answer").drag_to(canvas, target_position={"x": 420, "y": 300})
    expect(page.get_by_test_id("dag-node-answer")).to_be_visible()

    connect(ui, "greet", "answer")
    expect(page.locator(".react-flow__edge")).to_have_count(1)

    # The reverse edge would close a cycle: refused, with the cycle named.
    connect(ui, "answer", "greet")
    expect(page.get_by_test_id("toast-error")).to_contain_text("cycle")
    expect(page.locator(".react-flow__edge")).to_have_count(1)

    # A DAG param, fed to the first node through the reference picker. Clicking the
    # empty canvas shows the DAG's own panel.
    canvas.click(position={"x": 12, "y": 12})
    page.get_by_test_id("dag-panel").get_by_role("button", name="Add parameter").click()
    page.get_by_test_id("param-name-0").fill("who")
    page.get_by_test_id("dag-panel").get_by_text("Required").click()
    page.get_by_test_id("dag-node-greet").click()
    expect(page.get_by_test_id("node-panel")).to_be_visible()
    page.get_by_test_id("node-param-pick-0").click()
    page.get_by_role("button", name="$(params.who)").click()
    expect(page.get_by_test_id("node-param-who")).to_have_value("$(params.who)")
    ui.shot("dag-designer")

    page.get_by_test_id("dag-view-yaml").click()
    text = page.locator("[data-testid=yaml-editor] .cm-content").inner_text()
    assert "workflowTemplateRef: greet" in text
    assert "- greet" in text.split("name: answer")[1]

    page.get_by_test_id("save-template").click()
    expect(page).to_have_url(ui.server.url + "/ns/default/workflowtemplates/greet-then-answer")
    stored = ui.server.get("workflowtemplates", "greet-then-answer")
    nodes = {n["name"]: n for n in stored["spec"]["dag"]["templates"]}
    assert nodes["answer"]["dependencies"] == ["greet"]
    assert nodes["greet"]["params"] == [{"name": "who", "value": "$(params.who)"}]
    ui.shot("template-detail-dag")
