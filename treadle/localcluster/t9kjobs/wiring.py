"""Each T9k job kind as a `JobShape` for the replica engine: its replicas' pods, with
the environment and command their framework reads, and the rules that decide it.
Pure: the addresses are handed in (addresses.py says where they come from).

Per kind (pods `<job>-<type>-<index>`, lower-case type; the MPI family's launcher is
`<job>-launcher`, as the platform names it):

- TensorFlowTrainingJob: `TF_CONFIG` in every container: `cluster` (each type's
  addresses in index order; evaluators are not part of it, as TensorFlow expects),
  `task` (type, index), `environment: cloud`. The chief decides; without one, worker 0.
- PyTorchTrainingJob: `MASTER_ADDR`, `MASTER_PORT` (the master's, else worker 0's),
  `WORLD_SIZE` (every replica), `RANK` (master 0, then the workers in order). With
  `torchrunConfig.enabled` the training container (named `python`, else the first)
  runs `torchrun` with its settings and its own `args` as script and arguments
  (its `command` is not used), meeting by `c10d` at the master's address.
  The master decides; without one, worker 0.
- XGBoostTrainingJob: the same four variables (the master is rank 0 and the
  tracker's address), and XGBoost's own tracker settings `DMLC_TRACKER_URI`,
  `DMLC_TRACKER_PORT`, `DMLC_NUM_WORKER`, `DMLC_TASK_ID`. The training program's
  master starts the tracker there (as the platform's images do). The master decides.
- GenericJob: `$(type)`, `$(rank)`, `$(replicas[<type>])`,
  `$(service.<type>[<rank>].host)` and `$(service.port[<name>])` replaced in every
  container's command, args and env values. Its rules decide; with no success rules
  it succeeds when every replica has, with no failure rules it fails when any replica
  has failed for good.
- MPIJob: the workers hold their slots (a waiting command: there is no sshd to run
  and nothing to reach on one machine) while the launcher, created once every
  worker runs, runs `mpirun` over them: `--host` lists each worker host with its
  slots (workers on one host merged into one entry, `-N`/`--npernode` then dropped
  from `extraMPIArgs`, since one host would cap the count), `-np` the total, each
  `mca` entry as `--mca key value`, then `extraMPIArgs` and `worker.cmd`. mpirun
  starts every rank itself, so the ranks meet without ssh. Slots per worker: the
  `-N`/`--npernode` of `extraMPIArgs`, else 1. The launcher decides; the workers are
  deleted when it ends (`ends_with`).
- DeepSpeedJob: every worker runs DeepSpeed's launcher for its own node
  (`deepspeed --no_ssh --num_nodes --node_rank --master_addr --master_port`, then
  `config`'s settings and program), so no pdsh or ssh is needed; `customCommand`
  runs as given, in a shell. Worker 0 decides.
- ColossalAIJob: like MPIJob, with `colossalai run` over the workers' hosts
  (`--nproc_per_node` the processes of a host), `torchArgs` then `worker.command`;
  the launcher's image, workingDir, env and resources from `spec.launcher`, its
  volumes and mounts those of the worker's training container.
- BeamJob: `jobTemplate`'s pod runs as the one replica `batchjob`, which decides; no
  Flink cluster is created on one machine, and the `Initialized` condition and an
  event say so.

Defaults the reference gives (absent fields): `restartPolicy` `OnFailure` for
XGBoostTrainingJob and DeepSpeedJob, `{policy: OnFailure, limit: 0}` for a GenericJob
group, `Never` where it is silent (TensorFlow, PyTorch; MPIJob, ColossalAIJob and
BeamJob have no such field); `runPolicy.backoffLimit` 3 for PyTorchTrainingJob, no
cap where the reference is silent.

A spec no job can run (the replica that decides it has no replica: a count that a
substitution made 0, say) raises `InvalidJob` naming the field, rather than giving
a shape whose rules name a replica that does not exist.

Debug mode replaces the main container's command with the debug command (`sleep
inf` unless given) and drops its args; a job resuming from pause uses its resume
specs' command and args. `skipInitContainer` drops the init containers.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ...api.t9k import (
    BeamJob,
    ColossalAIJob,
    DeepSpeedJob,
    GenericJob,
    MPIJob,
    PyTorchTrainingJob,
    T9kJob,
    TensorFlowTrainingJob,
    XGBoostTrainingJob,
)
from ...api.t9k.common import DebugMode, PauseMode, RunMode
from ...core.replicas import (
    JobShape,
    Replica,
    ReplicaKey,
    Restart,
    Rule,
    main_rules,
    replica_labels,
)

Obj = dict[str, Any]

BEAM_NOTE = (
    "No Flink cluster is created on this machine: the jobTemplate's pod runs by itself, "
    "so the pipeline must use a runner it can reach (e.g. Beam's direct runner)."
)
HOLD_COMMAND = ["sleep", "inf"]
"""What a worker of the MPI family runs on one machine: it only holds its slots."""
DEFAULT_PORTS = {
    "TensorFlowTrainingJob": 2222,
    "PyTorchTrainingJob": 23456,
    "XGBoostTrainingJob": 9999,
    "DeepSpeedJob": 29500,
    "ColossalAIJob": 29500,
    "MPIJob": 22,
    "GenericJob": 0,
    "BeamJob": 0,
}
"""The port a framework listens on by default: what a cluster's addresses use."""
RESTART_DEFAULTS: Mapping[str, str] = {
    "TensorFlowTrainingJob": "Never",
    "PyTorchTrainingJob": "Never",
    "XGBoostTrainingJob": "OnFailure",
    "DeepSpeedJob": "OnFailure",
}
"""A replica's `restartPolicy` when its spec has none: `OnFailure` where the API
reference says so (XGBoost, DeepSpeed); `Never` where it is silent."""
BACKOFF_DEFAULTS: Mapping[str, int] = {"PyTorchTrainingJob": 3}
"""`runPolicy.backoffLimit` when not given: the PyTorch guide's 3; the others say
nothing, and nothing caps their restarts but the replicas' own policies."""


