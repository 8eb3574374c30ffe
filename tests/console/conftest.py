"""Browser tests of the console against a real `treadle server`.

One server per session (its own data directory and port), one Chromium (Debian's,
at /usr/bin/chromium) and a fresh page per test. The server asks for a token, as a
real one does: each page first opens the console address the server printed (with
the admin token in it), as the owner does, and the tests' own API calls send the
token the CLI reads from the data directory. Every test fails if the browser logged
a console error or an uncaught exception. Screenshots go to `artifacts/console/`
(git-ignored).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.support import CHROMIUM, CHROMIUM_ARGS, free_port

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "treadle" / "server" / "static"
ARTIFACTS = ROOT / "artifacts" / "console"


def _ensure_console_built() -> None:
    if (STATIC / "index.html").is_file() and not os.environ.get("TREADLE_CONSOLE_REBUILD"):
        return
    if not shutil.which("npm"):
        pytest.skip("the console is not built and npm is not installed")
    subprocess.run(["bash", str(ROOT / "console" / "build.sh")], check=True)


class Server:
    def __init__(self, home: Path, *options: str) -> None:
        self.home = home
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(home.parent / "server.log", "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "treadle.cli.main",
                "--home",
                str(home),
                "server",
                "--port",
                str(self.port),
                *options,
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1", "NO_COLOR": "1"},
        )
        self.console_url = self._printed_console_url()
        token = (home / "token").read_text().strip() if (home / "token").exists() else ""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.api = httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def _printed_console_url(self) -> str:
        """The console's address the server prints once it listens."""
        deadline = time.monotonic() + 30
        log = Path(self.log.name)
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"treadle server exited; see {self.log.name}")
            found = re.search(r"^console: (\S+)$", log.read_text(errors="replace"), re.M)
            if found:
                return found[1]
            time.sleep(0.1)
        raise RuntimeError(f"treadle server printed no console address; see {self.log.name}")

    # -- helpers for arranging state through the API ---------------------------------

    def apply(self, doc: dict, ns: str = "default") -> dict:
        kind = doc["kind"].lower() + "s"
        response = self.api.post(
            f"/apis/batch.tensorstack.dev/v1beta1/namespaces/{ns}/{kind}", json=doc
        )
        assert response.status_code == 201, response.text
        return response.json()

    def get(self, plural: str, name: str, ns: str = "default") -> dict:
        response = self.api.get(
            f"/apis/batch.tensorstack.dev/v1beta1/namespaces/{ns}/{plural}/{name}"
        )
        assert response.status_code == 200, response.text
        return response.json()

    def close(self) -> None:
        self.api.close()
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    _ensure_console_built()
    s = Server(tmp_path_factory.mktemp("console") / "home")
    try:
        yield s
    finally:
        s.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


class Page:
    """A Playwright page plus the console errors it collected and a screenshot helper."""

    def __init__(self, page: Any, server: Server) -> None:
        self.page = page
        self.server = server
        self.errors: list[str] = []
        self.allowed: list[str] = []
        self.opened = False

    def allow_console_error(self, text: str) -> None:
        """A test that provokes a failing request says so (Chromium logs every non-2xx)."""
        self.allowed.append(text)

    def goto(self, path: str) -> None:
        """Open `path`; the first time through the printed address, whose token the
        console keeps (and drops from the address bar)."""
        if self.opened:
            self.page.goto(self.server.url + path)
            return
        self.opened = True
        query = urlsplit(self.server.console_url).query
        split = urlsplit(path)
        joined = "&".join(q for q in (split.query, query) if q)
        self.page.goto(self.server.url + split.path + (f"?{joined}" if joined else ""))

    def shot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.wait_for_timeout(250)  # let transitions settle
        self.page.screenshot(path=str(path))
        return path


@pytest.fixture
def ui(browser: Any, server: Server) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 1440, "height": 900}, locale="en-US", accept_downloads=True
    )
    context.add_init_script(
        "if (!localStorage.getItem('treadle.lang')) localStorage.setItem('treadle.lang', 'en')"
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    wrapped = Page(page, server)
    page.on("console", lambda m: wrapped.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: wrapped.errors.append(f"uncaught: {e}"))
    try:
        yield wrapped
    finally:
        context.close()
    unexpected = [e for e in wrapped.errors if not any(a in e for a in wrapped.allowed)]
    assert unexpected == [], f"browser console errors: {unexpected}"
