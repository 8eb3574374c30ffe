"""The client interface the CLI and scripts use, embedded or over HTTP alike."""

from __future__ import annotations

import builtins
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple, Protocol, get_args

from ..api.kinds import KindInfo
from ..api.objects import SYSTEM_NAMESPACE
from ..errors import FieldWarning, Forbidden
from ..store.base import Obj, Page, WatchEvent

FieldValidation = Literal["Strict", "Warn", "Ignore"]
"""What a write does with warnings, as Kubernetes' `fieldValidation`: `Strict`
refuses the object (they are errors), `Warn` stores it and returns them, `Ignore`
stores it and returns none."""
FIELD_VALIDATIONS: tuple[FieldValidation, ...] = get_args(FieldValidation)

Verb = Literal["created", "configured", "unchanged"]


class Written(NamedTuple):
    """What a create (or a replace) answers: the object as stored (with a dry run:
    as it would be), and the warnings about it its author should see."""

    obj: Obj
    warnings: list[FieldWarning]


class Applied(NamedTuple):
    """What an apply answers: the object, what happened to it, and the warnings."""

    obj: Obj
    verb: Verb
    warnings: list[FieldWarning]


def shown(warnings: list[FieldWarning], validation: FieldValidation) -> list[FieldWarning]:
    """The warnings a write returns under `validation` (none with `Ignore`)."""
    return [] if validation == "Ignore" else warnings


@dataclass(frozen=True)
class RunLogLine:
    source: str
    """`step`, or `node/step` (nested nodes joined by `/`) for a DAG."""
    time: str
    text: str
    kind: str = "container"
    """What the source is: `initContainer`, `step` or `container`."""


class Client(Protocol):
    def create(
        self,
        doc: Any,
        namespace: str | None = None,
        *,
        dry_run: bool = False,
        validation: FieldValidation = "Warn",
    ) -> Written:
        """Create `doc` (a name taken is AlreadyExists; `generateName` is filled in).
        `dry_run`: full admission against what is stored, nothing stored."""
        ...

    def apply(
        self,
        doc: Any,
        namespace: str | None = None,
        *,
        dry_run: bool = False,
        validation: FieldValidation = "Warn",
    ) -> Applied:
        """Create `doc`, or update the object of its name, as `kubectl apply`; a
        document without `metadata.name` (only `generateName`) is refused."""
        ...

    def replace(
        self,
        doc: Any,
        namespace: str | None = None,
        *,
        dry_run: bool = False,
        validation: FieldValidation = "Warn",
    ) -> Written:
        """Replace the stored object of `doc`'s `metadata.name` with `doc`, as a PUT
        (status stays as stored); a given metadata.resourceVersion must match
        (Conflict). `dry_run`: full admission against what is stored, nothing stored."""
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
    ) -> Page:
        """Objects of a kind, paged as `Store.list` pages them (by namespace and
        name). `newest_first` lists by creation, newest first, and `name_contains`
        keeps only the names holding that text: Treadle's extensions (docs/api.md,
        `order=newest` and `nameContains`), which the embedded client serves above
        its Store (client/listing.py)."""
        ...

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

    def object_logs(
        self,
        info: KindInfo,
        namespace: str | None,
        name: str,
        *,
        step: str | None = None,
        follow: bool = False,
        tail_lines: int | None = None,
    ) -> Iterator[RunLogLine]:
        """The logs of any other object: a pod's containers, or those of the pods it
        controls (a T9k job's or a service's replicas), labelled `<pod>/<container>`;
        `step` keeps one pod or label."""
        ...

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


def refuse_deleting_system_namespace(name: str) -> None:
    """Raise Forbidden for the namespace that holds the API tokens and the controller
    lease: deleting it would revoke every token at once. Every face refuses it, as
    Kubernetes refuses deleting kube-system."""
    if name == SYSTEM_NAMESPACE:
        raise Forbidden(f'namespace "{name}" is the system\'s own and may not be deleted')
