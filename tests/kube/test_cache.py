"""The controller's read cache on a cluster (treadle/kube/cache.py), one case per
rule, on the session's real API server.

Each case works in a namespace of its own: the steps list the kind into the cache
(as the Manager's list does) and follow it with a real watch from there, write
through the cache ("mine") or as another client ("theirs"), and hand the cache the
watch's events only when a step says so, so that what the cache does with a late,
an early or a missing event is seen. Then `gets` are asked of the cache, in order,
and `holds` is what its list answers: a list of a kind it holds is answered from
memory, so it shows exactly what the cache holds.

Objects are ConfigMaps whose `data.v` is the value looked at; the case of a watch
that lost its place uses Events (their `message`), which the API server watches
on etcd directly rather than through its own watch cache, so that compacting etcd
makes an old position Gone as a long-lived watch finds it.
"""

from __future__ import annotations

import json
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest

from tests.kube_cluster import KubeCluster
from treadle.errors import Conflict, Gone, NotFound, StorageError
from treadle.kube.cache import ObjectCache, parse_revision
from treadle.kube.home import kube_manager
from treadle.kube.store import KubeStore
from treadle.store.base import Obj, WatchEvent

LABEL = "treadle.dev/cache-test"
WATCH_SECONDS = 20.0
"""How long a step waits for an event it expects."""

CONFIG_MAP = ("v1", "ConfigMap")
EVENT = ("v1", "Event")


@dataclass
class World:
    cluster: KubeCluster
    mine: ObjectCache
    theirs: KubeStore
    """Another client of the same API server: its writes reach the cache only by
    the watch."""
    namespace: str
    kind: tuple[str, str]
    position: str = ""
    """Where the cache's last list was taken."""
    events: Iterator[WatchEvent] | None = None
    written: int = 0
    """Changes made since the watch began that it has not handed over yet."""
    taken: list[Obj] = field(default_factory=list)
    answers: dict[str, list[Obj]] = field(default_factory=dict)
    """The API server's answers to the writes of each object, in order."""

    def obj(self, name: str, value: str, **labels: str) -> Obj:
        meta: Obj = {"name": name, "namespace": self.namespace, "labels": {LABEL: "1", **labels}}
        if self.kind == EVENT:
            return {
                "apiVersion": "v1",
                "kind": "Event",
                "metadata": meta,
                "involvedObject": {"kind": "ConfigMap", "namespace": self.namespace, "name": "x"},
                "reason": "Test",
                "message": value,
                "type": "Normal",
            }
        return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": {"v": value}}

    def with_value(self, obj: Obj, value: str) -> Obj:
        if self.kind == EVENT:
            return {**obj, "message": value}
        return {**obj, "data": {"v": value}}

    def list_page(self) -> tuple[list[Obj], str]:
        page = self.theirs.list(*self.kind, self.namespace, label_selector=f"{LABEL}=1")
        return page.items, page.resource_version

    def follow_from(self, position: str) -> None:
        self.position = position
        self.events = iter(
            self.mine.store.watch(
                *self.kind,
                self.namespace,
                since=position,
                timeout=WATCH_SECONDS,
                label_selector=f"{LABEL}=1",
            )
        )
        self.written = 0


def value_of(obj: Obj) -> str:
    return str(obj["message"] if obj["kind"] == "Event" else obj["data"]["v"])


Step = Callable[[World], None]


def listed() -> Step:
    """The kind is listed into the cache and followed from that list."""

    def step(w: World) -> None:
        items, position = w.list_page()
        w.mine.listed(*w.kind, items, position)
        w.follow_from(position)

    return step


def mine(action: str, name: str, value: str = "", **labels: str) -> Step:
    """A write through the cache: create, update or delete."""
    return _write(action, name, value, labels, through_cache=True)


def theirs(action: str, name: str, value: str = "") -> Step:
    """A write by another client: the cache hears of it only from the watch."""
    return _write(action, name, value, {}, through_cache=False)


def _write(
    action: str, name: str, value: str, labels: dict[str, str], *, through_cache: bool
) -> Step:
    def step(w: World) -> None:
        store = w.mine if through_cache else w.theirs
        if action == "create":
            w.answers.setdefault(name, []).append(store.create(w.obj(name, value, **labels)))
        elif action == "update":
            current = w.theirs.get(*w.kind, w.namespace, name)
            w.answers.setdefault(name, []).append(store.update(w.with_value(current, value)))
        else:
            store.delete(*w.kind, w.namespace, name)
        w.written += 1

    return step


