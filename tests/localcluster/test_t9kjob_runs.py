"""The T9k job kinds run for real: jobs applied by themselves and through Resource
runs and job-typed templates, their replicas real processes that find each other
over loopback sockets as their frameworks would."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support import GV, SHARED, Engine, run_yaml, template_yaml
from treadle.core.replicas import JOB_NAME_LABEL

Obj = dict[str, Any]
PYTHON = sys.executable
"""The test's own interpreter, for replicas that need what it has installed."""


def await_obj(
    engine: Engine, kind: str, name: str, holds: Callable[[Obj], bool], timeout: float = 30
) -> Obj:
    """The job (or pod) `name` once `holds` is true of it."""
    api = "v1" if kind == "Pod" else GV
    return engine.await_object(api, kind, holds, name=name, timeout=timeout)


def phase(obj: Obj) -> str | None:
    return (obj.get("status") or {}).get("phase")


def ended(obj: Obj) -> bool:
    return phase(obj) in ("Succeeded", "Failed")


def condition(obj: Obj, type_: str) -> Obj:
    return next(c for c in obj["status"]["conditions"] if c["type"] == type_)


def job(kind: str, name: str, spec: Obj) -> Obj:
    return {"apiVersion": GV, "kind": kind, "metadata": {"name": name}, "spec": spec}


def container(command: list[str], name: str = "main", **extra: Any) -> Obj:
    return {"name": name, "image": "python", "command": command, **extra}


def group(type_: str, replicas: int, command: list[str], policy: Any = None) -> Obj:
    out: Obj = {
        "type": type_,
        "replicas": replicas,
        "template": {"spec": {"containers": [container(command)]}},
    }
    if policy is not None:
        out["restartPolicy"] = policy
    return out


def pod_logs(engine: Engine, pod_name: str, container_name: str = "main") -> str:
    pod = engine.store.get("v1", "Pod", "default", pod_name)
    return "\n".join(
        line.text for line in engine.client.runtime.logs(pod["metadata"]["uid"], container_name)
    )


def pods_of(engine: Engine, name: str) -> list[Obj]:
    return engine.store.list(
        "v1", "Pod", "default", label_selector=f"{JOB_NAME_LABEL}={name}"
    ).items


def await_pods(engine: Engine, name: str, names: set[str], timeout: float = 20) -> None:
    """Until the job's pods are exactly `names`: the clean-up's deletes follow the
    status that ends the job."""
    selector = f"{JOB_NAME_LABEL}={name}"
    page = engine.store.list("v1", "Pod", "default", label_selector=selector)
    have = {p["metadata"]["name"] for p in page.items}
    if have == names:
        return
    for event in engine.store.watch(
        "v1", "Pod", "default", since=page.resource_version, timeout=timeout
    ):
        if event.type == "DELETED":
            have.discard(event.object["metadata"]["name"])
        elif (event.object["metadata"].get("labels") or {}).get(JOB_NAME_LABEL) == name:
            have.add(event.object["metadata"]["name"])
        if have == names:
            return
    raise AssertionError(f"pods of {name}: {have}, not {names}")


# --- the seed and TensorFlow ------------------------------------------------------------

TF_TRAIN = """\
import json, os
cfg = json.loads(os.environ["TF_CONFIG"])
print("tf task", cfg["task"]["type"], cfg["task"]["index"], "of", len(cfg["cluster"]["worker"]))
"""


def test_the_seed_trainingjob_template_runs_four_workers_each_with_its_own_tf_config(
    engine: Engine,
) -> None:
    claim = Path(engine.client.volume_path("default", "mnist-conf"))
    claim.mkdir(parents=True, exist_ok=True)
    (claim / "train.py").write_text(TF_TRAIN)
    engine.apply((SHARED / "conformance/valid-jobs/01-seed-trainingjob.yaml").read_text())
    run = engine.wait("seed-trainingjob-run", timeout=60)
    assert run["status"]["phase"] == "Succeeded", run["status"].get("message")
    tfjob = engine.store.get(GV, "TensorFlowTrainingJob", "default", "mnist-conformance")
    assert condition(tfjob, "Succeeded")["status"] == "True"
    for i in range(4):
        pod = await_obj(engine, "Pod", f"mnist-conformance-worker-{i}", ended)
        assert phase(pod) == "Succeeded"
        assert f"tf task worker {i} of 4" in pod_logs(
            engine, f"mnist-conformance-worker-{i}", "tensorflow"
        )


