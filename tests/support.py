"""What the suites share: the checkout's paths and an engine on a temporary home."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
TREADLE = ROOT / ".venv" / "bin" / "treadle"

CHROMIUM = os.environ.get("TREADLE_CHROMIUM", "/usr/bin/chromium")
"""Debian's Chromium, which browser tests and benchmarks drive (never a downloaded one)."""
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    # Without these Chromium keeps reaching for hosts this machine cannot reach.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


GREET_TEMPLATE = """\
apiVersion: batch.tensorstack.dev/v1beta1
kind: WorkflowTemplate
metadata: {name: greet}
spec:
  params: [{name: who}]
  type: Pod
  pod:
    containers: [{name: c, image: ubuntu, command: [echo, $(params.who)]}]
"""
"""A template with one required param, for tests about runs and params."""


def treadle_cli(
    *args: str, home: Path | None = None, stdin: str | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """The `treadle` command as a user runs it, on `home` when given; it never starts
    a background controller."""
    env = {**os.environ, "NO_COLOR": "1", "TREADLE_NO_AUTOSTART": "1"}
    if home is not None:
        env["TREADLE_HOME"] = str(home)
    return subprocess.run(
        [str(TREADLE), *args],
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )


GV = "batch.tensorstack.dev/v1beta1"


def template_yaml(name: str, body: str) -> str:
    """A WorkflowTemplate document; `body` is its spec, indented two spaces."""
    return f"apiVersion: {GV}\nkind: WorkflowTemplate\nmetadata: {{name: {name}}}\nspec:\n{body}\n---\n"


def run_yaml(name: str, spec: str) -> str:
    """A WorkflowRun document; `spec` is its spec, indented two spaces."""
    return f"apiVersion: {GV}\nkind: WorkflowRun\nmetadata: {{name: {name}}}\nspec:\n{spec}\n---\n"


class Engine:
    """A real store, runtime and controller on a temporary data directory."""

    def __init__(self, home: Path, *, allow_host_path: bool = False) -> None:
        from treadle.client.embedded import EmbeddedClient
        from treadle.config import Home
        from treadle.localcluster.home import manager_for_home

        self.client = EmbeddedClient(Home(home, allow_host_path))
        self.store = self.client.store
        self.manager = manager_for_home(self.client.home)
        assert self.manager.try_start()

    def apply(self, text: str) -> list[dict[str, Any]]:
        return [self.client.apply(doc)[0] for doc in yaml.safe_load_all(text) if doc]

    def run(self, name: str, namespace: str = "default") -> dict[str, Any]:
        return self.store.get("batch.tensorstack.dev/v1beta1", "WorkflowRun", namespace, name)

    def wait(self, name: str, timeout: float = 30, phase: str | None = None) -> dict[str, Any]:
        """The run once it is final (or has reached `phase`)."""

        def done(run: dict[str, Any]) -> bool:
            now = (run.get("status") or {}).get("phase")
            return now in ("Succeeded", "Failed") or bool(phase and now == phase)

        return self.await_object(GV, "WorkflowRun", done, name=name, timeout=timeout)

    def await_object(
        self,
        api_version: str,
        kind: str,
        holds: Callable[[dict[str, Any]], bool],
        *,
        name: str | None = None,
        timeout: float = 30,
    ) -> dict[str, Any]:
        """The first object of a kind in "default" (the one called `name`, if given)
        for which `holds` is true: listed, then followed on the store's watch from the
        list's resourceVersion, so no change is missed and nothing is polled."""
        from treadle.errors import Gone

        deadline = time.monotonic() + timeout
        selector = f"metadata.name={name}" if name else None
        last: dict[str, Any] = {}
        while True:
            page = self.store.list(api_version, kind, "default", field_selector=selector)
            for obj in page.items:
                last = obj
                if holds(obj):
                    return obj
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                for event in self.store.watch(
                    api_version, kind, "default", since=page.resource_version, timeout=left
                ):
                    if event.type == "DELETED" or name not in (
                        None,
                        event.object["metadata"]["name"],
                    ):
                        continue
                    last = event.object
                    if holds(last):
                        return last
                    if time.monotonic() > deadline:
                        break
            except Gone:
                continue  # fell behind the history: list again
            break
        status = last.get("status") or {}
        raise AssertionError(
            f"{kind} {name or ''} not as awaited after {timeout}s: "
            f"{status.get('phase')}, {status.get('message')}"
        )

    def logs(self, name: str) -> str:
        return "\n".join(line.text for line in self.client.run_logs(None, name))

    def close(self) -> None:
        self.manager.stop()
        # A stopped controller leaves steps running by design; a test leaves none.
        for uid in self.client.runtime.units():
            self.client.runtime.remove(uid)
        self.client.close()


def read_until(ws: ClientConnection, marker: bytes, timeout: float = 15) -> bytes:
    """What a terminal's WebSocket sends until `marker` has come (binary and text
    frames joined)."""
    seen = b""
    deadline = time.monotonic() + timeout
    while marker not in seen:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"{marker!r} never came; got {seen!r}")
        try:
            frame = ws.recv(timeout=remaining)
        except TimeoutError:
            continue
        except ConnectionClosed as closed:
            raise AssertionError(f"closed ({closed}) before {marker!r}; got {seen!r}") from None
        seen += frame if isinstance(frame, bytes) else frame.encode()
    return seen
