"""A node agent assembled: the Node registered, a Manager driving the node's kubelet
and volume provisioner on a KubeStore, and the server the API server proxies
`pods/log` and `pods/exec` to.

The Manager holds the node's own Lease, `kube-node-lease/<node>`: renewing it is the
heartbeat the node-lifecycle controller reads, and it keeps a second agent for the
same node from running the node's pods twice. It never holds the workflow
controller's lease, nor reconciles WorkflowRuns.
"""

from __future__ import annotations

import functools
import logging
import time
from dataclasses import dataclass
from pathlib import Path

from ..config import Home
from ..controller.leader import lease_holder
from ..controller.manager import LEASE_TTL, Manager
from ..errors import NotFound, TreadleError
from ..runtime.local import LocalRuntime
from ..store.base import Obj, Store
from .logserver import LogServer, LogSource, TLSFiles
from .node import NodeStatus
from .pods import NodeKubelet
from .provisioner import Provisioner
from .remotecommand import ExecTarget

log = logging.getLogger("treadle.kubenode")

NODE_LEASE_NAMESPACE = "kube-node-lease"
ACQUIRE_POLL = 1.0


@dataclass(frozen=True)
class NodeOptions:
    kubeconfig: Path
    name: str
    home: Home
    tls: TLSFiles
    sandbox: bool | None = None
    """True: bubblewrap required; False: never; None: where it works."""
    address: str = "127.0.0.1"
    port: int = 10250
    """Of the log server; 0 takes any free port (the Node says which)."""
    cpus: int | None = None
    """CPUs offered to the scheduler; None: the host's."""


def _open_store(kubeconfig: Path) -> Store:
    from ..kube.store import KubeStore

    return KubeStore.from_kubeconfig(kubeconfig)


def _pod_deleter(kubeconfig: Path) -> functools.partial[None]:
    from kubernetes import config

    return functools.partial(_delete_now, config.new_client_from_config(str(kubeconfig)))


def _delete_now(api: object, pod: Obj) -> None:
    """A kubelet's last word on a pod: delete it with grace period 0, on condition
    that it is still the pod of this uid."""
    from kubernetes import client
    from kubernetes.client.exceptions import ApiException

    meta = pod["metadata"]
    options = client.V1DeleteOptions(
        grace_period_seconds=0, preconditions=client.V1Preconditions(uid=meta["uid"])
    )
    try:
        client.CoreV1Api(api).delete_namespaced_pod(
            meta["name"], meta["namespace"], body=options, _preload_content=False
        )
    except ApiException as exc:
        if exc.status in (404, 409):  # gone, or a new pod of that name: not ours to end
            raise NotFound(f'pod "{meta["namespace"]}/{meta["name"]}" is gone') from None
        raise TreadleError(
            f'pod "{meta["namespace"]}/{meta["name"]}": delete failed: {exc.status} {exc.reason}'
        ) from None


class NodeAgent:
    def __init__(self, options: NodeOptions) -> None:
        self.options = options
        self.home = options.home.ensure()
        self.store = _open_store(options.kubeconfig)
        self.runtime = LocalRuntime(self.home.pods, options.sandbox, hide=[self.home.root])
        # A runtime of its own on the same units: reading logs and entering running
        # containers need no fence, and must not wait on the Manager's.
        readers = LocalRuntime(self.home.pods, self.runtime.sandboxed, hide=[self.home.root])
        self.logs = LogServer(
            LogSource(self.store, readers, options.name),
            ExecTarget(self.store, readers, options.name),
            options.tls,
            options.address,
            options.port,
        )
        self.node = NodeStatus(
            self.store, options.name, self.home.root, self.logs.port, options.cpus
        )
        delete_now = _pod_deleter(options.kubeconfig)
        name = options.name
        self.manager = Manager(
            self.store,
            self.runtime,
            self.home,
            operators=(
                functools.partial(NodeKubelet, node_name=name, delete_now=delete_now),
                functools.partial(Provisioner, node_name=name),
            ),
            lease=(NODE_LEASE_NAMESPACE, name),
            runs=False,
        )

    def start(self, timeout: float = LEASE_TTL + 5) -> None:
        """Take the node's lease (a predecessor killed without letting go holds it
        until it expires), register the node and start serving. Raises TreadleError
        if another agent holds the lease all along."""
        deadline = time.monotonic() + timeout
        while not self.manager.try_start():
            if time.monotonic() > deadline:
                holder = lease_holder(self.store, self.options.name, namespace=NODE_LEASE_NAMESPACE)
                raise TreadleError(
                    f'node "{self.options.name}": another agent holds its lease '
                    f"{NODE_LEASE_NAMESPACE}/{self.options.name} ({holder})"
                )
            time.sleep(ACQUIRE_POLL)
        self.logs.start()
        self.node.register()
        self.node.start()
        log.info(
            'node "%s" ready; logs on https://%s:%d; sandbox %s',
            self.options.name,
            self.options.address,
            self.logs.port,
            "on" if self.runtime.sandboxed else "off",
        )

    @property
    def lost(self) -> str | None:
        """Why the agent stopped on its own (its lease was lost), once it has."""
        return self.manager.lost

    def wait(self, timeout: float) -> bool:
        """Wait until the agent stops on its own; True once it has."""
        self.manager.wait_stopped(timeout)
        return not self.manager.running

    def stop(self) -> None:
        """Stop serving and driving; running pods keep running and are adopted by
        the next agent of this node."""
        self.logs.stop()
        self.manager.stop()
        self.node.stop()
        self.runtime.close()
        self.store.close()
