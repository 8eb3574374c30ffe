"""The one exception hierarchy of Treadle.

Every face maps these once: the server to HTTP statuses, the CLI to exit codes.
`storage_error` turns what SQLite and the file system report about a data directory
into them, naming the directory and the cause.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


class TreadleError(Exception):
    """Base of every error Treadle reports to a user."""

    http_status = 500
    reason = "InternalError"


@dataclass(frozen=True)
class FieldError:
    """One thing wrong with one field: `path` as `spec.dag.templates[1].name`."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


@dataclass(frozen=True)
class FieldWarning(FieldError):
    """Something worth telling the author that does not stop the input: the object
    is accepted and stored as written (SPEC §13), unless the caller asked for strict
    checking, where a warning is an error. Rules return warnings among their errors;
    `split_warnings` tells them apart. `note` says what happens instead of a refusal;
    it does not belong to the error the warning becomes under strict checking."""

    note: str = ""

    def __str__(self) -> str:
        text = super().__str__()
        return f"{text} ({self.note})" if self.note else text

    def as_error(self) -> FieldError:
        """The warning as strict checking reports it: the problem, without the note."""
        return FieldError(self.path, self.message)


def split_warnings(
    causes: Iterable[FieldError],
) -> tuple[list[FieldError], list[FieldWarning]]:
    """`causes` as (errors, warnings), each in the order given."""
    errors: list[FieldError] = []
    warnings: list[FieldWarning] = []
    for cause in causes:
        if isinstance(cause, FieldWarning):
            warnings.append(cause)
        else:
            errors.append(cause)
    return errors, warnings


class ValidationError(TreadleError):
    """Input rejected; `causes` names every field that is wrong and why."""

    http_status = 422
    reason = "Invalid"

    def __init__(self, causes: Iterable[FieldError], subject: str = "") -> None:
        self.causes = list(causes)
        self.subject = subject
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(c) for c in self.causes)


class NotFound(TreadleError):
    http_status = 404
    reason = "NotFound"


class AlreadyExists(TreadleError):
    http_status = 409
    reason = "AlreadyExists"


class Conflict(TreadleError):
    """A write carried a stale resourceVersion."""

    http_status = 409
    reason = "Conflict"


class BadRequest(TreadleError):
    http_status = 400
    reason = "BadRequest"


class Unauthorized(TreadleError):
    http_status = 401
    reason = "Unauthorized"


class Forbidden(TreadleError):
    http_status = 403
    reason = "Forbidden"


class Gone(TreadleError):
    """A watch asked for a resourceVersion older than the store keeps."""

    http_status = 410
    reason = "Expired"


class StorageError(TreadleError):
    """The data directory cannot be used: it cannot be created or opened, it is
    read-only, or its database is locked or damaged. The message names the directory
    and the cause."""

    http_status = 503
    reason = "ServiceUnavailable"


class DiskFull(StorageError):
    """The file system of the data directory has no space left."""

    http_status = 507
    reason = "InsufficientStorage"


class LeaseLost(TreadleError):
    """This controller no longer holds the lease of its data directory, so it must
    not act on runs: another controller may be driving them."""

    http_status = 503
    reason = "ServiceUnavailable"


_DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
_STORAGE_ERRNOS = _DISK_FULL_ERRNOS | {
    errno.EROFS,
    errno.EACCES,
    errno.EPERM,
    errno.ENOTDIR,
    errno.EEXIST,
    errno.EIO,
}
# Primary result codes of SQLite (sqlite3.h), which Python reports as
# `sqlite_errorcode` (extended codes keep the primary one in the low byte).
_SQLITE_PERM, _SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_READONLY = 3, 5, 6, 8
_SQLITE_IOERR, _SQLITE_CORRUPT, _SQLITE_FULL, _SQLITE_CANTOPEN, _SQLITE_NOTADB = (
    10,
    11,
    13,
    14,
    26,
)


