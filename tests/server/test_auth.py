"""Tokens: needed on every address; the admin token, namespace tokens for reading or
writing, what is open, and how the owner's own clients get the admin token."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import websockets.sync.client

from tests.store.test_legacy_tokens import READER, write_old_tokens
from tests.support import free_port
from treadle.api.objects import SYSTEM_NAMESPACE
from treadle.cli import state as cli_state
from treadle.config import Home
from treadle.server.tokens import TokenStore
from treadle.store.sqlite import SqliteStore

from .conftest import Served, serve

CM = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm"}}
TREADLE = [sys.executable, "-m", "treadle.cli.main"]


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A server as `treadle server` starts one on loopback, without a controller."""
    with serve(tmp_path_factory.mktemp("guarded"), run_controller=False) as s:
        yield s


@pytest.fixture(scope="module")
def admin(guarded: Served) -> str:
    token = guarded.state.auth.admin_token
    assert token
    return token


def namespace_token(served: Served, namespace: str, access: str) -> str:
    tokens = TokenStore(served.state.store)
    secret, _ = tokens.create(namespace, "write" if access == "write" else "read")
    return secret


def test_request_without_token_is_401(guarded: Served) -> None:
    with guarded.anonymous() as c:
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
    with guarded.anonymous() as c:
        assert c.get("/treadle/v1/info", params={"token": admin}).status_code == 200


def test_health_and_console_need_no_token(guarded: Served) -> None:
    with guarded.anonymous() as c:
        assert c.get("/healthz").status_code == 200
        assert c.get("/readyz").status_code == 200
        assert c.get("/").status_code == 200


def test_admin_token_file_is_private(guarded: Served, admin: str) -> None:
    path = guarded.home.token_file
    assert path.read_text().strip() == admin
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_admin_token_is_generated_once(guarded: Served, admin: str) -> None:
    with serve(guarded.home.root, run_controller=False) as again:
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


def test_loopback_needs_a_token_by_default(served: Served) -> None:
    with served.anonymous() as c:
        assert c.get("/api/v1/configmaps").status_code == 401


def test_auth_none_is_the_owners_explicit_opt_out(tmp_path: Path) -> None:
    with (
        serve(tmp_path / "home", token_policy="none", run_controller=False) as s,
        s.anonymous() as c,
    ):
        assert c.get("/api/v1/configmaps").status_code == 200
        assert c.get("/treadle/v1/info").json()["auth"] == "none"


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


