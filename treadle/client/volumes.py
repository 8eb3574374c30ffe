"""Embedded volumes: the directories behind PVC names, at `Home.volume(ns, name)`.

One place for what a volume is on this machine, used by the embedded client (and so
the CLI) and by the server's volume API. A path inside a volume is relative and
written plainly: `..` segments, absolute paths, backslashes and NUL bytes are refused
(400). Every lookup then starts from an fd of the volume's directory and goes through
`runtime/beneath.py`, so a symlink in the volume, planted by a step or swapped in
while a request runs, is followed only while it stays inside the volume; one that
leads out is refused (400), and nothing outside is ever read, listed or written.
File system errors become 4xx errors naming the path, never a server error.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..config import Home
from ..core.names import is_dns1123_label, is_dns1123_subdomain, name_field_errors
from ..errors import (
    AlreadyExists,
    BadRequest,
    Conflict,
    FieldError,
    Forbidden,
    NotFound,
    TreadleError,
    ValidationError,
)
from ..runtime import beneath

_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def inside(path: str) -> str:
    """`path` as a plain relative path inside a volume ("" for its top). Raises
    BadRequest for what could only mean leaving it, or a name no API path should
    carry."""
    if "\x00" in path or "\\" in path:
        raise BadRequest(f"path {path!r}: NUL bytes and backslashes are not allowed")
    names = [p for p in path.split("/") if p not in ("", ".")]
    if path.startswith("/") or ".." in names:
        raise BadRequest(f'path "{path}" must stay inside the volume (no "..", not absolute)')
    return "/".join(names)


def _failure(err: OSError, path: str, volume: str) -> TreadleError | None:
    """The API error for a file system error on `path`, None for a fault of the
    server's own (a full disk, an I/O error)."""
    where = f'"{path}" in volume "{volume}"'
    code = err.errno
    if code == errno.ENOENT:
        return NotFound(f"{where} not found")
    if code in (errno.EXDEV, errno.ELOOP):
        return BadRequest(f"{where} leads out of the volume (through a symlink)")
    if code == errno.ENOTDIR:
        return BadRequest(f"{where}: part of the path is a file, not a directory")
    if code == errno.EISDIR:
        return BadRequest(f"{where} is a directory")
    if code == errno.EINVAL:
        return BadRequest(f"{where} is neither a regular file nor a directory")
    if code == errno.ENAMETOOLONG:
        return BadRequest(f"{where}: name too long")
    if code in (errno.EEXIST, errno.ENOTEMPTY, errno.EBUSY):
        return Conflict(f"{where} changed while the request ran; try again")
    if code in (errno.EACCES, errno.EPERM):
        return Forbidden(f"{where}: permission denied")
    return None


@contextmanager
def _errors(path: str, volume: str) -> Iterator[None]:
    try:
        yield
    except OSError as err:
        mapped = _failure(err, path, volume)
        if mapped is None:
            raise
        raise mapped from None


