"""The embedded cluster's SimpleMLService operator (`tensorstack.dev/v1beta1`): what
the platform's serving operator does, on one machine (SPEC §12).

It keeps `spec.replicas` pods of the service running (`servingpods.py`), replaces
one that ends after a back-off (`servingstatus.py`), and reports where the service
answers and whether it does: `status.address` and the conditions `ModelDownloaded`
and `Ready`. A service never finishes, so a Resource run that creates one keeps
running until it is stopped; stopping it deletes the service, and with it (by the
store's garbage collection) its pods, whose processes the kubelet stops.

Like every operator it acts only on the Store: it creates and deletes Pods and
writes the service's status; the kubelet runs the pods. The one thing it does
besides is the readiness probe, a TCP connect made from a background loop, and
where it connects to is a policy it is handed (`serviceaddress.py`): the loopback
address here, a Service's DNS name in a cluster.

S3 model storage: fetching a model from S3 needs s3cmd and the Secret's
credentials in an init container; this machine runs neither, so such a service
runs no replicas and says so in `ModelDownloaded` and `Ready`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

import pydantic

from ..api.t9k.serving import SERVING_API_VERSION, SimpleMLServiceSpec, SimpleMLServiceStatus
from ..controller.context import Context
from ..controller.operator import GroupKind, Loop, Operator
from ..errors import AlreadyExists, Conflict, NotFound
from ..store.base import Obj
from .serviceaddress import Addressing, Loopback, Target
from .servingpods import (
    SERVER_PROGRAMS,
    SERVICE_LABEL,
    framework_of,
    listening,
    pod_spec,
    replica_pod,
    spec_hash,
)
from .servingstatus import Ended, Facts, plan_replicas, service_status

log = logging.getLogger("treadle.controller")

SIMPLE_ML_SERVICE: GroupKind = (SERVING_API_VERSION, "SimpleMLService")
PROBE_INTERVAL = 0.5
"""Seconds between two probes of a service: how soon Ready follows the server."""

Key = tuple[str, str]
"""(namespace, name) of a service."""


def service_pods(ctx: Context, service: Obj) -> list[Obj]:
    """The replica pods of `service`: labelled with its name and owned by it (a pod
    of a deleted service of the same name is not one of them)."""
    meta = service["metadata"]
    page = ctx.store.list(
        "v1",
        "Pod",
        meta.get("namespace", "default"),
        label_selector=f"{SERVICE_LABEL}={meta['name']}",
    )
    return [
        p
        for p in page.items
        if any(r.get("uid") == meta["uid"] for r in p["metadata"].get("ownerReferences") or [])
    ]


class SimpleMLServiceOperator(Operator):
    kinds = (SIMPLE_ML_SERVICE,)
    owner_kinds = (SIMPLE_ML_SERVICE,)  # its status follows its replicas

    def __init__(self, ctx: Context, addressing: Addressing | None = None) -> None:
        self.ctx = ctx
        self.addressing: Addressing = addressing if addressing is not None else Loopback()
        self._lock = threading.Lock()
        self._targets: dict[Key, Target] = {}
        """What the probe loop asks about, per service with replicas to serve."""
        self._answers: dict[Key, bool] = {}
        """What it last found at each service's target."""

    # -- reconcile -------------------------------------------------------------------

    def reconcile(self, kind: str, namespace: str, name: str) -> float | None:
        key = (namespace, name)
        try:
            service = self.ctx.store.get(*SIMPLE_ML_SERVICE, namespace, name)
        except NotFound:
            self._forget(key)
            return None
        if service["metadata"].get("deletionTimestamp"):
            self._forget(key)
            return None
        try:
            return self._reconcile(key, service)
        except Conflict:
            return 0.0

    def _reconcile(self, key: Key, service: Obj) -> float | None:
        namespace, name = key
        old = _old_status(service)
        try:
            spec = SimpleMLServiceSpec.model_validate(service.get("spec") or {})
        except pydantic.ValidationError as exc:
            # Admission refuses such a spec; one stored around it still gets a status.
            self._forget(key)
            problem = ("InvalidSpec", f"invalid spec: {exc.errors()[0]['msg']}")
            facts = Facts(wanted=0, address=None, answers=None, problem=problem)
            self._write(service, old, facts, [], [])
            return None
        replica = pod_spec(name, spec)
        at = listening(spec, replica)
        s3 = spec.storage.s3 if spec.storage is not None else None
        # No replicas where they could not serve: no model to read, no port to answer on.
        wanted = 0 if s3 is not None or at.port is None else spec.replicas
        pods = service_pods(self.ctx, service)
        plan = plan_replicas(wanted, spec_hash(replica), pods, self.ctx.clock())
        for pod_name in plan.delete:
            try:
                self.ctx.store.delete("v1", "Pod", namespace, pod_name)
            except NotFound:
                pass
        again = plan.again
        for index, notes in plan.create:
            try:
                self.ctx.store.create(replica_pod(service, replica, index, notes))
            except AlreadyExists:
                # Not one of ours (or still going away): look again soon.
                again = 1.0 if again is None else min(again, 1.0)
        deleted = set(plan.delete)
        pods = [p for p in pods if p["metadata"]["name"] not in deleted]
        target = self.addressing.target(namespace, name, spec, at) if wanted > 0 else None
        if target is None:
            self._forget(key)
        facts = Facts(
            wanted=wanted,
            address=self.addressing.address(namespace, name, spec, at),
            answers=self._watch(key, target) if target is not None else None,
            target=f"{target[0]}:{target[1]}" if target is not None else None,
            program=SERVER_PROGRAMS.get(framework_of(spec)),
            model=_model(spec),
            problem=("NoPort", at.problem) if at.problem else None,
        )
        self._write(service, old, facts, pods, plan.waiting)
        return again

    def _write(
        self,
        service: Obj,
        old: SimpleMLServiceStatus,
        facts: Facts,
        pods: list[Obj],
        waiting: list[Ended],
    ) -> None:
        new = service_status(old, facts, pods, waiting, self.ctx.clock())
        # Compared on the wire form, so a pass that changes nothing writes nothing.
        wire = new.dump()
        if wire != (service.get("status") or {}):
            self.ctx.store.update_status({**service, "status": wire})

    # -- the probe ---------------------------------------------------------------------

    def _watch(self, key: Key, target: Target) -> bool | None:
        """Have the probe loop ask at `target` for `key`; what it last found there."""
        with self._lock:
            if self._targets.get(key) != target:
                self._targets[key] = target
                self._answers.pop(key, None)
            return self._answers.get(key)

    def _forget(self, key: Key) -> None:
        with self._lock:
            self._targets.pop(key, None)
            self._answers.pop(key, None)

    def deleted(self, obj: Obj) -> None:
        meta = obj.get("metadata") or {}
        self._forget((meta.get("namespace") or "default", meta.get("name", "")))

    def loops(self) -> Sequence[Loop]:
        return (("serving-probe", self._probe_loop),)

    def _probe_loop(self, stopping: threading.Event) -> None:
        """Probe every service with replicas; a change of answer wakes its reconcile."""
        while not stopping.wait(PROBE_INTERVAL):
            with self._lock:
                targets = dict(self._targets)
            for key, target in targets.items():
                if stopping.is_set():
                    return
                answers = self.addressing.answers(target)
                with self._lock:
                    if self._targets.get(key) != target:
                        continue  # changed or forgotten meanwhile
                    changed = self._answers.get(key) != answers
                    self._answers[key] = answers
                if changed:
                    self.ctx.enqueue((SIMPLE_ML_SERVICE[1], *key))


def _old_status(service: Obj) -> SimpleMLServiceStatus:
    try:
        return SimpleMLServiceStatus.model_validate(service.get("status") or {})
    except pydantic.ValidationError:
        return SimpleMLServiceStatus()  # not ours to keep: rewritten whole


def _model(spec: SimpleMLServiceSpec) -> tuple[bool, str, str] | None:
    """Condition ModelDownloaded, where the spec has storage."""
    storage = spec.storage
    if storage is not None and storage.s3 is not None:
        return (
            False,
            "S3Unsupported",
            f"S3 model storage ({storage.s3.uri}) cannot be fetched on this machine: "
            "embedded mode serves a model from a PersistentVolumeClaim (spec.storage.pvc)",
        )
    if storage is not None and storage.pvc is not None:
        pvc = storage.pvc
        where = f'claim "{pvc.name}"' + (f' at "{pvc.sub_path}"' if pvc.sub_path else "")
        return (
            True,
            "PersistentVolumeClaim",
            f"the model is read from {where}, mounted at {pvc.mount_path}",
        )
    return None


__all__ = ["PROBE_INTERVAL", "SIMPLE_ML_SERVICE", "SimpleMLServiceOperator", "service_pods"]
