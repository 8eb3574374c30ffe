"""The typer application and the one place errors become exit codes."""

from __future__ import annotations

import functools
import os
import sqlite3
import sys
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from ..config import KUBECONFIG_ENV, SERVER_ENV, resolve_home
from ..errors import StorageError, TreadleError, ValidationError, storage_error
from .state import options

app = typer.Typer(
    name="treadle",
    help="Treadle: workflows for machine-learning platforms (T9k Workflows API).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class _Console(Console):
    """A console that counts as a terminal only when its stream is one.

    Rich also takes FORCE_COLOR or TTY_COMPATIBLE for one, and then lays piped
    output out for an 80-column screen; piped output is plain text, as kubectl's.
    `soft_wrap` keeps every printed line whole: a long error is one line."""

    def __init__(self, *, stderr: bool = False) -> None:
        super().__init__(
            stderr=stderr,
            highlight=False,
            soft_wrap=True,
            no_color=bool(os.environ.get("NO_COLOR")),
        )

    @property
    def is_terminal(self) -> bool:
        isatty = getattr(self.file, "isatty", None)
        try:
            return bool(isatty is not None and isatty())
        except ValueError:  # a closed stream
            return False


out = _Console()
err = _Console(stderr=True)

F = TypeVar("F", bound=Callable[..., Any])

EXIT_CODES = {"Invalid": 2, "BadRequest": 2, "NotFound": 3, "AlreadyExists": 4, "Conflict": 4}


@app.callback()
def _global_options(
    home: Annotated[
        str | None,
        typer.Option("--home", help="Data directory (embedded mode) [env: TREADLE_HOME]"),
    ] = None,
    server: Annotated[
        str | None,
        typer.Option("--server", help="Use a Treadle server at this URL [env: TREADLE_SERVER]"),
    ] = None,
    token: Annotated[
        str | None, typer.Option("--token", help="API token for --server [env: TREADLE_TOKEN]")
    ] = None,
    kubeconfig: Annotated[
        str | None,
        typer.Option(
            "--kubeconfig",
            help="Act on the Kubernetes cluster of this kubeconfig [env: TREADLE_KUBECONFIG]",
        ),
    ] = None,
) -> None:
    """Treadle: workflows for machine-learning platforms (T9k Workflows API)."""
    options.home = home
    options.server = server
    options.token = token or os.environ.get("TREADLE_TOKEN")
    options.kubeconfig = kubeconfig or os.environ.get(KUBECONFIG_ENV) or None


def report(exc: TreadleError, prefix: str = "") -> None:
    """Print an error for a person: one line, or one line per field."""
    head = f"{prefix}: " if prefix else ""
    if isinstance(exc, ValidationError):
        subject = f"{exc.subject}: " if exc.subject else ""
        if len(exc.causes) == 1:
            err.print(f"[red]error[/red]: {head}{subject}{exc.causes[0]}", markup=True)
        else:
            err.print(f"[red]error[/red]: {head}{subject}{len(exc.causes)} problems", markup=True)
            for cause in exc.causes:
                err.print(f"  {cause}", markup=False)
        return
    err.print(f"[red]error[/red]: {head}{exc}", markup=True)


def handles_errors(fn: F) -> F:
    """Turn our errors into a clear line and an exit code; never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except TreadleError as exc:
            report(exc)
            raise typer.Exit(EXIT_CODES.get(exc.reason, 1)) from None
        except KeyboardInterrupt:
            err.print("interrupted")
            raise typer.Exit(130) from None
        except BrokenPipeError:
            sys.stderr.close()
            raise typer.Exit(0) from None
        except (sqlite3.DatabaseError, OSError) as exc:
            if isinstance(exc, sqlite3.ProgrammingError):
                raise  # a misused connection is a bug: its traceback is the report
            report(_explained(exc))
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


def _explained(exc: sqlite3.DatabaseError | OSError) -> TreadleError:
    """A failure of the database or the file system, said in one line: about the
    data directory (full, read-only, cannot be created) when it concerns it."""
    embedded = not (options.server or os.environ.get(SERVER_ENV))
    if embedded:
        explained = storage_error(exc, resolve_home(options.home).root)
        if explained is not None:
            return explained
    if isinstance(exc, OSError) and exc.strerror:
        where = f": {os.fsdecode(exc.filename)}" if exc.filename else ""
        return TreadleError(f"{exc.strerror}{where}")
    return StorageError(str(exc))


# Registered here rather than by `main`'s imports: the node agent is a command of
# the Kubernetes home, imported once `app` above exists.
from . import install_cmd, node_cmd, webhook_cmd  # noqa: E402, F401