def stale_update(name: str, value: str) -> Step:
    """A write through the cache of the version the cache holds, which another
    client has changed since: refused as Conflict."""

    def step(w: World) -> None:
        held = w.mine.get(*w.kind, w.namespace, name)
        with pytest.raises(Conflict):
            w.mine.update(w.with_value(held, value))

    return step


def answered_late(name: str) -> Step:
    """The cache is handed the API server's answer to the object's first write only
    now, as a write's answer can come in after the watch delivered later changes."""

    def step(w: World) -> None:
        w.mine.answered(w.answers[name][0])

    return step


def read(name: str) -> Step:
    def step(w: World) -> None:
        w.mine.get(*w.kind, w.namespace, name)

    return step


def fed(count: int | None = None) -> Step:
    """The watch hands the cache its next `count` events (None: all it owes)."""

    def step(w: World) -> None:
        assert w.events is not None
        for _ in range(w.written if count is None else count):
            event = next(w.events)
            w.mine.changed(*w.kind, event)
            w.written -= 1

    return step


def take_list() -> Step:
    """A list taken now, handed to the cache later (`relisted`)."""

    def step(w: World) -> None:
        w.taken, w.position = w.list_page()

    return step


def relisted() -> Step:
    def step(w: World) -> None:
        w.mine.listed(*w.kind, w.taken, w.position)

    return step


def compacted() -> Step:
    """etcd forgets every revision before its current one."""

    def step(w: World) -> None:
        etcd(w.cluster, "/v3/kv/compaction", {"revision": etcd_revision(w.cluster)})

    return step


def gone_and_relisted() -> Step:
    """A watch from the cache's position is refused as Gone; the kind is listed
    into the cache again, as the Manager does then."""

    def step(w: World) -> None:
        events = w.mine.store.watch(*w.kind, w.namespace, since=w.position, timeout=WATCH_SECONDS)
        with pytest.raises(Gone):
            next(iter(events))
        listed()(w)

    return step


@dataclass(frozen=True)
class Case:
    name: str
    steps: tuple[Step, ...]
    gets: dict[str, str | None] = field(default_factory=dict)
    """What `get` answers, asked in order after the steps: a value, or None for
    NotFound."""
    holds: dict[str, str] | None = None
    """What a list of the cache answers, by name (after the gets)."""
    selector: str = f"{LABEL}=1"
    kind: tuple[str, str] = CONFIG_MAP


CASES = [
    Case(
        "a-write-through-the-cache-is-read-back-at-once",
        (listed(), mine("create", "a", "1")),
        gets={"a": "1"},
        holds={"a": "1"},
    ),
    Case(
        "what-the-cache-holds-is-answered-without-asking-the-api-server",
        (theirs("create", "a", "1"), listed(), theirs("update", "a", "2")),
        gets={"a": "1"},
        holds={"a": "1"},
    ),
    Case(
        "a-newer-watch-event-replaces-an-older-write",
        (listed(), mine("create", "a", "1"), theirs("update", "a", "2"), fed()),
        gets={"a": "2"},
        holds={"a": "2"},
    ),
    Case(
        "an-older-watch-event-does-not-replace-a-newer-write",
        (listed(), mine("create", "a", "1"), mine("update", "a", "2"), fed(1)),
        gets={"a": "2"},
        holds={"a": "2"},
    ),
    Case(
        "a-delete-through-the-cache-is-read-back-at-once",
        (listed(), mine("create", "a", "1"), fed(), mine("delete", "a")),
        gets={"a": None},
        holds={},
    ),
    Case(
        "events-from-before-a-delete-do-not-bring-the-object-back",
        (
            listed(),
            mine("create", "a", "1"),
            mine("update", "a", "2"),
            mine("delete", "a"),
            fed(2),
        ),
        holds={},
    ),
    Case(
        "a-write-answered-after-the-watch-delivered-a-later-deletion-is-not-held",
        (listed(), theirs("create", "a", "1"), theirs("delete", "a"), fed(), answered_late("a")),
        gets={"a": None},
        holds={},
    ),
    Case(
        "a-write-answered-late-does-not-replace-a-later-change",
        (
            listed(),
            theirs("create", "a", "1"),
            theirs("update", "a", "2"),
            fed(),
            answered_late("a"),
        ),
        holds={"a": "2"},
    ),
    Case(
        "a-deletion-the-watch-delivers-removes-the-object",
        (theirs("create", "a", "1"), listed(), theirs("delete", "a"), fed()),
        holds={},
    ),
    Case(
        "a-miss-is-asked-of-the-api-server-and-held-from-then-on",
        (listed(), theirs("create", "a", "1")),
        gets={"a": "1"},
        holds={"a": "1"},
    ),
    Case(
        "an-object-nowhere-is-not-found",
        (listed(),),
        gets={"a": None},
        holds={},
    ),
    Case(
        "a-conflict-forgets-the-stale-object-so-the-next-read-asks",
        (
            theirs("create", "a", "1"),
            listed(),
            theirs("update", "a", "2"),
            stale_update("a", "3"),
        ),
        gets={"a": "2"},
        holds={"a": "2"},
    ),
    Case(
        "a-kind-never-listed-is-not-held",
        (theirs("create", "a", "1"), read("a"), theirs("update", "a", "2")),
        gets={"a": "2"},
        holds={"a": "2"},
    ),
    Case(
        "a-relist-keeps-a-write-newer-than-the-list",
        (
            theirs("create", "a", "1"),
            listed(),
            take_list(),
            mine("update", "a", "2"),
            relisted(),
        ),
        holds={"a": "2"},
    ),
    Case(
        "a-relist-after-gone-replaces-what-the-watch-missed",
        (
            theirs("create", "a", "1"),
            theirs("create", "b", "1"),
            listed(),
            theirs("update", "a", "2"),
            theirs("delete", "b"),
            theirs("create", "c", "1"),
            compacted(),
            gone_and_relisted(),
        ),
        holds={"a": "2", "c": "1"},
        kind=EVENT,
    ),
    Case(
        "a-list-of-the-cache-selects-by-labels-as-the-api-server-does",
        (listed(), mine("create", "a", "1", tier="x"), mine("create", "b", "1", tier="y")),
        holds={"a": "1"},
        selector=f"{LABEL}=1,tier=x",
    ),
]


