from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from treadle.api.run import NodePhase
from treadle.api.template import (
    DagNode,
    DagSpec,
    FailureStrategy,
    ParamValue,
    ResultDeclaration,
    WhenExpression,
)
from treadle.core.dag import (
    NodeFail,
    NodeSkip,
    NodeStart,
    NodeState,
    Plan,
    dependencies,
    find_cycle,
    plan,
)
from treadle.errors import ValidationError


def node(
    name: str,
    deps: Sequence[str] = (),
    params: Mapping[str, str] | None = None,
    when: Sequence[WhenExpression] = (),
    retries: int = 0,
) -> DagNode:
    return DagNode(
        name=name,
        workflow_template_ref="tpl",
        dependencies=list(deps),
        params=[ParamValue(name=k, value=v) for k, v in (params or {}).items()],
        when=list(when),
        retries=retries,
    )


def dag(*nodes: DagNode, strategy: FailureStrategy = "StopAllWorkflowTemplates") -> DagSpec:
    return DagSpec(templates=list(nodes), failure_strategy=strategy)


def when(input_: str, operator: str, *values: str) -> WhenExpression:
    return WhenExpression.model_validate(
        {"input": input_, "operator": operator, "values": list(values)}
    )


def ok(**results: str) -> NodeState:
    return NodeState("Succeeded", 1, results)


RUNNING = NodeState("Running", 1)
FAILED = NodeState("Failed", 1)
SKIPPED = NodeState("Skipped")


def started(p: Plan) -> list[str]:
    return [s.name for s in p.start]


def skipped(p: Plan) -> list[str]:
    return [s.name for s in p.skip]


DIAMOND = dag(node("a"), node("b1", ["a"]), node("b2", ["a"]), node("c", ["b1", "b2"]))


# --- the diamond -------------------------------------------------------------


@pytest.mark.parametrize(
    ("states", "expected"),
    [
        ({}, ["a"]),
        ({"a": RUNNING}, []),
        ({"a": ok()}, ["b1", "b2"]),
        ({"a": ok(), "b1": ok(), "b2": RUNNING}, []),
        ({"a": ok(), "b1": ok(), "b2": ok()}, ["c"]),
    ],
    ids=["root-first", "root-running", "branches-together", "join-waits", "join-starts"],
)
def test_diamond_starts_each_node_once_its_dependencies_succeeded(
    states: dict[str, NodeState], expected: list[str]
) -> None:
    assert started(plan(DIAMOND, {}, states)) == expected


def test_diamond_succeeds_with_a_summary_of_node_counts() -> None:
    p = plan(DIAMOND, {}, dict.fromkeys(["a", "b1", "b2", "c"], ok()))
    assert p.finished
    assert p.phase == "Succeeded"
    assert p.message == (
        "DAG succeeded (Nodes Running: 0, Succeeded: 4, Failed: 0, Skipped: 0, Unscheduled: 0)"
    )


def test_running_message_counts_started_nodes_as_running() -> None:
    p = plan(DIAMOND, {}, {"a": ok()})
    assert not p.finished
    assert p.phase == "Running"
    assert p.message == (
        "DAG running (Nodes Running: 2, Succeeded: 1, Failed: 0, Skipped: 0, Unscheduled: 1)"
    )


def test_first_start_is_attempt_one_with_its_params() -> None:
    d = dag(node("a", params={"word": "hello", "n": "1"}))
    assert plan(d, {}, {}).start == [NodeStart("a", 1, {"word": "hello", "n": "1"})]


def test_pending_node_with_attempts_is_in_flight_and_not_started_again() -> None:
    p = plan(DIAMOND, {}, {"a": NodeState("Pending", 1)})
    assert p.start == []
    assert p.counts["Running"] == 1


def test_empty_dag_succeeds_at_once() -> None:
    p = plan(dag(), {}, {})
    assert (p.finished, p.phase, p.start) == (True, "Succeeded", [])


def test_state_of_unknown_nodes_is_ignored() -> None:
    assert started(plan(DIAMOND, {}, {"zzz": FAILED})) == ["a"]


# --- fan-out -------------------------------------------------------------------


def fan_out(width: int) -> DagSpec:
    return dag(node("root"), *(node(f"leaf-{i}", ["root"]) for i in range(width)))


def test_fan_out_of_1000_starts_every_leaf_at_once() -> None:
    p = plan(fan_out(1000), {}, {"root": ok()})
    assert len(p.start) == 1000
    assert p.counts == {
        "Running": 1000,
        "Succeeded": 1,
        "Failed": 0,
        "Skipped": 0,
        "Unscheduled": 0,
    }