class InvalidJob(ValueError):
    """A job spec the wiring cannot run; the message names the field and why."""


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class JobAddresses:
    endpoints: Mapping[str, Sequence[Endpoint]]
    """Replica type -> each replica's address, in index order."""
    ports: Mapping[str, int] = field(default_factory=dict)
    """GenericJob's named service ports."""

    def of(self, type_: str, index: int) -> Endpoint:
        return self.endpoints[type_][index]


@dataclass(frozen=True)
class Wanted:
    """What addresses a job needs: replicas per type and its named ports."""

    replicas: Mapping[str, int]
    ports: Mapping[str, int] = field(default_factory=dict)
    default_port: int = 0


T9kJobModel = T9kJob
"""Any of the eight job models (api/t9k)."""


def wanted(job: T9kJobModel) -> Wanted:
    default = DEFAULT_PORTS[job.kind]
    if isinstance(job, TensorFlowTrainingJob | PyTorchTrainingJob | XGBoostTrainingJob):
        counts: dict[str, int] = {}
        for r in job.spec.replica_specs:
            counts[r.type] = counts.get(r.type, 0) + r.replicas
        return Wanted(counts, default_port=default)
    if isinstance(job, GenericJob):
        counts = {}
        for g in job.spec.replica_specs:
            counts[g.type] = counts.get(g.type, 0) + g.replicas
        ports = {
            p.name: p.port for p in (job.spec.service.ports if job.spec.service else []) if p.name
        }
        return Wanted(counts, ports, default)
    if isinstance(job, MPIJob | ColossalAIJob):
        return Wanted({"launcher": 1, "worker": job.spec.worker.replicas}, default_port=default)
    if isinstance(job, DeepSpeedJob):
        return Wanted({"worker": job.spec.worker.replicas}, default_port=default)
    return Wanted({}, default_port=default)


# --- pods ----------------------------------------------------------------------------


