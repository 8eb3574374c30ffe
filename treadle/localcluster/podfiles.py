"""The files of a pod's volumes the kubelet itself touches: the data of ConfigMaps and
Secrets written into their volumes, the results read back out, and (without a
sandbox) the directory a subPath names.

All happen on the host, in directories a step can write to, so both work from a
directory fd (`runtime/beneath.py`) and never follow a symlink: a file written lands
beneath its volume, and a result is read only from a regular file in the results
directory, never from a host file a step aimed a symlink at.
"""

from __future__ import annotations

import base64
import binascii
import os
import stat
from pathlib import Path
from typing import Any

from ..runtime import beneath
from ..store.base import Obj


class ConfigError(Exception):
    """A ConfigMap or Secret a pod uses cannot be used; the message says why."""


def plain_relative(path: str) -> bool:
    """A relative path that does not climb (Kubernetes' rule for subPath and items)."""
    names = path.split("/")
    return "\x00" not in path and not path.startswith("/") and ".." not in names


def data_of(obj: Obj, kind: str, name: str) -> dict[str, bytes]:
    """The files of a ConfigMap or Secret (`obj` empty: an optional one that is
    missing). Raises ConfigError for data that is not a map of strings, or not
    base64 where it must be."""
    what = f'{kind} "{name}"'
    sections = {}
    for key in ("binaryData", "data", "stringData"):
        value = obj.get(key)
        if value is None:
            value = {}
        if not isinstance(value, dict):
            raise ConfigError(f"{what}: {key} must be a map of keys to values")
        sections[key] = value

    def decoded(section: str, key: str, value: Any) -> bytes:
        try:
            return base64.b64decode(str(value), validate=True)
        except (binascii.Error, ValueError):
            raise ConfigError(f'{what}: {section}["{key}"] is not valid base64') from None

    files = {k: decoded("binaryData", k, v) for k, v in sections["binaryData"].items()}
    if obj.get("kind") == "Secret":
        files.update({k: decoded("data", k, v) for k, v in sections["data"].items()})
    else:
        files.update({k: str(v).encode() for k, v in sections["data"].items()})
    files.update({k: str(v).encode() for k, v in sections["stringData"].items()})
    return files


def made_beneath(root: Path, sub: str) -> str:
    """The host path of directory `sub` beneath volume directory `root`, made if
    missing: resolved from an fd of `root`, so no symlink or `..` on the way leads
    out of it (one staying beneath is followed, as a sandbox's mount follows it).
    For a runtime without a sandbox, which can only be given a path. Raises OSError."""
    top = os.open(root, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        return beneath.made_path(top, sub)
    finally:
        os.close(top)


def write_beneath(top: int, rel: str, data: bytes) -> None:
    """Write file `rel` beneath directory fd `top`, its parents made, never through
    a symlink (one there is replaced)."""
    parent, name = beneath.open_parent(top, rel, create=True)
    try:
        temp = f".{name}.{os.getpid()}.tmp"
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC
        fd = os.open(temp, flags, 0o644, dir_fd=parent)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
        os.rename(temp, name, src_dir_fd=parent, dst_dir_fd=parent)
    finally:
        os.close(parent)


def read_results(directory: Path, limit: int) -> tuple[int, dict[str, bytes]]:
    """(bytes in all, {name: bytes}) of the regular files in `directory`, reading
    none once the total is over the limit: a symlink is never followed (a step
    could aim one at a host file), a FIFO never opened."""
    try:
        top = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return 0, {}
    total = 0
    files = {}
    try:
        for name in sorted(e.name for e in os.scandir(top)):
            flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
            try:
                fd = os.open(name, flags, dir_fd=top)
            except OSError:
                continue  # a symlink (ELOOP), gone, or not for reading: not a result
            try:
                info = os.fstat(fd)
                if not stat.S_ISREG(info.st_mode):
                    continue
                data = os.read(fd, limit + 1) if total <= limit else b""
            finally:
                os.close(fd)
            total += max(info.st_size, len(data))
            files[name] = data
    finally:
        os.close(top)
    return total, files