def _modified(info: os.stat_result) -> str:
    return datetime.fromtimestamp(info.st_mtime, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def describe(name: str, info: os.stat_result) -> dict[str, Any]:
    """A file or directory as the volume API lists it."""
    kind = "dir" if stat.S_ISDIR(info.st_mode) else "file"
    return {
        "name": name,
        "type": kind,
        "size": info.st_size if kind == "file" else 0,
        "modified": _modified(info),
    }


def _entries(root: int, rel: str, directory: int) -> list[dict[str, Any]]:
    """The entries of `directory` (at `rel` in the volume `root`), directories first.
    A symlink shows what it leads to inside the volume, or itself (as a file) when
    it leads out."""
    out = []
    with os.scandir(directory) as listing:
        for e in listing:
            info = e.stat(follow_symlinks=False)
            if stat.S_ISLNK(info.st_mode):
                try:
                    fd = beneath.resolve(root, f"{rel}/{e.name}" if rel else e.name)
                except OSError:
                    pass  # leads out, or nowhere: shown as the link it is
                else:
                    info = os.fstat(fd)
                    os.close(fd)
            out.append(describe(e.name, info))
    return sorted(out, key=lambda d: (d["type"] != "dir", d["name"]))


def usage(directory: int) -> tuple[int, int]:
    """(files, bytes) under directory fd `directory`, symlinks counted, not followed."""
    files = size = 0
    stack = [os.dup(directory)]
    try:
        while stack:
            fd = stack.pop()
            try:
                with os.scandir(fd) as listing:
                    for e in listing:
                        if e.is_dir(follow_symlinks=False):
                            try:
                                stack.append(os.open(e.name, _DIR | os.O_NONBLOCK, dir_fd=fd))
                            except OSError:
                                pass  # gone, or swapped for something else meanwhile
                            continue
                        files += 1
                        try:
                            size += e.stat(follow_symlinks=False).st_size
                        except OSError:
                            pass
            finally:
                os.close(fd)
    finally:
        for fd in stack:
            os.close(fd)
    return files, size


@dataclass
class OpenFile:
    """A regular file of a volume, open for reading: the caller reads `fd`, closes it."""

    fd: int
    name: str
    size: int


class Upload:
    """A file being written into a volume: the bytes go to a new file beside the
    target, which then replaces the target at once (a symlink there is replaced,
    never followed). `commit` or `abort` ends it."""

    def __init__(self, parent: int, name: str, path: str, volume: str) -> None:
        self.parent, self.name, self.path, self.volume = parent, name, path, volume
        with _errors(path, volume):
            try:
                info = os.stat(name, dir_fd=parent, follow_symlinks=False)
            except FileNotFoundError:
                self.existed = False
            else:
                if stat.S_ISDIR(info.st_mode):
                    raise BadRequest(f'"{path}" is a directory; name a file to upload to')
                self.existed = True
            self.temp = f".upload-{secrets.token_hex(8)}"
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
            self.fd = os.open(self.temp, flags, 0o644, dir_fd=parent)

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(self.fd, view) :]

    def commit(self) -> dict[str, Any]:
        """Put the file in place; returns its entry."""
        try:
            with _errors(self.path, self.volume):
                info = os.fstat(self.fd)
                os.rename(self.temp, self.name, src_dir_fd=self.parent, dst_dir_fd=self.parent)
        except BaseException:
            self.abort()
            raise
        self._close()
        return describe(self.name, info)

    def abort(self) -> None:
        try:
            os.unlink(self.temp, dir_fd=self.parent)
        except OSError:
            pass
        self._close()

    def _close(self) -> None:
        for fd in (self.fd, self.parent):
            if fd >= 0:
                os.close(fd)
        self.fd = self.parent = -1