MEET = """
import json, os, socket, time
cfg = json.loads(os.environ["TF_CONFIG"])
me = cfg["task"]["index"]
workers = cfg["cluster"]["worker"]
host, port = workers[0].rsplit(":", 1)
if me == 0:
    server = socket.create_server((host, int(port)))
    seen, conns = [0], []
    while len(seen) < len(workers):
        conn, _ = server.accept()
        seen.append(int(conn.recv(16)))
        conns.append(conn)
    for conn in conns:
        conn.sendall(",".join(map(str, sorted(seen))).encode())
    print("met", sorted(seen))
else:
    for _ in range(400):
        try:
            conn = socket.create_connection((host, int(port)))
            break
        except OSError:
            time.sleep(0.05)
    conn.sendall(str(me).encode())
    print("met", conn.recv(64).decode())
"""


def test_four_tensorflow_workers_meet_at_worker_0s_address_from_tf_config(engine: Engine) -> None:
    engine.client.apply(
        job(
            "TensorFlowTrainingJob",
            "meet",
            {"replicaSpecs": [group("worker", 4, ["python3", "-c", MEET])]},
        )
    )
    done = await_obj(engine, "TensorFlowTrainingJob", "meet", ended, timeout=60)
    assert phase(done) == "Succeeded"
    for i in range(1, 4):
        assert "met 0,1,2,3" in pod_logs(engine, f"meet-worker-{i}")
    assert "met [0, 1, 2, 3]" in pod_logs(engine, "meet-worker-0")


# --- restarts ---------------------------------------------------------------------------

EXIT_ONCE = "if [ -e /marks/once ]; then echo second; exit 0; fi; touch /marks/once; exit 137"


def test_exitcode_restarts_a_replica_that_exits_137_and_the_job_can_succeed(
    engine: Engine,
) -> None:
    # The marker is on a claim: what a replica leaves on its own disk goes with its pod.
    worker = group("worker", 1, ["sh", "-c", EXIT_ONCE], "ExitCode")
    pod_spec = worker["template"]["spec"]
    pod_spec["containers"][0]["volumeMounts"] = [{"name": "marks", "mountPath": "/marks"}]
    pod_spec["volumes"] = [{"name": "marks", "persistentVolumeClaim": {"claimName": "marks"}}]
    engine.client.apply(
        job(
            "TensorFlowTrainingJob",
            "killed",
            {"runPolicy": {"backoffLimit": 3}, "replicaSpecs": [worker]},
        )
    )
    done = await_obj(engine, "TensorFlowTrainingJob", "killed", ended)
    assert phase(done) == "Succeeded"
    assert done["status"]["backoffCount"] == 1
    assert done["status"]["tasks"][0]["restartCount"] == 1
    assert "second" in pod_logs(engine, "killed-worker-0")


def test_exitcode_fails_the_job_at_once_on_exit_1_without_restarting(engine: Engine) -> None:
    engine.client.apply(
        job(
            "TensorFlowTrainingJob",
            "broken",
            {"replicaSpecs": [group("worker", 2, ["sh", "-c", "exit 1"], "ExitCode")]},
        )
    )
    done = await_obj(engine, "TensorFlowTrainingJob", "broken", ended)
    assert phase(done) == "Failed"
    assert done["status"]["backoffCount"] == 0
    assert "exit code 1" in condition(done, "Failed")["message"]


def test_backoff_limit_caps_restarts_summed_over_all_replicas(engine: Engine) -> None:
    engine.client.apply(
        job(
            "PyTorchTrainingJob",
            "flaky",
            {
                "runPolicy": {"backoffLimit": 2},
                "replicaSpecs": [group("master", 1, ["sh", "-c", "exit 143"], "ExitCode")],
            },
        )
    )
    done = await_obj(engine, "PyTorchTrainingJob", "flaky", ended)
    assert phase(done) == "Failed"
    assert done["status"]["backoffCount"] == 2
    assert done["status"]["tasks"][0]["restartCount"] == 2


# --- GenericJob -------------------------------------------------------------------------


def test_genericjob_rules_decide_and_replicas_see_their_substitutions(engine: Engine) -> None:
    engine.apply((SHARED / "conformance/valid-jobs/02-genericjob-rules.yaml").read_text())
    run = engine.wait("generic-rules-run")
    assert run["status"]["phase"] == "Succeeded", run["status"].get("message")
    for i in range(3):
        await_obj(engine, "Pod", f"generic-rules-run-worker-{i}", ended)
        assert f"replica worker {i} of 3" in pod_logs(engine, f"generic-rules-run-worker-{i}")


