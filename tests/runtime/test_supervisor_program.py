"""The supervisor as a program: runs without site-packages, and starts quickly."""

from __future__ import annotations

import subprocess
import sys

from treadle.runtime import supervisor

SLOW_MODULES = {"typing", "json", "re", "enum", "signal", "subprocess", "datetime", "pathlib"}
OWN_MODULES = {
    "treadle",
    "treadle.runtime",
    "treadle.runtime.unitrun",
    "treadle.runtime.unitdir",
    "treadle.runtime.memlimit",
    "treadle.runtime.binds",
    "treadle.runtime.beneath",
}


def _imports(*args: str) -> tuple[int, str, set[str]]:
    done = subprocess.run(
        [sys.executable, "-S", "-I", "-X", "importtime", supervisor.__file__, *args],
        capture_output=True,
        text=True,
    )
    lines = done.stderr.splitlines()
    imported = {line.split("|")[-1].strip() for line in lines if line.startswith("import time:")}
    other = "\n".join(line for line in lines if not line.startswith("import time:"))
    return done.returncode, other, imported


def test_supervisor_runs_without_site_packages() -> None:
    returncode, stderr, _ = _imports()
    assert returncode == 2
    assert stderr.startswith("usage: supervisor.py <state dir>")


def test_supervisor_imports_no_slow_module_and_only_its_own_part_of_the_package() -> None:
    _, _, imported = _imports()
    assert imported
    assert not imported & SLOW_MODULES
    assert {m for m in imported if m.startswith("treadle")} == OWN_MODULES
