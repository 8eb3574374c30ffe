"""The embedded kubelet: runs v1 Pod objects from the store on the local runtime and
reports their container states back, the way a node agent does in a cluster. It is
an operator of the Manager (controller/operator.py), acting through its fenced hands.

Whatever is stored, a pod ends in a status saying why it cannot run rather than in a
reconciler failing on it again and again: a pod of the wrong shape fails with reason
`InvalidSpec`; one whose ConfigMaps or Secrets cannot be used, or a workspace of a
run that cannot be set up (a claim name that is not one, a subPath that leads out of
its volume, a configMap or secret without the sandbox), with
`CreateContainerConfigError`; any other that cannot be set up (a volume name that is
not one, a subPath that climbs) with `StartError`.

Volumes stay inside their roots: a PVC is `Home.volume(namespace, claim)`; a subPath
is resolved beneath its volume, never through a symlink out of it (by the runtime
when the container starts, or here without a sandbox); the files of configMap and
secret volumes are written, and results read, beneath their directory, never
through a symlink.

The pod is stored as a Kubernetes cluster would be given it, with container paths
only. Where the runtime has no sandbox to show each volume at its mount path, the
plan gives every mount its host directory and the container's strings name those
directories in place of the mount paths (`hostpaths.py`).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..controller.context import Context, parse_time
from ..controller.operator import GroupKind, Loop, Operator
from ..core.pods import RESULTS_VOLUME, workspace_of_volume
from ..core.quantity import memory_bytes
from ..errors import BadRequest, Conflict, NotFound
from ..runtime import beneath
from ..runtime.base import ContainerPlan, ContainerState, Mount, PodObservation, PodPlan
from ..store.base import Obj
from .hostpaths import HostPaths, MountPathError, mount_point
from .podfiles import (
    ConfigError,
    data_of,
    made_beneath,
    plain_relative,
    read_results,
    write_beneath,
)
from .podshape import pod_problems

log = logging.getLogger("treadle.controller")  # one log for all of the controller

POD: GroupKind = ("v1", "Pod")

PROGRESS_INTERVAL = 0.25
"""Least seconds between two status writes of a running pod: steps that start and
end faster than this are reported together, so a SeqPod of a hundred quick steps
costs a handful of writes, not hundreds. The final state is written at once."""
RESULTS_LIMIT = 4096
"""Bytes all results of one run may hold together (SPEC §3.6)."""
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


class StartError(Exception):
    """The pod cannot be started as written; the message says why."""


class WorkspaceError(ConfigError):
    """A workspace of a run cannot be set up; the message names the workspace, as
    the run's own message says it."""


def _named(volume: str) -> str:
    """`workspace "data"` for a run's workspace volume, else `volume "name"`."""
    workspace = workspace_of_volume(volume)
    return f'workspace "{workspace}"' if workspace is not None else f'volume "{volume}"'


def _volume_error(volume: str, message: str) -> Exception:
    """The error for `message` about volume `volume`: a workspace's failure is a
    config error, as the run reports it; any other volume's a start error."""
    if workspace_of_volume(volume) is not None:
        return WorkspaceError(f"{_named(volume)}: {message}")
    return StartError(f"{_named(volume)}: {message}")


def _poll_interval(age: float) -> float:
    # Changes arrive as runtime notifications (see `Kubelet.key_of`); polling only
    # covers a missed one, so it can be slow, and slower still for long steps.
    if age < 10:
        return 1.0
    return 5.0


