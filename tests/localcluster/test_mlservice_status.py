"""What the serving operator decides from the replica pods it reads back and what
its probe found: the pods to make and remove, the back-off before an ended
replica is replaced, and condition Ready; one named case each."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from treadle.api.t9k.serving import Address, AddressPort, SimpleMLServiceStatus
from treadle.localcluster.servingpods import HASH_ANNOTATION, INDEX_LABEL
from treadle.localcluster.servingstatus import (
    BACKOFF_CAP,
    RESTARTS_ANNOTATION,
    STREAK_ANNOTATION,
    Facts,
    backoff,
    ended,
    plan_replicas,
    ready,
    service_status,
)

Obj = dict[str, Any]
NOW = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
HASH = "h1"


def at(seconds: float) -> str:
    """NOW moved by `seconds`, as a pod's status writes times."""
    return (NOW + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


def pod(
    index: int,
    phase: str = "Running",
    *,
    ran: tuple[float, float] | None = None,
    exit_code: int = 1,
    hash_: str = HASH,
    notes: dict[str, str] | None = None,
    status: Obj | None = None,
) -> Obj:
    """Replica `index`; `ran` = (started, finished) in seconds from NOW for one that ended."""
    st: Obj = {"phase": phase}
    if ran is not None:
        st["containerStatuses"] = [
            {
                "name": "server",
                "state": {
                    "terminated": {
                        "exitCode": exit_code,
                        "reason": "Error",
                        "startedAt": at(ran[0]),
                        "finishedAt": at(ran[1]),
                    }
                },
            }
        ]
    st.update(status or {})
    return {
        "metadata": {
            "name": f"svc-{index}",
            "labels": {INDEX_LABEL: str(index)},
            "annotations": {HASH_ANNOTATION: hash_, **(notes or {})},
        },
        "status": st,
    }


def start_error(index: int) -> Obj:
    """A replica whose program is not on this host, as the kubelet reports it."""
    message = 'container "server" could not start: bwrap: execvp x_server: No such file'
    return pod(
        index,
        "Failed",
        status={
            "message": message,
            "containerStatuses": [
                {
                    "name": "server",
                    "state": {
                        "terminated": {
                            "exitCode": 1,
                            "reason": "StartError",
                            "startedAt": at(-0.5),
                            "finishedAt": at(-0.5),
                        }
                    },
                }
            ],
        },
    )


# -- the back-off ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("streak", "seconds"), [(1, 1), (2, 2), (3, 4), (6, 32), (7, BACKOFF_CAP), (40, BACKOFF_CAP)]
)
def test_the_back_off_doubles_with_each_replacement_in_a_row_up_to_its_cap(
    streak: int, seconds: float
) -> None:
    assert backoff(streak) == seconds


def test_a_replica_that_ran_steadily_before_it_ended_starts_the_count_again() -> None:
    notes = {STREAK_ANNOTATION: "6", RESTARTS_ANNOTATION: "9"}
    quick = ended(pod(0, "Failed", ran=(-3, -2), notes=notes), NOW)
    steady = ended(pod(0, "Failed", ran=(-300, -2), notes=notes), NOW)
    assert quick is not None and (quick.streak, quick.delay, quick.restarts) == (7, 60, 10)
    assert steady is not None and (steady.streak, steady.delay, steady.restarts) == (1, 1, 10)


# -- the replicas ---------------------------------------------------------------------


@dataclass(frozen=True)
class PlanCase:
    id: str
    wanted: int
    pods: list[Obj]
    delete: list[str] = field(default_factory=list)
    create: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)
    again: float | None = None


PLAN_CASES = [
    PlanCase("each-missing-replica-is-made", 2, [], create=[(0, {}), (1, {})]),
    PlanCase("running-replicas-of-the-spec-are-left-alone", 2, [pod(0), pod(1)]),
    PlanCase("replicas-beyond-the-count-are-removed", 1, [pod(0), pod(1)], delete=["svc-1"]),
    PlanCase(
        "a-replica-of-an-older-spec-is-replaced-at-once-and-counted-afresh",
        1,
        [pod(0, hash_="old", notes={RESTARTS_ANNOTATION: "3"})],
        delete=["svc-0"],
        create=[(0, {})],
    ),
    PlanCase(
        "an-ended-replica-waits-out-its-back-off",
        1,
        [pod(0, "Failed", ran=(-1.0, -0.5), notes={STREAK_ANNOTATION: "2"})],
        waiting=["svc-0"],
        again=3.5,
    ),
    PlanCase(
        "an-ended-replica-is-replaced-once-its-back-off-ran-out",
        1,
        [pod(0, "Succeeded", ran=(-9, -5), exit_code=0, notes={RESTARTS_ANNOTATION: "4"})],
        delete=["svc-0"],
        create=[(0, {RESTARTS_ANNOTATION: "5", STREAK_ANNOTATION: "1"})],
    ),
    PlanCase("no-replicas-wanted-removes-them-all", 0, [pod(0)], delete=["svc-0"]),
]


