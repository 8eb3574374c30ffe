"""A web page and a step must not get the owner's powers over the API.

A browser sends what any page asks it to, to any address, this machine's loopback
included; a step is a local process that can reach that loopback too. So every
request is checked for the name it was sent to (Host: no DNS rebinding), where it
comes from (Origin, Sec-Fetch-Site: no cross-site writes or terminals), what it
carries (Content-Type: no body a page can send without asking the server first), and
who sends it (a token, on loopback too). These tests speak HTTP to a real server.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import websockets.sync.client
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.typing import Origin

from tests.server.conftest import WF, Served, serve, start_run, wait_for
from treadle.api.objects import SYSTEM_NAMESPACE
from treadle.core.tokens import NamespaceToken, digest, secret_name, token_secret
from treadle.errors import ValidationError
from treadle.server.tokens import TokenStore
from treadle.server.webguard import HostPolicy

SECRET = {
    "apiVersion": "v1",
    "kind": "Secret",
    "metadata": {"name": "keys"},
    "stringData": {"password": "hunter2"},
}
RUN = {
    "apiVersion": "batch.tensorstack.dev/v1beta1",
    "kind": "WorkflowRun",
    "metadata": {"name": "pwned"},
    "spec": {"workflowTemplateRef": "t"},
}


def authority(served: Served) -> str:
    return urlsplit(served.url).netloc


def port(served: Served) -> int:
    return int(urlsplit(served.url).port or 0)


def ws_url(served: Served, ns: str, name: str = "ghost", host: str | None = None) -> str:
    where = host or authority(served)
    return f"ws://{where}{WF}/namespaces/{ns}/workflowruns/{name}/exec"


def ws_refusal(served: Served, url: str, **options: Any) -> int:
    """The HTTP status a WebSocket handshake to `url` was refused with (the TCP
    connection always goes to the server, whatever name the URL has)."""
    sock = socket.create_connection(("127.0.0.1", port(served)), timeout=10)
    try:
        with websockets.sync.client.connect(url, sock=sock, proxy=None, open_timeout=10, **options):
            pass
    except InvalidStatus as refused:
        return int(refused.response.status_code)
    finally:
        sock.close()
    raise AssertionError(f"the handshake to {url} was accepted")


def runs_in(http: httpx.Client, ns: str) -> list[str]:
    r = http.get(f"{WF}/namespaces/{ns}/workflowruns")
    assert r.status_code == 200, r.text
    return [o["metadata"]["name"] for o in r.json()["items"]]


# -- Host: the names this server answers to ------------------------------------------


def test_a_request_for_another_host_name_is_421(served: Served) -> None:
    with served.client() as c:
        r = c.get(
            "/api/v1/namespaces/default/secrets", headers={"Host": f"evil.test:{port(served)}"}
        )
    assert r.status_code == 421
    body = r.json()
    assert body["kind"] == "Status" and "evil.test" in body["message"]
    assert "--allowed-host" in body["message"]


def test_another_host_name_is_refused_before_the_token_is_asked_for(served: Served) -> None:
    with served.anonymous() as c:
        assert c.get("/treadle/v1/info", headers={"Host": "evil.test"}).status_code == 421


def test_console_files_are_refused_for_another_host_name(served: Served) -> None:
    with served.anonymous() as c:
        assert c.get("/", headers={"Host": f"evil.test:{port(served)}"}).status_code == 421
        assert c.get("/healthz", headers={"Host": "evil.test"}).status_code == 421


def test_a_websocket_for_another_host_name_is_refused(served: Served) -> None:
    url = ws_url(served, "default", host=f"evil.test:{port(served)}")
    assert (
        ws_refusal(served, url, additional_headers={"Authorization": f"Bearer {served.token}"})
        == 421
    )


@pytest.mark.parametrize("name", ["127.0.0.1", "localhost", "[::1]", "LOCALHOST"])
def test_loopback_names_are_served(served: Served, name: str) -> None:
    with served.client() as c:
        r = c.get("/treadle/v1/info", headers={"Host": f"{name}:{port(served)}"})
    assert r.status_code == 200, r.text


def test_an_allowed_host_option_adds_a_name(tmp_path_factory: pytest.TempPathFactory) -> None:
    root = tmp_path_factory.mktemp("named")
    with serve(root, run_controller=False, allowed_hosts=["treadle.example"]) as s, s.client() as c:
        assert c.get("/treadle/v1/info", headers={"Host": "treadle.example"}).status_code == 200
        assert c.get("/treadle/v1/info", headers={"Host": "other.example"}).status_code == 421


def test_a_wildcard_bind_answers_to_addresses_not_to_any_name() -> None:
    hosts = HostPolicy.for_bind("0.0.0.0")
    assert hosts.refusal("192.168.1.20:8080") is None
    assert hosts.refusal("[fe80::1]:8080") is None
    assert hosts.refusal("localhost:8080") is None
    assert hosts.refusal("rebound.evil.test:8080") is not None


def test_a_named_bind_answers_to_its_name() -> None:
    assert HostPolicy.for_bind("box.lan").refusal("box.lan:8080") is None


def test_allowed_host_star_answers_to_any_name() -> None:
    assert HostPolicy.for_bind("127.0.0.1", ["*"]).refusal("anything.example") is None


# -- Origin: no writes, no terminals from another site -------------------------------


def test_a_cross_origin_post_is_403_and_changes_nothing(
    served: Served, http: httpx.Client, ns: str
) -> None:
    attacker = f"http://127.0.0.1:{port(served) + 1}"
    r = http.post(f"{WF}/namespaces/{ns}/workflowruns", json=RUN, headers={"Origin": attacker})
    assert r.status_code == 403
    assert r.json()["kind"] == "Status" and attacker in r.json()["message"]
    assert runs_in(http, ns) == []


def test_a_cross_origin_delete_is_403(served: Served, http: httpx.Client, ns: str) -> None:
    assert http.post(f"/api/v1/namespaces/{ns}/secrets", json=SECRET).status_code == 201
    r = http.delete(f"/api/v1/namespaces/{ns}/secrets/keys", headers={"Origin": "http://evil.test"})
    assert r.status_code == 403
    assert http.get(f"/api/v1/namespaces/{ns}/secrets/keys").status_code == 200


def test_a_same_origin_post_is_allowed(served: Served, http: httpx.Client, ns: str) -> None:
    r = http.post(f"/api/v1/namespaces/{ns}/secrets", json=SECRET, headers={"Origin": served.url})
    assert r.status_code == 201, r.text


def test_a_post_without_origin_is_allowed(http: httpx.Client, ns: str) -> None:
    assert http.post(f"/api/v1/namespaces/{ns}/secrets", json=SECRET).status_code == 201


def test_an_opaque_origin_is_403(http: httpx.Client, ns: str) -> None:
    r = http.post(f"/api/v1/namespaces/{ns}/secrets", json=SECRET, headers={"Origin": "null"})
    assert r.status_code == 403


def test_sec_fetch_site_cross_site_is_403(http: httpx.Client, ns: str) -> None:
    headers = {"Sec-Fetch-Site": "cross-site"}
    r = http.post(f"/api/v1/namespaces/{ns}/secrets", json=SECRET, headers=headers)
    assert r.status_code == 403


def test_a_cross_origin_terminal_is_refused(served: Served) -> None:
    headers = {"Authorization": f"Bearer {served.token}"}
    url = ws_url(served, "default")
    status = ws_refusal(served, url, origin="http://evil.test", additional_headers=headers)
    assert status == 403


def test_a_same_origin_terminal_reaches_the_terminal(served: Served) -> None:
    url = ws_url(served, "default") + f"?token={served.token}"
    with websockets.sync.client.connect(url, origin=Origin(served.url), proxy=None) as ws:
        assert '"code":404' in str(ws.recv(timeout=15)).replace(" ", "")
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=15)


def test_an_origin_on_an_allowed_host_passes_behind_a_proxy(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    # A proxy that sends its upstream's address as Host, for a console on a public name.
    root = tmp_path_factory.mktemp("proxied")
    with serve(root, run_controller=False, allowed_hosts=["treadle.example"]) as s, s.client() as c:
        headers = {"Origin": "https://treadle.example"}
        r = c.post("/api/v1/namespaces/p/secrets", json=SECRET, headers=headers)
        assert r.status_code == 201, r.text


# -- Content-Type: only bodies a page cannot send without asking --------------------


@pytest.mark.parametrize(
    "content_type",
    [None, "text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded"],
)
def test_a_body_that_is_not_json_is_415(
    served: Served, http: httpx.Client, ns: str, content_type: str | None
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    body = httpx.Request("POST", "/", json=RUN).content
    r = http.post(f"{WF}/namespaces/{ns}/workflowruns", content=body, headers=headers)
    assert r.status_code == 415
    assert "application/json" in r.json()["message"]
    assert runs_in(http, ns) == []


def test_multipart_form_is_415(http: httpx.Client, ns: str) -> None:
    r = http.post(f"/api/v1/namespaces/{ns}/secrets", files={"f": b"{}"})
    assert r.status_code == 415


def test_json_with_a_charset_is_accepted(http: httpx.Client, ns: str) -> None:
    body = httpx.Request("POST", "/", json=SECRET).content
    headers = {"Content-Type": "application/json; charset=utf-8"}
    r = http.post(f"/api/v1/namespaces/{ns}/secrets", content=body, headers=headers)
    assert r.status_code == 201, r.text


def test_an_action_without_a_body_needs_no_content_type(http: httpx.Client, ns: str) -> None:
    r = http.post(f"{WF}/namespaces/{ns}/workflowruns/ghost/stop")
    assert r.status_code == 404


def test_a_volume_upload_takes_bytes_of_any_type(http: httpx.Client, ns: str) -> None:
    assert http.post(f"/treadle/v1/namespaces/{ns}/volumes", json={"name": "v"}).status_code == 201
    files = f"/treadle/v1/namespaces/{ns}/volumes/v/files"
    assert http.put(
        f"{files}/a.txt", content=b"a", headers={"Content-Type": "text/plain"}
    ).is_success
    assert http.put(f"{files}/b.bin", content=b"b").is_success


def test_an_event_listener_takes_json_only(http: httpx.Client, ns: str) -> None:
    r = http.post(
        f"/t9k/workflow/triggers/{ns}/hook",
        content=b'{"ref": "main"}',
        headers={"Content-Type": "text/plain"},
    )
    assert r.status_code == 415


# -- CORS: none ----------------------------------------------------------------------


def test_no_cors_headers_by_default(http: httpx.Client) -> None:
    r = http.get("/treadle/v1/info", headers={"Origin": "http://evil.test"})
    assert not [h for h in r.headers if h.lower().startswith("access-control-")]


def test_a_preflight_from_another_origin_gets_no_allowance(served: Served) -> None:
    headers = {
        "Origin": "http://evil.test",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
    }
    with served.anonymous() as c:
        r = c.options(f"{WF}/namespaces/default/workflowruns", headers=headers)
    assert r.status_code == 403
    assert not [h for h in r.headers if h.lower().startswith("access-control-")]


# -- tokens: on loopback too ---------------------------------------------------------


def test_a_loopback_server_requires_a_token(served: Served) -> None:
    with served.anonymous() as c:
        r = c.get("/api/v1/namespaces/default/secrets")
    assert r.status_code == 401


# -- steps: local processes without the owner's token --------------------------------


BASE_PYTHON = os.path.join(sys.base_prefix, "bin", "python3")
"""The interpreter the venv was made from: the probe needs only the standard library, and
a venv inside a checkout under /tmp is out of a sandboxed step's sight."""


