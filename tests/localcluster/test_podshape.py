"""The shape the kubelet needs of a stored Pod: each problem named by its field."""

from __future__ import annotations

from typing import Any

import pytest

from treadle.localcluster.podshape import pod_problems


def pod(spec: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec}


GOOD = {
    "containers": [
        {
            "name": "c",
            "command": ["sh", "-c", "true"],
            "env": [{"name": "A", "value": "1"}],
            "volumeMounts": [{"name": "v", "mountPath": "/data", "subPath": "x"}],
        }
    ],
    "volumes": [{"name": "v", "persistentVolumeClaim": {"claimName": "data"}}],
}


def test_a_well_formed_pod_has_no_problems() -> None:
    assert pod_problems(pod(GOOD)) == []


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ("x", "spec: must be an object"),
        ({"containers": "x"}, "spec.containers: must be a list"),
        ({"containers": ["x"]}, "spec.containers[0]: must be an object"),
        (
            {"containers": [{"command": ["true"]}]},
            "spec.containers[0].name: must be a non-empty string",
        ),
        (
            {"containers": [{"name": "c", "command": [{}]}]},
            "spec.containers[0].command[0]: must be a string",
        ),
        (
            {"containers": [{"name": "c", "volumeMounts": [{"name": "v"}]}]},
            "spec.containers[0].volumeMounts[0].mountPath: must be a non-empty string",
        ),
        (
            {"volumes": [{"name": "../x", "emptyDir": {}}]},
            'spec.volumes[0].name: invalid name "../x"',
        ),
        (
            {"volumes": [{"name": "v", "configMap": {"name": "c", "items": ["k"]}}]},
            "spec.volumes[0].configMap.items[0]: must be an object",
        ),
        ({"activeDeadlineSeconds": "soon"}, "spec.activeDeadlineSeconds: must be a number"),
    ],
)
def test_each_problem_names_its_field(spec: Any, problem: str) -> None:
    assert any(p.startswith(problem) for p in pod_problems(pod(spec))), pod_problems(pod(spec))