@pytest.mark.parametrize("case", PLAN_CASES, ids=lambda c: c.id)
def test_replica_plan(case: PlanCase) -> None:
    plan = plan_replicas(case.wanted, HASH, case.pods, NOW)
    assert plan.delete == case.delete
    assert plan.create == case.create
    assert [w.name for w in plan.waiting] == case.waiting
    assert plan.again == case.again


# -- Ready ------------------------------------------------------------------------------

ADDRESS = Address(url="http://127.0.0.1:8080", ports=[AddressPort(port=8080, protocol="TCP")])


def facts(**changes: Any) -> Facts:
    given: dict[str, Any] = {
        "wanted": 1,
        "address": ADDRESS,
        "answers": True,
        "target": "127.0.0.1:8080",
    }
    return Facts(**{**given, **changes})


@dataclass(frozen=True)
class ReadyCase:
    id: str
    facts: Facts
    pods: list[Obj]
    ready: tuple[bool, str, str]


READY_CASES = [
    ReadyCase(
        "a-running-replica-whose-port-answers-is-ready",
        facts(),
        [pod(0)],
        (
            True,
            "MinimumReplicasAvailable",
            "http://127.0.0.1:8080 accepts connections; 1 of 1 replicas running",
        ),
    ),
    ReadyCase(
        "a-running-replica-whose-port-does-not-answer-yet-is-starting",
        facts(answers=False),
        [pod(0)],
        (
            False,
            "Starting",
            "waiting for 127.0.0.1:8080 to accept connections; 1 of 1 replicas running",
        ),
    ),
    ReadyCase(
        "a-port-that-answers-with-no-replica-running-is-someone-else",
        facts(),
        [pod(0, "Pending")],
        (
            False,
            "Starting",
            "waiting for 127.0.0.1:8080 to accept connections; 0 of 1 replicas running",
        ),
    ),
    ReadyCase(
        "a-serving-program-missing-from-this-host-is-named",
        facts(answers=False, program="x_server"),
        [start_error(0)],
        (
            False,
            "StartError",
            'replica svc-0: x_server could not be started on this host (container "server" '
            "could not start: bwrap: execvp x_server: No such file); restart 1 after a "
            "back-off of 1s; 0 of 1 replicas running",
        ),
    ),
    ReadyCase(
        "a-crashed-server-backs-off",
        facts(answers=False),
        [pod(0, "Failed", ran=(-0.4, -0.2), exit_code=3)],
        (
            False,
            "BackOff",
            "replica svc-0 exited with code 3; restart 1 after a back-off of 1s; "
            "0 of 1 replicas running",
        ),
    ),
    ReadyCase(
        "one-replica-serving-is-ready-and-the-others-failures-are-told",
        facts(wanted=2),
        [pod(0), pod(1, "Failed", ran=(-0.4, -0.2))],
        (
            True,
            "MinimumReplicasAvailable",
            "http://127.0.0.1:8080 accepts connections; 1 of 2 replicas running; "
            "replica svc-1 exited with code 1; restart 1 after a back-off of 1s",
        ),
    ),
    ReadyCase(
        "a-model-that-cannot-be-fetched-is-not-served",
        facts(wanted=0, model=(False, "S3Unsupported", "S3 cannot be fetched here")),
        [],
        (False, "ModelNotDownloaded", "S3 cannot be fetched here"),
    ),
    ReadyCase(
        "no-replicas-serve-nothing",
        facts(wanted=0, answers=None),
        [],
        (False, "NoReplicas", "spec.replicas is 0"),
    ),
    ReadyCase(
        "a-service-without-a-port-to-answer-on-says-why",
        facts(wanted=0, problem=("NoPort", "no container port is named web")),
        [],
        (False, "NoPort", "no container port is named web"),
    ),
]


@pytest.mark.parametrize("case", READY_CASES, ids=lambda c: c.id)
def test_ready(case: ReadyCase) -> None:
    waiting = plan_replicas(case.facts.wanted, HASH, case.pods, NOW).waiting
    assert ready(case.facts, case.pods, waiting) == case.ready


def test_the_status_keeps_the_transition_time_while_ready_stays_as_it_was() -> None:
    first = service_status(SimpleMLServiceStatus(), facts(answers=False), [pod(0)], [], NOW)
    later = service_status(first, facts(answers=False), [pod(0)], [], NOW + timedelta(seconds=5))
    assert later.dump() == first.dump()
    served = service_status(later, facts(), [pod(0)], [], NOW + timedelta(seconds=6))
    wire = served.dump()
    assert wire["address"] == {
        "url": "http://127.0.0.1:8080",
        "ports": [{"port": 8080, "protocol": "TCP"}],
    }
    assert [(c["type"], c["status"], c["lastTransitionTime"]) for c in wire["conditions"]] == [
        ("Ready", "True", "2025-01-01T12:00:06.000Z")
    ]


def test_model_downloaded_is_reported_only_where_there_is_storage() -> None:
    model = (True, "PersistentVolumeClaim", 'the model is read from claim "m"')
    with_model = service_status(SimpleMLServiceStatus(), facts(model=model), [pod(0)], [], NOW)
    assert [c.type for c in with_model.conditions] == ["ModelDownloaded", "Ready"]
    without = service_status(with_model, facts(), [pod(0)], [], NOW)
    assert [c.type for c in without.conditions] == ["Ready"]