def probe_script(url: str, header: str = "") -> str:
    """A step that asks `url` as curl and as Python would, printing the statuses."""
    python = (
        "import sys, urllib.request, urllib.error\n"
        "req = urllib.request.Request(sys.argv[1])\n"
        "if sys.argv[2]: req.add_header('Authorization', sys.argv[2])\n"
        "try: print('python', urllib.request.urlopen(req).status)\n"
        "except urllib.error.HTTPError as e: print('python', e.code)\n"
    )
    curl_header = f'-H "Authorization: {header}"' if header else ""
    return (
        f"curl -s -o /dev/null -w 'curl %{{http_code}}\\n' {curl_header} '{url}' || true; "
        f"'{BASE_PYTHON}' -c \"{python}\" '{url}' \"{header}\""
    )


def step_output(served: Served, http: httpx.Client, ns: str, script: str) -> list[str]:
    name = start_run(http, ns, ["sh", "-c", script], name="probe")
    run = wait_for(http, ns, name)
    r = http.get(f"{WF}/namespaces/{ns}/workflowruns/{name}/logs")
    lines = [json.loads(line)["text"] for line in r.text.splitlines() if line.strip()]
    assert run["status"]["phase"] == "Succeeded", (run["status"], lines)
    return lines


def victim_secret(http: httpx.Client) -> str:
    victim = f"victim-{uuid.uuid4().hex[:8]}"
    assert http.post(f"/api/v1/namespaces/{victim}/secrets", json=SECRET).status_code == 201
    return victim


