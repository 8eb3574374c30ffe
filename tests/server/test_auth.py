"""Tokens: the admin token, namespace tokens for reading or writing, and what is open."""

from __future__ import annotations

import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import websockets.sync.client

from treadle.server.tokens import TokenStore

from .conftest import Served, serve

CM = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm"}}


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A server that requires tokens although it is bound to loopback."""
    with serve(
        tmp_path_factory.mktemp("guarded"), token_policy="required", run_controller=False
    ) as s:
        yield s


@pytest.fixture(scope="module")
def admin(guarded: Served) -> str:
    token = guarded.state.auth.admin_token
    assert token
    return token


def namespace_token(served: Served, namespace: str, access: str) -> str:
    tokens = TokenStore(served.home.database)
    try:
        secret, _ = tokens.create(namespace, "write" if access == "write" else "read")
    finally:
        tokens.close()
    return secret


def test_request_without_token_is_401(guarded: Served) -> None:
    with guarded.client() as c:
        r = c.get("/api/v1/namespaces/default/configmaps")
    assert r.status_code == 401 and r.json()["kind"] == "Status"
    assert r.headers["www-authenticate"].startswith("Bearer")


def test_wrong_token_is_401(guarded: Served) -> None:
    with guarded.client("not-the-token") as c:
        assert c.get("/treadle/v1/info").status_code == 401


def test_admin_token_may_do_anything(guarded: Served, admin: str) -> None:
    with guarded.client(admin) as c:
        assert c.post("/api/v1/namespaces/adm/configmaps", json=CM).status_code == 201
        assert c.get("/api/v1/configmaps").status_code == 200
        assert c.get("/metrics").status_code == 200


def test_token_may_be_given_as_a_query_parameter(guarded: Served, admin: str) -> None:
    with guarded.client() as c:
        assert c.get("/treadle/v1/info", params={"token": admin}).status_code == 200


def test_health_and_console_need_no_token(guarded: Served) -> None:
    with guarded.client() as c:
        assert c.get("/healthz").status_code == 200
        assert c.get("/readyz").status_code == 200
        assert c.get("/").status_code == 200


def test_admin_token_file_is_private(guarded: Served, admin: str) -> None:
    path = guarded.home.token_file
    assert path.read_text().strip() == admin
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_admin_token_is_generated_once(guarded: Served, admin: str) -> None:
    with serve(guarded.home.root, token_policy="required", run_controller=False) as again:
        assert again.state.auth.admin_token == admin
        assert not again.state.auth.generated


def test_read_token_reads_its_namespace_but_cannot_write(guarded: Served) -> None:
    token = namespace_token(guarded, "team-r", "read")
    with guarded.client(token) as c:
        assert c.get("/api/v1/namespaces/team-r/configmaps").status_code == 200
        r = c.post("/api/v1/namespaces/team-r/configmaps", json=CM)
        assert r.status_code == 403 and "read" in r.json()["message"]


def test_write_token_writes_its_namespace(guarded: Served) -> None:
    token = namespace_token(guarded, "team-w", "write")
    with guarded.client(token) as c:
        assert c.post("/api/v1/namespaces/team-w/configmaps", json=CM).status_code == 201
        assert c.delete("/api/v1/namespaces/team-w/configmaps/cm").status_code == 200


def test_namespace_token_is_403_in_another_namespace(guarded: Served) -> None:
    token = namespace_token(guarded, "team-a", "write")
    with guarded.client(token) as c:
        assert c.get("/api/v1/namespaces/team-b/configmaps").status_code == 403
        assert c.get("/treadle/v1/namespaces/team-b/volumes").status_code == 403


def test_namespace_token_cannot_list_across_namespaces(guarded: Served) -> None:
    token = namespace_token(guarded, "team-a", "write")
    with guarded.client(token) as c:
        assert c.get("/api/v1/configmaps").status_code == 403
        assert c.get("/metrics").status_code == 403
        assert c.delete("/api/v1/namespaces/team-a").status_code == 403


def test_namespace_list_shows_a_namespace_token_only_its_namespace(
    guarded: Served, admin: str
) -> None:
    with guarded.client(admin) as c:
        c.post("/api/v1/namespaces/team-x/configmaps", json=CM)
        c.post("/api/v1/namespaces/team-y/configmaps", json=CM)
    token = namespace_token(guarded, "team-x", "read")
    with guarded.client(token) as c:
        names = [n["metadata"]["name"] for n in c.get("/api/v1/namespaces").json()["items"]]
    assert names == ["team-x"]


def test_namespace_token_reads_server_info_and_schemas(guarded: Served) -> None:
    token = namespace_token(guarded, "team-a", "read")
    with guarded.client(token) as c:
        assert c.get("/treadle/v1/info").status_code == 200
        assert c.get("/treadle/v1/schemas/WorkflowRun").status_code == 200


def test_websocket_without_token_is_refused(guarded: Served) -> None:
    url = guarded.url.replace("http", "ws") + (
        "/apis/batch.tensorstack.dev/v1beta1/namespaces/default/workflowruns/x/exec"
    )
    with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
        websockets.sync.client.connect(url, open_timeout=10)
    assert refused.value.response.status_code == 401


def test_loopback_needs_no_token_by_default(served: Served) -> None:
    with served.client() as c:
        assert c.get("/api/v1/configmaps").status_code == 200


def test_token_create_command_makes_a_working_token(guarded: Served, tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "treadle.cli.main",
            "--home",
            str(guarded.home.root),
            "token",
            "create",
            "team-cli",
            "--read",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    token = done.stdout.strip().splitlines()[-1]
    with guarded.client(token) as c:
        assert c.get("/api/v1/namespaces/team-cli/configmaps").status_code == 200
        assert c.post("/api/v1/namespaces/team-cli/configmaps", json=CM).status_code == 403
