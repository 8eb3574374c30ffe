"""Runs driven by the server's controller: completion, logs, stop, rerun, events."""

from __future__ import annotations

import json
import math
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from treadle.server.logstream import since_time

from .conftest import WF, Served, run_of, start_run, step_running, template, wait_for


def run_path(ns: str, name: str) -> str:
    return f"{WF}/namespaces/{ns}/workflowruns/{name}"


def log_records(http: httpx.Client, ns: str, name: str, **params: Any) -> list[dict[str, str]]:
    r = http.get(f"{run_path(ns, name)}/logs", params=params)
    assert r.status_code == 200, r.text
    return [json.loads(line) for line in r.text.splitlines() if line]


def test_a_run_completes_and_its_logs_are_readable(http: httpx.Client, ns: str) -> None:
    name = start_run(http, ns, ["sh", "-c", "echo hi; echo there"])
    run = wait_for(http, ns, name)
    assert run["status"]["phase"] == "Succeeded"
    records = log_records(http, ns, name)
    assert [r["text"] for r in records] == ["hi", "there"]
    assert {r["source"] for r in records} == {"main"}
    assert all(r["time"].endswith("Z") for r in records)


def test_log_follow_streams_until_the_run_ends(served: Served, ns: str) -> None:
    with served.client() as http:
        name = start_run(http, ns, ["sh", "-c", "echo one; sleep 1; echo two"])
        texts = []
        started = time.monotonic()
        with http.stream(
            "GET", f"{run_path(ns, name)}/logs", params={"follow": "true"}, timeout=60
        ) as r:
            for line in r.iter_lines():
                if line:
                    texts.append(json.loads(line)["text"])
        assert texts == ["one", "two"]
        assert time.monotonic() - started >= 0.9
        assert wait_for(http, ns, name)["status"]["phase"] == "Succeeded"


def test_tail_lines_keeps_the_last_lines(http: httpx.Client, ns: str) -> None:
    name = start_run(http, ns, ["sh", "-c", "for i in 1 2 3 4 5; do echo $i; done"])
    wait_for(http, ns, name)
    assert [r["text"] for r in log_records(http, ns, name, tailLines=2)] == ["4", "5"]


def test_since_seconds_keeps_only_lines_recorded_within_the_window(
    http: httpx.Client, ns: str
) -> None:
    name = start_run(http, ns, ["sh", "-c", "echo early"])
    wait_for(http, ns, name)
    [line] = log_records(http, ns, name)
    # A window of 0 s opens at the request, after the line was recorded.
    assert log_records(http, ns, name, sinceSeconds=0) == []
    # A window that reaches back past the line's own time keeps it.
    age = (datetime.now(UTC) - datetime.fromisoformat(line["time"])).total_seconds()
    window = math.ceil(age) + 30
    assert [r["text"] for r in log_records(http, ns, name, sinceSeconds=window)] == ["early"]


def test_since_seconds_counts_seconds_back_from_now() -> None:
    before = datetime.now(UTC)
    since = datetime.fromisoformat(since_time(90) or "")
    after = datetime.now(UTC)
    assert before - timedelta(seconds=90) <= since <= after - timedelta(seconds=90)


def test_logs_of_an_unknown_step_are_404(http: httpx.Client, ns: str) -> None:
    name = start_run(http, ns, ["true"])
    wait_for(http, ns, name)
    r = http.get(f"{run_path(ns, name)}/logs", params={"step": "nope"})
    assert r.status_code == 404 and "main" in r.json()["message"]


def test_logs_of_an_unknown_run_are_404(http: httpx.Client, ns: str) -> None:
    assert http.get(f"{run_path(ns, 'ghost')}/logs").status_code == 404


def test_log_sources_name_each_step(http: httpx.Client, ns: str) -> None:
    name = start_run(http, ns, ["true"])
    wait_for(http, ns, name)
    items = http.get(f"{run_path(ns, name)}/logsources").json()["items"]
    assert [(i["source"], i["container"]) for i in items] == [("main", "main")]
    assert items[0]["pod"]


