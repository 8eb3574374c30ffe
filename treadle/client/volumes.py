"""Embedded volumes: the directories behind PVC names, at `home.volume(ns, name)`.

One place for what a volume is on this machine, used by the embedded client (and so
the CLI) and by the server's volume API. A path inside a volume is relative and may
not leave it: `..` segments, absolute paths and symlinks that resolve outside are
refused.
"""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..config import Home
from ..core.names import is_dns1123_label, is_dns1123_subdomain, name_field_errors
from ..errors import AlreadyExists, BadRequest, FieldError, NotFound, ValidationError


def resolve_inside(root: Path, relative: str) -> Path:
    """`relative` under `root`. Raises BadRequest when it would leave the volume."""
    parts = [p for p in relative.replace("\\", "/").split("/") if p not in ("", ".")]
    if relative.startswith("/") or ".." in parts or "\x00" in relative:
        raise BadRequest(f'path "{relative}" must stay inside the volume (no "..", not absolute)')
    path = root.joinpath(*parts)
    real_root = root.resolve()
    real = path.resolve()
    if real != real_root and real_root not in real.parents:
        raise BadRequest(f'path "{relative}" leaves the volume (through a symlink)')
    return path


def entry(path: Path) -> dict[str, Any]:
    """A file or directory as the volume API lists it."""
    info = path.lstat()
    kind = "dir" if path.is_dir() else "file"
    modified = datetime.fromtimestamp(info.st_mtime, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "name": path.name,
        "type": kind,
        "size": info.st_size if kind == "file" else 0,
        "modified": modified,
    }


def _usage(root: Path) -> tuple[int, int]:
    files = size = 0
    for dirpath, _, names in os.walk(root):
        for n in names:
            files += 1
            try:
                size += os.lstat(os.path.join(dirpath, n)).st_size
            except OSError:
                pass
    return files, size


def summary(name: str, root: Path) -> dict[str, Any]:
    files, size = _usage(root)
    return {"name": name, "files": files, "bytes": size}


class Volumes:
    """The volumes of one data directory."""

    def __init__(self, home: Home) -> None:
        self.home = home

    def root(self, namespace: str, name: str) -> Path:
        """The volume's directory. Raises NotFound (also for names that cannot be one)."""
        if not (is_dns1123_label(namespace) and is_dns1123_subdomain(name)):
            raise NotFound(f'volume "{name}" not found in namespace "{namespace}"')
        root = self.home.volume(namespace, name)
        if not root.is_dir():
            raise NotFound(f'volume "{name}" not found in namespace "{namespace}"')
        return root

    def in_namespace(self, namespace: str) -> list[dict[str, Any]]:
        base = self.home.volumes / namespace
        if not (is_dns1123_label(namespace) and base.is_dir()):
            return []
        return [summary(d.name, d) for d in sorted(base.iterdir()) if d.is_dir()]

    def create(self, namespace: str, name: Any) -> dict[str, Any]:
        """Raises ValidationError for bad names, AlreadyExists if it is there."""
        errors = name_field_errors("metadata.namespace", namespace, label=True)
        if not isinstance(name, str) or not name:
            errors.append(FieldError("name", "required"))
        else:
            errors += name_field_errors("name", name)
        if errors:
            raise ValidationError(errors, f'volume "{name}"' if isinstance(name, str) else "")
        root = self.home.volume(namespace, name)
        root.parent.mkdir(parents=True, exist_ok=True)
        try:
            root.mkdir()
        except FileExistsError:
            raise AlreadyExists(
                f'volume "{name}" already exists in namespace "{namespace}"'
            ) from None
        return summary(name, root)

    def delete(self, namespace: str, name: str) -> None:
        shutil.rmtree(self.root(namespace, name))

    def files(self, namespace: str, name: str, path: str = "") -> list[dict[str, Any]]:
        """The entries of a directory in the volume, directories first."""
        target = resolve_inside(self.root(namespace, name), path)
        if not target.is_dir():
            raise NotFound(f'directory "{path}" not found in volume "{name}"')
        entries = sorted(target.iterdir(), key=lambda p: (not p.is_dir(), p.name))
        return [entry(p) for p in entries]
