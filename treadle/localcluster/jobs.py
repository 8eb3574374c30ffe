"""The embedded cluster's batch/v1 Job controller, so a Resource template's Job
really runs: the part of kube-controller-manager a cluster would bring.

It honours `completions`, `parallelism` and `backoffLimit` and reports the status
and `Complete`/`Failed` conditions Kubernetes reports.
"""

from __future__ import annotations

import copy
from typing import Any

from ..api.objects import owner_reference
from ..controller.context import Context
from ..controller.operator import GroupKind, Operator
from ..core.conditions import set_condition
from ..errors import AlreadyExists, Conflict, NotFound
from ..store.base import Obj

JOB_LABEL = "job-name"
JOB: GroupKind = ("batch/v1", "Job")


class JobController(Operator):
    """Creates a Job's Pods (which the kubelet runs) and reports on them."""

    kinds = (JOB,)
    owner_kinds = (JOB,)  # a Job's status follows its Pods

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def reconcile(self, kind: str, namespace: str, name: str) -> float | None:
        return reconcile_job(self.ctx, namespace, name)


def _pods(ctx: Context, job: Obj) -> list[Obj]:
    meta = job["metadata"]
    page = ctx.store.list(
        "v1", "Pod", meta.get("namespace", "default"), label_selector=f"{JOB_LABEL}={meta['name']}"
    )
    return [
        p
        for p in page.items
        if any(r.get("uid") == meta["uid"] for r in p["metadata"].get("ownerReferences") or [])
    ]


def _new_pod(job: Obj, index: int) -> Obj:
    meta = job["metadata"]
    template = copy.deepcopy((job.get("spec") or {}).get("template") or {})
    pod_meta = dict(template.get("metadata") or {})
    pod_meta.update(
        name=f"{meta['name']}-{index}",
        namespace=meta.get("namespace", "default"),
        labels={**(pod_meta.get("labels") or {}), JOB_LABEL: meta["name"]},
        ownerReferences=[owner_reference(job)],
    )
    spec = dict(template.get("spec") or {})
    spec["restartPolicy"] = "Never"
    return {"apiVersion": "v1", "kind": "Pod", "metadata": pod_meta, "spec": spec}


def reconcile_job(ctx: Context, namespace: str, name: str) -> float | None:
    try:
        job = ctx.store.get("batch/v1", "Job", namespace, name)
    except NotFound:
        return None
    status: dict[str, Any] = dict(job.get("status") or {})
    conditions = status.get("conditions") or []
    if any(
        c.get("type") in ("Complete", "Failed") and c.get("status") == "True" for c in conditions
    ):
        return None
    spec = job.get("spec") or {}
    completions = int(spec.get("completions", 1))
    parallelism = int(spec.get("parallelism", 1))
    backoff = int(spec.get("backoffLimit", 6))
    pods = _pods(ctx, job)
    phases = [(p.get("status") or {}).get("phase") for p in pods]
    succeeded = phases.count("Succeeded")
    failed = phases.count("Failed")
    active = len(pods) - succeeded - failed
    now = ctx.now()
    status.setdefault("startTime", now)
    if succeeded >= completions:
        status["completionTime"] = now
        conditions = set_condition(conditions, "Complete", "True", now, "Completed")
    elif failed > backoff:
        conditions = set_condition(
            conditions,
            "Failed",
            "True",
            now,
            "BackoffLimitExceeded",
            "Job has reached the specified backoff limit",
        )
    else:
        wanted = min(parallelism, completions - succeeded) - active
        for i in range(max(0, wanted)):
            try:
                ctx.store.create(_new_pod(job, len(pods) + i))
            except AlreadyExists:
                pass
        active += max(0, wanted)
    status.update(active=active, succeeded=succeeded, failed=failed, conditions=conditions)
    if status != (job.get("status") or {}):
        try:
            ctx.store.update_status({**job, "status": status})
        except Conflict:
            return 0.0
    return None
