"""`treadle server --kube` on the session's cluster as a real subprocess, and the CLI
pointed at it (`treadle --server URL --token T …`) as a user beside the cluster
uses it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.kube.node_fixture import stop_node_process
from tests.kube.workflow_fixture import await_line, treadle_argv
from tests.kube_cluster import KubeCluster
from tests.support import free_port

CONSOLE_LINE = re.compile(r"console: (http://\S+)/\?token=(\S+)$")
_OWN_ENV = ("TREADLE_KUBECONFIG", "TREADLE_SERVER", "TREADLE_TOKEN", "TREADLE_HOME")


def clean_env() -> dict[str, str]:
    """This process's environment without Treadle's own settings: every command
    says what it acts on with its flags."""
    env = {k: v for k, v in os.environ.items() if k not in _OWN_ENV}
    return {**env, "NO_COLOR": "1", "PYTHONUNBUFFERED": "1", "TREADLE_NO_AUTOSTART": "1"}


@dataclass
class KubeServer:
    process: subprocess.Popen[str]
    url: str
    token: str
    """The admin token, from the console address the server printed."""
    log: Path

    @property
    def console_url(self) -> str:
        """The console's address as the server printed it, the admin token in it."""
        return f"{self.url}/?token={self.token}"

    def http(self, token: str | None = None) -> httpx.Client:
        """A client of the API with `token` (default: the admin's)."""
        headers = {"Authorization": f"Bearer {token or self.token}"}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def cli(self, *args: str, token: str | None = None) -> subprocess.CompletedProcess[str]:
        """The CLI against this server, with `token` (default: the admin's)."""
        argv = [
            sys.executable, "-m", "treadle.cli.main",
            "--server", self.url, "--token", token or self.token, *args,
        ]  # fmt: skip
        return subprocess.run(argv, env=clean_env(), capture_output=True, text=True, timeout=180)

    def stop(self) -> int:
        return stop_node_process(self.process)


def start_server(cluster: KubeCluster, log: Path, *extra: str) -> KubeServer:
    """`treadle --kubeconfig K server --kube --port P *extra`, once it prints the
    console's address (it listens by then)."""
    argv = treadle_argv(cluster, "server", "--kube", "--port", str(free_port()), *extra)
    return run_server(argv, clean_env(), log)


def run_server(argv: list[str], env: dict[str, str], log: Path) -> KubeServer:
    """The server `argv` starts, once it prints the console's address."""
    process, found = await_line(argv, log, "the server", lambda line: CONSOLE_LINE.match(line), env)
    return KubeServer(process, found[1], found[2], log)