def test_a_genericjob_failure_rule_fails_it_naming_the_rule(engine: Engine) -> None:
    engine.client.apply(
        job(
            "GenericJob",
            "gfail",
            {
                "successRules": [{"worker": [0]}],
                "failureRules": [{"worker": [1]}],
                "replicaSpecs": [
                    group("worker", 2, ["sh", "-c", "[ $(rank) = 0 ] && sleep 5; exit $(rank)"])
                ],
            },
        )
    )
    done = await_obj(engine, "GenericJob", "gfail", ended)
    assert phase(done) == "Failed"
    assert '{"worker": [1]}' in condition(done, "Failed")["message"]


SERVICE = """
import os, socket, sys, time
host, port = os.environ["PEER"], int(os.environ["PORT"])
if os.environ["RANK"] == "0":
    s = socket.create_server((host, port)); c, _ = s.accept(); print("got", c.recv(16).decode())
else:
    for _ in range(400):
        try:
            c = socket.create_connection((os.environ["PEER"], port)); break
        except OSError:
            time.sleep(0.05)
    c.sendall(b"hello")
"""


def test_genericjob_service_hosts_and_ports_reach_each_other(engine: Engine) -> None:
    env = [
        {"name": "RANK", "value": "$(rank)"},
        {"name": "PORT", "value": "$(service.port[http])"},
        {"name": "PEER", "value": "$(service.worker[0].host)"},
    ]
    spec = group("worker", 2, ["python3", "-c", SERVICE])
    spec["template"]["spec"]["containers"][0]["env"] = env
    engine.client.apply(
        job(
            "GenericJob",
            "svc",
            {
                "service": {"ports": [{"name": "http", "port": 2222}]},
                "successRules": [{"worker": [0, 1]}],
                "replicaSpecs": [spec],
            },
        )
    )
    done = await_obj(engine, "GenericJob", "svc", ended, timeout=40)
    assert phase(done) == "Succeeded", condition(done, "ReplicaFailure")
    assert "got hello" in pod_logs(engine, "svc-worker-0")


# --- PyTorch and XGBoost ----------------------------------------------------------------

TORCH_MEET = """
import os, socket, time
addr, port = os.environ["MASTER_ADDR"], int(os.environ["MASTER_PORT"])
rank, world = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
if rank == 0:
    s = socket.create_server((addr, port)); ranks = [0]
    while len(ranks) < world:
        c, _ = s.accept(); ranks.append(int(c.recv(8)))
    print("world", sorted(ranks))
else:
    for _ in range(400):
        try:
            c = socket.create_connection((addr, port)); break
        except OSError:
            time.sleep(0.05)
    c.sendall(str(rank).encode())
"""


def test_pytorch_replicas_meet_at_master_addr_and_port(engine: Engine) -> None:
    engine.client.apply(
        job(
            "PyTorchTrainingJob",
            "torch",
            {
                "replicaSpecs": [
                    group("master", 1, ["python3", "-c", TORCH_MEET]),
                    group("worker", 2, ["python3", "-c", TORCH_MEET]),
                ]
            },
        )
    )
    done = await_obj(engine, "PyTorchTrainingJob", "torch", ended, timeout=40)
    assert phase(done) == "Succeeded"
    assert "world [0, 1, 2]" in pod_logs(engine, "torch-master-0")


XGB_TRAIN = """
import os, numpy as np, xgboost as xgb
from xgboost import collective
from xgboost.tracker import RabitTracker
rank, world = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
host, port = os.environ["DMLC_TRACKER_URI"], int(os.environ["DMLC_TRACKER_PORT"])
if rank == 0:
    tracker = RabitTracker(host_ip=host, n_workers=world, port=port, sortby="task")
    tracker.start()
args = {"dmlc_communicator": "rabit", "dmlc_tracker_uri": host, "dmlc_tracker_port": port,
        "dmlc_task_id": str(rank), "dmlc_retry": 40, "dmlc_timeout": 60}
with collective.CommunicatorContext(**args):
    rng = np.random.default_rng(rank)
    x = rng.normal(size=(200, 4)); y = (x[:, 0] > 0).astype(int)
    booster = xgb.train({"objective": "binary:logistic", "tree_method": "hist"},
                        xgb.DMatrix(x, label=y), num_boost_round=5)
    print("trained rank", collective.get_rank(), "of", collective.get_world_size())
if rank == 0:
    tracker.wait_for()
"""


