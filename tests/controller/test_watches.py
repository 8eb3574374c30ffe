"""The controller watches as it would on Kubernetes: one watch per kind, a kind a run
creates at run time watched once the run asks, and a kind listed again when its
watch is Gone, its operator told of the deletions that only the list shows. It stops
as a lease holder must: not handing the lease over while a reconcile may still act."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import Engine, run_yaml, template_yaml
from treadle.config import Home
from treadle.controller import manager as manager_module
from treadle.controller.context import Context
from treadle.controller.leader import lease_holder
from treadle.controller.manager import Manager
from treadle.controller.operator import Operator
from treadle.runtime.local import LocalRuntime
from treadle.store.base import Obj, Page
from treadle.store.sqlite import SqliteStore

WIDGET = ("example.com/v1", "Widget")
WIDGETS = 10


def config_map_run(name: str) -> str:
    """A Resource run of a ConfigMap that succeeds once the map says it is ready: a
    kind no operator reconciles, so nothing but its watch can wake the run."""
    manifest = f"      apiVersion: v1\n      kind: ConfigMap\n      metadata: {{name: {name}}}\n"
    return template_yaml(
        name,
        "  resource:\n    manifest: |\n"
        + manifest
        + "      data: {ready: 'no'}\n"
        + "    successRules:\n      fieldSelector: data.ready == yes",
    ) + run_yaml(f"{name}-run", f"  workflowTemplateRef: {name}")


def watch_threads(kind: str) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == f"treadle-watch-{kind}"]


def waiting_on_its_config_map(engine: Engine, *runs: str) -> None:
    """Until the runs have created their ConfigMaps and the controller has nothing
    left to do: from then on only a change of a ConfigMap can wake them."""
    deadline = time.monotonic() + 10
    while engine.manager.busy() or not all(
        (engine.run(r).get("status") or {}).get("resource") for r in runs
    ):
        assert time.monotonic() < deadline, "the runs did not settle"
        time.sleep(0.01)  # idleness is no event that could be awaited


def make_ready(engine: Engine, name: str) -> None:
    config_map = engine.store.get("v1", "ConfigMap", "default", name)
    engine.store.update({**config_map, "data": {"ready": "yes"}})


def test_a_change_of_a_kind_a_run_created_wakes_the_run(engine: Engine) -> None:
    engine.apply(config_map_run("flag"))
    waiting_on_its_config_map(engine, "flag-run")
    make_ready(engine, "flag")
    status = engine.wait("flag-run", timeout=10)["status"]
    assert status["phase"] == "Succeeded", status.get("message")


def test_a_kind_is_watched_once_however_many_runs_create_it(engine: Engine) -> None:
    engine.apply(config_map_run("one") + config_map_run("two"))
    waiting_on_its_config_map(engine, "one-run", "two-run")
    assert len(watch_threads("ConfigMap")) == 1


class Burst(Operator):
    """Creates more Widgets at start than the store's history keeps, so its kind's
    watch, which starts from before them, is Gone; records what it reconciles."""

    kinds = (WIDGET,)
    owner_kinds = ()

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.seen: set[str] = set()
        self.all_seen = threading.Event()

    def start(self) -> None:
        for i in range(WIDGETS):
            self.ctx.store.create(
                {"apiVersion": WIDGET[0], "kind": WIDGET[1], "metadata": {"name": f"w{i}"}}
            )

    def reconcile(self, kind: str, namespace: str, name: str) -> float | None:
        self.seen.add(name)
        if len(self.seen) == WIDGETS:
            self.all_seen.set()
        return None


@pytest.fixture
def short_history_manager(tmp_path: Path) -> Iterator[Manager]:
    home = Home(tmp_path / "home")
    store = SqliteStore(home.ensure().database, history=3)
    manager = Manager(store, LocalRuntime.for_home(home), home, operators=[Burst], owns_store=True)
    try:
        yield manager
    finally:
        manager.stop()


def test_a_watch_that_is_gone_lists_its_kind_again(short_history_manager: Manager) -> None:
    assert short_history_manager.try_start()
    burst = short_history_manager.operators[0]
    assert isinstance(burst, Burst)
    assert burst.all_seen.wait(10), f"reconciled only {sorted(burst.seen)}"


def widget(name: str) -> Obj:
    return {"apiVersion": WIDGET[0], "kind": WIDGET[1], "metadata": {"name": name}}


class DeletedInTheGap(Burst):
    """Deletes the Widget `doomed`, listed at start, then creates enough Widgets that
    the watch, which starts from before the deletion, is Gone: only a list shows it."""

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.told: list[Obj] = []
        self.told_of_doomed = threading.Event()

    def start(self) -> None:
        self.ctx.store.delete(WIDGET[0], WIDGET[1], "default", "doomed")
        super().start()

    def deleted(self, obj: Obj) -> None:
        self.told.append(obj)
        if obj["metadata"]["name"] == "doomed":
            self.told_of_doomed.set()


def test_an_operator_is_told_of_a_deletion_only_a_list_again_shows(tmp_path: Path) -> None:
    home = Home(tmp_path / "home")
    store = SqliteStore(home.ensure().database, history=3)
    doomed = store.create(widget("doomed"))
    manager = Manager(
        store, LocalRuntime.for_home(home), home, operators=[DeletedInTheGap], owns_store=True
    )
    try:
        assert manager.try_start()
        op = manager.operators[0]
        assert isinstance(op, DeletedInTheGap)
        assert op.told_of_doomed.wait(10), f"told only of {op.told}"
        assert op.all_seen.wait(10), f"reconciled only {sorted(op.seen)}"
        assert [o["metadata"] for o in op.told] == [
            {"namespace": "default", "name": "doomed", "uid": doomed["metadata"]["uid"]}
        ]
    finally:
        manager.stop()


class SlowConfigMaps(SqliteStore):
    """Lists ConfigMaps only once `gate` is set (a kind of a million objects, say)."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.listing = threading.Event()
        self.gate = threading.Event()

    def list(self, api_version: str, kind: str, *args: Any, **kwargs: Any) -> Page:
        if kind == "ConfigMap":
            self.listing.set()
            assert self.gate.wait(10), "the gate never opened"
        return super().list(api_version, kind, *args, **kwargs)


