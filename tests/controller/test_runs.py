"""Runs of every template type, driven by a real controller on real processes."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from tests.support import GV, Engine, run_yaml, template_yaml
from treadle.controller.workflowrun import reconcile_run

template = template_yaml
run = run_yaml
Obj = dict[str, Any]


def phase_of(obj: Obj) -> str | None:
    phase: str | None = (obj.get("status") or {}).get("phase")
    return phase


def await_object(
    engine: Engine, api_version: str, kind: str, holds: Callable[[Obj], bool], timeout: float = 30
) -> Obj:
    """The first object of a kind (in "default") for which `holds` is true."""
    return engine.await_object(api_version, kind, holds, timeout=timeout)


def named(name: str, holds: Callable[[Obj], bool]) -> Callable[[Obj], bool]:
    return lambda obj: obj["metadata"]["name"] == name and holds(obj)


def finished(obj: Obj) -> bool:
    return phase_of(obj) in ("Succeeded", "Failed")


def test_a_pod_run_records_each_container_with_its_exit_code(engine: Engine) -> None:
    engine.apply(
        template(
            "two",
            "  pod:\n    containers:\n"
            "      - {name: a, image: ubuntu, command: [sh, -c, 'echo A']}\n"
            "      - {name: b, image: ubuntu, command: [sh, -c, 'echo B']}",
        )
        + run("two-run", "  workflowTemplateRef: two")
    )
    status = engine.wait("two-run")["status"]
    assert status["phase"] == "Succeeded"
    assert [(s["name"], s["phase"], s["exitCode"]) for s in status["steps"]] == [
        ("a", "Succeeded", 0),
        ("b", "Succeeded", 0),
    ]


def test_a_pod_run_reports_its_init_containers_before_its_containers(engine: Engine) -> None:
    engine.apply(
        template(
            "pod-init",
            "  pod:\n    initContainers:\n"
            "      - {name: i, image: ubuntu, command: [sh, -c, 'echo I']}\n"
            "    containers:\n"
            "      - {name: c, image: ubuntu, command: [sh, -c, 'echo C']}",
        )
        + run("pod-init-run", "  workflowTemplateRef: pod-init")
    )
    status = engine.wait("pod-init-run")["status"]
    assert status["phase"] == "Succeeded"
    assert [(s["name"], s["kind"], s["exitCode"]) for s in status["steps"]] == [
        ("i", "initContainer", 0),
        ("c", "container", 0),
    ]


def test_a_failing_container_fails_a_pod_run_and_stops_the_others(engine: Engine) -> None:
    engine.apply(
        template(
            "fail-fast",
            "  pod:\n    containers:\n"
            "      - {name: slow, image: ubuntu, command: [sleep, '30']}\n"
            "      - {name: bad, image: ubuntu, command: [sh, -c, 'exit 4']}",
        )
        + run("ff-run", "  workflowTemplateRef: fail-fast")
    )
    started = time.monotonic()
    status = engine.wait("ff-run")["status"]
    assert status["phase"] == "Failed"
    assert 'container "bad" failed (exit code 4)' in status["message"]
    assert time.monotonic() - started < 20


def appender(name: str) -> str:
    """A container that appends its name to a file of the workspace, then prints the file."""
    order = "$(workspaces.w.path)/order"
    return (
        f"{{name: {name}, image: ubuntu, command: [sh, -c, 'echo {name} >> {order}; cat {order}']}}"
    )


def seq_pod_with_init(init: list[str], steps: list[str]) -> str:
    return (
        "  workspaces: [{name: w}]\n  seqPod:\n    initContainers:\n"
        + "".join(f"      - {c}\n" for c in init)
        + "    steps:\n"
        + "".join(f"      - {c}\n" for c in steps)
    ).rstrip("\n")


WITH_WORKSPACE = "\n  workspaces: [{name: w, emptyDir: {}}]"


def test_seqpod_init_containers_run_first_in_order(engine: Engine) -> None:
    body = seq_pod_with_init(
        [appender("fetch"), appender("prepare")], [appender("a"), appender("b")]
    )
    engine.apply(
        template("inits", body) + run("inits-run", "  workflowTemplateRef: inits" + WITH_WORKSPACE)
    )
    assert engine.wait("inits-run")["status"]["phase"] == "Succeeded"
    last = [line.text for line in engine.client.run_logs(None, "inits-run", step="b")]
    assert last == ["fetch", "prepare", "a", "b"]


def test_seqpod_status_and_logs_name_init_containers_as_such(engine: Engine) -> None:
    body = seq_pod_with_init([appender("fetch")], [appender("a")])
    engine.apply(
        template("kinds", body) + run("kinds-run", "  workflowTemplateRef: kinds" + WITH_WORKSPACE)
    )
    status = engine.wait("kinds-run")["status"]
    assert [(s["name"], s["kind"], s["phase"]) for s in status["steps"]] == [
        ("fetch", "initContainer", "Succeeded"),
        ("a", "step", "Succeeded"),
    ]
    lines = engine.client.run_logs(None, "kinds-run")
    assert {(line.source, line.kind) for line in lines} == {
        ("fetch", "initContainer"),
        ("a", "step"),
    }


def test_a_failing_init_container_fails_the_run_and_skips_the_steps(engine: Engine) -> None:
    broken = "{name: broken, image: ubuntu, command: [sh, -c, 'exit 3']}"
    body = seq_pod_with_init([appender("fetch"), broken], [appender("a"), appender("b")])
    engine.apply(
        template("bad-init", body)
        + run("bad-init-run", "  workflowTemplateRef: bad-init" + WITH_WORKSPACE)
    )
    status = engine.wait("bad-init-run")["status"]
    assert status["phase"] == "Failed"
    assert status["message"] == 'init container "broken" failed (exit code 3)'
    assert [(s["name"], s["kind"], s["phase"]) for s in status["steps"]] == [
        ("fetch", "initContainer", "Succeeded"),
        ("broken", "initContainer", "Failed"),
        ("a", "step", "Skipped"),
        ("b", "step", "Skipped"),
    ]


def test_results_are_read_from_the_results_directory(engine: Engine) -> None:
    engine.apply(
        template(
            "res",
            "  results: [{name: a}, {name: b}]\n  seqPod:\n    steps:\n"
            "      - {name: s, image: ubuntu, command: [sh, -c, 'printf x > $(results.a.path); "
            'printf "y\\n" > $(results.b.path)\']}',
        )
        + run("res-run", "  workflowTemplateRef: res")
    )
    status = engine.wait("res-run")["status"]
    assert status["results"] == [{"name": "a", "value": "x"}, {"name": "b", "value": "y\n"}]


def test_results_over_4096_bytes_fail_the_run(engine: Engine) -> None:
    engine.apply(
        template(
            "big",
            "  results: [{name: a}]\n  seqPod:\n    steps:\n"
            "      - {name: s, image: ubuntu, command: [sh, -c, 'head -c 5000 /dev/zero > "
            "$(results.a.path)']}",
        )
        + run("big-run", "  workflowTemplateRef: big")
    )
    status = engine.wait("big-run")["status"]
    assert status["phase"] == "Failed"
    assert "4096" in status["message"] and "5000" in status["message"]


def test_a_run_of_a_missing_template_fails_naming_it(engine: Engine) -> None:
    engine.apply(run("lost-run", "  workflowTemplateRef: nowhere"))
    status = engine.wait("lost-run")["status"]
    assert status["phase"] == "Failed"
    assert 'WorkflowTemplate "nowhere" not found' in status["message"]


def test_timeout_fails_the_run_and_stops_its_steps(engine: Engine) -> None:
    engine.apply(
        template(
            "sleepy",
            "  seqPod:\n    steps:\n      - {name: s, image: ubuntu, command: [sleep, '60']}",
        )
        + run("sleepy-run", "  workflowTemplateRef: sleepy\n  timeout: 1s")
    )
    status = engine.wait("sleepy-run", timeout=20)["status"]
    assert (status["phase"], status["reason"]) == ("Failed", "Timeout")
    # The step sleeps for a minute: a pod that ends well before is one that was ended.
    pod = await_object(engine, "v1", "Pod", named(status["podName"], finished), timeout=10)
    assert phase_of(pod) == "Failed"


def test_stopping_a_dag_cancels_it_and_its_running_children(engine: Engine) -> None:
    engine.apply(
        template(
            "nap", "  pod:\n    containers: [{name: n, image: ubuntu, command: [sleep, '60']}]"
        )
        + template(
            "naps",
            "  dag:\n    templates:\n"
            "      - {name: a, workflowTemplateRef: nap}\n"
            "      - {name: b, workflowTemplateRef: nap, dependencies: [a]}",
        )
        + run("naps-run", "  workflowTemplateRef: naps")
    )
    await_object(
        engine,
        GV,
        "WorkflowRun",
        named("naps-run", lambda r: "a" in (r.get("status") or {}).get("nodes", {})),
    )
    engine.client.stop_run(None, "naps-run")
    status = engine.wait("naps-run")["status"]
    assert (status["phase"], status["reason"]) == ("Failed", "Cancelled")
    child = engine.wait(status["nodes"]["a"]["workflowRunName"])["status"]
    assert (child["phase"], child["reason"]) == ("Failed", "Cancelled")
    assert "b" not in status["nodes"] or not status["nodes"]["b"].get("workflowRunName")


def test_a_dag_that_references_itself_stops_at_the_depth_limit(engine: Engine) -> None:
    engine.apply(
        template("loop", "  dag:\n    templates:\n      - {name: again, workflowTemplateRef: loop}")
        + run("loop-run", "  workflowTemplateRef: loop")
    )
    deepest = await_object(
        engine, GV, "WorkflowRun", lambda r: r["spec"].get("depth") == 11 and finished(r), 60
    )
    assert deepest["status"]["message"] == "nesting depth 11 exceeds the limit of 10"
    # It is the run's own descendant, eleven levels down, and the refusal fails them all.
    assert phase_of(await_object(engine, GV, "WorkflowRun", named("loop-run", finished))) == (
        "Failed"
    )
    levels = 0
    ancestor = deepest
    while ancestor["metadata"]["name"] != "loop-run":
        ancestor = engine.run(ancestor["metadata"]["ownerReferences"][0]["name"])
        assert phase_of(ancestor) == "Failed"
        levels += 1
    assert levels == 11


def test_a_dag_node_whose_template_is_missing_fails_the_run_at_start(engine: Engine) -> None:
    engine.apply(
        template("holes", "  dag:\n    templates:\n      - {name: a, workflowTemplateRef: ghost}")
        + run("holes-run", "  workflowTemplateRef: holes")
    )
    status = engine.wait("holes-run")["status"]
    assert status["phase"] == "Failed"
    assert 'node "a": WorkflowTemplate "ghost" not found' in status["message"]


def test_a_resource_run_runs_a_job_locally(engine: Engine) -> None:
    manifest = (
        "      apiVersion: batch/v1\n      kind: Job\n      metadata: {generateName: pi-}\n"
        "      spec:\n        template:\n          spec:\n            restartPolicy: Never\n"
        "            containers: [{name: pi, image: perl, command: [echo, '3.14']}]\n"
    )
    engine.apply(
        template(
            "job",
            "  resource:\n    manifest: |\n"
            + manifest
            + "    successRules:\n      fieldSelector: status.succeeded > 0",
        )
        + run("job-run", "  workflowTemplateRef: job")
    )
    status = engine.wait("job-run")["status"]
    assert status["phase"] == "Succeeded", status["message"]
    assert status["resource"]["kind"] == "Job"
    assert "3.14" in engine.logs("job-run")


def test_a_resource_of_a_cluster_only_kind_fails_with_a_clear_reason(engine: Engine) -> None:
    manifest = (
        "      apiVersion: example.com/v1\n      kind: Widget\n"
        "      metadata: {name: w}\n"
        "      spec: {size: 1}\n"
    )
    engine.apply(
        template("widget", "  resource:\n    manifest: |\n" + manifest)
        + run("widget-run", "  workflowTemplateRef: widget")
    )
    status = engine.wait("widget-run")["status"]
    assert status["phase"] == "Failed"
    assert "Widget" in status["message"] and "needs a Kubernetes cluster" in status["message"]


def test_a_finished_run_is_never_changed_again(engine: Engine) -> None:
    engine.apply(
        template("once", "  pod:\n    containers: [{name: c, image: ubuntu, command: ['true']}]")
        + run("once-run", "  workflowTemplateRef: once")
    )
    done = engine.wait("once-run")
    # What would wake the run again (its pod's last change) has happened, and the
    # pass the controller makes on any wake-up leaves the run as it finished.
    await_object(engine, "v1", "Pod", named(done["status"]["podName"], finished))
    assert reconcile_run(engine.manager.ctx, "default", "once-run") is None
    assert (
        engine.run("once-run")["metadata"]["resourceVersion"] == done["metadata"]["resourceVersion"]
    )


def test_run_events_tell_the_story_of_a_run(engine: Engine) -> None:
    engine.apply(
        template(
            "story",
            "  seqPod:\n    steps:\n      - {name: one, image: ubuntu, command: [sleep, '0.6']}",
        )
        + run("story-run", "  workflowTemplateRef: story")
    )
    run_obj = engine.wait("story-run")
    # The last word of a run's story is recorded just after its status.
    await_object(
        engine,
        "v1",
        "Event",
        lambda e: e["involvedObject"]["name"] == "story-run" and e["reason"] == "Succeeded",
    )
    reasons = [e["reason"] for e in engine.client.events_for(run_obj)]
    for reason in ("Started", "PodCreated", "StepStarted", "StepFinished", "Succeeded"):
        assert reason in reasons, reasons


def test_a_template_edited_after_start_does_not_change_the_run(engine: Engine) -> None:
    engine.apply(
        template(
            "edit", "  pod:\n    containers: [{name: c, image: ubuntu, command: [sleep, '0.5']}]"
        )
        + run("edit-run", "  workflowTemplateRef: edit")
    )
    engine.wait("edit-run", phase="Running")
    engine.apply(
        template("edit", "  pod:\n    containers: [{name: z, image: ubuntu, command: ['false']}]")
    )
    status = engine.wait("edit-run")["status"]
    assert status["phase"] == "Succeeded"
    assert status["workflowTemplateSpec"]["pod"]["containers"][0]["name"] == "c"
