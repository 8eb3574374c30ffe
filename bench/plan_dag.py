"""Micro-benchmark of DAG planning (`treadle.core.dag.plan`) on 1000-node DAGs.

    .venv/bin/python bench/plan_dag.py [--nodes 1000] [--repeat 7]

Two shapes: a fan-out (one root, every other node depends on it, half of them
running) and an interlinked DAG (each node depends on up to three earlier ones,
reads the previous node's result and has a `when` over a run param; the first
half succeeded). Each planning time is printed with its ratio to a baseline
measured in the same run on the same DAG: building the per-node dependency
mapping by hand, which any planner must at least do. Prints numbers; asserts
nothing. The planner's goal is to stay within a small multiple of the baseline
(a few milliseconds for 1000 nodes), so a controller can plan on every reconcile.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Mapping

from _common import best_time

from treadle.api.template import DagNode, DagSpec, ParamValue, WhenExpression
from treadle.core.dag import NodeState, plan


def fan_out(width: int) -> tuple[DagSpec, dict[str, NodeState]]:
    nodes = [DagNode(name="root", workflow_template_ref="tpl")]
    nodes += [
        DagNode(name=f"leaf-{i}", workflow_template_ref="tpl", dependencies=["root"])
        for i in range(width - 1)
    ]
    states = {"root": NodeState("Succeeded", 1)}
    states |= {f"leaf-{i}": NodeState("Running", 1) for i in range(0, width - 1, 2)}
    return DagSpec(templates=nodes), states


def interlinked(count: int) -> tuple[DagSpec, dict[str, NodeState]]:
    rng = random.Random(7)
    guard = WhenExpression(input="$(params.p)", operator="in", values=["v"])
    nodes = []
    for i in range(count):
        value = f"$(templates.n{i - 1}.results.out)" if i else "$(params.p)"
        nodes.append(
            DagNode(
                name=f"n{i}",
                workflow_template_ref="tpl",
                dependencies=[f"n{j}" for j in rng.sample(range(i), min(i, 3))],
                params=[ParamValue(name="x", value=value)],
                when=[guard],
                retries=1,
            )
        )
    states = {f"n{i}": NodeState("Succeeded", 1, {"out": str(i)}) for i in range(count // 2)}
    return DagSpec(templates=nodes), states


def dependency_mapping(dag: DagSpec) -> dict[str, list[str]]:
    """The baseline: each node's explicit dependencies, nothing more."""
    return {node.name: list(node.dependencies) for node in dag.templates}


def measure(
    label: str, dag: DagSpec, states: Mapping[str, NodeState], params: dict[str, str], repeat: int
) -> None:
    planning = best_time(lambda: plan(dag, params, states), repeat)
    baseline = best_time(lambda: dependency_mapping(dag), repeat)
    print(
        f"{label:<28} plan {planning * 1000:8.2f} ms   "
        f"baseline {baseline * 1000:7.3f} ms   ratio {planning / baseline:6.1f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nodes", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    print(f"planning {args.nodes}-node DAGs, best of {args.repeat}")
    dag, states = fan_out(args.nodes)
    measure("fan-out", dag, states, {}, args.repeat)
    dag, states = interlinked(args.nodes)
    measure("interlinked (results, when)", dag, states, {"p": "v"}, args.repeat)


if __name__ == "__main__":
    main()
