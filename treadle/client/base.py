"""The client interface the CLI and scripts use, embedded or over HTTP alike."""

from __future__ import annotations

import builtins
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from ..api.kinds import KindInfo
from ..store.base import Obj, Page, WatchEvent


@dataclass(frozen=True)
class RunLogLine:
    source: str
    """`step`, or `node/step` (nested nodes joined by `/`) for a DAG."""
    time: str
    text: str


class Client(Protocol):
    def create(self, doc: Any, namespace: str | None = None) -> Obj: ...

    def apply(self, doc: Any, namespace: str | None = None) -> tuple[Obj, str]:
        """Create or update; the second value is `created`, `configured` or `unchanged`."""
        ...

    def get(self, info: KindInfo, namespace: str | None, name: str) -> Obj: ...

    def list(
        self,
        info: KindInfo,
        namespace: str | None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        limit: int | None = None,
        continue_token: str | None = None,
        newest_first: bool = False,
        name_contains: str | None = None,
    ) -> Page: ...

    def delete(self, info: KindInfo, namespace: str | None, name: str) -> Obj: ...

    def watch(
        self,
        info: KindInfo,
        namespace: str | None,
        *,
        since: str | None = None,
        timeout: float | None = None,
    ) -> Iterator[WatchEvent]: ...

    def events_for(self, obj: Obj) -> builtins.list[Obj]: ...

    def stop_run(
        self, namespace: str | None, name: str, reason: str = "stopped by user"
    ) -> Obj: ...

    def rerun(self, namespace: str | None, name: str) -> Obj: ...

    def run_logs(
        self,
        namespace: str | None,
        name: str,
        *,
        step: str | None = None,
        follow: bool = False,
        tail_lines: int | None = None,
    ) -> Iterator[RunLogLine]: ...

    def volume_path(self, namespace: str | None, claim: str) -> str: ...

    def list_volumes(self, namespace: str | None) -> builtins.list[dict[str, Any]]:
        """`{"name", "files", "bytes"}` per volume of the namespace."""
        ...

    def volume_files(
        self, namespace: str | None, claim: str, path: str = ""
    ) -> builtins.list[dict[str, Any]]:
        """`{"name", "type", "size", "modified"}` per entry of a directory."""
        ...

    def delete_volume(self, namespace: str | None, claim: str) -> None: ...

    def ensure_controller(self) -> None:
        """Make sure something drives runs (embedded: start a controller if none)."""
        ...

    def close(self) -> None: ...
