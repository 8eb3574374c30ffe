"""The replica engine of the T9k jobs (core/replicas.py): given a job's shape, its
pods and its status, what its operator does. Each case names one behaviour."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

import pytest

from treadle.core.replicas import (
    JobShape,
    Replica,
    Restart,
    decide,
    main_rules,
    wants_restart,
)

Obj = dict[str, Any]
T0 = datetime(2026, 1, 1, tzinfo=UTC)
START = {"startTime": "2026-01-01T00:00:00.000Z"}


def replica(type_: str, index: int, policy: str = "Never", limit: int | None = None) -> Replica:
    name = f"j-{type_}-{index}"
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": {}}
    return Replica(type_, index, pod, Restart(policy, limit))  # type: ignore[arg-type]


def pod(name: str, phase: str, code: int | None = None, uid: str = "u1", reason: str = "") -> Obj:
    status: Obj = {"phase": phase}
    if code is not None:
        term: Obj = {"exitCode": code}
        if reason:
            term |= {
                "reason": reason,
                "message": 'exec: "mpirun": executable file not found in $PATH',
            }
        status["containerStatuses"] = [{"name": "c", "state": {"terminated": term}}]
    return {"metadata": {"name": name, "uid": uid}, "status": status}


def deleted(p: Obj) -> Obj:
    """`p` being deleted: on an API server it lingers, and may still end, until gone."""
    return {**p, "metadata": {**p["metadata"], "deletionTimestamp": "2026-01-01T00:00:01Z"}}


def workers(n: int, policy: str = "Never", **kw: Any) -> JobShape:
    reps = tuple(replica("worker", i, policy) for i in range(n))
    return JobShape(reps, main_rules([("worker", 0)]), main_rules([("worker", 0)]), **kw)


RUNNING = {**START, "phase": "Running"}


def paused_status(n: int = 1) -> Obj:
    """The status a job of `n` running workers writes when paused."""
    pods = {f"j-worker-{i}": pod(f"j-worker-{i}", "Running") for i in range(n)}
    return decide(workers(n, mode="Pause"), pods, START, T0).status


class Case(NamedTuple):
    shape: JobShape
    pods: list[Obj]
    status: Obj
    phase: str | None
    create: list[str]
    delete: list[str]
    at: datetime = T0


CASES: dict[str, Case] = {
    "a new job creates every replica and is pending": Case(
        workers(2), [], {}, "Pending", ["j-worker-0", "j-worker-1"], []
    ),
    "a job whose pods all exist and one runs is running": Case(
        workers(2),
        [pod("j-worker-0", "Running"), pod("j-worker-1", "Pending")],
        START,
        "Running",
        [],
        [],
    ),
    "the main replica's success succeeds the job": Case(
        workers(2),
        [pod("j-worker-0", "Succeeded", 0), pod("j-worker-1", "Running")],
        START,
        "Succeeded",
        [],
        [],
    ),
    "another replica's success decides nothing": Case(
        workers(2),
        [pod("j-worker-0", "Running"), pod("j-worker-1", "Succeeded", 0)],
        START,
        "Running",
        [],
        [],
    ),
    "Never: the main replica's failure fails the job": Case(
        workers(1), [pod("j-worker-0", "Failed", 1)], START, "Failed", [], []
    ),
    "ExitCode: 137 restarts the replica by deleting its pod": Case(
        workers(1, "ExitCode"),
        [pod("j-worker-0", "Failed", 137)],
        START,
        "Running",
        [],
        ["j-worker-0"],
    ),
    "ExitCode: 1 is final": Case(
        workers(1, "ExitCode"), [pod("j-worker-0", "Failed", 1)], START, "Failed", [], []
    ),
    "OnFailure: any failure restarts": Case(
        workers(1, "OnFailure"),
        [pod("j-worker-0", "Failed", 1)],
        START,
        "Running",
        [],
        ["j-worker-0"],
    ),
    "OnFailure: a success is final": Case(
        workers(1, "OnFailure"), [pod("j-worker-0", "Succeeded", 0)], START, "Succeeded", [], []
    ),
    "Always: even a success restarts": Case(
        workers(1, "Always"),
        [pod("j-worker-0", "Succeeded", 0)],
        START,
        "Running",
        [],
        ["j-worker-0"],
    ),
    "a program that never ran is not restarted": Case(
        workers(1, "OnFailure"),
        [pod("j-worker-0", "Failed", 128, reason="StartError")],
        START,
        "Failed",
        [],
        [],
    ),
    "backoffLimit reached: no more restarts": Case(
        workers(1, "ExitCode", backoff_limit=2),
        [pod("j-worker-0", "Failed", 137)],
        {**START, "backoffCount": 2},
        "Failed",
        [],
        [],
    ),
    "a restart already recorded for this pod is not counted again": Case(
        workers(1, "ExitCode", backoff_limit=1),
        [pod("j-worker-0", "Failed", 137, uid="u1")],
        {
            **START,
            "backoffCount": 1,
            "replicaRestarts": [{"name": "j-worker-0", "count": 1, "lastEndedUid": "u1"}],
        },
        "Running",
        [],
        ["j-worker-0"],
    ),
    "a restarted replica's pod, once gone, is created again": Case(
        workers(1, "ExitCode"),
        [],
        {**START, "replicaRestarts": [{"name": "j-worker-0", "count": 1, "lastEndedUid": "u1"}]},
        "Pending",
        ["j-worker-0"],
        [],
    ),
    "the deadline passed fails the job and deletes what runs": Case(
        workers(2, active_deadline_seconds=10),
        [pod("j-worker-0", "Running"), pod("j-worker-1", "Succeeded", 0)],
        START,
        "Failed",
        [],
        ["j-worker-0"],
        T0 + timedelta(seconds=11),
    ),
    "pause deletes what has not succeeded": Case(
        workers(2, mode="Pause"),
        [pod("j-worker-0", "Running"), pod("j-worker-1", "Succeeded", 0)],
        START,
        "Paused",
        [],
        ["j-worker-0"],
    ),
    "an ended job with cleanUpPolicy All deletes every pod": Case(
        workers(2, clean_up="All"),
        [pod("j-worker-0", "Succeeded", 0), pod("j-worker-1", "Running")],
        {**START, "phase": "Succeeded"},
        "Succeeded",
        [],
        ["j-worker-0", "j-worker-1"],
    ),
    "cleanUpPolicy Unfinished deletes only what still runs": Case(
        workers(2, clean_up="Unfinished"),
        [pod("j-worker-0", "Succeeded", 0), pod("j-worker-1", "Running")],
        START,
        "Succeeded",
        [],
        ["j-worker-1"],
    ),
    "an ended job is never judged again": Case(
        workers(1),
        [pod("j-worker-0", "Failed", 1)],
        {**START, "phase": "Succeeded"},
        "Succeeded",
        [],
        [],
    ),
    "a launcher waits for its workers to run": Case(
        JobShape(
            (replica("launcher", 0), replica("worker", 0)),
            main_rules([("launcher", 0)]),
            main_rules([("launcher", 0)]),
            waits_for={"launcher": ("worker",)},
        ),
        [pod("j-worker-0", "Pending")],
        START,
        "Pending",
        [],
        [],
    ),
    "workers that only hold slots are deleted when the launcher ends": Case(
        JobShape(
            (replica("launcher", 0), replica("worker", 0)),
            main_rules([("launcher", 0)]),
            main_rules([("launcher", 0)]),
            ends_with=("worker",),
        ),
        [pod("j-launcher-0", "Succeeded", 0), pod("j-worker-0", "Running")],
        START,
        "Succeeded",
        [],
        ["j-worker-0"],
    ),
    "a success rule needs every replica it names": Case(
        JobShape(
            (replica("worker", 0), replica("worker", 1)),
            (frozenset({("worker", 0), ("worker", 1)}),),
            (),
        ),
        [pod("j-worker-0", "Succeeded", 0), pod("j-worker-1", "Running")],
        START,
        "Running",
        [],
        [],
    ),
    "a failure rule wins over a success rule met at once": Case(
        JobShape(
            (replica("worker", 0), replica("worker", 1)),
            main_rules([("worker", 0)]),
            main_rules([("worker", 1)]),
        ),
        [pod("j-worker-0", "Succeeded", 0), pod("j-worker-1", "Failed", 2)],
        START,
        "Failed",
        [],
        [],
    ),
    "a pod being deleted that ends with 137 is not a restart": Case(
        workers(1, "ExitCode"),
        [deleted(pod("j-worker-0", "Failed", 137))],
        RUNNING,
        "Running",
        [],
        [],
    ),
    "a pod being deleted that ends with 143 does not fail the job": Case(
        workers(1), [deleted(pod("j-worker-0", "Failed", 143))], RUNNING, "Running", [], []
    ),
    "a pod being deleted that succeeded decides nothing": Case(
        workers(1), [deleted(pod("j-worker-0", "Succeeded", 0))], RUNNING, "Running", [], []
    ),
    "resumed before the paused pods are gone: they are not recreated yet": Case(
        workers(2),
        [deleted(pod("j-worker-0", "Running")), deleted(pod("j-worker-1", "Failed", 137))],
        paused_status(2),
        "Pending",
        [],
        [],
    ),
    "resumed once one paused pod is gone: that one is created": Case(
        workers(2),
        [deleted(pod("j-worker-1", "Running"))],
        paused_status(2),
        "Pending",
        ["j-worker-0"],
        [],
    ),
    "pause does not delete again a pod already being deleted": Case(
        workers(1, mode="Pause"),
        [deleted(pod("j-worker-0", "Running"))],
        START,
        "Paused",
        [],
        [],
    ),
    "the deadline does not count the time spent paused": Case(
        workers(1, active_deadline_seconds=10),
        [],
        paused_status(),
        "Pending",
        ["j-worker-0"],
        [],
        T0 + timedelta(hours=1),
    ),
    "a replica's own limit caps its restarts (GenericJob)": Case(
        JobShape(
            (replica("worker", 0, "OnFailure", 0),),
            main_rules([("worker", 0)]),
            main_rules([("worker", 0)]),
        ),
        [pod("j-worker-0", "Failed", 1)],
        START,
        "Failed",
        [],
        [],
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_decide(case: Case) -> None:
    pods = {p["metadata"]["name"]: p for p in case.pods}
    out = decide(case.shape, pods, case.status, case.at)
    assert out.status.get("phase") == case.phase
    assert [p["metadata"]["name"] for p in out.create] == case.create
    assert sorted(out.delete) == case.delete


def test_a_restart_is_recorded_with_the_ended_pods_uid_and_counted_per_type() -> None:
    out = decide(
        workers(1, "ExitCode"),
        {"j-worker-0": pod("j-worker-0", "Failed", 143, uid="u9")},
        START,
        T0,
    )
    assert out.status["replicaRestarts"] == [
        {"name": "j-worker-0", "count": 1, "lastEndedUid": "u9"}
    ]
    assert out.status["backoffCount"] == 1
    assert out.status["tasks"][0]["restartCount"] == 1


def test_success_writes_the_conditions_the_default_resource_rules_look_for() -> None:
    out = decide(workers(1), {"j-worker-0": pod("j-worker-0", "Succeeded", 0)}, START, T0)
    conditions = {c["type"]: c["status"] for c in out.status["conditions"]}
    assert conditions["Succeeded"] == "True" and conditions["Completed"] == "True"
    assert out.status["completionTime"]


def test_failure_names_the_rule_and_why_the_replica_failed() -> None:
    out = decide(workers(1), {"j-worker-0": pod("j-worker-0", "Failed", 3)}, START, T0)
    failed = next(c for c in out.status["conditions"] if c["type"] == "Failed")
    assert failed["status"] == "True"
    assert failed["message"] == 'The job failed with rule {"worker": [0]}: j-worker-0: exit code 3'


def test_a_missing_program_is_named_with_what_provides_it() -> None:
    shape = JobShape(
        (replica("launcher", 0),),
        main_rules([("launcher", 0)]),
        main_rules([("launcher", 0)]),
        programs={"mpirun": "Open MPI"},
    )
    out = decide(
        shape, {"j-launcher-0": pod("j-launcher-0", "Failed", 128, reason="StartError")}, START, T0
    )
    failed = next(c for c in out.status["conditions"] if c["type"] == "Failed")
    assert "mpirun is not on this host: Open MPI is needed" in failed["message"]


def test_aggregate_and_tasks_report_every_replica() -> None:
    out = decide(workers(3), {"j-worker-0": pod("j-worker-0", "Running")}, START, T0)
    assert out.status["aggregate"]["running"] == 1
    assert out.status["aggregate"]["creating"] == 2
    names = [r["name"] for r in out.status["tasks"][0]["replicas"]]
    assert names == ["j-worker-0", "j-worker-1", "j-worker-2"]


def test_resume_after_pause_recreates_the_replicas_and_clears_paused() -> None:
    paused = decide(
        workers(1, mode="Pause"), {"j-worker-0": pod("j-worker-0", "Running")}, START, T0
    )
    resumed = decide(workers(1), {}, paused.status, T0)
    assert [p["metadata"]["name"] for p in resumed.create] == ["j-worker-0"]
    cond = next(c for c in resumed.status["conditions"] if c["type"] == "Paused")
    assert cond["status"] == "False"


def test_the_deadline_counts_from_the_last_resume() -> None:
    resumed_at = T0 + timedelta(hours=1)
    resumed = decide(workers(1, active_deadline_seconds=10), {}, paused_status(), resumed_at)
    assert resumed.status["startTime"] == "2026-01-01T01:00:00.000Z"
    assert resumed.requeue == pytest.approx(10)
    running = {"j-worker-0": pod("j-worker-0", "Running")}
    later = decide(
        workers(1, active_deadline_seconds=10),
        running,
        resumed.status,
        resumed_at + timedelta(seconds=11),
    )
    assert later.status["phase"] == "Failed" and later.delete == ["j-worker-0"]


def test_a_pod_being_deleted_is_not_counted_as_a_restart_or_reported_as_there() -> None:
    out = decide(
        workers(1, "ExitCode"),
        {"j-worker-0": deleted(pod("j-worker-0", "Failed", 137))},
        RUNNING,
        T0,
    )
    assert out.status["backoffCount"] == 0 and "replicaRestarts" not in out.status
    assert out.status["tasks"][0]["replicas"][0]["phase"] == "Creating"


def test_the_deadline_asks_to_be_looked_at_again_when_it_passes() -> None:
    out = decide(workers(1, active_deadline_seconds=10), {}, START, T0 + timedelta(seconds=4))
    assert out.requeue == pytest.approx(6)


RESTARTS = {
    ("Never", "Failed", 137): False,
    ("ExitCode", "Failed", 130): True,
    ("ExitCode", "Failed", 137): True,
    ("ExitCode", "Failed", 138): True,
    ("ExitCode", "Failed", 143): True,
    ("ExitCode", "Failed", 2): False,
    ("ExitCode", "Succeeded", 0): False,
    ("OnFailure", "Failed", 1): True,
    ("Always", "Succeeded", 0): True,
    ("Always", "Running", None): False,
}


@pytest.mark.parametrize(("policy", "phase", "code"), RESTARTS.keys())
def test_wants_restart(policy: str, phase: str, code: int | None) -> None:
    assert wants_restart(policy, pod("p", phase, code)) is RESTARTS[(policy, phase, code)]  # type: ignore[arg-type]
