"""The v1 Node this agent is: registered at start, its Ready condition kept fresh.

The node's liveness proper is its Lease in `kube-node-lease`, renewed by the agent's
Manager (agent.py); the node-lifecycle controller also reads the conditions'
`lastHeartbeatTime`, so they are written again every `HEARTBEAT_SECONDS`.
"""

from __future__ import annotations

import logging
import os
import platform
import shutil
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import AlreadyExists, Conflict, NotFound, TreadleError
from ..store.base import Obj, Store

log = logging.getLogger("treadle.kubenode")

KUBELET_VERSION = "v1.20.2"
"""What the node says it runs: the API server's own version, so that version skew
checks (kubectl, the API server) find nothing to warn about."""
PODS_CAPACITY = 110
HEARTBEAT_SECONDS = 10.0
HOSTNAME_LABEL = "kubernetes.io/hostname"

_ARCHITECTURES = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm", "ppc64le": "ppc64le"}

_PRESSURE = (
    ("MemoryPressure", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
    ("DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    ("PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _read(path: str) -> str:
    try:
        return Path(path).read_text().strip()
    except OSError:
        return ""


def _memory_kib() -> int:
    for line in _read("/proc/meminfo").splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1])
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 1024


def _os_image() -> str:
    for line in _read("/etc/os-release").splitlines():
        if line.startswith("PRETTY_NAME="):
            return line.split("=", 1)[1].strip('"')
    return platform.system()


def architecture() -> str:
    machine = platform.machine()
    return _ARCHITECTURES.get(machine, machine)


def capacity(home: Path, cpus: int | None = None) -> dict[str, str]:
    """What the host has: its CPUs (or `cpus`, what the node offers), memory, the
    disk of the data directory, and the pods a kubelet admits by default."""
    disk = shutil.disk_usage(home)
    return {
        "cpu": str(cpus or os.cpu_count() or 1),
        "memory": f"{_memory_kib()}Ki",
        "ephemeral-storage": f"{disk.total // 1024}Ki",
        "pods": str(PODS_CAPACITY),
    }


def node_info() -> dict[str, str]:
    version = _package_version("treadle")
    return {
        "machineID": _read("/etc/machine-id"),
        "systemUUID": _read("/etc/machine-id"),
        "bootID": _read("/proc/sys/kernel/random/boot_id"),
        "kernelVersion": platform.release(),
        "osImage": _os_image(),
        # No container runtime: pods' commands run on the host, images are ignored.
        "containerRuntimeVersion": f"treadle://{version}",
        "kubeletVersion": KUBELET_VERSION,
        "kubeProxyVersion": KUBELET_VERSION,
        "operatingSystem": "linux",
        "architecture": architecture(),
    }


def _package_version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "unknown"


class NodeStatus:
    """Registers Node `name` and writes its status: Ready while the agent runs, not
    Ready once it stopped (a stopped agent runs nothing new; the scheduler should
    know at once rather than after the node-lifecycle grace period)."""

    def __init__(
        self, store: Store, name: str, home: Path, port: int, cpus: int | None = None
    ) -> None:
        self.cpus = cpus
        self.store = store
        self.name = name
        self.home = home
        self.port = port
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._since: dict[str, tuple[str, str]] = {}
        """Per condition type, its (status, lastTransitionTime) as last written."""

    def node(self) -> Obj:
        return {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {
                "name": self.name,
                "labels": {
                    HOSTNAME_LABEL: self.name,
                    "kubernetes.io/os": "linux",
                    "kubernetes.io/arch": architecture(),
                    "beta.kubernetes.io/os": "linux",
                    "beta.kubernetes.io/arch": architecture(),
                },
            },
            "spec": {},
        }

    def status(self, ready: bool, reason: str, message: str) -> dict[str, Any]:
        now = _now()
        conditions = [
            self._condition(kind, "False", why, text, now) for kind, why, text in _PRESSURE
        ]
        conditions.append(self._condition("Ready", str(ready), reason, message, now))
        held = capacity(self.home, self.cpus)
        return {
            "capacity": held,
            "allocatable": held,
            "conditions": conditions,
            "addresses": [
                {"type": "InternalIP", "address": "127.0.0.1"},
                {"type": "Hostname", "address": self.name},
            ],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": self.port}},
            "nodeInfo": node_info(),
        }

    def _condition(self, kind: str, status: str, reason: str, message: str, now: str) -> Obj:
        previous = self._since.get(kind)
        since = previous[1] if previous is not None and previous[0] == status else now
        self._since[kind] = (status, since)
        return {
            "type": kind,
            "status": status,
            "reason": reason,
            "message": message,
            "lastHeartbeatTime": now,
            "lastTransitionTime": since,
        }

    # -- writing ---------------------------------------------------------------------

    def register(self) -> None:
        """Create the Node, or take over the one of that name (a restarted agent),
        and say it is Ready."""
        try:
            self.store.create(self.node())
        except AlreadyExists:
            existing = self.store.get("v1", "Node", None, self.name)
            labels = {
                **(existing["metadata"].get("labels") or {}),
                **self.node()["metadata"]["labels"],
            }
            existing["metadata"]["labels"] = labels
            self.store.update(existing)
        self.write(True, "KubeletReady", "kubelet is posting ready status")

    def write(self, ready: bool, reason: str, message: str) -> None:
        """Write the status; a Conflict (someone else wrote the node meanwhile, as
        the node-lifecycle controller does) is answered by reading it again."""
        for _ in range(3):
            node = self.store.get("v1", "Node", None, self.name)
            old = node.get("status") or {}
            status = {**old, **self.status(ready, reason, message)}
            try:
                self.store.update_status({**node, "status": status})
                return
            except Conflict:
                continue
        raise Conflict(f'node "{self.name}": its status kept changing while being written')

    def start(self) -> None:
        self._thread = threading.Thread(target=self._beat, name="treadle-node-status", daemon=True)
        self._thread.start()

    def _beat(self) -> None:
        while not self._stop.wait(HEARTBEAT_SECONDS):
            try:
                self.write(True, "KubeletReady", "kubelet is posting ready status")
            except (TreadleError, OSError) as exc:
                # Missed beats are what the node-lifecycle controller watches for:
                # say so, and try again at the next one.
                log.warning('node "%s": status not written: %s', self.name, exc)

    def stop(self) -> None:
        """Stop the heartbeat and say the node is not Ready any more."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        try:
            self.write(False, "KubeletNotReady", "the treadle node agent stopped")
        except NotFound:
            pass  # the node was deleted: nothing to say it on
        except (TreadleError, OSError) as exc:
            log.warning('node "%s": could not be marked not ready: %s', self.name, exc)
