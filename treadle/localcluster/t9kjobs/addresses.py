"""Where a job's replicas are reached: a policy handed to the operator, since a
cluster and one machine differ.

- `LoopbackAddresses` (one machine): every replica's host is 127.0.0.1 with a free
  port of its own. A GenericJob that names service ports gets one loopback address
  per replica instead (127.x.y.z, all of 127/8 being this machine's), so that its
  one `$(service.port[<name>])` serves every replica, as it does on a cluster. Ports
  are looked for once per job and kept on the job (annotation `ADDRESSES_ANNOTATION`,
  written before any pod is created), so restarted replicas and a restarted
  controller use the same ones.
- `ServiceAddresses` (a cluster): `<job>-<type>-<index>` (each replica's headless
  service) with the framework's default port; nothing to keep.

A policy reads the job and answers with the addresses and, when they are new, the
annotation value the operator must write first; it never writes itself.
"""

from __future__ import annotations

import json
import random
import socket
from collections.abc import Mapping
from typing import Protocol

from ...store.base import Obj
from .wiring import Endpoint, JobAddresses, Wanted, pod_name

ADDRESSES_ANNOTATION = "batch.tensorstack.dev/replica-addresses"


class AddressPolicy(Protocol):
    def addresses(self, job: Obj, wanted: Wanted) -> tuple[JobAddresses, str | None]:
        """The job's addresses, and the annotation to store before using them (None
        when there is nothing new to keep)."""
        ...


class ServiceAddresses:
    """A cluster's: each replica's service name and the framework's port."""

    def addresses(self, job: Obj, wanted: Wanted) -> tuple[JobAddresses, str | None]:
        name = job["metadata"]["name"]
        endpoints = {
            t: [Endpoint(pod_name(name, t, i), wanted.default_port) for i in range(n)]
            for t, n in wanted.replicas.items()
        }
        return JobAddresses(endpoints, dict(wanted.ports)), None


def _bindable(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def _free_ports(count: int) -> list[int]:
    # Held open together, so no two are the same; closed before the replicas bind.
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [int(s.getsockname()[1]) for s in sockets]
    finally:
        for s in sockets:
            s.close()


class LoopbackAddresses:
    """One machine's: loopback addresses and free ports, kept on the job."""

    def __init__(self, rng: random.Random | None = None) -> None:
        self.rng = rng or random.Random()

    def addresses(self, job: Obj, wanted: Wanted) -> tuple[JobAddresses, str | None]:
        kept = _parse((job["metadata"].get("annotations") or {}).get(ADDRESSES_ANNOTATION))
        if kept is not None and _covers(kept, wanted):
            return kept, None
        fresh = self._allocate(wanted)
        return fresh, _dump(fresh)

    def _allocate(self, wanted: Wanted) -> JobAddresses:
        total = sum(wanted.replicas.values())
        if wanted.ports:
            hosts = self._hosts(total, list(wanted.ports.values()))
            it = iter(hosts)
            first = next(iter(wanted.ports.values()))
            endpoints = {
                t: [Endpoint(next(it), first) for _ in range(n)] for t, n in wanted.replicas.items()
            }
            return JobAddresses(endpoints, dict(wanted.ports))
        ports = iter(_free_ports(total))
        endpoints = {
            t: [Endpoint("127.0.0.1", next(ports)) for _ in range(n)]
            for t, n in wanted.replicas.items()
        }
        return JobAddresses(endpoints)

    def _hosts(self, count: int, ports: list[int]) -> list[str]:
        """`count` loopback addresses on which every one of `ports` is free."""
        for _ in range(50):
            base = self.rng.randrange(1, 255 * 255) * 256
            hosts = []
            for i in range(count):
                n = base + i + 1
                hosts.append(f"127.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}")
            if all(_bindable(h, p) for h in hosts for p in ports):
                return hosts
        raise OSError(f"no loopback addresses with ports {ports} free")


def _dump(addresses: JobAddresses) -> str:
    return json.dumps(
        {
            "endpoints": {t: [str(e) for e in eps] for t, eps in addresses.endpoints.items()},
            "ports": dict(addresses.ports),
        },
        sort_keys=True,
    )


def _parse(text: str | None) -> JobAddresses | None:
    if not text:
        return None
    try:
        data = json.loads(text)
        endpoints = {
            t: [Endpoint(e.rsplit(":", 1)[0], int(e.rsplit(":", 1)[1])) for e in eps]
            for t, eps in data["endpoints"].items()
        }
        ports = {str(k): int(v) for k, v in (data.get("ports") or {}).items()}
    except (ValueError, KeyError, TypeError, AttributeError, IndexError):
        return None
    return JobAddresses(endpoints, ports)


def _covers(kept: JobAddresses, wanted: Wanted) -> bool:
    return all(len(kept.endpoints.get(t, [])) >= n for t, n in wanted.replicas.items()) and all(
        kept.ports.get(k) == v for k, v in wanted.ports.items()
    )


def as_mapping(addresses: JobAddresses) -> Mapping[str, list[str]]:
    return {t: [str(e) for e in eps] for t, eps in addresses.endpoints.items()}


__all__ = ["ADDRESSES_ANNOTATION", "AddressPolicy", "LoopbackAddresses", "ServiceAddresses"]
