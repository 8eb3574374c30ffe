"""Micro-benchmark of validating a 1000-node DAG WorkflowTemplate.

    .venv/bin/python bench/validate_dag.py [--nodes 1000] [--repeat 5]

The template is an interlinked DAG: each node depends on up to three earlier
ones, passes a run param and the previous node's result on as params, maps a
workspace and has a `when`. Validation is timed with and without the node
templates known, each with its ratio to two baselines measured in the same run
on the same document: reading its YAML text the way `treadle validate` does
(`parse_documents`, what reading the file costs anyway) and pydantic parsing
alone (`model_validate`, no rules). The goal: full validation, every SPEC §11 rule
included, well under a second and within a small multiple of parsing.
Prints numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import random
from typing import Any

import yaml
from _common import best_time

from treadle.api.documents import parse_documents
from treadle.api.template import WorkflowTemplate, WorkflowTemplateSpec
from treadle.api.validate import validate


def dag_template(count: int) -> dict[str, Any]:
    rng = random.Random(7)
    nodes = []
    for i in range(count):
        nodes.append(
            {
                "name": f"n{i}",
                "workflowTemplateRef": "step",
                "dependencies": [f"n{j}" for j in rng.sample(range(i), min(i, 3))],
                "params": [
                    {"name": "lr", "value": "$(params.lr)"},
                    {"name": "prev", "value": f"$(templates.n{i - 1}.results.out)" if i else "0"},
                ],
                "workspaces": [{"name": "data", "workspace": "data", "subPath": f"n{i}"}],
                "when": [{"input": "$(params.mode)", "operator": "in", "values": ["train"]}],
                "retries": i % 3,
            }
        )
    return {
        "apiVersion": "batch.tensorstack.dev/v1beta1",
        "kind": "WorkflowTemplate",
        "metadata": {"name": "big-dag"},
        "spec": {
            "params": [{"name": "lr", "default": "0.1"}, {"name": "mode", "default": "train"}],
            "workspaces": [{"name": "data"}],
            "results": [{"name": "last", "value": f"$(templates.n{count - 1}.results.out)"}],
            "type": "DAG",
            "dag": {"templates": nodes},
        },
    }


STEP = WorkflowTemplateSpec.model_validate(
    {
        "params": [{"name": "lr"}, {"name": "prev"}],
        "workspaces": [{"name": "data"}],
        "results": [{"name": "out"}],
        "type": "Pod",
        "pod": {"containers": [{"name": "c", "image": "ubuntu"}]},
    }
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nodes", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    doc = dag_template(args.nodes)
    text = yaml.safe_dump(doc, sort_keys=False)
    validate(doc, lambda ns, name: STEP)  # must pass: the benchmark measures the valid path

    load = best_time(lambda: parse_documents(text), args.repeat)
    parse = best_time(lambda: WorkflowTemplate.model_validate(doc), args.repeat)
    print(f"validating a {args.nodes}-node DAG template ({len(text) // 1024} KiB of YAML)")
    print(f"{'baseline: reading the YAML':<34} {load * 1000:8.1f} ms")
    print(f"{'baseline: pydantic parsing only':<34} {parse * 1000:8.1f} ms")
    for label, fn in (
        ("validate", lambda: validate(doc)),
        ("validate, node templates known", lambda: validate(doc, lambda ns, name: STEP)),
    ):
        took = best_time(fn, args.repeat)
        print(
            f"{label:<34} {took * 1000:8.1f} ms   "
            f"{took / load:5.2f}x reading   {took / parse:5.2f}x parsing"
        )


if __name__ == "__main__":
    main()