def test_log_sources_and_lines_say_which_are_init_containers(http: httpx.Client, ns: str) -> None:
    doc = template("inits", ["echo", "the step"], kind="seqPod")
    doc["spec"]["seqPod"]["initContainers"] = [
        {"name": "prep", "image": "busybox", "command": ["echo", "the init container"]}
    ]
    assert http.post(f"{WF}/namespaces/{ns}/workflowtemplates", json=doc).status_code == 201
    assert http.post(f"{WF}/namespaces/{ns}/workflowruns", json=run_of("inits", "inits")).is_success
    wait_for(http, ns, "inits")
    items = http.get(f"{run_path(ns, 'inits')}/logsources").json()["items"]
    assert [(i["source"], i["kind"]) for i in items] == [
        ("prep", "initContainer"),
        ("main", "step"),
    ]
    assert [(r["source"], r["kind"], r["text"]) for r in log_records(http, ns, "inits")] == [
        ("prep", "initContainer", "the init container"),
        ("main", "step", "the step"),
    ]


def test_stop_ends_a_running_run_cancelled(http: httpx.Client, ns: str) -> None:
    name = start_run(http, ns, ["sleep", "60"])
    wait_for(http, ns, name, step_running)
    r = http.post(f"{run_path(ns, name)}/stop")
    assert r.status_code == 200
    run = wait_for(http, ns, name, timeout=30)
    assert run["status"]["phase"] == "Failed"
    reasons = [c.get("reason") for c in run["status"].get("conditions") or []]
    assert "Cancelled" in reasons


def test_stop_of_a_finished_run_is_400(http: httpx.Client, ns: str) -> None:
    name = start_run(http, ns, ["true"])
    wait_for(http, ns, name)
    r = http.post(f"{run_path(ns, name)}/stop")
    assert r.status_code == 400 and "finished" in r.json()["message"]


def test_rerun_creates_a_new_run_with_the_same_spec(http: httpx.Client, ns: str) -> None:
    name = start_run(http, ns, ["true"])
    first = wait_for(http, ns, name)
    r = http.post(f"{run_path(ns, name)}/rerun")
    assert r.status_code == 201
    again = r.json()
    assert again["metadata"]["name"] != name
    assert again["spec"] == first["spec"]
    assert wait_for(http, ns, again["metadata"]["name"])["status"]["phase"] == "Succeeded"


def test_events_of_a_run_are_oldest_first(http: httpx.Client, ns: str) -> None:
    name = start_run(http, ns, ["true"])
    wait_for(http, ns, name)
    items = http.get(f"{run_path(ns, name)}/events").json()["items"]
    assert items, "a finished run has events"
    assert all(e["involvedObject"]["name"] == name for e in items)
    stamps = [e["firstTimestamp"] for e in items]
    assert stamps == sorted(stamps)


def test_deleting_a_running_run_stops_it(http: httpx.Client, ns: str, served: Served) -> None:
    name = start_run(http, ns, ["sleep", "60"])
    run = wait_for(http, ns, name, step_running)
    pod = http.get(f"/api/v1/namespaces/{ns}/pods/{run['status']['podName']}").json()
    assert http.delete(run_path(ns, name)).status_code == 200
    assert http.get(run_path(ns, name)).status_code == 404
    assert http.get(f"/api/v1/namespaces/{ns}/pods/{pod['metadata']['name']}").status_code == 404
    runtime = served.state.client.runtime
    deadline = time.monotonic() + 20
    while (seen := runtime.observe(pod["metadata"]["uid"])) is not None and seen.phase not in (
        "Succeeded",
        "Failed",
    ):
        assert time.monotonic() < deadline, "the deleted run's step kept running"
        time.sleep(0.1)
