"""DAG planning: which nodes start, which are skipped, is the DAG done (SPEC §3.5).

`plan` is a pure function of the DAG spec, the run's params and what is known of
each node. It never reads a clock, a store or a random source, so the controller
can call it on every reconcile and apply the answer idempotently: a node that is
in flight is never started again, and a decision once recorded (Succeeded, Failed,
Skipped) is never revisited.

Rules the planner applies, beyond the letter of the SPEC:

- A node's dependencies are its `dependencies[]` plus every node it reads a
  result of through `$(templates.X.results.Y)` in `params[].value`,
  `when[].input` or `when[].values[]`.
- A node whose dependencies all succeeded has its `when` evaluated (after
  substituting run params and upstream results): false -> Skipped with the false
  expressions; true -> started with its params resolved.
- A node with a Skipped dependency is Skipped as soon as that is known, naming
  the dependency, even if other dependencies are still running.
- A reference that cannot be resolved when a node is about to start (the
  upstream node succeeded without writing that result, or the run has no such
  param) fails the node without starting it (`NodeFail`). Retrying would read
  the same immutable inputs, so such a failure is final whatever `retries` says.
- Retries: a Failed node with `0 < attempts <= retries` is started again at once
  as `attempts + 1`. A retry continues a node that is already under way, so it
  goes ahead even while the DAG is stopping; only a node whose retries are
  exhausted has "failed for good".
- `StopAllWorkflowTemplates`: once any node failed for good, nothing new is
  decided for nodes that never started (no start, no skip, no failed start);
  they stay Unscheduled. `StopDependentWorkflowTemplates`: only the nodes that
  depend on a failed node, directly or not, stay Unscheduled; the rest of the
  DAG carries on, skips included.
- DAG `results[]` are resolved once the DAG is finished, whether it succeeded
  or failed; a result whose value reads something unavailable (a skipped or
  never-run node, a result the node did not write) is left out.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Container, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from treadle.api.run import NodePhase
from treadle.api.template import DagNode, DagSpec, ResultDeclaration, WhenExpression
from treadle.errors import FieldError, ValidationError

from .substitution import parse_reference, references, substitute
from .when import evaluate_when

__all__ = [
    "NodeFail",
    "NodeSkip",
    "NodeStart",
    "NodeState",
    "Plan",
    "dependencies",
    "find_cycle",
    "plan",
]

DagPhase = Literal["Running", "Succeeded", "Failed"]


@dataclass(frozen=True)
class NodeState:
    """What the controller knows of one node.

    `attempts` counts the child runs started for the node so far. A `Pending`
    node with `attempts > 0` has a child run that has not reported yet and is
    treated as running. A `Failed` node with `attempts == 0` failed to start
    (see `NodeFail`). `results` are the results of the attempt that succeeded.
    """

    phase: NodePhase = "Pending"
    attempts: int = 0
    results: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class NodeStart:
    """Start a child run for `name`; `attempt` is 1 for the first run.

    `params` are the node's `params[]` with run params and upstream results
    substituted, in declaration order.
    """

    name: str
    attempt: int
    params: dict[str, str]


@dataclass(frozen=True)
class NodeSkip:
    """Mark `name` Skipped.

    `when_expressions` are the node's false `when` expressions, substituted; they
    are empty when the node is skipped because a dependency was skipped.
    """

    name: str
    reason: str
    when_expressions: list[WhenExpression] = field(default_factory=list)


@dataclass(frozen=True)
class NodeFail:
    """Mark `name` Failed without starting it (and without counting an attempt).

    `reason` names the reference that could not be resolved. The failure is final.
    """

    name: str
    reason: str


@dataclass(frozen=True)
class Plan:
    """What to do now, and the DAG's state once it is done.

    `counts` and `message` describe the DAG after the plan is applied: nodes
    started here count as Running, nodes skipped or failed here as Skipped or
    Failed. `finished` is true when nothing is running and nothing more can
    start; the plan then starts nothing. `results` are the DAG results, filled
    only when finished.
    """

    start: list[NodeStart]
    skip: list[NodeSkip]
    fail: list[NodeFail]
    finished: bool
    phase: DagPhase
    message: str
    results: list[tuple[str, str]]
    counts: dict[str, int]


def dependencies(dag: DagSpec) -> dict[str, set[str]]:
    """Each node's dependencies: explicit ones and those implied by result references.

    Names are returned as written, so a name that is not a node of the DAG (an
    error for validation to report) or the node itself (a cycle) can appear.
    """
    return {name: set(deps) for name, deps in _ordered_dependencies(dag).items()}


def find_cycle(dag: DagSpec) -> list[str] | None:
    """A dependency cycle as node names, first name repeated at the end, or None.

    `["b", "c", "b"]` reads "b depends on c, which depends on b". Names that are
    not nodes of the DAG are ignored. The search follows nodes and dependencies
    in declaration order, so the answer is stable for a given spec.
    """
    return _find_cycle(_ordered_dependencies(dag))


def plan(
    dag: DagSpec,
    params: Mapping[str, str],
    nodes: Mapping[str, NodeState],
    results: Sequence[ResultDeclaration] = (),
) -> Plan:
    """Decide what happens next in a DAG run.

    `params` are the run's resolved params (defaults applied). `nodes` holds
    the known state of nodes by name; a missing node is Pending and never
    started, and entries for names that are not nodes are ignored. `results` are
    the DAG template's result declarations.

    Raises ValidationError if a dependency names an unknown node or the
    dependencies form a cycle; validated templates never do.
    """
    deps = _ordered_dependencies(dag)
    by_name = {node.name: node for node in dag.templates}
    order = _topological_order(dag, deps)
    states = {name: nodes.get(name, _NEVER_STARTED) for name in order}

    values = {f"params.{key}": value for key, value in params.items()}
    for name, state in states.items():
        if state.phase == "Succeeded":
            for result, value in state.results.items():
                values[f"templates.{name}.results.{result}"] = value

    stop_all = dag.failure_strategy == "StopAllWorkflowTemplates"
    stopping = stop_all and any(
        _failed_for_good(states[n], by_name[n]) for n in order if states[n].phase == "Failed"
    )

    outcome: dict[str, _Outcome] = {}
    starts: list[NodeStart] = []
    fresh: set[str] = set()
    skips: list[NodeSkip] = []
    fails: list[NodeFail] = []
    for name in order:
        node, state = by_name[name], states[name]
        if state.phase == "Succeeded":
            outcome[name] = "Succeeded"
        elif state.phase == "Skipped":
            outcome[name] = "Skipped"
        elif state.phase == "Running" or (state.phase == "Pending" and state.attempts > 0):
            outcome[name] = "Running"
        elif state.phase == "Failed":
            if not _failed_for_good(state, node):
                outcome[name] = _start(node, state.attempts + 1, values, starts, fails)
            else:
                outcome[name] = "Failed"
        elif stopping:
            outcome[name] = "Waiting"
        else:
            outcome[name] = _decide(node, deps[name], outcome, values, starts, skips, fails)
            if outcome[name] == "Running":
                fresh.add(name)

    if stop_all and fails and fresh:
        # A start that failed in this very plan stops the DAG just as an earlier
        # failure would, so the other first attempts decided alongside it are held.
        starts = [s for s in starts if s.name not in fresh]
        for name in fresh:
            outcome[name] = "Waiting"

    counts = dict.fromkeys(("Running", "Succeeded", "Failed", "Skipped", "Unscheduled"), 0)
    for state_name in outcome.values():
        counts["Unscheduled" if state_name in ("Waiting", "Blocked") else state_name] += 1

    finished = counts["Running"] == 0
    failed = [node.name for node in dag.templates if outcome[node.name] == "Failed"]
    phase: DagPhase = "Running" if not finished else "Failed" if failed else "Succeeded"
    return Plan(
        start=starts,
        skip=skips,
        fail=fails,
        finished=finished,
        phase=phase,
        message=_message(phase, failed, counts),
        results=_dag_results(results, values) if finished else [],
        counts=counts,
    )


_Outcome = Literal["Running", "Succeeded", "Failed", "Skipped", "Waiting", "Blocked"]
"""A node's state once the plan is applied; Waiting and Blocked are Unscheduled.