@pytest.mark.skipif(
    importlib.util.find_spec("xgboost") is None,
    reason="xgboost (the xgboost-cpu wheel of the dev requirements) is not installed",
)
def test_xgboost_trains_across_two_replicas_with_the_real_tracker(engine: Engine) -> None:
    engine.client.apply(
        job(
            "XGBoostTrainingJob",
            "xgb",
            {
                "replicaSpecs": [
                    group("master", 1, [PYTHON, "-c", XGB_TRAIN]),
                    group("worker", 1, [PYTHON, "-c", XGB_TRAIN]),
                ]
            },
        )
    )
    done = await_obj(engine, "XGBoostTrainingJob", "xgb", ended, timeout=90)
    assert phase(done) == "Succeeded", condition(done, "Completed")
    assert "trained rank 0 of 2" in pod_logs(engine, "xgb-master-0")
    await_obj(engine, "Pod", "xgb-worker-0", ended)
    assert "trained rank 1 of 2" in pod_logs(engine, "xgb-worker-0")


# --- run modes, deadlines, clean-up -------------------------------------------------------


def test_debug_mode_runs_the_debug_command_instead_of_the_training_command(engine: Engine) -> None:
    engine.client.apply(
        job(
            "GenericJob",
            "dbg",
            {
                "runMode": {
                    "debug": {
                        "enabled": True,
                        "replicaSpecs": [
                            {"type": "worker", "command": ["sh", "-c", "echo debugging; sleep 30"]}
                        ],
                    }
                },
                "replicaSpecs": [group("worker", 1, ["sh", "-c", "echo training"])],
            },
        )
    )
    await_obj(engine, "GenericJob", "dbg", lambda j: phase(j) == "Running")
    pod = engine.store.get("v1", "Pod", "default", "dbg-worker-0")
    assert pod["spec"]["containers"][0]["command"] == ["sh", "-c", "echo debugging; sleep 30"]


def test_pause_deletes_the_replicas_and_resume_creates_them_again(engine: Engine) -> None:
    def paused(enabled: bool) -> dict[str, Any]:
        # Applied as `treadle apply` does, without the resourceVersion: the operator
        # writes the job's status meanwhile, which an update from a read would race.
        spec = {"replicaSpecs": [group("worker", 2, ["sleep", "30"])]}
        return job("GenericJob", "pz", {**spec, "runMode": {"pause": {"enabled": enabled}}})

    engine.client.apply(paused(False))
    await_obj(engine, "GenericJob", "pz", lambda j: phase(j) == "Running")
    engine.client.apply(paused(True))
    done = await_obj(
        engine,
        "GenericJob",
        "pz",
        lambda j: phase(j) == "Paused" and j["status"]["aggregate"]["deleted"] == 2,
    )
    assert condition(done, "Paused")["status"] == "True"
    await_pods(engine, "pz", set())
    engine.client.apply(paused(False))
    back = await_obj(engine, "GenericJob", "pz", lambda j: phase(j) == "Running")
    assert condition(back, "Paused")["status"] == "False"
    await_pods(engine, "pz", {"pz-worker-0", "pz-worker-1"})


def test_active_deadline_fails_the_job_and_stops_its_replicas(engine: Engine) -> None:
    engine.client.apply(
        job(
            "TensorFlowTrainingJob",
            "slow",
            {
                "runPolicy": {"activeDeadlineSeconds": 1},
                "replicaSpecs": [group("worker", 2, ["sleep", "60"])],
            },
        )
    )
    done = await_obj(engine, "TensorFlowTrainingJob", "slow", ended)
    assert phase(done) == "Failed"
    assert condition(done, "Failed")["reason"] == "DeadlineExceeded"
    assert done["status"]["aggregate"]["deleted"] == 2


@pytest.mark.parametrize(
    ("policy", "left"),
    [("None", {"cu-worker-0", "cu-worker-1"}), ("Unfinished", {"cu-worker-0"}), ("All", set())],
)
def test_clean_up_policy_says_which_replicas_are_deleted_at_the_end(
    engine: Engine, policy: str, left: set[str]
) -> None:
    engine.client.apply(
        job(
            "TensorFlowTrainingJob",
            "cu",
            {
                "runPolicy": {"cleanUpPolicy": policy},
                "replicaSpecs": [
                    group(
                        "worker",
                        2,
                        [
                            "sh",
                            "-c",
                            '[ "$(echo $TF_CONFIG | grep -c \'"index": 0\')" = 1 ] || sleep 30',
                        ],
                    )
                ],
            },
        )
    )
    done = await_obj(engine, "TensorFlowTrainingJob", "cu", ended)
    assert phase(done) == "Succeeded"
    expected = done["status"]["aggregate"]["deleted"]
    assert expected == 2 - len(left)
    await_pods(engine, "cu", left)


