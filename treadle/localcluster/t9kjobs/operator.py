"""The operator of the eight T9k job kinds: reads a job and the pods it owns from the
Store, asks the replica engine (core/replicas.py) what to do, and does it through
the Store alone (the kubelet runs the pods), so that it runs unchanged against a
real API server with another address policy.

One pass: the job's addresses (kept on the job first when new), its shape from the
kind's wiring, the engine's decision; then the status (written first: a restart is
recorded before its pod is deleted), the events, the deletes and the creates. A pod
name still taken by a pod being deleted is tried again shortly.

A stored job the wiring cannot run (one its model refuses, or one that passed
validation but names no replica to decide it: stored before the rules that refuse
it, or given its counts by a substitution) fails once, with reason `InvalidSpec`
and why, instead of raising on every pass."""

from __future__ import annotations

from typing import Any

import pydantic

from ...api.objects import owner_reference
from ...api.t9k import JOB_MODELS, T9K_JOB_API_VERSION
from ...api.t9k.beam import BeamJobStatus
from ...api.t9k.common import JobStatus, RestartingJobStatus
from ...api.t9k.training import TrainingJobStatus
from ...controller.context import Context
from ...controller.operator import GroupKind, Operator
from ...core.conditions import get_condition, set_condition
from ...core.replicas import JOB_NAME_LABEL, decide
from ...errors import AlreadyExists, Conflict, NotFound
from ...store.base import Obj
from .addresses import ADDRESSES_ANNOTATION, AddressPolicy, LoopbackAddresses
from .wiring import BEAM_NOTE, InvalidJob, shape_of, wanted

JOB_KINDS: tuple[GroupKind, ...] = tuple((T9K_JOB_API_VERSION, kind) for kind in JOB_MODELS)

STATUS_MODELS: dict[str, type[JobStatus]] = {
    "GenericJob": JobStatus,
    "TensorFlowTrainingJob": TrainingJobStatus,
    "PyTorchTrainingJob": TrainingJobStatus,
    "XGBoostTrainingJob": RestartingJobStatus,
    "MPIJob": JobStatus,
    "DeepSpeedJob": RestartingJobStatus,
    "ColossalAIJob": JobStatus,
    "BeamJob": BeamJobStatus,
}
RETRY_CREATE = 0.2
"""Seconds until a pod whose name is still taken by its deleted predecessor is tried
again."""


class T9kJobOperator(Operator):
    """Runs GenericJob, TensorFlowTrainingJob, PyTorchTrainingJob,
    XGBoostTrainingJob, MPIJob, DeepSpeedJob, ColossalAIJob and BeamJob."""

    kinds = JOB_KINDS
    owner_kinds = JOB_KINDS  # a job's status follows its pods

    def __init__(self, ctx: Context, addresses: AddressPolicy | None = None) -> None:
        self.ctx = ctx
        self.addresses = addresses or LoopbackAddresses()

    def reconcile(self, kind: str, namespace: str, name: str) -> float | None:
        try:
            return self._reconcile(kind, namespace, name)
        except Conflict:
            return 0.0

    def _reconcile(self, kind: str, namespace: str, name: str) -> float | None:
        store = self.ctx.store
        try:
            job = store.get(T9K_JOB_API_VERSION, kind, namespace, name)
        except NotFound:
            return None
        status: Obj = dict(job.get("status") or {})
        final = status.get("phase") in ("Succeeded", "Failed")
        try:
            typed: Any = JOB_MODELS[kind].model_validate(job)
        except pydantic.ValidationError as exc:
            if not final:
                self._invalid(job, status, str(exc.errors()[0]["msg"]))
            return None
        try:
            want = wanted(typed)
        except Exception as exc:  # pure: any exception is the spec's, not the store's
            self._unrunnable(job, status, final, exc)
            return None
        addresses, annotation = self.addresses.addresses(job, want)
        if annotation is not None and not final:
            # Kept before any pod can be made with them: restarts and a restarted
            # controller must find the same ports.
            meta = dict(job["metadata"])
            meta["annotations"] = {
                **(meta.get("annotations") or {}),
                ADDRESSES_ANNOTATION: annotation,
            }
            job = store.update({**job, "metadata": meta})
        resumed = get_condition(status.get("conditions") or [], "Paused") is not None
        try:
            shape = shape_of(typed, addresses, resumed=resumed)
        except Exception as exc:  # pure, as above
            self._unrunnable(job, status, final, exc)
            return None
        pods = {p["metadata"]["name"]: p for p in self._pods(job)}
        decision = decide(shape, pods, status, self.ctx.clock())
        wire = STATUS_MODELS[kind].model_validate(decision.status).dump()
        if wire != (job.get("status") or {}):
            job = store.update_status({**job, "status": wire})
        if BEAM_NOTE in shape.notes and not status:
            self.ctx.event(job, "NoFlinkCluster", BEAM_NOTE, "Warning")
        for reason, message, type_ in decision.events:
            self.ctx.event(job, reason, message, type_)
        for pod_name in decision.delete:
            try:
                store.delete("v1", "Pod", namespace, pod_name)
            except NotFound:
                pass
        requeue = decision.requeue
        for pod in decision.create:
            meta = {
                **pod["metadata"],
                "namespace": namespace,
                "ownerReferences": [owner_reference(job)],
            }
            try:
                store.create({**pod, "metadata": meta})
            except AlreadyExists:
                requeue = RETRY_CREATE if requeue is None else min(requeue, RETRY_CREATE)
        return requeue

    def _pods(self, job: Obj) -> list[Obj]:
        meta = job["metadata"]
        page = self.ctx.store.list(
            "v1",
            "Pod",
            meta.get("namespace", "default"),
            label_selector=f"{JOB_NAME_LABEL}={meta['name']}",
        )
        return [
            p
            for p in page.items
            if any(
                r.get("uid") == meta["uid"] and r.get("controller")
                for r in p["metadata"].get("ownerReferences") or []
            )
        ]

    def _unrunnable(self, job: Obj, status: Obj, final: bool, exc: Exception) -> None:
        """The wiring refused the job: failed once (an ended job is left as it is)."""
        if not final:
            message = str(exc) if isinstance(exc, InvalidJob) else f"{type(exc).__name__}: {exc}"
            self._invalid(job, status, f"The job cannot run: {message}")

    def _invalid(self, job: Obj, status: Obj, message: str) -> None:
        """A stored job its model refuses (written by an older version, say): failed
        once, with why, rather than tried forever."""
        now = self.ctx.now()
        conditions = status.get("conditions") or []
        conditions = set_condition(conditions, "Completed", "False", now, "InvalidSpec", message)
        conditions = set_condition(conditions, "Failed", "True", now, "InvalidSpec", message)
        self.ctx.store.update_status(
            {**job, "status": {**status, "phase": "Failed", "conditions": conditions}}
        )
        self.ctx.event(job, "InvalidSpec", message, "Warning")


__all__ = ["JOB_KINDS", "STATUS_MODELS", "T9kJobOperator"]
