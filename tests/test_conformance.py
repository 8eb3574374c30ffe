"""The shared conformance cases, run through the CLI exactly as a user would."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.support import SHARED, TREADLE

TOOL = SHARED / "tools" / "conformance.py"
CASES = SHARED / "conformance"
TOPICS = "compat,jobs"
"""The topics whose capabilities are built (SPEC §13: compat; §12: jobs); each adds its
valid-TOPIC/ and invalid-TOPIC/ cases to the run."""


@pytest.mark.skipif(
    not TOOL.exists(), reason="the shared conformance cases are not beside this checkout"
)
@pytest.mark.parametrize("only", ["invalid", "valid"])
def test_conformance_cases_pass_through_the_cli(only: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "TREADLE_NO_AUTOSTART"}
    done = subprocess.run(
        [
            sys.executable,
            str(TOOL),
            str(TREADLE),
            str(CASES),
            "--only",
            only,
            "--with",
            TOPICS,
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert done.returncode == 0, done.stdout + done.stderr