# --- the launcher family and BeamJob --------------------------------------------------------


def test_an_mpijob_without_open_mpi_fails_naming_what_is_missing(engine: Engine) -> None:
    engine.apply(
        template_yaml(
            "mpi",
            "  type: MPIJob\n  mpiJob:\n    spec:\n      worker:\n        replicas: 2\n"
            "        cmd: [./random_walk]\n        template:\n          spec:\n"
            "            containers: [{name: mpi-worker, image: mpi}]",
        )
        + run_yaml("mpi-run", "  workflowTemplateRef: mpi")
    )
    run = engine.wait("mpi-run", timeout=30)
    assert run["status"]["phase"] == "Failed"
    mpijob = engine.store.get(GV, "MPIJob", "default", "mpi-run")
    message = condition(mpijob, "Failed")["message"]
    assert "mpirun" in message and "Open MPI" in message
    await_pods(engine, "mpi-run", {"mpi-run-launcher"})  # the workers only held slots


def test_a_beamjob_runs_its_job_template_and_says_no_flink_cluster_is_made(engine: Engine) -> None:
    engine.client.apply(
        job(
            "BeamJob",
            "beam",
            {
                "flinkClusterTemplate": {"spec": {"flinkVersion": "1.10.1"}},
                "jobTemplate": {
                    "spec": {
                        "template": {
                            "spec": {
                                "restartPolicy": "Never",
                                "containers": [container(["echo", "pipeline"])],
                            }
                        }
                    }
                },
            },
        )
    )
    done = await_obj(engine, "BeamJob", "beam", ended)
    assert phase(done) == "Succeeded"
    assert "No Flink cluster" in condition(done, "Initialized")["message"]
    assert "pipeline" in pod_logs(engine, "beam-batchjob-0")


def test_replica_pods_are_named_labelled_and_owned_as_on_the_platform(engine: Engine) -> None:
    engine.client.apply(
        job("TensorFlowTrainingJob", "own", {"replicaSpecs": [group("worker", 1, ["true"])]})
    )
    done = await_obj(engine, "TensorFlowTrainingJob", "own", ended)
    (pod,) = pods_of(engine, "own")
    assert pod["metadata"]["name"] == "own-worker-0"
    assert pod["metadata"]["ownerReferences"][0]["uid"] == done["metadata"]["uid"]
    assert pod["metadata"]["ownerReferences"][0]["controller"] is True
    assert pod["metadata"]["labels"]["batch.tensorstack.dev/replica-type"] == "worker"
    assert pod["spec"]["restartPolicy"] == "Never"
    ports = json.loads(done["metadata"]["annotations"]["batch.tensorstack.dev/replica-addresses"])
    assert ports["endpoints"]["worker"][0].startswith("127.0.0.1:")


# --- a stored job no operator can run ------------------------------------------------------

UNRUNNABLE = {
    "a DeepSpeedJob with no workers": (
        "DeepSpeedJob",
        {"worker": {"replicas": 0, "template": {"spec": {"containers": [container(["true"])]}}}},
        "spec.worker.replicas: must be at least 1, got 0",
    ),
    "a PyTorchTrainingJob with no master and no workers": (
        "PyTorchTrainingJob",
        {"replicaSpecs": [group("master", 0, ["true"])]},
        "spec.replicaSpecs[0].replicas: must be at least 1",
    ),
}


@pytest.mark.parametrize(("kind", "spec", "why"), UNRUNNABLE.values(), ids=UNRUNNABLE.keys())
def test_a_stored_job_that_cannot_run_fails_once_saying_why(
    engine: Engine, kind: str, spec: Obj, why: str
) -> None:
    # Stored as it is, past the rules that refuse it (as a job stored before them,
    # or given its counts by a substitution, would be).
    engine.store.create(job(kind, "bad", spec))
    done = await_obj(engine, kind, "bad", ended)
    assert phase(done) == "Failed"
    failed = condition(done, "Failed")
    assert failed["reason"] == "InvalidSpec"
    assert failed["message"].startswith("The job cannot run: ") and why in failed["message"]
    assert pods_of(engine, "bad") == []
