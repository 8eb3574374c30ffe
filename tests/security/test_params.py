"""Params carry text, never code: a value full of shell metacharacters or substitution
syntax reaches a command's argv as the same bytes, and is not expanded again.

(A param substituted into a *script* becomes part of that script, as on the platform:
the script's author chose to paste text into code. Arguments are argv, not a shell.)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import Engine

GV = "batch.tensorstack.dev/v1beta1"

HOSTILE = [
    "$(touch {marker})",
    "`touch {marker}`",
    "; touch {marker}",
    "&& touch {marker} ||",
    "| touch {marker}",
    "$((1+1)) ${{HOME}} $HOME",
    "'\"\\ \n touch {marker}",
]


def _echo_template() -> str:
    return f"""\
apiVersion: {GV}
kind: WorkflowTemplate
metadata: {{name: echo-value}}
spec:
  params: [{{name: value}}]
  type: Pod
  pod:
    containers:
      - name: c
        image: ubuntu
        command: [python3, -c, "import sys; sys.stdout.write(repr(sys.argv[1]))"]
        args: [$(params.value)]
"""


@pytest.mark.parametrize("pattern", HOSTILE)
def test_a_param_in_args_reaches_argv_verbatim_and_runs_nothing(
    engine: Engine, tmp_path: Path, pattern: str
) -> None:
    marker = tmp_path / "pwned"
    value = pattern.format(marker=marker)
    engine.apply(_echo_template())
    engine.client.apply(
        {
            "apiVersion": GV,
            "kind": "WorkflowRun",
            "metadata": {"name": "echo-run"},
            "spec": {
                "workflowTemplateRef": "echo-value",
                "params": [{"name": "value", "value": value}],
            },
        }
    )
    assert engine.wait("echo-run")["status"]["phase"] == "Succeeded"
    assert engine.logs("echo-run").strip() == repr(value)
    assert not marker.exists()


def test_a_param_value_that_names_another_param_is_not_substituted_again(
    engine: Engine,
) -> None:
    engine.apply(
        f"""\
apiVersion: {GV}
kind: WorkflowTemplate
metadata: {{name: two-values}}
spec:
  params: [{{name: a}}, {{name: b, default: secret-b}}]
  type: Pod
  pod:
    containers:
      - name: c
        image: ubuntu
        command: [python3, -c, "import sys; sys.stdout.write(sys.argv[1])"]
        args: [$(params.a)]
"""
    )
    engine.client.apply(
        {
            "apiVersion": GV,
            "kind": "WorkflowRun",
            "metadata": {"name": "nested-run"},
            "spec": {
                "workflowTemplateRef": "two-values",
                "params": [{"name": "a", "value": "$(params.b)"}],
            },
        }
    )
    assert engine.wait("nested-run")["status"]["phase"] == "Succeeded"
    assert engine.logs("nested-run").strip() == "$(params.b)"