def test_interlinked_dag_of_1000_starts_the_node_whose_inputs_succeeded() -> None:
    rng = random.Random(7)
    nodes = []
    for i in range(1000):
        deps = [f"n{j}" for j in rng.sample(range(i), min(i, 3))]
        params = {"x": f"$(templates.n{i - 1}.results.out)"} if i else {"x": "$(params.p)"}
        guard = [when("$(params.p)", "in", "v")]
        nodes.append(node(f"n{i}", deps, params, guard, retries=1))
    states = {f"n{i}": ok(out=str(i)) for i in range(500)}
    p = plan(dag(*nodes), {"p": "v"}, states)
    assert started(p) == ["n500"]
    assert p.start[0].params == {"x": "499"}


# --- when and skipping ---------------------------------------------------------


COIN = dag(
    node("flip-coin"),
    node("heads-only", when=[when("$(templates.flip-coin.results.coin)", "in", "heads")]),
    node("after-heads", ["heads-only"]),
    node("tails-only", when=[when("$(templates.flip-coin.results.coin)", "notin", "heads")]),
)


def test_false_when_skips_the_node_with_the_false_expressions_substituted() -> None:
    p = plan(COIN, {}, {"flip-coin": ok(coin="tails")})
    assert started(p) == ["tails-only"]
    assert p.skip[0] == NodeSkip(
        "heads-only", "when expressions were false", [when("tails", "in", "heads")]
    )


def test_skip_propagates_to_dependants_naming_the_skipped_dependency() -> None:
    p = plan(COIN, {}, {"flip-coin": ok(coin="tails")})
    assert p.skip[1] == NodeSkip("after-heads", 'dependency "heads-only" was skipped', [])


def test_skip_propagates_through_a_chain_in_one_plan() -> None:
    d = dag(node("a", when=[when("x", "in", "y")]), node("b", ["a"]), node("c", ["b"]))
    p = plan(d, {}, {})
    assert skipped(p) == ["a", "b", "c"]
    assert (p.finished, p.phase) == (True, "Succeeded")
    assert p.counts["Skipped"] == 3


def test_skipped_dependency_skips_a_node_while_another_dependency_still_runs() -> None:
    d = dag(node("a"), node("b"), node("c", ["a", "b"]))
    assert skipped(plan(d, {}, {"a": SKIPPED, "b": RUNNING})) == ["c"]


def test_when_reads_run_params() -> None:
    d = dag(node("a", when=[when("$(params.mode)", "in", "fast", "faster")]))
    assert started(plan(d, {"mode": "fast"}, {})) == ["a"]
    assert skipped(plan(d, {"mode": "slow"}, {})) == ["a"]


def test_flip_coin_ends_succeeded_with_the_skipped_branch_counted() -> None:
    states = {"flip-coin": ok(coin="tails"), "tails-only": ok()}
    states |= {"heads-only": SKIPPED, "after-heads": SKIPPED}
    p = plan(COIN, {}, states)
    assert p.phase == "Succeeded"
    assert p.message.endswith(
        "(Nodes Running: 0, Succeeded: 2, Failed: 0, Skipped: 2, Unscheduled: 0)"
    )


# --- retries -------------------------------------------------------------------


def test_failed_node_with_retries_left_starts_its_next_attempt() -> None:
    d = dag(node("flaky", retries=2, params={"x": "$(params.p)"}))
    p = plan(d, {"p": "1"}, {"flaky": NodeState("Failed", 2)})
    assert p.start == [NodeStart("flaky", 3, {"x": "1"})]
    assert p.phase == "Running"


def test_node_that_used_up_its_retries_fails_the_dag() -> None:
    d = dag(node("flaky", retries=2))
    p = plan(d, {}, {"flaky": NodeState("Failed", 3)})
    assert p.start == []
    assert (p.finished, p.phase) == (True, "Failed")
    assert p.message == (
        'DAG failed: node "flaky" failed '
        "(Nodes Running: 0, Succeeded: 0, Failed: 1, Skipped: 0, Unscheduled: 0)"
    )


def test_retries_are_counted_per_node() -> None:
    d = dag(node("a", retries=1), node("b", retries=3), strategy="StopDependentWorkflowTemplates")
    p = plan(d, {}, {"a": NodeState("Failed", 2), "b": NodeState("Failed", 2)})
    assert p.start == [NodeStart("b", 3, {})]
    assert p.counts["Failed"] == 1