class Volumes:
    """The volumes of one data directory."""

    def __init__(self, home: Home) -> None:
        self.home = home

    def _missing(self, namespace: str, name: str) -> NotFound:
        return NotFound(f'volume "{name}" not found in namespace "{namespace}"')

    def _open(self, namespace: str, name: str) -> int:
        """An O_PATH fd of the volume's directory. Raises NotFound (also for names
        that cannot be one)."""
        if not (is_dns1123_label(namespace) and is_dns1123_subdomain(name)):
            raise self._missing(namespace, name)
        try:
            return self.home.open_volume(namespace, name)
        except OSError:
            raise self._missing(namespace, name) from None

    def root(self, namespace: str, name: str) -> Path:
        """The volume's directory. Raises NotFound (also for names that cannot be one)."""
        os.close(self._open(namespace, name))
        return self.home.volume(namespace, name)

    def in_namespace(self, namespace: str) -> list[dict[str, Any]]:
        if not is_dns1123_label(namespace):
            return []
        try:
            top = os.open(self.home.volumes / namespace, _DIR)
        except OSError:
            return []
        try:
            out = []
            with os.scandir(top) as listing:
                names = sorted(e.name for e in listing if e.is_dir(follow_symlinks=False))
            for name in names:
                try:
                    fd = os.open(name, _DIR, dir_fd=top)
                except OSError:
                    continue
                try:
                    out.append(_summary(name, fd))
                finally:
                    os.close(fd)
            return out
        finally:
            os.close(top)

    def create(self, namespace: str, name: Any) -> dict[str, Any]:
        """Raises ValidationError for bad names, AlreadyExists if it is there."""
        errors = name_field_errors("metadata.namespace", namespace, label=True)
        if not isinstance(name, str) or not name:
            errors.append(FieldError("name", "required"))
        else:
            errors += name_field_errors("name", name)
        if errors:
            raise ValidationError(errors, f'volume "{name}"' if isinstance(name, str) else "")
        self.home.volumes.mkdir(parents=True, exist_ok=True)
        top = os.open(self.home.volumes, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            with _errors(namespace, name):
                parent = beneath.resolve(top, namespace, symlinks=False, create=True)
            try:
                os.mkdir(name, dir_fd=parent)
            except FileExistsError:
                raise AlreadyExists(
                    f'volume "{name}" already exists in namespace "{namespace}"'
                ) from None
            finally:
                os.close(parent)
        finally:
            os.close(top)
        return {"name": name, "files": 0, "bytes": 0}

    def delete(self, namespace: str, name: str) -> None:
        os.close(self._open(namespace, name))
        parent = os.open(self.home.volumes / namespace, _DIR)
        try:
            with _errors("", name):
                beneath.remove_tree(parent, name)
        finally:
            os.close(parent)

    def files(self, namespace: str, name: str, path: str = "") -> list[dict[str, Any]]:
        """The entries of a directory in the volume, directories first."""
        found = self.read(namespace, name, path)
        if isinstance(found, OpenFile):
            os.close(found.fd)
            raise NotFound(f'directory "{path}" not found in volume "{name}"')
        return found

    def read(self, namespace: str, name: str, path: str = "") -> list[dict[str, Any]] | OpenFile:
        """A directory's entries, or a regular file opened for reading."""
        rel = inside(path)
        root = self._open(namespace, name)
        try:
            with _errors(path, name):
                fd = beneath.resolve(root, rel)
                try:
                    info = os.fstat(fd)
                    if stat.S_ISDIR(info.st_mode):
                        directory = beneath.reopen(fd, os.O_RDONLY | os.O_DIRECTORY)
                        try:
                            return _entries(root, rel, directory)
                        finally:
                            os.close(directory)
                    if not stat.S_ISREG(info.st_mode):
                        raise OSError(errno.EINVAL, "not a regular file", path)
                    return OpenFile(
                        beneath.reopen(fd, os.O_RDONLY), rel.rsplit("/", 1)[-1], info.st_size
                    )
                finally:
                    os.close(fd)
        finally:
            os.close(root)

    def upload(self, namespace: str, name: str, path: str) -> Upload:
        """Start writing file `path` (its missing parent directories are made)."""
        rel = inside(path)
        if not rel:
            raise BadRequest(f'"{path}" is a directory; name a file to upload to')
        root = self._open(namespace, name)
        try:
            with _errors(path, name):
                parent, last = beneath.open_parent(root, rel, create=True)
        finally:
            os.close(root)
        try:
            return Upload(parent, last, path, name)
        except BaseException:
            os.close(parent)
            raise

    def remove(self, namespace: str, name: str, path: str) -> None:
        """Delete a file, a symlink (not what it leads to) or a directory tree."""
        rel = inside(path)
        if not rel:
            raise BadRequest(
                "name a file or directory; delete the volume itself with "
                f"DELETE /treadle/v1/namespaces/{namespace}/volumes/{name}"
            )
        root = self._open(namespace, name)
        try:
            with _errors(path, name):
                parent, last = beneath.open_parent(root, rel)
                try:
                    beneath.remove_tree(parent, last)
                finally:
                    os.close(parent)
        finally:
            os.close(root)


def _summary(name: str, directory: int) -> dict[str, Any]:
    files, size = usage(directory)
    return {"name": name, "files": files, "bytes": size}
