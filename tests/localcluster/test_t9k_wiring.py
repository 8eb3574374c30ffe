"""Each T9k job kind's wiring (localcluster/t9kjobs/wiring.py): the environment and
commands of its replicas, and the rules that decide it, as plain values; and the
loopback addresses a job keeps."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from treadle.api.t9k import JOB_MODELS
from treadle.localcluster.t9kjobs.addresses import (
    ADDRESSES_ANNOTATION,
    LoopbackAddresses,
    ServiceAddresses,
)
from treadle.localcluster.t9kjobs.wiring import (
    BEAM_NOTE,
    Endpoint,
    InvalidJob,
    JobAddresses,
    Wanted,
    generic_substitute,
    merged_hosts,
    mpirun_command,
    shape_of,
    slots_per_worker,
    wanted,
)

Obj = dict[str, Any]
GV = "batch.tensorstack.dev/v1beta1"


def typed(kind: str, spec: Obj, name: str = "j") -> Any:
    return JOB_MODELS[kind].model_validate(
        {"apiVersion": GV, "kind": kind, "metadata": {"name": name}, "spec": spec}
    )


def group(type_: str, n: int, **container: Any) -> Obj:
    c = {"name": "main", "image": "x", "command": ["train"], **container}
    return {"type": type_, "replicas": n, "template": {"spec": {"containers": [c]}}}


def loopback(**counts: int) -> JobAddresses:
    port = iter(range(5000, 6000))
    return JobAddresses(
        {t: [Endpoint("127.0.0.1", next(port)) for _ in range(n)] for t, n in counts.items()}
    )


def env_of(pod: Obj) -> dict[str, str]:
    return {e["name"]: e["value"] for e in pod["spec"]["containers"][0].get("env") or []}


def main_command(pod: Obj) -> list[str]:
    return list(pod["spec"]["containers"][0]["command"])


# --- TensorFlow ------------------------------------------------------------------------


def test_tf_config_lists_every_replica_and_names_the_task() -> None:
    job = typed("TensorFlowTrainingJob", {"replicaSpecs": [group("chief", 1), group("worker", 2)]})
    shape = shape_of(job, loopback(chief=1, worker=2))
    cfg = json.loads(env_of(shape.replicas[2].pod)["TF_CONFIG"])
    assert cfg["cluster"] == {
        "chief": ["127.0.0.1:5000"],
        "worker": ["127.0.0.1:5001", "127.0.0.1:5002"],
    }
    assert cfg["task"] == {"type": "worker", "index": 1}


def test_tf_evaluators_are_not_part_of_the_cluster() -> None:
    job = typed(
        "TensorFlowTrainingJob", {"replicaSpecs": [group("worker", 1), group("evaluator", 1)]}
    )
    cfg = json.loads(
        env_of(shape_of(job, loopback(worker=1, evaluator=1)).replicas[1].pod)["TF_CONFIG"]
    )
    assert list(cfg["cluster"]) == ["worker"] and cfg["task"]["type"] == "evaluator"


MAIN_REPLICA = {
    "TensorFlow: the chief": ("TensorFlowTrainingJob", [("worker", 2), ("chief", 1)], ("chief", 0)),
    "TensorFlow without a chief: worker 0": (
        "TensorFlowTrainingJob",
        [("worker", 2)],
        ("worker", 0),
    ),
    "PyTorch: the master": ("PyTorchTrainingJob", [("worker", 2), ("master", 1)], ("master", 0)),
    "PyTorch without a master: worker 0": ("PyTorchTrainingJob", [("worker", 2)], ("worker", 0)),
    "XGBoost: the master": ("XGBoostTrainingJob", [("master", 1), ("worker", 1)], ("master", 0)),
}


@pytest.mark.parametrize(("kind", "groups", "main"), MAIN_REPLICA.values(), ids=MAIN_REPLICA.keys())
def test_the_main_replica_decides(
    kind: str, groups: list[tuple[str, int]], main: tuple[str, int]
) -> None:
    job = typed(kind, {"replicaSpecs": [group(t, n) for t, n in groups]})
    shape = shape_of(job, loopback(**dict(groups)))
    assert shape.success_rules == (frozenset({main}),)
    assert shape.failure_rules == (frozenset({main}),)


# --- PyTorch and XGBoost -----------------------------------------------------------------


def test_pytorch_ranks_start_at_the_master_and_every_replica_knows_its_address() -> None:
    job = typed("PyTorchTrainingJob", {"replicaSpecs": [group("worker", 2), group("master", 1)]})
    shape = shape_of(job, loopback(worker=2, master=1))
    envs = {r.name: env_of(r.pod) for r in shape.replicas}
    assert {n: e["RANK"] for n, e in envs.items()} == {
        "j-master-0": "0",
        "j-worker-0": "1",
        "j-worker-1": "2",
    }
    assert {e["MASTER_ADDR"] + ":" + e["MASTER_PORT"] for e in envs.values()} == {"127.0.0.1:5002"}
    assert {e["WORLD_SIZE"] for e in envs.values()} == {"3"}


def test_pytorch_with_torchrun_runs_torchrun_with_the_containers_args() -> None:
    spec = {
        "torchrunConfig": {
            "enabled": True,
            "maxRestarts": 3,
            "procPerNode": "2",
            "extraOptions": ["--log-dir=/l"],
        },
        "replicaSpecs": [group("worker", 2, command=["python"], args=["train.py", "--x"])],
    }
    shape = shape_of(typed("PyTorchTrainingJob", spec, name="pt"), loopback(worker=2))
    c = shape.replicas[1].pod["spec"]["containers"][0]
    assert c["command"] == [
        "torchrun",
        "--nnodes=2",
        "--nproc_per_node=2",
        "--max_restarts=3",
        "--rdzv_backend=c10d",
        "--rdzv_endpoint=127.0.0.1:5000",
        "--rdzv_id=pt",
        "--log-dir=/l",
    ]
    assert c["args"] == ["train.py", "--x"]


def test_elastic_pytorch_gives_torchrun_its_node_range() -> None:
    spec = {
        "elastic": {"enabled": True, "minReplicas": 1, "maxReplicas": 4},
        "torchrunConfig": {"enabled": True},
        "replicaSpecs": [group("worker", 2, args=["t.py"])],
    }
    command = main_command(
        shape_of(typed("PyTorchTrainingJob", spec), loopback(worker=2)).replicas[0].pod
    )
    assert "--nnodes=1:4" in command


def test_xgboost_replicas_get_the_trackers_settings() -> None:
    job = typed("XGBoostTrainingJob", {"replicaSpecs": [group("master", 1), group("worker", 2)]})
    env = env_of(shape_of(job, loopback(master=1, worker=2)).replicas[2].pod)
    assert env["DMLC_TRACKER_URI"] == "127.0.0.1" and env["DMLC_TRACKER_PORT"] == "5000"
    assert env["DMLC_NUM_WORKER"] == "3" and env["DMLC_TASK_ID"] == "2" and env["RANK"] == "2"


def test_a_variable_the_template_sets_itself_is_kept() -> None:
    job = typed(
        "PyTorchTrainingJob",
        {"replicaSpecs": [group("master", 1, env=[{"name": "MASTER_PORT", "value": "1"}])]},
    )
    assert env_of(shape_of(job, loopback(master=1)).replicas[0].pod)["MASTER_PORT"] == "1"


# --- GenericJob ----------------------------------------------------------------------------

GENERIC = {
    "the type": ("$(type)", "worker"),
    "the rank": ("$(rank)", "1"),
    "a type's replica count": ("$(replicas[ps])", "2"),
    "another replica's host": ("$(service.ps[1].host)", "127.0.0.12"),
    "a named port": ("$(service.port[http])", "2222"),
    "an unknown variable is kept": ("$(params.x)", "$(params.x)"),
    "an unknown type is kept": ("$(replicas[chief])", "$(replicas[chief])"),
    "several in one text": ("$(type)-$(rank):$(service.port[http])", "worker-1:2222"),
}


@pytest.mark.parametrize(("text", "out"), GENERIC.values(), ids=GENERIC.keys())
def test_generic_substitution(text: str, out: str) -> None:
    addresses = JobAddresses(
        {
            "worker": [Endpoint("127.0.0.1", 2222)] * 2,
            "ps": [Endpoint("127.0.0.11", 2222), Endpoint("127.0.0.12", 2222)],
        },
        {"http": 2222},
    )
    assert generic_substitute(text, "worker", 1, {"worker": 2, "ps": 2}, addresses) == out


def test_genericjob_substitutes_in_command_args_and_env() -> None:
    spec = {
        "replicaSpecs": [
            group(
                "w",
                2,
                command=["echo", "$(rank)"],
                args=["$(type)"],
                env=[{"name": "N", "value": "$(replicas[w])"}],
            )
        ]
    }
    pod = shape_of(typed("GenericJob", spec), loopback(w=2)).replicas[1].pod
    c = pod["spec"]["containers"][0]
    assert (c["command"], c["args"], c["env"]) == (
        ["echo", "1"],
        ["w"],
        [{"name": "N", "value": "2"}],
    )


def test_genericjob_without_rules_succeeds_when_all_do_and_fails_when_any_does() -> None:
    shape = shape_of(typed("GenericJob", {"replicaSpecs": [group("w", 2)]}), loopback(w=2))
    assert shape.success_rules == (frozenset({("w", 0), ("w", 1)}),)
    assert shape.failure_rules == (frozenset({("w", 0)}), frozenset({("w", 1)}))


def test_genericjob_restart_policy_defaults_to_onfailure_with_no_restarts() -> None:
    shape = shape_of(typed("GenericJob", {"replicaSpecs": [group("w", 1)]}), loopback(w=1))
    assert (shape.replicas[0].restart.policy, shape.replicas[0].restart.limit) == ("OnFailure", 0)


# --- defaults the reference gives -------------------------------------------------------


def _worker(**fields: Any) -> Obj:
    c = {"name": "worker", "image": "x", "command": ["train"]}
    return {"replicas": 1, "template": {"spec": {"containers": [c]}}, **fields}


UNSET_DEFAULTS: dict[str, tuple[str, Obj, str, int | None]] = {
    # kind, spec with neither restartPolicy nor runPolicy, replica policy, backoffLimit
    "TensorFlow: reference silent, Never, no cap": (
        "TensorFlowTrainingJob",
        {"replicaSpecs": [group("worker", 1)]},
        "Never",
        None,
    ),
    "PyTorch: Never, backoffLimit 3 by its guide": (
        "PyTorchTrainingJob",
        {"replicaSpecs": [group("master", 1)]},
        "Never",
        3,
    ),
    "XGBoost: OnFailure by its reference": (
        "XGBoostTrainingJob",
        {"replicaSpecs": [group("master", 1)]},
        "OnFailure",
        None,
    ),
    "DeepSpeed: OnFailure by its reference": (
        "DeepSpeedJob",
        {"worker": _worker()},
        "OnFailure",
        None,
    ),
    "MPIJob: no restart policy to give": ("MPIJob", {"worker": _worker()}, "Never", None),
    "ColossalAI: no restart policy to give": (
        "ColossalAIJob",
        {"worker": _worker(command=["t.py"])},
        "Never",
        None,
    ),
    "GenericJob: OnFailure (limit 0)": (
        "GenericJob",
        {"replicaSpecs": [group("worker", 1)]},
        "OnFailure",
        None,
    ),
}


@pytest.mark.parametrize(
    ("kind", "spec", "policy", "backoff"), UNSET_DEFAULTS.values(), ids=UNSET_DEFAULTS.keys()
)
def test_restart_policy_and_backoff_limit_default_per_kind(
    kind: str, spec: Obj, policy: str, backoff: int | None
) -> None:
    shape = shape_of(typed(kind, spec), loopback(master=1, worker=1, launcher=1))
    assert {r.restart.policy for r in shape.replicas} == {policy}
    assert shape.backoff_limit == backoff


def test_a_backoff_limit_given_wins_over_the_default() -> None:
    spec = {"replicaSpecs": [group("master", 1)], "runPolicy": {"backoffLimit": 0}}
    assert shape_of(typed("PyTorchTrainingJob", spec), loopback(master=1)).backoff_limit == 0


def test_a_restart_policy_given_wins_over_the_default() -> None:
    spec = {"replicaSpecs": [{**group("master", 1), "restartPolicy": "Never"}]}
    shape = shape_of(typed("XGBoostTrainingJob", spec), loopback(master=1))
    assert shape.replicas[0].restart.policy == "Never"


# --- specs no job can run (a count a substitution made 0) --------------------------------

UNRUNNABLE: dict[str, tuple[str, Obj, str]] = {
    "PyTorch: no master and no workers": (
        "PyTorchTrainingJob",
        {"replicaSpecs": [group("master", 0)]},
        "spec.replicaSpecs[0].replicas: must be at least 1 when there is no master",
    ),
    "XGBoost: no master": (
        "XGBoostTrainingJob",
        {"replicaSpecs": [group("master", 0), group("worker", 2)]},
        "spec.replicaSpecs[0].replicas: must be at least 1: the master runs the tracker",
    ),
    "TensorFlow: no chief, no workers, a ps": (
        "TensorFlowTrainingJob",
        {"replicaSpecs": [group("ps", 1), group("worker", 0)]},
        "spec.replicaSpecs[1].replicas: must be at least 1 when there is no chief",
    ),
    "MPIJob: no workers": (
        "MPIJob",
        {"worker": _worker(replicas=0)},
        "spec.worker.replicas: must be at least 1, got 0",
    ),
    "DeepSpeed: no workers": (
        "DeepSpeedJob",
        {"worker": _worker(replicas=0)},
        "spec.worker.replicas: must be at least 1, got 0: worker 0 decides the job",
    ),
    "ColossalAI: no workers": (
        "ColossalAIJob",
        {"worker": _worker(replicas=0, command=["t.py"])},
        "spec.worker.replicas: must be at least 1, got 0",
    ),
    "GenericJob: no replica at all": (
        "GenericJob",
        {"replicaSpecs": [group("worker", 0)]},
        "spec.replicaSpecs: the job has no replica",
    ),
    "GenericJob: a rule naming a replica past the count": (
        "GenericJob",
        {"replicaSpecs": [group("worker", 2)], "successRules": [{"worker": [3]}]},
        'spec.successRules[0].worker: index 3 is out of range: "worker" has 2 replicas',
    ),
}


@pytest.mark.parametrize(("kind", "spec", "message"), UNRUNNABLE.values(), ids=UNRUNNABLE.keys())
def test_a_spec_no_job_can_run_is_refused_naming_the_field(
    kind: str, spec: Obj, message: str
) -> None:
    job = typed(kind, spec)
    counts = dict(wanted(job).replicas)
    with pytest.raises(InvalidJob) as raised:
        shape_of(job, loopback(**counts))
    assert message in str(raised.value)


# --- the launcher family ------------------------------------------------------------------

MPIRUN = {
    "one host: slots add up, -N is dropped": (
        [("127.0.0.1", 6)],
        ["-N", "3", "--allow-run-as-root"],
        {"btl": "^openib"},
        ["./walk", "20"],
        [
            "mpirun",
            "--host",
            "127.0.0.1:6",
            "-np",
            "6",
            "--mca",
            "btl",
            "^openib",
            "--allow-run-as-root",
            "./walk",
            "20",
        ],
    ),
    "several hosts keep -N": (
        [("w0", 2), ("w1", 2)],
        ["-N", "2"],
        {},
        ["prog"],
        ["mpirun", "--host", "w0:2,w1:2", "-np", "4", "-N", "2", "prog"],
    ),
}


@pytest.mark.parametrize(
    ("hosts", "extra", "mca", "cmd", "out"), MPIRUN.values(), ids=MPIRUN.keys()
)
def test_mpirun_command(
    hosts: Any, extra: list[str], mca: dict[str, str], cmd: list[str], out: list[str]
) -> None:
    assert mpirun_command(hosts, extra, mca, cmd) == out


def test_workers_on_one_host_are_one_host_entry() -> None:
    eps = [Endpoint("127.0.0.1", p) for p in (1, 2, 3)]
    assert merged_hosts(eps, slots_per_worker(["--npernode", "2"])) == [("127.0.0.1", 6)]


def test_an_mpijobs_launcher_runs_mpirun_once_its_workers_run_and_they_hold_their_slots() -> None:
    spec = {
        "worker": {
            "replicas": 2,
            "cmd": ["./random_walk"],
            "extraMPIArgs": ["-N", "3"],
            "template": {
                "spec": {
                    "containers": [
                        {"name": "other", "image": "x"},
                        {"name": "mpi-worker", "image": "x"},
                    ]
                }
            },
        },
        "mca": {"btl": "^openib"},
    }
    shape = shape_of(typed("MPIJob", spec, name="m"), loopback(launcher=1, worker=2))
    launcher, w0, _ = shape.replicas
    assert launcher.name == "m-launcher" and w0.name == "m-worker-0"
    assert [c["name"] for c in launcher.pod["spec"]["containers"]] == ["mpi-worker"]
    assert main_command(launcher.pod) == [
        "mpirun",
        "--host",
        "127.0.0.1:6",
        "-np",
        "6",
        "--mca",
        "btl",
        "^openib",
        "./random_walk",
    ]
    assert w0.pod["spec"]["containers"][1]["command"] == ["sleep", "inf"]
    assert shape.waits_for == {"launcher": ("worker",)} and shape.ends_with == ("worker",)
    assert shape.success_rules == (frozenset({("launcher", 0)}),)


def test_a_deepspeed_worker_runs_its_own_nodes_launcher() -> None:
    spec = {
        "config": {
            "slotsPerWorker": 2,
            "localRank": False,
            "run": {"module": ["train", "--x"]},
            "otherArgs": ["--no_ssh_check"],
        },
        "worker": {
            "replicas": 2,
            "template": {"spec": {"containers": [{"name": "worker", "image": "x"}]}},
        },
    }
    shape = shape_of(typed("DeepSpeedJob", spec), loopback(worker=2))
    assert main_command(shape.replicas[1].pod) == [
        "deepspeed",
        "--no_ssh",
        "--num_nodes=2",
        "--node_rank=1",
        "--master_addr=127.0.0.1",
        "--master_port=5000",
        "--num_gpus=2",
        "--no_local_rank",
        "--no_ssh_check",
        "--module",
        "train",
        "--x",
    ]
    assert shape.success_rules == (frozenset({("worker", 0)}),)


def test_a_colossalai_launcher_runs_colossalai_over_the_workers() -> None:
    spec = {
        "launcher": {"image": "launch", "workingDir": "/w"},
        "worker": {
            "replicas": 2,
            "procPerWorker": 2,
            "command": ["train.py", "a"],
            "template": {"spec": {"containers": [{"name": "worker", "image": "x"}]}},
        },
    }
    shape = shape_of(typed("ColossalAIJob", spec), loopback(launcher=1, worker=2))
    c = shape.replicas[0].pod["spec"]["containers"][0]
    assert (c["image"], c["workingDir"]) == ("launch", "/w")
    assert c["command"] == [
        "colossalai",
        "run",
        "--nproc_per_node",
        "4",
        "--host",
        "127.0.0.1",
        "--master_addr",
        "127.0.0.1",
        "--master_port",
        "5000",
        "train.py",
        "a",
    ]


def test_a_beamjob_runs_its_job_template_with_a_note_about_flink() -> None:
    spec = {
        "flinkClusterTemplate": {"spec": {}},
        "jobTemplate": {
            "spec": {"template": {"spec": {"containers": [{"name": "s", "image": "x"}]}}}
        },
    }
    shape = shape_of(typed("BeamJob", spec, name="b"), loopback())
    assert [r.name for r in shape.replicas] == ["b-batchjob-0"]
    assert shape.notes == (BEAM_NOTE,)


# --- run modes -------------------------------------------------------------------------------


def test_debug_mode_runs_sleep_inf_unless_told_otherwise() -> None:
    spec = {"runMode": {"debug": {"enabled": True}}, "replicaSpecs": [group("w", 1, args=["x"])]}
    c = shape_of(typed("GenericJob", spec), loopback(w=1)).replicas[0].pod["spec"]["containers"][0]
    assert c["command"] == ["sleep", "inf"] and "args" not in c


def test_debug_mode_leaves_types_it_does_not_list_as_they_are() -> None:
    spec = {
        "runMode": {
            "debug": {"enabled": True, "replicaSpecs": [{"type": "ps", "command": ["sh"]}]}
        },
        "replicaSpecs": [group("w", 1), group("ps", 1)],
    }
    w, ps = shape_of(typed("GenericJob", spec), loopback(w=1, ps=1)).replicas
    assert main_command(w.pod) == ["train"] and main_command(ps.pod) == ["sh"]


def test_a_resumed_job_uses_its_resume_specs() -> None:
    spec = {
        "runMode": {
            "pause": {
                "enabled": False,
                "resumeSpecs": [{"type": "w", "command": ["resume"], "args": ["1"]}],
            }
        },
        "replicaSpecs": [group("w", 1)],
    }
    job = typed("GenericJob", spec)
    assert main_command(shape_of(job, loopback(w=1)).replicas[0].pod) == ["train"]
    c = shape_of(job, loopback(w=1), resumed=True).replicas[0].pod["spec"]["containers"][0]
    assert (c["command"], c["args"]) == (["resume"], ["1"])


def test_pods_are_named_labelled_and_never_restarted_by_the_kubelet() -> None:
    job = typed("TensorFlowTrainingJob", {"replicaSpecs": [group("worker", 1)]}, name="tf")
    pod = shape_of(job, loopback(worker=1)).replicas[0].pod
    assert pod["metadata"]["name"] == "tf-worker-0"
    assert pod["metadata"]["labels"] == {
        "batch.tensorstack.dev/job-name": "tf",
        "batch.tensorstack.dev/replica-type": "worker",
        "batch.tensorstack.dev/replica-index": "0",
    }
    assert pod["spec"]["restartPolicy"] == "Never"


# --- addresses -----------------------------------------------------------------------------


def test_loopback_addresses_are_kept_on_the_job_and_read_back() -> None:
    policy = LoopbackAddresses()
    job: Obj = {"metadata": {"name": "j"}}
    fresh, annotation = policy.addresses(job, Wanted({"worker": 3}))
    assert annotation is not None
    ports = [e.port for e in fresh.endpoints["worker"]]
    assert len(set(ports)) == 3 and {e.host for e in fresh.endpoints["worker"]} == {"127.0.0.1"}
    job["metadata"]["annotations"] = {ADDRESSES_ANNOTATION: annotation}
    again, none = policy.addresses(job, Wanted({"worker": 3}))
    assert none is None and again == fresh


def test_named_ports_give_each_replica_its_own_loopback_address() -> None:
    fresh, _ = LoopbackAddresses(random.Random(1)).addresses(
        {"metadata": {"name": "g"}}, Wanted({"w": 2}, {"http": 2222})
    )
    hosts = [e.host for e in fresh.endpoints["w"]]
    assert len(set(hosts)) == 2 and all(h.startswith("127.") for h in hosts)
    assert fresh.ports == {"http": 2222}


def test_a_clusters_addresses_are_service_names_and_default_ports() -> None:
    job = typed("TensorFlowTrainingJob", {"replicaSpecs": [group("worker", 2)]}, name="tf")
    addresses, annotation = ServiceAddresses().addresses({"metadata": {"name": "tf"}}, wanted(job))
    assert annotation is None
    assert [str(e) for e in addresses.endpoints["worker"]] == [
        "tf-worker-0:2222",
        "tf-worker-1:2222",
    ]
