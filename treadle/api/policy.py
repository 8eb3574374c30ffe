"""What the owner of a data directory allows beyond the API's own rules.

Admission checks every object against the API; a few kinds of input are valid on
a cluster but give a step more of this machine than a workflow should have in
embedded mode. Those are refused unless the owner says otherwise, explicitly:
`treadle server --allow-host-path`, or `TREADLE_ALLOW_HOST_PATH=1` for every
command and controller of the data directory (docs/admission.md).
"""

from __future__ import annotations

from dataclasses import dataclass

ALLOW_HOST_PATH_ENV = "TREADLE_ALLOW_HOST_PATH"
ALLOW_HOST_PATH_FLAG = "--allow-host-path"

HOST_PATH_REFUSED = (
    "hostPath volumes are refused in embedded mode (a step would read and write "
    "this machine's own files): the server's owner may allow them with "
    f"{ALLOW_HOST_PATH_FLAG} (or {ALLOW_HOST_PATH_ENV}=1)"
)


@dataclass(frozen=True)
class Policy:
    allow_host_path: bool = False
    """Admit `hostPath` volumes in pod specs."""


DEFAULT_POLICY = Policy()
"""Nothing beyond the API: what a data directory gets unless its owner chooses."""

__all__ = ["ALLOW_HOST_PATH_ENV", "DEFAULT_POLICY", "HOST_PATH_REFUSED", "Policy"]