def loopback_statuses(lines: list[str]) -> dict[str, str]:
    matches = [re.match(r"(curl|python) (\d+)$", line) for line in lines]
    found = {m[1]: m[2] for m in matches if m}
    assert found, f"the step printed no status: {lines}"
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="local steps are Linux's")
def test_a_step_cannot_read_another_namespaces_secret(
    served: Served, http: httpx.Client, ns: str
) -> None:
    victim = victim_secret(http)
    url = f"{served.url}/api/v1/namespaces/{victim}/secrets/keys"
    statuses = loopback_statuses(step_output(served, http, ns, probe_script(url)))
    assert statuses.get("python") == "401" and set(statuses.values()) == {"401"}, statuses


def test_a_step_gets_no_token_from_the_servers_environment(
    served: Served, http: httpx.Client, ns: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The owner's shell may hold TREADLE_TOKEN; the controller must not hand it on.
    monkeypatch.setenv("TREADLE_TOKEN", served.token)
    victim = victim_secret(http)
    url = f"{served.url}/api/v1/namespaces/{victim}/secrets/keys"
    script = probe_script(url, header="Bearer ${TREADLE_TOKEN:-none}")
    statuses = loopback_statuses(step_output(served, http, ns, script))
    assert set(statuses.values()) == {"401"}, statuses


# -- namespace tokens: their namespace and nothing else, on every route ---------------

OWN, OTHER = "team-own", "team-other"
OPEN_PATHS = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc", "/healthz", "/readyz"}
"""Open to all, no token looked at."""
SHARED = {
    ("GET", "/treadle/v1/info"),
    ("HEAD", "/treadle/v1/info"),
    ("GET", "/treadle/v1/schemas/{kind}"),
    ("HEAD", "/treadle/v1/schemas/{kind}"),
    ("GET", "/api/v1/namespaces"),
    ("HEAD", "/api/v1/namespaces"),
}
"""What a namespace token may read besides its namespace: nothing of another's."""


def routes(app: Any) -> Iterator[tuple[str, str]]:
    """(method, path template) of every route of the app, WebSocket ones as "WS"."""

    def walk(items: list[Any]) -> Iterator[Any]:
        for route in items:
            inner = getattr(route, "original_router", None) or getattr(route, "app", None)
            if not hasattr(route, "path") and inner is not None:
                yield from walk(inner.routes)
            else:
                yield route

    for route in walk(app.routes):
        methods = getattr(route, "methods", None)
        for method in sorted(methods) if methods else ["WS"]:
            yield method, route.path


def concrete(path: str, namespace: str = OTHER) -> str:
    """A path of `path`'s template that points into `namespace`."""
    api = path.startswith("/api/")
    values = {
        "namespace": namespace,
        "name": namespace if path == "/api/v1/namespaces/{name}" else "x",
        "version": "v1" if api else "v1beta1",
        "group": "batch.tensorstack.dev",
        "plural": "secrets" if api else "workflowruns",
        "path": "f.txt",
        "listener": "hook",
        "kind": "WorkflowRun",
    }
    return re.sub(r"\{(\w+)(:\w+)?\}", lambda m: values[m[1]], path)


def test_every_route_is_listed_for_the_namespace_token_check(served: Served) -> None:
    found = list(routes(served.app))
    assert ("WS", f"{WF}/namespaces/{{namespace}}/workflowruns/{{name}}/exec") in found
    assert ("POST", "/t9k/workflow/triggers/{namespace}/{listener}") in found
    assert len(found) > 40


@pytest.mark.parametrize("other", [OTHER, SYSTEM_NAMESPACE])
def test_a_namespace_token_reaches_no_other_namespace_on_any_route(
    served: Served, other: str
) -> None:
    token, _ = TokenStore(served.state.store).create(OWN, "write")
    answers: dict[tuple[str, str], int] = {}
    with served.client(token) as c:
        for method, template in routes(served.app):
            if template in OPEN_PATHS:
                continue
            path = concrete(template, other)
            if method == "WS":
                url = served.url.replace("http://", "ws://") + path + f"?token={token}"
                answers[method, template] = ws_refusal(served, url)
                continue
            writes = method in ("POST", "PUT", "PATCH", "DELETE")
            body: dict[str, Any] | None = {} if writes else None
            answers[method, template] = c.request(method, path, json=body).status_code
    allowed = {k: v for k, v in answers.items() if k in SHARED}
    assert all(code == 200 for code in allowed.values()), allowed
    refused = {k: v for k, v in answers.items() if k not in SHARED and v != 403}
    assert refused == {}, refused


# -- the reserved namespace, where the namespace tokens are kept ----------------------

SYSTEM_SECRETS = f"/api/v1/namespaces/{SYSTEM_NAMESPACE}/secrets"


@pytest.fixture(scope="module")
def own_token(served: Served) -> str:
    """A write token of namespace OWN: the strongest a namespace token gets."""
    token, _ = TokenStore(served.state.store).create(OWN, "write")
    return token


def own_secret_name(token: str) -> str:
    return secret_name(digest(token))


@pytest.mark.parametrize(
    "path",
    [
        SYSTEM_SECRETS,
        f"{SYSTEM_SECRETS}?watch=true",
        f"{SYSTEM_SECRETS}?labelSelector=treadle.dev/token-namespace%3D{OWN}",
        "/api/v1/secrets",
        "/api/v1/secrets?watch=true",
        f"/api/v1/secrets?fieldSelector=metadata.namespace%3D{SYSTEM_NAMESPACE}",
    ],
    ids=["list", "watch", "list-own", "list-all", "watch-all", "list-all-selected"],
)
def test_a_namespace_token_cannot_list_or_watch_the_token_secrets(
    served: Served, own_token: str, path: str
) -> None:
    with served.client(own_token) as c:
        r = c.get(path)
    assert r.status_code == 403, r.text
    assert "sha256" not in r.text


def test_a_namespace_token_cannot_read_its_own_secret(served: Served, own_token: str) -> None:
    with served.client(own_token) as c:
        r = c.get(f"{SYSTEM_SECRETS}/{own_secret_name(own_token)}")
    assert r.status_code == 403 and "sha256" not in r.text


def test_a_namespace_token_cannot_mint_a_token(served: Served, own_token: str) -> None:
    minted = "a-token-of-my-choosing"
    record = NamespaceToken("0badf00d", OTHER, "write", "2025-01-01T00:00:00Z")
    forged = token_secret(record, digest(minted), keep_created=True)
    with served.client(own_token) as c:
        assert c.post(SYSTEM_SECRETS, json=forged).status_code == 403
    with served.client(minted) as c:
        assert c.get(f"/api/v1/namespaces/{OTHER}/secrets").status_code == 401


def test_a_namespace_token_cannot_change_or_revoke_its_secret(
    served: Served, own_token: str
) -> None:
    path = f"{SYSTEM_SECRETS}/{own_secret_name(own_token)}"
    widened = {"metadata": {"labels": {"treadle.dev/token-namespace": OTHER}}}
    with served.client(own_token) as c:
        assert c.patch(path, json=widened).status_code == 403
        assert c.put(path, json={"metadata": {"name": "x"}}).status_code == 403
        assert c.delete(path).status_code == 403
        assert c.get(f"/api/v1/namespaces/{OWN}/secrets").status_code == 200
        assert c.get(f"/api/v1/namespaces/{OTHER}/secrets").status_code == 403


def test_no_namespace_token_is_made_for_the_reserved_namespace(served: Served) -> None:
    with pytest.raises(ValidationError, match="reserved"):
        TokenStore(served.state.store).create(SYSTEM_NAMESPACE, "write")


def test_the_admin_reads_the_token_secrets_and_finds_only_digests(
    served: Served, http: httpx.Client, own_token: str
) -> None:
    r = http.get(f"{SYSTEM_SECRETS}/{own_secret_name(own_token)}")
    assert r.status_code == 200
    assert own_token not in r.text
    assert r.json()["type"] == "treadle.dev/api-token"


# -- the owner's clients get the token without asking --------------------------------


def test_the_cli_on_the_servers_machine_uses_the_data_directorys_token(
    served: Served, http: httpx.Client, ns: str
) -> None:
    assert http.post(f"/api/v1/namespaces/{ns}/secrets", json=SECRET).status_code == 201
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "treadle.cli.main",
            "--home",
            str(served.home.root),
            "--server",
            served.url,
            "get",
            "secret",
            "-n",
            ns,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1", "TREADLE_NO_AUTOSTART": "1"},
    )
    assert done.returncode == 0, done.stderr
    assert "keys" in done.stdout
