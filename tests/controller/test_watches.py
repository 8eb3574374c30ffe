"""The controller watches as it would on Kubernetes: one watch per kind, a kind a run
creates at run time watched once the run asks, and a kind listed again when its
watch is Gone."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import Engine, run_yaml, template_yaml
from treadle.config import Home
from treadle.controller.context import Context
from treadle.controller.manager import Manager
from treadle.controller.operator import Operator
from treadle.runtime.local import LocalRuntime
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
