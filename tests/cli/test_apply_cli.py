"""`treadle apply`, `create` and `validate` as kubectl's: each document on its own,
dry runs that store nothing, `--validate`, and warnings on stderr."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
from pathlib import Path

import pytest

from tests.support import GREET_TEMPLATE, TREADLE, treadle_cli

pytestmark = pytest.mark.skipif(not TREADLE.exists(), reason="the treadle command is not installed")

GV = "batch.tensorstack.dev/v1beta1"


def run_doc(name: str, *params: str, meta: str | None = None) -> str:
    given = ", ".join(f"{{name: {p.split('=')[0]}, value: {p.split('=')[1]}}}" for p in params)
    return (
        f"apiVersion: {GV}\nkind: WorkflowRun\nmetadata: {meta or '{name: ' + name + '}'}\n"
        f"spec:\n  workflowTemplateRef: greet\n  params: [{given}]\n"
    )


UNDECLARED_ERROR = 'spec.params[1].name: param "extra" is not declared by template "greet"'
"""What strict validation says of the param: the problem, without the warning's note."""
UNDECLARED_WARNING = (
    f"{UNDECLARED_ERROR} (accepted: substituted only where the template references it)"
)


def treadle(home: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return treadle_cli(*args, home=home, stdin=stdin)


def stored(home: Path, kind: str, name: str) -> bool:
    return treadle(home, "get", kind, name).returncode == 0


def no_traceback(done: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in done.stdout + done.stderr


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def with_greet(home: Path) -> Path:
    assert treadle(home, "apply", "-f", "-", stdin=GREET_TEMPLATE).returncode == 0
    return home


def test_a_directory_with_an_invalid_document_in_the_middle_applies_the_others(
    home: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "objects"
    folder.mkdir()
    (folder / "a-template.yaml").write_text(GREET_TEMPLATE)
    runs = folder / "b-runs.yaml"
    runs.write_text(
        run_doc("first", "who=a") + "---\n" + run_doc("broken") + "---\n" + run_doc("last", "who=b")
    )
    (folder / "c-config.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")
    done = treadle(home, "apply", "-f", str(folder))
    assert done.returncode == 2
    assert done.stdout.splitlines() == [
        "workflowtemplate/greet created",
        "workflowrun/first created",
        "workflowrun/last created",
        "configmap/c created",
    ]
    assert done.stderr.splitlines() == [
        f'error: {runs} (document 2, line 8): WorkflowRun "broken": '
        'spec.params: missing required param "who" of template "greet"'
    ]
    assert [stored(home, "wr", n) for n in ("first", "broken", "last")] == [True, False, True]


def test_a_client_dry_run_checks_the_files_here_and_stores_nothing(home: Path) -> None:
    done = treadle(
        home,
        "apply",
        "--dry-run=client",
        "-f",
        "-",
        stdin=GREET_TEMPLATE + "---\n" + run_doc("r", "who=x"),
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "workflowtemplate/greet created (dry run)",
        "workflowrun/r created (dry run)",
    ]
    assert not home.exists()  # not even a data directory is made


def test_a_client_dry_run_refuses_what_validate_refuses(home: Path) -> None:
    done = treadle(
        home, "apply", "--dry-run=client", "-f", "-", stdin=GREET_TEMPLATE + "---\n" + run_doc("r")
    )
    assert done.returncode == 2
    assert 'spec.params: missing required param "who" of template "greet"' in done.stderr
    assert done.stdout == "workflowtemplate/greet created (dry run)\n"


def test_a_server_dry_run_admits_against_what_is_stored_and_stores_nothing(
    with_greet: Path,
) -> None:
    done = treadle(with_greet, "apply", "--dry-run=server", "-f", "-", stdin=run_doc("r", "who=x"))
    assert done.returncode == 0, done.stderr
    assert done.stdout == "workflowrun/r created (server dry run)\n"
    assert not stored(with_greet, "wr", "r")


def test_a_server_dry_run_catches_what_a_client_dry_run_cannot(with_greet: Path) -> None:
    # The template is stored, not in the file: only the data directory knows its params.
    client = treadle(with_greet, "apply", "--dry-run=client", "-f", "-", stdin=run_doc("r"))
    assert client.returncode == 0, client.stderr
    server = treadle(with_greet, "apply", "--dry-run=server", "-f", "-", stdin=run_doc("r"))
    assert server.returncode == 2
    assert 'spec.params: missing required param "who" of template "greet"' in server.stderr
    assert server.stdout == ""


def test_a_server_dry_run_of_a_change_says_configured_and_changes_nothing(
    with_greet: Path,
) -> None:
    changed = GREET_TEMPLATE.replace("spec:\n", "spec:\n  description: changed\n")
    done = treadle(with_greet, "apply", "--dry-run=server", "-f", "-", stdin=changed)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "workflowtemplate/greet configured (server dry run)\n"
    shown = json.loads(treadle(with_greet, "get", "wt", "greet", "-o", "json").stdout)
    assert "description" not in shown["spec"]


def test_a_dry_run_starts_no_controller(with_greet: Path) -> None:
    done = treadle(with_greet, "apply", "--dry-run=server", "-f", "-", stdin=run_doc("r", "who=x"))
    assert done.returncode == 0, done.stderr
    assert not (with_greet / "controller.log").exists()


def test_a_warning_names_file_document_object_and_field_and_the_object_is_stored(
    with_greet: Path, tmp_path: Path
) -> None:
    path = tmp_path / "run.yaml"
    path.write_text(run_doc("r", "who=x", "extra=y"))
    done = treadle(with_greet, "apply", "-f", str(path))
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [
        f'Warning: {path} (document 1): WorkflowRun "r": {UNDECLARED_WARNING}'
    ]
    assert done.stdout == "workflowrun/r created\n"
    assert stored(with_greet, "wr", "r")


@pytest.mark.parametrize("strict", [["--strict"], ["--validate=strict"]])
def test_strict_refuses_a_document_that_has_a_warning(with_greet: Path, strict: list[str]) -> None:
    done = treadle(with_greet, "apply", *strict, "-f", "-", stdin=run_doc("r", "who=x", "extra=y"))
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f'error: - (document 1, line 1): WorkflowRun "r": {UNDECLARED_ERROR}'
    ]
    assert not stored(with_greet, "wr", "r")


def test_validate_ignore_stores_without_a_word(with_greet: Path) -> None:
    done = treadle(
        with_greet, "apply", "--validate=ignore", "-f", "-", stdin=run_doc("r", "who=x", "extra=y")
    )
    assert done.returncode == 0
    assert done.stderr == ""
    assert stored(with_greet, "wr", "r")


def test_strict_and_another_validate_contradict(home: Path) -> None:
    done = treadle(home, "apply", "--strict", "--validate=warn", "-f", "-", stdin=GREET_TEMPLATE)
    assert done.returncode == 2 and "contradict" in done.stderr
    no_traceback(done)


def test_an_unknown_dry_run_is_one_clear_line(home: Path) -> None:
    done = treadle(home, "apply", "--dry-run=maybe", "-f", "-", stdin=GREET_TEMPLATE)
    assert done.returncode == 2
    assert done.stderr.strip() == 'error: --dry-run "maybe": use none, server or client'


def test_validate_prints_warnings_says_ok_and_fails_only_when_strict(home: Path) -> None:
    text = GREET_TEMPLATE + "---\n" + run_doc("r", "who=x", "extra=y")
    done = treadle(home, "validate", "-f", "-", stdin=text)
    assert done.returncode == 0
    assert 'ok  WorkflowRun "r"  (-)' in done.stdout.splitlines()
    assert done.stderr.splitlines() == [
        f'Warning: - (document 2): WorkflowRun "r": {UNDECLARED_WARNING}'
    ]
    strict = treadle(home, "validate", "--strict", "-f", "-", stdin=text)
    assert strict.returncode == 2
    assert f'error: - (document 2, line 10): WorkflowRun "r": {UNDECLARED_ERROR}' in strict.stderr


def test_apply_refuses_what_validate_refuses_even_before_its_template(home: Path) -> None:
    # The run comes first: on its own, the data directory would not know the template yet.
    text = run_doc("r") + "---\n" + GREET_TEMPLATE
    checked = treadle(home, "validate", "-f", "-", stdin=text)
    applied = treadle(home, "apply", "-f", "-", stdin=text)
    missing = 'WorkflowRun "r": spec.params: missing required param "who" of template "greet"'
    assert checked.returncode == applied.returncode == 2
    assert missing in checked.stderr and missing in applied.stderr
    assert applied.stdout == "workflowtemplate/greet created\n"
    assert not stored(home, "wr", "r")


def test_validate_refuses_metadata_the_store_refuses(home: Path) -> None:
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  annotations: {'bad key!': x}\n"
    checked = treadle(home, "validate", "-f", "-", stdin=text)
    applied = treadle(home, "apply", "-f", "-", stdin=text)
    assert checked.returncode == applied.returncode == 2
    assert "metadata.annotations: invalid key" in checked.stderr
    assert "metadata.annotations: invalid key" in applied.stderr


TUTORIAL_RUN = f"""\
apiVersion: {GV}
kind: WorkflowRun
metadata:
  generateName: greet-run-
spec:
  workflowTemplateRef: greet
  params: [{{name: who, value: world}}]
"""


def test_create_gives_a_generated_name_each_time(with_greet: Path) -> None:
    names = []
    for _ in range(2):
        done = treadle(with_greet, "create", "-f", "-", stdin=TUTORIAL_RUN)
        assert done.returncode == 0, done.stderr
        found = re.fullmatch(r"workflowrun/(greet-run-[a-z0-9]{5}) created\n", done.stdout)
        assert found, done.stdout
        names.append(found.group(1))
    assert names[0] != names[1]
    assert all(stored(with_greet, "wr", n) for n in names)


def test_create_of_a_name_taken_fails_for_that_document_only(with_greet: Path) -> None:
    done = treadle(with_greet, "create", "-f", "-", stdin=GREET_TEMPLATE + "---\n" + TUTORIAL_RUN)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        'error: - (document 1, line 1): WorkflowTemplate "default/greet" already exists'
    ]
    assert re.fullmatch(r"workflowrun/greet-run-[a-z0-9]{5} created\n", done.stdout)


def test_create_dry_run_server_gives_the_name_it_would_and_stores_nothing(
    with_greet: Path,
) -> None:
    done = treadle(with_greet, "create", "--dry-run=server", "-f", "-", stdin=TUTORIAL_RUN)
    assert done.returncode == 0, done.stderr
    found = re.fullmatch(
        r"workflowrun/(greet-run-[a-z0-9]{5}) created \(server dry run\)\n", done.stdout
    )
    assert found, done.stdout
    assert not stored(with_greet, "wr", found.group(1))


def test_apply_of_a_generated_name_is_refused_pointing_to_create(with_greet: Path) -> None:
    done = treadle(with_greet, "apply", "-f", "-", stdin=TUTORIAL_RUN)
    assert done.returncode == 2
    (line,) = done.stderr.splitlines()
    assert line.startswith("error: - (document 1, line 1): WorkflowRun: metadata.generateName:")
    assert "treadle create" in line
    listed = treadle(with_greet, "get", "wr", "-o", "name")
    assert listed.stdout == ""


def test_applying_a_job_by_itself_starts_a_controller_that_runs_it(home: Path) -> None:
    """Not only runs: a T9k job applied on its own must be acted on, as on a cluster."""
    from treadle.client.embedded import EmbeddedClient
    from treadle.config import Home

    job = (
        "apiVersion: batch.tensorstack.dev/v1beta1\nkind: GenericJob\nmetadata: {name: alone}\n"
        "spec:\n  replicaSpecs:\n    - type: worker\n      template:\n        spec:\n"
        "          containers: [{name: main, image: ubuntu, command: [echo, hi]}]\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "TREADLE_NO_AUTOSTART"}
    done = subprocess.run(
        [str(TREADLE), "apply", "-f", "-"],
        input=job,
        capture_output=True,
        text=True,
        env={**env, "TREADLE_HOME": str(home), "NO_COLOR": "1"},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    client = EmbeddedClient(Home(home))
    try:
        holder = client.controller_holder()
        assert holder is not None, "apply started no controller"
        page = client.store.list(GV, "GenericJob", "default")
        phase = (page.items[0].get("status") or {}).get("phase")
        if phase != "Succeeded":
            events = client.store.watch(
                GV, "GenericJob", "default", since=page.resource_version, timeout=30
            )
            for event in events:
                phase = (event.object.get("status") or {}).get("phase")
                if phase == "Succeeded":
                    break
        assert phase == "Succeeded"
    finally:
        pid = int(holder.split(":")[1]) if holder else None
        client.close()
        if pid is not None:
            os.kill(pid, signal.SIGTERM)