def pod_name(job: str, type_: str, index: int) -> str:
    return f"{job}-{type_.lower()}-{index}"


def _pod(job: str, type_: str, index: int, template: Obj, name: str | None = None) -> Obj:
    template = copy.deepcopy(template)
    meta = dict(template.get("metadata") or {})
    spec = dict(template.get("spec") or {})
    spec["restartPolicy"] = "Never"  # the job's operator decides restarts
    out_meta: Obj = {
        "name": name or pod_name(job, type_, index),
        "labels": {**(meta.get("labels") or {}), **replica_labels(job, type_, index)},
    }
    if meta.get("annotations"):
        out_meta["annotations"] = dict(meta["annotations"])
    return {"apiVersion": "v1", "kind": "Pod", "metadata": out_meta, "spec": spec}


def _main_index(containers: Sequence[Obj], preferred: Sequence[str]) -> int:
    for wanted_name in preferred:
        for i, c in enumerate(containers):
            if c.get("name") == wanted_name:
                return i
    return 0


def _add_env(pod: Obj, env: Mapping[str, str]) -> None:
    """Into every container; a variable the template sets itself is kept."""
    for c in pod["spec"].get("containers") or []:
        have = {e.get("name") for e in c.get("env") or []}
        c["env"] = [
            *(c.get("env") or []),
            *({"name": k, "value": v} for k, v in env.items() if k not in have),
        ]


def _set_command(
    pod: Obj, preferred: Sequence[str], command: list[str], args: list[str] | None
) -> None:
    containers = pod["spec"].get("containers") or []
    if not containers:
        return
    c = containers[_main_index(containers, preferred)]
    c["command"] = command
    if args is None:
        c.pop("args", None)
    else:
        c["args"] = args


def _apply_mode(
    pod: Obj,
    type_: str,
    run_mode: RunMode | None,
    resumed: bool,
    preferred: Sequence[str],
    debug_default: list[str] | None = None,
) -> None:
    mode = run_mode.mode if run_mode else "Immediate"
    if mode == "Debug":
        debug = (run_mode.debug if run_mode else None) or DebugMode()
        sets = debug.replica_specs
        chosen = next((s for s in sets if s.type == type_), None)
        if sets and chosen is None:
            return  # not listed: runs as it would
        command = (
            list(chosen.command)
            if chosen and chosen.command
            else (debug_default or ["sleep", "inf"])
        )
        _set_command(pod, preferred, command, None)
        if chosen and chosen.skip_init_container:
            pod["spec"].pop("initContainers", None)
    elif resumed and run_mode is not None:
        pause = run_mode.pause or PauseMode()
        spec = next((s for s in pause.resume_specs if s.type == type_), None)
        if spec is None:
            return
        containers = pod["spec"].get("containers") or []
        if containers:
            c = containers[_main_index(containers, preferred)]
            if spec.command is not None:
                c["command"] = list(spec.command)
            if spec.args is not None:
                c["args"] = list(spec.args)
        if spec.skip_init_container:
            pod["spec"].pop("initContainers", None)


def _restart(policy: str | None, kind: str) -> Restart:
    return Restart(policy=policy or RESTART_DEFAULTS.get(kind, "Never"))  # type: ignore[arg-type]


def _require(count: int, path: str, why: str) -> None:
    if count < 1:
        raise InvalidJob(f"{path}: must be at least 1, got {count}: {why}")


def _group_path(groups: Sequence[Any], *types: str) -> str:
    """The count of the first group of `types` there is (that the error is about)."""
    index = next(
        (i for t in types for i, g in enumerate(groups) if g.type == t),
        0,
    )
    return f"spec.replicaSpecs[{index}].replicas"


def _mode(run_mode: RunMode | None) -> str:
    return run_mode.mode if run_mode else "Immediate"


# --- the kinds -----------------------------------------------------------------------


