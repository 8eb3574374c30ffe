"""A page of another origin, open in the owner's browser, gets nothing from the server.

The attacker's page is served from a second loopback port, a different origin that
a browser still lets reach the server's port. Its attacks run against a server
started with `--auth none`, so that what stops them is the web checks themselves
(Host, Origin, Content-Type, no CORS), not a missing token; the default server
refuses them as well. DNS rebinding is staged with Chromium's resolver rules: a name
the attacker owns resolves to loopback, so the browser treats the server as the
attacker's own site. The console, opened through the address the server prints,
keeps working meanwhile.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.support import CHROMIUM, CHROMIUM_ARGS, free_port

from .conftest import Page, Server

sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
expect = sync_api.expect

GV = "batch.tensorstack.dev/v1beta1"
REBOUND = "rebound.attacker.test"
SECRET = {
    "apiVersion": "v1",
    "kind": "Secret",
    "metadata": {"name": "keys"},
    "stringData": {"password": "hunter2"},
}
RUN = {
    "apiVersion": GV,
    "kind": "WorkflowRun",
    "metadata": {"name": "pwned"},
    "spec": {"workflowTemplateRef": "sleeper"},
}
SLEEPER = {
    "apiVersion": GV,
    "kind": "WorkflowTemplate",
    "metadata": {"name": "sleeper"},
    "spec": {
        "pod": {"containers": [{"name": "main", "image": "ubuntu", "command": ["sleep", "300"]}]}
    },
}

ATTACKS = """
async ({target, ns, run}) => {
  const out = {};
  const runs = `${target}/apis/batch.tensorstack.dev/v1beta1/namespaces/${ns}/workflowruns`;
  const secret = `${target}/api/v1/namespaces/${ns}/secrets/keys`;
  const body = JSON.stringify(run);
  // Simple requests: the browser sends them without asking the server first.
  await fetch(runs, {method: "POST", mode: "no-cors", body: new Blob([body])});
  await fetch(runs, {method: "POST", mode: "no-cors", body});
  await fetch(runs, {method: "POST", mode: "no-cors", body: new URLSearchParams({run: body})});
  const form = document.createElement("form");
  form.method = "POST";
  form.action = runs;
  form.enctype = "text/plain";
  form.target = "sink";
  const field = document.createElement("input");
  field.name = body.slice(0, -1) + ',"x":"';
  field.value = '"}';
  form.appendChild(field);
  const sink = document.createElement("iframe");
  sink.name = "sink";
  document.body.append(sink, form);
  const loaded = new Promise((resolve) => { sink.onload = resolve; });
  form.submit();
  await loaded;
  // Requests the browser asks about first (a preflight), then sends if allowed.
  const tryFetch = async (url, init) => {
    try { const r = await fetch(url, init); return `answered ${r.status}: ${await r.text()}`; }
    catch (e) { return "blocked"; }
  };
  out.json = await tryFetch(runs, {method: "POST", headers: {"Content-Type": "application/json"}, body});
  out.remove = await tryFetch(secret, {method: "DELETE"});
  out.read = await tryFetch(secret, {});
  return out;
}
"""

TERMINAL = """
async (url) => await new Promise((resolve) => {
  const ws = new WebSocket(url);
  ws.onopen = () => { ws.send("touch /tmp/owned\\n"); resolve("opened"); };
  ws.onclose = () => resolve("refused");
})
"""

SAME_ORIGIN = """
async ({ns}) => {
  const secret = `/api/v1/namespaces/${ns}/secrets/keys`;
  const read = await fetch(secret);
  const removed = await fetch(secret, {method: "DELETE"});
  return {read: read.status, text: await read.text(), removed: removed.status};
}
"""


class _AttackerPage(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<!doctype html><html><body><h1>cute cats</h1></body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def attacker() -> Iterator[str]:
    """The attacker's site: another origin on this machine's loopback."""
    httpd = ThreadingHTTPServer(("127.0.0.1", free_port()), _AttackerPage)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def open_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server with `--auth none`: only the web checks stand in the way."""
    s = Server(tmp_path_factory.mktemp("open") / "home", "--auth", "none")
    try:
        yield s
    finally:
        s.close()


