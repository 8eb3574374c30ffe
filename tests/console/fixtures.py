"""Documents the browser tests arrange through the API."""

from __future__ import annotations

GV = "batch.tensorstack.dev/v1beta1"


def seqpod(
    name: str, script: str, params: list[dict] | None = None, results: list[dict] | None = None
) -> dict:
    return {
        "apiVersion": GV,
        "kind": "WorkflowTemplate",
        "metadata": {"name": name},
        "spec": {
            "description": f"{name}: a one-step SeqPod",
            "type": "SeqPod",
            "params": params or [],
            "results": results or [],
            "seqPod": {"steps": [{"name": "main", "image": "python:3.11", "script": script}]},
        },
    }


def with_init_container(template: dict, name: str, command: list[str]) -> dict:
    """`template` (a SeqPod) whose pod spec runs an init container before the steps."""
    template["spec"]["seqPod"]["initContainers"] = [
        {"name": name, "image": "ubuntu", "command": command}
    ]
    return template


def hello(name: str = "hello") -> dict:
    return seqpod(
        name,
        '#!/usr/bin/env python3\nprint("hello from $(params.who)")\n',
        params=[{"name": "who", "description": "who says hello"}],
    )


def world(name: str = "world") -> dict:
    return seqpod(name, "#!/usr/bin/env python3\nprint('the world answers')\n")


def dag(name: str, first: str, second: str) -> dict:
    return {
        "apiVersion": GV,
        "kind": "WorkflowTemplate",
        "metadata": {"name": name},
        "spec": {
            "type": "DAG",
            "params": [{"name": "who", "description": "passed to the first node"}],
            "dag": {
                "templates": [
                    {
                        "name": first,
                        "workflowTemplateRef": first,
                        "params": [{"name": "who", "value": "$(params.who)"}],
                    },
                    {"name": second, "workflowTemplateRef": second, "dependencies": [first]},
                ]
            },
        },
    }