def test_retry_goes_ahead_while_stop_all_is_stopping() -> None:
    d = dag(node("doomed"), node("flaky", retries=1), node("later", ["flaky"]))
    p = plan(d, {}, {"doomed": FAILED, "flaky": FAILED})
    assert p.start == [NodeStart("flaky", 2, {})]


# --- failure strategies --------------------------------------------------------


# "doomed" fails while "slow" is running on another branch.
BRANCHES = [
    node("doomed"),
    node("after-doomed", ["doomed"]),
    node("after-after-doomed", ["after-doomed"]),
    node("slow"),
    node("after-slow", ["slow"]),
]


def test_stop_all_starts_nothing_new_and_lets_the_running_branch_finish() -> None:
    p = plan(dag(*BRANCHES), {}, {"doomed": FAILED, "slow": RUNNING})
    assert p.start == []
    assert not p.finished
    assert p.message == (
        'DAG running: node "doomed" failed '
        "(Nodes Running: 1, Succeeded: 0, Failed: 1, Skipped: 0, Unscheduled: 3)"
    )


def test_stop_all_fails_the_dag_once_the_running_branch_finished() -> None:
    p = plan(dag(*BRANCHES), {}, {"doomed": FAILED, "slow": ok()})
    assert p.start == []
    assert (p.finished, p.phase) == (True, "Failed")
    assert p.message == (
        'DAG failed: node "doomed" failed '
        "(Nodes Running: 0, Succeeded: 1, Failed: 1, Skipped: 0, Unscheduled: 3)"
    )


def test_stop_all_decides_no_skips_after_a_failure() -> None:
    d = dag(node("doomed"), node("never", when=[when("a", "in", "b")]))
    assert plan(d, {}, {"doomed": FAILED}).skip == []


def test_stop_dependent_lets_the_other_branch_go_on() -> None:
    d = dag(*BRANCHES, strategy="StopDependentWorkflowTemplates")
    p = plan(d, {}, {"doomed": FAILED, "slow": ok()})
    assert started(p) == ["after-slow"]
    assert p.phase == "Running"


def test_stop_dependent_never_starts_direct_or_indirect_dependants() -> None:
    d = dag(*BRANCHES, strategy="StopDependentWorkflowTemplates")
    p = plan(d, {}, {"doomed": FAILED, "slow": ok(), "after-slow": ok()})
    assert p.start == []
    assert (p.finished, p.phase) == (True, "Failed")
    assert p.message == (
        'DAG failed: node "doomed" failed '
        "(Nodes Running: 0, Succeeded: 2, Failed: 1, Skipped: 0, Unscheduled: 2)"
    )


def test_failure_message_names_every_failed_node_up_to_three() -> None:
    d = dag(*(node(f"n{i}") for i in range(5)), strategy="StopDependentWorkflowTemplates")
    two = plan(d, {}, {"n1": FAILED, "n3": FAILED} | {f"n{i}": ok() for i in (0, 2, 4)})
    five = plan(d, {}, dict.fromkeys([f"n{i}" for i in range(5)], FAILED))
    assert two.message.startswith('DAG failed: nodes "n1", "n3" failed (')
    assert five.message.startswith('DAG failed: nodes "n0", "n1", "n2" and 2 more failed (')


# --- results -------------------------------------------------------------------


SUM_THREE = dag(
    node("first-add", params={"first": "$(params.first)", "second": "$(params.second)"}),
    node(
        "second-add",
        params={"first": "$(templates.first-add.results.sum)", "second": "$(params.third)"},
    ),
)
SUM_RESULTS = [
    ResultDeclaration(name="total-sum", value="$(templates.second-add.results.sum)"),
    ResultDeclaration(name="partial-sum", value="$(templates.first-add.results.sum)"),
]
SUM_PARAMS = {"first": "1", "second": "2", "third": "39"}


def test_upstream_results_flow_into_params() -> None:
    p = plan(SUM_THREE, SUM_PARAMS, {"first-add": ok(sum="3")}, SUM_RESULTS)
    assert p.start == [NodeStart("second-add", 1, {"first": "3", "second": "39"})]
    assert p.results == []


def test_dag_results_read_node_results_when_finished() -> None:
    states = {"first-add": ok(sum="3"), "second-add": ok(sum="42")}
    p = plan(SUM_THREE, SUM_PARAMS, states, SUM_RESULTS)
    assert p.results == [("total-sum", "42"), ("partial-sum", "3")]


