"""Bad input through the CLI: one clear line, a non-zero exit, never a traceback."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.support import GREET_TEMPLATE, treadle_cli


def treadle(home: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return treadle_cli(*args, home=home, stdin=stdin)


@pytest.mark.parametrize(
    ("args", "stdin", "expected"),
    [
        (["apply", "-f", "-"], "a: [1\nb: 2", "-:2:2: invalid YAML"),
        (
            ["apply", "-f", "-"],
            "apiVersion: v9\nkind: Gadget\nmetadata: {name: x}\n",
            'unknown kind "Gadget"',
        ),
        (["apply", "-f", "/nonexistent/file.yaml"], None, "no such file or directory"),
        (["get", "gadgets"], None, 'unknown kind "gadgets"'),
        (["get", "wr", "nope"], None, "nope"),
        (["run", "missing-template"], None, "missing-template"),
        (["run", "greet"], None, 'missing required param "who"'),
        (["run", "greet", "-p", "noequals"], None, "expected NAME=VALUE"),
        (["wait", "nope", "--timeout", "soon"], None, "nope"),
        (["logs", "nope"], None, "nope"),
    ],
    ids=[
        "invalid-yaml",
        "unknown-kind",
        "missing-file",
        "unknown-kind-get",
        "missing-run",
        "missing-template",
        "missing-param",
        "bad-param-syntax",
        "wait-missing-run",
        "logs-missing-run",
    ],
)
def test_bad_input_gets_one_clear_line_and_a_nonzero_exit(
    tmp_path: Path, args: list[str], stdin: str | None, expected: str
) -> None:
    assert treadle(tmp_path, "apply", "-f", "-", stdin=GREET_TEMPLATE).returncode == 0
    done = treadle(tmp_path, *args, stdin=stdin)
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert expected in output
    assert "Traceback" not in output
    assert len(output.strip().splitlines()) <= 3, output


def test_an_invalid_document_does_not_stop_the_others_of_its_file(tmp_path: Path) -> None:
    bad = (
        GREET_TEMPLATE + "---\napiVersion: batch.tensorstack.dev/v1beta1\nkind: WorkflowRun\n"
        "metadata: {name: r}\nspec: {workflowTemplateRef: greet, timeout: soon}\n"
    )
    done = treadle(tmp_path, "apply", "-f", "-", stdin=bad)
    assert done.returncode == 2
    assert "- (document 2, line 10)" in done.stderr and "spec.timeout" in done.stderr
    assert done.stdout == "workflowtemplate/greet created\n"
    assert treadle(tmp_path, "get", "wt", "greet").returncode == 0
    assert treadle(tmp_path, "get", "wr", "r").returncode != 0


def test_a_param_the_template_does_not_declare_is_a_warning_and_the_run_is_created(
    tmp_path: Path,
) -> None:
    assert treadle(tmp_path, "apply", "-f", "-", stdin=GREET_TEMPLATE).returncode == 0
    done = treadle(tmp_path, "run", "greet", "--name", "r", "-p", "who=x", "-p", "extra=1")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "r\n"
    assert done.stderr.splitlines() == [
        'Warning: WorkflowRun "r": spec.params[1].name: param "extra" is not declared by '
        'template "greet" (accepted: substituted only where the template references it)'
    ]
    assert treadle(tmp_path, "get", "wr", "r").returncode == 0