class Kubelet(Operator):
    kinds = (POD,)
    owner_kinds = ()

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._started: dict[str, float] = {}
        self._keys: dict[str, tuple[str, str]] = {}
        self._written: dict[str, float] = {}

    def key_of(self, uid: str) -> tuple[str, str] | None:
        """(namespace, name) of the pod a runtime unit belongs to, if known."""
        return self._keys.get(uid)

    # -- reconcile -------------------------------------------------------------------

    def reconcile(self, kind: str, namespace: str, name: str) -> float | None:
        try:
            pod = self.ctx.store.get("v1", "Pod", namespace, name)
        except NotFound:
            return None
        return self.reconcile_pod(pod)

    def reconcile_pod(self, pod: Obj) -> float | None:
        """`reconcile` of a pod as read (a node agent first asks whether it is its own)."""
        namespace = pod["metadata"].get("namespace", "default")
        name = pod["metadata"]["name"]
        status = _status_of(pod)
        if status.get("phase") in ("Succeeded", "Failed"):
            return None
        uid = pod["metadata"]["uid"]
        self._keys[uid] = (namespace, name)
        observed = self.ctx.runtime.observe(uid)
        try:
            if observed is None:
                return self._start(pod)
            return self._observe(pod, observed)
        except Conflict:
            return 0.0

    def _start(self, pod: Obj) -> float | None:
        status = _status_of(pod)
        if status.get("phase") == "Running":
            self._write_final(pod, "Failed", "Lost", "the local runtime has no record of this pod")
            return None
        problems = pod_problems(pod)
        if problems:
            self._write_final(pod, "Failed", "InvalidSpec", "; ".join(problems))
            return None
        try:
            plan = self._plan(pod)
            self.ctx.runtime.start(plan)
        except ConfigError as exc:
            self._write_final(pod, "Failed", "CreateContainerConfigError", str(exc))
            return None
        except (StartError, ValueError, OSError, BadRequest) as exc:
            self._write_final(pod, "Failed", "StartError", str(exc))
            return None
        except (TypeError, KeyError, AttributeError) as exc:
            # A shape `pod_problems` does not know yet: fail the pod once, loudly,
            # rather than fail on it forever.
            log.exception("pod %s cannot be read", pod["metadata"].get("name"))
            self._write_final(pod, "Failed", "InvalidSpec", f"the pod cannot be read: {exc!r}")
            return None
        self._started[pod["metadata"]["uid"]] = time.monotonic()
        now = self.ctx.now()
        status.update(phase="Running", startTime=now, hostIP="127.0.0.1")
        self.ctx.store.update_status({**pod, "status": status})
        return _poll_interval(0)

    def _observe(self, pod: Obj, obs: PodObservation) -> float | None:
        uid = pod["metadata"]["uid"]
        status = _status_of(pod)
        spec = _spec_of(pod)
        new = {**status, **_container_statuses(pod, obs)}
        phase = obs.phase if obs.phase in ("Running", "Succeeded", "Failed") else "Running"
        deadline = spec.get("activeDeadlineSeconds")
        if isinstance(deadline, bool) or not isinstance(deadline, int | float):
            deadline = None  # not a number: changed since the pod started; ignored
        started = status.get("startTime")
        if phase == "Running" and deadline is not None and started:
            if self.ctx.clock().timestamp() - parse_time(started).timestamp() >= float(deadline):
                self.ctx.runtime.stop(uid, grace_seconds=2.0)
                new["reason"] = "DeadlineExceeded"
                new["message"] = f"Pod was active on the node longer than {deadline}s"
        if phase in ("Succeeded", "Failed"):
            new["phase"] = phase
            if obs.message and not new.get("message"):
                new["message"] = obs.message
            if phase == "Failed" and new.get("reason") is None and obs.message:
                new["reason"] = "Error"
            self._collect_results(pod, new)
            self._started.pop(uid, None)
            self._keys.pop(uid, None)
            self._written.pop(uid, None)
        else:
            new["phase"] = "Running"
            if all(
                c.state in ("terminated", "skipped")
                for c in (*obs.init_containers, *obs.containers)
            ):
                return 0.005  # every container is done: the unit's result is moments away
            wait = self._written.get(uid, 0.0) + PROGRESS_INTERVAL - time.monotonic()
            if wait > 0 and new != status:
                return wait
        if new != status:
            self.ctx.store.update_status({**pod, "status": new})
            self._written[uid] = time.monotonic()
        if new["phase"] in ("Succeeded", "Failed"):
            return None
        age = time.monotonic() - self._started.setdefault(uid, time.monotonic())
        return _poll_interval(age)

    def _write_final(self, pod: Obj, phase: str, reason: str, message: str) -> None:
        status = _status_of(pod)
        status.update(phase=phase, reason=reason, message=message)
        status.setdefault("startTime", self.ctx.now())
        self.ctx.store.update_status({**pod, "status": status})
        return None

    # -- results ---------------------------------------------------------------------

    def _collect_results(self, pod: Obj, status: dict[str, Any]) -> None:
        """Carry the files of /t9k/results out in the last termination message."""
        directory = self._results_dir(pod)
        if directory is None:
            return
        total, files = read_results(directory, RESULTS_LIMIT)
        results = {name: data.decode("utf-8", errors="replace") for name, data in files.items()}
        if total > RESULTS_LIMIT:
            status["phase"] = "Failed"
            status["reason"] = "ResultsTooLarge"
            status["message"] = (
                f"results hold {total} bytes, more than the limit of "
                f"{RESULTS_LIMIT} bytes ({', '.join(sorted(results))})"
            )
            return
        if not results:
            return
        key = (
            "initContainerStatuses"
            if status.get("initContainerStatuses") and not (status.get("containerStatuses"))
            else "containerStatuses"
        )
        statuses = status.get(key) or []
        for cs in reversed(statuses):
            terminated = (cs.get("state") or {}).get("terminated")
            if terminated is not None:
                terminated["message"] = json.dumps({"results": results})
                break

    def _results_dir(self, pod: Obj) -> Path | None:
        for volume in _spec_of(pod).get("volumes") or []:
            if isinstance(volume, dict) and volume.get("name") == RESULTS_VOLUME:
                if isinstance(volume.get("hostPath"), dict):
                    return Path(str(volume["hostPath"].get("path")))
                return self._scratch(pod) / RESULTS_VOLUME
        return None

    # -- plans -----------------------------------------------------------------------

    def _scratch(self, pod: Obj) -> Path:
        return self.ctx.home.scratch / pod["metadata"]["uid"]

    def _plan(self, pod: Obj) -> PodPlan:
        meta = pod["metadata"]
        spec = pod.get("spec") or {}
        volumes = self._volumes(pod)
        return PodPlan(
            uid=meta["uid"],
            name=meta["name"],
            namespace=meta.get("namespace", "default"),
            init_containers=[
                self._container(pod, c, volumes) for c in spec.get("initContainers") or []
            ],
            containers=[self._container(pod, c, volumes) for c in spec.get("containers") or []],
        )

    def _unsandboxed(self) -> bool:
        """Whether mounts must be given at their host directories (no sandbox)."""
        return not self.ctx.runtime.sandboxed

    def _volumes(self, pod: Obj) -> dict[str, Path]:
        namespace = pod["metadata"].get("namespace", "default")
        spec = pod.get("spec") or {}
        mounted = {
            m["name"]
            for key in ("initContainers", "containers")
            for c in spec.get(key) or []
            for m in c.get("volumeMounts") or []
        }
        paths: dict[str, Path] = {}
        for volume in spec.get("volumes") or []:
            name = volume["name"]
            if (
                self._unsandboxed()
                and name in mounted
                and ("configMap" in volume or "secret" in volume)
            ):
                # Kubernetes shows these read-only and apart from every other pod;
                # at a host path nothing could keep a step from changing them.
                kinds = "workspaces" if workspace_of_volume(name) else "volumes"
                raise ConfigError(
                    f"{_named(name)}: configMap and secret {kinds} need the bubblewrap "
                    "sandbox, which this host does not provide"
                )
            if "persistentVolumeClaim" in volume:
                claim = volume["persistentVolumeClaim"]["claimName"]
                try:
                    path = self.ctx.home.ensure_volume(namespace, claim)
                except BadRequest as exc:
                    raise _volume_error(name, str(exc)) from None
                except OSError as exc:
                    if workspace_of_volume(name):
                        raise _volume_error(name, beneath.describe(exc)) from None
                    raise _volume_error(name, f'claim "{claim}": {beneath.describe(exc)}') from None
            elif "emptyDir" in volume:
                path = self._scratch(pod) / name
                path.mkdir(parents=True, exist_ok=True)
            elif "hostPath" in volume:
                path = Path(volume["hostPath"]["path"])  # the admin's to allow, and to aim
                path.mkdir(parents=True, exist_ok=True)
            elif "configMap" in volume:
                path = self._materialise(
                    pod, name, "ConfigMap", volume["configMap"]["name"], volume["configMap"]
                )
            elif "secret" in volume:
                path = self._materialise(
                    pod, name, "Secret", volume["secret"]["secretName"], volume["secret"]
                )
            else:
                kinds = ", ".join(k for k in volume if k != "name")
                raise StartError(f'volume "{name}": {kinds} volumes need a Kubernetes cluster')
            paths[name] = path
        return paths

    def _materialise(
        self, pod: Obj, volume: str, kind: str, name: str, source: dict[str, Any]
    ) -> Path:
        namespace = pod["metadata"].get("namespace", "default")
        try:
            obj = self.ctx.store.get("v1", kind, namespace, name)
        except NotFound:
            if source.get("optional"):
                obj = {}
            else:
                raise StartError(
                    f'volume "{volume}": {kind} "{name}" not found in namespace "{namespace}"'
                ) from None
        files = data_of(obj, kind, name)
        items = source.get("items") or []
        if items:
            files = {i["path"]: files[i["key"]] for i in items if i.get("key") in files}
        for rel in [*files, *(i["path"] for i in items)]:
            if not rel or not plain_relative(rel):
                raise StartError(
                    f'volume "{volume}": item path "{rel}" must be a relative path without ".."'
                )
        path = self._scratch(pod) / volume
        path.mkdir(parents=True, exist_ok=True)
        top = os.open(path, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            for rel, data in files.items():
                try:
                    write_beneath(top, rel, data)
                except OSError as exc:
                    raise StartError(
                        f'volume "{volume}": item path "{rel}" {beneath.describe(exc)}'
                    ) from None
        finally:
            os.close(top)
        return path

    def _container(self, pod: Obj, c: dict[str, Any], volumes: dict[str, Path]) -> ContainerPlan:
        name = c["name"]
        if not c.get("command"):
            raise StartError(
                f'container "{name}" has no command: embedded mode runs commands '
                f"on this host and cannot use the entrypoint of image "
                f'"{c.get("image", "")}"'
            )
        mounts = []
        host: dict[str, str] = {}
        for m in c.get("volumeMounts") or []:
            volume = m["name"]
            if volume not in volumes:
                raise StartError(f'container "{name}": unknown volume "{volume}"')
            sub = m.get("subPath") or ""
            if not plain_relative(sub):
                problem = f'subPath "{sub}" must be a relative path without ".."'
                if workspace_of_volume(volume):
                    raise _volume_error(volume, problem)
                raise StartError(f'container "{name}": {problem}')
            read_only = bool(m.get("readOnly"))
            if self._unsandboxed():
                try:
                    point = mount_point(m["mountPath"])
                except MountPathError as exc:
                    raise StartError(f'container "{name}": {exc}') from None
                source = self._host_dir(name, volume, volumes[volume], sub)
                host[point] = source
                mounts.append(Mount(source, source, read_only))
            else:
                # Resolved when the container starts, beneath the volume (`runtime/binds.py`).
                mounts.append(Mount(str(volumes[volume]), m["mountPath"], read_only, sub))
        if host:
            c = HostPaths(host).container(c)
        argv = [str(a) for a in c["command"]] + [str(a) for a in c.get("args") or []]
        limit = ((c.get("resources") or {}).get("limits") or {}).get("memory")
        return ContainerPlan(
            name=name,
            argv=argv,
            env=self._env(pod, c),
            working_dir=c.get("workingDir"),
            image=c.get("image"),
            mounts=mounts,
            memory_limit_bytes=memory_bytes(str(limit)) if limit is not None else None,
        )

    def _host_dir(self, container: str, volume: str, root: Path, sub: str) -> str:
        """The host directory a mount of `volume` (at directory `root`) shows:
        `sub` resolved beneath it now, there being no later moment that would be
        safer without a sandbox, nor a boundary to keep."""
        try:
            return made_beneath(root, sub)
        except OSError as exc:
            problem = f'subPath "{sub}" {beneath.describe(exc)}'
            if workspace_of_volume(volume):
                raise _volume_error(volume, problem) from None
            raise StartError(f'container "{container}": {problem}') from None

    def _env(self, pod: Obj, c: dict[str, Any]) -> dict[str, str]:
        meta = pod["metadata"]
        env = {"PATH": os.environ.get("PATH", DEFAULT_PATH), "HOSTNAME": meta["name"]}
        for e in c.get("env") or []:
            if "value" in e:
                env[e["name"]] = str(e["value"])
            elif "valueFrom" in e:
                env[e["name"]] = self._env_from(pod, e["name"], e["valueFrom"])
            else:
                env[e["name"]] = ""
        return env

    def _env_from(self, pod: Obj, var: str, source: dict[str, Any]) -> str:
        meta = pod["metadata"]
        if "fieldRef" in source:
            path = source["fieldRef"].get("fieldPath", "")
            fields = {
                "metadata.name": meta["name"],
                "metadata.namespace": meta.get("namespace", "default"),
                "metadata.uid": meta["uid"],
            }
            if path in fields:
                return fields[path]
            raise StartError(f'env "{var}": fieldRef "{path}" is not supported here')
        for key, kind in (("configMapKeyRef", "ConfigMap"), ("secretKeyRef", "Secret")):
            if key in source:
                ref = source[key]
                try:
                    obj = self.ctx.store.get(
                        "v1", kind, meta.get("namespace", "default"), ref["name"]
                    )
                except NotFound:
                    raise StartError(f'env "{var}": {kind} "{ref["name"]}" not found') from None
                data = data_of(obj, kind, ref["name"])
                if ref["key"] not in data:
                    raise StartError(
                        f'env "{var}": {kind} "{ref["name"]}" has no key "{ref["key"]}"'
                    )
                return data[ref["key"]].decode("utf-8", errors="replace")
        raise StartError(f'env "{var}": unsupported valueFrom {", ".join(source)}')

    # -- notifications ---------------------------------------------------------------

    def loops(self) -> Sequence[Loop]:
        return (("runtime", self._runtime_loop),)

    def _runtime_loop(self, stopping: threading.Event) -> None:
        """Turn the runtime's change notifications into pod reconciles at once."""
        while not stopping.is_set():
            try:
                changed = self.ctx.runtime.changes(0.5)
            except OSError:
                log.exception("runtime notifications failed")
                time.sleep(0.5)
                continue
            for uid in changed:
                key = self.key_of(uid)
                if key is not None:
                    self.ctx.enqueue((POD[1], *key))

    # -- cleanup ---------------------------------------------------------------------

    def start(self) -> None:
        self.sweep_orphans()

    def deleted(self, obj: Obj) -> None:
        self.forget(obj)

    def forget(self, pod: Obj) -> None:
        """A pod was deleted: stop it and remove what it left behind."""
        uid = (pod.get("metadata") or {}).get("uid")
        if not uid:
            return
        self.ctx.runtime.remove(uid)
        shutil.rmtree(self.ctx.home.scratch / uid, ignore_errors=True)
        self._started.pop(uid, None)
        self._keys.pop(uid, None)

    def sweep_orphans(self) -> None:
        """Remove runtime units whose pod no longer exists (deleted while we were down)."""
        known: set[str] = set()
        token = None
        while True:
            page = self.ctx.store.list("v1", "Pod", None, limit=1000, continue_token=token)
            known.update(p["metadata"]["uid"] for p in page.items)
            token = page.continue_token
            if not token:
                break
        for uid in self.ctx.runtime.units():
            if uid not in known:
                self.ctx.runtime.remove(uid)
                shutil.rmtree(self.ctx.home.scratch / uid, ignore_errors=True)


def _status_of(pod: Obj) -> dict[str, Any]:
    status = pod.get("status")
    return dict(status) if isinstance(status, dict) else {}


def _spec_of(pod: Obj) -> dict[str, Any]:
    spec = pod.get("spec")
    return spec if isinstance(spec, dict) else {}


def _state(c: ContainerState, image: str | None) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": c.name, "ready": c.state == "running", "restartCount": 0}
    if image:
        entry["image"] = image
    if c.state == "running":
        entry["state"] = {"running": {"startedAt": c.started_at}}
    elif c.state == "terminated":
        term: dict[str, Any] = {
            "exitCode": c.exit_code if c.exit_code is not None else -1,
            "reason": c.reason or ("Completed" if c.exit_code == 0 else "Error"),
        }
        for key, value in (
            ("message", c.message),
            ("startedAt", c.started_at),
            ("finishedAt", c.finished_at),
        ):
            if value:
                term[key] = value
        entry["state"] = {"terminated": term}
    else:
        reason = "Skipped" if c.state == "skipped" else "PodInitializing"
        entry["state"] = {"waiting": {"reason": reason}}
    return entry


def _container_statuses(pod: Obj, obs: PodObservation) -> dict[str, Any]:
    spec = _spec_of(pod)
    images = {
        c.get("name"): c.get("image")
        for key in ("initContainers", "containers")
        for c in spec.get(key) or []
        if isinstance(c, dict)
    }
    out: dict[str, Any] = {}
    if obs.init_containers:
        out["initContainerStatuses"] = [_state(c, images.get(c.name)) for c in obs.init_containers]
    if obs.containers:
        out["containerStatuses"] = [_state(c, images.get(c.name)) for c in obs.containers]
    return out