def test_dag_result_reading_an_unavailable_result_is_left_out() -> None:
    states = {"flip-coin": ok(coin="tails"), "tails-only": ok(), "heads-only": SKIPPED}
    states["after-heads"] = SKIPPED
    decls = [
        ResultDeclaration(name="coin", value="coin=$(templates.flip-coin.results.coin)"),
        ResultDeclaration(name="heads", value="$(templates.heads-only.results.x)"),
    ]
    assert plan(COIN, {}, states, decls).results == [("coin", "coin=tails")]


def test_missing_upstream_result_fails_the_node_without_starting_it() -> None:
    p = plan(SUM_THREE, SUM_PARAMS, {"first-add": ok()})
    assert p.start == []
    assert p.fail == [NodeFail("second-add", 'param "first": node "first-add" has no result "sum"')]
    assert (p.finished, p.phase) == (True, "Failed")


def test_node_that_failed_to_start_is_not_retried() -> None:
    d = dag(node("a", retries=3))
    p = plan(d, {}, {"a": NodeState("Failed", 0)})
    assert p.start == []
    assert p.phase == "Failed"


def test_when_reading_a_missing_result_fails_the_node() -> None:
    p = plan(COIN, {}, {"flip-coin": ok()})
    assert [f.name for f in p.fail] == ["heads-only", "tails-only"]
    assert p.fail[0].reason == 'when[0]: node "flip-coin" has no result "coin"'


def test_failed_start_holds_first_attempts_under_stop_all() -> None:
    d = dag(node("a"), node("b", ["a"], params={"x": "$(templates.a.results.r)"}), node("c", ["a"]))
    p = plan(d, {}, {"a": ok()})
    assert [f.name for f in p.fail] == ["b"]
    assert p.start == []
    assert p.counts["Unscheduled"] == 1


def test_failed_start_leaves_other_branches_under_stop_dependent() -> None:
    d = dag(
        node("a"),
        node("b", ["a"], params={"x": "$(templates.a.results.r)"}),
        node("c", ["a"]),
        strategy="StopDependentWorkflowTemplates",
    )
    assert started(plan(d, {}, {"a": ok()})) == ["c"]


def test_workspace_paths_in_node_params_are_left_as_written() -> None:
    d = dag(node("a", params={"dir": "$(workspaces.data.path)/x"}))
    assert plan(d, {}, {}).start[0].params == {"dir": "$(workspaces.data.path)/x"}


# --- implicit dependencies -----------------------------------------------------


def test_result_references_add_implicit_dependencies() -> None:
    d = dag(
        node("a"),
        node("b"),
        node("c", ["a"], params={"x": "$(templates.b.results.r)"}),
        node("d", when=[when("x", "in", "$(templates.c.results.r)")]),
        node("e", when=[when("$(templates.a.results.r)", "notin", "y")]),
    )
    assert dependencies(d) == {
        "a": set(),
        "b": set(),
        "c": {"a", "b"},
        "d": {"c"},
        "e": {"a"},
    }


def test_node_waits_for_a_node_it_reads_results_from() -> None:
    d = dag(node("a"), node("b", params={"x": "$(templates.a.results.r)"}))
    assert started(plan(d, {}, {})) == ["a"]
    assert started(plan(d, {}, {"a": ok(r="1")})) == ["b"]


# --- structure errors ----------------------------------------------------------


def test_find_cycle_names_the_cycle() -> None:
    d = dag(node("a"), node("b", ["a", "c"]), node("c", ["b"]))
    assert find_cycle(d) == ["b", "c", "b"]


def test_find_cycle_sees_cycles_through_result_references() -> None:
    d = dag(node("a", params={"x": "$(templates.a.results.r)"}))
    assert find_cycle(d) == ["a", "a"]


def test_find_cycle_finds_none_in_a_long_chain() -> None:
    d = dag(node("n0"), *(node(f"n{i}", [f"n{i - 1}"]) for i in range(1, 3000)))
    assert find_cycle(d) is None
    assert find_cycle(DIAMOND) is None


def test_plan_refuses_a_cycle_naming_it() -> None:
    d = dag(node("a"), node("b", ["a", "c"]), node("c", ["b"]))
    with pytest.raises(ValidationError, match="cycle: b -> c -> b"):
        plan(d, {}, {})


