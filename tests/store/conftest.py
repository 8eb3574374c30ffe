"""The backends the Store contract suite runs against: SQLite, and a real
kube-apiserver (a control plane of this module's own, with the two workflow kinds
as custom resources whose schemas keep any field, so the contract's objects are
stored as written).

A backend says how to open a Store over one storage location, how a separate
process opens the same one, and whether the history a watch replays can be made
short enough to test Gone.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from tests.kube_cluster import KubeCluster, start_cluster, stop_cluster
from treadle.errors import NotFound
from treadle.kube.store import KubeStore
from treadle.store.base import Store
from treadle.store.sqlite import SqliteStore

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Backend:
    name: str
    _open: Callable[..., Store]
    open_code: str
    """Python source that binds `store` to a Store over the same storage."""
    can_shorten_history: bool = True
    _opened: list[Store] = field(default_factory=list)

    def open(self, **options: object) -> Store:
        """A new Store over the same storage (closed after the test). `history=n`
        asks for a store that keeps only the newest n changes."""
        store = self._open(**options)
        self._opened.append(store)
        return store

    def close_all(self) -> None:
        for store in self._opened:
            store.close()

    def run_child(self, body: str, *args: str) -> subprocess.Popen[str]:
        """Start a separate Python process that opens the store and runs `body`.
        Its stdout is a pipe of text lines."""
        code = f"{self.open_code}\n{body}"
        return subprocess.Popen(
            [sys.executable, "-c", code, *args],
            cwd=PROJECT_ROOT,
            stdout=subprocess.PIPE,
            text=True,
            env={"PYTHONPATH": str(PROJECT_ROOT), "PATH": "/usr/bin:/bin"},
        )


def _sqlite_backend(tmp_path: Path) -> Backend:
    path = tmp_path / "store.db"

    def open_store(**options: object) -> Store:
        return SqliteStore(path, **options)  # type: ignore[arg-type]

    code = f"from treadle.store.sqlite import SqliteStore\nstore = SqliteStore({str(path)!r})"
    return Backend("sqlite", open_store, code)


def _contract_crd(kind: str, plural: str) -> dict[str, object]:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.batch.tensorstack.dev"},
        "spec": {
            "group": "batch.tensorstack.dev",
            "scope": "Namespaced",
            "names": {"kind": kind, "plural": plural, "singular": kind.lower()},
            "versions": [
                {
                    "name": "v1beta1",
                    "served": True,
                    "storage": True,
                    "subresources": {"status": {}},
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "x-kubernetes-preserve-unknown-fields": True,
                        }
                    },
                }
            ],
        },
    }


@pytest.fixture(scope="module")
def contract_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KubeCluster]:
    cluster = start_cluster(tmp_path_factory.mktemp("contract-kube"))
    try:
        for kind, plural in (
            ("WorkflowRun", "workflowruns"),
            ("WorkflowTemplate", "workflowtemplates"),
        ):
            cluster.kubectl("apply", "-f", "-", input=yaml.safe_dump(_contract_crd(kind, plural)))
        cluster.kubectl("wait", "--for=condition=Established", "crd", "--all", "--timeout=60s")
        _await_garbage_collection(cluster)
        yield cluster
    finally:
        stop_cluster(cluster)


def _await_garbage_collection(cluster: KubeCluster) -> None:
    """The garbage collector learns of new kinds on its next look at discovery (every
    30 s): until then it deletes no dependants of them. Wait for one cascade."""
    store = KubeStore.from_kubeconfig(cluster.kubeconfig)
    try:
        api = "batch.tensorstack.dev/v1beta1"
        owner = store.create(
            {"apiVersion": api, "kind": "WorkflowRun", "metadata": {"name": "gc-probe"}}
        )
        ref = {k: owner[k] for k in ("apiVersion", "kind")} | {
            "name": "gc-probe",
            "uid": owner["metadata"]["uid"],
        }
        store.create(
            {
                "apiVersion": api,
                "kind": "WorkflowRun",
                "metadata": {"name": "gc-probe-child", "ownerReferences": [ref]},
            }
        )
        store.delete(api, "WorkflowRun", "default", "gc-probe")
        deadline = time.monotonic() + 120
        while store.list(api, "WorkflowRun").items:
            assert time.monotonic() < deadline, "the garbage collector never collected"
            time.sleep(0.5)
    finally:
        store.close()


_CONTRACT_KINDS = (
    ("batch.tensorstack.dev/v1beta1", "WorkflowRun"),
    ("batch.tensorstack.dev/v1beta1", "WorkflowTemplate"),
    ("v1", "Pod"),
    ("v1", "Event"),
)


def _empty(store: KubeStore) -> None:
    """Delete what a test left, so the next starts from an empty store."""
    for api_version, kind in _CONTRACT_KINDS:
        for obj in store.list(api_version, kind).items:
            meta = obj["metadata"]
            try:
                store.delete(api_version, kind, meta.get("namespace"), meta["name"])
            except NotFound:
                pass  # collected meanwhile
    for api_version, kind in _CONTRACT_KINDS:
        deadline = time.monotonic() + 30
        while store.list(api_version, kind, limit=1).items:
            assert time.monotonic() < deadline, f"{kind} objects outlive the test"
            time.sleep(0.05)


def _kube_backend(cluster: KubeCluster) -> Backend:
    kubeconfig = str(cluster.kubeconfig)

    def open_store(**options: object) -> Store:
        assert not options, options
        return KubeStore.from_kubeconfig(kubeconfig)

    code = (
        "from treadle.kube.store import KubeStore\n"
        f"store = KubeStore.from_kubeconfig({kubeconfig!r})"
    )
    return Backend("kube", open_store, code, can_shorten_history=False)


@pytest.fixture(params=["sqlite", "kube"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "sqlite":
        b = _sqlite_backend(tmp_path)
    else:
        b = _kube_backend(request.getfixturevalue("contract_cluster"))
    yield b
    if request.param == "kube":
        cleaner = KubeStore.from_kubeconfig(request.getfixturevalue("contract_cluster").kubeconfig)
        try:
            _empty(cleaner)
        finally:
            cleaner.close()
    b.close_all()


@pytest.fixture
def store(backend: Backend) -> Store:
    return backend.open()
