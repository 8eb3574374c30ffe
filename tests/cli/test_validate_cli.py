"""`treadle validate -f FILE|DIR|-`, run as a user runs it: `ok` per object, or
every error with its field path, and a non-zero exit on any error."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.support import GREET_TEMPLATE, SHARED, TREADLE, treadle_cli

CONFORMANCE = SHARED / "conformance"

pytestmark = pytest.mark.skipif(not TREADLE.exists(), reason="the treadle command is not installed")
needs_conformance = pytest.mark.skipif(
    not CONFORMANCE.is_dir(), reason="the shared conformance cases are not beside this checkout"
)

TEMPLATE = GREET_TEMPLATE
RUN = """\
apiVersion: batch.tensorstack.dev/v1beta1
kind: WorkflowRun
metadata: {name: greet-run}
spec:
  workflowTemplateRef: greet
  params: [{name: who, value: world}]
"""
BROKEN = """\
apiVersion: batch.tensorstack.dev/v1beta1
kind: WorkflowTemplate
metadata: {name: broken}
spec:
  type: SeqPod
  seqPod:
    steps:
      - {name: s, image: ubuntu, script: echo, command: [sh]}
      - {name: s, image: ubuntu, args: [$(params.nope)]}
"""


def validate(*targets: str | Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    args = [arg for target in targets for arg in ("-f", str(target))]
    return treadle_cli("validate", *args, stdin=stdin)


def ok_lines(done: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in done.stdout.splitlines() if line.startswith("ok ")]


def expected_errors(path: Path) -> list[str]:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    return re.findall(r'"((?:[^"\\]|\\.)*)"', first.removeprefix("# error:"))


def invalid_files() -> list[Path]:
    return sorted((CONFORMANCE / "invalid").glob("*.yaml")) if CONFORMANCE.is_dir() else []


@needs_conformance
@pytest.mark.parametrize("path", invalid_files(), ids=lambda p: p.stem)
def test_conformance_invalid_file_fails_with_its_listed_strings(path: Path) -> None:
    done = validate(path)
    output = done.stdout + done.stderr
    assert done.returncode != 0
    strings = expected_errors(path)
    assert strings, f"{path.name} lists no error strings"
    for expected in strings:
        assert expected in done.stderr, f"{expected!r} not in {output!r}"
    assert ok_lines(done) == []
    assert "Traceback" not in output


@needs_conformance
def test_conformance_valid_directory_passes_with_ok_per_object() -> None:
    folder = CONFORMANCE / "valid"
    done = validate(folder)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    expected = [
        f'ok  {doc["kind"]} "{doc["metadata"]["name"]}"  ({path})'
        for path in sorted(folder.glob("*.yaml"))
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8"))
        if doc
    ]
    assert ok_lines(done) == expected


def test_standard_input_is_read_with_dash() -> None:
    done = validate("-", stdin=TEMPLATE + "---\n" + RUN)
    assert done.returncode == 0, done.stderr
    assert ok_lines(done) == [
        'ok  WorkflowTemplate "greet"  (-)',
        'ok  WorkflowRun "greet-run"  (-)',
    ]


def test_invalid_standard_input_fails() -> None:
    done = validate("-", stdin=BROKEN)
    assert done.returncode != 0
    assert "-" in done.stderr and 'WorkflowTemplate "broken"' in done.stderr


def test_every_error_of_a_document_is_printed_with_its_path() -> None:
    done = validate("-", stdin=BROKEN)
    assert "2 problems" in done.stderr
    for line in (
        "  spec.seqPod.steps[0]: script and command are mutually exclusive",
        '  spec.seqPod.steps[1].name: duplicate step name "s"',
    ):
        assert line in done.stderr.splitlines()


def test_directory_is_read_recursively_reporting_each_object(tmp_path: Path) -> None:
    (tmp_path / "nested").mkdir()
    (tmp_path / "a-template.yaml").write_text(TEMPLATE)
    (tmp_path / "nested" / "b-run.yml").write_text(RUN)
    (tmp_path / "nested" / "c-broken.yaml").write_text(BROKEN)
    (tmp_path / "notes.txt").write_text("not: [yaml")
    done = validate(tmp_path)
    assert done.returncode != 0
    assert ok_lines(done) == [
        f'ok  WorkflowTemplate "greet"  ({tmp_path / "a-template.yaml"})',
        f'ok  WorkflowRun "greet-run"  ({tmp_path / "nested" / "b-run.yml"})',
    ]
    assert str(tmp_path / "nested" / "c-broken.yaml") in done.stderr
    assert "notes.txt" not in done.stdout + done.stderr


def test_several_files_are_checked_together(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text(TEMPLATE)
    (tmp_path / "r.yaml").write_text(RUN.replace("who, value", "whom, value"))
    done = validate(tmp_path / "t.yaml", tmp_path / "r.yaml")
    assert done.returncode != 0
    assert 'spec.params: missing required param "who" of template "greet"' in done.stderr


def test_json_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "run.json"
    path.write_text(json.dumps(yaml.safe_load(RUN)))
    done = validate(path)
    assert done.returncode == 0, done.stderr
    assert ok_lines(done) == [f'ok  WorkflowRun "greet-run"  ({path})']


def one_clear_line(done: subprocess.CompletedProcess[str]) -> str:
    output = (done.stdout + done.stderr).strip()
    assert done.returncode != 0
    assert "Traceback" not in output
    assert len(output.splitlines()) == 1, output
    return output


def test_bad_yaml_gets_one_line_with_file_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("apiVersion: v1\nkind: ConfigMap\ndata: {a: [1, 2}\n")
    line = one_clear_line(validate(path))
    assert f"{path}:3:" in line and "invalid YAML" in line


def test_bad_yaml_on_standard_input_names_dash(tmp_path: Path) -> None:
    line = one_clear_line(validate("-", stdin="a: [1\nb: 2"))
    assert line.startswith("error: -:2:") and "invalid YAML" in line


def test_unknown_kind_is_named(tmp_path: Path) -> None:
    path = tmp_path / "gadget.yaml"
    path.write_text("apiVersion: example.com/v1\nkind: Gadget\nmetadata: {name: g}\n")
    line = one_clear_line(validate(path))
    assert 'kind: unknown kind "Gadget" in "example.com/v1"' in line


def test_document_that_is_not_a_mapping_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("- a\n- b\n")
    assert "a document must be a YAML/JSON object" in one_clear_line(validate(path))


def test_missing_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    line = one_clear_line(validate(missing))
    assert f"{missing}: no such file or directory" in line


def test_no_documents_is_an_error_not_a_pass() -> None:
    done = validate("-", stdin="# only a comment\n")
    assert done.returncode != 0
    assert "no documents found in -" in done.stderr
