"""The client for one machine: the SQLite store and local runtime of a data directory."""

from __future__ import annotations

import builtins
import os
import subprocess
import sys
import time
from typing import Any

from ..config import Home
from ..controller.leader import lease_holder
from ..errors import BadRequest
from ..runtime.local import LocalRuntime
from ..store.legacy_tokens import import_legacy_tokens
from ..store.sqlite import SqliteStore
from .runlogs import runtime_logs
from .storeclient import StoreClient, _ns, kind_info
from .volumes import Volumes

CONTROLLER_IDLE_EXIT = 30.0
"""Seconds a controller started on demand stays up with nothing to do."""


class EmbeddedClient(StoreClient):
    def __init__(self, home: Home) -> None:
        self.home = home.ensure()
        store = SqliteStore(home.database)
        # Before anything reads tokens: older data directories kept them apart.
        import_legacy_tokens(home.database, store)
        self.runtime = LocalRuntime.for_home(home)
        super().__init__(store, self.home.policy, runtime_logs(self.runtime))
        self.store: SqliteStore = store

    # -- volumes ---------------------------------------------------------------------

    def list_volumes(self, namespace: str | None) -> builtins.list[dict[str, Any]]:
        return Volumes(self.home).in_namespace(_ns(namespace))

    def volume_files(
        self, namespace: str | None, claim: str, path: str = ""
    ) -> builtins.list[dict[str, Any]]:
        return Volumes(self.home).files(_ns(namespace), claim, path)

    def delete_volume(self, namespace: str | None, claim: str) -> None:
        Volumes(self.home).delete(_ns(namespace), claim)

    def volume_path(self, namespace: str | None, claim: str) -> str:
        return str(self.home.ensure_volume(_ns(namespace), claim))

    # -- the controller ----------------------------------------------------------------

    def controller_holder(self) -> str | None:
        """Who drives this data directory now (None: nobody)."""
        return lease_holder(self.store)

    def ensure_controller(self) -> None:
        """Start a controller for this data directory in the background if none runs.
        It exits by itself once nothing has been running for a while."""
        if os.environ.get("TREADLE_NO_AUTOSTART") or self.controller_holder():
            return
        log = open(self.home.root / "controller.log", "ab")  # noqa: SIM115
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "treadle.cli.main",
                "--home",
                str(self.home.root),
                "controller",
                "--idle-exit",
                str(CONTROLLER_IDLE_EXIT),
            ],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        log.close()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.controller_holder():
                return
            time.sleep(0.05)
        raise BadRequest(f"the controller did not start; see {self.home.root / 'controller.log'}")


__all__ = ["EmbeddedClient", "kind_info"]
