"""How a T9k job's and a service's replicas are counted and shown: from the stored
objects alone (cli/replicas.py)."""

from __future__ import annotations

from typing import Any

import pytest

from treadle.api.kinds import lookup
from treadle.cli.replicas import (
    Replica,
    job_counts,
    job_replicas,
    job_restarts,
    pod_replicas,
    service_ready,
)

GV = "batch.tensorstack.dev/v1beta1"


def job(kind: str, spec: dict[str, Any], status: dict[str, Any] | None = None) -> dict[str, Any]:
    obj: dict[str, Any] = {"apiVersion": GV, "kind": kind, "metadata": {"name": "j"}, "spec": spec}
    if status is not None:
        obj["status"] = status
    return obj


def worker(replicas: int | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"template": {"spec": {"containers": []}}}
    if replicas is not None:
        spec["replicas"] = replicas
    return spec


TWO_TYPES = {"replicaSpecs": [{"type": "chief", **worker()}, {"type": "worker", **worker(3)}]}

BEFORE_ANY_STATUS = {
    "replica groups add up, one each unless told": ("TensorFlowTrainingJob", TWO_TYPES, 4),
    "an MPIJob's workers and its launcher": ("MPIJob", {"worker": worker(2)}, 3),
    "a ColossalAIJob's workers and its launcher": ("ColossalAIJob", {"worker": worker()}, 2),
    "a DeepSpeedJob's workers only": ("DeepSpeedJob", {"worker": worker(2)}, 2),
    "a BeamJob's one batch job": ("BeamJob", {"jobTemplate": {}}, 1),
}


@pytest.mark.parametrize(
    ("kind", "spec", "total"), BEFORE_ANY_STATUS.values(), ids=BEFORE_ANY_STATUS.keys()
)
def test_before_the_operator_reports_the_spec_says_how_many(
    kind: str, spec: dict[str, Any], total: int
) -> None:
    assert job_counts(job(kind, spec)) == (0, total)


REPORTED = {
    "tasks": [
        {
            "type": "worker",
            "restartCount": 2,
            "replicas": [
                {"name": "j-worker-0", "phase": "Running", "containers": [{"name": "c"}]},
                {
                    "name": "j-worker-1",
                    "phase": "Failed",
                    "containers": [{"name": "c", "exitCode": 0}, {"name": "d", "exitCode": 137}],
                },
                {"name": "j-worker-2", "phase": "Creating"},
            ],
        },
        {
            "type": "ps",
            "restartCount": 0,
            "replicas": [{"name": "j-ps-0", "phase": "Succeeded", "containers": [{"exitCode": 0}]}],
        },
    ],
    "replicaRestarts": [{"name": "j-worker-1", "count": 2, "uid": "u"}],
    "backoffCount": 2,
}


def test_the_status_lists_each_replica_with_its_own_restarts_and_exit_code() -> None:
    assert job_replicas(job("TensorFlowTrainingJob", TWO_TYPES, REPORTED)) == [
        Replica("worker", "j-worker-0", "Running", 0, None),
        Replica("worker", "j-worker-1", "Failed", 2, 137),
        Replica("worker", "j-worker-2", "Creating", 0, None),
        Replica("ps", "j-ps-0", "Succeeded", 0, 0),
    ]


def test_running_and_finished_replicas_are_ready_out_of_those_reported() -> None:
    assert job_counts(job("TensorFlowTrainingJob", TWO_TYPES, REPORTED)) == (2, 4)


RESTARTS = {
    "the backoff count where the kind keeps one": ({"backoffCount": 3, "tasks": []}, 3),
    "else the tasks' restarts summed": (
        {"tasks": [{"type": "a", "restartCount": 1}, {"type": "b", "restartCount": 2}]},
        3,
    ),
    "none before any status": ({}, 0),
}


@pytest.mark.parametrize(("status", "restarts"), RESTARTS.values(), ids=RESTARTS.keys())
def test_restarts_of_a_job(status: dict[str, Any], restarts: int) -> None:
    assert job_restarts(job("GenericJob", {}, status)) == restarts


def service(conditions: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "apiVersion": "tensorstack.dev/v1beta1",
        "kind": "SimpleMLService",
        "status": {"conditions": conditions},
    }


READY = {
    "answering": ([{"type": "Ready", "status": "True"}], "True"),
    "not answering, with why": (
        [{"type": "Ready", "status": "False", "reason": "ProgramNotFound"}],
        "False (ProgramNotFound)",
    ),
    "not reported yet": ([], "Unknown"),
}


@pytest.mark.parametrize(("conditions", "shown"), READY.values(), ids=READY.keys())
def test_a_service_is_ready_as_its_condition_says(
    conditions: list[dict[str, Any]], shown: str
) -> None:
    assert service_ready(service(conditions)) == shown


def test_a_service_replica_counts_the_replacements_its_operator_noted() -> None:
    pod = {
        "metadata": {"name": "s-0", "annotations": {"tensorstack.dev/restarts": "4"}},
        "status": {"phase": "Running"},
    }
    assert pod_replicas([pod]) == [Replica("replica", "s-0", "Running", 4)]


NAMES = {
    "gj": "GenericJob",
    "tj": "TensorFlowTrainingJob",
    "tfjob": "TensorFlowTrainingJob",
    "tensorflowtrainingjob": "TensorFlowTrainingJob",
    "pj": "PyTorchTrainingJob",
    "pytorchjob": "PyTorchTrainingJob",
    "xj": "XGBoostTrainingJob",
    "mj": "MPIJob",
    "mpijob": "MPIJob",
    "dj": "DeepSpeedJob",
    "caij": "ColossalAIJob",
    "bj": "BeamJob",
    "smls": "SimpleMLService",
    "simplemlservices": "SimpleMLService",
}


@pytest.mark.parametrize(("word", "kind"), NAMES.items())
def test_the_platform_cli_words_name_the_kinds(word: str, kind: str) -> None:
    info = lookup(word)
    assert info is not None and info.kind == kind