@pytest.fixture
def store(kube_cluster: KubeCluster) -> Iterator[KubeStore]:
    s = KubeStore.from_kubeconfig(kube_cluster.kubeconfig)
    yield s
    s.close()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_cache(kube_cluster: KubeCluster, store: KubeStore, case: Case) -> None:
    namespace = f"cache-{uuid.uuid4().hex[:8]}"
    store.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
    world = World(kube_cluster, ObjectCache(store), store, namespace, case.kind)
    for step in case.steps:
        step(world)
    for name, wanted in case.gets.items():
        if wanted is None:
            with pytest.raises(NotFound):
                world.mine.get(*case.kind, namespace, name)
        else:
            assert value_of(world.mine.get(*case.kind, namespace, name)) == wanted, name
    if case.holds is not None:
        page = world.mine.list(*case.kind, namespace, label_selector=case.selector)
        assert {o["metadata"]["name"]: value_of(o) for o in page.items} == case.holds


@pytest.mark.parametrize(
    ("version", "number"),
    [("1", 1), ("4821", 4821), ("", None), ("0", None), ("012", None), ("abc", None), ("٣", None)],
)
def test_a_resource_version_is_a_revision_only_as_a_plain_positive_integer(
    version: str, number: int | None
) -> None:
    assert parse_revision(version) == number


def test_a_kind_with_a_version_that_is_no_revision_is_not_held(
    kube_cluster: KubeCluster, store: KubeStore
) -> None:
    namespace = f"cache-{uuid.uuid4().hex[:8]}"
    made = store.create(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "namespace": namespace}}
    )
    cache = ObjectCache(store)
    odd = {**made, "metadata": {**made["metadata"], "resourceVersion": "v7"}}
    cache.listed(*CONFIG_MAP, [odd], "v7")
    store.update({**made, "data": {"v": "2"}})
    # Asked of the API server: the cache cannot order such versions, so holds none.
    assert cache.get(*CONFIG_MAP, namespace, "a")["data"] == {"v": "2"}


def test_stopping_the_cluster_controller_closes_its_clients_of_service_accounts(
    kube_cluster: KubeCluster,
) -> None:
    """(What a Resource run creates goes through such a client, read back from the
    cache; the client is the controller's to close.)"""
    manager = kube_manager(kube_cluster.kubeconfig, holder=f"cache-test-{uuid.uuid4().hex[:8]}")
    as_account = manager.ctx.store_as("default", "somebody")
    manager.stop()
    # The client made for the run's service account is closed with the controller.
    with pytest.raises(StorageError, match="closed"):
        as_account.watch("v1", "ConfigMap", "default", since="1", timeout=1)


def etcd(cluster: KubeCluster, path: str, body: Obj) -> Obj:
    """A request to the test cluster's etcd through its JSON gateway."""
    port = json.loads((cluster.dir / "ports.json").read_text())["etcd"]
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        answer: Obj = json.load(response)
        return answer


def etcd_revision(cluster: KubeCluster) -> int:
    # A range of one key answers with the store's current revision in its header.
    return int(etcd(cluster, "/v3/kv/range", {"key": "AA=="})["header"]["revision"])
