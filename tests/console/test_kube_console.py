"""The console of a Kubernetes cluster's server (`treadle server --kube`): the same
pages over the cluster's API server, while the session's controller drives the run
as pods on the session's node."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.kube.node_fixture import namespace_for_pods
from tests.kube.server_fixture import KubeServer, start_server
from tests.kube.workflow_fixture import Controller
from tests.kube_cluster import KubeCluster
from tests.support import ROOT

from .conftest import Page, _ensure_console_built

expect = pytest.importorskip("playwright.sync_api", reason="pip install playwright").expect


@pytest.fixture
def kube_ui(
    browser: Any, kube_cluster: KubeCluster, kube_treadle: Controller, tmp_path: Path
) -> Iterator[Page]:
    """A page of the console of a cluster's server; fails the test on any browser
    console error, as the console's other tests do."""
    _ensure_console_built()
    server = start_server(kube_cluster, tmp_path / "server.log", "--no-controller")
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-US")
    context.add_init_script("localStorage.setItem('treadle.lang', 'en')")
    page = context.new_page()
    page.set_default_timeout(15000)
    wrapped = Page(page, server)  # a KubeServer has the url and console_url Page uses
    page.on("console", lambda m: wrapped.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: wrapped.errors.append(f"uncaught: {e}"))
    try:
        yield wrapped
    finally:
        context.close()
        server.stop()
    assert wrapped.errors == [], f"browser console errors: {wrapped.errors}"


def test_the_run_list_of_a_cluster_shows_a_run_succeeding(
    kube_ui: Page, kube_cluster: KubeCluster
) -> None:
    server: KubeServer = kube_ui.server
    ns = namespace_for_pods(kube_cluster, f"console-{uuid.uuid4().hex[:8]}")
    applied = server.cli("apply", "-f", str(ROOT / "examples" / "seqpod-scripts.yaml"), "-n", ns)
    assert applied.returncode == 0, applied.stderr
    kube_ui.goto(f"/ns/{ns}/workflowruns")
    row = kube_ui.page.get_by_test_id("run-row").filter(has_text="example-seqpod-run")
    expect(row.locator("[data-phase]")).to_have_attribute("data-phase", "Succeeded", timeout=120000)
    kube_ui.shot("kube-run-list")
