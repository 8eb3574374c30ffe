"""What several benchmarks share: timing, and a store filled with finished runs."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

from treadle.config import Home
from treadle.store.sqlite import SqliteStore

# Benchmarks run as scripts from bench/; what they share with the tests (how to drive
# this machine's Chromium, free ports) is defined once, in the tests' support module.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support import CHROMIUM, CHROMIUM_ARGS, free_port

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "best_time", "free_port", "store_finished_runs"]

API = "batch.tensorstack.dev/v1beta1"


def best_time(fn: Callable[[], object], repeat: int) -> float:
    """The fastest of `repeat` runs, in seconds (the least disturbed by noise)."""
    times = []
    for _ in range(repeat):
        begin = time.perf_counter()
        fn()
        times.append(time.perf_counter() - begin)
    return min(times)


def store_finished_runs(home: Home, namespace: str, count: int) -> float:
    """Store `count` finished WorkflowRuns of 20 templates, shaped like real ones (a
    quarter of them failed), straight into the data directory; returns the seconds taken."""
    started = time.perf_counter()
    store = SqliteStore(home.database, synchronous="NORMAL")
    try:
        for i in range(count):
            template = f"template-{i % 20}"
            obj = store.create(
                {
                    "apiVersion": API,
                    "kind": "WorkflowRun",
                    "metadata": {
                        "name": f"run-{i:06}",
                        "namespace": namespace,
                        "labels": {"batch.tensorstack.dev/workflowTemplate": template},
                    },
                    "spec": {
                        "workflowTemplateRef": template,
                        "params": [{"name": f"p{k}", "value": "x" * 40} for k in range(6)],
                    },
                }
            )
            obj["status"] = {
                "phase": "Succeeded" if i % 4 else "Failed",
                "message": "1 container succeeded",
                "startTime": "2026-01-01T00:00:00Z",
                "completionTime": "2026-01-01T00:00:09Z",
                "podName": f"run-{i:06}-pod",
                "steps": [{"name": "main", "phase": "Succeeded", "exitCode": 0}],
                "conditions": [
                    {
                        "type": "Completed",
                        "status": "True",
                        "reason": "Succeeded",
                        "lastTransitionTime": "2026-01-01T00:00:09Z",
                    }
                ],
                "workflowTemplateSpec": {
                    "pod": {
                        "containers": [
                            {"name": "main", "image": "busybox", "command": ["sh", "-c", "echo hi"]}
                        ]
                    }
                },
            }
            store.update_status(obj)
    finally:
        store.close()
    return time.perf_counter() - started