def shape_of(job: T9kJobModel, addresses: JobAddresses, *, resumed: bool = False) -> JobShape:
    """The job as the engine runs it; `resumed`: it has been paused before."""
    name = job.metadata.name or ""
    if isinstance(job, TensorFlowTrainingJob):
        return _tensorflow(job, name, addresses, resumed)
    if isinstance(job, PyTorchTrainingJob | XGBoostTrainingJob):
        return _master_worker(job, name, addresses, resumed)
    if isinstance(job, GenericJob):
        return _generic(job, name, addresses, resumed)
    if isinstance(job, MPIJob):
        return _mpi(job, name, addresses, resumed)
    if isinstance(job, DeepSpeedJob):
        return _deepspeed(job, name, addresses, resumed)
    if isinstance(job, ColossalAIJob):
        return _colossalai(job, name, addresses, resumed)
    return _beam(job, name, resumed)


def _main_decides(job: Any, replicas: list[Replica], main: ReplicaKey, **extra: Any) -> JobShape:
    """The shape of a job whose main replica decides success and failure (SPEC §12),
    with the job's run policy and run mode."""
    backoff, deadline, clean = _run_policy(job)
    return JobShape(
        tuple(replicas),
        main_rules([main]),
        main_rules([main]),
        mode=_mode(job.spec.run_mode),  # type: ignore[arg-type]
        backoff_limit=backoff,
        active_deadline_seconds=deadline,
        clean_up=clean,  # type: ignore[arg-type]
        **extra,
    )


def _run_policy(job: Any) -> tuple[int | None, int | None, str]:
    policy = job.spec.run_policy
    backoff = BACKOFF_DEFAULTS.get(job.kind)
    if policy is None:
        return backoff, None, "None"
    if policy.backoff_limit is not None:
        backoff = policy.backoff_limit
    return backoff, policy.active_deadline_seconds, policy.clean_up_policy or "None"


def tf_config(addresses: JobAddresses, type_: str, index: int) -> str:
    cluster = {
        t: [str(e) for e in eps]
        for t, eps in addresses.endpoints.items()
        if t != "evaluator" and eps
    }
    return json.dumps(
        {"cluster": cluster, "task": {"type": type_, "index": index}, "environment": "cloud"}
    )


def _tensorflow(
    job: TensorFlowTrainingJob, name: str, addresses: JobAddresses, resumed: bool
) -> JobShape:
    replicas = []
    for group in job.spec.replica_specs:
        template = group.template.dump()
        for i in range(group.replicas):
            pod = _pod(name, group.type, i, template)
            _add_env(pod, {"TF_CONFIG": tf_config(addresses, group.type, i)})
            _apply_mode(pod, group.type, job.spec.run_mode, resumed, ("tensorflow",))
            replicas.append(Replica(group.type, i, pod, _restart(group.restart_policy, job.kind)))
    types = {r.type for r in replicas}
    main = ("chief", 0) if "chief" in types else ("worker", 0)
    if main not in {r.key for r in replicas}:
        raise InvalidJob(
            f"{_group_path(job.spec.replica_specs, 'worker', 'chief')}: must be at least 1 "
            "when there is no chief: the chief, else worker 0, decides the job"
        )
    return _main_decides(job, replicas, main)


def torchrun_command(
    job: PyTorchTrainingJob, nnodes: int, master: Endpoint, container: Obj
) -> tuple[list[str], list[str]]:
    """torchrun's command and args for the training container."""
    cfg = job.spec.torchrun_config
    assert cfg is not None
    elastic = job.spec.elastic
    if elastic is not None and elastic.enabled and elastic.min_replicas and elastic.max_replicas:
        nodes = f"{elastic.min_replicas}:{elastic.max_replicas}"
    elif cfg.min_nodes:
        nodes = f"{cfg.min_nodes}:{nnodes}"
    else:
        nodes = str(nnodes)
    command = [
        "torchrun",
        f"--nnodes={nodes}",
        f"--nproc_per_node={cfg.proc_per_node or 1}",
        f"--max_restarts={cfg.max_restarts or 0}",
        f"--rdzv_backend={cfg.rdzv_backend or 'c10d'}",
        f"--rdzv_endpoint={master}",
        f"--rdzv_id={job.metadata.name}",
        *cfg.extra_options,
    ]
    return command, list(container.get("args") or [])


