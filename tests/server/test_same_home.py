"""The CLI on the data directory of a running server: its runs are driven by the
server's controller, and nothing else starts one."""

from __future__ import annotations

import os
import subprocess

from tests.server.conftest import Served
from tests.support import GREET_TEMPLATE, TREADLE


def test_cli_on_the_servers_home_works_while_the_server_drives_runs(served: Served) -> None:
    env = {k: v for k, v in os.environ.items() if k != "TREADLE_NO_AUTOSTART"}
    env.update(TREADLE_HOME=str(served.home.root), NO_COLOR="1")

    def treadle(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(TREADLE), *args], input=stdin, env=env, text=True, capture_output=True, timeout=90
        )

    assert treadle("apply", "-n", "same-home", "-f", "-", stdin=GREET_TEMPLATE).returncode == 0
    name = treadle("run", "-n", "same-home", "greet", "-p", "who=neighbour").stdout.strip()
    waited = treadle("wait", "-n", "same-home", name, "--timeout", "60s")
    assert waited.returncode == 0, waited.stdout + waited.stderr
    assert treadle("logs", "-n", "same-home", name).stdout.strip() == "neighbour"
    # The server held the controller lease all along: no background controller started.
    assert not (served.home.root / "controller.log").exists()
