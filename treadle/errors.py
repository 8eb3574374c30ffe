"""The one exception hierarchy of Treadle.

Every face maps these once: the server to HTTP statuses, the CLI to exit codes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


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


def format_path(loc: Iterable[str | int]) -> str:
    """`("spec", "steps", 1, "name")` -> `spec.steps[1].name`."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
