"""Claims for the pods Treadle creates, made on first use as the embedded home
makes a volume's directory: a workspace naming a claim that does not exist gets
one instead of a pod that waits forever for it (SPEC leaves a missing claim
unsaid; a run's YAML must do the same in both homes).

A claim made here is not owned by the run: its data outlives the run, as a
volume of the embedded home does until `treadle volume rm`. It asks the cluster's
default storage class for `DEFAULT_SIZE`, and says who made it and why.
"""

from __future__ import annotations

import logging

from ..api.objects import RUN_LABEL
from ..controller.context import Context
from ..controller.operator import GroupKind, Operator
from ..errors import AlreadyExists, NotFound, TreadleError
from ..store.base import Obj
from ..store.events import record_event

log = logging.getLogger("treadle.kube")

POD: GroupKind = ("v1", "Pod")
CLAIM: GroupKind = ("v1", "PersistentVolumeClaim")
DEFAULT_SIZE = "1Gi"
MANAGED_BY = {"app.kubernetes.io/managed-by": "treadle"}
_TREADLE_GROUPS = ("batch.tensorstack.dev/", "tensorstack.dev/")


def made_by_treadle(pod: Obj) -> bool:
    """A pod of a run, or of one of Treadle's operators (a T9k job's replica)."""
    meta = pod.get("metadata") or {}
    if RUN_LABEL in (meta.get("labels") or {}):
        return True
    owners = meta.get("ownerReferences") or []
    return any(str(o.get("apiVersion", "")).startswith(_TREADLE_GROUPS) for o in owners)


def claims_of(pod: Obj) -> list[str]:
    """The claim names a pod's volumes mount, in order, each once."""
    volumes = (pod.get("spec") or {}).get("volumes") or []
    names = [
        str((v.get("persistentVolumeClaim") or {}).get("claimName") or "")
        for v in volumes
        if isinstance(v, dict)
    ]
    return list(dict.fromkeys(n for n in names if n))


def new_claim(namespace: str, name: str, pod_name: str) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": dict(MANAGED_BY),
            "annotations": {"treadle.dev/made-for": f"pod {pod_name}"},
        },
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": DEFAULT_SIZE}},
        },
    }


class ClaimMaker(Operator):
    """Makes the missing claims of Treadle's pending pods."""

    kinds = (POD,)
    owner_kinds = ()

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def reconcile(self, kind: str, namespace: str, name: str) -> float | None:
        try:
            pod = self.ctx.store.get(*POD, namespace, name)
        except NotFound:
            return None
        phase = (pod.get("status") or {}).get("phase", "Pending")
        if phase != "Pending" or not made_by_treadle(pod):
            return None
        for claim in claims_of(pod):
            try:
                self.ctx.store.get(*CLAIM, namespace, claim)
                continue
            except NotFound:
                pass
            try:
                self.ctx.store.create(new_claim(namespace, claim, name))
            except AlreadyExists:
                continue
            except TreadleError as exc:
                log.warning('pod "%s/%s": cannot make claim "%s": %s', namespace, name, claim, exc)
                continue
            record_event(
                self.ctx.store,
                pod,
                "ClaimCreated",
                f'made PersistentVolumeClaim "{claim}" ({DEFAULT_SIZE}): it did not exist',
            )
        return None