@pytest.fixture
def slow_config_maps(tmp_path: Path) -> Iterator[tuple[Manager, SlowConfigMaps]]:
    home = Home(tmp_path / "home")
    store = SlowConfigMaps(home.ensure().database)
    manager = Manager(store, LocalRuntime.for_home(home), home)
    try:
        assert manager.try_start()
        yield manager, store
    finally:
        store.gate.set()
        manager.stop()
        store.close()


def in_thread(body: Any, *args: Any) -> threading.Thread:
    t = threading.Thread(target=body, args=args, daemon=True)
    t.start()
    return t


def test_a_kind_being_listed_holds_up_no_watch_of_another(
    slow_config_maps: tuple[Manager, SlowConfigMaps],
) -> None:
    manager, store = slow_config_maps
    config_maps = in_thread(manager.ctx.watch_kind, "v1", "ConfigMap")
    assert store.listing.wait(10)
    secrets = in_thread(manager.ctx.watch_kind, "v1", "Secret")
    secrets.join(10)
    assert not secrets.is_alive(), "the Secret watch waited for the ConfigMap list"
    assert len(watch_threads("Secret")) == 1
    store.gate.set()
    config_maps.join(10)
    assert len(watch_threads("ConfigMap")) == 1


class Stuck(Operator):
    """Reconciles a Widget until `gate` is set: a reconcile that outlives `stop`."""

    kinds = (WIDGET,)
    owner_kinds = ()

    def __init__(self, ctx: Context) -> None:
        self.reconciling = threading.Event()
        self.gate = threading.Event()

    def reconcile(self, kind: str, namespace: str, name: str) -> float | None:
        self.reconciling.set()
        self.gate.wait(10)
        return None


def test_a_stop_that_leaves_a_reconcile_running_leaves_the_lease_to_expire(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Released, the lease could go to a successor before the reconcile's act, which
    may be past its fence check already, lands."""
    monkeypatch.setattr(manager_module, "STOP_JOIN_SECONDS", 0.2)
    home = Home(tmp_path / "home")
    store = SqliteStore(home.ensure().database)
    manager = Manager(store, LocalRuntime.for_home(home), home, operators=[Stuck], holder="me")
    op = manager.operators[0]
    assert isinstance(op, Stuck)
    try:
        assert manager.try_start()
        store.create(widget("w"))
        assert op.reconciling.wait(10)
        manager.stop()
        assert lease_holder(store) == "me"
    finally:
        op.gate.set()
        manager.stop()
        store.close()


def test_a_stop_once_every_thread_ended_releases_the_lease(tmp_path: Path) -> None:
    home = Home(tmp_path / "home")
    store = SqliteStore(home.ensure().database)
    manager = Manager(store, LocalRuntime.for_home(home), home, holder="me")
    try:
        assert manager.try_start()
        assert lease_holder(store) == "me"
        manager.stop()
        assert lease_holder(store) is None
    finally:
        store.close()
