"""`treadle server`: it serves, prints its URL, shuts down on SIGTERM with streams open,
and waits for (then takes over from) another process that drives the runs."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from treadle.config import Home
from treadle.controller.leader import CONTROLLER_LEASE, LeaderLease
from treadle.controller.manager import LEASE_TTL
from treadle.store.sqlite import SqliteStore

from .conftest import serve


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("the server did not become ready")


def test_sigterm_stops_the_server_with_a_watch_open(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "NO_COLOR": "1"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "treadle.cli.main",
            "server",
            "--home",
            str(tmp_path / "home"),
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
    )
    try:
        wait_ready(url, proc)
        token = Home(tmp_path / "home").token_file.read_text().strip()
        with (
            httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as c,
            c.stream(
                "GET",
                "/api/v1/namespaces/default/configmaps",
                params={"watch": "true"},
                timeout=httpx.Timeout(10, read=None),
            ) as watch,
        ):
            assert watch.status_code == 200
            started = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=20) == 0
            assert time.monotonic() - started < 8
    finally:
        if proc.poll() is None:
            proc.kill()
    output = proc.stdout.read().decode() if proc.stdout else ""
    assert f"Treadle server on {url}" in output


def test_server_on_a_public_address_prints_its_new_token_once(tmp_path: Path) -> None:
    port = free_port()
    home = Home(tmp_path / "home")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "treadle.cli.main",
            "server",
            "--home",
            str(home.root),
            "--host",
            "0.0.0.0",
            "--port",
            str(port),
            "--no-controller",
            "--log-level",
            "warning",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "NO_COLOR": "1"},
    )
    try:
        wait_ready(f"http://127.0.0.1:{port}", proc)
        assert httpx.get(f"http://127.0.0.1:{port}/treadle/v1/info").status_code == 401
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
    output = proc.stdout.read().decode() if proc.stdout else ""
    token = home.token_file.read_text().strip()
    assert token in output


def test_server_waits_for_the_lease_then_takes_over(tmp_path: Path) -> None:
    home = Home(tmp_path / "home").ensure()
    store = SqliteStore(home.database)
    other = LeaderLease(store, CONTROLLER_LEASE, "elsewhere:1", LEASE_TTL)
    assert other.acquire()
    try:
        with serve(home.root) as s, s.client() as c:
            assert c.get("/readyz").json()["controller"] == "waiting"
            other.release()
            deadline = time.monotonic() + 10
            while c.get("/readyz").json()["controller"] != "running":
                assert time.monotonic() < deadline, "the server never took over"
                time.sleep(0.2)
    finally:
        store.close()
