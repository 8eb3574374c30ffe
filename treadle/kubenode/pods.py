"""The embedded kubelet (localcluster/kubelet.py) as one node of a cluster: it runs
only the pods the scheduler bound to this node, and ends their graceful deletion.

An API server deletes a running pod gracefully: it sets `deletionTimestamp` and
waits for the pod's kubelet to stop the containers and delete it for good (grace
period 0). Nobody else does, so a pod this node left would stay Terminating forever.

Images are not pulled or run: the local runtime runs a container's command on this
host (in the bubblewrap sandbox where it works), so a container needs a command.
Containers are not restarted (`restartPolicy` is read as Never): a pod ends with its
containers, and a Job counts a failed one as a failure.
"""

from __future__ import annotations

import copy
import os
import posixpath
from collections.abc import Callable

from ..controller.context import Context
from ..errors import NotFound
from ..localcluster.kubelet import Kubelet
from ..store.base import Obj

DeleteNow = Callable[[Obj], None]
"""Delete a pod for good (grace period 0, only if its uid is still the pod's)."""

STOPPING_POLL = 0.2
"""Seconds between looks at a pod being stopped, besides the runtime's notices."""


class NodeKubelet(Kubelet):
    def __init__(self, ctx: Context, node_name: str, delete_now: DeleteNow) -> None:
        super().__init__(ctx)
        self.node_name = node_name
        self._delete_now = delete_now
        self._stopping: set[str] = set()

    def reconcile(self, kind: str, namespace: str, name: str) -> float | None:
        try:
            pod = self.ctx.store.get("v1", "Pod", namespace, name)
        except NotFound:
            return None
        if (pod.get("spec") or {}).get("nodeName") != self.node_name:
            return None  # unscheduled, or another node's
        if pod["metadata"].get("deletionTimestamp"):
            return self._terminate(pod)
        if self.ctx.runtime.sandboxed:
            pod = _mounts_on_real_paths(pod)  # only the status is written back
        return self.reconcile_pod(pod)

    def _terminate(self, pod: Obj) -> float | None:
        """Stop the pod's containers within its grace period, then delete it."""
        meta = pod["metadata"]
        uid = meta["uid"]
        observed = self.ctx.runtime.observe(uid)  # fenced: nothing happens without the lease
        if observed is not None and observed.phase not in ("Succeeded", "Failed"):
            if uid not in self._stopping:
                grace = meta.get("deletionGracePeriodSeconds")
                grace = grace if isinstance(grace, int) and grace >= 0 else 30
                self.ctx.runtime.stop(uid, grace_seconds=float(grace))
                self._stopping.add(uid)
            self._keys[uid] = (meta.get("namespace", "default"), meta["name"])
            return STOPPING_POLL
        self._stopping.discard(uid)
        try:
            self._delete_now(pod)
        except NotFound:
            pass  # deleted already (by us before a restart, or forced by someone)
        return None  # its DELETED event has the runtime unit removed (`forget`)


def host_real_path(path: str) -> str:
    """`path` with the symlinks of the part the host has resolved (`/var/run/x` ->
    `/run/x`): the sandbox shows the host's root read-only and makes a missing mount
    point only beneath real directories, while every pod has its service-account
    token mounted at `/var/run/secrets/...`, and `/var/run` is a symlink on most
    hosts. Inside the sandbox the symlink leads to the mount as it would on a node."""
    if not path.startswith("/"):
        return path
    head, rest = posixpath.normpath(path), list[str]()
    while head != "/" and not os.path.lexists(head):
        head, tail = posixpath.split(head)
        rest.insert(0, tail)
    return posixpath.join(os.path.realpath(head), *rest)


def _mounts_on_real_paths(pod: Obj) -> Obj:
    spec = pod.get("spec")
    if not isinstance(spec, dict):
        return pod
    pod = copy.deepcopy(pod)
    for key in ("initContainers", "containers"):
        for c in pod["spec"].get(key) or []:
            for m in (c.get("volumeMounts") if isinstance(c, dict) else None) or []:
                if isinstance(m, dict) and isinstance(m.get("mountPath"), str):
                    m["mountPath"] = host_real_path(m["mountPath"])
    return pod
