"""Fixtures for the runtime tests: real processes under a temporary root, no mocks."""

from __future__ import annotations

from pathlib import Path

import pytest
from runtime_helpers import HAS_SANDBOX

from treadle.runtime.local import LocalRuntime

needs_sandbox = pytest.mark.skipif(not HAS_SANDBOX, reason="bubblewrap does not work here")


@pytest.fixture
def host_rt(tmp_path: Path) -> LocalRuntime:
    """A runtime that runs containers directly on the host."""
    return LocalRuntime(tmp_path / "rt", sandbox=False)


@pytest.fixture
def sandbox_rt(tmp_path: Path) -> LocalRuntime:
    """A runtime that runs containers under bubblewrap."""
    if not HAS_SANDBOX:
        pytest.skip("bubblewrap does not work here")
    return LocalRuntime(tmp_path / "rt", sandbox=True)


@pytest.fixture(params=["host", pytest.param("sandbox", marks=needs_sandbox)])
def rt(request: pytest.FixtureRequest, tmp_path: Path) -> LocalRuntime:
    """Each mode in turn, for behaviour both must share."""
    return LocalRuntime(tmp_path / "rt", sandbox=request.param == "sandbox")
