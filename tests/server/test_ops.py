"""Health, readiness, metrics, server info, schemas, API docs and the console's files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from .conftest import Served, serve, start_run, wait_for


def test_healthz_answers_ok(http: httpx.Client) -> None:
    r = http.get("/healthz")
    assert r.status_code == 200 and r.text == "ok"


def test_readyz_reports_the_store_and_the_controller(http: httpx.Client) -> None:
    body = http.get("/readyz").json()
    assert body["store"] == "ok" and body["controller"] == "running"


def test_info_describes_the_server(http: httpx.Client) -> None:
    info = http.get("/treadle/v1/info").json()
    assert info["mode"] == "embedded" and info["controller"] == "running"
    assert isinstance(info["sandboxed"], bool) and info["version"]


def test_schema_of_a_kind_is_a_json_schema(http: httpx.Client) -> None:
    schema = http.get("/treadle/v1/schemas/WorkflowTemplate").json()
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert "spec" in schema["properties"]
    assert http.get("/treadle/v1/schemas/wt").json() == schema


def test_schema_of_an_unknown_kind_is_404(http: httpx.Client) -> None:
    assert http.get("/treadle/v1/schemas/Nope").status_code == 404


def test_openapi_and_docs_are_served(http: httpx.Client) -> None:
    spec = http.get("/openapi.json").json()
    assert (
        "/apis/batch.tensorstack.dev/v1beta1/namespaces/{namespace}/workflowruns" in spec["paths"]
    )
    assert http.get("/docs").status_code == 200


def test_metrics_report_runs_steps_queue_and_reconciles(http: httpx.Client, ns: str) -> None:
    name = start_run(http, ns, ["true"])
    wait_for(http, ns, name)
    text = http.get("/metrics").text
    assert 'treadle_workflowruns{phase="Succeeded"}' in text
    assert "treadle_step_duration_seconds_count" in text
    assert "treadle_controller_queue_depth" in text
    assert "treadle_reconcile_seconds_count" in text
    assert 'treadle_http_requests_total{code="200",method="GET"}' in text


def test_console_page_says_when_it_is_not_built(tmp_path: Path) -> None:
    empty = tmp_path / "static"
    empty.mkdir()
    with serve(tmp_path / "home", run_controller=False, static_dir=empty) as s, s.client() as c:
        r = c.get("/")
        assert r.status_code == 200 and "console is not built" in r.text
        assert c.get("/elsewhere").status_code == 404


@pytest.fixture(scope="module")
def with_console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    static = tmp_path_factory.mktemp("static")
    (static / "index.html").write_text("<html>console</html>")
    (static / "assets").mkdir()
    (static / "assets" / "app.js").write_text("console.log(1)")
    with serve(
        tmp_path_factory.mktemp("console-home"), run_controller=False, static_dir=Path(static)
    ) as s:
        yield s


def test_console_files_are_served(with_console: Served) -> None:
    with with_console.client() as c:
        assert c.get("/").text == "<html>console</html>"
        assert c.get("/assets/app.js").text == "console.log(1)"


def test_unknown_console_paths_fall_back_to_index(with_console: Served) -> None:
    with with_console.client() as c:
        assert c.get("/workflowruns/default/x").text == "<html>console</html>"


def test_unknown_api_paths_stay_404(with_console: Served) -> None:
    with with_console.client() as c:
        r = c.get("/apis/nothing/here/at/all")
        assert r.status_code == 404 and r.json()["kind"] == "Status"
