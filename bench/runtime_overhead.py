"""Micro-benchmark of the local runtime: what it adds to each step and to each unit.

    .venv/bin/python bench/runtime_overhead.py [--steps 100] [--units 20]

Per step: one unit of `--steps` sequential `true` init containers (a SeqPod) against
a bare loop of as many `subprocess.run(["true"])`, timed from `start()` until
`observe()` reports the unit finished; the difference per step is the overhead.
Sandboxed, the bare loop is also timed through bwrap with the same layout, so the
sandbox's own cost shows apart from the runtime's.

Per unit: `--units` one-step units started one after another, each timed from
`start()` to finished, as a DAG node's pod is (supervisor start-up included), the
end seen through `changes()`.

Prints numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

from treadle.runtime.base import ContainerPlan, PodPlan
from treadle.runtime.local import LocalRuntime
from treadle.runtime.sandbox import bwrap_args


def wait(rt: LocalRuntime, uid: str, notified: bool) -> None:
    """Until the unit has finished: woken by its change notifications, or polling
    every 10 ms as the embedded kubelet does (which leaves the CPUs to the unit)."""
    while True:
        obs = rt.observe(uid)
        assert obs is not None
        if obs.phase in ("Succeeded", "Failed"):
            assert obs.phase == "Succeeded", obs
            return
        if notified:
            rt.changes(0.05)
        else:
            time.sleep(0.01)


def time_unit(rt: LocalRuntime, steps: int, notified: bool) -> float:
    init = [ContainerPlan(f"s{i}", ["true"]) for i in range(steps)]
    plan = PodPlan(uid=uuid.uuid4().hex, name="bench", namespace="bench", init_containers=init)
    t = time.perf_counter()
    rt.start(plan)
    wait(rt, plan.uid, notified)
    return time.perf_counter() - t


def time_bare(steps: int, prefix: list[str]) -> float:
    t = time.perf_counter()
    for _ in range(steps):
        subprocess.run([*prefix, "true"], check=True)
    return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--units", type=int, default=20)
    args = parser.parse_args()
    n = args.steps
    with tempfile.TemporaryDirectory() as tmp:
        for sandbox in (False, True):
            try:
                rt = LocalRuntime(Path(tmp) / f"sandbox-{sandbox}", sandbox=sandbox)
            except Exception as e:  # no working bwrap here
                print(f"sandbox={sandbox}: skipped ({e})")
                continue
            time_unit(rt, 1, False)  # warm up: compiled supervisor, page cache
            unit = min(time_unit(rt, n, False) for _ in range(3))
            bare = min(time_bare(n, []) for _ in range(3))
            label = "sandboxed" if sandbox else "on the host"
            print(
                f"{label}: {n} steps in one unit {unit * 1e3:.1f} ms, bare loop {bare * 1e3:.1f} ms"
            )
            per_step = (unit - bare) / n * 1e3
            print(
                f"  overhead per step vs bare `true`: {per_step:.2f} ms (ratio {unit / bare:.2f})"
            )
            if sandbox:
                bwrap = shutil.which("bwrap")
                assert bwrap is not None
                prefix = [bwrap, *bwrap_args(ContainerPlan("bench", ["true"]), hide=[str(rt.root)])]
                bare_bwrap = min(time_bare(n, prefix) for _ in range(3))
                per_step = (unit - bare_bwrap) / n * 1e3
                print(
                    f"  bare loop through bwrap {bare_bwrap * 1e3:.1f} ms: overhead per step vs "
                    f"bwrap `true`: {per_step:.2f} ms (ratio {unit / bare_bwrap:.2f})"
                )
            rt.changes(0)  # listen before the units start
            latencies = sorted(time_unit(rt, 1, True) * 1e3 for _ in range(args.units))
            print(
                f"  one-step unit, start to finished: median {statistics.median(latencies):.1f} ms,"
                f" max {latencies[-1]:.1f} ms (bare `true` {bare / n * 1e3:.2f} ms)"
            )
            for uid in rt.units():
                rt.remove(uid)
            rt.close()


if __name__ == "__main__":
    main()