def _master_worker(
    job: PyTorchTrainingJob | XGBoostTrainingJob,
    name: str,
    addresses: JobAddresses,
    resumed: bool,
) -> JobShape:
    pytorch = isinstance(job, PyTorchTrainingJob)
    groups = sorted(job.spec.replica_specs, key=lambda g: 0 if g.type == "master" else 1)
    has_master = any(g.type == "master" and g.replicas for g in groups)
    if not pytorch and not has_master:
        raise InvalidJob(
            f"{_group_path(job.spec.replica_specs, 'master')}: must be at least 1: the master "
            "runs the tracker and decides the job"
        )
    main = ("master", 0) if has_master else ("worker", 0)
    if not has_master and not any(g.type == "worker" and g.replicas for g in groups):
        raise InvalidJob(
            f"{_group_path(job.spec.replica_specs, 'worker', 'master')}: must be at least 1 "
            "when there is no master: the master, else worker 0, decides the job"
        )
    master = addresses.of(*main)
    world = sum(g.replicas for g in groups)
    replicas = []
    rank = 0
    preferred = ("python", "pytorch") if pytorch else ("xgboost",)
    for group in groups:
        template = group.template.dump()
        for i in range(group.replicas):
            pod = _pod(name, group.type, i, template)
            env = {
                "MASTER_ADDR": master.host,
                "MASTER_PORT": str(master.port),
                "WORLD_SIZE": str(world),
                "RANK": str(rank),
                "PYTHONUNBUFFERED": "1",
            }
            if not pytorch:
                env |= {
                    "DMLC_TRACKER_URI": master.host,
                    "DMLC_TRACKER_PORT": str(master.port),
                    "DMLC_NUM_WORKER": str(world),
                    "DMLC_TASK_ID": str(rank),
                }
            _add_env(pod, env)
            if pytorch and isinstance(job, PyTorchTrainingJob):
                cfg = job.spec.torchrun_config
                if cfg is not None and cfg.enabled:
                    containers = pod["spec"].get("containers") or []
                    if containers:
                        c = containers[_main_index(containers, ("python",))]
                        c["command"], c["args"] = torchrun_command(job, world, master, c)
            _apply_mode(pod, group.type, job.spec.run_mode, resumed, preferred)
            replicas.append(Replica(group.type, i, pod, _restart(group.restart_policy, job.kind)))
            rank += 1
    return _main_decides(job, replicas, main)


# --- GenericJob ------------------------------------------------------------------------

_VARIABLE = re.compile(r"\$\(([^()]*(?:\[[^\]]*\])?[^()]*)\)")
_SERVICE_HOST = re.compile(r"service\.([^\[\]]+)\[(\d+)\]\.host")
_SERVICE_PORT = re.compile(r"service\.port\[([^\]]+)\]")
_REPLICAS = re.compile(r"replicas\[([^\]]+)\]")


def generic_substitute(
    text: str, type_: str, rank: int, counts: Mapping[str, int], addresses: JobAddresses
) -> str:
    """The platform's GenericJob variables replaced; any other `$(...)` is kept."""

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "type":
            return type_
        if name == "rank":
            return str(rank)
        if m := _REPLICAS.fullmatch(name):
            return str(counts[m.group(1)]) if m.group(1) in counts else match.group(0)
        if m := _SERVICE_HOST.fullmatch(name):
            eps = addresses.endpoints.get(m.group(1)) or []
            index = int(m.group(2))
            return eps[index].host if index < len(eps) else match.group(0)
        if m := _SERVICE_PORT.fullmatch(name):
            port = addresses.ports.get(m.group(1))
            return str(port) if port is not None else match.group(0)
        return match.group(0)

    return _VARIABLE.sub(one, text)


