"""Fixtures for the runtime tests: real processes under a temporary root, no mocks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.runtime.runtime_helpers import HAS_SANDBOX
from treadle.runtime.local import LocalRuntime

needs_sandbox = pytest.mark.skipif(not HAS_SANDBOX, reason="bubblewrap does not work here")


def _runtime(root: Path, sandbox: bool) -> Iterator[LocalRuntime]:
    rt = LocalRuntime(root, sandbox=sandbox)
    try:
        yield rt
    finally:  # a failed test must not leave its units running
        for uid in rt.units():
            rt.remove(uid)
        rt.close()


@pytest.fixture
def host_rt(tmp_path: Path) -> Iterator[LocalRuntime]:
    """A runtime that runs containers directly on the host."""
    yield from _runtime(tmp_path / "rt", sandbox=False)


@pytest.fixture
def sandbox_rt(tmp_path: Path) -> Iterator[LocalRuntime]:
    """A runtime that runs containers under bubblewrap."""
    if not HAS_SANDBOX:
        pytest.skip("bubblewrap does not work here")
    yield from _runtime(tmp_path / "rt", sandbox=True)


@pytest.fixture(params=["host", pytest.param("sandbox", marks=needs_sandbox)])
def rt(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LocalRuntime]:
    """Each mode in turn, for behaviour both must share."""
    yield from _runtime(tmp_path / "rt", sandbox=request.param == "sandbox")