def test_plan_refuses_an_unknown_dependency_naming_the_field() -> None:
    d = dag(node("train"), node("eval", ["trian"]))
    with pytest.raises(ValidationError) as caught:
        plan(d, {}, {})
    assert str(caught.value) == 'spec.dag.templates[1].dependencies[0]: unknown node "trian"'


# --- property: never start before the dependencies succeeded -------------------


STRATEGIES: list[FailureStrategy] = ["StopAllWorkflowTemplates", "StopDependentWorkflowTemplates"]
OUTCOMES: list[NodePhase] = ["Succeeded", "Failed"]


@st.composite
def random_dags(draw: st.DrawFn) -> DagSpec:
    nodes = []
    for i in range(draw(st.integers(1, 10))):
        earlier = [f"n{j}" for j in range(i)]
        deps = draw(st.lists(st.sampled_from(earlier), max_size=3, unique=True)) if i else []
        params: dict[str, str] = {"p": "$(params.p)"}
        guard: list[WhenExpression] = []
        if i and draw(st.booleans()):
            params["up"] = f"$(templates.{draw(st.sampled_from(earlier))}.results.coin)"
        kind = draw(st.sampled_from(["none", "literal", "result"]))
        operator = draw(st.sampled_from(["in", "notin"]))
        if kind == "literal":
            guard.append(when(draw(st.sampled_from(["heads", "tails"])), operator, "heads"))
        elif kind == "result" and i:
            up = draw(st.sampled_from(earlier))
            guard.append(when(f"$(templates.{up}.results.coin)", operator, "heads"))
        nodes.append(node(f"n{i}", deps, params, guard, retries=draw(st.integers(0, 2))))
    return dag(*nodes, strategy=draw(st.sampled_from(STRATEGIES)))


def ancestors(deps: Mapping[str, set[str]], name: str) -> set[str]:
    seen: set[str] = set()
    todo = list(deps[name])
    while todo:
        dep = todo.pop()
        if dep not in seen:
            seen.add(dep)
            todo.extend(deps[dep])
    return seen


@settings(max_examples=300, deadline=None)
@given(d=random_dags(), data=st.data())
def test_simulated_runs_never_start_a_node_before_its_dependencies_succeeded(
    d: DagSpec, data: st.DataObject
) -> None:
    deps = dependencies(d)
    retries = {n.name: n.retries for n in d.templates}
    states: dict[str, NodeState] = {}
    budget = sum(r + 1 for r in retries.values()) + 1
    for _ in range(budget):
        p = plan(d, {"p": "v"}, states)
        assert p == plan(d, {"p": "v"}, states), "planning is deterministic"

        def state(name: str) -> NodeState:
            return states.get(name, NodeState())

        failed_for_good = [
            n for n, s in states.items() if s.phase == "Failed" and not 0 < s.attempts <= retries[n]
        ]
        for s in p.start:
            assert all(state(dep).phase == "Succeeded" for dep in deps[s.name])
            assert state(s.name).phase in ("Pending", "Failed")
            assert s.attempt == state(s.name).attempts + 1 <= retries[s.name] + 1
            if s.attempt == 1 and d.failure_strategy == "StopAllWorkflowTemplates":
                assert not failed_for_good
        for k in p.skip:
            assert state(k.name) == NodeState()
        assert sum(p.counts.values()) == len(d.templates)

        for s in p.start:
            states[s.name] = NodeState("Running", s.attempt)
        for k in p.skip:
            states[k.name] = NodeState("Skipped")
        for f in p.fail:
            states[f.name] = NodeState("Failed", state(f.name).attempts)
        if p.finished:
            break
        running = sorted(n for n, s in states.items() if s.phase == "Running")
        assert running, "an unfinished DAG always has a node running"
        for name in data.draw(st.lists(st.sampled_from(running), min_size=1, unique=True)):
            outcome = data.draw(st.sampled_from(OUTCOMES))
            results = data.draw(st.sampled_from([{}, {"coin": "heads"}, {"coin": "tails"}]))
            states[name] = NodeState(outcome, states[name].attempts, results)
    else:
        pytest.fail("the DAG did not finish")

    phases = {n.name: state(n.name).phase for n in d.templates}
    any_failed = "Failed" in phases.values()
    assert p.phase == ("Failed" if any_failed else "Succeeded")
    if not any_failed:
        assert set(phases.values()) <= {"Succeeded", "Skipped"}
    if d.failure_strategy == "StopDependentWorkflowTemplates":
        for name, phase in phases.items():
            if phase == "Pending":
                assert any(phases[a] == "Failed" for a in ancestors(deps, name))