def _substitute_pod(pod: Obj, fn: Any) -> None:
    for key in ("initContainers", "containers"):
        for c in pod["spec"].get(key) or []:
            for field_ in ("command", "args"):
                if isinstance(c.get(field_), list):
                    c[field_] = [fn(str(v)) for v in c[field_]]
            for e in c.get("env") or []:
                if isinstance(e.get("value"), str):
                    e["value"] = fn(e["value"])


def _generic(job: GenericJob, name: str, addresses: JobAddresses, resumed: bool) -> JobShape:
    counts: dict[str, int] = {}
    for g in job.spec.replica_specs:
        counts[g.type] = counts.get(g.type, 0) + g.replicas
    replicas = []
    for group in job.spec.replica_specs:
        template = group.template.dump()
        policy = group.restart_policy
        restart = Restart(
            policy=(policy.policy if policy and policy.policy else "OnFailure"),
            limit=(policy.limit if policy and policy.limit is not None else 0),
        )
        for i in range(group.replicas):
            pod = _pod(name, group.type, i, template)
            _apply_mode(pod, group.type, job.spec.run_mode, resumed, ())
            _substitute_pod(
                pod,
                lambda text, t=group.type, r=i: generic_substitute(text, t, r, counts, addresses),
            )
            replicas.append(Replica(group.type, i, pod, restart))
    keys = [r.key for r in replicas]

    def rules(given: list[dict[str, list[int]]]) -> tuple[Rule, ...]:
        return tuple(
            frozenset((t, i) for t, indexes in rule.items() for i in indexes) for rule in given
        )

    if not keys:
        raise InvalidJob("spec.replicaSpecs: the job has no replica: at least one is needed")
    for field_, given in (
        ("successRules", job.spec.success_rules),
        ("failureRules", job.spec.failure_rules),
    ):
        for n, rule in enumerate(rules(given)):
            missing = sorted(rule - set(keys))
            if missing:
                t, i = missing[0]
                raise InvalidJob(
                    f"spec.{field_}[{n}].{t}: index {i} is out of range: "
                    f'"{t}" has {counts.get(t, 0)} replicas'
                )
    success = rules(job.spec.success_rules) or (frozenset(keys),)
    failure = rules(job.spec.failure_rules) or main_rules(keys)
    return JobShape(
        tuple(replicas),
        success,
        failure,
        mode=_mode(job.spec.run_mode),  # type: ignore[arg-type]
        clean_up=job.spec.clean_up_policy or "None",
    )


# --- the launcher family -----------------------------------------------------------------


def merged_hosts(endpoints: Sequence[Endpoint], slots: int) -> list[tuple[str, int]]:
    """(host, slots) per distinct host, in order: workers on one host add up."""
    out: dict[str, int] = {}
    for e in endpoints:
        out[e.host] = out.get(e.host, 0) + slots
    return list(out.items())


_PER_NODE = ("-N", "--npernode", "-npernode")


def slots_per_worker(extra: Sequence[str]) -> int:
    for i, arg in enumerate(extra):
        if arg in _PER_NODE and i + 1 < len(extra) and str(extra[i + 1]).isdigit():
            return int(extra[i + 1])
    return 1


def mpirun_command(
    hosts: Sequence[tuple[str, int]],
    extra: Sequence[str],
    mca: Mapping[str, str],
    cmd: Sequence[str],
) -> list[str]:
    """The launcher's mpirun over the workers' hosts and slots."""
    total = sum(n for _, n in hosts)
    args = list(extra)
    if len(hosts) == 1:
        kept: list[str] = []
        skip = False
        for i, arg in enumerate(args):
            if skip:
                skip = False
                continue
            if arg in _PER_NODE and i + 1 < len(args):
                skip = True
                continue
            kept.append(arg)
        args = kept
    command = ["mpirun", "--host", ",".join(f"{h}:{n}" for h, n in hosts), "-np", str(total)]
    for key, value in mca.items():
        command += ["--mca", key, value]
    return [*command, *args, *cmd]