def storage_error(exc: BaseException, directory: str | Path | None) -> StorageError | None:
    """What a failure of SQLite or of the file system means for the data directory
    `directory` (None: the one this process serves), as one of our errors; None when
    it says nothing about the data directory (a bug, or a file elsewhere)."""
    where = f"data directory {directory}" if directory else "the data directory"
    if isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.ProgrammingError):
        code = getattr(exc, "sqlite_errorcode", None)
        return _sqlite_failure(where, directory, code & 0xFF if code is not None else None, exc)
    if isinstance(exc, OSError) and exc.errno in _STORAGE_ERRNOS:
        # A full or read-only file system concerns everything in the directory;
        # other failures only the directory and what it is made of, not a path a
        # user named inside a volume.
        deep = exc.errno in _DISK_FULL_ERRNOS or exc.errno == errno.EROFS
        if directory is not None and not _concerns(exc, Path(os.path.abspath(directory)), deep):
            return None
        cause = exc.strerror or str(exc)
        if exc.errno in _DISK_FULL_ERRNOS:
            return DiskFull(f"the disk of {where} is full ({cause})")
        if directory is not None and not os.path.isdir(directory):
            return StorageError(f"{where} cannot be created: {cause}")
        if exc.errno == errno.EROFS:
            return StorageError(f"{where} is read-only ({cause})")
        shown = f": {exc.filename}" if exc.filename else ""
        return StorageError(f"{where} cannot be used ({cause}{shown})")
    return None


def _sqlite_failure(
    where: str, directory: str | Path | None, code: int | None, exc: BaseException
) -> StorageError:
    cause = str(exc)
    if code == _SQLITE_FULL or (
        code in (_SQLITE_IOERR, _SQLITE_CANTOPEN) and directory and _out_of_space(Path(directory))
    ):
        # Growing the -wal or -shm file on a full disk fails as an I/O error.
        return DiskFull(f"the disk of {where} is full ({cause})")
    if code == _SQLITE_READONLY or (
        code in (_SQLITE_CANTOPEN, _SQLITE_PERM) and directory and _read_only(Path(directory))
    ):
        return StorageError(f"{where} is read-only ({cause})")
    if code == _SQLITE_CANTOPEN and directory and not os.path.isdir(directory):
        return StorageError(f"{where} cannot be created ({cause})")
    if code in (_SQLITE_CANTOPEN, _SQLITE_PERM):
        return StorageError(f"{where} cannot be opened ({cause})")
    if code in (_SQLITE_BUSY, _SQLITE_LOCKED):
        return StorageError(f"the database of {where} is locked by another process ({cause})")
    if code in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
        return StorageError(f"the database of {where} is damaged ({cause})")
    if code == _SQLITE_IOERR:
        return StorageError(f"the database of {where} cannot be read or written ({cause})")
    return StorageError(f"the database of {where} failed ({cause})")


_NEARLY_FULL = 1 << 20
"""Bytes free below which a failed write is put down to the disk being full."""


def _out_of_space(directory: Path) -> bool:
    try:
        fs = os.statvfs(directory)
    except OSError:
        return False
    # Root may write into the blocks reserved for it; others may not.
    blocks = fs.f_bfree if os.geteuid() == 0 else fs.f_bavail
    return blocks * fs.f_frsize < _NEARLY_FULL


def _read_only(directory: Path) -> bool:
    """Whether nobody may write in `directory`: a read-only mount (which stops root
    too, unlike the permission bits, which `os.access` also weighs)."""
    try:
        read_only_mount = bool(os.statvfs(directory).f_flag & os.ST_RDONLY)
    except OSError:
        return False
    return read_only_mount or not os.access(directory, os.W_OK)


def _concerns(exc: OSError, directory: Path, deep: bool) -> bool:
    """Whether the failed path is the data directory, one of the directories above it
    (making it failed on the way), or inside it: anywhere if `deep`, else one of its
    own entries (the database, `pods`, `volumes` …)."""
    if not exc.filename:
        return False
    failed = Path(os.path.abspath(os.fsdecode(exc.filename)))
    if failed == directory or failed in directory.parents or failed.parent == directory:
        return True
    return deep and directory in failed.parents


def format_path(loc: Iterable[str | int]) -> str:
    """`("spec", "steps", 1, "name")` -> `spec.steps[1].name`."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
