"""What every client over a Store does the same, whatever cluster the store is of:
admission, kubectl-like writes, reads, watches, and the run actions (stop, rerun,
logs). The embedded client (a data directory) and the Kubernetes client add where
their pods' logs come from and what else their home has."""

from __future__ import annotations

import builtins
import copy
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from ..api.kinds import KindInfo, by_kind
from ..api.objects import GROUP_VERSION, RUN_LABEL, STOP_ANNOTATION
from ..api.policy import Policy
from ..api.validate import kind_of
from ..errors import BadRequest, Conflict, NotFound, ValidationError
from ..store.base import Obj, Page, Store, WatchEvent, current_resource_version
from ..store.events import events_for
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
from .runlogs import LogRead, object_logs, run_logs

RERUN_ANNOTATION = "batch.tensorstack.dev/rerunOf"
SYSTEM_LABELS = (RUN_LABEL,)
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


def _ns(namespace: str | None) -> str:
    return namespace or "default"


class StoreClient:
    """A Client over `store`, admitting what `policy` allows; `read_logs` reads
    one container's lines wherever this cluster's pods keep them."""

    def __init__(self, store: Store, policy: Policy, read_logs: LogRead) -> None:
        self.store = store
        self.policy = policy
        self.read_logs = read_logs

    def close(self) -> None:
        self.store.close()

    def ensure_controller(self) -> None:
        """Nothing to start: a controller of this cluster runs by itself."""
        return None

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
            self.store, doc, namespace, self.policy, strict=validation == "Strict"
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
        if since is None:
            since = current_resource_version(self.store, info.api_version, info.kind)
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
            self.store, self.read_logs, run, step=step, follow=follow, tail_lines=tail_lines
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
            self.store, self.read_logs, obj, step=step, follow=follow, tail_lines=tail_lines
        )


def kind_info(doc: Any) -> KindInfo:
    info = kind_of(doc)
    found = by_kind(info.api_version, info.kind)
    if found is None:
        raise ValidationError([])
    return found
