"""API server under load, over loopback HTTP.

    .venv/bin/python bench/api_load.py [--clients 50] [--runs 200] [--stored 10000]

1. Starts `treadle server` (with its controller) on a fresh data directory. `--clients`
   clients each keep a watch on the namespace's WorkflowRuns open and list them (a
   page of 100, then `--pause`, like a console's auto-refresh) while `--runs`
   tiny Pod runs (`true`) are created and executed. Prints list latency (p50, p99),
   the error count (any non-2xx answer or broken stream; must be 0), whether every
   run Succeeded and every watch saw it, the elapsed time, and the CPU seconds the
   server and these clients used (they share the machine: on a small one the
   clients' own parsing shows up in the latencies).
2. Stores `--stored` finished runs straight into another data directory, starts a
   server on it (no controller) and times every page of a full paged list at limit
   100 and 500, against a 100 ms per page target.

Everything is bounded by `--deadline` seconds per phase. Exits 1 if there were errors,
runs did not finish, or a page missed the target.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from _common import store_finished_runs

from treadle.config import Home

API = "batch.tensorstack.dev/v1beta1"
NAMESPACE = "bench"
RUNS = f"/apis/{API}/namespaces/{NAMESPACE}/workflowruns"
TEMPLATES = f"/apis/{API}/namespaces/{NAMESPACE}/workflowtemplates"
PAGE_TARGET_MS = 100.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """`treadle server` in a child process on a loopback port."""

    def __init__(self, home: Path, *, controller: bool) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        args = [
            sys.executable,
            "-m",
            "treadle.cli.main",
            "server",
            "--home",
            str(home),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--log-level",
            "warning",
        ]
        if not controller:
            args.append("--no-controller")
        self.log = open(home.parent / f"server-{self.port}.log", "wb")  # noqa: SIM115
        env = {**os.environ, "TREADLE_NO_AUTOSTART": "1"}
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    # The admin token, as the CLI on this machine reads it.
                    token = (home / "token").read_text().strip()
                    self.headers = {"Authorization": f"Bearer {token}"}
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.stop()
                raise SystemExit(f"the server did not start; see {self.log.name}")
            time.sleep(0.1)

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# -- phase 1: clients while runs execute ------------------------------------------------


class Load:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.done = asyncio.Event()
        self.seen_finished: list[set[str]] = []


async def watcher(http: httpx.AsyncClient, load: Load, index: int, rv: str) -> None:
    finished = load.seen_finished[index]
    try:
        async with http.stream(
            "GET",
            RUNS,
            params={"watch": "true", "resourceVersion": rv},
            timeout=httpx.Timeout(30, read=None),
        ) as r:
            if r.status_code != 200:
                load.errors.append(f"watch answered {r.status_code}")
                return
            async for line in r.aiter_lines():
                if not line:
                    continue
                event = json.loads(line)
                if event["type"] == "ERROR":
                    load.errors.append(f"watch error: {event['object'].get('message')}")
                    return
                obj = event["object"]
                if (obj.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
                    finished.add(obj["metadata"]["name"])
    except asyncio.CancelledError:
        raise
    except Exception as e:  # a broken stream is an error of the server under load
        if not load.done.is_set():
            load.errors.append(f"watch broke: {e!r}")


async def lister(http: httpx.AsyncClient, load: Load, pause: float) -> None:
    while not load.done.is_set():
        started = time.perf_counter()
        try:
            r = await http.get(RUNS, params={"limit": 100})
            if r.status_code != 200:
                load.errors.append(f"list answered {r.status_code}")
            else:
                r.json()
        except httpx.HTTPError as e:
            load.errors.append(f"list failed: {e!r}")
        load.latencies.append(time.perf_counter() - started)
        await asyncio.sleep(pause)


async def phase_one(server: Server, clients: int, runs: int, pause: float, deadline: float) -> bool:
    url = server.url
    cpu_before, own_before = server.cpu_seconds(), _own_cpu()
    limits = httpx.Limits(max_connections=clients * 2 + 10, max_keepalive_connections=clients * 2)
    async with httpx.AsyncClient(
        base_url=url, headers=server.headers, timeout=30, limits=limits
    ) as http:
        template = {
            "apiVersion": API,
            "kind": "WorkflowTemplate",
            "metadata": {"name": "noop"},
            "spec": {
                "pod": {"containers": [{"name": "main", "image": "busybox", "command": ["true"]}]}
            },
        }
        (await http.post(TEMPLATES, json=template)).raise_for_status()
        rv = (await http.get(RUNS, params={"limit": 1})).json()["metadata"]["resourceVersion"]
        load = Load()
        load.seen_finished = [set() for _ in range(clients)]
        tasks = [asyncio.create_task(watcher(http, load, i, rv)) for i in range(clients)]
        tasks += [asyncio.create_task(lister(http, load, pause)) for _ in range(clients)]
        await asyncio.sleep(0.5)  # let the watches open before the first run

        started = time.monotonic()
        names: list[str] = []
        for i in range(runs):
            run = {
                "apiVersion": API,
                "kind": "WorkflowRun",
                "metadata": {"name": f"run-{i:04}"},
                "spec": {"workflowTemplateRef": "noop"},
            }
            r = await http.post(RUNS, json=run)
            if r.status_code != 201:
                load.errors.append(f"create answered {r.status_code}")
            names.append(f"run-{i:04}")
        created = time.monotonic() - started

        phases: dict[str, str] = {}
        while time.monotonic() < deadline:
            phases = {}
            token = None
            while True:
                params: dict[str, Any] = {"limit": 500}
                if token:
                    params["continue"] = token
                body = (await http.get(RUNS, params=params)).json()
                phases.update(
                    {
                        o["metadata"]["name"]: (o.get("status") or {}).get("phase", "")
                        for o in body["items"]
                    }
                )
                token = body["metadata"].get("continue")
                if not token:
                    break
            if all(phases.get(n) in ("Succeeded", "Failed") for n in names):
                break
            await asyncio.sleep(0.25)
        elapsed = time.monotonic() - started
        settle = time.monotonic() + 5  # the last events reach every watch
        while time.monotonic() < settle and any(len(s) < runs for s in load.seen_finished):
            await asyncio.sleep(0.1)
        load.done.set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    server_cpu, own_cpu = server.cpu_seconds() - cpu_before, _own_cpu() - own_before
    succeeded = sum(1 for n in names if phases.get(n) == "Succeeded")
    watches_complete = sum(1 for s in load.seen_finished if len(s) >= runs)
    ms = [x * 1000 for x in load.latencies]
    print(
        f"phase 1: {clients} clients listing (limit 100, {pause * 1000:.0f} ms pause) "
        f"and watching while {runs} runs execute"
    )
    print(
        f"  runs created in {created:.1f} s; {succeeded}/{runs} Succeeded "
        f"{elapsed:.1f} s after the first was created"
    )
    print(
        f"  list requests: {len(ms)} ({len(ms) / max(elapsed, 1e-9):.0f}/s), "
        f"p50 {percentile(ms, 0.5):.1f} ms, p99 {percentile(ms, 0.99):.1f} ms, "
        f"max {max(ms, default=0):.1f} ms"
    )
    print(f"  watches that saw every run finish: {watches_complete}/{clients}")
    print(
        f"  cpu: server {server_cpu:.1f} s, clients {own_cpu:.1f} s over {elapsed:.1f} s "
        f"on {os.cpu_count()} cores"
    )
    print(f"  errors: {len(load.errors)}")
    for error in sorted(set(load.errors))[:10]:
        print(f"    {error}")
    return not load.errors and succeeded == runs and watches_complete == clients


def _own_cpu() -> float:
    t = os.times()
    return t.user + t.system


# -- phase 2: paging through many stored runs ------------------------------------------


def page_times(server: Server, limit: int) -> list[float]:
    times: list[float] = []
    with httpx.Client(base_url=server.url, headers=server.headers, timeout=60) as http:
        http.get(RUNS, params={"limit": 1})  # connection and first-query warm-up
        token = None
        while True:
            params: dict[str, Any] = {"limit": limit}
            if token:
                params["continue"] = token
            started = time.perf_counter()
            r = http.get(RUNS, params=params)
            r.raise_for_status()
            body = r.json()
            times.append((time.perf_counter() - started) * 1000)
            token = body["metadata"].get("continue")
            if not token:
                return times


def phase_two(root: Path, count: int) -> bool:
    home = Home(root / "stored").ensure()
    started = time.monotonic()
    store_finished_runs(home, NAMESPACE, count)
    print(f"phase 2: {count} stored runs (seeded in {time.monotonic() - started:.1f} s)")
    server = Server(home.root, controller=False)
    ok = True
    try:
        for limit in (100, 500):
            times = page_times(server, limit)
            worst = max(times)
            ok &= worst < PAGE_TARGET_MS
            verdict = "met" if worst < PAGE_TARGET_MS else "MISSED"
            print(
                f"  limit {limit}: {len(times)} pages, per page p50 {statistics.median(times):.1f}"
                f" ms, p99 {percentile(times, 0.99):.1f} ms, max {worst:.1f} ms "
                f"(target < {PAGE_TARGET_MS:.0f} ms: {verdict})"
            )
    finally:
        server.stop()
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--stored", type=int, default=10_000)
    parser.add_argument(
        "--pause",
        type=float,
        default=1.0,
        help="seconds between a client's lists (a console's refresh)",
    )
    parser.add_argument("--deadline", type=float, default=300, help="seconds per phase, at most")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="treadle-api-load-") as tmp:
        root = Path(tmp)
        home = Home(root / "live").ensure()
        server = Server(home.root, controller=True)
        started = time.monotonic()
        try:
            ok = asyncio.run(
                phase_one(
                    server, args.clients, args.runs, args.pause, time.monotonic() + args.deadline
                )
            )
        finally:
            server.stop()
        print(f"  elapsed: {time.monotonic() - started:.1f} s")
        ok &= phase_two(root, args.stored)
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
