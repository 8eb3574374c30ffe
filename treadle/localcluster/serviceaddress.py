"""Where a SimpleMLService answers, and how to ask whether it does: a policy the
serving operator is handed, because it is the one thing about a service that
depends on the network the replicas run in.

On this machine every replica runs on the host itself, so the service answers on
the loopback address at the port its server listens on (`Loopback`). In a
cluster the platform's operator makes a Service, and the address is its DNS
name and service ports (`ClusterDNS`), which a Kubernetes home hands the
operator instead.
"""

from __future__ import annotations

import socket
from typing import Protocol

from ..api.t9k.serving import DEFAULT_SERVICE_PORT, Address, AddressPort, SimpleMLServiceSpec
from .servingpods import Listening

Target = tuple[str, int]
"""(host, port) that a probe connects to."""

PROBE_TIMEOUT = 0.5
"""Seconds a probe waits for a connection: a loopback connect is answered at once,
accepted or refused, so a slow one is a server too busy to count as ready."""


class Addressing(Protocol):
    def address(
        self, namespace: str, name: str, spec: SimpleMLServiceSpec, at: Listening
    ) -> Address:
        """What `status.address` says."""
        ...

    def target(self, namespace: str, name: str, spec: SimpleMLServiceSpec, at: Listening) -> Target:
        """Where a probe asks whether the service answers."""
        ...

    def answers(self, target: Target) -> bool:
        """Whether something accepts connections at `target` now (I/O, bounded by
        PROBE_TIMEOUT)."""
        ...


def accepts_tcp(target: Target, timeout: float = PROBE_TIMEOUT) -> bool:
    """A TCP connect: what every server of a model service accepts, HTTP or gRPC,
    without knowing its protocol. It sends nothing, so the server logs nothing."""
    try:
        with socket.create_connection(target, timeout=timeout):
            return True
    except OSError:
        return False


class Loopback:
    """The embedded home: the replicas' server on 127.0.0.1 at the port it listens on."""

    host = "127.0.0.1"

    def address(
        self, namespace: str, name: str, spec: SimpleMLServiceSpec, at: Listening
    ) -> Address:
        if at.port is None:
            return Address()
        return Address(
            url=f"http://{self.host}:{at.port}",
            ports=[AddressPort(port=at.port, protocol=at.protocol)],
        )

    def target(self, namespace: str, name: str, spec: SimpleMLServiceSpec, at: Listening) -> Target:
        assert at.port is not None
        return (self.host, at.port)

    def answers(self, target: Target) -> bool:
        return accepts_tcp(target)


class ClusterDNS:
    """A cluster's Service `<name>.<namespace>.svc.cluster.local` at its service
    ports (80 unless `spec.service` says), as the platform reports it."""

    def __init__(self, domain: str = "cluster.local") -> None:
        self.domain = domain

    def _host(self, namespace: str, name: str) -> str:
        return f"{name}.{namespace}.svc.{self.domain}"

    def _ports(self, spec: SimpleMLServiceSpec, at: Listening) -> list[AddressPort]:
        given = spec.service.ports if spec.service is not None else []
        if not given:
            return [AddressPort(port=80, protocol="TCP")]
        return [
            AddressPort(port=p.port, node_port=p.node_port, protocol=p.protocol or "TCP")
            for p in given
        ]

    def address(
        self, namespace: str, name: str, spec: SimpleMLServiceSpec, at: Listening
    ) -> Address:
        return Address(url=self._host(namespace, name), ports=self._ports(spec, at))

    def target(self, namespace: str, name: str, spec: SimpleMLServiceSpec, at: Listening) -> Target:
        port = self._ports(spec, at)[0].port or DEFAULT_SERVICE_PORT
        return (self._host(namespace, name), port)

    def answers(self, target: Target) -> bool:
        return accepts_tcp(target)


__all__ = ["PROBE_TIMEOUT", "Addressing", "ClusterDNS", "Loopback", "Target", "accepts_tcp"]