def treadle_token(served: Served, *args: str) -> subprocess.CompletedProcess[str]:
    """`treadle token …` on the server's data directory, as another process."""
    command = [*TREADLE, "--home", str(served.home.root), "token", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def test_a_token_revoked_from_the_cli_is_refused_at_once(guarded: Served) -> None:
    token, record = TokenStore(guarded.state.store).create("team-rv", "read")
    with guarded.client(token) as c:
        assert c.get("/api/v1/namespaces/team-rv/configmaps").status_code == 200
        done = treadle_token(guarded, "revoke", record.id)
        assert done.returncode == 0 and f"token {record.id} revoked" in done.stdout
        assert c.get("/api/v1/namespaces/team-rv/configmaps").status_code == 401


def test_token_list_command_shows_ids_and_never_tokens(guarded: Served) -> None:
    token, record = TokenStore(guarded.state.store).create("team-ls", "write", "ci")
    done = treadle_token(guarded, "list")
    assert done.returncode == 0, done.stderr
    assert record.id in done.stdout and token not in done.stdout


def test_no_token_is_made_for_the_servers_own_namespace(guarded: Served) -> None:
    done = treadle_token(guarded, "create", SYSTEM_NAMESPACE, "--write")
    assert done.returncode != 0
    assert "reserved" in done.stdout + done.stderr


def test_a_server_on_an_older_data_directory_accepts_its_tokens(tmp_path: Path) -> None:
    home = Home(tmp_path / "home").ensure()
    SqliteStore(home.database).close()
    write_old_tokens(home.database, ("reader-token", READER))
    with serve(home.root, run_controller=False) as s, s.client("reader-token") as c:
        assert c.get(f"/api/v1/namespaces/{READER.namespace}/configmaps").status_code == 200
        r = c.post(f"/api/v1/namespaces/{READER.namespace}/configmaps", json=CM)
        assert r.status_code == 403


# -- how the owner's clients get the admin token ------------------------------------


def start_server(home: Path, *options: str) -> tuple[subprocess.Popen[str], str, list[str]]:
    """`treadle server` on a free port; its output up to the console's address."""
    port = free_port()
    args = ["--home", str(home), "--port", str(port), "--no-controller", "--log-level", "warning"]
    proc = subprocess.Popen(
        [*TREADLE, "server", *args, *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "60"},
    )
    assert proc.stdout is not None
    lines: list[str] = []
    for line in proc.stdout:
        lines.append(line.rstrip("\n"))
        if line.startswith("console: "):
            return proc, f"http://127.0.0.1:{port}", lines
    proc.wait(timeout=20)
    raise AssertionError(f"no console address printed: {lines}")


def stop(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    proc.wait(timeout=20)
    if proc.stdout:
        proc.stdout.close()


def test_server_prints_the_console_address_with_the_admin_token(tmp_path: Path) -> None:
    proc, url, lines = start_server(tmp_path / "home")
    try:
        token = (tmp_path / "home" / "token").read_text().strip()
        assert lines[-1] == f"console: {url}/?token={token}"
    finally:
        stop(proc)


def test_server_prints_the_console_address_again_on_the_next_start(tmp_path: Path) -> None:
    stop(start_server(tmp_path / "home")[0])
    proc, url, lines = start_server(tmp_path / "home")
    try:
        token = (tmp_path / "home" / "token").read_text().strip()
        assert lines[-1] == f"console: {url}/?token={token}"
    finally:
        stop(proc)


def test_printed_console_address_carries_a_working_token(tmp_path: Path) -> None:
    proc, url, lines = start_server(tmp_path / "home")
    try:
        token = re.sub(r".*\?token=", "", lines[-1])
        r = httpx.get(f"{url}/api/v1/configmaps", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200
    finally:
        stop(proc)


def test_auth_none_warns_loudly(tmp_path: Path) -> None:
    proc, url, lines = start_server(tmp_path / "home", "--auth", "none")
    try:
        assert any("WARNING" in line and "--auth none" in line for line in lines), lines
        assert lines[-1] == f"console: {url}/"
    finally:
        stop(proc)


def test_auth_auto_is_gone(tmp_path: Path) -> None:
    done = subprocess.run(
        [*TREADLE, "server", "--home", str(tmp_path), "--auth", "auto", "--no-controller"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0 and "use token or none" in done.stderr + done.stdout


@pytest.fixture
def cli_options(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The CLI's global options on a data directory holding an admin token."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "token").write_text("the-admin-token\n")
    monkeypatch.setattr(cli_state, "options", cli_state.Options(home=str(home)))
    return home


def test_cli_sends_the_data_directorys_token_to_a_loopback_server(cli_options: Path) -> None:
    assert cli_state.server_token("http://127.0.0.1:8080") == "the-admin-token"
    assert cli_state.server_token("http://localhost:8080") == "the-admin-token"
    assert cli_state.server_token("http://[::1]:8080") == "the-admin-token"


def test_cli_never_sends_the_data_directorys_token_to_another_machine(cli_options: Path) -> None:
    assert cli_state.server_token("http://build-box.example:8080") is None
    assert cli_state.server_token("http://10.1.2.3:8080") is None


def test_cli_prefers_the_token_it_is_given(cli_options: Path) -> None:
    cli_state.options.token = "given"
    assert cli_state.server_token("http://127.0.0.1:8080") == "given"
