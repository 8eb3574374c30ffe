"""The replicas of a T9k job or a SimpleMLService as a person reads them: one row per
replica pod with its phase and restarts, and the counts a table shows. Pure: from the
stored objects, no I/O.

A job reports its replicas itself (`status.tasks[]`, per replica restarts in
`status.replicaRestarts[]`); a service does not, so its rows come from the pods it
owns (restarts in the pod's annotation, written by the serving operator)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..api.t9k import SERVING_API_VERSION, T9K_JOB_API_VERSION
from ..api.template import JOB_FIELDS
from ..client.runlogs import owned_pods
from ..localcluster.servingstatus import RESTARTS_ANNOTATION

Obj = dict[str, Any]

READY_PHASES = ("Running", "Succeeded")
"""A replica counts as ready once its pod runs; one that finished did its part."""
LAUNCHED_KINDS = ("MPIJob", "ColossalAIJob")
"""Kinds whose spec has workers and, beside them, one launcher replica."""


@dataclass(frozen=True)
class Replica:
    type: str
    name: str
    phase: str
    restarts: int
    exit_code: int | None = None


def is_job(obj: Obj) -> bool:
    return obj.get("apiVersion") == T9K_JOB_API_VERSION and obj.get("kind") in JOB_FIELDS


def is_service(obj: Obj) -> bool:
    return obj.get("apiVersion") == SERVING_API_VERSION and obj.get("kind") == "SimpleMLService"


def _status(obj: Obj) -> Obj:
    status = obj.get("status")
    return status if isinstance(status, dict) else {}


def _exit_code(entry: Obj) -> int | None:
    """The first non-zero exit code of the replica's containers, else 0 once all ended."""
    codes = [c.get("exitCode") for c in entry.get("containers") or []]
    ended = [c for c in codes if isinstance(c, int)]
    if not ended:
        return None
    return next((c for c in ended if c != 0), 0)


def job_replicas(job: Obj) -> list[Replica]:
    """In the order the operator reports them: by type, then index."""
    status = _status(job)
    restarts = {
        str(r.get("name")): int(r.get("count") or 0)
        for r in status.get("replicaRestarts") or []
        if isinstance(r, dict)
    }
    rows = []
    for task in status.get("tasks") or []:
        for entry in task.get("replicas") or []:
            name = str(entry.get("name", ""))
            rows.append(
                Replica(
                    str(task.get("type", "")),
                    name,
                    str(entry.get("phase") or "Pending"),
                    restarts.get(name, 0),
                    _exit_code(entry),
                )
            )
    return rows


def pod_replicas(pods: list[Obj]) -> list[Replica]:
    """A service's replicas: its pods as they are."""
    rows = []
    for pod in pods:
        meta = pod.get("metadata") or {}
        count = str((meta.get("annotations") or {}).get(RESTARTS_ANNOTATION, "0"))
        rows.append(
            Replica(
                "replica",
                meta.get("name", ""),
                str(_status(pod).get("phase") or "Pending"),
                int(count) if count.isdigit() else 0,
            )
        )
    return rows


def _spec_replicas(job: Obj) -> int:
    """How many replicas the spec asks for (before the operator reports any)."""
    spec = job.get("spec") or {}
    if job.get("kind") == "BeamJob":
        return 1
    if "replicaSpecs" in spec:
        return sum(int(r.get("replicas", 1)) for r in spec.get("replicaSpecs") or [])
    workers = int((spec.get("worker") or {}).get("replicas", 1))
    return workers + (1 if job.get("kind") in LAUNCHED_KINDS else 0)


def job_counts(job: Obj) -> tuple[int, int]:
    """(ready, total) replicas; total from the status once there is one."""
    rows = job_replicas(job)
    if not rows:
        return 0, _spec_replicas(job)
    return sum(r.phase in READY_PHASES for r in rows), len(rows)


def job_restarts(job: Obj) -> int:
    """Restarts summed over all replicas (`backoffCount` where the kind reports it)."""
    status = _status(job)
    if isinstance(status.get("backoffCount"), int):
        return int(status["backoffCount"])
    return sum(int(t.get("restartCount") or 0) for t in status.get("tasks") or [])


def condition(obj: Obj, type_: str) -> Obj | None:
    for c in _status(obj).get("conditions") or []:
        if isinstance(c, dict) and c.get("type") == type_:
            return c
    return None


def service_ready(service: Obj) -> str:
    """`True`, `False` (with the reason when there is one) or `Unknown`."""
    ready = condition(service, "Ready")
    if ready is None:
        return "Unknown"
    if ready.get("status") == "False" and ready.get("reason"):
        return f"False ({ready['reason']})"
    return str(ready.get("status") or "Unknown")


def service_url(service: Obj) -> str:
    return str((_status(service).get("address") or {}).get("url") or "")


__all__ = [
    "Replica",
    "condition",
    "is_job",
    "is_service",
    "job_counts",
    "job_replicas",
    "job_restarts",
    "owned_pods",
    "pod_replicas",
    "service_ready",
    "service_url",
]
