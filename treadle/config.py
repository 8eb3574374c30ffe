"""Configuration has one home: flags, then environment variables, then defaults.

`treadle config` prints the result.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_dir

from .api.policy import ALLOW_HOST_PATH_ENV, Policy
from .core.names import dns1123_label_errors, dns1123_subdomain_errors
from .errors import BadRequest
from .runtime import beneath

HOME_ENV = "TREADLE_HOME"
SERVER_ENV = "TREADLE_SERVER"
TOKEN_ENV = "TREADLE_TOKEN"
NAMESPACE_ENV = "TREADLE_NAMESPACE"
SANDBOX_ENV = "TREADLE_SANDBOX"
KUBECONFIG_ENV = "TREADLE_KUBECONFIG"
"""A kubeconfig file: commands then act on that Kubernetes cluster (`--kubeconfig`)."""


class VolumeNameError(BadRequest):
    """A namespace or claim name that cannot name a volume directory."""


@dataclass(frozen=True)
class Home:
    """The data directory of one embedded installation and what lives in it."""

    root: Path
    allow_host_path: bool = False
    """The owner's choice to admit hostPath volumes (`treadle server
    --allow-host-path`, or TREADLE_ALLOW_HOST_PATH=1): steps then reach the host
    paths that objects name. Off unless chosen (docs/admission.md)."""

    @property
    def policy(self) -> Policy:
        """What admission and the controller allow in this data directory."""
        return Policy(allow_host_path=self.allow_host_path)

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
        """The directory of PVC `claim` in `namespace`: `volumes/<namespace>/<claim>`.

        The one place a volume root is named. Whatever a stored object says, the
        result is two plain names below `volumes`: the namespace must be a DNS-1123
        label and the claim a DNS-1123 subdomain (a PVC name), so neither can be
        `..`, hold a `/` or be empty. Raises VolumeNameError."""
        problems = [f"namespace {e}" for e in dns1123_label_errors(namespace)]
        problems += [f"claim name {e}" for e in dns1123_subdomain_errors(claim)]
        if problems:
            raise VolumeNameError(
                f'volume "{claim}" in namespace "{namespace}": {"; ".join(problems)}'
            )
        path = self.volumes / namespace / claim
        assert path.parent.parent == self.volumes  # what the name rules guarantee
        return path

    def open_volume(self, namespace: str, claim: str, *, create: bool = False) -> int:
        """An O_PATH fd of the volume's directory (the caller closes it), looked up
        beneath `volumes` with no symlink allowed on the way, so that neither level
        can be redirected elsewhere; `create` makes what is missing. Raises
        VolumeNameError, FileNotFoundError, and OSError for a symlink (ELOOP) or a
        file (ENOTDIR) where a directory should be."""
        path = self.volume(namespace, claim)
        if create:
            self.volumes.mkdir(parents=True, exist_ok=True)
        top = os.open(self.volumes, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            fd = beneath.resolve(top, f"{namespace}/{claim}", symlinks=False, create=create)
        finally:
            os.close(top)
        if not stat.S_ISDIR(os.fstat(fd).st_mode):
            os.close(fd)
            raise NotADirectoryError(f"{path} is not a directory")
        return fd

    def ensure_volume(self, namespace: str, claim: str) -> Path:
        """The volume's directory, made if missing (see `open_volume`)."""
        os.close(self.open_volume(namespace, claim, create=True))
        return self.volume(namespace, claim)

    def ensure(self) -> Home:
        for path in (self.root, self.volumes, self.pods, self.scratch):
            path.mkdir(parents=True, exist_ok=True)
        return self


def resolve_home(flag: str | Path | None = None) -> Home:
    allow = host_path_allowed()
    if flag:
        return Home(Path(flag).expanduser().resolve(), allow)
    env = os.environ.get(HOME_ENV)
    if env:
        return Home(Path(env).expanduser().resolve(), allow)
    return Home(Path(user_data_dir("treadle")), allow)


def host_path_allowed() -> bool:
    """`TREADLE_ALLOW_HOST_PATH`: `1` (or on, true, yes) admits hostPath volumes."""
    value = os.environ.get(ALLOW_HOST_PATH_ENV, "").strip().lower()
    return value in ("1", "on", "true", "yes")


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
