"""Scheduling overhead of the embedded engine against bare subprocesses, in one run.

Baselines: a loop of N `true` subprocesses one after another (for SeqPod steps),
and N `true` subprocesses started together (for a DAG fan-out). Treadle runs the
same work as a SeqPod of N steps, a fan-out DAG of N nodes, and a 1000-node DAG,
driven by the controller in this process, whose peak memory is reported.

usage: python bench/engine_overhead.py [--steps 100] [--nodes 100] [--big 1000]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
GV = "batch.tensorstack.dev/v1beta1"
TARGET_STEP_MS, TARGET_NODE_MS, TARGET_RSS_MB = 5.0, 20.0, 300.0


def bare_sequential(n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        subprocess.run(["true"], check=True)
    return time.perf_counter() - start


def bare_parallel(n: int) -> float:
    start = time.perf_counter()
    procs = [subprocess.Popen(["true"]) for _ in range(n)]
    for p in procs:
        p.wait()
    return time.perf_counter() - start


def seqpod(n: int) -> str:
    steps = "".join(f"      - {{name: s{i}, image: ubuntu, command: ['true']}}\n" for i in range(n))
    return (
        f"apiVersion: {GV}\nkind: WorkflowTemplate\nmetadata: {{name: seq}}\nspec:\n"
        f"  seqPod:\n    steps:\n{steps}"
    )


def fan_out(name: str, n: int, layers: int = 1) -> str:
    nodes = []
    width = n // layers
    for layer in range(layers):
        for i in range(width):
            deps = f"[l{layer - 1}-{i}]" if layer else "[]"
            nodes.append(
                f"      - {{name: l{layer}-{i}, workflowTemplateRef: ok, dependencies: {deps}}}\n"
            )
    return (
        f"apiVersion: {GV}\nkind: WorkflowTemplate\nmetadata: {{name: ok}}\nspec:\n"
        f"  pod:\n    containers: [{{name: c, image: ubuntu, command: ['true']}}]\n---\n"
        f"apiVersion: {GV}\nkind: WorkflowTemplate\nmetadata: {{name: {name}}}\nspec:\n"
        f"  dag:\n    templates:\n{''.join(nodes)}"
    )


class Treadle:
    """The engine in this process: store, runtime and controller on a fresh home."""

    def __init__(self) -> None:
        from treadle.client.embedded import EmbeddedClient
        from treadle.config import Home
        from treadle.localcluster.home import manager_for_home

        self.home = Path(tempfile.mkdtemp(prefix="treadle-bench-"))
        self.client = EmbeddedClient(Home(self.home))
        self.manager = manager_for_home(self.client.home)
        assert self.manager.try_start()

    def timed_run(self, template_yaml: str, template: str) -> float:
        """Wall-clock seconds from creating the run to seeing it Succeeded."""
        for doc in yaml.safe_load_all(template_yaml):
            self.client.apply(doc)
        start = time.perf_counter()
        run = self.client.create(
            {
                "apiVersion": GV,
                "kind": "WorkflowRun",
                "metadata": {"generateName": f"{template}-"},
                "spec": {"workflowTemplateRef": template},
            }
        ).obj
        name = run["metadata"]["name"]
        while True:
            status = self.client.store.get(GV, "WorkflowRun", "default", name).get("status") or {}
            if status.get("phase") in ("Succeeded", "Failed"):
                break
            time.sleep(0.002)
        took = time.perf_counter() - start
        assert status["phase"] == "Succeeded", status.get("message")
        return took

    def close(self) -> None:
        self.manager.stop()
        self.client.close()
        shutil.rmtree(self.home, ignore_errors=True)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--nodes", type=int, default=100)
    parser.add_argument("--big", type=int, default=1000)
    parser.add_argument("--sandbox", choices=["auto", "on", "off"], default="auto")
    args = parser.parse_args()
    os.environ["TREADLE_SANDBOX"] = args.sandbox

    base_seq = bare_sequential(args.steps)
    base_par = bare_parallel(args.nodes)
    print(
        f"baseline: {args.steps} sequential `true`: {base_seq * 1000:.0f} ms "
        f"({base_seq / args.steps * 1000:.2f} ms each); {args.nodes} parallel: "
        f"{base_par * 1000:.0f} ms"
    )

    engine = Treadle()
    print(f"sandboxed: {engine.client.runtime.sandboxed}")
    try:
        seq = engine.timed_run(seqpod(args.steps), "seq")
        per_step = (seq - base_seq) / args.steps * 1000
        print(
            f"SeqPod of {args.steps} steps: {seq * 1000:.0f} ms; overhead per step "
            f"{per_step:.2f} ms (target < {TARGET_STEP_MS} ms); ratio {seq / base_seq:.2f}x"
        )

        fan = engine.timed_run(fan_out("fan", args.nodes), "fan")
        per_node = (fan - base_par) / args.nodes * 1000
        print(
            f"DAG fan-out of {args.nodes} nodes: {fan * 1000:.0f} ms; overhead per node "
            f"{per_node:.2f} ms (target < {TARGET_NODE_MS} ms); ratio {fan / base_par:.1f}x"
        )

        big = engine.timed_run(fan_out("big", args.big, layers=10), "big")
        rss = peak_rss_mb()
        print(
            f"DAG of {args.big} nodes (10 layers): {big:.1f} s, "
            f"{big / args.big * 1000:.1f} ms per node; controller peak RSS {rss:.0f} MB "
            f"(target < {TARGET_RSS_MB:.0f} MB)"
        )
    finally:
        engine.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