Blocked means the node can never start because a dependency failed for good.
"""

_NEVER_STARTED = NodeState()


def _failed_for_good(state: NodeState, node: DagNode) -> bool:
    return not 0 < state.attempts <= node.retries


def _decide(
    node: DagNode,
    deps: Sequence[str],
    outcome: Mapping[str, _Outcome],
    values: Mapping[str, str],
    starts: list[NodeStart],
    skips: list[NodeSkip],
    fails: list[NodeFail],
) -> _Outcome:
    """The fate of a node that never started, its dependencies already decided."""
    waiting = blocked = False
    for dep in deps:
        dep_outcome = outcome[dep]
        if dep_outcome == "Skipped":
            skips.append(NodeSkip(node.name, f'dependency "{dep}" was skipped'))
            return "Skipped"
        if dep_outcome in ("Failed", "Blocked"):
            blocked = True
        elif dep_outcome != "Succeeded":
            waiting = True
    if blocked:
        return "Blocked"
    if waiting:
        return "Waiting"

    when: list[WhenExpression] = []
    for index, expr in enumerate(node.when):
        texts = [expr.input, *expr.values]
        for text in texts:
            missing = _missing(text, values)
            if missing:
                fails.append(NodeFail(node.name, f"when[{index}]: {missing}"))
                return "Failed"
        resolved = [substitute(text, values) for text in texts]
        when.append(expr.model_copy(update={"input": resolved[0], "values": resolved[1:]}))
    holds, false_ones = evaluate_when(when)
    if not holds:
        skips.append(NodeSkip(node.name, "when expressions were false", false_ones))
        return "Skipped"
    return _start(node, 1, values, starts, fails)


def _start(
    node: DagNode,
    attempt: int,
    values: Mapping[str, str],
    starts: list[NodeStart],
    fails: list[NodeFail],
) -> _Outcome:
    params: dict[str, str] = {}
    for param in node.params:
        missing = _missing(param.value, values)
        if missing:
            fails.append(NodeFail(node.name, f'param "{param.name}": {missing}'))
            return "Failed"
        params[param.name] = substitute(param.value, values)
    starts.append(NodeStart(node.name, attempt, params))
    return "Running"


def _missing(text: str, values: Mapping[str, str]) -> str | None:
    """Why a param or result reference in `text` has no value, or None if all do.

    Workspace and step-result paths mean nothing at DAG level and are left as
    written by `substitute`, so they are not reported here.
    """
    if "$(" not in text:
        return None
    for key in references(text):
        if key in values:
            continue
        ref = parse_reference(key)
        if ref.kind == "templates":
            return f'node "{ref.name}" has no result "{ref.result}"'
        if ref.kind == "params":
            return f'param "{ref.name}" has no value'
    return None


def _dag_results(
    declarations: Sequence[ResultDeclaration], values: Mapping[str, str]
) -> list[tuple[str, str]]:
    return [
        (decl.name, substitute(decl.value, values))
        for decl in declarations
        if decl.value is not None and _missing(decl.value, values) is None
    ]


def _message(phase: DagPhase, failed: list[str], counts: Mapping[str, int]) -> str:
    summary = (
        f"(Nodes Running: {counts['Running']}, Succeeded: {counts['Succeeded']}, "
        f"Failed: {counts['Failed']}, Skipped: {counts['Skipped']}, "
        f"Unscheduled: {counts['Unscheduled']})"
    )
    head = {"Running": "DAG running", "Succeeded": "DAG succeeded", "Failed": "DAG failed"}[phase]
    if failed:
        head += f": {_failed_nodes(failed)} failed"
    return f"{head} {summary}"


def _failed_nodes(names: list[str], shown: int = 3) -> str:
    # A wide DAG can fail in hundreds of nodes; the message stays one short line.
    quoted = ", ".join(f'"{name}"' for name in names[:shown])
    if len(names) == 1:
        return f"node {quoted}"
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return f"nodes {quoted}{more}"


def _referenced_nodes(text: str) -> Iterator[str]:
    """Names of the nodes whose results `text` reads, in order."""
    if "$(templates." in text:
        for key in references(text):
            if key.startswith("templates."):
                yield key.split(".", 2)[1]


def _node_texts(node: DagNode) -> Iterator[tuple[str, str]]:
    """(field path under the node, text) of every field that may read node results."""
    for i, param in enumerate(node.params):
        yield f"params[{i}].value", param.value
    for i, expr in enumerate(node.when):
        yield f"when[{i}].input", expr.input
        for j, value in enumerate(expr.values):
            yield f"when[{i}].values[{j}]", value


def _ordered_dependencies(dag: DagSpec) -> dict[str, list[str]]:
    """Dependencies per node, deduplicated: explicit ones first, then implicit."""
    out: dict[str, list[str]] = {}
    for node in dag.templates:
        deps = dict.fromkeys(node.dependencies)
        for param in node.params:
            deps.update(dict.fromkeys(_referenced_nodes(param.value)))
        for expr in node.when:
            for text in (expr.input, *expr.values):
                deps.update(dict.fromkeys(_referenced_nodes(text)))
        out[node.name] = list(deps)
    return out


def _unknown_nodes(dag: DagSpec, known: Container[str]) -> list[FieldError]:
    errors: list[FieldError] = []
    for index, node in enumerate(dag.templates):
        base = f"spec.dag.templates[{index}]"
        for j, dep in enumerate(node.dependencies):
            if dep not in known:
                errors.append(FieldError(f"{base}.dependencies[{j}]", f'unknown node "{dep}"'))
        for path, text in _node_texts(node):
            for dep in _referenced_nodes(text):
                if dep not in known:
                    errors.append(FieldError(f"{base}.{path}", f'unknown node "{dep}"'))
    return errors


def _find_cycle(deps: Mapping[str, Sequence[str]]) -> list[str] | None:
    # Iterative depth-first search: a chain of thousands of nodes must not hit
    # the recursion limit. 0 = unseen, 1 = on the current path, 2 = done.
    mark = dict.fromkeys(deps, 0)
    for root in deps:
        if mark[root]:
            continue
        mark[root] = 1
        path = [root]
        stack = [iter(deps[root])]
        while stack:
            for dep in stack[-1]:
                seen = mark.get(dep)
                if seen == 1:
                    return [*path[path.index(dep) :], dep]
                if seen == 0:
                    mark[dep] = 1
                    path.append(dep)
                    stack.append(iter(deps[dep]))
                    break
            else:
                mark[path.pop()] = 2
                stack.pop()
    return None


def _topological_order(dag: DagSpec, deps: Mapping[str, Sequence[str]]) -> list[str]:
    """Nodes, each after all its dependencies; raises ValidationError if impossible."""
    if any(dep not in deps for names in deps.values() for dep in names):
        raise ValidationError(_unknown_nodes(dag, deps))

    pending = {name: len(names) for name, names in deps.items()}
    dependants: dict[str, list[str]] = {name: [] for name in deps}
    for name, names in deps.items():
        for dep in names:
            dependants[dep].append(name)
    ready = deque(name for name, count in pending.items() if count == 0)
    order: list[str] = []
    while ready:
        name = ready.popleft()
        order.append(name)
        for dependant in dependants[name]:
            pending[dependant] -= 1
            if pending[dependant] == 0:
                ready.append(dependant)
    if len(order) < len(deps):
        cycle = _find_cycle(deps) or []
        raise ValidationError(
            [FieldError("spec.dag.templates", f"dependency cycle: {' -> '.join(cycle)}")]
        )
    return order
