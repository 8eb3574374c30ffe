"""What the Kubernetes Store does beyond the shared contract (tests/store), on the
session's real API server, with built-in kinds so no CRD is needed."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator

import pytest

from tests.kube_cluster import KubeCluster
from treadle.errors import BadRequest, Forbidden, NotFound, StorageError
from treadle.kube.store import KubeStore
from treadle.store.base import Obj


@pytest.fixture
def store(kube_cluster: KubeCluster) -> Iterator[KubeStore]:
    s = KubeStore.from_kubeconfig(kube_cluster.kubeconfig)
    yield s
    s.close()


@pytest.fixture
def namespace() -> str:
    return f"store-{uuid.uuid4().hex[:8]}"


def config_map(name: str, namespace: str, **data: str) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": namespace},
        "data": data,
    }


def test_a_kind_the_cluster_does_not_serve_is_not_found_saying_so(store: KubeStore) -> None:
    with pytest.raises(NotFound, match=r"no API for kind Nothing of apiVersion example\.com/v1"):
        store.list("example.com/v1", "Nothing")


def test_creating_in_a_new_namespace_creates_the_namespace(
    store: KubeStore, namespace: str
) -> None:
    store.create(config_map("a", namespace))
    assert store.get("v1", "Namespace", None, namespace)["metadata"]["name"] == namespace


def test_a_dry_run_create_checks_but_stores_nothing(store: KubeStore, namespace: str) -> None:
    store.create(config_map("first", namespace))
    would = store.create(config_map("b", namespace, x="1"), dry_run=True)
    assert would["data"] == {"x": "1"}
    with pytest.raises(NotFound):
        store.get("v1", "ConfigMap", namespace, "b")


def test_a_bad_name_is_refused_before_the_request_with_the_embedded_words(
    store: KubeStore, namespace: str
) -> None:
    from treadle.errors import ValidationError

    with pytest.raises(ValidationError) as caught:
        store.create(config_map("Bad_Name", namespace))
    assert [c.path for c in caught.value.causes] == ["metadata.name"]


def test_a_user_without_rights_gets_forbidden(kube_cluster: KubeCluster, namespace: str) -> None:
    limited = KubeStore.from_kubeconfig(
        kube_cluster.kubeconfig, impersonate=f"system:serviceaccount:{namespace}:nobody"
    )
    try:
        with pytest.raises(Forbidden, match="configmaps"):
            limited.list("v1", "ConfigMap", namespace)
    finally:
        limited.close()


def test_an_update_without_resource_version_is_applied_to_the_stored_one(
    store: KubeStore, namespace: str
) -> None:
    store.create(config_map("a", namespace, n="0"))
    updated = store.update(config_map("a", namespace, n="1"))
    assert updated["data"] == {"n": "1"}


def test_pods_can_be_listed_by_node_as_a_kubelet_does(store: KubeStore, namespace: str) -> None:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "namespace": namespace},
        "spec": {"nodeName": "nowhere", "containers": [{"name": "c", "image": "x"}]},
    }
    store.create(pod)
    on_it = store.list("v1", "Pod", namespace, field_selector="spec.nodeName=nowhere")
    elsewhere = store.list("v1", "Pod", namespace, field_selector="spec.nodeName=other")
    assert [p["metadata"]["name"] for p in on_it.items] == ["p"]
    assert elsewhere.items == []


def test_closing_a_watch_from_another_thread_ends_it_at_once(
    store: KubeStore, namespace: str
) -> None:
    since = store.list("v1", "ConfigMap", namespace, limit=1).resource_version
    events = store.watch("v1", "ConfigMap", namespace, since=since, timeout=None)
    closer = threading.Timer(0.3, events.close)  # type: ignore[attr-defined]
    started = time.monotonic()
    closer.start()
    assert list(events) == []
    assert time.monotonic() - started < 5
    closer.join()


def test_closing_the_store_ends_its_watches(kube_cluster: KubeCluster, namespace: str) -> None:
    store = KubeStore.from_kubeconfig(kube_cluster.kubeconfig)
    since = store.list("v1", "ConfigMap", namespace, limit=1).resource_version
    events = store.watch("v1", "ConfigMap", namespace, since=since, timeout=None)
    threading.Timer(0.3, store.close).start()
    assert list(events) == []
    with pytest.raises(StorageError, match="closed"):
        store.watch("v1", "ConfigMap", namespace, since=since, timeout=1)


def test_a_watch_sees_changes_made_while_it_follows(store: KubeStore, namespace: str) -> None:
    store.create(config_map("first", namespace))
    since = store.list("v1", "ConfigMap", namespace).resource_version
    events = store.watch("v1", "ConfigMap", namespace, since=since, timeout=10)
    store.create(config_map("second", namespace))
    event = next(iter(events))
    assert (event.type, event.object["metadata"]["name"]) == ("ADDED", "second")
    assert event.resource_version == event.object["metadata"]["resourceVersion"]


def test_an_unreachable_server_is_a_storage_error_naming_it() -> None:
    import tempfile
    from pathlib import Path

    config = """
apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:9"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: c, context: {cluster: c, user: u}}]
current-context: c
"""
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "kubeconfig"
        path.write_text(config)
        store = KubeStore.from_kubeconfig(path)
        try:
            with pytest.raises(StorageError, match=r"127\.0\.0\.1:9"):
                store.get("v1", "ConfigMap", "default", "x")
        finally:
            store.close()


def test_a_kubeconfig_that_cannot_be_read_is_a_bad_request_naming_it(tmp_path: object) -> None:
    with pytest.raises(BadRequest, match="nothere"):
        KubeStore.from_kubeconfig("/nothere/kubeconfig")
