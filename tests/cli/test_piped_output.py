"""Output into a pipe is kubectl's plain text: one line per row, every name whole,
columns three spaces apart, no colour, no box drawing, whatever COLUMNS says."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import TREADLE, Engine

TEMPLATE = "a-template-whose-name-is-as-long-as-kubernetes-allows-63-chars"
DAG = "a-dag-template-whose-name-is-as-long-as-kubernetes-allows-63ch"
NODE = "a-dag-node-whose-name-is-long-enough-to-squeeze-a-column-flat"
RUN = "a-workflow-run-whose-name-is-as-long-as-kubernetes-allows-63ch"
DAG_RUN = "a-dag-workflow-run-whose-name-is-as-long-as-kubernetes-allows6"
GHOST = "a-missing-template-whose-name-is-as-long-as-kubernetes-allows6"
GHOST_RUN = "a-workflow-run-of-a-template-that-is-missing-with-a-long-name6"
CRON = "a-cron-workflow-run-whose-name-is-as-long-as-kubernetes-allow6"
DESCRIPTION = (
    "Greets whoever is named in the params, with a description much longer "
    "than the sixty characters a terminal table shows of it"
)
GV = "apiVersion: batch.tensorstack.dev/v1beta1"

OBJECTS = f"""\
{GV}
kind: WorkflowTemplate
metadata: {{name: {TEMPLATE}}}
spec:
  description: {DESCRIPTION}
  params: [{{name: who}}]
  type: Pod
  pod:
    containers: [{{name: c, image: ubuntu, command: [echo, $(params.who)]}}]
---
{GV}
kind: WorkflowTemplate
metadata: {{name: {DAG}}}
spec:
  type: DAG
  dag:
    templates:
      - {{name: {NODE}, workflowTemplateRef: {TEMPLATE}, params: [{{name: who, value: x}}]}}
---
{GV}
kind: WorkflowRun
metadata: {{name: {RUN}}}
spec: {{workflowTemplateRef: {TEMPLATE}, params: [{{name: who, value: x}}]}}
---
{GV}
kind: WorkflowRun
metadata: {{name: {DAG_RUN}}}
spec: {{workflowTemplateRef: {DAG}}}
---
{GV}
kind: WorkflowRun
metadata: {{name: {GHOST_RUN}}}
spec: {{workflowTemplateRef: {GHOST}}}
---
{GV}
kind: CronWorkflowRun
metadata: {{name: {CRON}}}
spec:
  schedule: "*/5 * * * *"
  suspend: true
  workflowRun:
    spec: {{workflowTemplateRef: {TEMPLATE}, params: [{{name: who, value: x}}]}}
"""

BOX_DRAWING = re.compile("[\u2500-\u257f]")


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A data directory holding finished runs of long-named objects."""
    path = tmp_path_factory.mktemp("piped") / "home"
    engine = Engine(path)
    try:
        engine.apply(OBJECTS)
        for name in (RUN, DAG_RUN, GHOST_RUN):
            engine.wait(name)
    finally:
        engine.close()
    yield path


