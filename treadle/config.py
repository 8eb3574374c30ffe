"""Configuration has one home: flags, then environment variables, then defaults.

`treadle config` prints the result.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_dir

HOME_ENV = "TREADLE_HOME"
SERVER_ENV = "TREADLE_SERVER"
TOKEN_ENV = "TREADLE_TOKEN"
NAMESPACE_ENV = "TREADLE_NAMESPACE"
SANDBOX_ENV = "TREADLE_SANDBOX"


@dataclass(frozen=True)
class Home:
    """The data directory of one embedded installation and what lives in it."""

    root: Path

    @property
    def database(self) -> Path:
        return self.root / "treadle.db"

    @property
    def volumes(self) -> Path:
        return self.root / "volumes"

    @property
    def pods(self) -> Path:
        """The local runtime's units: logs and state of every pod."""
        return self.root / "pods"

    @property
    def scratch(self) -> Path:
        """emptyDir volumes, materialised configMaps and secrets, per pod."""
        return self.root / "scratch"

    @property
    def token_file(self) -> Path:
        return self.root / "token"

    def volume(self, namespace: str, claim: str) -> Path:
        return self.volumes / namespace / claim

    def ensure(self) -> Home:
        for path in (self.root, self.volumes, self.pods, self.scratch):
            path.mkdir(parents=True, exist_ok=True)
        return self


def resolve_home(flag: str | Path | None = None) -> Home:
    if flag:
        return Home(Path(flag).expanduser().resolve())
    env = os.environ.get(HOME_ENV)
    if env:
        return Home(Path(env).expanduser().resolve())
    return Home(Path(user_data_dir("treadle")))


def sandbox_setting() -> bool | None:
    """`TREADLE_SANDBOX`: `on` (bubblewrap required), `off`, or `auto` (the default:
    use it where it works)."""
    value = os.environ.get(SANDBOX_ENV, "auto").strip().lower()
    if value in ("on", "1", "true", "yes"):
        return True
    if value in ("off", "0", "false", "no"):
        return False
    return None


def default_namespace(flag: str | None = None) -> str:
    return flag or os.environ.get(NAMESPACE_ENV) or "default"
