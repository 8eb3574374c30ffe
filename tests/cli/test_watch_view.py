"""`--watch`: the run's message is wrapped between words, never cut off."""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

from tests.support import TREADLE, Engine
from treadle.cli.grid import wrap_words
from treadle.cli.runs_cmd import WatchView

MESSAGE = (
    "kind TFJob (kubeflow.org/v1) needs a Kubernetes cluster: embedded mode runs "
    "Pod, SeqPod, DAG and local Resource templates only"
)


def watched(message: str) -> dict[str, Any]:
    return {
        "metadata": {"name": "train"},
        "status": {
            "phase": "Failed",
            "message": message,
            "steps": [{"name": "main", "phase": "Failed", "exitCode": 1}],
        },
    }


def drawn(run: dict[str, Any], *, terminal: bool, width: int = 40) -> list[str]:
    """The view as the CLI's console prints it: without wrapping lines itself."""
    buffer = io.StringIO()
    console = Console(
        file=buffer, force_terminal=terminal, width=width, soft_wrap=True, color_system=None
    )
    console.print(WatchView(run))
    return buffer.getvalue().splitlines()


def test_lines_break_between_words_and_fit_the_width() -> None:
    lines = wrap_words(MESSAGE, 40)
    assert all(len(line) <= 40 for line in lines)
    assert " ".join(lines) == MESSAGE
    assert lines[0] == "kind TFJob (kubeflow.org/v1) needs a"


def test_a_word_wider_than_a_line_is_the_only_thing_cut() -> None:
    assert wrap_words("see https://example.com/a/very/long/path now", 12) == [
        "see",
        "https://exam",
        "ple.com/a/ve",
        "ry/long/path",
        "now",
    ]


def test_without_a_width_the_message_keeps_its_own_lines() -> None:
    assert wrap_words(MESSAGE + "\nsecond line", None) == [MESSAGE, "second line"]


def test_an_empty_message_has_no_lines() -> None:
    assert wrap_words("", 40) == []


words = st.text(alphabet="abcdefghij-./:", min_size=1, max_size=12)


@given(st.lists(words, max_size=30), st.integers(min_value=12, max_value=120))
def test_wrapping_keeps_every_word_whole_and_in_order(text: list[str], width: int) -> None:
    lines = wrap_words(" ".join(text), width)
    assert all(len(line) <= width for line in lines)
    assert " ".join(lines).split() == text


def test_on_a_terminal_the_whole_message_shows_across_lines() -> None:
    lines = drawn(watched(MESSAGE), terminal=True)
    message = lines[3:]  # after the title, the header and the step
    assert " ".join(message) == MESSAGE
    assert all(len(line) <= 40 for line in lines)


def test_piped_the_message_is_one_line() -> None:
    lines = drawn(watched(MESSAGE), terminal=False)
    assert lines == ["train  Failed  -", "STEP   PHASE    EXIT", "main   Failed   1", MESSAGE]


def test_a_resource_run_shows_the_object_it_created_instead_of_steps() -> None:
    run = {
        "metadata": {"name": "train"},
        "status": {
            "phase": "Succeeded",
            "message": 'TensorFlowTrainingJob "mnist" matched the success rules',
            "resource": {
                "apiVersion": "batch.tensorstack.dev/v1beta1",
                "kind": "TensorFlowTrainingJob",
                "name": "mnist",
            },
        },
    }
    lines = drawn(run, terminal=False, width=80)
    assert lines[1:3] == ["RESOURCE", "TensorFlowTrainingJob/mnist"]


def test_run_watch_into_a_pipe_prints_the_final_view_with_the_whole_message(
    engine: Engine, tmp_path: Path
) -> None:
    ghost = "a-missing-template-whose-name-is-as-long-as-kubernetes-allows6"
    engine.apply(
        "apiVersion: batch.tensorstack.dev/v1beta1\nkind: WorkflowTemplate\n"
        "metadata: {name: holes}\nspec:\n  dag:\n    templates:\n"
        f"      - {{name: a, workflowTemplateRef: {ghost}}}\n"
    )
    environ = {**os.environ, "TREADLE_HOME": str(engine.client.home.root), "COLUMNS": "40"}
    done = subprocess.run(
        [str(TREADLE), "run", "holes", "--name", "holes-run", "--watch"],
        capture_output=True,
        text=True,
        env=environ,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    message = engine.run("holes-run")["status"]["message"]
    assert ghost in message
    assert done.stdout.splitlines()[0] == "holes-run"
    assert done.stdout.splitlines()[-1] == message
