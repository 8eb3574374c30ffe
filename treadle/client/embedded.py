"""The client for one machine: the SQLite store and local runtime of a data directory."""

from __future__ import annotations

import builtins
import copy
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from ..api.kinds import KindInfo, by_kind
from ..api.objects import GROUP_VERSION, RUN_LABEL, STOP_ANNOTATION
from ..api.validate import kind_of
from ..config import Home
from ..controller.leader import lease_holder
from ..errors import BadRequest, Conflict, NotFound, ValidationError
from ..runtime.local import LocalRuntime
from ..store.base import Obj, Page, WatchEvent, current_resource_version
from ..store.events import events_for
from ..store.legacy_tokens import import_legacy_tokens
from ..store.sqlite import SqliteStore
from . import namespaces
from .admission import (
    Prepared,
    check_update,
    merge_applied,
    name_to_replace,
    prepare,
    refuse_generated_name,
)
from .base import (
    Applied,
    FieldValidation,
    RunLogLine,
    Written,
    refuse_deleting_system_namespace,
    shown,
)
from .listing import list_objects
from .runlogs import object_logs, run_logs
from .volumes import Volumes

RERUN_ANNOTATION = "batch.tensorstack.dev/rerunOf"
SYSTEM_LABELS = (RUN_LABEL,)
CONTROLLER_IDLE_EXIT = 30.0
WRITE_ATTEMPTS = 5
"""Reads and writes an apply or a stop may take while a controller keeps writing
the object's status."""

T = TypeVar("T")


def _reread_on_conflict(write: Callable[[], T]) -> T:
    """`write` (a read of the object, then an update from what it read) again while
    the update meets a Conflict: a controller writing the object's status moves its
    resourceVersion between the two, as `kubectl apply` and `annotate` meet too."""
    for _ in range(WRITE_ATTEMPTS - 1):
        try:
            return write()
        except Conflict:
            continue
    return write()


"""Seconds a controller started on demand stays up with nothing to do."""


def _ns(namespace: str | None) -> str:
    return namespace or "default"


