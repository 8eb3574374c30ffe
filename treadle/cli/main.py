"""Entry point of the `treadle` command."""

from __future__ import annotations

from . import (  # noqa: F401  (importing registers the commands)
    apply_cmd,
    objects_cmd,
    runs_cmd,
    schema_cmd,
    server_cmd,
    system_cmd,
    validate_cmd,
)
from .app import app


def main() -> None:
    app()


if __name__ == "__main__":
    main()