def piped(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The CLI with stdout and stderr into pipes, told the screen is 40 columns
    wide and free to use colour: neither may shape piped output."""
    environ = {**os.environ, "TREADLE_HOME": str(home), "COLUMNS": "40", **env}
    environ.pop("NO_COLOR", None)
    done = subprocess.run(
        [str(TREADLE), *args], capture_output=True, text=True, env=environ, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done


def rows(output: str) -> list[list[str]]:
    """Each line split where kubectl's columns are: at three spaces or more."""
    return [re.split(" {3,}", line.strip()) for line in output.splitlines()]


def row_of(output: str, first: str) -> list[str]:
    found = [row for row in rows(output) if row[0] == first]
    assert len(found) == 1, output
    return found[0]


def record(output: str, header: str, first: str) -> dict[str, str]:
    """The row starting with `first` of the table whose header starts with
    `header`, by column name."""
    table = rows(output)
    start = next(i for i, row in enumerate(table) if row[0] == header)
    found = next(row for row in table[start + 1 :] if row[0] == first)
    assert len(found) == len(table[start]), output
    return dict(zip(table[start], found, strict=True))


@pytest.mark.parametrize(
    ("kind", "names"),
    [("wt", [TEMPLATE, DAG]), ("wr", [RUN, DAG_RUN, GHOST_RUN]), ("cwr", [CRON])],
)
def test_get_prints_a_header_and_one_whole_line_per_object(
    home: Path, kind: str, names: list[str]
) -> None:
    table = rows(piped(home, "get", kind).stdout)
    if kind == "wr":
        names = [*names, _child_run(home)]
    assert table[0][0] == "NAME"
    assert sorted(row[0] for row in table[1:]) == sorted(names)


def test_get_runs_shows_each_run_s_template_whole_beside_it(home: Path) -> None:
    output = piped(home, "get", "wr").stdout
    assert row_of(output, RUN)[1:3] == [TEMPLATE, "Succeeded"]
    assert row_of(output, GHOST_RUN)[1:3] == [GHOST, "Failed"]


def test_get_wide_ends_a_run_s_line_with_its_whole_message(home: Path) -> None:
    output = piped(home, "get", "wr", "-o", "wide").stdout
    assert rows(output)[0][-1] == "MESSAGE"
    message = row_of(output, GHOST_RUN)[-1]
    assert GHOST in message
    assert len(message) > 100  # beyond what a terminal table shows of it


def test_get_wide_keeps_a_template_s_whole_description(home: Path) -> None:
    output = piped(home, "get", "wt", "-o", "wide").stdout
    assert row_of(output, TEMPLATE)[1:3] == ["Pod", DESCRIPTION]


def test_all_namespaces_puts_each_object_s_namespace_first_on_its_line(home: Path) -> None:
    output = piped(home, "get", "wr", "-A").stdout
    assert rows(output)[0][:2] == ["NAMESPACE", "NAME"]
    assert [row[1:3] for row in rows(output) if row[1] == RUN] == [[RUN, TEMPLATE]]


def test_describe_prints_each_step_and_event_on_one_line(home: Path) -> None:
    output = piped(home, "describe", "wr", RUN).stdout
    step = record(output, "STEP", "c")
    assert (step["PHASE"], step["EXIT"]) == ("Succeeded", "0")
    created = [row for row in rows(output) if row[2:3] == ["PodCreated"]]
    assert created[0][3] == f'created pod "{RUN}-pod"'


def test_describe_prints_each_dag_node_on_one_line_with_its_run_whole(home: Path) -> None:
    output = piped(home, "describe", "wr", DAG_RUN).stdout
    node = record(output, "NODE", NODE)
    assert (node["PHASE"], node["RUN"]) == ("Succeeded", _child_run(home))


def test_token_list_prints_each_token_on_one_line(home: Path) -> None:
    namespace = "a-namespace-whose-name-is-as-long-as-kubernetes-allows-63-char"
    description = "the token a nightly job uses to read what its runs did, at length"
    piped(home, "token", "create", namespace, "--read", "-d", description)
    output = piped(home, "token", "list").stdout
    assert rows(output)[0] == ["ID", "NAMESPACE", "ACCESS", "CREATED", "DESCRIPTION"]
    token = [row for row in rows(output) if row[1:2] == [namespace]]
    assert token[0][2] == "read"
    assert token[0][4] == description


def test_volume_ls_prints_each_volume_on_one_line(home: Path) -> None:
    volume = "a-volume-claim-whose-name-is-as-long-as-kubernetes-allows-63ch"
    piped(home, "volume", "path", volume)
    output = piped(home, "volume", "ls").stdout
    assert rows(output)[0] == ["NAME", "FILES", "BYTES"]
    assert row_of(output, volume) == [volume, "0", "0"]


@pytest.mark.parametrize(
    "args",
    [["get", "wr", "-o", "wide"], ["get", "wt", "-A"], ["describe", "wr", DAG_RUN]],
    ids=["get-wide", "get-all-namespaces", "describe"],
)
def test_piped_output_has_no_colour_and_no_box_drawing(home: Path, args: list[str]) -> None:
    output = piped(home, *args).stdout
    assert "\x1b" not in output
    assert not BOX_DRAWING.search(output)


def test_force_color_does_not_make_a_pipe_a_terminal(home: Path) -> None:
    output = piped(home, "get", "wr", FORCE_COLOR="1", TTY_COMPATIBLE="1").stdout
    assert "\x1b" not in output
    assert row_of(output, RUN)[1] == TEMPLATE


def test_a_long_error_stays_on_one_line_on_stderr(home: Path) -> None:
    missing = "a-workflow-run-that-does-not-exist-and-has-a-long-name-63-char"
    environ = {**os.environ, "TREADLE_HOME": str(home), "COLUMNS": "40"}
    done = subprocess.run(
        [str(TREADLE), "get", "wr", missing], capture_output=True, text=True, env=environ
    )
    assert done.returncode != 0
    assert done.stderr.splitlines() == [f'error: WorkflowRun "default/{missing}" not found']


def _child_run(home: Path) -> str:
    """The run the DAG started for its node (its name is made by the controller)."""
    output = piped(home, "get", "wr", "-o", "name").stdout
    names = [line.split("/", 1)[1] for line in output.split()]
    children = [n for n in names if n not in (RUN, DAG_RUN, GHOST_RUN)]
    assert len(children) == 1, names
    return children[0]
