"""Fixtures shared by the suites: a data directory with a running controller."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import Engine

# Tests start the controllers they need; none may be left running in the background.
os.environ.setdefault("TREADLE_NO_AUTOSTART", "1")


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    e = Engine(tmp_path / "home")
    try:
        yield e
    finally:
        e.close()