@pytest.fixture(scope="module")
def victim_browser(browser: Any) -> Iterator[Any]:
    """Chromium as the owner runs it, plus a resolver that stages DNS rebinding
    (launched by the session's Playwright: only one may run at a time)."""
    args = [*CHROMIUM_ARGS, f"--host-resolver-rules=MAP {REBOUND} 127.0.0.1"]
    b = browser.browser_type.launch(executable_path=CHROMIUM, args=args)
    try:
        yield b
    finally:
        b.close()


@pytest.fixture
def tab(victim_browser: Any) -> Iterator[Any]:
    context = victim_browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        yield page
    finally:
        context.close()


@pytest.fixture(params=["open", "default"])
def target(request: pytest.FixtureRequest) -> Server:
    """Each attack against `--auth none` and against the default server."""
    name = "open_server" if request.param == "open" else "server"
    s: Server = request.getfixturevalue(name)
    return s


@pytest.fixture
def ns(target: Server) -> str:
    """A namespace of the test's own, holding a secret."""
    name = f"sec-{uuid.uuid4().hex[:8]}"
    _create(target, "/api/v1", "secrets", SECRET, name)
    return name


def _create(server: Server, base: str, plural: str, doc: dict, ns: str) -> None:
    r = server.api.post(f"{base}/namespaces/{ns}/{plural}", json=doc)
    assert r.status_code == 201, r.text


def secret_is_intact(server: Server, ns: str) -> bool:
    return server.api.get(f"/api/v1/namespaces/{ns}/secrets/keys").status_code == 200


def run_names(server: Server, ns: str) -> list[str]:
    r = server.api.get(f"/apis/{GV}/namespaces/{ns}/workflowruns")
    assert r.status_code == 200, r.text
    return [o["metadata"]["name"] for o in r.json()["items"]]


def test_a_cross_origin_page_creates_reads_and_deletes_nothing(
    tab: Any, attacker: str, target: Server, ns: str
) -> None:
    tab.goto(attacker)
    out = tab.evaluate(ATTACKS, {"target": target.url, "ns": ns, "run": RUN})
    assert out == {"json": "blocked", "remove": "blocked", "read": "blocked"}
    assert run_names(target, ns) == []
    assert secret_is_intact(target, ns)


def test_a_cross_origin_page_opens_no_terminal(
    tab: Any, attacker: str, target: Server, ns: str
) -> None:
    _create(target, f"/apis/{GV}", "workflowtemplates", SLEEPER, ns)
    _create(target, f"/apis/{GV}", "workflowruns", {**RUN, "metadata": {"name": "victim"}}, ns)
    path = f"/apis/{GV}/namespaces/{ns}/workflowruns/victim"
    deadline = time.monotonic() + 60
    while not any(
        s.get("phase") == "Running"
        for s in (target.api.get(path).json().get("status") or {}).get("steps") or []
    ):
        assert time.monotonic() < deadline, "the victim's step never ran"
        time.sleep(0.1)
    try:
        tab.goto(attacker)
        url = target.url.replace("http://", "ws://") + f"{path}/exec?step=main"
        assert tab.evaluate(TERMINAL, url) == "refused"
    finally:
        target.api.post(f"{path}/stop")


def test_a_rebound_name_reaches_nothing(tab: Any, target: Server, ns: str) -> None:
    response = tab.goto(f"http://{REBOUND}:{target.port}/")
    assert response is not None and response.status == 421
    out = tab.evaluate(SAME_ORIGIN, {"ns": ns})
    assert out["read"] == 421 and "hunter2" not in out["text"] and out["removed"] == 421
    assert secret_is_intact(target, ns)


def test_the_console_opened_from_the_printed_address_keeps_working(ui: Page) -> None:
    page: Any = ui.page
    ui.goto("/ns/default/volumes")
    assert "token=" not in page.url
    token = page.evaluate("localStorage.getItem('treadle.token')")
    assert token and token in ui.server.console_url
    page.get_by_test_id("create-volume").click()
    page.get_by_test_id("volume-name").fill("kept-working")
    page.get_by_test_id("submit-volume").click()
    expect(page.get_by_test_id("volume-table")).to_contain_text("kept-working")
    page.reload()
    expect(page.get_by_test_id("volume-table")).to_contain_text("kept-working")
