"""Micro-benchmark of the embedded store: create throughput and paged list latency.

    .venv/bin/python bench/store_list.py [--count 10000] [--synchronous FULL|NORMAL]

Stores `--count` WorkflowRun-like objects (about 2 KB each, spread over five
namespaces, with labels and a status phase) in a fresh database, then times paged
lists the way the console and the controller's resync read them. Prints numbers;
asserts nothing.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from treadle.store.sqlite import SqliteStore

API = "batch.tensorstack.dev/v1beta1"
NAMESPACES = ("default", "team-a", "team-b", "team-c", "team-d")
PHASES = ("Succeeded", "Succeeded", "Failed", "Running")


def run_object(i: int) -> dict[str, Any]:
    template = f"template-{i % 20}"
    return {
        "apiVersion": API,
        "kind": "WorkflowRun",
        "metadata": {
            "name": f"run-{i:06}",
            "namespace": NAMESPACES[i % len(NAMESPACES)],
            "labels": {"batch.tensorstack.dev/workflowTemplate": template, "team": "ml"},
            "annotations": {"note": "benchmark"},
        },
        "spec": {
            "workflowTemplateRef": template,
            "params": [{"name": f"p{k}", "value": "x" * 40} for k in range(8)],
            "workspaces": [{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}],
            "serviceAccountName": "managed-project-sa",
        },
    }


def status_of(i: int) -> dict[str, Any]:
    return {
        "phase": PHASES[i % len(PHASES)],
        "message": "all 3 steps succeeded",
        "startTime": "2026-11-25T14:26:29Z",
        "completionTime": "2026-11-25T14:27:02Z",
        "conditions": [
            {
                "type": "Running",
                "status": "False",
                "reason": "Finished",
                "lastTransitionTime": "2026-11-25T14:27:02Z",
            },
            {
                "type": "Completed",
                "status": "True",
                "reason": "Succeeded",
                "lastTransitionTime": "2026-11-25T14:27:02Z",
            },
        ],
        "steps": [
            {
                "name": f"step-{k}",
                "exitCode": 0,
                "startTime": "2026-11-25T14:26:30Z",
                "finishTime": "2026-11-25T14:26:40Z",
            }
            for k in range(3)
        ],
    }


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = action()
    return (time.perf_counter() - started) * 1000, result


def page_through(store: SqliteStore, limit: int, **query: Any) -> list[float]:
    """Milliseconds per page, walking the whole list."""
    times: list[float] = []
    token = None
    while True:
        started = time.perf_counter()
        page = store.list(API, "WorkflowRun", limit=limit, continue_token=token, **query)
        ms = (time.perf_counter() - started) * 1000
        times.append(ms)
        token = page.continue_token
        if not token:
            return times


def report(label: str, times: list[float]) -> None:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    print(
        f"  {label:<44} pages={len(times):>4}  mean={statistics.mean(times):6.2f} ms"
        f"  p50={statistics.median(times):6.2f}  p95={p95:6.2f}  max={max(times):6.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--synchronous", choices=("FULL", "NORMAL"), default="FULL")
    parser.add_argument("--dir", type=Path, default=None, help="where to put the database")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        store = SqliteStore(Path(tmp) / "bench.db", synchronous=args.synchronous)
        print(f"{args.count} WorkflowRuns, synchronous={args.synchronous}, database in {tmp}")

        started = time.perf_counter()
        created = [store.create(run_object(i)) for i in range(args.count)]
        elapsed = time.perf_counter() - started
        print(
            f"  create: {args.count / elapsed:8.0f} objects/s "
            f"({elapsed * 1000 / args.count:.2f} ms each, one transaction each)"
        )

        started = time.perf_counter()
        for i, obj in enumerate(created):
            store.update_status({**obj, "status": status_of(i)})
        elapsed = time.perf_counter() - started
        print(f"  update_status: {args.count / elapsed:8.0f} objects/s")
        # Keeping 20,000 dicts alive would make the timings below measure Python's
        # garbage collector walking them, not the store.
        del created
        gc.collect()

        size = len(str(store.get(API, "WorkflowRun", "default", "run-000000")))
        print(f"  object size ~{size} bytes")

        for limit in (100, 500):
            report(f"all namespaces, limit={limit}", page_through(store, limit))
        report("one namespace, limit=100", page_through(store, 100, namespace="team-a"))
        report(
            "status.phase=Running, limit=100",
            page_through(store, 100, field_selector="status.phase=Running"),
        )
        report(
            "status.phase!=Running, limit=500",
            page_through(store, 500, field_selector="status.phase!=Running"),
        )
        report(
            "label template-7 (1 in 20), limit=100",
            page_through(
                store, 100, label_selector="batch.tensorstack.dev/workflowTemplate=template-7"
            ),
        )
        report("label team=ml (all), limit=500", page_through(store, 500, label_selector="team=ml"))

        gets = [
            timed(lambda i=i: store.get(API, "WorkflowRun", NAMESPACES[i % 5], f"run-{i:06}"))[0]
            for i in range(0, args.count, max(1, args.count // 1000))
        ]
        print(f"  get: mean={statistics.mean(gets):.3f} ms")

        since = str(int(store.head()) - args.count)  # a ChangeFeed: numbered
        ms, events = timed(lambda: list(store.watch(API, "WorkflowRun", since=since, timeout=0)))
        print(f"  watch replay of {len(events)} changes: {ms:.0f} ms")
        store.close()


if __name__ == "__main__":
    main()
