"""The backends the Store contract suite runs against.

A backend says how to open a Store over one storage location, how a separate
process opens the same one, and whether the history a watch replays can be made
short enough to test Gone. A Kubernetes-backed store joins by adding a param.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from treadle.store.base import Store
from treadle.store.sqlite import SqliteStore

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Backend:
    name: str
    _open: Callable[..., Store]
    open_code: str
    """Python source that binds `store` to a Store over the same storage."""
    can_shorten_history: bool = True
    _opened: list[Store] = field(default_factory=list)

    def open(self, **options: object) -> Store:
        """A new Store over the same storage (closed after the test). `history=n`
        asks for a store that keeps only the newest n changes."""
        store = self._open(**options)
        self._opened.append(store)
        return store

    def close_all(self) -> None:
        for store in self._opened:
            store.close()

    def run_child(self, body: str, *args: str) -> subprocess.Popen[str]:
        """Start a separate Python process that opens the store and runs `body`.
        Its stdout is a pipe of text lines."""
        code = f"{self.open_code}\n{body}"
        return subprocess.Popen(
            [sys.executable, "-c", code, *args],
            cwd=PROJECT_ROOT,
            stdout=subprocess.PIPE,
            text=True,
            env={"PYTHONPATH": str(PROJECT_ROOT), "PATH": "/usr/bin:/bin"},
        )


def _sqlite_backend(tmp_path: Path) -> Backend:
    path = tmp_path / "store.db"

    def open_store(**options: object) -> Store:
        return SqliteStore(path, **options)  # type: ignore[arg-type]

    code = f"from treadle.store.sqlite import SqliteStore\nstore = SqliteStore({str(path)!r})"
    return Backend("sqlite", open_store, code)


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "sqlite":
        b = _sqlite_backend(tmp_path)
    else:  # pragma: no cover - other backends join here
        raise AssertionError(request.param)
    yield b
    b.close_all()


@pytest.fixture
def store(backend: Backend) -> Store:
    return backend.open()