def _holding_workers(
    name: str,
    template: Obj,
    count: int,
    preferred: Sequence[str],
    run_mode: RunMode | None,
    resumed: bool,
) -> list[Replica]:
    out = []
    for i in range(count):
        pod = _pod(name, "worker", i, template)
        _set_command(pod, preferred, list(HOLD_COMMAND), None)
        _apply_mode(pod, "worker", run_mode, resumed, preferred)
        out.append(Replica("worker", i, pod))
    return out


def _launcher_shape(
    replicas: list[Replica], run_mode: RunMode | None, programs: Mapping[str, str]
) -> JobShape:
    # `runPolicy.cleanUpWorkers` has nothing left to do: workers that only hold
    # slots are deleted when the launcher ends, whatever it says.
    main = ("launcher", 0)
    return JobShape(
        tuple(replicas),
        main_rules([main]),
        main_rules([main]),
        mode=_mode(run_mode),  # type: ignore[arg-type]
        waits_for={"launcher": ("worker",)},
        ends_with=("worker",),
        clean_up="None",
        programs=programs,
    )


def _mpi(job: MPIJob, name: str, addresses: JobAddresses, resumed: bool) -> JobShape:
    worker = job.spec.worker
    _require(worker.replicas, "spec.worker.replicas", "the launcher runs mpirun over the workers")
    template = worker.template.dump()
    preferred = ("mpi-worker",)
    workers = _holding_workers(
        name, template, worker.replicas, preferred, job.spec.run_mode, resumed
    )
    hosts = merged_hosts(
        addresses.endpoints.get("worker") or [], slots_per_worker(worker.extra_mpi_args)
    )
    launcher = _pod(name, "launcher", 0, template, name=f"{name}-launcher")
    containers = launcher["spec"].get("containers") or []
    if containers:
        launcher["spec"]["containers"] = [containers[_main_index(containers, preferred)]]
    _set_command(
        launcher, (), mpirun_command(hosts, worker.extra_mpi_args, job.spec.mca, worker.cmd), None
    )
    _apply_mode(launcher, "launcher", job.spec.run_mode, resumed, ())
    return _launcher_shape(
        [Replica("launcher", 0, launcher), *workers], job.spec.run_mode, {"mpirun": "Open MPI"}
    )


def colossalai_command(
    job: ColossalAIJob, hosts: Sequence[tuple[str, int]], master: Endpoint
) -> list[str]:
    worker = job.spec.worker
    per_host = max(n for _, n in hosts) if hosts else 1
    return [
        "colossalai",
        "run",
        "--nproc_per_node",
        str(per_host),
        "--host",
        ",".join(h for h, _ in hosts),
        "--master_addr",
        master.host,
        "--master_port",
        str(master.port),
        *worker.torch_args,
        *worker.command,
    ]


def _colossalai(job: ColossalAIJob, name: str, addresses: JobAddresses, resumed: bool) -> JobShape:
    worker = job.spec.worker
    _require(
        worker.replicas, "spec.worker.replicas", "the launcher runs colossalai over the workers"
    )
    template = worker.template.dump()
    preferred = ("worker",)
    workers = _holding_workers(
        name, template, worker.replicas, preferred, job.spec.run_mode, resumed
    )
    hosts = merged_hosts(addresses.endpoints.get("worker") or [], worker.proc_per_worker or 1)
    containers = template.get("spec", {}).get("containers") or []
    main = containers[_main_index(containers, preferred)] if containers else {}
    spec_launcher = job.spec.launcher
    container: Obj = {
        "name": "launcher",
        "image": (
            spec_launcher.image if spec_launcher and spec_launcher.image else main.get("image")
        ),
        "command": colossalai_command(job, hosts, addresses.of("launcher", 0)),
    }
    if spec_launcher is not None:
        if spec_launcher.working_dir:
            container["workingDir"] = spec_launcher.working_dir
        if spec_launcher.env:
            container["env"] = [e.dump() for e in spec_launcher.env]
        if spec_launcher.resources is not None:
            container["resources"] = spec_launcher.resources.dump()
    if main.get("volumeMounts"):
        container["volumeMounts"] = main["volumeMounts"]
    launcher_template: Obj = {"spec": {"containers": [container]}}
    if template.get("spec", {}).get("volumes"):
        launcher_template["spec"]["volumes"] = template["spec"]["volumes"]
    launcher = _pod(name, "launcher", 0, launcher_template, name=f"{name}-launcher")
    _apply_mode(launcher, "launcher", job.spec.run_mode, resumed, ())
    return _launcher_shape(
        [Replica("launcher", 0, launcher), *workers],
        job.spec.run_mode,
        {"colossalai": "ColossalAI"},
    )


