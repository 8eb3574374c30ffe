"""A pod's container paths mapped to host directories, for a runtime without a sandbox.

A sandbox shows each volume at its mount path; without one a container sees the
host's own file system, so the kubelet gives each mount the host directory behind
it and rewrites the container paths written in the container's strings (command,
args, literal env values, workingDir; a SeqPod step's script travels in an env
value) to those directories. Pure: a table of paths in, strings out.

A path is rewritten only where it stands as a whole path: a mount at
`/t9k/workspaces/data` turns `/t9k/workspaces/data/x` into `<host>/x`, but leaves
`/t9k/workspaces/database`, `/t9k/workspaces/data.old` and `/x/t9k/workspaces/data`
alone. What continues a name is POSIX's portable file name set (letters, digits,
`.`, `_`, `-`); anything else (`/`, a quote, a space, `:`, `;`, `=` …) ends it.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

_NAME = r"A-Za-z0-9._\-"
"""Characters that continue a file name (a regex class body); a path boundary is
anything else."""


class MountPathError(ValueError):
    """A mount path that no host directory can stand for; the message says why."""


def mount_point(path: str) -> str:
    """`path` (a volumeMount's mountPath) as the key of a mapping: absolute,
    normalised, not `/` (a mount there would claim every path of the container).
    Raises MountPathError."""
    if not path.startswith("/") or "\x00" in path or ".." in path.split("/"):
        raise MountPathError(f'mount at "{path}": must be an absolute path without ".."')
    # normpath keeps a leading "//" (POSIX leaves it to the system): one "/" it is.
    point = "/" + posixpath.normpath(path).lstrip("/")
    if point == "/":
        raise MountPathError(f'mount at "{path}": a volume at "/" needs the sandbox')
    return point


@dataclass(frozen=True)
class HostPaths:
    """Where each mount point of one container (a `mount_point`) is on the host."""

    paths: Mapping[str, str]
    _pattern: re.Pattern[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Longest first: with mounts at /data and /data/sub, `/data/sub/x` belongs
        # to the inner one. A failed boundary check backtracks to a shorter one.
        points = sorted(self.paths, key=len, reverse=True)
        alternatives = "|".join(re.escape(p) for p in points)
        pattern = re.compile(f"(?<![{_NAME}/])(?:{alternatives})(?![{_NAME}])") if points else None
        object.__setattr__(self, "_pattern", pattern)

    def rewrite(self, text: str) -> str:
        """`text` with every whole container path of a mount in it made the host's."""
        if self._pattern is None:
            return text
        return self._pattern.sub(lambda m: self.paths[m.group(0)], text)

    def container(self, c: Mapping[str, Any]) -> dict[str, Any]:
        """A copy of container `c` (wire form) with the paths in its command, args,
        literal env values and workingDir rewritten; the rest as it was."""
        out = dict(c)
        for key in ("command", "args"):
            if isinstance(c.get(key), list):
                out[key] = [self.rewrite(str(a)) for a in c[key]]
        if isinstance(c.get("workingDir"), str):
            out["workingDir"] = self.rewrite(c["workingDir"])
        if isinstance(c.get("env"), list):
            out["env"] = [
                {**e, "value": self.rewrite(e["value"])}
                if isinstance(e, dict) and isinstance(e.get("value"), str)
                else e
                for e in c["env"]
            ]
        return out
