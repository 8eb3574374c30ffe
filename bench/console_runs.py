"""Console benchmark: the WorkflowRun list with 10,000 runs in a project.

    .venv/bin/python bench/console_runs.py [--count 10000] [--budget 1.0]

Stores `--count` finished WorkflowRuns straight into a fresh data directory, starts
`treadle server` on it, then times (1) the API call the run list makes for its first
page and (2) Debian's Chromium (via Playwright) opening /ns/bench/workflowruns until
the first page of rows is on screen: cold (nothing cached), warm (reload), and paging
to the next page inside the app. Prints the numbers; exits 1 if the cold first page
took longer than `--budget` seconds. Needs the console built (console/build.sh).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from _common import CHROMIUM, CHROMIUM_ARGS, free_port, store_finished_runs

from treadle.config import Home

API = "batch.tensorstack.dev/v1beta1"
NS = "bench"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10000)
    parser.add_argument("--budget", type=float, default=1.0)
    parser.add_argument("--chromium", default=CHROMIUM)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        home = Home(Path(tmp) / "home").ensure()
        print(f"stored {args.count} runs in {store_finished_runs(home, NS, args.count):.1f}s")
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        log = open(Path(tmp) / "server.log", "wb")  # noqa: SIM115
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "treadle.cli.main",
                "--home",
                str(home.root),
                "server",
                "--port",
                str(port),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            client = httpx.Client(base_url=url, timeout=30)
            for _ in range(300):
                try:
                    if client.get("/healthz").status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.1)
            # The admin token, as the CLI on this machine reads it; the browser opens
            # the console with it, as the server's printed address does.
            token = home.token_file.read_text().strip()
            client.headers["Authorization"] = f"Bearer {token}"
            query = {"limit": 50, "labelSelector": "!batch.tensorstack.dev/workflowRun"}
            times = []
            for _ in range(7):
                t0 = time.perf_counter()
                page = client.get(f"/apis/{API}/namespaces/{NS}/workflowruns", params=query)
                times.append(time.perf_counter() - t0)
                assert page.status_code == 200 and len(page.json()["items"]) == 50, page.text
            print(
                f"API first page (50 of {args.count}): "
                f"median {statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms"
            )

            from playwright.sync_api import sync_playwright

            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
                tab = browser.new_page(viewport={"width": 1440, "height": 900})
                rows = tab.locator("[data-testid=run-row]")

                def first_page(action) -> float:
                    t0 = time.perf_counter()
                    action()
                    rows.nth(49).wait_for()
                    return time.perf_counter() - t0

                cold = first_page(lambda: tab.goto(f"{url}/ns/{NS}/workflowruns?token={token}"))
                warm = first_page(lambda: tab.reload())
                t0 = time.perf_counter()
                first_name = rows.first.inner_text()
                tab.get_by_test_id("next-page").click()
                tab.wait_for_function(
                    "name => document.querySelector('[data-testid=run-row]')?.innerText !== name",
                    arg=first_name,
                )
                rows.nth(49).wait_for()
                paging = time.perf_counter() - t0
                browser.close()
            print(
                f"browser, first page on screen: cold {cold * 1000:.0f} ms, "
                f"warm {warm * 1000:.0f} ms, next page {paging * 1000:.0f} ms"
            )
            ok = cold <= args.budget
            print(
                f"{'PASS' if ok else 'FAIL'}: cold first page {cold:.2f}s "
                f"within {args.budget:.2f}s budget"
            )
            return 0 if ok else 1
        finally:
            server.terminate()
            server.wait(15)
            log.close()


if __name__ == "__main__":
    sys.exit(main())