def deepspeed_command(job: DeepSpeedJob, index: int, master: Endpoint) -> list[str]:
    """Worker `index`'s own DeepSpeed launcher (or the custom command, in a shell)."""
    cfg = job.spec.config
    if cfg is not None and cfg.custom_command:
        return ["sh", "-c", cfg.custom_command]
    command = [
        "deepspeed",
        "--no_ssh",
        f"--num_nodes={job.spec.worker.replicas}",
        f"--node_rank={index}",
        f"--master_addr={master.host}",
        f"--master_port={master.port}",
    ]
    if cfg is None:
        return command
    if cfg.slots_per_worker:
        command.append(f"--num_gpus={cfg.slots_per_worker}")
    if cfg.local_rank is False:
        command.append("--no_local_rank")
    if cfg.autotune and cfg.autotune != "none":
        command += ["--autotuning", cfg.autotune]
    command += list(cfg.other_args)
    run = cfg.run
    if run is not None:
        if run.python:
            command += list(run.python)
        elif run.module:
            command += ["--module", *run.module]
        elif run.exec:
            command += ["--no_python", *run.exec]
    return command


def _deepspeed(job: DeepSpeedJob, name: str, addresses: JobAddresses, resumed: bool) -> JobShape:
    worker = job.spec.worker
    _require(worker.replicas, "spec.worker.replicas", "worker 0 decides the job")
    template = worker.template.dump()
    master = addresses.of("worker", 0)
    replicas = []
    for i in range(worker.replicas):
        pod = _pod(name, "worker", i, template)
        _set_command(pod, ("worker",), deepspeed_command(job, i, master), None)
        _add_env(
            pod,
            {
                "MASTER_ADDR": master.host,
                "MASTER_PORT": str(master.port),
                "WORLD_SIZE": str(worker.replicas),
                "RANK": str(i),
            },
        )
        _apply_mode(pod, "worker", job.spec.run_mode, resumed, ("worker",))
        replicas.append(Replica("worker", i, pod, _restart(worker.restart_policy, job.kind)))
    main = ("worker", 0)
    return _main_decides(job, replicas, main, programs={"deepspeed": "DeepSpeed"})


def _beam(job: BeamJob, name: str, resumed: bool) -> JobShape:
    template = job.spec.job_template.spec.template.dump()
    pod = _pod(name, "batchjob", 0, template)
    _apply_mode(pod, "batchjob", job.spec.run_mode, resumed, ())
    main = ("batchjob", 0)
    return JobShape(
        (Replica("batchjob", 0, pod),),
        main_rules([main]),
        main_rules([main]),
        mode=_mode(job.spec.run_mode),  # type: ignore[arg-type]
        notes=(BEAM_NOTE,),
    )


__all__ = [
    "BACKOFF_DEFAULTS",
    "BEAM_NOTE",
    "DEFAULT_PORTS",
    "RESTART_DEFAULTS",
    "Endpoint",
    "InvalidJob",
    "JobAddresses",
    "T9kJobModel",
    "Wanted",
    "colossalai_command",
    "deepspeed_command",
    "generic_substitute",
    "merged_hosts",
    "mpirun_command",
    "pod_name",
    "shape_of",
    "slots_per_worker",
    "tf_config",
    "torchrun_command",
    "wanted",
]