class EmbeddedClient:
    def __init__(self, home: Home) -> None:
        self.home = home.ensure()
        self.store = SqliteStore(home.database)
        # Before anything reads tokens: older data directories kept them apart.
        import_legacy_tokens(home.database, self.store)
        self.runtime = LocalRuntime.for_home(home)

    def close(self) -> None:
        self.store.close()

    # -- objects ---------------------------------------------------------------------

    def create(
        self,
        doc: Any,
        namespace: str | None = None,
        *,
        dry_run: bool = False,
        validation: FieldValidation = "Warn",
    ) -> Written:
        obj, warnings = self._admit(doc, namespace, validation)
        return Written(self.store.create(obj, dry_run=dry_run), warnings)

    def apply(
        self,
        doc: Any,
        namespace: str | None = None,
        *,
        dry_run: bool = False,
        validation: FieldValidation = "Warn",
    ) -> Applied:
        refuse_generated_name(doc)
        obj, warnings = self._admit(doc, namespace, validation)
        meta = obj["metadata"]

        def attempt() -> Applied:
            try:
                existing = self.store.get(
                    obj["apiVersion"], obj["kind"], meta.get("namespace"), meta["name"]
                )
            except NotFound:
                return Applied(self.store.create(obj, dry_run=dry_run), "created", warnings)
            merged = merge_applied(existing, obj)
            if merged == existing:
                return Applied(existing, "unchanged", warnings)
            check_update(existing, merged)
            return Applied(self.store.update(merged, dry_run=dry_run), "configured", warnings)

        return _reread_on_conflict(attempt)

    def replace(
        self,
        doc: Any,
        namespace: str | None = None,
        *,
        dry_run: bool = False,
        validation: FieldValidation = "Warn",
    ) -> Written:
        info = kind_info(doc)
        name = name_to_replace(doc)
        # Read first: replacing what is not there is NotFound before any complaint
        # about the document, as the server has always answered a PUT.
        existing = self.get(info, namespace or doc["metadata"].get("namespace"), name)
        obj, warnings = self._admit(doc, namespace if info.namespaced else None, validation)
        check_update(existing, obj)
        return Written(self.store.update(obj, dry_run=dry_run), warnings)

    def _admit(self, doc: Any, namespace: str | None, validation: FieldValidation) -> Prepared:
        """`doc` through admission, with the warnings `validation` lets through."""
        obj, warnings = prepare(
            self.store, doc, namespace, self.home.policy, strict=validation == "Strict"
        )
        return Prepared(obj, shown(warnings, validation))

    def get(self, info: KindInfo, namespace: str | None, name: str) -> Obj:
        return self.store.get(
            info.api_version, info.kind, _ns(namespace) if info.namespaced else None, name
        )

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
        if (info.api_version, info.kind) == ("v1", "Namespace"):
            # Implicit namespaces too, as the server lists them (one short list).
            return Page(
                namespaces.all_namespaces(self.store, label_selector, field_selector),
                current_resource_version(self.store, "v1", "Namespace"),
            )
        return list_objects(
            self.store,
            info.api_version,
            info.kind,
            namespace,
            label_selector=label_selector,
            field_selector=field_selector,
            limit=limit,
            continue_token=continue_token,
            newest_first=newest_first,
            name_contains=name_contains,
        )

    def delete(self, info: KindInfo, namespace: str | None, name: str) -> Obj:
        if (info.api_version, info.kind) == ("v1", "Namespace"):
            refuse_deleting_system_namespace(name)
        obj = self.get(info, namespace, name)
        if info.kind == "WorkflowRun" and (obj.get("status") or {}).get("phase") == "Running":
            # Stop first so nothing the run started keeps going; the controller
            # (or the kubelet's orphan sweep) ends its processes.
            self.stop_run(namespace, name, "deleted")
        return self.store.delete(info.api_version, info.kind, _ns(namespace), name)

    def watch(
        self,
        info: KindInfo,
        namespace: str | None,
        *,
        since: str | None = None,
        timeout: float | None = None,
    ) -> Iterator[WatchEvent]:
        return self.store.watch(
            info.api_version, info.kind, namespace, since=since, timeout=timeout
        )

    def events_for(self, obj: Obj) -> builtins.list[Obj]:
        return events_for(self.store, obj)

    # -- runs ------------------------------------------------------------------------

    def _run(self, namespace: str | None, name: str) -> Obj:
        return self.store.get(GROUP_VERSION, "WorkflowRun", _ns(namespace), name)

    def stop_run(self, namespace: str | None, name: str, reason: str = "stopped by user") -> Obj:
        def attempt() -> Obj:
            run = self._run(namespace, name)
            if (run.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
                raise BadRequest(
                    f'WorkflowRun "{name}" has already finished ({run["status"]["phase"]})'
                )
            meta = run["metadata"]
            notes = dict(meta.get("annotations") or {})
            if notes.get(STOP_ANNOTATION):
                return run
            notes[STOP_ANNOTATION] = reason
            return self.store.update({**run, "metadata": {**meta, "annotations": notes}})

        updated = _reread_on_conflict(attempt)
        self.ensure_controller()
        return updated

    def rerun(self, namespace: str | None, name: str) -> Obj:
        run = self._run(namespace, name)
        meta = run["metadata"]
        labels = {k: v for k, v in (meta.get("labels") or {}).items() if k not in SYSTEM_LABELS}
        spec = copy.deepcopy(run.get("spec") or {})
        spec.pop("depth", None)
        base = meta.get("annotations", {}).get(RERUN_ANNOTATION) or meta["name"]
        doc = {
            "apiVersion": GROUP_VERSION,
            "kind": "WorkflowRun",
            "metadata": {
                "generateName": f"{base[:50]}-",
                "namespace": _ns(namespace),
                "labels": labels,
                "annotations": {RERUN_ANNOTATION: base},
            },
            "spec": spec,
        }
        return self.create(doc).obj

    def run_logs(
        self,
        namespace: str | None,
        name: str,
        *,
        step: str | None = None,
        follow: bool = False,
        tail_lines: int | None = None,
    ) -> Iterator[RunLogLine]:
        run = self._run(namespace, name)
        return run_logs(
            self.store, self.runtime, run, step=step, follow=follow, tail_lines=tail_lines
        )

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
        obj = self.get(info, namespace, name)
        return object_logs(
            self.store, self.runtime, obj, step=step, follow=follow, tail_lines=tail_lines
        )

    # -- volumes ---------------------------------------------------------------------

    def list_volumes(self, namespace: str | None) -> builtins.list[dict[str, Any]]:
        return Volumes(self.home).in_namespace(_ns(namespace))

    def volume_files(
        self, namespace: str | None, claim: str, path: str = ""
    ) -> builtins.list[dict[str, Any]]:
        return Volumes(self.home).files(_ns(namespace), claim, path)

    def delete_volume(self, namespace: str | None, claim: str) -> None:
        Volumes(self.home).delete(_ns(namespace), claim)

    def volume_path(self, namespace: str | None, claim: str) -> str:
        return str(self.home.ensure_volume(_ns(namespace), claim))

    # -- the controller ----------------------------------------------------------------

    def controller_holder(self) -> str | None:
        """Who drives this data directory now (None: nobody)."""
        return lease_holder(self.store)

    def ensure_controller(self) -> None:
        """Start a controller for this data directory in the background if none runs.
        It exits by itself once nothing has been running for a while."""
        if os.environ.get("TREADLE_NO_AUTOSTART") or self.controller_holder():
            return
        log = open(self.home.root / "controller.log", "ab")  # noqa: SIM115
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "treadle.cli.main",
                "--home",
                str(self.home.root),
                "controller",
                "--idle-exit",
                str(CONTROLLER_IDLE_EXIT),
            ],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        log.close()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.controller_holder():
                return
            time.sleep(0.05)
        raise BadRequest(f"the controller did not start; see {self.home.root / 'controller.log'}")


def kind_info(doc: Any) -> KindInfo:
    info = kind_of(doc)
    found = by_kind(info.api_version, info.kind)
    if found is None:
        raise ValidationError([])
    return found
